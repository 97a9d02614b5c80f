#!/usr/bin/python
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: ec2_transit_gateway_route_table_info
short_description: Read a Transit Gateway's attachments and route tables, with the routes each one resolves to
version_added: 0.3.0
description:
  - Reads, in one pass, the live attachments of O(transit_gateway_id) (with the route table each is associated
    with) and its route tables (all, or those whose C(Name) tag is in O(names)), each with its associations,
    propagations and every active or blackhole route, static and propagated (C(SearchTransitGatewayRoutes)).
  - What C(playbooks/verify.yml) traces the spoke <-> GCP paths through.
options:
  transit_gateway_id:
    description: The Transit Gateway (run with its owner's credentials).
    type: str
    required: true
  names:
    description: Only the route tables with these C(Name) tags; empty, every route table of the Transit Gateway.
    type: list
    elements: str
    default: []
extends_documentation_fragment:
  - cloudbridge.hybrid_vpn.attributes.info
  - cloudbridge.hybrid_vpn.aws
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
author:
  - cloudbridge network engineering (@cloudbridge)
"""

EXAMPLES = r"""
- name: Read the hub's routing
  cloudbridge.hybrid_vpn.ec2_transit_gateway_route_table_info:
    transit_gateway_id: tgw-0fedcba9876543210
    names: [cloudbridge-hybrid-vpn-vpn, cloudbridge-hybrid-vpn-spokes]
  register: routing
"""

RETURN = r"""
transit_gateway_id:
  description: The Transit Gateway read.
  returned: always
  type: str
attachments:
  description:
    - The live attachments (not V(deleted), V(deleting), V(failed) nor V(rejected)), each with
      C(transit_gateway_attachment_id), C(resource_type), C(resource_id), C(resource_owner_id), C(state) and
      C(association) (C({transit_gateway_route_table_id, state}) or V(null)).
  returned: always
  type: list
  elements: dict
route_tables:
  description:
    - Each with C(transit_gateway_route_table_id), C(name), C(associations) and C(propagations) (attachment ids),
      and C(routes) as C(SearchTransitGatewayRoutes) returns them (snake_case), C(destination_cidr_block),
      C(type) (V(static) or V(propagated)), C(state) and C(transit_gateway_attachments).
  returned: always
  type: list
  elements: dict
  sample:
    - transit_gateway_route_table_id: tgw-rtb-0123456789abcdef0
      name: cloudbridge-hybrid-vpn-spokes
      associations: [tgw-attach-0a]
      propagations: [tgw-attach-0b]
      routes:
        - {destination_cidr_block: 10.100.0.0/20, type: propagated, state: active,
           transit_gateway_attachments: [{transit_gateway_attachment_id: tgw-attach-0b, resource_type: vpn}]}
"""

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict

from ansible_collections.cloudbridge.hybrid_vpn.plugins.module_utils._aws import AwsModule

GONE = ("deleted", "deleting", "failed", "failing", "rejected", "rejecting")
LINKED = ("associating", "associated", "enabling", "enabled")


def attachment_view(attachment: dict) -> dict:
    """The fields of one DescribeTransitGatewayAttachments entry the verification uses (snake_case)."""
    association = attachment.get("Association")
    return {"transit_gateway_attachment_id": attachment["TransitGatewayAttachmentId"],
            "resource_type": attachment.get("ResourceType"), "resource_id": attachment.get("ResourceId"),
            "resource_owner_id": attachment.get("ResourceOwnerId"), "state": attachment.get("State"),
            "association": camel_dict_to_snake_dict(association) if association else None}


def table_view(table: dict, associations: list[dict], propagations: list[dict], routes: list[dict]) -> dict:
    tags = {t["Key"]: t["Value"] for t in table.get("Tags", [])}
    return {"transit_gateway_route_table_id": table["TransitGatewayRouteTableId"], "name": tags.get("Name"),
            "associations": sorted(a["TransitGatewayAttachmentId"] for a in associations if a["State"] in LINKED),
            "propagations": sorted(p["TransitGatewayAttachmentId"] for p in propagations if p["State"] in LINKED),
            "routes": sorted((camel_dict_to_snake_dict(r) for r in routes),
                             key=lambda r: r.get("destination_cidr_block") or "")}


class RouteTableInfo:
    def __init__(self, module: AwsModule):
        self.module = module
        self.tgw = module.params["transit_gateway_id"]

    def call(self, operation: str, **kwargs):
        return self.module.call(f"read the routing of Transit Gateway {self.tgw}", operation, **kwargs)

    def __call__(self) -> dict:
        by_tgw = [{"Name": "transit-gateway-id", "Values": [self.tgw]}]
        attachments = self.call("describe_transit_gateway_attachments", Filters=by_tgw)["TransitGatewayAttachments"]
        filters = by_tgw + ([{"Name": "tag:Name", "Values": self.module.params["names"]}]
                            if self.module.params["names"] else [])
        tables = self.call("describe_transit_gateway_route_tables", Filters=filters)["TransitGatewayRouteTables"]
        views = []
        for table in tables:
            if table.get("State") in GONE:
                continue
            table_id = table["TransitGatewayRouteTableId"]
            views.append(table_view(
                table,
                self.call("get_transit_gateway_route_table_associations",
                          TransitGatewayRouteTableId=table_id)["Associations"],
                self.call("get_transit_gateway_route_table_propagations",
                          TransitGatewayRouteTableId=table_id)["TransitGatewayRouteTablePropagations"],
                self.call("search_transit_gateway_routes", TransitGatewayRouteTableId=table_id,
                          Filters=[{"Name": "state", "Values": ["active", "blackhole"]}])["Routes"]))
        return {"changed": False, "transit_gateway_id": self.tgw,
                "attachments": [attachment_view(a) for a in attachments if a.get("State") not in GONE],
                "route_tables": sorted(views, key=lambda t: t["name"] or t["transit_gateway_route_table_id"])}


def main():
    module = AwsModule(
        argument_spec=dict(transit_gateway_id=dict(type="str", required=True),
                           names=dict(type="list", elements="str", default=[])),
        supports_check_mode=True,
    )
    module.run(RouteTableInfo(module))


if __name__ == "__main__":
    main()
