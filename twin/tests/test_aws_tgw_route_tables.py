"""TGW route tables as AWS refuses and sequences them: association and propagation states, duplicate and
missing associations / propagations, deleting a route table in use, and what a spoke's VPC attachment keeps
(tags), driven with plain boto3."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from twin.tests.test_aws_tgw import attach, hub_vpc, make_tgw


def error_code(call, **kwargs):
    with pytest.raises(ClientError) as caught:
        call(**kwargs)
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400  # never a 500
    return caught.value.response["Error"]["Code"]


@pytest.fixture
def isolated(ec2):
    """A TGW without default tables, an available VPC attachment and two empty route tables."""
    tgw = make_tgw(ec2, DefaultRouteTableAssociation="disable", DefaultRouteTablePropagation="disable")
    vpc, subnet = hub_vpc(ec2)
    attachment = attach(ec2, tgw, vpc, subnet)["TransitGatewayAttachmentId"]
    tables = [ec2.create_transit_gateway_route_table(TransitGatewayId=tgw["TransitGatewayId"])[
        "TransitGatewayRouteTable"]["TransitGatewayRouteTableId"] for _ in range(2)]
    return {"tgw": tgw, "attachment": attachment, "tables": tables, "vpc": vpc, "subnet": subnet}


def link_args(world, table=0):
    return {"TransitGatewayAttachmentId": world["attachment"], "TransitGatewayRouteTableId": world["tables"][table]}


def associations(ec2, table):
    return [(a["TransitGatewayAttachmentId"], a["State"]) for a in ec2.get_transit_gateway_route_table_associations(
        TransitGatewayRouteTableId=table)["Associations"]]


def propagations(ec2, table):
    return [(p["TransitGatewayAttachmentId"], p["State"]) for p in ec2.get_transit_gateway_route_table_propagations(
        TransitGatewayRouteTableId=table)["TransitGatewayRouteTablePropagations"]]


def test_association_goes_associating_then_associated_and_back(ec2, admin, isolated):
    admin.config(latency_scale=1)
    made = ec2.associate_transit_gateway_route_table(**link_args(isolated))["Association"]
    assert made["State"] == "associating"
    assert associations(ec2, isolated["tables"][0]) == [(isolated["attachment"], "associating")]
    attachment = ec2.describe_transit_gateway_attachments(
        TransitGatewayAttachmentIds=[isolated["attachment"]])["TransitGatewayAttachments"][0]
    assert attachment["Association"]["State"] == "associating"
    # While associating, a second association and a disassociation are both refused.
    assert error_code(ec2.associate_transit_gateway_route_table, **link_args(isolated, 1)) == \
        "Resource.AlreadyAssociated"
    assert error_code(ec2.disassociate_transit_gateway_route_table, **link_args(isolated)) == "IncorrectState"
    admin.config(latency_scale=0)
    assert associations(ec2, isolated["tables"][0]) == [(isolated["attachment"], "associated")]
    admin.config(latency_scale=1)
    gone = ec2.disassociate_transit_gateway_route_table(**link_args(isolated))["Association"]
    assert gone["State"] == "disassociating"
    admin.config(latency_scale=0)
    assert associations(ec2, isolated["tables"][0]) == []
    assert "Association" not in ec2.describe_transit_gateway_attachments(
        TransitGatewayAttachmentIds=[isolated["attachment"]])["TransitGatewayAttachments"][0]
    # Free again: the other table takes it.
    assert ec2.associate_transit_gateway_route_table(**link_args(isolated, 1))["Association"]["State"] == "associated"


def test_propagation_goes_enabling_then_enabled_then_disabling(ec2, admin, isolated):
    admin.config(latency_scale=1)
    assert ec2.enable_transit_gateway_route_table_propagation(**link_args(isolated))["Propagation"]["State"] == \
        "enabling"
    assert error_code(ec2.disable_transit_gateway_route_table_propagation, **link_args(isolated)) == "IncorrectState"
    admin.config(latency_scale=0)
    assert propagations(ec2, isolated["tables"][0]) == [(isolated["attachment"], "enabled")]
    admin.config(latency_scale=1)
    assert ec2.disable_transit_gateway_route_table_propagation(**link_args(isolated))["Propagation"]["State"] == \
        "disabling"
    admin.config(latency_scale=0)
    assert propagations(ec2, isolated["tables"][0]) == []


def test_one_attachment_propagates_into_several_tables(ec2, isolated):
    for table in (0, 1):
        ec2.enable_transit_gateway_route_table_propagation(**link_args(isolated, table))
    for table in isolated["tables"]:
        [route] = ec2.search_transit_gateway_routes(TransitGatewayRouteTableId=table, Filters=[
            {"Name": "type", "Values": ["propagated"]}])["Routes"]
        assert route["DestinationCidrBlock"] == isolated["vpc"]["CidrBlock"]


def test_duplicates_and_missing_links_answer_aws_error_codes(ec2, isolated):
    ec2.associate_transit_gateway_route_table(**link_args(isolated))
    ec2.enable_transit_gateway_route_table_propagation(**link_args(isolated))
    assert error_code(ec2.associate_transit_gateway_route_table, **link_args(isolated)) == "Resource.AlreadyAssociated"
    assert error_code(ec2.enable_transit_gateway_route_table_propagation, **link_args(isolated)) == \
        "TransitGatewayRouteTablePropagation.Duplicate"
    assert error_code(ec2.disable_transit_gateway_route_table_propagation, **link_args(isolated, 1)) == \
        "TransitGatewayRouteTablePropagation.NotFound"
    assert error_code(ec2.disassociate_transit_gateway_route_table, **link_args(isolated, 1)) == \
        "InvalidAssociation.NotFound"
    unknown = {"TransitGatewayAttachmentId": isolated["attachment"], "TransitGatewayRouteTableId": "tgw-rtb-0000"}
    assert error_code(ec2.associate_transit_gateway_route_table, **unknown) == "InvalidRouteTableID.NotFound"


def test_links_are_refused_while_the_attachment_is_not_available(ec2, admin, isolated):
    admin.config(latency_scale=1)
    vpc, subnet = hub_vpc(ec2, "10.60.0.0/16")
    pending = attach(ec2, isolated["tgw"], vpc, subnet)["TransitGatewayAttachmentId"]
    args = {"TransitGatewayAttachmentId": pending, "TransitGatewayRouteTableId": isolated["tables"][0]}
    assert error_code(ec2.associate_transit_gateway_route_table, **args) == "IncorrectState"
    assert error_code(ec2.enable_transit_gateway_route_table_propagation, **args) == "IncorrectState"


def test_a_route_table_in_use_cannot_be_deleted_nor_an_unknown_one(ec2, isolated):
    table = isolated["tables"][0]
    ec2.enable_transit_gateway_route_table_propagation(**link_args(isolated))
    assert error_code(ec2.delete_transit_gateway_route_table, TransitGatewayRouteTableId=table) == "IncorrectState"
    ec2.disable_transit_gateway_route_table_propagation(**link_args(isolated))
    ec2.associate_transit_gateway_route_table(**link_args(isolated))
    assert error_code(ec2.delete_transit_gateway_route_table, TransitGatewayRouteTableId=table) == "IncorrectState"
    ec2.disassociate_transit_gateway_route_table(**link_args(isolated))
    deleted = ec2.delete_transit_gateway_route_table(TransitGatewayRouteTableId=table)["TransitGatewayRouteTable"]
    assert deleted["State"] == "deleted"
    assert error_code(ec2.delete_transit_gateway_route_table, TransitGatewayRouteTableId=table) == \
        "InvalidRouteTableID.NotFound"
    assert error_code(ec2.delete_transit_gateway_route_table, TransitGatewayRouteTableId="tgw-rtb-0000") == \
        "InvalidRouteTableID.NotFound"


def test_vpc_attachment_keeps_its_creation_tags(ec2, isolated):
    vpc, subnet = hub_vpc(ec2, "10.70.0.0/16")
    made = ec2.create_transit_gateway_vpc_attachment(
        TransitGatewayId=isolated["tgw"]["TransitGatewayId"], VpcId=vpc["VpcId"], SubnetIds=[subnet["SubnetId"]],
        TagSpecifications=[{"ResourceType": "transit-gateway-attachment",
                            "Tags": [{"Key": "Name", "Value": "news-prod"}]}])["TransitGatewayVpcAttachment"]
    assert made["Tags"] == [{"Key": "Name", "Value": "news-prod"}]
    found = ec2.describe_transit_gateway_vpc_attachments(
        Filters=[{"Name": "tag:Name", "Values": ["news-prod"]}])["TransitGatewayVpcAttachments"]
    assert [a["TransitGatewayAttachmentId"] for a in found] == [made["TransitGatewayAttachmentId"]]


def test_multicast_support_filter_is_accepted(ec2, isolated):
    found = ec2.describe_transit_gateways(
        Filters=[{"Name": "options.multicast-support", "Values": ["disable"]}])["TransitGateways"]
    assert isolated["tgw"]["TransitGatewayId"] in [t["TransitGatewayId"] for t in found]
    assert ec2.describe_transit_gateways(
        Filters=[{"Name": "options.multicast-support", "Values": ["enable"]}])["TransitGateways"] == []
