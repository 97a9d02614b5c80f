"""Acceptance test of the whole twin: the 4-tunnel topology built by hand with plain boto3 and
googleapiclient, then what an operator checks on each side, healthy and broken."""

from __future__ import annotations

import uuid

import pytest
from googleapiclient.errors import HttpError

from twin.tests.topology import Topology, bgp_config, build, patch_router, replace_tunnel


@pytest.fixture
def topology(ec2, compute) -> Topology:
    return build(ec2, compute, name=f"t{uuid.uuid4().hex[:8]}")


def gcp_tunnel_status(compute, t: Topology) -> list[str]:
    return [compute.vpnTunnels().get(project=t.project, region=t.region, vpnTunnel=t.tunnel_name(i)).execute()["status"]
            for i in range(4)]


def bgp_peer_status(compute, t: Topology) -> dict[str, str]:
    result = compute.routers().getRouterStatus(project=t.project, region=t.region, router=t.router).execute()
    return {p["name"]: p["status"] for p in result["result"].get("bgpPeerStatus", [])}


def aws_telemetry(ec2, t: Topology) -> dict[str, tuple[str, int]]:
    """(Status, AcceptedRouteCount) per AWS outside IP."""
    vpns = ec2.describe_vpn_connections(VpnConnectionIds=t.vpn_connection_ids)["VpnConnections"]
    return {v["OutsideIpAddress"]: (v["Status"], v["AcceptedRouteCount"]) for c in vpns for v in c["VgwTelemetry"]}


def subnet_cidrs(compute, t: Topology) -> set[str]:
    """What the Cloud Router advertises by default: the subnets of its VPC network (Cloud Router
    "Advertised routes": default mode advertises all subnets; the seed has one region)."""
    items = compute.subnetworks().list(project=t.project, region=t.region).execute().get("items", [])
    return {s["ipCidrRange"] for s in items if s["network"].endswith(f"/networks/{t.network}")}


def tgw_vpn_routes(ec2, t: Topology) -> set[str]:
    routes = ec2.search_transit_gateway_routes(
        TransitGatewayRouteTableId=t.route_table_id, Filters=[{"Name": "type", "Values": ["propagated"]}])["Routes"]
    return {r["DestinationCidrBlock"] for r in routes
            if r["State"] == "active" and any(a["ResourceType"] == "vpn" for a in r["TransitGatewayAttachments"])}


def test_built_by_hand_all_four_tunnels_and_sessions_come_up(ec2, compute, topology):
    t = topology
    advertised = subnet_cidrs(compute, t)
    assert advertised, "the seed network has subnets to advertise"
    assert gcp_tunnel_status(compute, t) == ["ESTABLISHED"] * 4
    assert bgp_peer_status(compute, t) == {f"peer-{t.tunnel_name(i)}": "UP" for i in range(4)}
    assert aws_telemetry(ec2, t) == {a.outside_ip: ("UP", len(advertised)) for a in t.tunnels}
    assert tgw_vpn_routes(ec2, t) == advertised


def test_a_vpc_propagated_route_wins_over_the_same_prefix_learned_over_vpn(ec2, compute, topology):
    """TGW route evaluation order: for one destination a VPC-propagated route beats a VPN-propagated one."""
    t = topology
    cidr = sorted(subnet_cidrs(compute, t))[0]
    vpc = ec2.create_vpc(CidrBlock=cidr)["Vpc"]
    subnet = ec2.create_subnet(VpcId=vpc["VpcId"], CidrBlock=cidr)["Subnet"]
    ec2.create_transit_gateway_vpc_attachment(TransitGatewayId=t.tgw_id, VpcId=vpc["VpcId"],
                                              SubnetIds=[subnet["SubnetId"]])
    [route] = ec2.search_transit_gateway_routes(
        TransitGatewayRouteTableId=t.route_table_id,
        Filters=[{"Name": "route-search.exact-match", "Values": [cidr]}])["Routes"]
    assert [(a["ResourceType"], a["ResourceId"]) for a in route["TransitGatewayAttachments"]] == [
        ("vpc", vpc["VpcId"])]
    assert tgw_vpn_routes(ec2, t) == subnet_cidrs(compute, t) - {cidr}


def test_a_tunnel_recreated_with_a_wrong_key_goes_down_alone(ec2, compute, topology):
    t = topology
    replace_tunnel(compute, t, 1, "not_the_aws_key_123")

    assert gcp_tunnel_status(compute, t) == ["ESTABLISHED", "AUTHORIZATION_ERROR", "ESTABLISHED", "ESTABLISHED"]
    assert bgp_peer_status(compute, t) == {f"peer-{t.tunnel_name(i)}": "DOWN" if i == 1 else "UP" for i in range(4)}
    telemetry = aws_telemetry(ec2, t)
    assert {ip: status for ip, (status, _) in telemetry.items()} == {
        a.outside_ip: "DOWN" if i == 1 else "UP" for i, a in enumerate(t.tunnels)}
    assert telemetry[t.tunnels[1].outside_ip] == ("DOWN", 0)
    assert tgw_vpn_routes(ec2, t) == subnet_cidrs(compute, t)  # ECMP: three tunnels still carry them


def test_bgp_peer_ip_not_on_the_interface_subnet_is_refused(compute, topology):
    t = topology
    interfaces, peers = zip(*(bgp_config(t, i) for i in range(4)), strict=True)
    swapped = [dict(p, ipAddress=p["peerIpAddress"], peerIpAddress=p["ipAddress"]) if i == 0 else p
               for i, p in enumerate(peers)]
    with pytest.raises(HttpError) as refused:
        patch_router(compute, t, list(interfaces), swapped)
    # Real wording (terraform-google-vpn #45): BGP Peer "..." has IP address ... different from interface IP address
    assert refused.value.status_code == 400
    assert "different from interface IP address" in str(refused.value)
    assert bgp_peer_status(compute, t)[f"peer-{t.tunnel_name(0)}"] == "UP"


def test_interface_and_peer_on_the_aws_address_leave_the_session_down(ec2, compute, topology):
    """The classic swap done consistently (router on the AWS inside address): GCP accepts it, BGP never comes up."""
    t = topology
    interfaces, peers = (list(x) for x in zip(*(bgp_config(t, i) for i in range(4)), strict=True))
    aws = t.tunnels[0]
    interfaces[0] = dict(interfaces[0], ipRange=f"{aws.aws_ip}/30")
    peers[0] = dict(peers[0], ipAddress=aws.aws_ip, peerIpAddress=aws.customer_ip)
    patch_router(compute, t, interfaces, peers)

    assert gcp_tunnel_status(compute, t) == ["ESTABLISHED"] * 4  # IPsec does not care
    assert bgp_peer_status(compute, t) == {f"peer-{t.tunnel_name(i)}": "DOWN" if i == 0 else "UP" for i in range(4)}
    assert aws_telemetry(ec2, t)[aws.outside_ip] == ("DOWN", 0)


def test_a_key_changed_on_the_aws_side_breaks_only_that_tunnel(ec2, compute, topology):
    t = topology
    aws = t.tunnels[2]
    ec2.modify_vpn_tunnel_options(VpnConnectionId=aws.vpn_connection_id, VpnTunnelOutsideIpAddress=aws.outside_ip,
                                  TunnelOptions={"PreSharedKey": "rotated_on_aws_only_1"})
    ec2.get_waiter("vpn_connection_available").wait(
        VpnConnectionIds=[aws.vpn_connection_id], WaiterConfig={"Delay": 1, "MaxAttempts": 60})

    assert gcp_tunnel_status(compute, t) == ["ESTABLISHED", "ESTABLISHED", "AUTHORIZATION_ERROR", "ESTABLISHED"]
    vpn = ec2.describe_vpn_connections(VpnConnectionIds=[aws.vpn_connection_id])["VpnConnections"][0]
    telemetry = next(v for v in vpn["VgwTelemetry"] if v["OutsideIpAddress"] == aws.outside_ip)
    assert (telemetry["Status"], telemetry["StatusMessage"]) == ("DOWN", "IPSEC IS DOWN")


def test_gcp_learns_the_tgw_routes_but_never_its_own_subnets_back(ec2, compute, topology):
    """A static TGW route towards connection 0's attachment is advertised over connection 1 only (a TGW does
    not send a route back over the attachment it points to); the GCP subnets AWS re-advertises between the
    two connections carry the router's own ASN and are dropped (RFC 4271 section 9.1.2)."""
    t = topology
    attachments = ec2.describe_transit_gateway_attachments(
        Filters=[{"Name": "resource-id", "Values": [t.vpn_connection_ids[0]]}])["TransitGatewayAttachments"]
    ec2.create_transit_gateway_route(DestinationCidrBlock="10.99.0.0/16", TransitGatewayRouteTableId=t.route_table_id,
                                     TransitGatewayAttachmentId=attachments[0]["TransitGatewayAttachmentId"])
    status = compute.routers().getRouterStatus(project=t.project, region=t.region, router=t.router).execute()
    learned = {p["name"]: p.get("numLearnedRoutes") for p in status["result"]["bgpPeerStatus"]}
    assert learned == {f"peer-{t.tunnel_name(i)}": (0 if i < 2 else 1) for i in range(4)}


def learned_by_gcp(compute, t: Topology) -> set[str]:
    result = compute.routers().getRouterStatus(project=t.project, region=t.region, router=t.router).execute()
    return {r["destRange"] for r in result["result"].get("bestRoutesForRouter", [])}


def test_gcp_learns_exactly_the_table_associated_with_the_vpn_attachments(ec2, compute, topology):
    """The TGW advertises over a VPN attachment the routes of the route table associated with it (AWS Transit
    Gateway "Route tables"): a spoke CIDR reaches the Cloud Router only once it propagates into that table."""
    t = topology
    vpc = ec2.create_vpc(CidrBlock="10.80.0.0/16")["Vpc"]
    subnet = ec2.create_subnet(VpcId=vpc["VpcId"], CidrBlock="10.80.0.0/24")["Subnet"]
    spoke = ec2.create_transit_gateway_vpc_attachment(TransitGatewayId=t.tgw_id, VpcId=vpc["VpcId"], SubnetIds=[
        subnet["SubnetId"]])["TransitGatewayVpcAttachment"]["TransitGatewayAttachmentId"]
    assert "10.80.0.0/16" in learned_by_gcp(compute, t)  # default table: VPN and VPC attachments share it
    vpn_table = ec2.create_transit_gateway_route_table(TransitGatewayId=t.tgw_id)["TransitGatewayRouteTable"][
        "TransitGatewayRouteTableId"]
    vpn_attachments = [a["TransitGatewayAttachmentId"] for a in ec2.describe_transit_gateway_attachments(
        Filters=[{"Name": "resource-type", "Values": ["vpn"]}, {"Name": "transit-gateway-id", "Values": [t.tgw_id]}]
    )["TransitGatewayAttachments"]]
    for attachment in vpn_attachments:
        ec2.disassociate_transit_gateway_route_table(TransitGatewayAttachmentId=attachment,
                                                     TransitGatewayRouteTableId=t.route_table_id)
        ec2.associate_transit_gateway_route_table(TransitGatewayAttachmentId=attachment,
                                                  TransitGatewayRouteTableId=vpn_table)
    assert learned_by_gcp(compute, t) == set()  # the new table is empty
    ec2.enable_transit_gateway_route_table_propagation(TransitGatewayAttachmentId=spoke,
                                                       TransitGatewayRouteTableId=vpn_table)
    assert learned_by_gcp(compute, t) == {"10.80.0.0/16"}
