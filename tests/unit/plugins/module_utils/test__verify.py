"""The pure verification: the GCP half against the AWS tunnels, the AWS half on its Transit Gateway, and the path
trace, as an operator reads the lines they return (side, element, reason)."""

from __future__ import annotations

import copy

from ansible_collections.cloudbridge.hybrid_vpn.plugins.module_utils._verify import (
    aws_vpn_check,
    gcp_vpn_check,
    learned_by_peer,
    trace_paths,
)
from ansible_collections.cloudbridge.hybrid_vpn.plugins.module_utils._wiring import inside_ips, key_fingerprint

TGW = "tgw-0abc"
KEYS = ["key.zero.00001", "key.one.000001", "key.two.000001", "key.three.0001"]
OUTSIDE = ["3.0.0.1", "3.0.0.2", "3.0.1.1", "3.0.1.2"]
CIDRS = ["169.254.10.0/30", "169.254.10.4/30", "169.254.11.0/30", "169.254.11.4/30"]
LINK = "https://www.googleapis.com/compute/v1/projects/p/regions/r/vpnTunnels/"
NETWORK = "https://www.googleapis.com/compute/v1/projects/p/global/networks/vpc-hub"


def aws_tunnels():
    return [{"vpn_connection_id": f"vpn-{i // 2}", "customer_gateway_id": f"cgw-{i // 2}", "transit_gateway_id": TGW,
             "outside_ip": OUTSIDE[i], "inside_cidr": CIDRS[i], "aws_inside_ip": inside_ips(CIDRS[i])[0],
             "cgw_inside_ip": inside_ips(CIDRS[i])[1],
             "pre_shared_key": KEYS[i], "amazon_side_asn": 64512, "customer_gateway_asn": 65000,
             "gcp_interface": i // 2, "peer_interface": i} for i in range(4)]


def gcp_side(up=True):
    """The four tunnels, the router and its status as Compute returns them for a VPN built as planned."""
    tunnels, interfaces, peers, status = [], [], [], []
    for t in aws_tunnels():
        i = t["peer_interface"]
        tunnels.append({"name": f"aws-tunnel-{i}", "peerIp": t["outside_ip"], "vpnGatewayInterface": t["gcp_interface"],
                        "ikeVersion": 2, "status": "ESTABLISHED" if up else "NO_INCOMING_PACKETS",
                        "detailedStatus": "Tunnel is up and running." if up else "No incoming packets from peer.",
                        "labels": {"psk-fingerprint": key_fingerprint(f"aws-tunnel-{i}", t["pre_shared_key"])}})
        interfaces.append({"name": f"aws-if-{i}", "ipRange": f"{t['cgw_inside_ip']}/30",
                           "linkedVpnTunnel": f"{LINK}aws-tunnel-{i}"})
        peers.append({"name": f"aws-bgp-{i}", "interfaceName": f"aws-if-{i}", "ipAddress": t["cgw_inside_ip"],
                      "peerIpAddress": t["aws_inside_ip"], "peerAsn": 64512})
        status.append({"name": f"aws-bgp-{i}", "status": "UP" if up else "DOWN",
                       "state": "Established" if up else "Active", "peerIpAddress": t["aws_inside_ip"],
                       "numLearnedRoutes": 2, "advertisedRoutes": [{"destRange": "10.100.0.0/20"},
                                                                   {"destRange": "10.100.240.0/28"}]})
    return tunnels, {"bgp": {"asn": 65000}, "interfaces": interfaces, "bgpPeers": peers}, status


def test_a_vpn_built_as_planned_is_done_with_a_row_per_tunnel():
    check = gcp_vpn_check(aws_tunnels(), *gcp_side(), "aws")
    assert (check["wiring"], check["waiting"], check["done"]) == ([], [], True)
    assert check["progress"] == "4/4 tunnels ESTABLISHED, 4/4 BGP sessions UP"
    assert [(r["tunnel"], r["outside_ip"], r["inside_cidr"], r["gcp_interface"], r["bgp_status"], r["learned_routes"])
            for r in check["rows"]][2] == ("aws-tunnel-2", "3.0.1.1", "169.254.11.0/30", 1, "UP", 2)
    assert not any(k in repr(check) for k in KEYS)


def test_keys_swapped_between_two_aws_tunnels_name_both_gcp_tunnels():
    aws = aws_tunnels()
    aws[0]["pre_shared_key"], aws[1]["pre_shared_key"] = KEYS[1], KEYS[0]
    check = gcp_vpn_check(aws, *gcp_side(), "aws")
    assert check["wiring"] == [
        "GCP tunnel aws-tunnel-0: key fingerprint (label psk-fingerprint) differs: its key is not the key of AWS "
        "tunnel 3.0.0.1 (vpn-0)",
        "GCP tunnel aws-tunnel-1: key fingerprint (label psk-fingerprint) differs: its key is not the key of AWS "
        "tunnel 3.0.0.2 (vpn-0)"]
    assert not check["done"] and not any(k in repr(check) for k in KEYS)


def test_peer_ip_interface_addresses_and_asns_are_checked_against_the_inside_cidr():
    tunnels, router, status = gcp_side()
    tunnels[3]["peerIp"], tunnels[3]["vpnGatewayInterface"], tunnels[3]["ikeVersion"] = "3.0.0.1", 0, 1
    router["interfaces"][1]["ipRange"] = "169.254.10.9/30"
    router["bgpPeers"][2].update(peerIpAddress="169.254.11.2", peerAsn=64999)
    router["bgp"]["asn"] = 65001
    wiring = gcp_vpn_check(aws_tunnels(), tunnels, router, status, "aws")["wiring"]
    assert ("GCP tunnel aws-tunnel-3: peer IP 3.0.0.1, expected 3.0.1.2, the outside IP of AWS tunnel 3.0.1.2 (vpn-1)"
            in wiring)
    assert any(line.startswith("GCP tunnel aws-tunnel-3: on HA VPN interface 0, expected 1") for line in wiring)
    assert any(line.startswith("GCP tunnel aws-tunnel-3: IKE version 1, expected 2") for line in wiring)
    assert ("GCP router interface aws-if-1: range 169.254.10.9/30, expected 169.254.10.6/30 (second address of "
            "inside CIDR 169.254.10.4/30)") in wiring
    assert ("GCP BGP peer aws-bgp-2: peerIpAddress 169.254.11.2, expected 169.254.11.1 (first address of "
            "169.254.11.0/30, AWS's side)") in wiring
    assert ("GCP BGP peer aws-bgp-2: peer ASN 64999, expected 64512 (the Transit Gateway's Amazon-side ASN)"
            in wiring)
    assert any(line.startswith("GCP Cloud Router: ASN 65001, expected 65000") for line in wiring)


def test_another_teams_peer_up_does_not_hide_ours_down():
    tunnels, router, status = gcp_side()
    router["bgpPeers"].append({"name": "other-bgp", "interfaceName": "other-if", "ipAddress": "169.254.200.2",
                               "peerIpAddress": "169.254.200.1", "peerAsn": 64512})
    status.append({"name": "other-bgp", "status": "UP", "state": "Established"})
    status[3].update(status="DOWN", state="Active")
    del status[3]["advertisedRoutes"]
    check = gcp_vpn_check(aws_tunnels(), tunnels, router, status, "aws")
    assert check["waiting"] == ["GCP BGP session aws-bgp-3: DOWN (Active)"]
    assert check["progress"] == "4/4 tunnels ESTABLISHED, 3/4 BGP sessions UP; aws-bgp-3: DOWN"
    assert not check["done"]


def test_tunnels_waiting_for_the_peer_show_in_the_progress_line():
    tunnels, router, status = gcp_side()
    tunnels[2].update(status="NO_INCOMING_PACKETS", detailedStatus="No incoming packets from peer.")
    check = gcp_vpn_check(aws_tunnels(), tunnels, router, status, "aws")
    assert check["progress"] == "3/4 tunnels ESTABLISHED, 4/4 BGP sessions UP; aws-tunnel-2: NO_INCOMING_PACKETS"
    assert check["waiting"] == ["GCP tunnel aws-tunnel-2: NO_INCOMING_PACKETS (No incoming packets from peer.)"]
    assert check["wiring"] == []


def test_missing_pieces_are_named():
    tunnels, _router, _status = gcp_side()
    check = gcp_vpn_check(aws_tunnels()[:2], tunnels[1:], None, [], "aws")
    assert check["wiring"][:3] == ["GCP Cloud Router: missing",
                                   "GCP: expected the 4 AWS tunnels to check against, got 2 (is the AWS side built?)",
                                   "GCP tunnel aws-tunnel-0: missing"]


# ---- AWS ----

def connection(name, index, tgw=TGW, state="available", statuses=("UP", "UP")):
    return {"vpn_connection_id": f"vpn-{index}", "customer_gateway_id": f"cgw-{index}", "transit_gateway_id": tgw,
            "state": state, "tags": [{"Key": "Name", "Value": name}],
            "options": {"tunnel_options": [{"outside_ip_address": OUTSIDE[2 * index + j],
                                            "tunnel_inside_cidr": CIDRS[2 * index + j],
                                            "ike_versions": [{"value": "ikev2"}],
                                            "phase1_dh_group_numbers": [{"value": 14}]} for j in range(2)]},
            "vgw_telemetry": [{"outside_ip_address": OUTSIDE[2 * index + j], "status": statuses[j],
                               "status_message": "3 BGP ROUTES" if statuses[j] == "UP" else "IPSEC IS DOWN",
                               "accepted_route_count": 3 if statuses[j] == "UP" else 0} for j in range(2)]}


NAMES = ["vpn-if0", "vpn-if1"]


def test_our_two_connections_up_are_done_and_another_teams_is_left_out():
    others = connection("other-team", 1, statuses=("DOWN", "DOWN"))  # same TGW, same customer gateway
    check = aws_vpn_check([connection("vpn-if0", 0), others, connection("vpn-if1", 1)], NAMES, TGW)
    assert (check["done"], check["progress"], len(check["rows"])) == (True, "4/4 tunnels UP", 4)
    assert check["rows"][0] == {"vpn_connection": "vpn-if0", "vpn_connection_id": "vpn-0",
                                "customer_gateway_id": "cgw-0", "outside_ip": "3.0.0.1",
                                "inside_cidr": "169.254.10.0/30", "status": "UP",
                                "message": "3 BGP ROUTES", "accepted_routes": 3}


def test_a_tunnel_down_a_connection_elsewhere_and_a_dh_group_cloud_vpn_refuses():
    down = connection("vpn-if0", 0, statuses=("UP", "DOWN"))
    down["options"]["tunnel_options"][0]["phase1_dh_group_numbers"] = [{"value": 17}]
    check = aws_vpn_check([down, connection("vpn-if1", 1, tgw="tgw-theirs")], NAMES, TGW)
    assert check["wiring"] == [
        "AWS tunnel 3.0.0.1 (vpn-0, vpn-if0): phase1 DH groups ['17'], none of which Cloud VPN accepts "
        "([2, 5, 14, 15, 16, 18, 19, 20, 21, 23, 24])",
        "AWS VPN connection vpn-if1: missing on Transit Gateway tgw-0abc"]
    assert check["waiting"] == ["AWS tunnel 3.0.0.2 (vpn-0, vpn-if0): DOWN (IPSEC IS DOWN)"]
    assert check["progress"] == "1/4 tunnels UP; 3.0.0.2: IPSEC IS DOWN"


def test_ikev1_only_is_refused():
    conn = connection("vpn-if0", 0)
    conn["options"]["tunnel_options"][1]["ike_versions"] = [{"value": "ikev1"}]
    assert aws_vpn_check([conn, connection("vpn-if1", 1)], NAMES, TGW)["wiring"] == [
        "AWS tunnel 3.0.0.2 (vpn-0, vpn-if0): IKE versions ['ikev1'], expected ikev2 among them (Cloud VPN's)"]


# ---- paths ----

SUBNET, CONNECTOR, SPOKE = "10.100.0.0/20", "10.100.240.0/28", "10.20.0.0/16"


def topology():
    """One spoke VPC, the TGW with the isolation design (vpn and spokes tables), the router's status."""
    spokes = [{"host": "aws-news", "account_id": "222222222222", "vpcs": [{
        "vpc_id": "vpc-news", "name": "news-prod", "cidr": SPOKE,
        "route_tables": [{"id": "rtb-main", "routes": [
            {"destination_cidr_block": SPOKE, "gateway_id": "local", "state": "active"},
            {"destination_cidr_block": SUBNET, "transit_gateway_id": TGW, "state": "active"},
            {"destination_cidr_block": CONNECTOR, "transit_gateway_id": TGW, "state": "active"}]}]}]}]
    vpn = [{"transit_gateway_attachment_id": f"tgw-attach-vpn{i}", "resource_type": "vpn", "resource_id": f"vpn-{i}",
            "state": "available", "association": {"transit_gateway_route_table_id": "rtb-vpn", "state": "associated"}}
           for i in range(2)]

    def via(attachment, kind):
        return [{"transit_gateway_attachment_id": attachment, "resource_type": kind}]

    tgw = {"transit_gateway_id": TGW, "attachments": [
        *vpn, {"transit_gateway_attachment_id": "tgw-attach-news", "resource_type": "vpc", "resource_id": "vpc-news",
               "state": "available", "association": {"transit_gateway_route_table_id": "rtb-spokes",
                                                     "state": "associated"}},
        {"transit_gateway_attachment_id": "tgw-attach-theirs", "resource_type": "vpn", "resource_id": "vpn-theirs",
         "state": "available", "association": None}],
        "route_tables": [
            {"transit_gateway_route_table_id": "rtb-vpn", "name": "hv-vpn", "routes": [
                {"destination_cidr_block": SPOKE, "state": "active", "type": "propagated",
                 "transit_gateway_attachments": via("tgw-attach-news", "vpc")}]},
            {"transit_gateway_route_table_id": "rtb-spokes", "name": "hv-spokes", "routes": [
                {"destination_cidr_block": r, "state": "active", "type": "propagated",
                 "transit_gateway_attachments": via("tgw-attach-vpn0", "vpn") + via("tgw-attach-vpn1", "vpn")}
                for r in (SUBNET, CONNECTOR)]}]}
    _tunnels, _router, status = gcp_side()
    best = [{"destRange": SPOKE, "nextHopIp": s["peerIpAddress"]} for s in status]
    dests = [{"name": "hub-tokyo", "kind": "subnetwork", "ip_cidr_range": SUBNET},
             {"name": "svpc-tokyo", "kind": "connector", "ip_cidr_range": CONNECTOR}]
    return {"spokes": spokes, "tgw": tgw, "status": status, "best": best, "dests": dests}


def trace(t, **change):
    t = {**t, **change}
    return trace_paths(t["spokes"], t["tgw"], ["vpn-0", "vpn-1"], t["status"], t["best"],
                       [f"aws-bgp-{i}" for i in range(4)], "vpc-hub", NETWORK, t["dests"])


def test_every_path_is_traced_both_ways_hop_by_hop():
    result = trace(topology())
    assert (result["problems"], result["done"], len(result["paths"])) == ([], True, 2)
    path = result["paths"][0]
    assert [h["hop"] for h in path["to_gcp"]["hops"]] == [
        "spoke VPC route table", "TGW attachment", "TGW route table association", "TGW route to VPN attachment",
        "BGP session", "host VPC", "subnetwork"]
    assert [h["hop"] for h in path["to_aws"]["hops"]] == [
        "subnetwork", "host VPC", "BGP session", "VPN attachment", "TGW route table association",
        "TGW route to spoke attachment", "VPN attachment", "TGW route table association",
        "TGW route to spoke attachment", "spoke VPC"]
    assert path["to_gcp"]["hops"][4]["element"] == "aws-bgp-0, aws-bgp-1, aws-bgp-2, aws-bgp-3"


def test_a_deleted_spoke_vpc_route_names_the_route_table_and_the_paths_it_breaks():
    t = topology()
    t["spokes"][0]["vpcs"][0]["route_tables"][0]["routes"].pop(1)
    assert trace(t)["problems"] == [
        "AWS spoke aws-news VPC vpc-news route table rtb-main: no route to 10.100.0.0/20, expected a route to "
        "10.100.0.0/20 via tgw-0abc [breaks news-prod 10.20.0.0/16 <-> hub-tokyo 10.100.0.0/20 (AWS -> GCP)]"]


def test_a_vpc_route_to_another_target_is_named_with_its_target():
    t = topology()
    t["spokes"][0]["vpcs"][0]["route_tables"][0]["routes"][1] = {
        "destination_cidr_block": "10.100.0.0/16", "gateway_id": "igw-1", "state": "active"}
    assert trace(t)["problems"][0].startswith(
        "AWS spoke aws-news VPC vpc-news route table rtb-main: route 10.100.0.0/16 goes to igw-1 (active)")


def test_an_attachment_without_association_breaks_the_way_to_gcp():
    t = topology()
    t["tgw"]["attachments"][2]["association"] = None
    assert trace(t)["problems"] == [
        "AWS TGW attachment tgw-attach-news: associated with no route table [breaks news-prod 10.20.0.0/16 <-> "
        "hub-tokyo 10.100.0.0/20 (AWS -> GCP); news-prod 10.20.0.0/16 <-> svpc-tokyo 10.100.240.0/28 (AWS -> GCP)]"]


def test_a_range_the_cloud_router_stops_advertising_names_the_cloud_router():
    t = topology()
    for peer in t["status"]:
        peer["advertisedRoutes"] = [{"destRange": SUBNET}]
    t["tgw"]["route_tables"][1]["routes"].pop(1)  # AWS no longer learns it
    assert trace(t)["problems"] == [
        "GCP Cloud Router: no BGP session of ours (aws-bgp-0, aws-bgp-1, aws-bgp-2, aws-bgp-3) advertises a route "
        "covering 10.100.240.0/28 [breaks news-prod 10.20.0.0/16 <-> svpc-tokyo 10.100.240.0/28 (AWS -> GCP)]"]


def test_a_route_learned_only_over_another_teams_session_does_not_count():
    t = topology()
    t["status"] = [dict(s, status="DOWN") for s in t["status"]] + [
        {"name": "other-bgp", "status": "UP", "peerIpAddress": "169.254.200.1",
         "advertisedRoutes": [{"destRange": SUBNET}, {"destRange": CONNECTOR}]}]
    t["best"] = [{"destRange": SPOKE, "nextHopIp": "169.254.200.1"}]
    problems = trace(t)["problems"]
    assert problems == ["GCP Cloud Router: none of our 4 BGP sessions is UP [breaks news-prod 10.20.0.0/16 <-> "
                        "hub-tokyo 10.100.0.0/20 (AWS -> GCP); news-prod 10.20.0.0/16 <-> hub-tokyo 10.100.0.0/20 "
                        "(GCP -> AWS); news-prod 10.20.0.0/16 <-> svpc-tokyo 10.100.240.0/28 (AWS -> GCP); and 1 more]"]


def test_the_vpn_table_without_the_spoke_breaks_the_way_back():
    t = topology()
    t["tgw"]["route_tables"][0]["routes"] = []
    assert trace(t)["problems"] == [
        "AWS TGW route table hv-vpn: no route to 10.20.0.0/16 (VPC vpc-news) [breaks news-prod 10.20.0.0/16 <-> "
        "hub-tokyo 10.100.0.0/20 (GCP -> AWS); news-prod 10.20.0.0/16 <-> svpc-tokyo 10.100.240.0/28 (GCP -> AWS)]"]


def test_a_route_table_not_ours_and_a_router_in_another_network():
    t = topology()
    t["tgw"]["attachments"][2]["association"]["transit_gateway_route_table_id"] = "rtb-theirs"
    assert trace(t)["problems"][0].startswith(
        "AWS TGW attachment tgw-attach-news: associated with rtb-theirs, not one of our route tables")
    result = trace_paths(t["spokes"], topology()["tgw"], ["vpn-0", "vpn-1"], t["status"], t["best"],
                         ["aws-bgp-0"], "vpc-hub", NETWORK.replace("vpc-hub", "vpc-other"), t["dests"][:1])
    assert result["problems"][0].startswith("GCP Cloud Router: in network vpc-other, expected the host VPC vpc-hub")


def test_learned_routes_belong_to_the_peer_they_come_from():
    t = topology()
    learned = learned_by_peer(t["status"], t["best"])
    assert [len(p["learned"]) for p in learned] == [1, 1, 1, 1]
    assert learned_by_peer(copy.deepcopy(t["status"]), []) == [dict(p, learned=[]) for p in t["status"]]
