"""The multi-account modules (RAM share, invitation, attachment acceptance, TGW route table, VPC routes to a TGW):
their desired-state functions, and main() as a user sees it: check mode, diff, idempotence, state absent."""

from __future__ import annotations

import pytest
from unit.plugins.modules import tgw_fake
from unit.plugins.modules.ec2_fake import client_error, run_module
from unit.plugins.modules.tgw_fake import TGW

from ansible_collections.cloudbridge.hybrid_vpn.plugins.modules import ec2_transit_gateway_attachment_acceptance as acc
from ansible_collections.cloudbridge.hybrid_vpn.plugins.modules import ec2_transit_gateway_route_table as rtb
from ansible_collections.cloudbridge.hybrid_vpn.plugins.modules import ec2_transit_gateway_route_table_info as rtbi
from ansible_collections.cloudbridge.hybrid_vpn.plugins.modules import ec2_vpc_transit_gateway_routes as vpcr
from ansible_collections.cloudbridge.hybrid_vpn.plugins.modules import ram_resource_share as share
from ansible_collections.cloudbridge.hybrid_vpn.plugins.modules import ram_resource_share_invitation as inv

aws = tgw_fake.aws  # the fixture, used by name
TGW_ARN = f"arn:aws:ec2:ap-northeast-1:111111111111:transit-gateway/{TGW}"
NEWS = "222222222222"
GUNOSY = "333333333333"


# --- RAM resource share ---

def test_share_plan_adds_and_removes_exactly_the_differences():
    current = {"resources": [TGW_ARN], "principals": [NEWS, GUNOSY], "allow_external_principals": True}
    desired = share.desired_share({"resource_arns": [TGW_ARN], "principals": [NEWS, NEWS],
                                   "allow_external_principals": True})
    assert share.plan(current, desired) == {"create": False, "update": False, "add_resources": [],
                                            "remove_resources": [], "add_principals": [],
                                            "remove_principals": [GUNOSY]}
    assert share.plan(None, desired)["create"] is True


SHARE_ARGS = {"name": "hybrid", "resource_arns": [TGW_ARN], "principals": [NEWS, GUNOSY],
              "allow_external_principals": True}


def test_share_is_created_then_unchanged(aws):
    result = run_module(share, SHARE_ARGS, diff=True)
    assert result["changed"] is True and aws["ram"].mutations() == ["create_resource_share"]
    assert result["diff"]["after"]["principals"] == [NEWS, GUNOSY]
    assert {p["id"]: p["status"] for p in result["principals"]} == {NEWS: "ASSOCIATING", GUNOSY: "ASSOCIATING"}
    aws["ram"].calls.clear()
    assert run_module(share, SHARE_ARGS)["changed"] is False
    assert aws["ram"].mutations() == []


def test_a_removed_spoke_leaves_the_share_and_check_mode_only_reports_it(aws):
    arn = aws["ram"].add_share("hybrid", [TGW_ARN], [NEWS, GUNOSY], allow_external=True)
    args = {**SHARE_ARGS, "principals": [NEWS]}
    assert run_module(share, args, check=True)["changed"] is True and aws["ram"].mutations() == []
    assert run_module(share, args)["changed"] is True
    assert [kw for name, kw in aws["ram"].calls if name == "disassociate_resource_share"] == [
        {"resourceShareArn": arn, "resourceArns": [], "principals": [GUNOSY]}]
    assert run_module(share, args)["changed"] is False  # DISASSOCIATED no longer counts


def test_external_principals_are_off_unless_asked(aws):
    aws["ram"].add_share("hybrid", [TGW_ARN], [NEWS], allow_external=True)
    result = run_module(share, {"name": "hybrid", "resource_arns": [TGW_ARN], "principals": [NEWS]})
    assert result["changed"] is True and aws["ram"].mutations() == ["update_resource_share"]


def test_share_absent_deletes_it_once(aws):
    aws["ram"].add_share("hybrid", [TGW_ARN], [NEWS])
    assert run_module(share, {"name": "hybrid", "state": "absent"})["changed"] is True
    assert run_module(share, {"name": "hybrid", "state": "absent"})["changed"] is False


def test_share_failure_names_the_share_and_the_cause(aws):
    aws["ram"].errors["create_resource_share"] = client_error("MalformedArnException", "bad arn", "Create")
    result = run_module(share, SHARE_ARGS)
    assert result["failed"] is True
    assert result["msg"] == "Failed to manage RAM resource share hybrid: MalformedArnException: bad arn"


# --- RAM invitation ---

def invitation(status="PENDING", stamp=1.0, arn="arn:inv/1"):
    return {"resourceShareInvitationArn": arn, "resourceShareName": "hybrid", "senderAccountId": "111111111111",
            "status": status, "invitationTimestamp": stamp}


INVITATION_ARGS = {"resource_share_name": "hybrid", "sender_account_id": "111111111111", "wait_timeout": 1,
                   "wait_delay": 0.01}


def test_the_newest_invitation_counts_and_answered_ones_are_left_alone():
    newest = invitation("PENDING", 2.0, "arn:inv/2")
    assert inv.newest_invitation([invitation("ACCEPTED"), newest], "hybrid", "111111111111") == newest
    assert inv.answer_step("ACCEPTED", "ACCEPTED") == "none"
    assert inv.answer_step("PENDING", "ACCEPTED") == "answer"
    assert inv.answer_step("REJECTED", "ACCEPTED") == "stuck"


def test_a_pending_invitation_is_accepted_once(aws):
    aws["ram"].invitations.append(invitation())
    result = run_module(inv, INVITATION_ARGS, diff=True)
    assert (result["changed"], result["shared"], result["invitation"]["status"]) == (True, True, "ACCEPTED")
    assert result["diff"] == {"before": {"status": "PENDING"}, "after": {"status": "ACCEPTED"}}
    assert run_module(inv, INVITATION_ARGS)["changed"] is False


def test_check_mode_does_not_wait_for_a_missing_invitation(aws):
    result = run_module(inv, INVITATION_ARGS, check=True)
    assert (result["changed"], result["invitation"]) == (True, None)
    assert aws["ram"].mutations() == []


def test_a_missing_invitation_fails_after_the_deadline(aws):
    result = run_module(inv, INVITATION_ARGS)
    assert result["failed"] is True
    assert result["msg"] == ("Failed to accept the RAM invitation to hybrid from 111111111111: still not done after "
                             "1 seconds")


def test_organization_mode_reads_the_share_and_never_waits(aws):
    aws["ram"].add_share("hybrid")
    result = run_module(inv, {**INVITATION_ARGS, "organization": True})
    assert (result["changed"], result["shared"]) == (False, True)
    assert [n for n, _unused in aws["ram"].calls] == ["get_resource_shares"]


# --- attachment acceptance ---

def test_sort_attachments_splits_listed_unlisted_and_departed():
    attachments = [
        {"TransitGatewayAttachmentId": "a1", "ResourceOwnerId": NEWS, "State": "pendingAcceptance"},
        {"TransitGatewayAttachmentId": "a2", "ResourceOwnerId": "444444444444", "State": "pendingAcceptance"},
        {"TransitGatewayAttachmentId": "a3", "ResourceOwnerId": GUNOSY, "State": "available",
         "Association": {"TransitGatewayRouteTableId": "tgw-rtb-1"}},
        {"TransitGatewayAttachmentId": "a4", "ResourceOwnerId": NEWS, "State": "deleted"},
    ]
    split = acc.sort_attachments(attachments, [NEWS], ("tgw-rtb-1",))
    assert [[a["TransitGatewayAttachmentId"] for a in split[k]] for k in ("listed", "to_answer", "left_pending",
                                                                          "to_remove")] == [["a1"], ["a1"], ["a2"],
                                                                                            ["a3"]]


def test_only_listed_accounts_are_accepted_and_others_reported(aws):
    aws["ec2"].add_attachment("tgw-attach-news", NEWS, "pendingAcceptance")
    aws["ec2"].add_attachment("tgw-attach-other", "444444444444", "pendingAcceptance")
    args = {"transit_gateway_id": TGW, "account_ids": [NEWS], "wait_delay": 0.01}
    assert run_module(acc, args, check=True)["answered"] == ["tgw-attach-news"]
    assert aws["ec2"].mutations() == []
    result = run_module(acc, args)
    assert result["changed"] is True and result["answered"] == ["tgw-attach-news"]
    assert [a["state"] for a in result["attachments"]] == ["available"]
    assert [a["transit_gateway_attachment_id"] for a in result["left_pending"]] == ["tgw-attach-other"]
    assert aws["ec2"].attachments["tgw-attach-other"]["State"] == "pendingAcceptance"
    assert run_module(acc, args)["changed"] is False


def test_the_attachment_of_a_departed_spoke_is_deleted(aws):
    table = aws["ec2"].add_table("hybrid-spokes", associations=["tgw-attach-gunosy"])
    aws["ec2"].tables[table]["associations"]["tgw-attach-gunosy"] = "associated"
    aws["ec2"].add_attachment("tgw-attach-gunosy", GUNOSY)
    result = run_module(acc, {"transit_gateway_id": TGW, "account_ids": [NEWS], "wait_delay": 0.01,
                              "purge_route_table_names": ["hybrid-spokes"]})
    assert result["removed"] == ["tgw-attach-gunosy"] and result["changed"] is True


# --- TGW route table ---

def test_routes_are_matched_by_cidr_and_target():
    current = rtb.current_routes([
        {"DestinationCidrBlock": "10.20.0.0/16", "State": "active",
         "TransitGatewayAttachments": [{"TransitGatewayAttachmentId": "tgw-attach-old"}]},
        {"DestinationCidrBlock": "10.99.0.0/16", "State": "blackhole"}])
    desired = rtb.desired_routes([
        {"destination_cidr_block": "10.20.0.0/16", "transit_gateway_attachment_id": "news", "blackhole": False},
        {"destination_cidr_block": "10.30.0.0/16", "transit_gateway_attachment_id": None, "blackhole": True}],
        {"news": ["tgw-attach-new"]})
    assert rtb.plan_routes(current, desired, purge=True) == {"create": ["10.30.0.0/16"], "replace": ["10.20.0.0/16"],
                                                             "delete": ["10.99.0.0/16"]}
    assert rtb.plan_routes(current, desired, purge=False)["delete"] == []
    assert rtb.expand(["vpn", "tgw-attach-x"], {"vpn": ["b", "a"]}) == ["a", "b", "tgw-attach-x"]
    with pytest.raises(rtb.AwsError, match="needs transit_gateway_attachment_id or blackhole"):
        rtb.desired_routes([{"destination_cidr_block": "10.0.0.0/8", "transit_gateway_attachment_id": None,
                             "blackhole": False}], {})


TABLE_ARGS = {"transit_gateway_id": TGW, "name": "hybrid-spokes", "wait_delay": 0.01,
              "associations": ["spokes"], "propagations": ["vpn"],
              "attachment_aliases": {"spokes": ["tgw-attach-news"], "vpn": ["vpn-1"]},
              "routes": [{"destination_cidr_block": "192.168.0.0/16", "blackhole": True}]}


def test_a_table_is_created_wired_and_then_left_alone(aws):
    aws["ec2"].add_attachment("tgw-attach-news", NEWS)
    aws["ec2"].add_attachment("tgw-attach-vpn1", "111111111111", resource_id="vpn-1", resource_type="vpn")
    assert run_module(rtb, TABLE_ARGS, check=True)["changed"] is True and aws["ec2"].mutations() == []
    result = run_module(rtb, TABLE_ARGS, diff=True)
    assert result["changed"] is True
    assert result["route_table"]["associations"] == ["tgw-attach-news"]
    assert result["route_table"]["propagations"] == ["tgw-attach-vpn1"]  # found from the VPN connection id
    assert result["diff"]["after"]["routes"] == {"192.168.0.0/16": "blackhole"}
    aws["ec2"].calls.clear()
    assert run_module(rtb, TABLE_ARGS)["changed"] is False and aws["ec2"].mutations() == []


def test_an_attachment_associated_elsewhere_is_moved_and_a_wrong_route_replaced(aws):
    aws["ec2"].add_attachment("tgw-attach-news", NEWS)
    aws["ec2"].add_attachment("tgw-attach-vpn1", "111111111111", resource_id="vpn-1", resource_type="vpn")
    aws["ec2"].add_table("default", associations=["tgw-attach-news"])
    aws["ec2"].add_table("hybrid-spokes", routes={"192.168.0.0/16": "tgw-attach-news"})
    run_module(rtb, TABLE_ARGS)
    assert list(aws["ec2"].mutations()) == [
        "replace_transit_gateway_route", "disassociate_transit_gateway_route_table",
        "associate_transit_gateway_route_table", "enable_transit_gateway_route_table_propagation"]


def test_absent_unwires_and_deletes_the_table_once(aws):
    aws["ec2"].add_table("hybrid-spokes", associations=["tgw-attach-news"], propagations=["tgw-attach-vpn1"])
    args = {"transit_gateway_id": TGW, "name": "hybrid-spokes", "state": "absent", "wait_delay": 0.01}
    result = run_module(rtb, args)
    assert result["changed"] is True and aws["ec2"].tables == {}
    assert run_module(rtb, args)["changed"] is False


def test_absent_waits_until_no_link_is_left_disassociating(aws):
    # Get*Associations lists a link while it is disassociating; DeleteTransitGatewayRouteTable refuses it then.
    aws["ec2"].add_table("hybrid-vpn", associations=["tgw-attach-vpn1"], propagations=["tgw-attach-vpn1"])
    aws["ec2"].slow = {"tgw-attach-vpn1": 4}  # reads of its association and propagation, both counted
    result = run_module(rtb, {"transit_gateway_id": TGW, "name": "hybrid-vpn", "state": "absent", "wait_delay": 0.01})
    assert result["changed"] is True and aws["ec2"].tables == {}


# --- VPC routes to the TGW ---

def test_vpc_route_plan_creates_replaces_and_deletes_only_its_destinations():
    current = {"10.100.0.0/20": "igw-1", "10.100.16.0/20": TGW}
    assert vpcr.plan(current, ["10.100.0.0/20", "10.100.16.0/20", "10.100.32.0/20"], TGW, True) == {
        "10.100.0.0/20": "replace", "10.100.32.0/20": "create"}
    assert vpcr.plan(current, ["10.100.0.0/20", "10.100.16.0/20"], TGW, False) == {"10.100.16.0/20": "delete"}
    assert vpcr.route_target({"DestinationCidrBlock": "x", "GatewayId": "local", "State": "active"}) == "local"


def test_vpc_routes_converge_then_are_removed_leaving_others(aws):
    aws["ec2"].add_vpc_table("rtb-main", {"10.20.0.0/16": "local", "0.0.0.0/0": "igw-1"})
    args = {"vpc_id": "vpc-1", "destination_cidr_blocks": ["10.100.0.0/20"], "transit_gateway_id": TGW}
    assert run_module(vpcr, args, check=True)["changed"] is True and aws["ec2"].mutations() == []
    assert run_module(vpcr, args)["routes"] == {"rtb-main": {"10.100.0.0/20": TGW}}
    assert run_module(vpcr, args)["changed"] is False
    assert run_module(vpcr, {**args, "state": "absent"})["changed"] is True
    assert aws["ec2"].vpc_tables["rtb-main"] == {"10.20.0.0/16": "local", "0.0.0.0/0": "igw-1"}


# --- Transit Gateway routing, read for the path trace ---

def test_route_table_info_reads_attachments_tables_and_every_route_once(aws):
    ec2 = aws["ec2"]
    ec2.add_attachment("tgw-attach-news", NEWS)
    ec2.add_attachment("tgw-attach-vpn", "111111111111", resource_id="vpn-1", resource_type="vpn")
    ec2.add_attachment("tgw-attach-gone", GUNOSY, state="deleted")
    spokes = ec2.add_table("hv-spokes", routes={"10.100.0.0/20": "tgw-attach-vpn", "10.99.0.0/16": "blackhole"},
                           associations=["tgw-attach-news"])
    ec2.add_table("theirs")
    result = run_module(rtbi, {"transit_gateway_id": TGW, "names": ["hv-spokes"]}, check=True)
    assert result["changed"] is False and ec2.mutations() == []
    assert [(a["transit_gateway_attachment_id"], a["resource_type"], a["association"])
            for a in result["attachments"]] == [
        ("tgw-attach-news", "vpc", {"transit_gateway_route_table_id": spokes, "state": "associated"}),
        ("tgw-attach-vpn", "vpn", None)]
    [table] = result["route_tables"]
    assert (table["name"], table["associations"], table["propagations"]) == ("hv-spokes", ["tgw-attach-news"], [])
    assert [(r["destination_cidr_block"], r["state"]) for r in table["routes"]] == [
        ("10.100.0.0/20", "active"), ("10.99.0.0/16", "blackhole")]
    assert table["routes"][0]["transit_gateway_attachments"] == [{"transit_gateway_attachment_id": "tgw-attach-vpn"}]
    assert len(run_module(rtbi, {"transit_gateway_id": TGW})["route_tables"]) == 2  # no names: every table


def test_route_table_info_fails_naming_the_transit_gateway(aws):
    aws["ec2"].errors["describe_transit_gateway_attachments"] = client_error(
        "InvalidTransitGatewayID.NotFound", "The transitGateway ID 'tgw-0123' does not exist.",
        "DescribeTransitGatewayAttachments")
    result = run_module(rtbi, {"transit_gateway_id": TGW})
    assert result["failed"] is True
    assert result["msg"] == ("Failed to read the routing of Transit Gateway tgw-0123: "
                             "InvalidTransitGatewayID.NotFound: The transitGateway ID 'tgw-0123' does not exist.")
