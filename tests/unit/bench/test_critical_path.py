"""make bench's critical path (bench/critical_path.py): the longest chain of waits the clouds' rules impose."""

from __future__ import annotations

from bench.critical_path import critical_path


def wait(what: str, ident: str, seconds: float) -> dict:
    return {"what": what, "id": ident, "seconds": seconds}


COLD = [
    wait("compute insert vpnGateways", "ha-vpn-aws", 5),
    wait("ec2 TransitGateway pending", "tgw-1", 60),
    wait("ec2 TwinVpnConnection pending", "vpn-1", 300),
    wait("ec2 TransitGatewayAttachment/vpn pending", "tgw-attach-v1", 300),
    wait("compute insert externalVpnGateways", "aws-tgw-peer", 5),
    wait("compute insert routers", "cr-aws", 5),
    wait("compute insert vpnTunnels", "aws-tunnel-0", 5),
    wait("compute patch routers", "cr-aws", 5),
    wait("ec2 TransitGatewayVpcAttachment/vpc pending", "tgw-attach-s1", 60),
    wait("ec2 RouteTableAssociation/vpn associating", "tgw-attach-v1", 5),
    wait("ec2 RouteTablePropagation/vpc enabling", "tgw-attach-s1", 5),
    wait("vpcaccess create connectors", "svpc-tokyo", 90),
]


def test_a_cold_build_waits_for_the_tgw_then_the_vpn_attachment_then_its_association():
    path = critical_path(COLD)
    assert path.seconds == 60 + 300 + 5
    assert path.chain == ["ec2 TransitGateway pending tgw-1 (60 s)",
                          "ec2 TransitGatewayAttachment/vpn pending tgw-attach-v1 (300 s)",
                          "ec2 RouteTableAssociation/vpn associating tgw-attach-v1 (5 s)"]


def test_the_peer_gateway_needs_the_vpn_connection_begun_not_available():
    # TGW 60 -> VPN connection begun at 60 -> peer gateway 5 -> tunnels 5 -> router patch 5: 75, not 60 + 300 + ...
    gcp_only = [w for w in COLD if not any(k in w["what"] for k in ("Attachment", "RouteTable", "vpcaccess"))]
    gcp_only[2] = wait("ec2 TwinVpnConnection pending", "vpn-1", 10)
    assert critical_path(gcp_only).seconds == 60 + 5 + 5 + 5


def test_an_association_waits_only_for_its_own_attachment():
    timeline = [wait("ec2 TransitGatewayAttachment/vpn pending", "tgw-attach-v1", 300),
                wait("ec2 TransitGatewayVpcAttachment/vpc pending", "tgw-attach-s1", 60),
                wait("ec2 RouteTableAssociation/vpc associating", "tgw-attach-s1", 5)]
    assert critical_path(timeline).seconds == 300


def test_independent_waits_do_not_add_up():
    assert critical_path([wait("vpcaccess create connectors", "a", 90), wait("compute insert firewalls", "f", 5),
                          wait("vpcaccess create connectors", "b", 90)]).seconds == 90


def test_teardown_deletes_the_tgw_after_its_route_table_after_the_disassociations():
    timeline = [wait("ec2 RouteTableAssociation/vpc disassociating", "tgw-attach-s1", 5),
                wait("ec2 TransitGatewayVpcAttachment/vpc deleting", "tgw-attach-s1", 30),
                wait("ec2 TransitGatewayRouteTable deleting", "tgw-rtb-1", 30),
                wait("ec2 TransitGateway deleting", "tgw-1", 30)]
    assert critical_path(timeline).seconds == 5 + 30 + 30


def test_nothing_waited_is_a_zero_path():
    assert critical_path([]).seconds == 0
