"""tgw_routing_ram inside an AWS Organization with RAM sharing enabled (the twin's aws_organization_accounts knob):
the share reaches both spokes with no invitation, nothing waits for one, and the spokes still see the Transit
Gateway only once the share is visible (ram_visibility_delay)."""

from __future__ import annotations

import json

import boto3
from ansible_run import ROOT, run_playbook

PLAYBOOK = ROOT / "tests/integration/playbooks/tgw_routing_ram.yml"
HUB, NEWS, GUNOSY = "111111111111", "222222222222", "333333333333"
FAST = {"hybrid_vpn_verify_poll_interval": 1, "hybrid_vpn_aws_poll_interval": 1, "tgw_routing_ram_poll_interval": 1}


def spoke(account):
    creds = boto3.client("sts").assume_role(RoleArn=f"arn:aws:iam::{account}:role/reader",
                                            RoleSessionName="test")["Credentials"]
    return boto3.session.Session(aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"],
                                 aws_session_token=creds["SessionToken"])


def test_inside_an_organization_the_spokes_converge_without_any_invitation(tmp_path, twin, admin):
    admin.config(aws_organization_accounts=[HUB, NEWS, GUNOSY], ram_visibility_delay=2)
    fact_file = tmp_path / "fact.json"
    report = run_playbook(PLAYBOOK, tmp_path=tmp_path, inventory=str(ROOT / "inventories/sandbox"), extra_vars={
        **FAST, "fact_file": str(fact_file), "tgw_routing_ram_organization": True,
        "tgw_routing_ram_allow_external_principals": False})
    assert {h: s["failures"] for h, s in report["stats"].items() if s["failures"]} == {}
    fact = json.loads(fact_file.read_text())
    for account in (NEWS, GUNOSY):
        session = spoke(account)
        assert session.client("ram").get_resource_share_invitations()["resourceShareInvitations"] == []
        attachments = session.client("ec2").describe_transit_gateway_vpc_attachments()["TransitGatewayVpcAttachments"]
        assert [(a["TransitGatewayId"], a["State"]) for a in attachments] == [(fact["transit_gateway_id"], "available")]
    [share] = boto3.client("ram").get_resource_shares(resourceOwner="SELF")["resourceShares"]
    assert share["allowExternalPrincipals"] is False
