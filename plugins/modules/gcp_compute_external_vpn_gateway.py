# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: gcp_compute_external_vpn_gateway
short_description: Create, relabel or delete a Cloud VPN external (peer) gateway
version_added: 0.1.0
description:
  - Manages a global external VPN gateway (C(externalVpnGateways)) that describes the peer's public IPs.
  - The redundancy type and interfaces cannot change in place; a change replaces the gateway, which the API
    refuses while tunnels use it.
  - Labels change in place (setLabels); unlike C(google.cloud.gcp_compute_external_vpn_gateway), a label change
    never deletes and recreates. The description is set at creation only.
options:
  name:
    description: Name of the external gateway.
    type: str
    required: true
  redundancy_type:
    description: How many peer interfaces the gateway has (1, 2 or 4).
    type: str
    choices: [SINGLE_IP_INTERNALLY_REDUNDANT, TWO_IPS_REDUNDANCY, FOUR_IPS_REDUNDANCY]
    default: FOUR_IPS_REDUNDANCY
  interfaces:
    description:
      - The peer interfaces, ids 0..N-1 where N matches O(redundancy_type). Required with O(state=present).
    type: list
    elements: dict
    suboptions:
      id:
        description: Interface id.
        type: int
        required: true
      ip_address:
        description: Public IPv4 address of the peer interface.
        type: str
        required: true
  description:
    description: Description, used at creation only.
    type: str
  labels:
    description: Labels, as the complete set. Omit to leave the labels as they are.
    type: dict
  state:
    description: Whether the gateway exists.
    type: str
    choices: [present, absent]
    default: present
attributes:
  check_mode:
    support: full
    description: Returns what would change without changing it.
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
- name: AWS side as one four-IP peer gateway (connection 1 tunnels 1-2, connection 2 tunnels 1-2)
  cloudbridge.hybrid_vpn.gcp_compute_external_vpn_gateway:
    project: cb-net-host
    auth_kind: application
    name: aws-tgw-peer
    interfaces:
      - {id: 0, ip_address: 3.130.56.250}
      - {id: 1, ip_address: 3.133.183.196}
      - {id: 2, ip_address: 52.1.1.1}
      - {id: 3, ip_address: 52.2.2.2}
"""

RETURN = r"""
external_gateway:
  description: The external gateway as the API returns it; empty after O(state=absent).
  returned: always
  type: dict
  sample:
    name: aws-tgw-peer
    redundancyType: FOUR_IPS_REDUNDANCY
    interfaces: [{id: 0, ipAddress: 3.130.56.250}]
action:
  description: What was (or in check mode would be) done.
  returned: changed and O(state=present)
  type: str
  choices: [create, replace, labels]
"""

from ansible_collections.cloudbridge.hybrid_vpn.plugins.module_utils._gcp import (
    GcpApiError,
    GcpModule,
    ensure_resource,
    global_path,
)

# externalVpnGateways has no patch: only labels change in place.
IMMUTABLE = ("redundancyType", "interfaces")
INTERFACE_COUNT = {"SINGLE_IP_INTERNALLY_REDUNDANT": 1, "TWO_IPS_REDUNDANCY": 2, "FOUR_IPS_REDUNDANCY": 4}


def desired_external_gateway(params):
    """The externalVpnGateways body these options describe (interfaces ordered by id).

    Raises ValueError when the interfaces do not match the redundancy type."""
    interfaces = sorted(params["interfaces"], key=lambda i: i["id"])
    count = INTERFACE_COUNT[params["redundancy_type"]]
    if [i["id"] for i in interfaces] != list(range(count)):
        raise ValueError(f"{params['redundancy_type']} needs interfaces with ids 0..{count - 1}")
    return {
        "name": params["name"],
        "redundancyType": params["redundancy_type"],
        "interfaces": [{"id": i["id"], "ipAddress": i["ip_address"]} for i in interfaces],
        "description": params["description"],
        "labels": params["labels"],
    }


def main():
    module = GcpModule(
        argument_spec=dict(
            name=dict(type="str", required=True),
            redundancy_type=dict(type="str", default="FOUR_IPS_REDUNDANCY", choices=list(INTERFACE_COUNT)),
            interfaces=dict(
                type="list",
                elements="dict",
                options=dict(id=dict(type="int", required=True), ip_address=dict(type="str", required=True)),
            ),
            description=dict(type="str"),
            labels=dict(type="dict"),
            state=dict(type="str", choices=["present", "absent"], default="present"),
        ),
        required_if=[("state", "present", ("interfaces",))],
        supports_check_mode=True,
    )
    p = module.params
    try:
        desired = desired_external_gateway(p) if p["state"] == "present" else {}
    except ValueError as e:
        module.fail(f"external VPN gateway {p['name']}", e)
    try:
        changed, gateway, extras = ensure_resource(
            module, global_path(p["project"], "externalVpnGateways", p["name"]), desired, IMMUTABLE
        )
    except GcpApiError as e:
        module.fail_api(e, f"external VPN gateway {p['name']}")
    module.exit_json(changed=changed, external_gateway=gateway, **extras)


if __name__ == "__main__":
    main()
