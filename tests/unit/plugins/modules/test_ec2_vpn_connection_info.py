"""ec2_vpn_connection_info: what a user reads back (keys only on request, the four tunnels matched by outside IP
whatever the listing order) and how it fails."""

import json
import re

import pytest
from unit.plugins.modules import ec2_fake
from unit.plugins.modules.ec2_fake import TGW, run_module, settings_spec

from ansible_collections.cloudbridge.hybrid_vpn.plugins.modules import ec2_vpn_connection_info as mod

ec2 = ec2_fake.ec2  # the fixture, used by name

IPS = ["34.157.0.10", "34.157.64.10"]
KEYS = ["KeyA_low_0001", "KeyA_high_001", "KeyB_low_0001", "KeyB_high_001"]


@pytest.fixture
def pair(ec2):
    """Connection of interface 1 created first, tunnels listed in reverse outside-IP order; a deleted one too."""
    ec2.reverse_tunnels = True
    b = ec2.add_connection(IPS[1], [("3.0.1.5", settings_spec("169.254.20.0/30", KEYS[2])),
                                    ("3.0.1.40", settings_spec("169.254.20.4/30", KEYS[3]))])
    a = ec2.add_connection(IPS[0], [("3.0.0.7", settings_spec("169.254.10.4/30", KEYS[0])),
                                    ("3.0.0.30", settings_spec("169.254.10.0/30", KEYS[1]))])
    gone = ec2.add_connection("34.157.99.1", [("3.0.9.1", settings_spec("169.254.90.0/30", "Gone_key_001"))])
    gone["State"] = "deleted"
    return a["VpnConnectionId"], b["VpnConnectionId"]


def test_without_keys_drops_only_the_keys():
    conn = {"VpnConnectionId": "vpn-1", "Options": {"StaticRoutesOnly": False, "TunnelOptions": [
        {"OutsideIpAddress": "3.0.0.1", "PreSharedKey": "Secret_key_1", "TunnelInsideCidr": "169.254.10.0/30"}]}}
    assert mod.without_keys(conn)["Options"] == {"StaticRoutesOnly": False, "TunnelOptions": [
        {"OutsideIpAddress": "3.0.0.1", "TunnelInsideCidr": "169.254.10.0/30"}]}
    assert conn["Options"]["TunnelOptions"][0]["PreSharedKey"] == "Secret_key_1"  # the input is left as is


def test_connections_of_a_tgw_are_returned_without_keys_or_device_configuration(ec2, pair):
    result = run_module(mod, {"transit_gateway_id": TGW})
    assert result["changed"] is False
    assert sorted(c["vpn_connection_id"] for c in result["vpn_connections"]) == sorted(pair)  # not the deleted one
    tunnel = result["vpn_connections"][0]["options"]["tunnel_options"][0]
    assert tunnel["ike_versions"] == [{"value": "ikev2"}] and "pre_shared_key" not in tunnel
    text = json.dumps(result)
    assert not [k for k in KEYS if k in text]
    assert "<xml with keys>" not in text
    assert "tunnels" not in result


def test_the_four_tunnels_follow_the_gcp_interfaces_and_outside_ip_order(ec2, pair):
    result = run_module(mod, {"transit_gateway_id": TGW, "gcp_interface_ips": IPS, "include_pre_shared_keys": True},
                        check=True)
    assert [(t["peer_interface"], t["gcp_interface"], t["vpn_connection_id"], t["outside_ip"], t["inside_cidr"],
             t["pre_shared_key"]) for t in result["tunnels"]] == [
        (0, 0, pair[0], "3.0.0.7", "169.254.10.4/30", KEYS[0]),
        (1, 0, pair[0], "3.0.0.30", "169.254.10.0/30", KEYS[1]),
        (2, 1, pair[1], "3.0.1.5", "169.254.20.0/30", KEYS[2]),
        (3, 1, pair[1], "3.0.1.40", "169.254.20.4/30", KEYS[3]),
    ]
    first = result["tunnels"][0]
    assert (first["aws_inside_ip"], first["cgw_inside_ip"]) == ("169.254.10.5", "169.254.10.6")
    assert (first["amazon_side_asn"], first["customer_gateway_asn"], first["transit_gateway_id"]) == (64512, 65000, TGW)
    assert ec2.mutations() == []


def test_a_tgw_with_no_connection_yet_has_no_tunnels(ec2):
    # An adopted Transit Gateway before the first run: nothing to match, nothing to fail on.
    result = run_module(mod, {"transit_gateway_id": TGW, "gcp_interface_ips": IPS})
    assert (result["vpn_connections"], result["tunnels"]) == ([], [])


def test_a_passed_amazon_side_asn_is_returned_without_reading_the_tgw(ec2, pair):
    result = run_module(mod, {"transit_gateway_id": TGW, "gcp_interface_ips": IPS, "amazon_side_asn": 64600})
    assert {t["amazon_side_asn"] for t in result["tunnels"]} == {64600}
    assert "describe_transit_gateways" not in [n for n, _unused in ec2.calls]


def test_tunnels_carry_no_key_unless_asked(ec2, pair):
    result = run_module(mod, {"vpn_connection_ids": list(pair), "gcp_interface_ips": IPS})
    assert [t["pre_shared_key"] for t in result["tunnels"]] == [None] * 4
    assert not [k for k in KEYS if k in json.dumps(result)]


@pytest.mark.parametrize(("ips", "message"), [
    (IPS[:1], r"exactly two GCP HA VPN interface IPs are required, got \['34.157.0.10'\]"),
    ([IPS[0], "34.157.64.99"], r"no VPN connection found for GCP HA VPN interface 1 \(34.157.64.99\)"),
])
def test_gcp_interfaces_that_do_not_match_fail_naming_the_value(ec2, pair, ips, message):
    result = run_module(mod, {"transit_gateway_id": TGW, "gcp_interface_ips": ips})
    assert result["failed"] is True
    assert result["msg"].startswith("Failed to match VPN tunnels to the GCP HA VPN interfaces: ")
    assert re.search(message, result["msg"])


def test_an_aws_error_names_the_step(ec2):
    ec2.errors["describe_vpn_connections"] = ec2_fake.client_error(
        "UnauthorizedOperation", "You are not authorized to perform this operation.", "DescribeVpnConnections")
    result = run_module(mod, {"transit_gateway_id": TGW})
    assert result["msg"] == ("Failed to describe VPN connections: UnauthorizedOperation: "
                             "You are not authorized to perform this operation.")


def test_keys_kept_in_secrets_manager_are_read_from_the_secret_only_when_asked(ec2, pair):
    for vpn in ec2.vpns.values():
        ec2._store_keys(vpn, "SecretsManager", [t["OutsideIpAddress"] for t in vpn["Options"]["TunnelOptions"]])
    result = run_module(mod, {"transit_gateway_id": TGW, "gcp_interface_ips": IPS})
    assert [t["pre_shared_key"] for t in result["tunnels"]] == [None] * 4
    assert {t["pre_shared_key_storage"] for c in result["vpn_connections"]
            for t in c["options"]["tunnel_options"]} == {"SecretsManager"}
    assert "get_secret_value" not in [n for n, _args in ec2.calls]
    result = run_module(mod, {"transit_gateway_id": TGW, "gcp_interface_ips": IPS, "include_pre_shared_keys": True})
    assert [t["pre_shared_key"] for t in result["tunnels"]] == KEYS
    assert [n for n, _args in ec2.calls].count("get_secret_value") == 2  # one read per connection


def test_names_select_our_connections_and_stand_in_for_the_gcp_interface_ips(ec2):
    """Another team's connection on the same Transit Gateway, from the same customer gateway, is left out; the
    named connections' customer gateways give the GCP interface order."""
    b = ec2.add_connection(IPS[1], [("3.0.1.5", settings_spec("169.254.20.0/30", KEYS[2])),
                                    ("3.0.1.40", settings_spec("169.254.20.4/30", KEYS[3]))], name="hv-if1")
    a = ec2.add_connection(IPS[0], [("3.0.0.7", settings_spec("169.254.10.4/30", KEYS[0])),
                                    ("3.0.0.30", settings_spec("169.254.10.0/30", KEYS[1]))], name="hv-if0")
    ec2.add_connection(IPS[0], [("3.0.7.1", settings_spec("169.254.70.0/30", "Their_key_01"))], name="theirs")
    result = run_module(mod, {"transit_gateway_id": TGW, "names": ["hv-if0", "hv-if1"]})
    assert sorted(c["vpn_connection_id"] for c in result["vpn_connections"]) == sorted([a["VpnConnectionId"],
                                                                                        b["VpnConnectionId"]])
    assert [(t["peer_interface"], t["outside_ip"], t["pre_shared_key"]) for t in result["tunnels"]] == [
        (0, "3.0.0.7", None), (1, "3.0.0.30", None), (2, "3.0.1.5", None), (3, "3.0.1.40", None)]
    missing = run_module(mod, {"transit_gateway_id": TGW, "names": ["hv-if0", "hv-if9"]})
    assert (len(missing["vpn_connections"]), missing["tunnels"]) == (1, [])  # the caller names what is missing
