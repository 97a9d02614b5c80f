"""AWS half of the twin: moto's server app (moto 5.2.5) with the behaviour moto lacks or fakes,
installed by patching moto's EC2 / RAM / STS classes, one module per area:

- ``backends``: moto's default AMIs loaded on first read, so backends are cheap to create
- ``accounts``: hub as default account, AssumeRole into seed accounts only, unknown regions refused
- ``vpn``: VPN connections, tunnel options, customer gateways
- ``vpc``: every documented DescribeVpcs / DescribeSubnets filter
- ``tgw``: transit gateways, attachments, route tables and routes
- ``ram``: resource shares and invitations
- ``inspect``: the tunnels the link reads
- ``consistency``: new VPN connections, customer gateways and TGWs unseen by describes for a while (installed last)
"""

from __future__ import annotations

import threading

_installed = False
_lock = threading.Lock()


def install() -> None:
    """Patch moto once (idempotent)."""
    global _installed
    with _lock:
        if _installed:
            return
        from twin.aws import accounts, backends, consistency, ram, tgw, vpc, vpn

        for module in (backends, accounts, vpc, vpn, tgw, ram, consistency):
            module.install()
        _installed = True


def build_app():
    """moto's WSGI server app with the twin's extensions, behind the region and credential checks, its accounts
    reset to the seed (as ``/_twin/reset`` leaves them: a twin just started and one just reset hold the same)."""
    from moto.server import DomainDispatcherApplication, create_backend_app

    from twin.aws.accounts import RegionGuard

    reset()
    return RegionGuard(DomainDispatcherApplication(create_backend_app))


def reset() -> None:
    """Forget every resource, then re-create the seed (``twin.config.settings.seed["aws"]``)."""
    install()
    from moto.moto_api._internal.models import moto_api_backend

    from twin.aws import accounts, ram

    moto_api_backend.reset()
    ram.reset()
    accounts.apply_seed()
