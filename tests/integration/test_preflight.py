"""site.yml's settings and preflight on the twin: each bad input of issue 7 stops the run with a message naming
the setting, the bad value and what is expected, before any write reaches either cloud (the twin's call
counters); a value given with -e as a string is read as the type the setting needs."""

from __future__ import annotations

import pytest
from ansible_run import ROOT, cloud_writes, failure_messages, run_playbook, task_results

INVENTORY = str(ROOT / "inventories/sandbox")
NAME = "cloudbridge-hybrid-vpn"


def site(tmp_path, *args, **extra):
    return run_playbook(ROOT / "playbooks/site.yml", *args, tmp_path=tmp_path, inventory=INVENTORY, extra_vars=extra)


def two_tgws_named_like_ours(ec2):
    tag = [{"ResourceType": "transit-gateway", "Tags": [{"Key": "Name", "Value": NAME}]}]
    return [ec2.create_transit_gateway(TagSpecifications=tag)["TransitGateway"]["TransitGatewayId"] for _ in range(2)]


# (extra vars, words the message must hold). Strings stand for what -e name=value passes.
BAD = {
    "gcp name with an underscore": ({"hybrid_vpn_gcp_gateway_name": "ha_vpn_aws"},
                                    ["hybrid_vpn_gcp_gateway_name", "'ha_vpn_aws'", "Compute name"]),
    "gcp name of 70 characters": ({"hybrid_vpn_gcp_router_name": "r" * 70},
                                  ["hybrid_vpn_gcp_router_name", "r" * 70, "at most 63"]),
    "unknown advertised group": ({"hybrid_vpn_advertise_mode": "CUSTOM", "hybrid_vpn_advertised_groups": "ALL_VPCS"},
                                 ["hybrid_vpn_advertised_groups[0]", "'ALL_VPCS'", "ALL_SUBNETS"]),
    "non-integer timeout": ({"hybrid_vpn_verify_timeout": "ten"}, ["hybrid_vpn_verify_timeout", "'ten'",
                                                                   "an integer"]),
    "negative timeout": ({"hybrid_vpn_gcp_timeout": "-5"}, ["hybrid_vpn_gcp_timeout", "-5", "from 1"]),
    "unknown aws region": ({"hybrid_vpn_aws_region": "ap-northeast-9"},
                           ["hybrid_vpn_aws_region", "ap-northeast-9", "region AWS has"]),
    "empty tgw name": ({"hybrid_vpn_name": ""}, ["hybrid_vpn_name", "''", "non-empty Name tag"]),
    "two tgws with our name tag": ({}, ["hybrid_vpn_name", NAME, "several Transit Gateways", "expected at most one"]),
    "unknown gcp project": ({"hybrid_vpn_gcp_project": "cb-no-such-project"},
                            ["project cb-no-such-project", "does not exist"]),
    "unknown gcp network": ({"hybrid_vpn_gcp_network": "vpc-nowhere"}, ["network vpc-nowhere", "does not exist"]),
    "ike version gcp does not speak": ({"hybrid_vpn_ike_versions": "ikev1"},
                                       ["hybrid_vpn_ike_versions", "['ikev1']", "IKEv2"]),
    "dh group cloud vpn dropped": ({"hybrid_vpn_phase1_dh_group_numbers": "22"},
                                   ["hybrid_vpn_phase1_dh_group_numbers[0]", "22", "both AWS and Cloud VPN accept"]),
    "two proposals in a phase": ({"hybrid_vpn_phase2_encryption_algorithms": "AES128,AES256"},
                                 ["hybrid_vpn_phase2_encryption_algorithms", "AES128", "exactly one"]),
    "same asn on both sides": ({"hybrid_vpn_gcp_router_asn": "64512"},
                               ["hybrid_vpn_aws_amazon_side_asn", "64512", "other than"]),
    "public asn": ({"hybrid_vpn_gcp_router_asn": "6500"}, ["hybrid_vpn_gcp_router_asn", "6500", "not private"]),
    "role asn restated differently": ({"aws_tgw_vpn_customer_gateway_asn": 65001},
                                      ["aws_tgw_vpn_customer_gateway_asn 65001", "gcp_ha_vpn_router_asn 65000"]),
    "tgw id that does not exist": ({"hybrid_vpn_aws_transit_gateway_id": "tgw-0123456789abcdef0"},
                                   ["hybrid_vpn_aws_transit_gateway_id", "tgw-0123456789abcdef0", "no live"]),
    "key aws refuses": ({"hybrid_vpn_pre_shared_keys": "0key_1234,key_12345,key_12346,key_12347"},
                        ["hybrid_vpn_pre_shared_keys[0]", "must not start with '0'"]),
    "misspelt setting": ({"hybrid_vpn_ike_version": "ikev2"}, ["hybrid_vpn_ike_version", "not a setting"]),
}


@pytest.mark.parametrize("case", BAD, ids=list(BAD))
def test_a_bad_input_stops_the_run_with_a_named_message_before_any_write(case, tmp_path, admin, ec2):
    extra, words = BAD[case]
    made = two_tgws_named_like_ours(ec2) if case == "two tgws with our name tag" else []
    admin.clear_calls()
    report = site(tmp_path, **extra)
    calls = admin.calls()
    for tgw in made:
        ec2.delete_transit_gateway(TransitGatewayId=tgw)
    messages = failure_messages(report)
    assert messages and all(word in messages[0] for word in words), messages
    assert cloud_writes(calls) == {}
    assert not [p["play"]["name"] for p in report["plays"] if p["play"]["name"].startswith(("GCP |", "AWS |"))]


def test_a_wrong_gcp_token_is_named_as_such_before_any_write(tmp_path, admin, monkeypatch):
    monkeypatch.setenv("GCP_ACCESS_TOKEN", "ya29.expired")
    admin.clear_calls()
    messages = failure_messages(site(tmp_path))
    assert "GCP refused the credentials (HTTP 401)" in messages[0] and "access token" in messages[0]
    assert "refresh_token" not in messages[0]  # not google-auth's wording about refresh fields
    assert cloud_writes(admin.calls()) == {}


CIDRS = ["169.254.10.0/30", "169.254.11.0/30", "169.254.12.0/30", "169.254.13.0/30"]


def test_strings_from_the_command_line_are_read_as_the_type_each_setting_needs(tmp_path, admin):
    """As -e would pass them: an ASN as a string, the CIDRs comma-separated, numeric keys (as JSON numbers)."""
    admin.clear_calls()
    report = site(tmp_path, "--check", hybrid_vpn_gcp_router_asn="65010", hybrid_vpn_aws_amazon_side_asn="64600",
                  hybrid_vpn_inside_cidrs=",".join(CIDRS),
                  hybrid_vpn_pre_shared_keys=[12345678, 23456789, 34567890, 45678901])
    assert failure_messages(report) == []
    would = task_results(report, "aws-hub")["Converge the customer gateways and VPN connections, waiting for both "
                                             "together"]["vpn_connections"]
    assert [t["inside_cidr"] for c in would for t in c["tunnels"]] == CIDRS
    assert cloud_writes(admin.calls()) == {}
