import copy

import pytest

from ansible_collections.cloudbridge.hybrid_vpn.plugins.module_utils import _wiring as w

OUTSIDE = ["3.0.0.1", "3.0.0.2", "3.0.0.3", "3.0.0.4"]
CIDRS = ["169.254.10.0/30", "169.254.10.4/30", "169.254.11.0/30", "169.254.11.4/30"]


def aws_tunnels():
    return [
        {"vpn_connection_id": f"vpn-{i // 2}", "outside_ip": OUTSIDE[i], "inside_cidr": CIDRS[i],
         "aws_inside_ip": "", "cgw_inside_ip": "", "pre_shared_key": f"key_{i}_xxxxxxxx", "amazon_side_asn": 64512,
         "customer_gateway_asn": 65000, "gcp_interface": i // 2, "peer_interface": i}
        for i in range(4)
    ]


def test_plan_maps_each_aws_tunnel_to_its_interfaces_and_addresses():
    plan = w.gcp_plan(list(reversed(aws_tunnels())), "aws", 65000)
    assert plan["external_gateway_interfaces"] == [{"id": i, "ip_address": ip} for i, ip in enumerate(OUTSIDE)]
    assert [(t["name"], t["vpn_gateway_interface"], t["peer_external_gateway_interface"]) for t in plan["tunnels"]] == [
        ("aws-tunnel-0", 0, 0), ("aws-tunnel-1", 0, 1), ("aws-tunnel-2", 1, 2), ("aws-tunnel-3", 1, 3)]
    assert plan["tunnels"][2]["shared_secret"] == "key_2_xxxxxxxx"
    # Router side = customer gateway address (+2), peer = AWS address (+1).
    assert plan["bgp_peers"][1] == {"name": "aws-bgp-1", "interface_name": "aws-if-1", "ip_range": "169.254.10.6/30",
                                    "peer_ip_address": "169.254.10.5", "peer_asn": 64512, "vpn_tunnel": "aws-tunnel-1"}


@pytest.mark.parametrize("change, message", [
    (lambda t: t.pop(), "exactly 4 AWS tunnels are required, got 3"),
    (lambda t: t[3].update(peer_interface=2), "need peer_interface 0, 1, 2 and 3 once each"),
    (lambda t: t[1].update(gcp_interface=1), "gcp_interface 1 does not serve this peer interface"),
    (lambda t: t[0].update(customer_gateway_asn=65001), "is not the Cloud Router ASN 65000"),
    (lambda t: t[0].update(amazon_side_asn=65000), "amazon_side_asn 65000 equals the Cloud Router ASN"),
    (lambda t: t[3].update(inside_cidr=CIDRS[0]), "duplicates AWS tunnel 0"),
    (lambda t: t[2].update(inside_cidr="169.254.169.252/30"), "is reserved by AWS"),
    (lambda t: t[1].update(pre_shared_key=None), "AWS tunnel entry 1 lacks pre_shared_key"),
    (lambda t: t[2].pop("peer_interface"), "AWS tunnel entry 2 lacks peer_interface"),
])
def test_plan_refuses_wiring_that_would_not_come_up(change, message):
    tunnels = aws_tunnels()
    change(tunnels)
    with pytest.raises(w.WiringError, match=message):
        w.gcp_plan(tunnels, "aws", 65000)


@pytest.mark.parametrize("prefix", ["Aws", "1aws", "aws-", "a" * 55, ""])
def test_names_refuse_prefixes_compute_would_refuse(prefix):
    with pytest.raises(w.WiringError, match="name prefix"):
        w.gcp_names(prefix)


def test_names_are_derivable_without_aws_facts():
    assert w.gcp_names("x")[3] == {"peer_interface": 3, "tunnel": "x-tunnel-3", "interface": "x-if-3",
                                   "bgp_peer": "x-bgp-3"}


def test_tunnel_facts_join_plan_and_api_state():
    plan = w.gcp_plan(aws_tunnels(), "aws", 65000)
    api = [{"name": "aws-tunnel-2", "selfLink": "link-2", "status": "ESTABLISHED"}]
    facts = w.gcp_tunnel_facts(copy.deepcopy(plan), api, "cr")
    assert facts[2] == {"name": "aws-tunnel-2", "self_link": "link-2", "peer_ip": OUTSIDE[2], "peer_interface": 2,
                        "gcp_interface": 1, "router": "cr", "bgp_peer_name": "aws-bgp-2", "bgp_ip": "169.254.11.2",
                        "bgp_peer_ip": "169.254.11.1", "status": "ESTABLISHED"}
    assert facts[0]["status"] is None and "shared_secret" not in facts[0]


def test_teardown_plan_names_what_the_plan_created():
    plan = w.gcp_plan(aws_tunnels(), "aws", 65000)
    teardown = w.gcp_teardown_plan("aws")
    assert teardown["tunnels"] == [{"name": t["name"]} for t in plan["tunnels"]]
    assert teardown["bgp_peers"] == [{"name": p["name"], "interface_name": p["interface_name"]}
                                     for p in plan["bgp_peers"]]


def test_gcp_inputs_accept_default_and_custom_advertisement():
    assert w.validate_gcp_inputs("aws", 65000, "DEFAULT", [], [])
    assert w.validate_gcp_inputs("aws", 65000, "CUSTOM", ["ALL_SUBNETS"], [{"range": "10.200.0.0/16"}])


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("Bad_Prefix", 65000, "DEFAULT", [], []), "name prefix 'Bad_Prefix'"),
        (("aws", 1, "DEFAULT", [], []), "ASN 1 is not private"),
        (("aws", 65000, "SOMETIMES", [], []), "must be DEFAULT or CUSTOM"),
        (("aws", 65000, "DEFAULT", ["ALL_SUBNETS"], []), "need advertise mode CUSTOM"),
        (("aws", 65000, "CUSTOM", [], [{"range": "10.200.0.300/16"}]), "'10.200.0.300/16' is not a CIDR"),
    ],
)
def test_gcp_inputs_refused_with_the_value_named(args, message):
    with pytest.raises(w.WiringError, match=message):
        w.validate_gcp_inputs(*args)
