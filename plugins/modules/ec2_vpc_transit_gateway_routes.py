#!/usr/bin/python
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: ec2_vpc_transit_gateway_routes
short_description: Send a set of destinations to a Transit Gateway from VPC route tables, touching no other route
version_added: 0.2.0
description:
  - In each route table of O(route_table_ids) (or, when empty, the main route table of O(vpc_id)), makes the routes
    to O(destination_cidr_blocks) point at O(transit_gateway_id) (V(present)) or removes the routes to those
    destinations that point at it (V(absent)).
  - A route to one of the destinations that points elsewhere is replaced (C(ReplaceRoute)), never duplicated; routes
    to other destinations are never touched (unlike M(amazon.aws.ec2_vpc_route_table), whose purge would remove them).
options:
  vpc_id:
    description: The VPC whose main route table is used when O(route_table_ids) is empty.
    type: str
  route_table_ids:
    description: The VPC route tables.
    type: list
    elements: str
    default: []
  destination_cidr_blocks:
    description: Destinations (for the hybrid VPN, the GCP ranges).
    type: list
    elements: str
    required: true
  transit_gateway_id:
    description: The Transit Gateway the destinations are sent to.
    type: str
    required: true
  state:
    description: V(present) adds or fixes the routes; V(absent) removes those pointing at O(transit_gateway_id).
    type: str
    choices: [present, absent]
    default: present
attributes:
  check_mode:
    support: full
    description: Reads the route tables and reports the routes that would be created, replaced or deleted.
  diff_mode:
    support: full
    description: Returns, per route table, the targets of the managed destinations before and after.
author:
  - cloudbridge network engineering (@cloudbridge)
extends_documentation_fragment:
  - cloudbridge.hybrid_vpn.aws
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Send the GCP ranges to the hub's Transit Gateway
  cloudbridge.hybrid_vpn.ec2_vpc_transit_gateway_routes:
    vpc_id: vpc-0news
    destination_cidr_blocks: [10.100.0.0/20, 10.100.16.0/20]
    transit_gateway_id: tgw-0fedcba9876543210
"""

RETURN = r"""
routes:
  description: Per route table id, the managed destinations and their target after the call (V(null) when absent).
  returned: always
  type: dict
  sample: {rtb-0123: {10.100.0.0/20: tgw-0fedcba9876543210}}
"""

from ansible_collections.cloudbridge.hybrid_vpn.plugins.module_utils._aws import AwsError, AwsModule


def route_target(route: dict) -> str | None:
    """The target of a VPC route as DescribeRouteTables shows it (the first *Id member)."""
    return next((v for k, v in sorted(route.items())
                 if v and k.endswith("Id") and k != "DestinationPrefixListId"), None)


def plan(current: dict, cidrs: list[str], tgw: str, present: bool) -> dict:
    """Per destination of ``cidrs``: "create", "replace", "delete" or nothing, from {cidr: current target}."""
    steps = {}
    for cidr in cidrs:
        target = current.get(cidr)
        if present and target is None:
            steps[cidr] = "create"
        elif present and target != tgw:
            steps[cidr] = "replace"
        elif not present and target == tgw:
            steps[cidr] = "delete"
    return steps


class TgwRoutes:
    def __init__(self, module: AwsModule):
        self.module = module
        self.params = module.params
        cidrs = ", ".join(self.params["destination_cidr_blocks"])
        self.action = f"route {cidrs} to {self.params['transit_gateway_id']}"

    def tables(self) -> list[dict]:
        if self.params["route_table_ids"]:
            return self.module.call(self.action, "describe_route_tables",
                                    RouteTableIds=self.params["route_table_ids"])["RouteTables"]
        if not self.params["vpc_id"]:
            raise AwsError(self.action, "set vpc_id or route_table_ids")
        return self.module.call(self.action, "describe_route_tables", Filters=[
            {"Name": "vpc-id", "Values": [self.params["vpc_id"]]},
            {"Name": "association.main", "Values": ["true"]}])["RouteTables"]

    def __call__(self) -> dict:
        tgw, cidrs = self.params["transit_gateway_id"], self.params["destination_cidr_blocks"]
        present = self.params["state"] == "present"
        before, after, changed = {}, {}, False
        for table in self.tables():
            table_id = table["RouteTableId"]
            current = {r["DestinationCidrBlock"]: route_target(r) for r in table.get("Routes", [])
                       if r.get("DestinationCidrBlock") in cidrs}
            steps = plan(current, cidrs, tgw, present)
            changed = changed or bool(steps)
            before[table_id] = current
            after[table_id] = {c: tgw for c in cidrs} if present else {
                c: t for c, t in current.items() if steps.get(c) != "delete"}
            if self.module.check_mode:
                continue
            for cidr, step in steps.items():
                if step == "delete":
                    self.module.call(self.action, "delete_route", RouteTableId=table_id, DestinationCidrBlock=cidr)
                else:
                    self.module.call(self.action, f"{step}_route", RouteTableId=table_id, DestinationCidrBlock=cidr,
                                     TransitGatewayId=tgw)
        result = {"changed": changed, "routes": after}
        if self.module._diff:
            result["diff"] = {"before": before, "after": after}
        return result


def main():
    module = AwsModule(
        argument_spec=dict(
            vpc_id=dict(type="str"),
            route_table_ids=dict(type="list", elements="str", default=[]),
            destination_cidr_blocks=dict(type="list", elements="str", required=True),
            transit_gateway_id=dict(type="str", required=True),
            state=dict(type="str", choices=["present", "absent"], default="present"),
        ),
        supports_check_mode=True,
    )
    module.run(TgwRoutes(module))


if __name__ == "__main__":
    main()
