"""The link's rules on hand-built views: no server, no moto."""

from __future__ import annotations

import sys
import types
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from twin import link
from twin.link_model import AwsTunnel, GcpBgpPeer, GcpTunnel

BASE = "https://www.googleapis.com/compute/v1/projects/cb-net-host/regions/asia-northeast1"


def pair(i: int = 0):
    """A matching AWS tunnel, GCP tunnel and BGP peer: tunnel i of the 4-tunnel topology."""
    aws = AwsTunnel(
        account="111111111111", region="ap-northeast-1", vpn_connection_id=f"vpn-{i // 2}",
        vpn_state="available", transit_gateway_id="tgw-1", transit_gateway_attachment_id=f"tgw-attach-{i // 2}",
        outside_ip=f"3.0.0.{i + 1}", customer_gateway_ip=f"35.0.0.{i // 2 + 1}",
        inside_cidr=f"169.254.{10 + i}.0/30", pre_shared_key=f"key_{i}_abcdefgh", ike_versions=("ikev2",),
        amazon_side_asn=64512, customer_gateway_asn=65000, advertised_cidrs=("10.20.0.0/16", "10.30.0.0/16"),
    )
    gcp = GcpTunnel(
        project="cb-net-host", region="asia-northeast1", name=f"tunnel-{i}", self_link=f"{BASE}/vpnTunnels/tunnel-{i}",
        local_ip=aws.customer_gateway_ip, peer_ip=aws.outside_ip, shared_secret=aws.pre_shared_key,
        ike_version=2, router=f"{BASE}/routers/cr-aws",
    )
    peer = GcpBgpPeer(
        project="cb-net-host", region="asia-northeast1", router="cr-aws", router_asn=65000, name=f"peer-{i}",
        interface_ip_range=f"169.254.{10 + i}.2/30", ip_address=f"169.254.{10 + i}.2",
        peer_ip_address=f"169.254.{10 + i}.1", peer_asn=64512, linked_tunnel=gcp.self_link,
    )
    return aws, gcp, peer


# ---- GCP tunnel status ---------------------------------------------------------------------


def test_matching_tunnel_is_established():
    aws, gcp, _ = pair()
    assert link.tunnel_state(gcp, [aws]) == ("ESTABLISHED", "Tunnel is up and running.")


@pytest.mark.parametrize("change, expected", [
    (dict(shared_secret="another_key_123"), "AUTHORIZATION_ERROR"),
    (dict(ike_version=1), "NEGOTIATION_FAILURE"),
    (dict(ike_version=1, shared_secret="another_key_123"), "NEGOTIATION_FAILURE"),  # IKE_SA_INIT fails first
    (dict(peer_ip="3.9.9.9"), "NO_INCOMING_PACKETS"),
    (dict(local_ip="35.9.9.9"), "NO_INCOMING_PACKETS"),  # AWS expects IKE from the other interface
    (dict(router=None), "WAITING_FOR_FULL_CONFIG"),
])
def test_gcp_side_faults(change, expected):
    aws, gcp, _ = pair()
    assert link.tunnel_state(replace(gcp, **change), [aws])[0] == expected


@pytest.mark.parametrize("vpn_state", ["pending", "modifying", "deleting", "deleted"])
def test_aws_connection_not_available_means_no_packets(vpn_state):
    aws, gcp, _ = pair()
    assert link.tunnel_state(gcp, [replace(aws, vpn_state=vpn_state, modifying=vpn_state == "modifying")]) == (
        "NO_INCOMING_PACKETS", "No incoming packets from peer.")


def test_the_other_tunnel_of_a_modifying_connection_stays_up():
    """ModifyVpnTunnelOptions takes down the tunnel it modifies, not its sibling."""
    (aws0, gcp0, _), (aws1, gcp1, _) = pair(0), pair(1)
    tunnels = [replace(aws0, vpn_state="modifying", modifying=True), replace(aws1, vpn_state="modifying")]
    assert [link.tunnel_state(g, tunnels)[0] for g in (gcp0, gcp1)] == ["NO_INCOMING_PACKETS", "ESTABLISHED"]


def test_ikev1_only_aws_tunnel_refuses_ikev2():
    aws, gcp, _ = pair()
    assert link.tunnel_state(gcp, [replace(aws, ike_versions=("ikev1",))])[0] == "NEGOTIATION_FAILURE"
    assert link.tunnel_state(gcp, [replace(aws, ike_versions=("ikev1", "ikev2"))])[0] == "ESTABLISHED"


def test_tunnel_matches_by_outside_ip_not_position():
    tunnels = [pair(i) for i in range(4)]
    aws_all = [a for a, _, _ in reversed(tunnels)]
    assert [link.tunnel_state(g, aws_all)[0] for _, g, _ in tunnels] == ["ESTABLISHED"] * 4


# ---- BGP sessions --------------------------------------------------------------------------


def test_bgp_up_when_everything_agrees():
    aws, gcp, peer = pair()
    assert link.session_state(peer, [gcp], [aws]) == ("UP", "Established", aws)


@pytest.mark.parametrize("change, state", [
    (dict(enabled=False), "Idle"),
    (dict(peer_asn=64513), "Idle"),
    (dict(router_asn=65001), "Idle"),
    (dict(ip_address="169.254.10.1", peer_ip_address="169.254.10.2",
          interface_ip_range="169.254.10.1/30"), "Connect"),  # the classic swap
    (dict(interface_ip_range="169.254.10.1/30"), "Connect"),
    (dict(peer_ip_address="169.254.10.5"), "Connect"),
    (dict(ip_address=None), "Connect"),
    (dict(linked_tunnel=f"{BASE}/vpnTunnels/gone"), link.UNKNOWN_TUNNEL_STATE),
])
def test_bgp_down_on_misconfiguration(change, state):
    aws, gcp, peer = pair()
    assert link.session_state(replace(peer, **change), [gcp], [aws])[:2] == ("DOWN", state)


def test_bgp_down_while_tunnel_is_down():
    aws, gcp, peer = pair()
    assert link.session_state(peer, [replace(gcp, shared_secret="wrong_key_123")], [aws])[:2] == ("DOWN", "Active")


def test_interface_range_compares_as_address_and_prefix():
    aws, gcp, peer = pair()
    assert link.session_state(replace(peer, interface_ip_range="169.254.10.2/29"), [gcp], [aws])[0] == "DOWN"


def test_aws_side_sees_the_up_session_only_over_its_own_tunnel():
    (a0, g0, p0), (a1, g1, p1) = pair(0), pair(1)
    assert link.aws_side(a0, [g0, g1], [p0, p1]) == (True, p0)
    assert link.aws_side(a1, [g0, replace(g1, shared_secret="wrong_key_123")], [p0, p1]) == (False, None)
    assert link.aws_side(a1, [g0, g1], [p0, replace(p1, peer_asn=65010)]) == (True, None)


def test_recreated_tunnel_with_a_good_key_wins_over_a_stale_one():
    aws, gcp, peer = pair()
    stale = replace(gcp, name="old", self_link=f"{BASE}/vpnTunnels/old", shared_secret="wrong_key_123")
    assert link.aws_side(aws, [stale, gcp], [peer]) == (True, peer)


# ---- wrappers: fetch the views from both halves ----------------------------------------------


@pytest.fixture
def halves(monkeypatch):
    """Stand-ins for twin.aws.inspect and twin.gcp.inspect holding a mutable 2-tunnel topology."""
    state = {"pairs": [pair(0), pair(1)], "ranges": ["10.100.0.0/20", "10.100.16.0/20"],
             "clock": [datetime(2026, 2, 23, 15, 40, 12, tzinfo=UTC)]}
    monkeypatch.setattr(link, "_utcnow", lambda: state["clock"][0])
    aws_mod = types.ModuleType("twin.aws.inspect")
    aws_mod.aws_tunnels = lambda: [a for a, _, _ in state["pairs"]]
    gcp_mod = types.ModuleType("twin.gcp.inspect")
    gcp_mod.gcp_tunnels = lambda: [g for _, g, _ in state["pairs"]]
    gcp_mod.gcp_bgp_peers = lambda: [p for _, _, p in state["pairs"]]
    gcp_mod.gcp_advertised_ranges = lambda project, region, router, peer_name: (
        state["ranges"] if (project, region, router, peer_name[:5]) == ("cb-net-host", "asia-northeast1", "cr-aws",
                                                                        "peer-") else [])
    for name, module in (("twin.aws.inspect", aws_mod), ("twin.gcp.inspect", gcp_mod)):
        monkeypatch.setitem(sys.modules, name, module)
    link.reset()
    yield state
    link.reset()


def break_key(state, i):
    aws, gcp, peer = state["pairs"][i]
    state["pairs"][i] = (aws, replace(gcp, shared_secret="wrong_key_123"), peer)


def test_wrappers_when_up(halves):
    aws, gcp, peer = halves["pairs"][0]
    assert link.gcp_tunnel_status(gcp) == ("ESTABLISHED", "Tunnel is up and running.")
    assert link.bgp_peer_status(peer) == {"status": "UP", "state": "Established", "uptimeSeconds": "0",
                                          "learned_cidrs": ["10.20.0.0/16", "10.30.0.0/16"]}
    telemetry = link.aws_telemetry(aws)
    assert (telemetry["Status"], telemetry["StatusMessage"], telemetry["AcceptedRouteCount"]) == (
        "UP", "2 BGP ROUTES", 2)
    assert telemetry["LastStatusChange"] == datetime(2026, 2, 23, 15, 40, 12, tzinfo=UTC)
    assert link.routes_learned_by_aws(aws) == ["10.100.0.0/20", "10.100.16.0/20"]


def test_wrappers_when_the_key_is_wrong(halves):
    break_key(halves, 1)
    aws, gcp, peer = halves["pairs"][1]
    assert link.gcp_tunnel_status(gcp)[0] == "AUTHORIZATION_ERROR"
    assert link.bgp_peer_status(peer) == {"status": "DOWN", "state": "Active", "uptimeSeconds": None,
                                          "learned_cidrs": []}
    assert link.aws_telemetry(aws) | {"LastStatusChange": None} == {
        "Status": "DOWN", "StatusMessage": "IPSEC IS DOWN", "AcceptedRouteCount": 0, "LastStatusChange": None}
    assert link.routes_learned_by_aws(aws) == []
    assert link.aws_telemetry(halves["pairs"][0][0])["Status"] == "UP"


def test_ipsec_up_with_bgp_down_is_reported_down(halves):
    aws, gcp, peer = halves["pairs"][0]
    halves["pairs"][0] = (aws, gcp, replace(peer, peer_asn=65010))
    assert link.aws_telemetry(aws)["StatusMessage"] == "IPSEC IS UP"
    assert link.aws_telemetry(aws)["Status"] == "DOWN"


def test_last_status_change_moves_only_when_the_status_changes(halves):
    aws = halves["pairs"][0][0]
    first = link.aws_telemetry(aws)["LastStatusChange"]
    halves["ranges"].append("10.100.32.0/20")  # more routes: same status
    assert link.aws_telemetry(aws)["LastStatusChange"] == first
    halves["clock"][0] += timedelta(seconds=30)
    assert link.aws_telemetry(aws)["LastStatusChange"] == first
    break_key(halves, 0)
    assert link.aws_telemetry(aws)["LastStatusChange"] == first + timedelta(seconds=30)


def test_uptime_counts_from_when_the_session_came_up(halves):
    peer = halves["pairs"][0][2]
    link.bgp_peer_status(peer)
    halves["clock"][0] += timedelta(seconds=90)
    assert link.bgp_peer_status(peer)["uptimeSeconds"] == "90"
    break_key(halves, 0)
    assert link.bgp_peer_status(peer)["uptimeSeconds"] is None
    halves["pairs"][0] = pair(0)
    halves["clock"][0] += timedelta(seconds=5)
    assert link.bgp_peer_status(peer)["uptimeSeconds"] == "0"
