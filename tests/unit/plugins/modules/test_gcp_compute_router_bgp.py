import pytest
from unit.plugins.modules import gcp_compute_fake
from unit.plugins.modules.gcp_compute_fake import run_module

from ansible_collections.cloudbridge.hybrid_vpn.plugins.modules import gcp_compute_router_bgp as mod

PATH = "projects/p/regions/r/routers/cr"
TUNNEL = "https://www.googleapis.com/compute/v1/projects/p/regions/r/vpnTunnels/t0"
PEER = {"name": "bgp-0", "interface_name": "if-0", "ip_range": "169.254.10.2/30", "peer_ip_address": "169.254.10.1",
        "peer_asn": 64512, "vpn_tunnel": "t0"}
ARGS = {"name": "cr", "region": "r", "network": "vpc", "asn": 65000}
OPERATOR_PEER = {"name": "onprem", "interfaceName": "if-onprem", "ipAddress": "169.254.99.2", "peerAsn": 65100}

compute = gcp_compute_fake.compute  # the fixture, used by name


def params(**extra):
    base = dict(ARGS, project="p", keepalive_interval=None, advertise_mode="DEFAULT", advertised_groups=[],
                advertised_ip_ranges=[], description=None,
                bgp_peers=[dict(PEER, advertised_route_priority=None, enable=True)], state="present")
    return dict(base, **extra)


def test_desired_router_merges_sessions_and_keeps_unrelated_ones():
    current = {"bgp": {"asn": 65000, "advertiseMode": "DEFAULT", "keepaliveInterval": 20},
               "interfaces": [{"name": "if-onprem", "ipRange": "169.254.99.2/30"}],
               "bgpPeers": [OPERATOR_PEER, {"name": "bgp-0", "peerAsn": 1, "enable": "TRUE", "enableIpv4": True}]}
    body = mod.desired_router(params(), current)
    assert body["bgp"] == {"asn": 65000, "advertiseMode": "DEFAULT", "keepaliveInterval": 20,
                           "advertisedGroups": [], "advertisedIpRanges": []}
    assert [i["name"] for i in body["interfaces"]] == ["if-onprem", "if-0"]
    assert body["interfaces"][1] == {"name": "if-0", "ipRange": "169.254.10.2/30", "linkedVpnTunnel": TUNNEL}
    assert body["bgpPeers"][0] == OPERATOR_PEER
    # API defaults of an existing peer are kept, managed fields overwritten.
    assert body["bgpPeers"][1] == {"name": "bgp-0", "interfaceName": "if-0", "ipAddress": "169.254.10.2",
                                   "peerIpAddress": "169.254.10.1", "peerAsn": 64512, "enable": "TRUE",
                                   "enableIpv4": True}


def test_desired_router_absent_removes_only_listed_sessions():
    current = {"interfaces": [{"name": "if-0"}, {"name": "if-onprem"}],
               "bgpPeers": [{"name": "bgp-0", "interfaceName": "if-0"}, OPERATOR_PEER]}
    body = mod.desired_router(dict(params(state="absent"), bgp_peers=[{"name": "bgp-0", "interface_name": None}]),
                              current)
    assert body["interfaces"] == [{"name": "if-onprem"}] and body["bgpPeers"] == [OPERATOR_PEER]


def test_desired_bgp_custom_advertisement_and_fixed_asn():
    bgp = mod.desired_bgp(params(advertise_mode="CUSTOM", advertised_groups=["ALL_SUBNETS"],
                                 advertised_ip_ranges=[{"range": "10.0.0.0/8", "description": None}]), None)
    assert bgp["advertisedGroups"] == ["ALL_SUBNETS"] and bgp["advertisedIpRanges"] == [{"range": "10.0.0.0/8"}]
    with pytest.raises(ValueError, match="router ASN is 65001 and cannot change to 65000"):
        mod.desired_bgp(params(), {"asn": 65001})


def test_create_then_add_sessions_in_one_patch_then_no_change(compute):
    created = run_module(mod, ARGS)
    wired = run_module(mod, dict(ARGS, bgp_peers=[PEER]))
    again = run_module(mod, dict(ARGS, bgp_peers=[PEER]))
    assert (created["action"], wired["action"], again["changed"]) == ("create", "patch", False)
    assert compute.mutations() == [("POST", "projects/p/regions/r/routers"), ("PATCH", PATH)]
    assert compute.store[PATH]["bgpPeers"][0]["peerAsn"] == 64512


def test_deferred_sessions_wait_for_the_call_after_the_tunnels(compute):
    # A new router is created bare (its interfaces would link tunnels that do not exist yet).
    created = run_module(mod, dict(ARGS, bgp_peers=[PEER], defer_bgp_peers=True))
    assert (created["action"], created["bgp_peers_pending"]) == ("create", True)
    assert (compute.store[PATH]["interfaces"], compute.store[PATH]["bgpPeers"]) == ([], [])
    run_module(mod, dict(ARGS, bgp_peers=[PEER]))
    # Converged: one read, no write, nothing pending, so the caller skips its second call.
    compute.calls.clear()
    again = run_module(mod, dict(ARGS, bgp_peers=[PEER], defer_bgp_peers=True))
    assert (again["changed"], again["bgp_peers_pending"]) == (False, False)
    assert compute.calls == [("GET", PATH)]


def test_deferred_call_updates_the_advertisement_and_leaves_changed_sessions_alone(compute):
    run_module(mod, dict(ARGS, bgp_peers=[PEER]))
    custom = dict(ARGS, advertise_mode="CUSTOM", advertised_groups=["ALL_SUBNETS"], defer_bgp_peers=True)
    result = run_module(mod, dict(custom, bgp_peers=[dict(PEER, peer_asn=64513)]))
    assert (result["action"], result["bgp_peers_pending"]) == ("patch", True)
    assert compute.store[PATH]["bgp"]["advertiseMode"] == "CUSTOM"
    assert compute.store[PATH]["bgpPeers"][0]["peerAsn"] == 64512
    # Sessions already in place: the advertisement changes and nothing is left pending.
    result = run_module(mod, dict(custom, advertise_mode="DEFAULT", advertised_groups=[], bgp_peers=[PEER]))
    assert (result["action"], result["bgp_peers_pending"]) == ("patch", False)
    assert compute.store[PATH]["bgp"]["advertiseMode"] == "DEFAULT"


def test_check_mode_with_diff_changes_nothing(compute):
    run_module(mod, ARGS)
    result = run_module(mod, dict(ARGS, bgp_peers=[PEER]), check=True, diff=True)
    assert result["changed"] is True and "bgpPeers" not in result["diff"]["before"]
    assert result["diff"]["after"]["bgpPeers"][0]["name"] == "bgp-0"
    assert compute.mutations() == [("POST", "projects/p/regions/r/routers")]


def test_absent_flow_peers_then_router(compute):
    run_module(mod, dict(ARGS, bgp_peers=[PEER]))
    unwired = run_module(mod, {"name": "cr", "region": "r", "state": "absent", "bgp_peers": [{"name": "bgp-0"}]})
    assert unwired["changed"] is True and compute.store[PATH]["bgpPeers"] == []
    assert run_module(mod, {"name": "cr", "region": "r", "state": "absent"})["action"] == "delete"
    assert run_module(mod, {"name": "cr", "region": "r", "state": "absent"})["changed"] is False


def test_missing_peer_fields_fail_with_the_field_names(compute):
    result = run_module(mod, dict(ARGS, bgp_peers=[{"name": "bgp-0"}]))
    assert result["msg"] == ("Failed to ensure Cloud Router cr: BGP peer bgp-0 needs interface_name, ip_range, "
                             "peer_ip_address, peer_asn, vpn_tunnel")
