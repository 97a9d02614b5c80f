"""What the sandbox site leaves in every account and project, counted through the clouds' own APIs (plain boto3 and
google-auth, each account in its own credentials): one count per kind of resource, so a missing or duplicated
customer gateway, VPN connection, tunnel, BGP peer, share, attachment, route, route table, binding or connector
shows as a number off ``BUILT``."""

from __future__ import annotations

import boto3
import google.oauth2.credentials
from google.auth.transport.requests import AuthorizedSession

PROJECT = "https://compute.googleapis.com/compute/v1/projects/cb-net-host"
REGION = f"{PROJECT}/regions/asia-northeast1"
CONNECTORS = "https://vpcaccess.googleapis.com/v1/projects/cb-net-host/locations/asia-northeast1/connectors"
CRM = "https://cloudresourcemanager.googleapis.com/v1/projects/cb-net-host"
SPOKES = ("222222222222", "333333333333")
NAME = "cloudbridge-hybrid-vpn"
_LIVE = [{"Name": "state", "Values": ["pending", "available"]}]

# Two spokes, one VPC each, its main route table sending the three GCP ranges (two shared subnetworks and the
# connector's range) to the TGW; the service projects' members, one per shared subnetwork and one serverless agent
# each on the host project; two VPN connections of two tunnels each, one BGP peer (and router interface) per tunnel;
# the VPN route table associated with and learning from the two VPN attachments, the spokes' one with the two spokes.
BUILT = {"iam grants": 4, "iam grant records": 1, "ha gateways": 1, "gcp tunnels": 4, "cloud routers": 1,
         "bgp peers": 4, "router interfaces": 4, "peer gateways": 1, "shared vpc host": 1, "service projects": 2,
         "connectors": 1, "firewall rules for aws": 1, "transit gateways": 1, "vpn connections": 2, "aws tunnels": 4,
         "customer gateways": 2, "tgw route tables": 2, "tgw associations": 4, "tgw propagations": 4,
         "tgw static routes": 0, "ram shares": 1, "spoke attachments": 2, "spoke routes to the tgw": 6}
EMPTY = dict.fromkeys(BUILT, 0)


def gcp_session(token: str) -> AuthorizedSession:
    return AuthorizedSession(google.oauth2.credentials.Credentials(token))


def spoke_ec2(account):
    creds = boto3.session.Session().client("sts").assume_role(
        RoleArn=f"arn:aws:iam::{account}:role/reader", RoleSessionName="test")["Credentials"]
    return boto3.session.Session(creds["AccessKeyId"], creds["SecretAccessKey"], creds["SessionToken"]).client("ec2")


def role_members(policy: dict, role: str) -> list[str]:
    return [m for b in policy.get("bindings", []) if b["role"] == role for m in b["members"]]


def built(gcp, ec2) -> dict:
    """What exists in each cloud, every account and project, in the operator's words."""
    spokes = [spoke_ec2(a) for a in SPOKES]
    items = lambda url: gcp.get(url).json().get("items", [])  # noqa: E731
    subnet_policy = lambda name: gcp.get(f"{REGION}/subnetworks/{name}/getIamPolicy").json()  # noqa: E731
    project_policy = gcp.post(f"{CRM}:getIamPolicy", json={}).json()
    metadata = gcp.get(PROJECT).json().get("commonInstanceMetadata", {}).get("items", [])
    routers = items(f"{REGION}/routers")
    connections = ec2.describe_vpn_connections(Filters=_LIVE)["VpnConnections"]
    tables = ec2.describe_transit_gateway_route_tables(Filters=[
        {"Name": "state", "Values": ["pending", "available"]},
        {"Name": "tag:Name", "Values": [f"{NAME}-vpn", f"{NAME}-spokes"]}])["TransitGatewayRouteTables"]
    table_ids = [t["TransitGatewayRouteTableId"] for t in tables]
    links = lambda call, key: sum(  # noqa: E731
        len([x for x in getattr(ec2, call)(TransitGatewayRouteTableId=t)[key] if x["State"] in ("associated",
             "associating", "enabled", "enabling")]) for t in table_ids)
    return {
        # The access the Shared VPC grants: compute.networkUser on the shared subnetworks, vpcaccess.user on the
        # host project for the connectors, and the record of what the collection granted (project metadata).
        "iam grants": sum(len(role_members(subnet_policy(s), "roles/compute.networkUser"))
                          for s in ("hub-tokyo", "ml-tokyo"))
        + len(role_members(project_policy, "roles/vpcaccess.user")),
        "iam grant records": len([i for i in metadata if i["key"] == "cloudbridge-iam-grants"]),
        "ha gateways": len(items(f"{REGION}/vpnGateways")),
        "gcp tunnels": len(items(f"{REGION}/vpnTunnels")),
        "cloud routers": len(routers),
        "bgp peers": sum(len(r.get("bgpPeers", [])) for r in routers),
        "router interfaces": sum(len(r.get("interfaces", [])) for r in routers),
        "peer gateways": len(items(f"{PROJECT}/global/externalVpnGateways")),
        "shared vpc host": int(gcp.get(PROJECT).json().get("xpnProjectStatus") == "HOST"),
        "service projects": len(gcp.get(f"{PROJECT}/getXpnResources").json().get("resources", [])),
        "connectors": len(gcp.get(CONNECTORS).json().get("connectors", [])),
        "firewall rules for aws": len([f for f in items(f"{PROJECT}/global/firewalls")
                                       if f["name"] == "allow-from-aws"]),
        "transit gateways": len(ec2.describe_transit_gateways(Filters=_LIVE)["TransitGateways"]),
        "vpn connections": len(connections),
        "aws tunnels": sum(len(c.get("Options", {}).get("TunnelOptions", [])) for c in connections),
        "customer gateways": len(ec2.describe_customer_gateways(Filters=_LIVE)["CustomerGateways"]),
        "tgw route tables": len(tables),
        "tgw associations": links("get_transit_gateway_route_table_associations", "Associations"),
        "tgw propagations": links("get_transit_gateway_route_table_propagations",
                                  "TransitGatewayRouteTablePropagations"),
        "tgw static routes": sum(len(ec2.search_transit_gateway_routes(TransitGatewayRouteTableId=t, Filters=[
            {"Name": "type", "Values": ["static"]}])["Routes"]) for t in table_ids),
        "ram shares": len([r for r in boto3.session.Session().client("ram").get_resource_shares(
            resourceOwner="SELF")["resourceShares"] if r["status"] == "ACTIVE"]),
        "spoke attachments": sum(len([a for a in s.describe_transit_gateway_vpc_attachments()[
            "TransitGatewayVpcAttachments"] if a["State"] not in ("deleted", "deleting")]) for s in spokes),
        "spoke routes to the tgw": sum(1 for s in spokes for t in s.describe_route_tables()["RouteTables"]
                                       for r in t["Routes"] if r.get("TransitGatewayId")),
    }
