"""The hybrid_vpn_* settings: strings from -e read as the type each needs, defaults filled in, and every bad value
refused with a message naming the setting, the value and what is expected (a key never echoed)."""

import pytest

from ansible_collections.cloudbridge.hybrid_vpn.plugins.module_utils._settings import normalise
from ansible_collections.cloudbridge.hybrid_vpn.plugins.module_utils._wiring import WiringError

REQUIRED = {"hybrid_vpn_environment": "sandbox", "hybrid_vpn_aws_region": "ap-northeast-1",
            "hybrid_vpn_aws_account_id": "111111111111",
            "hybrid_vpn_gcp_project": "cb-net-host", "hybrid_vpn_gcp_region": "asia-northeast1",
            "hybrid_vpn_gcp_network": "vpc-hub"}
CIDRS = ["169.254.10.0/30", "169.254.11.0/30", "169.254.12.0/30", "169.254.13.0/30"]


def settings(**overrides):
    return normalise({**REQUIRED, **{f"hybrid_vpn_{k}": v for k, v in overrides.items()}})


def test_defaults_and_the_tunnel_settings_dict():
    s = settings()
    assert (s["aws_amazon_side_asn"], s["gcp_router_asn"], s["inside_cidrs"]) == (64512, 65000, [])
    assert s["tunnel_settings"]["ike_versions"] == ["ikev2"] and s["tunnel_settings"]["phase1_dh_group_numbers"] == [14]
    assert s["pre_shared_key_storage"] == "Standard"


@pytest.mark.parametrize(("name", "given", "read"), [
    ("gcp_router_asn", "65010", 65010),
    ("inside_cidrs", ",".join(CIDRS), CIDRS),
    ("inside_cidrs", '["169.254.10.0/30", "169.254.11.0/30", "169.254.12.0/30", "169.254.13.0/30"]', CIDRS),
    ("pre_shared_keys", [12345678, 23456789, 34567890, 45678901], ["12345678", "23456789", "34567890", "45678901"]),
    ("phase1_dh_group_numbers", "19", [19]),
    ("aws_default_route_table_propagation", "false", False),
    ("aws_poll_interval", "0.5", 0.5),
    ("advertised_ip_ranges", "10.10.0.0/16", [{"range": "10.10.0.0/16"}]),
])
def test_a_string_from_the_command_line_is_read_as_the_setting_needs(name, given, read):
    extra = {"advertise_mode": "CUSTOM"} if name == "advertised_ip_ranges" else {}
    assert settings(**{name: given}, **extra)[name] == read


@pytest.mark.parametrize(("overrides", "message"), [
    ({"gcp_gateway_name": "ha_vpn"}, "hybrid_vpn_gcp_gateway_name: got 'ha_vpn', expected a Compute name"),
    ({"gcp_router_name": "r" * 64}, "hybrid_vpn_gcp_router_name: got 'rrrr"),
    ({"gcp_name_prefix": "p" * 55}, "hybrid_vpn_gcp_name_prefix: got 'pppp"),
    ({"advertise_mode": "CUSTOM", "advertised_groups": ["ALL_VPCS"]},
     "hybrid_vpn_advertised_groups[0]: got 'ALL_VPCS'"),
    ({"advertised_groups": ["ALL_SUBNETS"]}, "with hybrid_vpn_advertise_mode DEFAULT"),
    ({"verify_timeout": "ten"}, "hybrid_vpn_verify_timeout: got 'ten', expected an integer from 0"),
    ({"gcp_timeout": -1}, "hybrid_vpn_gcp_timeout: got -1, expected an integer from 1"),
    ({"aws_region": "Tokyo"}, "hybrid_vpn_aws_region: got 'Tokyo', expected an AWS region name"),
    ({"aws_account_id": "11111111111"}, "hybrid_vpn_aws_account_id: got '11111111111', expected the hub's 12-digit"),
    ({"name": ""}, "hybrid_vpn_name: got '', expected a non-empty Name tag"),
    ({"gcp_project": "X"}, "hybrid_vpn_gcp_project: got 'X', expected a GCP project id"),
    ({"aws_transit_gateway_id": "my-tgw"}, "hybrid_vpn_aws_transit_gateway_id: got 'my-tgw'"),
    ({"ike_versions": ["ikev1", "ikev2"]}, "hybrid_vpn_ike_versions: got ['ikev1', 'ikev2'], expected ['ikev2']"),
    # A change of IKE versions away from IKEv2 is refused by policy (cloud-constraints.md "Use IKEv2 only").
    ({"ike_versions": "ikev1"},
     "hybrid_vpn_ike_versions: got ['ikev1'], expected ['ikev2']: the GCP tunnels are IKEv2"),
    ({"pre_shared_key_storage": "vault"},
     "hybrid_vpn_pre_shared_key_storage: got 'vault', expected one of Standard, SecretsManager"),
    ({"phase2_dh_group_numbers": [17]}, "hybrid_vpn_phase2_dh_group_numbers[0]: got 17"),
    ({"phase1_integrity_algorithms": "SHA1,SHA2-256"}, "expected exactly one value"),
    ({"phase1_lifetime_seconds": 30000},
     "hybrid_vpn_phase1_lifetime_seconds: got 30000, expected an integer from 900 to 28800"),
    ({"gcp_router_asn": 64512}, "hybrid_vpn_aws_amazon_side_asn: got 64512, expected an ASN other than"),
    ({"gcp_router_asn": 100}, "hybrid_vpn_gcp_router_asn: ASN 100 is not private"),
    ({"inside_cidrs": CIDRS[:3]}, "hybrid_vpn_inside_cidrs needs 4 entries (one per tunnel) or none, got 3"),
    ({"inside_cidrs": [*CIDRS[:3], "169.254.169.252/30"]},
     "hybrid_vpn_inside_cidrs[3]: inside CIDR '169.254.169.252/30' is reserved"),
    ({"aws_region": None}, "hybrid_vpn_aws_region: not set"),
    ({"ike_version": "ikev2"}, "hybrid_vpn_ike_version: not a setting"),
])
def test_a_bad_setting_is_named_with_its_value_and_what_is_expected(overrides, message):
    with pytest.raises(WiringError) as e:
        settings(**overrides)
    assert message in str(e.value)


def test_a_bad_key_is_named_but_never_echoed():
    with pytest.raises(WiringError) as e:
        settings(pre_shared_keys="0secret_a,secret_bb,secret_cc,secret_dd")
    assert "hybrid_vpn_pre_shared_keys[0]" in str(e.value) and "0secret_a" not in str(e.value)
