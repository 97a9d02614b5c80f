#!/usr/bin/python
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: ec2_transit_gateway_attachment_acceptance
short_description: Accept the shared VPC attachments of listed accounts on a Transit Gateway, and only those
version_added: 0.2.0
description:
  - Run with the Transit Gateway owner's (hub) credentials. Reads the VPC attachments of O(transit_gateway_id)
    in V(pendingAcceptance) and accepts (or rejects) those whose VPC belongs to one of O(account_ids).
  - An attachment from any other account is left pending and reported in RV(left_pending).
  - Accepted attachments are waited for together until V(available) (O(wait)).
options:
  transit_gateway_id:
    description: The Transit Gateway.
    type: str
    required: true
  account_ids:
    description: The accounts whose attachments are accepted (the spokes).
    type: list
    elements: str
    required: true
  purge_route_table_names:
    description:
      - C(Name) tags of the route tables this hub manages. An available attachment of an account that is no longer
        listed, associated with one of them, is deleted (the Transit Gateway owner may delete any attachment), as
        its spoke left the inventory.
    type: list
    elements: str
    default: []
  state:
    description: V(accepted) accepts the listed accounts' pending attachments; V(rejected) rejects them.
    type: str
    choices: [accepted, rejected]
    default: accepted
  wait:
    description: Wait until every attachment of the listed accounts is V(available) (V(accepted)).
    type: bool
    default: true
  wait_timeout:
    description: Seconds to wait.
    type: int
    default: 600
  wait_delay:
    description: Seconds between two reads while waiting.
    type: float
    default: 5
attributes:
  check_mode:
    support: full
    description: Reports which attachments would be accepted or rejected; answers none.
  diff_mode:
    support: full
    description: Returns the state of each listed account's attachment before and after.
author:
  - cloudbridge network engineering (@cloudbridge)
extends_documentation_fragment:
  - cloudbridge.hybrid_vpn.aws
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Accept the product accounts' VPC attachments
  cloudbridge.hybrid_vpn.ec2_transit_gateway_attachment_acceptance:
    transit_gateway_id: tgw-0fedcba9876543210
    account_ids: ["222222222222", "333333333333"]
"""

RETURN = r"""
attachments:
  description: The live VPC attachments of the listed accounts, as DescribeTransitGatewayAttachments returns them.
  returned: always
  type: list
  elements: dict
answered:
  description: Ids of the attachments accepted (or rejected) by this call.
  returned: always
  type: list
  elements: str
removed:
  description: Ids of the attachments of accounts no longer listed that this call deleted (O(purge_route_table_names)).
  returned: always
  type: list
  elements: str
left_pending:
  description: Attachments in V(pendingAcceptance) from accounts that are not listed, left as they are.
  returned: always
  type: list
  elements: dict
  sample: [{transit_gateway_attachment_id: tgw-attach-0123, resource_owner_id: "444444444444", resource_id: vpc-0abc}]
"""

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict

from ansible_collections.cloudbridge.hybrid_vpn.plugins.module_utils._aws import AwsModule

GONE = ("deleting", "deleted", "rejecting", "rejected", "failed", "failing")
ANSWER = {"accepted": "accept_transit_gateway_vpc_attachment", "rejected": "reject_transit_gateway_vpc_attachment"}


def sort_attachments(attachments: list[dict], accounts: list[str], managed_tables: tuple = ()) -> dict:
    """Split the TGW's VPC attachments: the listed accounts' live ones, their pending ones to answer, the pending
    ones of other accounts to leave alone, and the available ones of other accounts associated with a managed table
    (a spoke that left the inventory) to delete."""
    live = [a for a in attachments if a["State"] not in GONE]
    listed = [a for a in live if a["ResourceOwnerId"] in accounts]
    return {"listed": listed,
            "to_remove": [a for a in live if a["ResourceOwnerId"] not in accounts and a["State"] == "available"
                          and (a.get("Association") or {}).get("TransitGatewayRouteTableId") in managed_tables],
            "to_answer": [a for a in listed if a["State"] == "pendingAcceptance"],
            "left_pending": [a for a in live if a["ResourceOwnerId"] not in accounts
                             and a["State"] == "pendingAcceptance"]}


class Acceptance:
    def __init__(self, module: AwsModule):
        self.module = module
        self.params = module.params
        verb = self.params["state"].removesuffix("ed")
        self.action = f"{verb} VPC attachments on {self.params['transit_gateway_id']}"

    def read(self) -> list[dict]:
        return self.module.call(self.action, "describe_transit_gateway_attachments", Filters=[
            {"Name": "transit-gateway-id", "Values": [self.params["transit_gateway_id"]]},
            {"Name": "resource-type", "Values": ["vpc"]}])["TransitGatewayAttachments"]

    def __call__(self) -> dict:
        accounts = [str(a) for a in self.params["account_ids"]]
        sorted_ = sort_attachments(self.read(), accounts, self.managed_tables())
        removed = [a["TransitGatewayAttachmentId"] for a in sorted_["to_remove"]]
        if removed and not self.module.check_mode:
            for attachment_id in removed:
                self.module.call(self.action, "delete_transit_gateway_vpc_attachment",
                                 TransitGatewayAttachmentId=attachment_id)
        before = {a["TransitGatewayAttachmentId"]: a["State"] for a in sorted_["listed"]}
        answered = [a["TransitGatewayAttachmentId"] for a in sorted_["to_answer"]]
        listed = sorted_["listed"]
        if answered and not self.module.check_mode:
            for attachment_id in answered:
                self.module.call(self.action, ANSWER[self.params["state"]], TransitGatewayAttachmentId=attachment_id)
            listed = sort_attachments(self.read(), accounts)["listed"]
        if self.params["wait"] and self.params["state"] == "accepted" and not self.module.check_mode:
            [listed] = self.module.wait_until(self.action, lambda: self.all_available(accounts),
                                              self.params["wait_timeout"], self.params["wait_delay"])
        result = {"changed": bool(answered or removed), "answered": answered, "removed": removed,
                  "attachments": [camel_dict_to_snake_dict(a, ignore_list=["Tags"]) for a in listed],
                  "left_pending": [camel_dict_to_snake_dict(a, ignore_list=["Tags"]) for a in sorted_["left_pending"]]}
        if self.module._diff:
            after = "pending" if self.params["state"] == "accepted" else "rejecting"
            result["diff"] = {"before": before, "after": {k: after if k in answered else v for k, v in before.items()}}
        return result

    def managed_tables(self) -> tuple:
        if not self.params["purge_route_table_names"]:
            return ()
        tables = self.module.call(self.action, "describe_transit_gateway_route_tables", Filters=[
            {"Name": "transit-gateway-id", "Values": [self.params["transit_gateway_id"]]},
            {"Name": "tag:Name", "Values": self.params["purge_route_table_names"]}])["TransitGatewayRouteTables"]
        return tuple(t["TransitGatewayRouteTableId"] for t in tables)

    def all_available(self, accounts: list[str]) -> list | None:
        """[the listed accounts' attachments] once all are available (a list in a list: none is a success too)."""
        listed = sort_attachments(self.read(), accounts)["listed"]
        return [listed] if all(a["State"] == "available" for a in listed) else None


def main():
    module = AwsModule(
        argument_spec=dict(
            transit_gateway_id=dict(type="str", required=True),
            account_ids=dict(type="list", elements="str", required=True),
            purge_route_table_names=dict(type="list", elements="str", default=[]),
            state=dict(type="str", choices=["accepted", "rejected"], default="accepted"),
            wait=dict(type="bool", default=True),
            wait_timeout=dict(type="int", default=600),
            wait_delay=dict(type="float", default=5),
        ),
        supports_check_mode=True,
    )
    module.run(Acceptance(module))


if __name__ == "__main__":
    main()
