#!/usr/bin/python
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: ram_resource_share_invitation
short_description: Accept (or reject) the RAM invitation to a resource share another account shared with this one
version_added: 0.2.0
description:
  - Run with the receiving (spoke) account's credentials. Finds the newest invitation to the share named
    O(resource_share_name) from O(sender_account_id) and answers it.
  - Invitations are eventually consistent; the module waits for one to appear, up to O(wait_timeout) seconds.
  - Inside an AWS Organization with RAM sharing enabled there is no invitation (O(organization=true)); the module
    then only reads whether the share is visible yet and never waits.
options:
  resource_share_name:
    description: Name of the resource share.
    type: str
    required: true
  sender_account_id:
    description: The account that owns the share (the hub).
    type: str
    required: true
  organization:
    description: The accounts share an AWS Organization with RAM sharing enabled, so no invitation is expected.
    type: bool
    default: false
  state:
    description: V(accepted) accepts a pending invitation; V(rejected) rejects it.
    type: str
    choices: [accepted, rejected]
    default: accepted
  wait_timeout:
    description: Seconds to wait for the invitation to appear. In check mode the module never waits.
    type: int
    default: 120
  wait_delay:
    description: Seconds between two reads while waiting.
    type: float
    default: 3
attributes:
  check_mode:
    support: full
    description: Reads the invitation (without waiting) and reports whether it would be answered.
  diff_mode:
    support: full
    description: Returns the invitation's status before and after.
author:
  - cloudbridge network engineering (@cloudbridge)
extends_documentation_fragment:
  - cloudbridge.hybrid_vpn.aws
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Accept the hub's Transit Gateway share (spoke credentials)
  cloudbridge.hybrid_vpn.ram_resource_share_invitation:
    resource_share_name: hybrid-vpn-tgw
    sender_account_id: "111111111111"
    profile: product-news
"""

RETURN = r"""
invitation:
  description: The invitation as GetResourceShareInvitations returns it (snake_case); V(null) in Organization mode
    or, in check mode, when none is visible yet.
  returned: always
  type: dict
  sample: {resource_share_invitation_arn: "arn:aws:ram:ap-northeast-1:111111111111:resource-share-invitation/…",
           status: ACCEPTED, sender_account_id: "111111111111", receiver_account_id: "222222222222"}
shared:
  description: Whether the share is visible to this account now (an accepted invitation, or in Organization mode
    the share listed among the shares of other accounts).
  returned: always
  type: bool
"""

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict

from ansible_collections.cloudbridge.hybrid_vpn.plugins.module_utils._aws import AwsError, AwsModule

ANSWER = {"accepted": ("ACCEPTED", "accept_resource_share_invitation"),
          "rejected": ("REJECTED", "reject_resource_share_invitation")}


def answer_step(status: str | None, wanted: str) -> str:
    """"none" (already answered so), "answer" (pending), "missing" (none visible: check mode only) or "stuck"
    (answered otherwise, or expired: AWS cannot change that)."""
    if status == wanted:
        return "none"
    return {"PENDING": "answer", None: "missing"}.get(status, "stuck")


def newest_invitation(invitations: list[dict], name: str, sender: str) -> dict | None:
    """The newest invitation to share ``name`` from ``sender`` (a principal removed and added again gets a new one)."""
    mine = [i for i in invitations if i["resourceShareName"] == name and i["senderAccountId"] == sender]
    return max(mine, key=lambda i: i["invitationTimestamp"], default=None)


class Invitation:
    def __init__(self, module: AwsModule):
        self.module = module
        self.params = module.params
        verb = {"accepted": "accept", "rejected": "reject"}[self.params["state"]]
        self.action = (f"{verb} the RAM invitation to {self.params['resource_share_name']} from "
                       f"{self.params['sender_account_id']}")

    def ram(self, operation: str, **kwargs):
        return self.module.call(self.action, operation, service="ram", **kwargs)

    def find(self) -> dict | None:
        return newest_invitation(self.ram("get_resource_share_invitations")["resourceShareInvitations"],
                                 self.params["resource_share_name"], self.params["sender_account_id"])

    def organization_share(self) -> dict:
        shares = self.ram("get_resource_shares", resourceOwner="OTHER-ACCOUNTS",
                          name=self.params["resource_share_name"])["resourceShares"]
        visible = any(s["owningAccountId"] == self.params["sender_account_id"] and s["status"] == "ACTIVE"
                      for s in shares)
        return {"changed": False, "invitation": None, "shared": visible}

    def __call__(self) -> dict:
        if self.params["organization"]:
            return self.organization_share()
        invitation = self.find()
        if invitation is None and not self.module.check_mode:
            invitation = self.module.wait_until(self.action, self.find, self.params["wait_timeout"],
                                                self.params["wait_delay"])
        wanted, operation = ANSWER[self.params["state"]]
        before = invitation and invitation["status"]
        step = answer_step(before, wanted)
        if step == "stuck":
            raise AwsError(self.action, f"the invitation is {before} and can no longer be {self.params['state']}")
        if step == "answer" and not self.module.check_mode:
            invitation = self.ram(operation, resourceShareInvitationArn=invitation["resourceShareInvitationArn"])[
                "resourceShareInvitation"]
        after = before if step == "none" else wanted
        result = {"changed": step != "none", "shared": after == "ACCEPTED",
                  "invitation": invitation and camel_dict_to_snake_dict(invitation)}
        if self.module._diff:
            result["diff"] = {"before": {"status": before}, "after": {"status": after}}
        return result


def main():
    module = AwsModule(
        argument_spec=dict(
            resource_share_name=dict(type="str", required=True),
            sender_account_id=dict(type="str", required=True),
            organization=dict(type="bool", default=False),
            state=dict(type="str", choices=["accepted", "rejected"], default="accepted"),
            wait_timeout=dict(type="int", default=120),
            wait_delay=dict(type="float", default=3),
        ),
        supports_check_mode=True,
    )
    module.run(Invitation(module))


if __name__ == "__main__":
    main()
