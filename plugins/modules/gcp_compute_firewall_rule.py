# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: gcp_compute_firewall_rule
short_description: Create, update in place or delete an ingress VPC firewall rule
version_added: 0.2.0
description:
  - Manages a VPC firewall rule (C(firewalls)) that allows traffic from O(source_ranges) on the listed protocols
    and ports, e.g. the AWS ranges reaching a Shared VPC through the VPN.
  - Every field but the network changes in place (C(firewalls.patch)), so the rule never disappears during an
    update; a different network replaces it.
options:
  name:
    description: Name of the rule.
    type: str
    required: true
  network:
    description: The VPC network, as a name, a C(projects/...) path or a URL. Required with O(state=present).
    type: str
  source_ranges:
    description: Source CIDRs admitted. Required with O(state=present).
    type: list
    elements: str
  allowed:
    description: Protocols and ports admitted. Required with O(state=present).
    type: list
    elements: dict
    suboptions:
      ip_protocol:
        description: C(tcp), C(udp), C(icmp), C(all) or a protocol number.
        type: str
        required: true
      ports:
        description: Ports or ranges (C(443), C(8000-8080)); all ports when omitted.
        type: list
        elements: str
  target_tags:
    description: Network tags of the instances the rule applies to; all instances of the network when empty.
    type: list
    elements: str
    default: []
  priority:
    description: Priority, 0 (highest) to 65535.
    type: int
    default: 1000
  description:
    description: Description of the rule.
    type: str
    default: ""
  state:
    description: Whether the rule exists.
    type: str
    choices: [present, absent]
    default: present
attributes:
  check_mode:
    support: full
    description: Returns the rule as it would be.
  diff_mode:
    support: full
    description: Shows the managed fields before and after.
extends_documentation_fragment:
  - cloudbridge.hybrid_vpn.gcp
  - cloudbridge.hybrid_vpn.gcp.operation
author:
  - cloudbridge network engineering (@cloudbridge)
"""

EXAMPLES = r"""
- name: Admit the AWS VPCs on HTTPS and SSH
  cloudbridge.hybrid_vpn.gcp_compute_firewall_rule:
    project: cb-net-host
    auth_kind: application
    name: allow-from-aws
    network: vpc-hub
    source_ranges: [10.20.0.0/16, 10.30.0.0/16]
    allowed:
      - {ip_protocol: tcp, ports: ["443", "22"]}
"""

RETURN = r"""
firewall:
  description: The rule as the API returns it; empty after O(state=absent).
  returned: always
  type: dict
action:
  description: What was (or in check mode would be) done.
  returned: changed and O(state=present)
  type: str
  choices: [create, update, replace]
"""

from ansible_collections.cloudbridge.hybrid_vpn.plugins.module_utils._gcp import (
    GcpApiError,
    GcpModule,
    global_path,
    normalize,
    ref_link,
    require,
)

FIELDS = ("network", "direction", "priority", "sourceRanges", "allowed", "targetTags", "description")


def desired_rule(params):
    """The firewalls body these options describe."""
    return {
        "name": params["name"],
        "network": ref_link(params["network"], params["project"], "networks"),
        "direction": "INGRESS",
        "priority": params["priority"],
        "sourceRanges": sorted(params["source_ranges"]),
        "allowed": [{"IPProtocol": a["ip_protocol"], **({"ports": a["ports"]} if a.get("ports") else {})}
                    for a in params["allowed"]],
        "targetTags": sorted(params["target_tags"]),
        "description": params["description"],
    }


def plan_rule(current, desired):
    if current is None:
        return "create"
    view = _view(current)
    if normalize(view.get("network")) != normalize(desired["network"]):
        return "replace"
    if normalize({k: v for k, v in view.items() if k != "network"}) != normalize(
            {k: desired[k] for k in FIELDS if k != "network"}):
        return "update"
    return None


def _view(current):
    if not current:
        return {}
    view = {k: current.get(k) for k in FIELDS}
    view["sourceRanges"] = sorted(view["sourceRanges"] or [])
    view["targetTags"] = sorted(view["targetTags"] or [])
    return view


def main():
    module = GcpModule(
        argument_spec=dict(
            name=dict(type="str", required=True),
            network=dict(type="str"),
            source_ranges=dict(type="list", elements="str"),
            allowed=dict(type="list", elements="dict", options=dict(
                ip_protocol=dict(type="str", required=True),
                ports=dict(type="list", elements="str"),
            )),
            target_tags=dict(type="list", elements="str", default=[]),
            priority=dict(type="int", default=1000),
            description=dict(type="str", default=""),
            state=dict(type="str", choices=["present", "absent"], default="present"),
        ),
        supports_check_mode=True,
    )
    p = module.params
    path = global_path(p["project"], "firewalls", p["name"])
    thing = f"firewall rule {p['name']}"
    try:
        if p["state"] == "present":
            require(p, ("network", "source_ranges", "allowed"), "the rule")
        compute = module.compute
        current = compute.get(path)
        if p["state"] == "absent":
            if current is None:
                module.exit_json(changed=False, firewall={})
            if not module.check_mode:
                module.wait([compute.mutate("DELETE", path)])
            module.exit_json(changed=True, firewall={}, **module.diff(_view(current), None))
        desired = desired_rule(p)
        action = plan_rule(current, desired)
        if action is None:
            module.exit_json(changed=False, firewall=current)
        extras = dict(action=action, **module.diff(_view(current), {k: desired[k] for k in FIELDS}))
        if module.check_mode:
            module.exit_json(changed=True, firewall=dict(current or {}, **desired), **extras)
        if action == "update":
            module.wait([compute.mutate("PATCH", path, desired)])
        else:
            if action == "replace":
                module.wait([compute.mutate("DELETE", path)])
            module.wait([compute.mutate("POST", global_path(p["project"], "firewalls"), desired)])
        firewall = compute.get(path)
    except ValueError as e:
        module.fail(thing, str(e))
    except GcpApiError as e:
        module.fail_api(e, thing)
    module.exit_json(changed=True, firewall=firewall, **extras)


if __name__ == "__main__":
    main()
