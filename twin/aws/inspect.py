"""What the AWS half exposes to the link (twin.link_model.AwsTunnel)."""

from __future__ import annotations

from twin.aws import tgw, vpn
from twin.aws.common import all_ec2_backends
from twin.link_model import AwsTunnel


def aws_tunnels() -> list[AwsTunnel]:
    """Every VPN tunnel in every account and region, with what its TGW advertises over BGP."""
    tunnels = []
    for _account, _region, backend in all_ec2_backends():
        for conn in list(backend.vpn_connections.values()):
            attachment = backend.transit_gateway_attachments.get(vpn.vpn_attachment_id(conn) or "")
            advertised = tgw.advertised_cidrs(attachment) if attachment is not None else ()
            tunnels.extend(vpn.aws_tunnel_views(conn, advertised))
    return tunnels
