"""Transit gateways, attachments, route tables and routes, driven with plain boto3."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

SPOKE_VPC_CIDR = "10.20.0.0/16"


def error_of(call, **kwargs):
    with pytest.raises(ClientError) as caught:
        call(**kwargs)
    return caught.value.response["Error"]


def error_code(call, **kwargs):
    return error_of(call, **kwargs)["Code"]


def make_tgw(ec2, **options):
    return ec2.create_transit_gateway(Options={"AmazonSideAsn": 64600, **options})["TransitGateway"]


def hub_vpc(ec2, cidr="10.50.0.0/16"):
    vpc = ec2.create_vpc(CidrBlock=cidr)["Vpc"]
    subnet = ec2.create_subnet(VpcId=vpc["VpcId"], CidrBlock=cidr.replace("/16", "/24"))["Subnet"]
    return vpc, subnet


def attach(ec2, tgw, vpc, subnet):
    return ec2.create_transit_gateway_vpc_attachment(TransitGatewayId=tgw["TransitGatewayId"], VpcId=vpc["VpcId"],
                                                     SubnetIds=[subnet["SubnetId"]])["TransitGatewayVpcAttachment"]


def routes(ec2, table_id, filters=None):
    flt = [{"Name": name, "Values": values} for name, values in (filters or {"state": ["active", "blackhole"]}).items()]
    return ec2.search_transit_gateway_routes(TransitGatewayRouteTableId=table_id, Filters=flt)["Routes"]


def test_options_are_honoured_and_tgw_goes_pending_then_available(ec2, admin):
    admin.config(latency_scale=1)
    tgw = make_tgw(ec2, VpnEcmpSupport="enable", AutoAcceptSharedAttachments="enable")
    assert tgw["State"] == "pending"
    admin.config(latency_scale=0)
    found = ec2.describe_transit_gateways(TransitGatewayIds=[tgw["TransitGatewayId"]])["TransitGateways"][0]
    assert found["State"] == "available"
    assert (found["Options"]["AmazonSideAsn"], found["Options"]["VpnEcmpSupport"],
            found["Options"]["AutoAcceptSharedAttachments"]) == (64600, "enable", "enable")


def test_bad_amazon_side_asn_is_refused(ec2):
    assert error_code(ec2.create_transit_gateway, Options={"AmazonSideAsn": 65535}) == "InvalidParameterValue"


def test_default_association_and_propagation_when_enabled(ec2):
    tgw = make_tgw(ec2)
    table = tgw["Options"]["AssociationDefaultRouteTableId"]
    vpc, subnet = hub_vpc(ec2)
    attachment = attach(ec2, tgw, vpc, subnet)
    described = ec2.describe_transit_gateway_attachments(
        TransitGatewayAttachmentIds=[attachment["TransitGatewayAttachmentId"]])["TransitGatewayAttachments"][0]
    assert described["Association"] == {"TransitGatewayRouteTableId": table, "State": "associated"}
    propagations = ec2.get_transit_gateway_route_table_propagations(TransitGatewayRouteTableId=table)
    assert [p["TransitGatewayAttachmentId"] for p in propagations["TransitGatewayRouteTablePropagations"]] == [
        attachment["TransitGatewayAttachmentId"]]
    [route] = routes(ec2, table)
    assert route["DestinationCidrBlock"] == "10.50.0.0/16" and route["Type"] == "propagated"
    assert route["TransitGatewayAttachments"] == [{"ResourceId": vpc["VpcId"], "ResourceType": "vpc",
                                                   "TransitGatewayAttachmentId": attachment[
                                                       "TransitGatewayAttachmentId"]}]


def test_default_association_and_propagation_not_done_when_disabled(ec2):
    tgw = make_tgw(ec2, DefaultRouteTableAssociation="disable", DefaultRouteTablePropagation="disable")
    assert "AssociationDefaultRouteTableId" not in tgw["Options"]
    vpc, subnet = hub_vpc(ec2)
    attachment = attach(ec2, tgw, vpc, subnet)
    described = ec2.describe_transit_gateway_attachments(
        TransitGatewayAttachmentIds=[attachment["TransitGatewayAttachmentId"]])["TransitGatewayAttachments"][0]
    assert "Association" not in described
    table = ec2.create_transit_gateway_route_table(TransitGatewayId=tgw["TransitGatewayId"])[
        "TransitGatewayRouteTable"]["TransitGatewayRouteTableId"]
    assert routes(ec2, table) == []
    ec2.associate_transit_gateway_route_table(TransitGatewayRouteTableId=table,
                                              TransitGatewayAttachmentId=attachment["TransitGatewayAttachmentId"])
    ec2.enable_transit_gateway_route_table_propagation(
        TransitGatewayRouteTableId=table, TransitGatewayAttachmentId=attachment["TransitGatewayAttachmentId"])
    assert [r["DestinationCidrBlock"] for r in routes(ec2, table)] == ["10.50.0.0/16"]
    again = error_code(ec2.associate_transit_gateway_route_table, TransitGatewayRouteTableId=table,
                       TransitGatewayAttachmentId=attachment["TransitGatewayAttachmentId"])
    assert again == "Resource.AlreadyAssociated"


def test_vpn_connection_creates_a_vpn_attachment(ec2):
    tgw = make_tgw(ec2)
    cgw = ec2.create_customer_gateway(Type="ipsec.1", PublicIp="35.242.1.10", BgpAsn=65000)["CustomerGateway"]
    vpn = ec2.create_vpn_connection(Type="ipsec.1", CustomerGatewayId=cgw["CustomerGatewayId"],
                                    TransitGatewayId=tgw["TransitGatewayId"])["VpnConnection"]
    [attachment] = ec2.describe_transit_gateway_attachments(
        Filters=[{"Name": "resource-type", "Values": ["vpn"]}])["TransitGatewayAttachments"]
    assert attachment["ResourceId"] == vpn["VpnConnectionId"] and attachment["State"] == "available"
    assert attachment["Association"]["TransitGatewayRouteTableId"] == tgw["Options"]["AssociationDefaultRouteTableId"]


def test_static_blackhole_replace_and_delete_routes(ec2):
    tgw = make_tgw(ec2)
    table = tgw["Options"]["AssociationDefaultRouteTableId"]
    vpc, subnet = hub_vpc(ec2)
    attachment_id = attach(ec2, tgw, vpc, subnet)["TransitGatewayAttachmentId"]
    ec2.create_transit_gateway_route(TransitGatewayRouteTableId=table, DestinationCidrBlock="192.168.0.0/16",
                                     Blackhole=True)
    ec2.create_transit_gateway_route(TransitGatewayRouteTableId=table, DestinationCidrBlock="10.99.0.0/16",
                                     TransitGatewayAttachmentId=attachment_id)
    assert error_code(ec2.create_transit_gateway_route, TransitGatewayRouteTableId=table,
                      DestinationCidrBlock="10.99.0.0/16", Blackhole=True) == "RouteAlreadyExists"
    by_cidr = {r["DestinationCidrBlock"]: r for r in routes(ec2, table, {"type": ["static"]})}
    assert by_cidr["192.168.0.0/16"]["State"] == "blackhole"
    assert "TransitGatewayAttachments" not in by_cidr["192.168.0.0/16"]
    assert by_cidr["10.99.0.0/16"]["TransitGatewayAttachments"][0]["TransitGatewayAttachmentId"] == attachment_id
    replaced = ec2.replace_transit_gateway_route(TransitGatewayRouteTableId=table, DestinationCidrBlock="10.99.0.0/16",
                                                 Blackhole=True)["Route"]
    assert replaced["State"] == "blackhole"
    assert error_code(ec2.replace_transit_gateway_route, TransitGatewayRouteTableId=table,
                      DestinationCidrBlock="10.98.0.0/16", Blackhole=True) == "InvalidRoute.NotFound"
    ec2.delete_transit_gateway_route(TransitGatewayRouteTableId=table, DestinationCidrBlock="192.168.0.0/16")
    remaining = [r["DestinationCidrBlock"] for r in routes(ec2, table)]
    assert remaining == ["10.50.0.0/16", "10.99.0.0/16"]
    assert [r["DestinationCidrBlock"] for r in routes(ec2, table, {"route-search.exact-match": ["10.50.0.0/16"]})] == [
        "10.50.0.0/16"]


def test_delete_vpc_attachment_goes_deleting_then_deleted_and_withdraws_routes(ec2, admin):
    tgw = make_tgw(ec2)
    vpc, subnet = hub_vpc(ec2)
    attachment_id = attach(ec2, tgw, vpc, subnet)["TransitGatewayAttachmentId"]
    admin.config(latency_scale=1)
    assert ec2.delete_transit_gateway_vpc_attachment(TransitGatewayAttachmentId=attachment_id)[
        "TransitGatewayVpcAttachment"]["State"] == "deleting"
    admin.config(latency_scale=0)
    described = ec2.describe_transit_gateway_vpc_attachments(TransitGatewayAttachmentIds=[attachment_id])
    assert described["TransitGatewayVpcAttachments"][0]["State"] == "deleted"
    assert routes(ec2, tgw["Options"]["AssociationDefaultRouteTableId"]) == []


def test_unknown_tgw_is_not_found(ec2):
    error = error_of(ec2.describe_transit_gateways, TransitGatewayIds=["tgw-0123456789abcdef0"])
    assert (error["Code"], error["Message"]) == (
        "InvalidTransitGatewayID.NotFound", "The transitGateway ID 'tgw-0123456789abcdef0' does not exist.")


def test_unknown_vpc_route_table_and_missing_attachment_are_worded_as_ec2_words_them(ec2):
    tgw = make_tgw(ec2)
    _, subnet = hub_vpc(ec2)
    error = error_of(ec2.create_transit_gateway_vpc_attachment, TransitGatewayId=tgw["TransitGatewayId"],
                     VpcId="vpc-0123456789abcdef0", SubnetIds=[subnet["SubnetId"]])
    assert (error["Code"], error["Message"]) == (
        "InvalidVpcID.NotFound", "The vpc ID 'vpc-0123456789abcdef0' does not exist")
    error = error_of(ec2.create_transit_gateway_route, TransitGatewayRouteTableId="tgw-rtb-0123456789abcdef0",
                     DestinationCidrBlock="10.99.0.0/16", Blackhole=True)
    assert (error["Code"], error["Message"]) == (
        "InvalidRouteTableID.NotFound",
        "Transit Gateway Route Table tgw-rtb-0123456789abcdef0 was deleted or does not exist.")
    error = error_of(ec2.create_transit_gateway_route, DestinationCidrBlock="10.99.0.0/16",
                     TransitGatewayRouteTableId=tgw["Options"]["AssociationDefaultRouteTableId"])
    assert (error["Code"], error["Message"]) == (
        "MissingParameter", "Missing required parameter in request: TransitGatewayAttachmentId.")


def test_vpc_attachment_calls_refuse_a_vpn_attachment(ec2):
    tgw = make_tgw(ec2)
    cgw = ec2.create_customer_gateway(Type="ipsec.1", PublicIp="35.242.1.10", BgpAsn=65000)["CustomerGateway"]
    ec2.create_vpn_connection(Type="ipsec.1", CustomerGatewayId=cgw["CustomerGatewayId"],
                              TransitGatewayId=tgw["TransitGatewayId"])
    [attachment] = ec2.describe_transit_gateway_attachments(
        Filters=[{"Name": "resource-type", "Values": ["vpn"]}])["TransitGatewayAttachments"]
    attachment_id = attachment["TransitGatewayAttachmentId"]
    error = error_of(ec2.delete_transit_gateway_vpc_attachment, TransitGatewayAttachmentId=attachment_id)
    assert (error["Code"], error["Message"]) == (
        "InvalidTransitGatewayAttachmentID.NotFound",
        f"Transit Gateway VPC Attachment {attachment_id} was deleted or does not exist.")
    assert ec2.describe_transit_gateway_attachments(
        TransitGatewayAttachmentIds=[attachment_id])["TransitGatewayAttachments"][0]["State"] == "available"


def test_a_tgw_with_attachments_not_yet_deleted_cannot_be_deleted(ec2, admin):
    tgw = make_tgw(ec2)
    vpc, subnet = hub_vpc(ec2)
    attachment_id = attach(ec2, tgw, vpc, subnet)["TransitGatewayAttachmentId"]
    error = error_of(ec2.delete_transit_gateway, TransitGatewayId=tgw["TransitGatewayId"])
    assert (error["Code"], error["Message"]) == (
        "IncorrectState", f"{tgw['TransitGatewayId']} has non-deleted Transit Gateway Attachments: {attachment_id}")
    admin.config(latency_scale=1)
    ec2.delete_transit_gateway_vpc_attachment(TransitGatewayAttachmentId=attachment_id)  # deleting still blocks
    assert error_of(ec2.delete_transit_gateway, TransitGatewayId=tgw["TransitGatewayId"])["Code"] == "IncorrectState"
    admin.config(latency_scale=0)
    assert ec2.delete_transit_gateway(TransitGatewayId=tgw["TransitGatewayId"])["TransitGateway"]["State"] in (
        "deleting", "deleted")
