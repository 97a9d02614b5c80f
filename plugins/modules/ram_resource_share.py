#!/usr/bin/python
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: ram_resource_share
short_description: Manage an AWS RAM resource share, its resources and its principals
version_added: 0.2.0
description:
  - Creates, updates or deletes one RAM resource share, found by O(name) among the caller's live shares.
  - Resources and principals are made exactly those listed (missing ones associated, others disassociated), so a
    spoke account removed from the list leaves the share.
  - Compares with what RAM returns (associations in V(ASSOCIATED) or V(ASSOCIATING) state); a second run with the
    same input changes nothing.
options:
  name:
    description: Name of the resource share, unique among the caller's shares in the region.
    type: str
    required: true
  resource_arns:
    description: ARNs of the resources to share (for a Transit Gateway, its C(TransitGatewayArn)).
    type: list
    elements: str
    default: []
  principals:
    description: Principals to share with (12-digit AWS account ids, or Organization / OU ARNs).
    type: list
    elements: str
    default: []
  allow_external_principals:
    description:
      - Allow principals outside the caller's AWS Organization. Off unless asked; sharing with accounts outside
        the Organization needs it.
    type: bool
    default: false
  state:
    description: V(present) makes the share as described; V(absent) deletes it.
    type: str
    choices: [present, absent]
    default: present
attributes:
  check_mode:
    support: full
    description: Reads the share and reports what would be created, associated, disassociated or deleted.
  diff_mode:
    support: full
    description: Returns the share's resources, principals and external flag before and after.
author:
  - cloudbridge network engineering (@cloudbridge)
extends_documentation_fragment:
  - cloudbridge.hybrid_vpn.aws
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Share the hub's Transit Gateway with two product accounts outside the Organization
  cloudbridge.hybrid_vpn.ram_resource_share:
    name: hybrid-vpn-tgw
    resource_arns: ["arn:aws:ec2:ap-northeast-1:111111111111:transit-gateway/tgw-0fedcba9876543210"]
    principals: ["222222222222", "333333333333"]
    allow_external_principals: true
"""

RETURN = r"""
resource_share:
  description: The share as GetResourceShares returns it (snake_case), or V(null) when absent.
  returned: always
  type: dict
  sample: {resource_share_arn: "arn:aws:ram:ap-northeast-1:111111111111:resource-share/8f7e…", name: hybrid-vpn-tgw,
           status: ACTIVE, allow_external_principals: true}
principals:
  description: Each principal of the share with its association status (V(ASSOCIATING), V(ASSOCIATED), V(FAILED)).
  returned: always
  type: list
  elements: dict
  sample: [{id: "222222222222", status: ASSOCIATING}]
"""

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict

from ansible_collections.cloudbridge.hybrid_vpn.plugins.module_utils._aws import AwsModule

# Associations that still count (model ResourceShareAssociationStatus); FAILED, DISASSOCIATING, DISASSOCIATED don't.
LIVE = ("ASSOCIATED", "ASSOCIATING")


def desired_share(params: dict) -> dict:
    return {"resources": sorted(set(params["resource_arns"])), "principals": sorted(set(params["principals"])),
            "allow_external_principals": params["allow_external_principals"]}


def plan(current: dict | None, desired: dict) -> dict:
    """What to do to go from ``current`` (same shape as desired_share, or None) to ``desired``."""
    now = current or {"resources": [], "principals": [], "allow_external_principals": None}
    return {
        "create": current is None,
        "update": current is not None and now["allow_external_principals"] != desired["allow_external_principals"],
        "add_resources": [r for r in desired["resources"] if r not in now["resources"]],
        "remove_resources": [r for r in now["resources"] if r not in desired["resources"]],
        "add_principals": [p for p in desired["principals"] if p not in now["principals"]],
        "remove_principals": [p for p in now["principals"] if p not in desired["principals"]],
    }


class ResourceShare:
    def __init__(self, module: AwsModule):
        self.module = module
        self.params = module.params
        self.action = f"manage RAM resource share {self.params['name']}"

    def ram(self, operation: str, **kwargs):
        return self.module.call(self.action, operation, service="ram", **kwargs)

    def find(self) -> dict | None:
        shares = self.ram("get_resource_shares", resourceOwner="SELF", name=self.params["name"])["resourceShares"]
        return next((s for s in shares if s["status"] in ("ACTIVE", "PENDING")), None)

    def associations(self, arn: str, kind: str) -> list[dict]:
        found = self.ram("get_resource_share_associations", associationType=kind, resourceShareArns=[arn])
        return [a for a in found["resourceShareAssociations"] if a["status"] in LIVE]

    def read(self, share: dict | None) -> tuple[dict | None, list[dict]]:
        if share is None:
            return None, []
        principals = self.associations(share["resourceShareArn"], "PRINCIPAL")
        resources = self.associations(share["resourceShareArn"], "RESOURCE")
        current = {"resources": sorted(a["associatedEntity"] for a in resources),
                   "principals": sorted(a["associatedEntity"] for a in principals),
                   "allow_external_principals": share["allowExternalPrincipals"]}
        return current, [{"id": a["associatedEntity"], "status": a["status"]} for a in principals]

    def __call__(self) -> dict:
        share = self.find()
        current, principals = self.read(share)
        desired = desired_share(self.params) if self.params["state"] == "present" else None
        result = {"changed": False, "resource_share": share, "principals": principals}
        if desired is None:
            result["changed"] = share is not None
            if share is not None and not self.module.check_mode:
                self.ram("delete_resource_share", resourceShareArn=share["resourceShareArn"])
                result["resource_share"] = {**share, "status": "DELETED"}
        else:
            steps = plan(current, desired)
            result["changed"] = any(steps.values())
            if result["changed"] and not self.module.check_mode:
                share = self.apply(share, steps, desired)
                result["resource_share"], result["principals"] = share, self.read(share)[1]
        if self.module._diff:
            result["diff"] = {"before": current or {}, "after": desired or {}}
        result["resource_share"] = result["resource_share"] and camel_dict_to_snake_dict(
            result["resource_share"], ignore_list=["tags"])
        return result

    def apply(self, share: dict | None, steps: dict, desired: dict) -> dict:
        if steps["create"]:
            return self.ram("create_resource_share", name=self.params["name"], resourceArns=desired["resources"],
                            principals=desired["principals"],
                            allowExternalPrincipals=desired["allow_external_principals"])["resourceShare"]
        arn = share["resourceShareArn"]
        if steps["update"]:
            share = self.ram("update_resource_share", resourceShareArn=arn,
                             allowExternalPrincipals=desired["allow_external_principals"])["resourceShare"]
        if steps["add_resources"] or steps["add_principals"]:
            self.ram("associate_resource_share", resourceShareArn=arn, resourceArns=steps["add_resources"],
                     principals=steps["add_principals"])
        if steps["remove_resources"] or steps["remove_principals"]:
            self.ram("disassociate_resource_share", resourceShareArn=arn, resourceArns=steps["remove_resources"],
                     principals=steps["remove_principals"])
        return share


def main():
    module = AwsModule(
        argument_spec=dict(
            name=dict(type="str", required=True),
            resource_arns=dict(type="list", elements="str", default=[]),
            principals=dict(type="list", elements="str", default=[]),
            allow_external_principals=dict(type="bool", default=False),
            state=dict(type="str", choices=["present", "absent"], default="present"),
        ),
        supports_check_mode=True,
    )
    module.run(ResourceShare(module))


if __name__ == "__main__":
    main()
