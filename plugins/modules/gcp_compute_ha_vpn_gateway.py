# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: gcp_compute_ha_vpn_gateway
short_description: Create, relabel or delete a Cloud HA VPN gateway
version_added: 0.1.0
description:
  - Manages a regional HA VPN gateway (C(vpnGateways)) with two interfaces whose public IPs Google assigns.
  - The network and stack type cannot change in place; a change replaces the gateway, which the API refuses
    while tunnels use it.
  - Labels change in place (setLabels). The description is set at creation only and never causes a replacement.
options:
  name:
    description: Name of the gateway.
    type: str
    required: true
  region:
    description: Region of the gateway.
    type: str
    required: true
  network:
    description:
      - The VPC network, as a name, a C(projects/...) path or a URL. Required with O(state=present).
    type: str
  stack_type:
    description: IP stack of the gateway interfaces.
    type: str
    choices: [IPV4_ONLY, IPV4_IPV6]
    default: IPV4_ONLY
  description:
    description: Description, used at creation only.
    type: str
  labels:
    description:
      - Labels of the gateway, as the complete set. Omit to leave the labels as they are.
    type: dict
  state:
    description: Whether the gateway exists.
    type: str
    choices: [present, absent]
    default: present
attributes:
  check_mode:
    support: full
    description: Returns what would change; interfaces of a gateway still to be created have no IP.
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
- name: HA VPN gateway in the hub network
  cloudbridge.hybrid_vpn.gcp_compute_ha_vpn_gateway:
    project: cb-net-host
    auth_kind: application
    region: asia-northeast1
    name: ha-vpn-aws
    network: vpc-hub
    labels:
      owner: network
  register: gateway

- name: Remove it (after its tunnels)
  cloudbridge.hybrid_vpn.gcp_compute_ha_vpn_gateway:
    project: cb-net-host
    auth_kind: application
    region: asia-northeast1
    name: ha-vpn-aws
    state: absent
"""

RETURN = r"""
gateway:
  description: The gateway as the API returns it; empty after O(state=absent).
  returned: always
  type: dict
  sample:
    name: ha-vpn-aws
    selfLink: https://www.googleapis.com/compute/v1/projects/cb-net-host/regions/asia-northeast1/vpnGateways/ha-vpn-aws
    vpnInterfaces: [{id: 0, ipAddress: 35.242.1.10}, {id: 1, ipAddress: 35.220.2.20}]
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
    ref_link,
    regional_path,
)

# Fields with no update method: changing one means delete + insert (vpnGateways has only setLabels).
IMMUTABLE = ("network", "stackType")


def desired_gateway(params):
    """The vpnGateways body these options describe."""
    return {
        "name": params["name"],
        "network": ref_link(params["network"], params["project"], "networks"),
        "stackType": params["stack_type"],
        "description": params["description"],
        "labels": params["labels"],
    }


def main():
    module = GcpModule(
        argument_spec=dict(
            name=dict(type="str", required=True),
            region=dict(type="str", required=True),
            network=dict(type="str"),
            stack_type=dict(type="str", choices=["IPV4_ONLY", "IPV4_IPV6"], default="IPV4_ONLY"),
            description=dict(type="str"),
            labels=dict(type="dict"),
            state=dict(type="str", choices=["present", "absent"], default="present"),
        ),
        required_if=[("state", "present", ("network",))],
        supports_check_mode=True,
    )
    p = module.params
    path = regional_path(p["project"], p["region"], "vpnGateways", p["name"])
    desired = desired_gateway(p) if p["state"] == "present" else {}
    try:
        changed, gateway, extras = ensure_resource(module, path, desired, IMMUTABLE)
    except GcpApiError as e:
        module.fail_api(e, f"HA VPN gateway {p['name']}")
    module.exit_json(changed=changed, gateway=gateway, **extras)


if __name__ == "__main__":
    main()
