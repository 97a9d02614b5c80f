"""The AWS rules of _wiring: what an operator sees when an input is refused, and the fact built from describe."""

import pytest

from ansible_collections.cloudbridge.hybrid_vpn.plugins.module_utils import _wiring as w


@pytest.mark.parametrize(
    ("cidr", "expected"),
    [
        ("169.254.1.0/30", "reserved"),
        ("169.254.169.252/30", "reserved"),
        ("169.254.10.1/30", "malformed"),
        ("169.254.10/30", "malformed"),
        ("169.254.10.0/29", "must be an IPv4 /30"),
        ("10.0.0.0/30", "must be inside 169.254.0.0/16"),
    ],
)
def test_refused_inside_cidr_names_the_value(cidr, expected):
    with pytest.raises(w.WiringError, match=expected) as err:
        w.validate_inside_cidr(cidr, "tunnel 0")
    assert repr(cidr) in str(err.value)


def test_valid_inside_cidr_is_returned_in_network_form():
    assert w.validate_inside_cidr("169.254.10.4/30", "t") == "169.254.10.4/30"


@pytest.mark.parametrize(
    ("key", "expected"),
    [("short7x", "8 to 64"), ("a" * 65, "8 to 64"), ("abc-defgh", "letters, digits"), ("0abcdefgh", "start with '0'")],
)
def test_refused_key_is_never_echoed(key, expected):
    with pytest.raises(w.WiringError, match=expected) as err:
        w.validate_pre_shared_key(key, "connections[0] tunnels[1]")
    assert key not in str(err.value)
    assert "connections[0] tunnels[1]" in str(err.value)


def test_key_with_dot_and_underscore_is_accepted():
    w.validate_pre_shared_key("aZtzTiVz.ki9J0lkio_l1tTYTa8fij3Y", "t")


@pytest.mark.parametrize(("asn", "ok"), [(64511, False), (64512, True), (65534, True), (65535, False),
                                         (4200000000, True), (4294967295, False), (16509, False)])
def test_private_asn_ranges(asn, ok):
    if ok:
        assert w.validate_asn(asn, "x") == asn
    else:
        with pytest.raises(w.WiringError, match=str(asn)):
            w.validate_asn(asn, "x")


def test_customer_asn_equal_to_amazon_asn_is_refused():
    with pytest.raises(w.WiringError, match="65000 must differ"):
        w.validate_asn_pair(65000, 65000)


@pytest.mark.parametrize("ips", [["34.1.1.1"], ["34.1.1.1", "34.1.1.2", "34.1.1.3"], ["34.1.1.1", "34.1.1.1"],
                                 ["34.1.1.1", "not-an-ip"], None])
def test_not_exactly_two_distinct_gcp_ips(ips):
    with pytest.raises(w.WiringError, match="GCP HA VPN interface"):
        w.validate_gcp_interface_ips(ips)


def test_duplicate_and_overlapping_cidrs():
    with pytest.raises(w.WiringError, match=r"169\.254\.10\.0/30 duplicates a"):
        w.validate_requested_cidrs({"a": "169.254.10.0/30", "b": "169.254.10.0/30"}, {})
    with pytest.raises(w.WiringError, match="used by vpn-other"):
        w.validate_requested_cidrs({"a": "169.254.10.0/30"}, {"169.254.10.0/30": "vpn-other"})


def test_allocation_skips_reserved_and_taken():
    assert w.allocate_inside_cidrs(2, {"169.254.0.4/30"}) == ["169.254.0.8/30", "169.254.0.12/30"]
    allocated = w.allocate_inside_cidrs(400, set())
    assert not {"169.254.0.0/30", "169.254.1.0/30", "169.254.5.0/30"} & set(allocated)


def _tunnel(ip, cidr, key="K" * 32, **extra):
    return {"OutsideIpAddress": ip, "TunnelInsideCidr": cidr, "PreSharedKey": key, **extra}


def test_pairing_follows_inside_cidr_not_position():
    current = [_tunnel("3.3.3.3", "169.254.10.4/30"), _tunnel("3.3.3.20", "169.254.10.0/30")]
    pairs = w.pair_tunnels([{"inside_cidr": "169.254.10.0/30"}, {"inside_cidr": "169.254.10.4/30"}], current)
    assert [t["OutsideIpAddress"] for _unused, t in pairs] == ["3.3.3.20", "3.3.3.3"]


def test_changed_cidr_lands_on_the_unmatched_tunnel():
    current = [_tunnel("3.3.3.3", "169.254.10.4/30"), _tunnel("3.3.3.20", "169.254.10.0/30")]
    pairs = w.pair_tunnels([{"inside_cidr": "169.254.99.0/30"}, {"inside_cidr": "169.254.10.0/30"}], current)
    assert [t["OutsideIpAddress"] for _unused, t in pairs] == ["3.3.3.3", "3.3.3.20"]


def test_changes_ignore_list_order_and_name_differences():
    settings = {"ike_versions": ["ikev2"], "phase1_dh_group_numbers": [14, 19], "dpd_timeout_seconds": 30,
                "dpd_timeout_action": "restart"}
    spec = w.tunnel_spec(settings, "169.254.10.0/30", None)
    current = _tunnel("3.3.3.3", "169.254.10.0/30", IkeVersions=[{"Value": "ikev2"}], DpdTimeoutSeconds=30,
                      DpdTimeoutAction="restart",
                      Phase1DHGroupNumbers=[{"Value": 19}, {"Value": 14}])
    assert w.tunnel_changes(spec, current) == {}
    rotated = w.tunnel_spec(settings, "169.254.10.0/30", "NewKey_1234")
    assert w.tunnel_changes(rotated, current) == {"PreSharedKey": "NewKey_1234"}
    assert w.redact(rotated)["PreSharedKey"] == "<hidden>"


def test_fact_matches_tunnels_by_outside_ip_whatever_the_response_order():
    cgws = {"cgw-a": {"CustomerGatewayId": "cgw-a", "IpAddress": "34.1.1.1", "BgpAsn": "65000"},
            "cgw-b": {"CustomerGatewayId": "cgw-b", "IpAddress": "34.1.1.2", "BgpAsn": "65000"}}
    conns = [
        {"VpnConnectionId": "vpn-b", "CustomerGatewayId": "cgw-b", "TransitGatewayId": "tgw-1",
         "Options": {"TunnelOptions": [_tunnel("3.0.0.20", "169.254.20.0/30", "KeyB20"),
                                       _tunnel("3.0.0.9", "169.254.20.4/30", "KeyB9")]}},
        {"VpnConnectionId": "vpn-a", "CustomerGatewayId": "cgw-a", "TransitGatewayId": "tgw-1",
         "Options": {"TunnelOptions": [_tunnel("3.0.0.100", "169.254.10.4/30", "KeyA100"),
                                       _tunnel("3.0.0.11", "169.254.10.0/30", "KeyA11")]}},
    ]
    fact = w.build_aws_tunnels(conns, cgws, ["34.1.1.1", "34.1.1.2"], 64512)
    assert [(t["peer_interface"], t["gcp_interface"], t["vpn_connection_id"], t["outside_ip"], t["inside_cidr"],
             t["pre_shared_key"]) for t in fact] == [
        (0, 0, "vpn-a", "3.0.0.11", "169.254.10.0/30", "KeyA11"),
        (1, 0, "vpn-a", "3.0.0.100", "169.254.10.4/30", "KeyA100"),
        (2, 1, "vpn-b", "3.0.0.9", "169.254.20.4/30", "KeyB9"),
        (3, 1, "vpn-b", "3.0.0.20", "169.254.20.0/30", "KeyB20"),
    ]
    assert (fact[1]["aws_inside_ip"], fact[1]["cgw_inside_ip"]) == ("169.254.10.5", "169.254.10.6")
    assert {t["amazon_side_asn"] for t in fact} == {64512}
    assert {t["customer_gateway_asn"] for t in fact} == {65000}


def test_fact_fails_when_an_interface_has_no_connection():
    cgws = {"cgw-a": {"CustomerGatewayId": "cgw-a", "IpAddress": "34.1.1.1", "BgpAsn": "65000"}}
    with pytest.raises(w.WiringError, match=r"interface 0 \(34.1.1.9\)"):
        w.build_aws_tunnels([], cgws, ["34.1.1.9", "34.1.1.1"], 64512)


def test_key_claims_its_tunnel_when_no_cidr_is_given():
    current = [_tunnel("3.3.3.3", "169.254.10.4/30", "KeyLow_123"),
               _tunnel("3.3.3.20", "169.254.10.0/30", "KeyHigh_12")]
    pairs = w.pair_tunnels([{"pre_shared_key": "KeyHigh_12"}, {"pre_shared_key": "KeyLow_123"}], current)
    assert [t["OutsideIpAddress"] for _unused, t in pairs] == ["3.3.3.20", "3.3.3.3"]


GOOD_CIDRS = ["169.254.10.0/30", "169.254.10.4/30", "169.254.11.0/30", "169.254.11.4/30"]
GOOD_KEYS = ["key.zero_aaaa", "key.one_bbbb", "key.two_cccc", "key.three_dddd"]


def test_tunnel_inputs_accept_four_entries_or_none():
    assert w.validate_tunnel_inputs(GOOD_CIDRS, GOOD_KEYS, 64512, 65000, prefix="aws_tgw_vpn_")
    assert w.validate_tunnel_inputs([], [], 64512, 65000)


@pytest.mark.parametrize(
    ("cidrs", "keys", "asns", "message"),
    [
        (GOOD_CIDRS[:3], [], (64512, 65000), r"aws_tgw_vpn_inside_cidrs needs 4 entries .* got 3"),
        ([], [*GOOD_KEYS, "key.four_eeee"], (64512, 65000), r"aws_tgw_vpn_pre_shared_keys needs 4 entries"),
        (["169.254.2.0/30", *GOOD_CIDRS[1:]], [], (64512, 65000), r"aws_tgw_vpn_inside_cidrs\[0\].*reserved"),
        ([GOOD_CIDRS[0]] * 4, [], (64512, 65000), r"aws_tgw_vpn_inside_cidrs\[1\].*duplicates"),
        ([], [*GOOD_KEYS[:3], "0starts_with_zero"], (64512, 65000), r"keys\[3\].*start with '0'"),
        ([], [], (64512, 64512), r"must differ"),
        ([], [], (64512, 100), r"ASN 100 is not private"),
    ],
)
def test_tunnel_inputs_refused_with_the_variable_named(cidrs, keys, asns, message):
    with pytest.raises(w.WiringError, match=message) as err:
        w.validate_tunnel_inputs(cidrs, keys, *asns, prefix="aws_tgw_vpn_")
    assert "0starts_with_zero" not in str(err.value)
