"""EC2 describe Filters in the VPN / transit gateway area, as a boto3 user sees them: every documented
filter selects, values are ORed and filters ANDed, wildcards work, unknown names are refused."""

from __future__ import annotations

import re

import botocore.session
import pytest
from botocore.exceptions import ClientError

HUB = "111111111111"


def where(name: str, *values: str) -> list[dict]:
    """One EC2 filter; add lists to AND several."""
    return [{"Name": name, "Values": list(values)}]


def named(items) -> list[str]:
    """The Name tags of what a describe returned, sorted."""
    return sorted(next(t["Value"] for t in item["Tags"] if t["Key"] == "Name") for item in items)


def tag_spec(resource_type: str, name: str, **more) -> list[dict]:
    tags = [{"Key": "Name", "Value": name}, *({"Key": k, "Value": v} for k, v in more.items())]
    return [{"ResourceType": resource_type, "Tags": tags}]


@pytest.fixture
def world(ec2):
    """Two of each resource, named "a" and "b" and differing in what the filters select; only "a" has a
    "team" tag."""
    tgw_a = ec2.create_transit_gateway(
        Options={"AmazonSideAsn": 64600, "DefaultRouteTableAssociation": "disable",
                 "AutoAcceptSharedAttachments": "enable"},
        TagSpecifications=tag_spec("transit-gateway", "a", team="net"))["TransitGateway"]
    tgw_b = ec2.create_transit_gateway(Options={"AmazonSideAsn": 64700},
                                       TagSpecifications=tag_spec("transit-gateway", "b"))["TransitGateway"]
    cgw_a = ec2.create_customer_gateway(Type="ipsec.1", PublicIp="35.242.1.10", BgpAsn=65000,
                                        TagSpecifications=tag_spec("customer-gateway", "a", team="net"))
    cgw_b = ec2.create_customer_gateway(Type="ipsec.1", PublicIp="35.242.1.11", BgpAsn=65001,
                                        TagSpecifications=tag_spec("customer-gateway", "b"))
    cgw_a, cgw_b = cgw_a["CustomerGateway"], cgw_b["CustomerGateway"]
    vpc = ec2.create_vpc(CidrBlock="10.50.0.0/16")["Vpc"]
    subnet = ec2.create_subnet(VpcId=vpc["VpcId"], CidrBlock="10.50.0.0/24")["Subnet"]
    vgw_a = ec2.create_vpn_gateway(Type="ipsec.1", AmazonSideAsn=64513,
                                   TagSpecifications=tag_spec("vpn-gateway", "a", team="net"))["VpnGateway"]
    vgw_b = ec2.create_vpn_gateway(Type="ipsec.1", AvailabilityZone="ap-northeast-1c",
                                   TagSpecifications=tag_spec("vpn-gateway", "b"))["VpnGateway"]
    ec2.attach_vpn_gateway(VpnGatewayId=vgw_a["VpnGatewayId"], VpcId=vpc["VpcId"])
    vpn_a = ec2.create_vpn_connection(Type="ipsec.1", CustomerGatewayId=cgw_a["CustomerGatewayId"],
                                      TransitGatewayId=tgw_a["TransitGatewayId"],
                                      TagSpecifications=tag_spec("vpn-connection", "a", team="net"))["VpnConnection"]
    vpn_b = ec2.create_vpn_connection(Type="ipsec.1", CustomerGatewayId=cgw_b["CustomerGatewayId"],
                                      VpnGatewayId=vgw_b["VpnGatewayId"], Options={"StaticRoutesOnly": True},
                                      TagSpecifications=tag_spec("vpn-connection", "b"))["VpnConnection"]
    vpc_attachment = ec2.create_transit_gateway_vpc_attachment(
        TransitGatewayId=tgw_b["TransitGatewayId"], VpcId=vpc["VpcId"], SubnetIds=[subnet["SubnetId"]])
    return {"tgw": (tgw_a, tgw_b), "cgw": (cgw_a, cgw_b), "vgw": (vgw_a, vgw_b), "vpn": (vpn_a, vpn_b),
            "vpc": vpc, "vpc_attachment": vpc_attachment["TransitGatewayVpcAttachment"]}


# --- customer gateways ---

def cgws(ec2, flt):
    return named(ec2.describe_customer_gateways(Filters=flt)["CustomerGateways"])


def test_state_available_hides_a_deleted_customer_gateway(ec2, world):
    ec2.delete_vpn_connection(VpnConnectionId=world["vpn"][1]["VpnConnectionId"])  # frees its customer gateway
    ec2.delete_customer_gateway(CustomerGatewayId=world["cgw"][1]["CustomerGatewayId"])
    assert cgws(ec2, []) == ["a", "b"]  # a deleted gateway stays listed for a while, as in EC2
    assert cgws(ec2, where("state", "available")) == ["a"]
    assert cgws(ec2, where("state", "deleted")) == ["b"]


@pytest.mark.parametrize(("flt", "expected"), [
    (where("bgp-asn", "65000"), ["a"]),
    (where("bgp-asn", "65000", "65001"), ["a", "b"]),  # values are ORed
    (where("ip-address", "35.242.1.11"), ["b"]),
    (where("ip-address", "35.242.1.1?"), ["a", "b"]),  # wildcards
    (where("ip-address", "35.242.*") + where("bgp-asn", "65001"), ["b"]),  # filters are ANDed
    (where("type", "ipsec.1"), ["a", "b"]),
    (where("type", "IPSEC.1"), []),  # values are case-sensitive
    (where("tag:Name", "b"), ["b"]),
    (where("tag-key", "team"), ["a"]),
])
def test_customer_gateway_filters(ec2, world, flt, expected):
    assert cgws(ec2, flt) == expected


def test_customer_gateway_id_filter(ec2, world):
    assert cgws(ec2, where("customer-gateway-id", world["cgw"][0]["CustomerGatewayId"])) == ["a"]


# --- VPN connections and virtual private gateways ---

def test_vpn_connection_id_filter(ec2, world):
    vpn_a, _ = world["vpn"]
    found = ec2.describe_vpn_connections(Filters=where("vpn-connection-id", vpn_a["VpnConnectionId"]))
    assert [c["VpnConnectionId"] for c in found["VpnConnections"]] == [vpn_a["VpnConnectionId"]]


@pytest.mark.parametrize(("make_filter", "expected"), [
    (lambda w: where("customer-gateway-id", w["cgw"][1]["CustomerGatewayId"]), ["b"]),
    (lambda w: where("transit-gateway-id", w["tgw"][0]["TransitGatewayId"]), ["a"]),
    (lambda w: where("vpn-gateway-id", w["vgw"][1]["VpnGatewayId"]), ["b"]),
    (lambda w: where("bgp-asn", "65001"), ["b"]),  # the customer gateway's ASN
    (lambda w: where("option.static-routes-only", "true"), ["b"]),
    (lambda w: where("option.static-routes-only", "false"), ["a"]),
    (lambda w: where("state", "available"), ["a", "b"]),
    (lambda w: where("state", "pending", "deleting"), []),
    (lambda w: where("type", "ipsec.1"), ["a", "b"]),
    (lambda w: where("route.destination-cidr-block", "10.0.0.0/16"), []),  # neither has static routes
    (lambda w: where("tag:Name", "a"), ["a"]),
    (lambda w: where("tag-key", "team"), ["a"]),
])
def test_vpn_connection_filters(ec2, world, make_filter, expected):
    assert named(ec2.describe_vpn_connections(Filters=make_filter(world))["VpnConnections"]) == expected


@pytest.mark.parametrize(("make_filter", "expected"), [
    (lambda w: where("amazon-side-asn", "64513"), ["a"]),
    (lambda w: where("amazon-side-asn", "64512"), ["b"]),  # the default ASN
    (lambda w: where("attachment.vpc-id", w["vpc"]["VpcId"]), ["a"]),
    (lambda w: where("attachment.state", "attached"), ["a"]),
    (lambda w: where("availability-zone", "ap-northeast-1c"), ["b"]),
    (lambda w: where("vpn-gateway-id", w["vgw"][1]["VpnGatewayId"]), ["b"]),
    (lambda w: where("state", "available") + where("type", "ipsec.1"), ["a", "b"]),
    (lambda w: where("tag-key", "team"), ["a"]),
])
def test_vpn_gateway_filters(ec2, world, make_filter, expected):
    assert named(ec2.describe_vpn_gateways(Filters=make_filter(world))["VpnGateways"]) == expected


# --- transit gateways, attachments, route tables ---

@pytest.mark.parametrize(("make_filter", "expected"), [
    (lambda w: where("options.amazon-side-asn", "64600"), ["a"]),
    (lambda w: where("options.default-route-table-association", "disable"), ["a"]),
    (lambda w: where("options.auto-accept-shared-attachments", "enable"), ["a"]),
    (lambda w: where("options.association-default-route-table-id",
                     w["tgw"][1]["Options"]["AssociationDefaultRouteTableId"]), ["b"]),
    (lambda w: where("options.propagation-default-route-table-id",
                     w["tgw"][0]["Options"]["PropagationDefaultRouteTableId"]), ["a"]),
    (lambda w: where("owner-id", HUB) + where("state", "available"), ["a", "b"]),
    (lambda w: where("transit-gateway-id", w["tgw"][1]["TransitGatewayId"]), ["b"]),
    (lambda w: where("tag:Name", "b"), ["b"]),
    (lambda w: where("tag-key", "team"), ["a"]),
])
def test_transit_gateway_filters(ec2, world, make_filter, expected):
    assert named(ec2.describe_transit_gateways(Filters=make_filter(world))["TransitGateways"]) == expected


def attachment_types(ec2, flt):
    found = ec2.describe_transit_gateway_attachments(Filters=flt)["TransitGatewayAttachments"]
    return sorted(a["ResourceType"] for a in found)


@pytest.mark.parametrize(("make_filter", "expected"), [
    (lambda w: where("resource-type", "vpn"), ["vpn"]),
    (lambda w: where("resource-id", w["vpc"]["VpcId"]), ["vpc"]),
    (lambda w: where("transit-gateway-id", w["tgw"][0]["TransitGatewayId"]), ["vpn"]),
    (lambda w: where("transit-gateway-attachment-id", w["vpc_attachment"]["TransitGatewayAttachmentId"]), ["vpc"]),
    # the TGW "a" has no default association, so only the VPC attachment (on "b") is associated
    (lambda w: where("association.state", "associated"), ["vpc"]),
    (lambda w: where("association.transit-gateway-route-table-id",
                     w["tgw"][1]["Options"]["AssociationDefaultRouteTableId"]), ["vpc"]),
    (lambda w: where("state", "available") + where("resource-owner-id", HUB)
     + where("transit-gateway-owner-id", HUB), ["vpc", "vpn"]),
])
def test_transit_gateway_attachment_filters(ec2, world, make_filter, expected):
    assert attachment_types(ec2, make_filter(world)) == expected


def test_vpc_attachments_lists_vpc_attachments_only_and_filters_them(ec2, world):
    attachment_id = world["vpc_attachment"]["TransitGatewayAttachmentId"]

    def listed(flt):
        found = ec2.describe_transit_gateway_vpc_attachments(Filters=flt)["TransitGatewayVpcAttachments"]
        return [a["TransitGatewayAttachmentId"] for a in found]

    assert listed([]) == [attachment_id]  # not the VPN attachment
    assert listed(where("vpc-id", world["vpc"]["VpcId"]) + where("state", "available")) == [attachment_id]
    assert listed(where("transit-gateway-id", world["tgw"][0]["TransitGatewayId"])) == []


def test_route_table_filters(ec2, world):
    tgw_a, tgw_b = world["tgw"]

    def tables(flt):
        found = ec2.describe_transit_gateway_route_tables(Filters=flt)["TransitGatewayRouteTables"]
        return sorted(t["TransitGatewayRouteTableId"] for t in found)

    table_a, table_b = tgw_a["Options"]["PropagationDefaultRouteTableId"], tgw_b["Options"][
        "AssociationDefaultRouteTableId"]
    assert tables(where("default-association-route-table", "true")) == [table_b]
    assert tables(where("default-association-route-table", "false")) == [table_a]
    assert tables(where("default-propagation-route-table", "true")) == sorted([table_a, table_b])
    assert tables(where("transit-gateway-id", tgw_a["TransitGatewayId"]) + where("state", "available")) == [table_a]
    assert tables(where("transit-gateway-route-table-id", table_b)) == [table_b]


def test_route_table_association_and_propagation_filters(ec2, world):
    tgw_a, tgw_b = world["tgw"]
    table_b = tgw_b["Options"]["AssociationDefaultRouteTableId"]
    vpc_attachment_id = world["vpc_attachment"]["TransitGatewayAttachmentId"]
    associations = ec2.get_transit_gateway_route_table_associations(
        TransitGatewayRouteTableId=table_b, Filters=where("resource-type", "vpc"))["Associations"]
    assert [a["TransitGatewayAttachmentId"] for a in associations] == [vpc_attachment_id]
    propagations = ec2.get_transit_gateway_route_table_propagations(
        TransitGatewayRouteTableId=tgw_a["Options"]["PropagationDefaultRouteTableId"],
        Filters=where("resource-type", "vpn"))["TransitGatewayRouteTablePropagations"]
    assert [p["ResourceType"] for p in propagations] == ["vpn"]
    assert ec2.get_transit_gateway_route_table_propagations(
        TransitGatewayRouteTableId=table_b, Filters=where("resource-id", world["vpc"]["VpcId"]),
    )["TransitGatewayRouteTablePropagations"][0]["TransitGatewayAttachmentId"] == vpc_attachment_id


@pytest.fixture
def route_table(ec2, world):
    """TGW "b"'s table: 10.50.0.0/16 propagated from the VPC, 10.0.0.0/8 blackhole, 10.50.1.0/24 static."""
    table = world["tgw"][1]["Options"]["AssociationDefaultRouteTableId"]
    ec2.create_transit_gateway_route(TransitGatewayRouteTableId=table, DestinationCidrBlock="10.0.0.0/8",
                                     Blackhole=True)
    ec2.create_transit_gateway_route(TransitGatewayRouteTableId=table, DestinationCidrBlock="10.50.1.0/24",
                                     TransitGatewayAttachmentId=world["vpc_attachment"]["TransitGatewayAttachmentId"])
    return table


@pytest.mark.parametrize(("flt", "expected"), [
    (where("route-search.exact-match", "10.50.0.0/16"), ["10.50.0.0/16"]),
    (where("route-search.subnet-of-match", "10.50.0.0/16"), ["10.50.0.0/16", "10.50.1.0/24"]),
    (where("route-search.supernet-of-match", "10.50.1.0/24"), ["10.0.0.0/8", "10.50.0.0/16", "10.50.1.0/24"]),
    (where("route-search.longest-prefix-match", "10.50.1.7/32"), ["10.50.1.0/24"]),
    (where("route-search.longest-prefix-match", "10.60.0.0/16"), ["10.0.0.0/8"]),
    (where("route-search.subnet-of-match", "10.0.0.0/8") + where("type", "static"), ["10.0.0.0/8", "10.50.1.0/24"]),
    (where("state", "blackhole"), ["10.0.0.0/8"]),
    (where("attachment.resource-type", "vpc") + where("type", "propagated"), ["10.50.0.0/16"]),
    (where("prefix-list-id", "pl-0123456789abcdef0"), []),
])
def test_search_transit_gateway_routes_filters(ec2, route_table, flt, expected):
    found = ec2.search_transit_gateway_routes(TransitGatewayRouteTableId=route_table, Filters=flt)["Routes"]
    assert sorted(r["DestinationCidrBlock"] for r in found) == expected


def test_a_cidr_filter_with_a_bad_cidr_is_refused(ec2, route_table):
    with pytest.raises(ClientError) as caught:
        ec2.search_transit_gateway_routes(TransitGatewayRouteTableId=route_table,
                                          Filters=where("route-search.subnet-of-match", "10.0.0.0/33"))
    assert caught.value.response["Error"]["Code"] == "InvalidParameterValue"


# --- every documented filter, every describe ---

OPERATIONS = ["DescribeCustomerGateways", "DescribeVpnConnections", "DescribeVpnGateways", "DescribeTransitGateways",
              "DescribeTransitGatewayAttachments", "DescribeTransitGatewayVpcAttachments",
              "DescribeTransitGatewayRouteTables", "GetTransitGatewayRouteTableAssociations",
              "GetTransitGatewayRouteTablePropagations", "SearchTransitGatewayRoutes", "DescribeVpcs",
              "DescribeSubnets"]
NOT_IMPLEMENTED = {"customer-gateway-configuration"}  # a filter on the generated XML: left out on purpose
CIDR_FILTERS = {"route-search.longest-prefix-match", "route-search.subnet-of-match", "route-search.supernet-of-match"}


def documented_filters(operation: str) -> list[str]:
    """The filter names the botocore model documents for an operation ("tag" stands for tag:<key>)."""
    model = botocore.session.get_session().get_service_model("ec2")
    doc = model.operation_model(operation).input_shape.members["Filters"].documentation
    names = [n.strip() for n in re.findall(r"<li>\s*<p>\s*<code>([^<]+)</code>", doc)]
    return ["tag:Name" if n == "tag" else n for n in names if n not in NOT_IMPLEMENTED]


@pytest.mark.parametrize("operation", OPERATIONS)
def test_every_documented_filter_selects_and_unknown_ones_are_refused(ec2, world, operation):
    model = ec2.meta.service_model.operation_model(operation)
    call = getattr(ec2, botocore.xform_name(operation))
    needs_table = "TransitGatewayRouteTableId" in model.input_shape.members
    extra = {"TransitGatewayRouteTableId": world["tgw"][1]["Options"]["AssociationDefaultRouteTableId"]} \
        if needs_table else {}
    result_key = next(name for name, shape in model.output_shape.members.items() if shape.type_name == "list")
    everything = where("type", "static", "propagated") if operation == "SearchTransitGatewayRoutes" else []
    assert call(**extra, Filters=everything)[result_key]  # something to filter out
    names = documented_filters(operation)
    assert names
    for name in names:
        value = "192.0.2.0/24" if name in CIDR_FILTERS else "matches-nothing"
        assert call(**extra, Filters=where(name, value))[result_key] == [], name
    with pytest.raises(ClientError) as caught:
        call(**extra, Filters=where("no-such-filter", "x"))
    assert caught.value.response["Error"] == {"Code": "InvalidParameterValue",
                                              "Message": "The filter 'no-such-filter' is invalid"}


def test_ipv6_association_filters_select_vpcs_and_subnets(ec2):
    # HTTP 500 in plain moto for subnets (issue 9); amazon.aws's VPC and subnet modules send such filters.
    vpc = ec2.create_vpc(CidrBlock="10.61.0.0/16", AmazonProvidedIpv6CidrBlock=True)["Vpc"]
    ipv6 = ec2.describe_vpcs(VpcIds=[vpc["VpcId"]])["Vpcs"][0]["Ipv6CidrBlockAssociationSet"][0]["Ipv6CidrBlock"]
    subnet_ipv6 = ipv6.replace("::/56", "::/64")
    subnet = ec2.create_subnet(VpcId=vpc["VpcId"], CidrBlock="10.61.0.0/24", Ipv6CidrBlock=subnet_ipv6)["Subnet"]
    assert [v["VpcId"] for v in ec2.describe_vpcs(Filters=where(
        "ipv6-cidr-block-association.ipv6-cidr-block", ipv6))["Vpcs"]] == [vpc["VpcId"]]
    assert [s["SubnetId"] for s in ec2.describe_subnets(Filters=where(
        "ipv6-cidr-block-association.ipv6-cidr-block", subnet_ipv6))["Subnets"]] == [subnet["SubnetId"]]
    assert [s["SubnetId"] for s in ec2.describe_subnets(Filters=[
        *where("vpc-id", vpc["VpcId"]), *where("ipv6-cidr-block-association.state", "associated")])["Subnets"]] == [
        subnet["SubnetId"]]


def test_a_vpc_with_an_attached_vpn_gateway_cannot_be_deleted(ec2):
    # moto's DeleteVpc looks the gateway up through DescribeVpnGateways' attachment.vpc-id filter.
    vpc = ec2.create_vpc(CidrBlock="10.60.0.0/16")["Vpc"]
    vgw = ec2.create_vpn_gateway(Type="ipsec.1")["VpnGateway"]
    ec2.attach_vpn_gateway(VpnGatewayId=vgw["VpnGatewayId"], VpcId=vpc["VpcId"])
    with pytest.raises(ClientError) as caught:
        ec2.delete_vpc(VpcId=vpc["VpcId"])
    assert caught.value.response["Error"]["Code"] == "DependencyViolation"
