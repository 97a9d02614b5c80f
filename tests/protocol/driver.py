"""The protocol tier's driver: read back what ``playbooks/site.yml`` configured on the twin (readback.py),
bring it up with strongSwan and FRR (lab.py), and feed what they negotiated back to the twin, so that the
collection's own verify reports real negotiation (``POST /_twin/observed``, tests/twin/admin.py)."""

from __future__ import annotations

import requests
import yaml
from integration.ansible_run import ROOT, run_playbook

from protocol.lab import TunnelState
from protocol.readback import Config

INVENTORY = ROOT / "inventories/sandbox"
FAST_VERIFY = {"hybrid_vpn_verify_delay": 1, "hybrid_vpn_aws_poll_interval": 1}
# Lines for the terminal summary (tests/protocol/conftest.py): the states each test saw, the figures measured.
REPORT: list[str] = []


def playbook(tmp_path, name: str, **extra) -> dict:
    """Run one of the collection's playbooks on the sandbox inventory; {host: (failures, changed)}."""
    report = run_playbook(ROOT / "playbooks" / name, tmp_path=tmp_path, inventory=str(INVENTORY),
                          extra_vars={**FAST_VERIFY, **extra})
    return {host: (s["failures"], s["changed"]) for host, s in report["stats"].items()}


def sandbox() -> dict:
    """The sandbox inventory's settings the read-back needs (project, region, ASNs, TGW name): its one
    settings file (docs/settings.md), keys without their ``hybrid_vpn_`` prefix."""
    settings = yaml.safe_load((INVENTORY / "group_vars" / "all" / "hybrid_vpn.yml").read_text())
    return {name.removeprefix("hybrid_vpn_"): value for name, value in settings.items()}


def observed_body(config: Config, states: list[TunnelState]) -> dict:
    """What real negotiation produced, in the twin's terms: each tunnel's vpnTunnels.status by (GCP interface
    IP, AWS outside IP), each session's BGP state as FRR on the GCP side reports it by (router address, AWS
    inside address). AWS telemetry follows from both (the link derives it)."""
    tunnels, sessions = [], []
    for state in states:
        end = config.end("gcp", state.name)
        tunnels.append([end.local_ip, end.remote_ip, state.gcp_status])
        sessions.append([end.inside_ip, end.neighbour_ip, state.bgp])
    return {"tunnels": tunnels, "sessions": sessions}


def _observed(admin_url: str, method: str, body: dict | None = None) -> dict:
    http = requests.Session()
    http.trust_env = False  # straight to 127.0.0.1, never through the proxy
    response = http.request(method, f"{admin_url}/_twin/observed", json=body, timeout=30)
    response.raise_for_status()
    return response.json()


def feed(admin_url: str, config: Config, states: list[TunnelState]) -> dict:
    """The twin reports these states from now on (until ``forget``)."""
    return _observed(admin_url, "POST", observed_body(config, states))


def forget(admin_url: str) -> None:
    """The daemons are gone: the twin goes back to comparing both clouds' fields."""
    _observed(admin_url, "DELETE")
