"""Eventual consistency of EC2 describes: for ``settings.ec2_visibility_delay`` real seconds after a VPN connection,
customer gateway or transit gateway is created, describes do not list it, and naming its id answers
``Invalid<Kind>ID.NotFound``. EC2's "Eventual consistency" guide: "If you run a describe command immediately after
a create command, you might get an InvalidXxxID.NotFound error" and "a resource might not be listed right away"
(https://docs.aws.amazon.com/ec2/latest/devguide/eventual-consistency.html). 0 (the default): visible at once."""

from __future__ import annotations

import functools
import inspect
import time

from moto.ec2.exceptions import InvalidCustomerGatewayIdError, InvalidVpnConnectionIdError
from moto.ec2.models.customer_gateways import CustomerGateway, CustomerGatewayBackend
from moto.ec2.models.transit_gateway import TransitGateway, TransitGatewayBackend
from moto.ec2.models.vpn_connections import VPNConnection, VPNConnectionBackend

from twin.aws.common import tgw_not_found
from twin.config import settings

_BORN = "_twin_born"  # real time a resource was created (resources of the seed have none: visible)


def _stamped(cls) -> None:
    original = cls.__init__

    @functools.wraps(original)
    def init(self, *args, **kwargs):
        original(self, *args, **kwargs)
        setattr(self, _BORN, time.monotonic())

    cls.__init__ = init


def visible(resource) -> bool:
    return time.monotonic() >= getattr(resource, _BORN, 0.0) + settings.ec2_visibility_delay


def _eventually(describe, ids_param: str, not_found):
    signature = inspect.signature(describe)

    @functools.wraps(describe)
    def wrapper(*args, **kwargs):
        found = describe(*args, **kwargs)
        hidden = [r.id for r in found if not visible(r)]
        asked = signature.bind(*args, **kwargs).arguments.get(ids_param) or []
        if hidden and any(i in hidden for i in asked):
            raise not_found(next(i for i in asked if i in hidden))
        return [r for r in found if r.id not in hidden]

    return wrapper


def install() -> None:
    """After the describes got their filters (vpn.install, tgw.install): hiding comes last."""
    from twin.aws.vpn import TwinVpnConnection

    for cls in (VPNConnection, TwinVpnConnection, CustomerGateway, TransitGateway):
        if "__init__" in vars(cls):
            _stamped(cls)
    VPNConnectionBackend.describe_vpn_connections = _eventually(
        VPNConnectionBackend.describe_vpn_connections, "vpn_connection_ids", InvalidVpnConnectionIdError)
    CustomerGatewayBackend.describe_customer_gateways = _eventually(
        CustomerGatewayBackend.describe_customer_gateways, "customer_gateway_ids", InvalidCustomerGatewayIdError)
    TransitGatewayBackend.describe_transit_gateways = _eventually(
        TransitGatewayBackend.describe_transit_gateways, "transit_gateway_ids", tgw_not_found)
