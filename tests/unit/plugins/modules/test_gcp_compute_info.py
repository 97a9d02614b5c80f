import requests
from unit.plugins.modules import gcp_compute_fake
from unit.plugins.modules.gcp_compute_fake import error, run_module

from ansible_collections.cloudbridge.hybrid_vpn.plugins.modules import gcp_compute_router_status_info as status_mod
from ansible_collections.cloudbridge.hybrid_vpn.plugins.modules import gcp_compute_vpn_tunnel_info as tunnel_mod

compute = gcp_compute_fake.compute  # the fixture, used by name


def test_tunnel_info_selects_in_order_without_secrets(compute):
    for name in ("a", "b"):
        compute.add(f"projects/p/regions/r/vpnTunnels/{name}", status="ESTABLISHED", sharedSecret="*" * 13,
                    sharedSecretHash="hash")
    result = run_module(tunnel_mod, {"region": "r", "names": ["b", "missing", "a"]})
    assert [t["name"] for t in result["tunnels"]] == ["b", "a"]
    assert all("sharedSecret" not in t and "sharedSecretHash" not in t for t in result["tunnels"])
    assert len(run_module(tunnel_mod, {"region": "r"})["tunnels"]) == 2


def test_tunnel_info_fails_with_the_api_message(compute):
    compute.script = [error(403, "Required 'compute.vpnTunnels.list' permission", "forbidden")]
    result = run_module(tunnel_mod, {"region": "r"})
    assert result["msg"] == "Failed to read VPN tunnels in r: Required 'compute.vpnTunnels.list' permission"


def test_unreachable_endpoint_fails_with_the_cause_after_retries(compute, monkeypatch):
    monkeypatch.setattr(gcp_compute_fake._gcp.random, "uniform", lambda low, high: 0)  # no real backoff
    compute.script = [requests.ConnectionError("Cannot connect to proxy.")] * 8
    result = run_module(tunnel_mod, {"region": "r"})
    assert result["failed"] is True and len(compute.calls) == 8
    assert result["msg"] == ("Failed to read VPN tunnels in r: GET https://compute.googleapis.com/compute/v1/projects/p/"
                             "regions/r/vpnTunnels: Cannot connect to proxy.")


def test_router_status_reports_peers_and_absence(compute):
    missing = run_module(status_mod, {"name": "cr", "region": "r"})
    assert (missing["exists"], missing["bgp_peers"]) == (False, [])
    compute.add("projects/p/regions/r/routers/cr")
    compute.router_status = {"bgpPeerStatus": [{"name": "bgp-0", "status": "UP"}], "bestRoutes": [{"destRange": "x"}]}
    result = run_module(status_mod, {"name": "cr", "region": "r"})
    assert (result["exists"], result["bgp_peers"][0]["status"], len(result["best_routes"])) == (True, "UP", 1)


def test_router_status_with_the_router_itself(compute):
    compute.add("projects/p/regions/r/routers/cr")
    compute.router_status = {"network": "net-url", "bgpPeerStatus": [{"name": "bgp-0", "status": "UP"}]}
    result = run_module(status_mod, {"name": "cr", "region": "r", "include_router": True})
    assert (result["router"]["name"], result["network"], result["best_routes"]) == ("cr", "net-url", [])
    assert "router" not in run_module(status_mod, {"name": "cr", "region": "r"})


def test_network_info_lists_subnetworks_and_firewalls_retrying_throttling(compute, monkeypatch):
    from ansible_collections.cloudbridge.hybrid_vpn.plugins.modules import gcp_compute_network_info as network_mod

    monkeypatch.setattr(gcp_compute_fake._gcp.random, "uniform", lambda low, high: 0)  # no real backoff
    compute.add("projects/p")
    compute.add("projects/p/regions/r/subnetworks/a", ipCidrRange="10.0.0.0/24")
    compute.add("projects/p/regions/s/subnetworks/b", ipCidrRange="10.1.0.0/24")
    compute.add("projects/p/global/firewalls/fw", description="ours")
    result = run_module(network_mod, {"subnetwork_regions": ["r", "s", "r"], "firewalls": True})
    assert sorted(s["name"] for s in result["subnetworks"]) == ["a", "b"]
    assert [f["name"] for f in result["firewalls"]] == ["fw"]
    assert "firewalls" not in run_module(network_mod, {})
    # A throttled list is retried (google.cloud.gcp_compute_subnetwork_info is not): the answer is the same.
    compute.calls.clear()
    compute.script = [gcp_compute_fake.Response(200, {"name": "p"}),
                      error(403, "Rate Limit Exceeded", "rateLimitExceeded")]
    again = run_module(network_mod, {"subnetwork_regions": ["r"]})
    assert [s["name"] for s in again["subnetworks"]] == ["a"] and len(compute.calls) == 3


def test_network_info_names_what_it_could_not_list(compute):
    from ansible_collections.cloudbridge.hybrid_vpn.plugins.modules import gcp_compute_network_info as network_mod

    compute.add("projects/p")
    compute.script = [gcp_compute_fake.Response(200, {"name": "p"}),
                      error(403, "Required 'compute.firewalls.list' permission", "forbidden")]
    result = run_module(network_mod, {"firewalls": True})
    assert result["msg"] == ("Failed to list firewall rules of project p: Required 'compute.firewalls.list' "
                             "permission")
