"""Bad input across all four roles: each wrong setting or role input stops the whole site's preflight before any
write reaches either cloud (the twin's call counters), with a message naming the setting and the value (a
pre-shared key is named by its position, never echoed)."""

from __future__ import annotations

import pytest
from conftest import preflight, stopped

CIDRS = ["169.254.10.0/30", "169.254.11.0/30", "169.254.12.0/30", "169.254.13.0/30"]
KEYS = ["key_one_1", "key_two_2", "key_three_3", "key_four_4"]
SERVICE_ML = {"project": "cb-svc-ml", "members": ["serviceAccount:480211350147@cloudservices.gserviceaccount.com"],
              "subnetworks": ["ml-tokyo"]}
CONNECTOR = {"name": "svpc-tokyo", "region": "asia-northeast1", "ip_cidr_range": "10.100.240.0/28", "max_instances": 3}


def keys(first):
    return [first, *KEYS[1:]]


# case -> (extra vars, words the first failure message must hold, words it must not hold). Strings stand for -e.
BAD = {
    # --- settings (hybrid_vpn_*, roles aws_tgw_vpn and gcp_ha_vpn) ---
    "inside cidr reserved by aws": ({"hybrid_vpn_inside_cidrs": [*CIDRS[:3], "169.254.169.252/30"]},
                                    ["hybrid_vpn_inside_cidrs[3]", "169.254.169.252/30", "reserved"]),
    "inside cidrs overlapping": ({"hybrid_vpn_inside_cidrs": [*CIDRS[:3], CIDRS[0]]},
                                 ["hybrid_vpn_inside_cidrs[3]", CIDRS[0], "duplicates"]),
    "inside cidr not a /30": ({"hybrid_vpn_inside_cidrs": [*CIDRS[:3], "169.254.13.0/29"]},
                              ["hybrid_vpn_inside_cidrs[3]", "169.254.13.0/29", "/30"]),
    "inside cidr outside 169.254/16": ({"hybrid_vpn_inside_cidrs": [*CIDRS[:3], "10.0.0.0/30"]},
                                       ["hybrid_vpn_inside_cidrs[3]", "10.0.0.0/30", "169.254.0.0/16"]),
    "inside cidr malformed": ({"hybrid_vpn_inside_cidrs": [*CIDRS[:3], "169.254.300.0/30"]},
                              ["hybrid_vpn_inside_cidrs[3]", "169.254.300.0/30", "malformed"]),
    "three inside cidrs": ({"hybrid_vpn_inside_cidrs": CIDRS[:3]}, ["hybrid_vpn_inside_cidrs", "4 entries", "got 3"]),
    "five pre-shared keys": ({"hybrid_vpn_pre_shared_keys": [*KEYS, "key_five_5"]},
                             ["hybrid_vpn_pre_shared_keys", "4 entries", "got 5"]),
    "key too short": ({"hybrid_vpn_pre_shared_keys": keys("short_1")},
                      ["hybrid_vpn_pre_shared_keys[0]", "8 to 64 characters"], ["short_1"]),
    "key too long": ({"hybrid_vpn_pre_shared_keys": keys("k" * 65)},
                     ["hybrid_vpn_pre_shared_keys[0]", "8 to 64 characters"], ["k" * 65]),
    "key starting with 0": ({"hybrid_vpn_pre_shared_keys": keys("0key_1234")},
                            ["hybrid_vpn_pre_shared_keys[0]", "must not start with '0'"], ["0key_1234"]),
    "key with an illegal character": ({"hybrid_vpn_pre_shared_keys": keys("key-with-dash")},
                                      ["hybrid_vpn_pre_shared_keys[0]", "letters, digits"], ["key-with-dash"]),
    "key of the wrong type": ({"hybrid_vpn_pre_shared_keys": [{"k": "v"}, *KEYS[1:]]},
                              ["hybrid_vpn_pre_shared_keys[0]", "expected a string key"]),
    "same asn on both sides": ({"hybrid_vpn_gcp_router_asn": "64512"},
                               ["hybrid_vpn_aws_amazon_side_asn", "64512", "other than"]),
    "public gcp asn": ({"hybrid_vpn_gcp_router_asn": "6500"}, ["hybrid_vpn_gcp_router_asn", "6500", "not private"]),
    "amazon asn out of range": ({"hybrid_vpn_aws_amazon_side_asn": "70000"},
                                ["hybrid_vpn_aws_amazon_side_asn", "70000", "not private"]),
    "asn past 32 bits": ({"hybrid_vpn_gcp_router_asn": "4294967296"},
                         ["hybrid_vpn_gcp_router_asn", "4294967296", "not private"]),
    "asn of the wrong type": ({"hybrid_vpn_aws_amazon_side_asn": "sixty"},
                              ["hybrid_vpn_aws_amazon_side_asn", "'sixty'", "private ASN"]),
    "unknown aws region": ({"hybrid_vpn_aws_region": "ap-northeast-9"},
                           ["hybrid_vpn_aws_region", "ap-northeast-9", "region AWS has"]),
    "malformed aws region": ({"hybrid_vpn_aws_region": "Tokyo"}, ["hybrid_vpn_aws_region", "'Tokyo'", "region name"]),
    "unknown gcp region": ({"hybrid_vpn_gcp_region": "asia-northeast9"},
                           ["hybrid_vpn_gcp_region", "asia-northeast9", "Unknown region"]),
    "malformed gcp region": ({"hybrid_vpn_gcp_region": "Tokyo"}, ["hybrid_vpn_gcp_region", "'Tokyo'", "region name"]),
    "uppercase gcp name": ({"hybrid_vpn_gcp_router_name": "CR-AWS"},
                           ["hybrid_vpn_gcp_router_name", "'CR-AWS'", "Compute name"]),
    "gcp name of 64 characters": ({"hybrid_vpn_gcp_gateway_name": "g" * 64},
                                  ["hybrid_vpn_gcp_gateway_name", "g" * 64, "at most 63"]),
    "gcp name prefix too long": ({"hybrid_vpn_gcp_name_prefix": "p" * 55}, ["hybrid_vpn_gcp_name_prefix", "p" * 55]),
    "malformed gcp project": ({"hybrid_vpn_gcp_project": "CB_Host"}, ["hybrid_vpn_gcp_project", "'CB_Host'"]),
    "unknown gcp project": ({"hybrid_vpn_gcp_project": "cb-no-such-project"},
                            ["hybrid_vpn_gcp_project", "cb-no-such-project", "does not exist"]),
    "unknown gcp network": ({"hybrid_vpn_gcp_network": "vpc-nowhere"},
                            ["hybrid_vpn_gcp_network", "vpc-nowhere", "does not exist"]),
    "malformed tgw id": ({"hybrid_vpn_aws_transit_gateway_id": "my-tgw"},
                         ["hybrid_vpn_aws_transit_gateway_id", "'my-tgw'"]),
    "tgw id that does not exist": ({"hybrid_vpn_aws_transit_gateway_id": "tgw-0123456789abcdef0"},
                                   ["hybrid_vpn_aws_transit_gateway_id", "tgw-0123456789abcdef0", "no live"]),
    "malformed hub account id": ({"hybrid_vpn_aws_account_id": "1234"}, ["hybrid_vpn_aws_account_id", "'1234'"]),
    "verify timeout of the wrong type": ({"hybrid_vpn_verify_timeout": "ten"}, ["hybrid_vpn_verify_timeout", "'ten'"]),
    "boolean of the wrong type": ({"hybrid_vpn_aws_default_route_table_association": "maybe"},
                                  ["hybrid_vpn_aws_default_route_table_association", "'maybe'", "true or false"]),
    "seconds of the wrong type": ({"hybrid_vpn_aws_poll_interval": "fast"},
                                  ["hybrid_vpn_aws_poll_interval", "'fast'", "number of seconds"]),
    "list of the wrong type": ({"hybrid_vpn_inside_cidrs": {"a": "b"}}, ["hybrid_vpn_inside_cidrs", "a list"]),
    "negative timeout": ({"hybrid_vpn_gcp_timeout": "-5"}, ["hybrid_vpn_gcp_timeout", "-5", "from 1"]),
    "phase 1 lifetime out of range": ({"hybrid_vpn_phase1_lifetime_seconds": "100"},
                                      ["hybrid_vpn_phase1_lifetime_seconds", "100", "900 to 28800"]),
    "unknown dpd action": ({"hybrid_vpn_dpd_timeout_action": "explode"},
                           ["hybrid_vpn_dpd_timeout_action", "'explode'", "clear, none, restart"]),
    "ike version gcp does not speak": ({"hybrid_vpn_ike_versions": "ikev1"}, ["hybrid_vpn_ike_versions", "ikev1"]),
    "dh group cloud vpn dropped": ({"hybrid_vpn_phase1_dh_group_numbers": "22"},
                                   ["hybrid_vpn_phase1_dh_group_numbers[0]", "22"]),
    "two proposals in a phase": ({"hybrid_vpn_phase2_encryption_algorithms": "AES128,AES256"},
                                 ["hybrid_vpn_phase2_encryption_algorithms", "exactly one"]),
    "advertised range not a cidr": ({"hybrid_vpn_advertise_mode": "CUSTOM",
                                     "hybrid_vpn_advertised_ip_ranges": "10.0.0"},
                                    ["hybrid_vpn_advertised_ip_ranges[0]", "'10.0.0'"]),
    "unknown advertise mode": ({"hybrid_vpn_advertise_mode": "SOME"}, ["hybrid_vpn_advertise_mode", "'SOME'"]),
    "empty name tag": ({"hybrid_vpn_name": ""}, ["hybrid_vpn_name", "''", "non-empty"]),
    "misspelt setting": ({"hybrid_vpn_ike_version": "ikev2"}, ["hybrid_vpn_ike_version", "not a setting"]),
    # --- tgw_routing_ram (hub and spokes) ---
    "spoke vpc that does not exist": ({"tgw_routing_ram_vpcs": [{"name": "nowhere-prod"}]},
                                      ["tgw_routing_ram_vpcs", "nowhere-prod", "matches 0 VPCs"]),
    "spoke that is the hub": ({"tgw_routing_ram_account_id": "111111111111"},
                              ["tgw_routing_ram_account_id", "111111111111", "not the hub account"]),
    "malformed spoke account id": ({"tgw_routing_ram_account_id": "22222"},
                                   ["tgw_routing_ram_account_id", "'22222'", "12-digit"]),
    # --- gcp_shared_vpc (host and service projects) ---
    "subnetwork in another region": ({"gcp_shared_vpc_subnetworks": [{"name": "hub-tokyo", "region": "us-central1"}]},
                                     ["hub-tokyo", "us-central1"]),
    "unknown subnetwork": ({"gcp_shared_vpc_subnetworks": [{"name": "nowhere-tokyo"}]}, ["nowhere-tokyo"]),
    "malformed iam member": ({"gcp_shared_vpc_service": {**SERVICE_ML, "members": ["alice@example.com"]}},
                             ["alice@example.com"]),
    "connector range overlapping a subnetwork": ({"gcp_shared_vpc_connectors": [
        {**CONNECTOR, "ip_cidr_range": "10.100.0.0/28"}]}, ["10.100.0.0/28", "overlaps"]),
    "connector range not a /28": ({"gcp_shared_vpc_connectors": [{**CONNECTOR, "ip_cidr_range": "10.100.240.0/29"}]},
                                  ["10.100.240.0/29", "/28"]),
    "service project that does not exist": ({"gcp_shared_vpc_service": {**SERVICE_ML, "project": "cb-svc-nowhere"}},
                                            ["cb-svc-nowhere"]),
}
SHORT = {"inside cidrs overlapping", "key starting with 0", "asn past 32 bits", "uppercase gcp name",
         "list of the wrong type", "misspelt setting"}


@pytest.mark.parametrize("case", [pytest.param(c, marks=[pytest.mark.short] if c in SHORT else []) for c in BAD])
def test_a_bad_input_stops_before_any_write_naming_the_setting_and_value(case, tmp_path, admin, outcome):
    extra, words, *hidden = BAD[case]
    admin.clear_calls()
    messages, writes = stopped(preflight(tmp_path, **extra), admin)
    named = bool(messages) and all(word in messages[0] for word in words)
    leaked = [w for w in (hidden[0] if hidden else []) if any(w in m for m in messages)]
    outcome.record("bad input (4 roles)", case, named and not writes and not leaked, sum(writes.values()),
                   detail=messages[0] if messages else "no failure")
    assert messages, "the run did not stop"
    assert named, messages[0]
    assert not leaked, f"a key was echoed: {messages[0]}"
    assert writes == {}
