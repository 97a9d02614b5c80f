"""Sharing the hub's transit gateway with a spoke account through RAM, driven with plain boto3:
the spoke uses assumed-role credentials, as operators do."""

from __future__ import annotations

import time

import boto3
import pytest
from botocore.exceptions import ClientError

HUB, SPOKE = "111111111111", "222222222222"


def error_code(call, **kwargs):
    with pytest.raises(ClientError) as caught:
        call(**kwargs)
    return caught.value.response["Error"]["Code"]


@pytest.fixture
def spoke(sts):
    creds = sts.assume_role(RoleArn=f"arn:aws:iam::{SPOKE}:role/network-admin",
                            RoleSessionName="twin-test")["Credentials"]
    session = boto3.session.Session(aws_access_key_id=creds["AccessKeyId"],
                                    aws_secret_access_key=creds["SecretAccessKey"],
                                    aws_session_token=creds["SessionToken"])
    return {"ec2": session.client("ec2"), "ram": session.client("ram"), "sts": session.client("sts")}


@pytest.fixture
def tgw(ec2):
    return ec2.create_transit_gateway(Options={"AmazonSideAsn": 64600})["TransitGateway"]


def share(ram, tgw, principals=(SPOKE,), allow_external=True):
    return ram.create_resource_share(name="tgw-share", resourceArns=[tgw["TransitGatewayArn"]],
                                     principals=list(principals),
                                     allowExternalPrincipals=allow_external)["resourceShare"]


def accept(spoke):
    [invitation] = spoke["ram"].get_resource_share_invitations()["resourceShareInvitations"]
    return spoke["ram"].accept_resource_share_invitation(
        resourceShareInvitationArn=invitation["resourceShareInvitationArn"])["resourceShareInvitation"]


def spoke_vpc(spoke):
    vpc = spoke["ec2"].describe_vpcs(Filters=[{"Name": "tag:Name", "Values": ["news-prod"]}])["Vpcs"][0]
    subnets = spoke["ec2"].describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc["VpcId"]]}])["Subnets"]
    return vpc, [s["SubnetId"] for s in subnets]


def spoke_attach(spoke, tgw):
    vpc, subnets = spoke_vpc(spoke)
    return spoke["ec2"].create_transit_gateway_vpc_attachment(
        TransitGatewayId=tgw["TransitGatewayId"], VpcId=vpc["VpcId"], SubnetIds=subnets)["TransitGatewayVpcAttachment"]


def test_spoke_sees_the_tgw_only_after_accepting(ram, tgw, spoke):
    created = share(ram, tgw)
    assert created["owningAccountId"] == HUB and created["status"] == "ACTIVE"
    assert error_code(spoke["ec2"].describe_transit_gateways,
                      TransitGatewayIds=[tgw["TransitGatewayId"]]) == "InvalidTransitGatewayID.NotFound"
    assert error_code(spoke_attach, spoke=spoke, tgw=tgw) == "InvalidTransitGatewayID.NotFound"
    [invitation] = spoke["ram"].get_resource_share_invitations()["resourceShareInvitations"]
    assert (invitation["status"], invitation["senderAccountId"], invitation["receiverAccountId"]) == (
        "PENDING", HUB, SPOKE)
    assert accept(spoke)["status"] == "ACCEPTED"
    [seen] = spoke["ec2"].describe_transit_gateways()["TransitGateways"]
    assert seen["TransitGatewayId"] == tgw["TransitGatewayId"] and seen["OwnerId"] == HUB
    assert spoke["ram"].list_resources(resourceOwner="OTHER-ACCOUNTS")["resources"][0]["arn"] == tgw[
        "TransitGatewayArn"]


def test_accepting_twice_or_an_unknown_invitation_fails(ram, tgw, spoke):
    share(ram, tgw)
    invitation = accept(spoke)
    assert error_code(spoke["ram"].accept_resource_share_invitation,
                      resourceShareInvitationArn=invitation["resourceShareInvitationArn"]) == (
        "ResourceShareInvitationAlreadyAcceptedException")
    unknown = invitation["resourceShareInvitationArn"][:-4] + "0000"
    assert error_code(spoke["ram"].accept_resource_share_invitation,
                      resourceShareInvitationArn=unknown) == "ResourceShareInvitationArnNotFoundException"


def test_cross_account_attachment_waits_for_the_hub_to_accept(ec2, ram, tgw, spoke):
    share(ram, tgw)
    accept(spoke)
    attachment = spoke_attach(spoke, tgw)
    assert attachment["State"] == "pendingAcceptance" and attachment["VpcOwnerId"] == SPOKE
    attachment_id = attachment["TransitGatewayAttachmentId"]
    hub_view = ec2.describe_transit_gateway_attachments(TransitGatewayAttachmentIds=[attachment_id])
    assert hub_view["TransitGatewayAttachments"][0]["ResourceOwnerId"] == SPOKE
    assert hub_view["TransitGatewayAttachments"][0]["TransitGatewayOwnerId"] == HUB
    assert error_code(spoke["ec2"].accept_transit_gateway_vpc_attachment,
                      TransitGatewayAttachmentId=attachment_id) == "IncorrectState"
    ec2.accept_transit_gateway_vpc_attachment(TransitGatewayAttachmentId=attachment_id)
    spoke_view = spoke["ec2"].describe_transit_gateway_vpc_attachments(TransitGatewayAttachmentIds=[attachment_id])
    assert spoke_view["TransitGatewayVpcAttachments"][0]["State"] == "available"
    table = tgw["Options"]["AssociationDefaultRouteTableId"]
    found = ec2.search_transit_gateway_routes(TransitGatewayRouteTableId=table,
                                              Filters=[{"Name": "type", "Values": ["propagated"]}])["Routes"]
    assert [r["DestinationCidrBlock"] for r in found] == ["10.20.0.0/16"]


def test_hub_can_reject_a_cross_account_attachment(ec2, ram, tgw, spoke):
    share(ram, tgw)
    accept(spoke)
    attachment_id = spoke_attach(spoke, tgw)["TransitGatewayAttachmentId"]
    ec2.reject_transit_gateway_vpc_attachment(TransitGatewayAttachmentId=attachment_id)
    spoke_view = spoke["ec2"].describe_transit_gateway_attachments(TransitGatewayAttachmentIds=[attachment_id])
    assert spoke_view["TransitGatewayAttachments"][0]["State"] == "rejected"


def test_auto_accept_skips_pending_acceptance(ec2, ram, spoke):
    tgw = ec2.create_transit_gateway(Options={"AutoAcceptSharedAttachments": "enable"})["TransitGateway"]
    share(ram, tgw)
    accept(spoke)
    assert spoke_attach(spoke, tgw)["State"] in ("pending", "available")


def test_associate_disassociate_list_and_delete(ram, tgw, spoke):
    created = share(ram, tgw, principals=())
    arn = created["resourceShareArn"]
    associations = ram.associate_resource_share(resourceShareArn=arn, principals=[SPOKE])["resourceShareAssociations"]
    assert [(a["associatedEntity"], a["associationType"]) for a in associations] == [(SPOKE, "PRINCIPAL")]
    assert [p["id"] for p in ram.list_principals(resourceOwner="SELF")["principals"]] == [SPOKE]
    principal_assoc = ram.get_resource_share_associations(associationType="PRINCIPAL")["resourceShareAssociations"]
    assert principal_assoc[0]["status"] == "ASSOCIATING"
    accept(spoke)
    principal_assoc = ram.get_resource_share_associations(associationType="PRINCIPAL")["resourceShareAssociations"]
    assert principal_assoc[0]["status"] == "ASSOCIATED"
    resource_assoc = ram.get_resource_share_associations(associationType="RESOURCE")["resourceShareAssociations"]
    assert resource_assoc[0]["associatedEntity"] == tgw["TransitGatewayArn"]
    ram.disassociate_resource_share(resourceShareArn=arn, principals=[SPOKE])
    assert ram.list_principals(resourceOwner="SELF")["principals"] == []
    assert spoke["ec2"].describe_transit_gateways()["TransitGateways"] == []
    ram.delete_resource_share(resourceShareArn=arn)
    assert ram.get_resource_shares(resourceOwner="SELF")["resourceShares"][0]["status"] == "DELETED"


def test_external_principal_refused_when_external_sharing_is_off(ram, tgw):
    assert error_code(share, ram=ram, tgw=tgw, allow_external=False) == "OperationNotPermittedException"


def test_malformed_resource_arn_is_refused(ram):
    with pytest.raises(ClientError) as caught:
        ram.create_resource_share(name="bad", resourceArns=["tgw-0123456789abcdef0"], principals=[SPOKE])
    assert caught.value.response["Error"] == {"Code": "MalformedArnException",
                                              "Message": "The specified resource ARN is not valid. Verify the ARN "
                                                         "and try again."}


def test_unknown_share_is_unknown_resource(ram):
    assert error_code(ram.delete_resource_share,
                      resourceShareArn=f"arn:aws:ram:ap-northeast-1:{HUB}:resource-share/nope") == (
        "UnknownResourceException")


def test_get_resource_shares_tag_filters(ram, tgw):
    ram.create_resource_share(name="tagged", resourceArns=[tgw["TransitGatewayArn"]],
                              tags=[{"key": "team", "value": "net"}])
    ram.create_resource_share(name="untagged")

    def names(*tag_filters):
        shares = ram.get_resource_shares(resourceOwner="SELF", tagFilters=list(tag_filters))["resourceShares"]
        return sorted(s["name"] for s in shares)

    assert names({"tagKey": "team"}) == ["tagged"]  # values are optional
    assert names({"tagKey": "team", "tagValues": ["ops", "net"]}) == ["tagged"]
    assert names({"tagKey": "team", "tagValues": ["ops"]}) == []
    assert names({"tagKey": "nope"}, {"tagKey": "team"}) == ["tagged"]  # several filters are ORed


def test_list_principals_and_resources_by_type_and_scope(ram, tgw):
    share(ram, tgw)
    assert [p["id"] for p in ram.list_principals(resourceOwner="SELF", resourceType="ec2:TransitGateway")[
        "principals"]] == [SPOKE]
    assert ram.list_principals(resourceOwner="SELF", resourceType="ec2:Subnet")["principals"] == []
    # A transit gateway is a regional resource.
    for scope, expected in (("ALL", 1), ("REGIONAL", 1), ("GLOBAL", 0)):
        assert len(ram.list_resources(resourceOwner="SELF", resourceRegionScope=scope)["resources"]) == expected


def principal_states(ram) -> list[tuple[str, str]]:
    return sorted((a["associatedEntity"], a["status"]) for a in ram.get_resource_share_associations(
        associationType="PRINCIPAL")["resourceShareAssociations"])


def test_a_removed_principal_is_listed_disassociated_and_a_rejected_one_failed(ram, tgw, spoke):
    arn = share(ram, tgw, principals=(SPOKE, "333333333333"))["resourceShareArn"]
    [invitation] = spoke["ram"].get_resource_share_invitations()["resourceShareInvitations"]
    spoke["ram"].reject_resource_share_invitation(resourceShareInvitationArn=invitation["resourceShareInvitationArn"])
    assert principal_states(ram) == [(SPOKE, "FAILED"), ("333333333333", "ASSOCIATING")]
    ram.disassociate_resource_share(resourceShareArn=arn, principals=["333333333333"])
    assert principal_states(ram) == [(SPOKE, "FAILED"), ("333333333333", "DISASSOCIATED")]


def test_inside_an_organization_the_share_arrives_without_invitation(ram, tgw, spoke, admin):
    admin.config(aws_organization_accounts=[HUB, SPOKE])
    created = share(ram, tgw, allow_external=False)  # the spoke is no external principal
    assert spoke["ram"].get_resource_share_invitations()["resourceShareInvitations"] == []
    assert principal_states(ram) == [(SPOKE, "ASSOCIATED")]
    assert ram.list_principals(resourceOwner="SELF")["principals"][0]["external"] is False
    [seen] = spoke["ram"].get_resource_shares(resourceOwner="OTHER-ACCOUNTS")["resourceShares"]
    assert seen["resourceShareArn"] == created["resourceShareArn"]
    assert [t["TransitGatewayId"] for t in spoke["ec2"].describe_transit_gateways()["TransitGateways"]] == [
        tgw["TransitGatewayId"]]
    assert spoke_attach(spoke, tgw)["State"] == "pendingAcceptance"  # the hub still accepts attachments


def test_invitations_and_shares_become_visible_after_the_delay(ram, tgw, spoke, admin):
    admin.config(ram_visibility_delay=1.5)
    share(ram, tgw)
    assert spoke["ram"].get_resource_share_invitations()["resourceShareInvitations"] == []
    time.sleep(1.6)
    assert accept(spoke)["status"] == "ACCEPTED"


def test_inside_an_organization_the_share_is_associating_until_visible(ram, tgw, spoke, admin):
    admin.config(aws_organization_accounts=[HUB, SPOKE], ram_visibility_delay=1.5)
    share(ram, tgw)
    assert principal_states(ram) == [(SPOKE, "ASSOCIATING")]
    assert spoke["ec2"].describe_transit_gateways()["TransitGateways"] == []
    time.sleep(1.6)
    assert principal_states(ram) == [(SPOKE, "ASSOCIATED")]
    assert len(spoke["ec2"].describe_transit_gateways()["TransitGateways"]) == 1
