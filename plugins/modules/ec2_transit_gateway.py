#!/usr/bin/python
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: ec2_transit_gateway
short_description: A Transit Gateway tagged at creation, found by id or by its Name tag
version_added: 0.2.0
description:
  - Creates a Transit Gateway with its tags in the create call (C(TagSpecifications)), so that a run interrupted
    while AWS builds it leaves a Transit Gateway a rerun finds by its C(Name) tag (and teardown removes).
    C(amazon.aws.ec2_transit_gateway) tags only after waiting for V(available); see C(docs/upstream-gaps.md).
  - With O(transit_gateway_id), works on that Transit Gateway (it must exist); otherwise on the one whose C(Name)
    tag is O(name) (V(pending), V(available) or V(modifying)), creating it when there is none. Two with that
    C(Name) tag fail, naming both.
  - An existing Transit Gateway gets the missing O(tags) (never removes one); its options are not changed.
  - With O(wait), waits until it is V(available) (also for a V(pending) one found), or V(deleted).
options:
  state:
    description: V(present) finds or creates it; V(absent) deletes it.
    type: str
    choices: [present, absent]
    default: present
  transit_gateway_id:
    description: The Transit Gateway to work on.
    type: str
  name:
    description: Its C(Name) tag, the lookup key without O(transit_gateway_id). Required to create one.
    type: str
  description:
    description: Description of a Transit Gateway this module creates.
    type: str
  asn:
    description: Amazon-side ASN of a Transit Gateway this module creates (private; fixed afterwards).
    type: int
    default: 64512
  vpn_ecmp_support:
    description: ECMP over VPN connections, for a Transit Gateway this module creates.
    type: bool
    default: true
  auto_associate:
    description: Default route table association, for a Transit Gateway this module creates.
    type: bool
    default: true
  auto_propagate:
    description: Default route table propagation, for a Transit Gateway this module creates.
    type: bool
    default: true
  tags:
    description: Tags besides C(Name), set at creation and added to an existing Transit Gateway.
    type: dict
    default: {}
  wait:
    description: Wait until it is V(available) (V(deleted) with O(state=absent)).
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
author:
  - cloudbridge network engineering (@cloudbridge)
attributes:
  check_mode:
    support: full
    description: Reads only, and returns what it would create (with a V(null) id).
  diff_mode:
    support: full
    description: Shows the Transit Gateway's id, state and tags before and after.
extends_documentation_fragment:
  - cloudbridge.hybrid_vpn.aws
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Find the hub's Transit Gateway by its Name tag, or create it tagged
  cloudbridge.hybrid_vpn.ec2_transit_gateway:
    name: cloudbridge-hybrid-vpn
    description: cloudbridge-hybrid-vpn
    asn: 64512
    tags: {"cloudbridge:created-by": aws_tgw_vpn}
  register: tgw
"""

RETURN = r"""
transit_gateway:
  description:
    - The Transit Gateway (snake_case, tags as a dict); C(transit_gateway_id) V(null) when it would be created in
      check mode. Empty after O(state=absent).
  returned: always
  type: dict
  sample: {transit_gateway_id: tgw-0a1b2c3d4e5f60718, state: available, options: {amazon_side_asn: 64512},
           tags: {Name: cloudbridge-hybrid-vpn}}
"""

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict

from ansible_collections.cloudbridge.hybrid_vpn.plugins.module_utils._aws import AwsError, AwsModule

LIVE_STATES = ["pending", "available", "modifying"]


def as_dict(tgw: dict | None) -> dict:
    """A described Transit Gateway as returned (snake_case, tags as a dict)."""
    if not tgw:
        return {}
    out = camel_dict_to_snake_dict({k: v for k, v in tgw.items() if k != "Tags"})
    out["tags"] = {t["Key"]: t["Value"] for t in tgw.get("Tags", [])}
    return out


def desired_tags(params: dict) -> dict:
    return {**(params["tags"] or {}), **({"Name": params["name"]} if params["name"] else {})}


def missing_tags(current: dict, wanted: dict) -> dict:
    """PURE: the tags of ``wanted`` that ``current`` (a tag dict) lacks or holds with another value."""
    return {k: v for k, v in wanted.items() if current.get(k) != v}


def create_request(params: dict) -> dict:
    """PURE: the CreateTransitGateway request, tags included (TagSpecifications)."""
    on_off = {True: "enable", False: "disable"}
    request = {
        "Options": {
            "AmazonSideAsn": params["asn"],
            "VpnEcmpSupport": on_off[params["vpn_ecmp_support"]],
            "DefaultRouteTableAssociation": on_off[params["auto_associate"]],
            "DefaultRouteTablePropagation": on_off[params["auto_propagate"]],
        },
        "TagSpecifications": [{"ResourceType": "transit-gateway",
                               "Tags": [{"Key": k, "Value": v} for k, v in desired_tags(params).items()]}],
    }
    if params["description"]:
        request["Description"] = params["description"]
    return request


class TransitGateway:
    def __init__(self, module: AwsModule):
        self.module = module
        self.params = module.params

    def find(self) -> dict | None:
        if self.params["transit_gateway_id"]:
            tgw_id = self.params["transit_gateway_id"]
            try:
                found = self.module.call(f"describe transit gateway {tgw_id}", "describe_transit_gateways",
                                         TransitGatewayIds=[tgw_id])["TransitGateways"]
            except AwsError as e:
                if "NotFound" in str(e) or "Malformed" in str(e):
                    raise AwsError(f"find transit gateway {tgw_id}", "no such Transit Gateway in this region") from e
                raise
            live = [t for t in found if t["State"] != "deleted"]
            if not live and self.params["state"] == "present":
                raise AwsError(f"find transit gateway {tgw_id}", "it is deleted")
            return live[0] if live else None
        if not self.params["name"]:
            raise AwsError("find transit gateway", "name or transit_gateway_id is required")
        found = self.module.call(
            f"find transit gateway {self.params['name']}", "describe_transit_gateways",
            Filters=[{"Name": "tag:Name", "Values": [self.params["name"]]}, {"Name": "state", "Values": LIVE_STATES}],
        )["TransitGateways"]
        if len(found) > 1:
            ids = ", ".join(t["TransitGatewayId"] for t in found)
            raise AwsError(f"find transit gateway {self.params['name']}",
                           f"{ids} all have this Name tag; set transit_gateway_id to choose one")
        return found[0] if found else None

    def read(self, tgw_id: str) -> dict | None:
        """The TGW, or None while describes do not show it: gone, or just created and not visible yet (EC2 is
        eventually consistent: InvalidTransitGatewayID.NotFound right after a create, EC2 developer guide)."""
        try:
            found = self.module.call(f"describe transit gateway {tgw_id}", "describe_transit_gateways",
                                     TransitGatewayIds=[tgw_id])["TransitGateways"]
        except AwsError as e:
            if "InvalidTransitGatewayID.NotFound" in str(e):
                return None
            raise
        return found[0] if found else None

    def wait_for(self, tgw_id: str, state: str) -> dict:
        def reached():
            tgw = self.read(tgw_id)
            if tgw is None:  # no longer listed: as good as deleted
                return {"State": "deleted"} if state == "deleted" else None
            return tgw if tgw["State"] == state else None

        return self.module.wait_until(f"wait for transit gateway {tgw_id} to be {state}", reached,
                                      self.params["wait_timeout"], self.params["wait_delay"])

    def present(self, current: dict | None) -> dict:
        if current is None:
            request = create_request(self.params)
            if self.module.check_mode:
                after = {"transit_gateway_id": None, "state": "pending", "description": self.params["description"],
                         "options": camel_dict_to_snake_dict(request["Options"]), "tags": desired_tags(self.params)}
                return self.result(True, None, after)
            created = self.module.call(f"create transit gateway {self.params['name']}", "create_transit_gateway",
                                       **request)["TransitGateway"]
            tgw = self.wait_for(created["TransitGatewayId"], "available") if self.params["wait"] else created
            return self.result(True, None, as_dict(tgw))
        tgw_id = current["TransitGatewayId"]
        add = missing_tags(as_dict(current)["tags"], desired_tags(self.params))
        after = dict(as_dict(current), tags={**as_dict(current)["tags"], **add})
        if self.module.check_mode:
            return self.result(bool(add), current, after)
        if add:
            self.module.call(f"tag transit gateway {tgw_id}", "create_tags", Resources=[tgw_id],
                             Tags=[{"Key": k, "Value": v} for k, v in add.items()])
        if self.params["wait"] and current["State"] != "available":
            after = dict(as_dict(self.wait_for(tgw_id, "available")), tags=after["tags"])
        return self.result(bool(add), current, after)

    def absent(self, current: dict | None) -> dict:
        if current is None or current["State"] in ("deleting", "deleted"):
            return self.result(False, current, {})
        tgw_id = current["TransitGatewayId"]
        if not self.module.check_mode:
            self.module.call(f"delete transit gateway {tgw_id}", "delete_transit_gateway", TransitGatewayId=tgw_id)
            if self.params["wait"]:
                self.wait_for(tgw_id, "deleted")
        return self.result(True, current, {})

    def result(self, changed: bool, before: dict | None, after: dict) -> dict:
        out = {"changed": changed, "transit_gateway": after}
        if self.module._diff:
            view = ("transit_gateway_id", "state", "tags")
            out["diff"] = {"before": {k: as_dict(before).get(k) for k in view} if before else {},
                           "after": {k: after.get(k) for k in view} if after else {}}
        return out

    def __call__(self) -> dict:
        current = self.find()
        return self.present(current) if self.params["state"] == "present" else self.absent(current)


def main():
    module = AwsModule(
        argument_spec=dict(
            state=dict(type="str", choices=["present", "absent"], default="present"),
            transit_gateway_id=dict(type="str"),
            name=dict(type="str"),
            description=dict(type="str"),
            asn=dict(type="int", default=64512),
            vpn_ecmp_support=dict(type="bool", default=True),
            auto_associate=dict(type="bool", default=True),
            auto_propagate=dict(type="bool", default=True),
            tags=dict(type="dict", default={}),
            wait=dict(type="bool", default=True),
            wait_timeout=dict(type="int", default=600),
            wait_delay=dict(type="float", default=5),
        ),
        required_one_of=[("transit_gateway_id", "name")],
        supports_check_mode=True,
    )
    module.run(TransitGateway(module))


if __name__ == "__main__":
    main()
