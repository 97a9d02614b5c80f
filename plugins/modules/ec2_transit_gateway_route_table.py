#!/usr/bin/python
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: ec2_transit_gateway_route_table
short_description: Manage a Transit Gateway route table with its static routes, associations and propagations
version_added: 0.2.0
description:
  - One route table of O(transit_gateway_id), found by its C(Name) tag O(name), made exactly as described.
  - Static and blackhole routes are matched by destination CIDR and target; a route whose target changed is
    replaced in place (C(ReplaceTransitGatewayRoute)), never duplicated. Propagated routes are never touched.
  - An attachment associated with another route table is moved here (disassociated there first, as AWS allows one
    association per attachment).
  - Associations and propagations pass through transitional states; the module waits until they are settled.
options:
  transit_gateway_id:
    description: The Transit Gateway.
    type: str
    required: true
  name:
    description: Value of the route table's C(Name) tag.
    type: str
    required: true
  routes:
    description: Static routes. Those of the table not listed are deleted when O(purge_routes=true).
    type: list
    elements: dict
    default: []
    suboptions:
      destination_cidr_block:
        description: Destination IPv4 CIDR.
        type: str
        required: true
      transit_gateway_attachment_id:
        description: Target attachment. Required unless O(routes[].blackhole).
        type: str
      blackhole:
        description: Drop traffic to the destination.
        type: bool
        default: false
  attachment_aliases:
    description:
      - Names that stand for attachments in O(associations), O(propagations) and
        O(routes[].transit_gateway_attachment_id), each mapped to a list of attachment ids or of the attached
        resources' ids (V(vpn-...) VPN connections, V(vpc-...) VPCs), e.g. V(vpn) for the VPN connections' two
        attachments, V(spokes) for the spoke VPC attachments. A route to an alias of several attachments targets the
        first one (sorted).
    type: dict
    default: {}
  purge_routes:
    description: Delete static routes that are not listed.
    type: bool
    default: true
  associations:
    description: Attachment ids associated with this table; others associated here are disassociated.
    type: list
    elements: str
    default: []
  propagations:
    description: Attachment ids whose routes propagate into this table; other propagations are disabled.
    type: list
    elements: str
    default: []
  state:
    description: V(present) makes the table as described; V(absent) removes its associations and propagations and
      deletes it.
    type: str
    choices: [present, absent]
    default: present
  wait_timeout:
    description: Seconds to wait for associations and propagations to settle.
    type: int
    default: 300
  wait_delay:
    description: Seconds between two reads while waiting.
    type: float
    default: 3
attributes:
  check_mode:
    support: full
    description: Reads the table and reports the routes, associations and propagations that would change.
  diff_mode:
    support: full
    description: Returns the table's static routes, associations and propagations before and after.
author:
  - cloudbridge network engineering (@cloudbridge)
extends_documentation_fragment:
  - cloudbridge.hybrid_vpn.aws
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: The table of the spoke VPC attachments, which learns the GCP ranges from the VPN attachments
  cloudbridge.hybrid_vpn.ec2_transit_gateway_route_table:
    transit_gateway_id: tgw-0fedcba9876543210
    name: hybrid-vpn-spokes
    associations: [tgw-attach-0news, tgw-attach-0gunosy]
    propagations: [tgw-attach-0vpn1, tgw-attach-0vpn2]
    routes:
      - {destination_cidr_block: 192.168.0.0/16, blackhole: true}
"""

RETURN = r"""
route_table:
  description: The table (id, name, static routes, associations, propagations) as it is after the call, or V(null)
    when absent; in check mode before its creation the id is V(null).
  returned: always
  type: dict
  sample: {transit_gateway_route_table_id: tgw-rtb-0123, name: hybrid-vpn-spokes,
           routes: [{destination_cidr_block: 192.168.0.0/16, target: blackhole}],
           associations: [tgw-attach-0news], propagations: [tgw-attach-0vpn1]}
"""

from ansible_collections.cloudbridge.hybrid_vpn.plugins.module_utils._aws import AwsError, AwsModule

BLACKHOLE = "blackhole"
LIVE = ("associating", "associated", "enabling", "enabled")
SETTLED = ("associated", "enabled")
ENDED = ("disassociated", "disabled")


def expand(items: list[str], aliases: dict) -> list[str]:
    """Attachment ids, each alias replaced by the ids it stands for."""
    return sorted({i for item in items for i in aliases.get(item, [item])})


def desired_routes(routes: list[dict], aliases: dict) -> dict:
    """{cidr: attachment id or "blackhole"} from the module's routes; refuses a route without a target."""
    result = {}
    for route in routes:
        target = BLACKHOLE if route["blackhole"] else route.get("transit_gateway_attachment_id")
        if target in aliases:
            target = next(iter(sorted(aliases[target])), None)
        if not target:
            raise AwsError("check routes", f"route {route['destination_cidr_block']} needs "
                           "transit_gateway_attachment_id or blackhole: true")
        result[route["destination_cidr_block"]] = target
    return result


def current_routes(static_routes: list[dict]) -> dict:
    """{cidr: target} of the static routes SearchTransitGatewayRoutes returned."""
    return {r["DestinationCidrBlock"]: BLACKHOLE if r["State"] == BLACKHOLE
            else r["TransitGatewayAttachments"][0]["TransitGatewayAttachmentId"] for r in static_routes}


def plan_routes(current: dict, desired: dict, purge: bool) -> dict:
    return {"create": sorted(c for c in desired if c not in current),
            "replace": sorted(c for c in desired if c in current and current[c] != desired[c]),
            "delete": sorted(c for c in current if c not in desired) if purge else []}


def plan_links(current: list[str], desired: list[str]) -> tuple[list[str], list[str]]:
    """(to add, to remove) to go from the current to the desired attachment ids."""
    return sorted(set(desired) - set(current)), sorted(set(current) - set(desired))


def route_args(cidr: str, target: str) -> dict:
    return {"DestinationCidrBlock": cidr,
            **({"Blackhole": True} if target == BLACKHOLE else {"TransitGatewayAttachmentId": target})}


class RouteTable:
    def __init__(self, module: AwsModule):
        self.module = module
        self.params = module.params
        self.action = f"manage Transit Gateway route table {self.params['name']}"

    def call(self, operation: str, **kwargs):
        return self.module.call(self.action, operation, **kwargs)

    def find(self) -> str | None:
        tables = self.call("describe_transit_gateway_route_tables", Filters=[
            {"Name": "transit-gateway-id", "Values": [self.params["transit_gateway_id"]]},
            {"Name": "tag:Name", "Values": [self.params["name"]]},
            {"Name": "state", "Values": ["pending", "available"]}])["TransitGatewayRouteTables"]
        return tables[0]["TransitGatewayRouteTableId"] if tables else None

    def links(self, table_id: str, keep=lambda state: state in LIVE) -> tuple[list[dict], list[dict]]:
        associations = self.call("get_transit_gateway_route_table_associations",
                                 TransitGatewayRouteTableId=table_id)["Associations"]
        propagations = self.call("get_transit_gateway_route_table_propagations", TransitGatewayRouteTableId=table_id)[
            "TransitGatewayRouteTablePropagations"]
        return ([a for a in associations if keep(a["State"])], [p for p in propagations if keep(p["State"])])

    def read(self, table_id: str | None) -> dict:
        if table_id is None:
            return {"routes": {}, "associations": [], "propagations": []}
        static = self.call("search_transit_gateway_routes", TransitGatewayRouteTableId=table_id,
                           Filters=[{"Name": "type", "Values": ["static"]},
                                    {"Name": "state", "Values": ["active", BLACKHOLE]}])["Routes"]
        associations, propagations = self.links(table_id)
        return {"routes": current_routes(static),
                "associations": sorted(a["TransitGatewayAttachmentId"] for a in associations),
                "propagations": sorted(p["TransitGatewayAttachmentId"] for p in propagations)}

    def settled(self, table_id: str, gone: bool = False) -> bool:
        if gone:
            # A link still disassociating or disabling keeps the table in use: DeleteTransitGatewayRouteTable would
            # answer IncorrectState (TGW guide, "Delete a transit gateway route table").
            return self.links(table_id, keep=lambda state: state not in ENDED) == ([], [])
        associations, propagations = self.links(table_id)
        return all(link["State"] in SETTLED for link in associations + propagations)

    def wait(self, table_id: str, gone: bool = False) -> None:
        self.module.wait_until(self.action, lambda: self.settled(table_id, gone), self.params["wait_timeout"],
                               self.params["wait_delay"])

    def __call__(self) -> dict:
        table_id = self.find()
        current = self.read(table_id)
        if self.params["state"] == "absent":
            return self.absent(table_id, current)
        aliases = self.resolve(self.params["attachment_aliases"])
        desired = {"routes": desired_routes(self.params["routes"], aliases),
                   "associations": expand(self.params["associations"], aliases),
                   "propagations": expand(self.params["propagations"], aliases)}
        routes = plan_routes(current["routes"], desired["routes"], self.params["purge_routes"])
        associate, disassociate = plan_links(current["associations"], desired["associations"])
        enable, disable = plan_links(current["propagations"], desired["propagations"])
        changed = table_id is None or any(routes.values()) or any((associate, disassociate, enable, disable))
        if changed and not self.module.check_mode:
            table_id = table_id or self.create()
            self.apply(table_id, routes, desired["routes"], (associate, disassociate), (enable, disable))
        after = {**desired, "routes": desired["routes"] if self.params["purge_routes"]
                 else {**current["routes"], **desired["routes"]}}
        return self.result(changed, table_id, current, after)

    def resolve(self, aliases: dict) -> dict:
        """The aliases with VPN connection / VPC ids replaced by their live attachment ids on this Transit Gateway."""
        resources = sorted({i for ids in aliases.values() for i in ids if not i.startswith("tgw-attach-")})
        if not resources:
            return aliases
        found = self.call("describe_transit_gateway_attachments", Filters=[
            {"Name": "transit-gateway-id", "Values": [self.params["transit_gateway_id"]]},
            {"Name": "resource-id", "Values": resources},
            {"Name": "state", "Values": ["pending", "pendingAcceptance", "available", "modifying"]}])
        by_resource = {}
        for attachment in found["TransitGatewayAttachments"]:
            by_resource.setdefault(attachment["ResourceId"], []).append(attachment["TransitGatewayAttachmentId"])
        return {name: sorted({a for i in ids for a in (by_resource.get(i, []) if i in resources else [i])})
                for name, ids in aliases.items()}

    def create(self) -> str:
        table = self.call("create_transit_gateway_route_table", TransitGatewayId=self.params["transit_gateway_id"],
                          TagSpecifications=[{"ResourceType": "transit-gateway-route-table",
                                              "Tags": [{"Key": "Name", "Value": self.params["name"]}]}])
        return table["TransitGatewayRouteTable"]["TransitGatewayRouteTableId"]

    def apply(self, table_id, routes, desired_routes_, associations, propagations) -> None:
        for cidr in routes["create"]:
            self.call("create_transit_gateway_route", TransitGatewayRouteTableId=table_id,
                      **route_args(cidr, desired_routes_[cidr]))
        for cidr in routes["replace"]:
            self.call("replace_transit_gateway_route", TransitGatewayRouteTableId=table_id,
                      **route_args(cidr, desired_routes_[cidr]))
        for cidr in routes["delete"]:
            self.call("delete_transit_gateway_route", TransitGatewayRouteTableId=table_id, DestinationCidrBlock=cidr)
        associate, disassociate = associations
        enable, disable = propagations
        for attachment_id in disassociate:
            self.call("disassociate_transit_gateway_route_table", TransitGatewayRouteTableId=table_id,
                      TransitGatewayAttachmentId=attachment_id)
        for attachment_id in disable:
            self.call("disable_transit_gateway_route_table_propagation", TransitGatewayRouteTableId=table_id,
                      TransitGatewayAttachmentId=attachment_id)
        self.move_here(associate)
        for attachment_id in associate:
            self.call("associate_transit_gateway_route_table", TransitGatewayRouteTableId=table_id,
                      TransitGatewayAttachmentId=attachment_id)
        for attachment_id in enable:
            self.call("enable_transit_gateway_route_table_propagation", TransitGatewayRouteTableId=table_id,
                      TransitGatewayAttachmentId=attachment_id)
        if any((associate, disassociate, enable, disable)):
            self.wait(table_id)

    def move_here(self, attachment_ids: list[str]) -> None:
        """Disassociate the attachments from any other table first (one association per attachment)."""
        if not attachment_ids:
            return
        attachments = self.call("describe_transit_gateway_attachments",
                                TransitGatewayAttachmentIds=attachment_ids)["TransitGatewayAttachments"]
        elsewhere = {a["TransitGatewayAttachmentId"]: a["Association"]["TransitGatewayRouteTableId"]
                     for a in attachments if a.get("Association")}
        for attachment_id, other in elsewhere.items():
            self.call("disassociate_transit_gateway_route_table", TransitGatewayRouteTableId=other,
                      TransitGatewayAttachmentId=attachment_id)

        def released():
            found = self.call("describe_transit_gateway_attachments",
                              TransitGatewayAttachmentIds=list(elsewhere))["TransitGatewayAttachments"]
            return not any(a.get("Association") for a in found)

        if elsewhere:
            self.module.wait_until(self.action, released, self.params["wait_timeout"], self.params["wait_delay"])

    def absent(self, table_id: str | None, current: dict) -> dict:
        if table_id is not None and not self.module.check_mode:
            for attachment_id in current["associations"]:
                self.call("disassociate_transit_gateway_route_table", TransitGatewayRouteTableId=table_id,
                          TransitGatewayAttachmentId=attachment_id)
            for attachment_id in current["propagations"]:
                self.call("disable_transit_gateway_route_table_propagation", TransitGatewayRouteTableId=table_id,
                          TransitGatewayAttachmentId=attachment_id)
            self.wait(table_id, gone=True)
            self.call("delete_transit_gateway_route_table", TransitGatewayRouteTableId=table_id)
        empty = {"routes": {}, "associations": [], "propagations": []}
        result = self.result(table_id is not None, None, current, empty)
        return result

    def result(self, changed: bool, table_id: str | None, before: dict, after: dict) -> dict:
        result = {"changed": changed, "route_table": None}
        if table_id is not None or (after["associations"] or after["routes"] or after["propagations"]):
            result["route_table"] = {
                "transit_gateway_route_table_id": table_id, "name": self.params["name"],
                "routes": [{"destination_cidr_block": c, "target": t} for c, t in sorted(after["routes"].items())],
                "associations": after["associations"], "propagations": after["propagations"]}
        if self.module._diff:
            result["diff"] = {"before": before, "after": after}
        return result


def main():
    module = AwsModule(
        argument_spec=dict(
            transit_gateway_id=dict(type="str", required=True),
            name=dict(type="str", required=True),
            routes=dict(type="list", elements="dict", default=[], options=dict(
                destination_cidr_block=dict(type="str", required=True),
                transit_gateway_attachment_id=dict(type="str"),
                blackhole=dict(type="bool", default=False),
            )),
            attachment_aliases=dict(type="dict", default={}),
            purge_routes=dict(type="bool", default=True),
            associations=dict(type="list", elements="str", default=[]),
            propagations=dict(type="list", elements="str", default=[]),
            state=dict(type="str", choices=["present", "absent"], default="present"),
            wait_timeout=dict(type="int", default=300),
            wait_delay=dict(type="float", default=3),
        ),
        supports_check_mode=True,
    )
    module.run(RouteTable(module))


if __name__ == "__main__":
    main()
