# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: gcp_compute_vpn_tunnels
short_description: Manage a set of HA VPN tunnels in one call
version_added: 0.1.0
description:
  - Creates, replaces, relabels or deletes the listed HA VPN tunnels (C(vpnTunnels)) of one HA VPN gateway
    towards one external peer gateway. Independent changes run in parallel and their operations are waited
    for together.
  - Google never returns a tunnel's shared secret. The module keeps a keyed fingerprint of the secret in the
    label C(psk-fingerprint) (C(v1-) and 32 hex digits of HMAC-SHA256 of the secret, keyed with a fixed salt and the
    tunnel name, so equal keys on two tunnels do not show as equal labels). A tunnel whose fingerprint differs,
    or that has none, is replaced (delete + insert); a tunnel whose key is unchanged never is.
  - A tunnel is also replaced when a field without an update method changes (gateway, interface, peer gateway,
    peer interface, router, IKE version). Labels change in place; the description is set at creation only.
  - Tunnels not listed are left alone.
options:
  region:
    description: Region of the tunnels, their HA VPN gateway and router.
    type: str
    required: true
  vpn_gateway:
    description: The HA VPN gateway (name, path or URL). Required with O(state=present).
    type: str
  peer_external_gateway:
    description: The external (peer) VPN gateway (name, path or URL). Required with O(state=present).
    type: str
  router:
    description: The Cloud Router for dynamic routing (name, path or URL). Required with O(state=present).
    type: str
  ike_version:
    description: IKE version of every tunnel.
    type: int
    choices: [1, 2]
    default: 2
  labels:
    description:
      - Labels for every tunnel, merged under each tunnel's own O(tunnels[].labels).
      - When neither is given, the tunnels' labels stay as they are (apart from C(psk-fingerprint)).
    type: dict
  tunnels:
    description: The tunnels. With O(state=absent) only O(tunnels[].name) is used.
    type: list
    elements: dict
    required: true
    suboptions:
      name:
        description: Tunnel name.
        type: str
        required: true
      vpn_gateway_interface:
        description: HA VPN gateway interface (0 or 1) the tunnel leaves from.
        type: int
      peer_external_gateway_interface:
        description: Peer gateway interface the tunnel goes to.
        type: int
      shared_secret:
        description: The IKE pre-shared key.
        type: str
      description:
        description: Description, used at creation only.
        type: str
      labels:
        description: Labels of this tunnel.
        type: dict
  state:
    description: Whether the listed tunnels exist.
    type: str
    choices: [present, absent]
    default: present
attributes:
  check_mode:
    support: full
    description: Returns what would change without changing it.
  diff_mode:
    support: full
    description: Shows each tunnel's managed fields before and after; never the shared secret.
extends_documentation_fragment:
  - cloudbridge.hybrid_vpn.gcp
  - cloudbridge.hybrid_vpn.gcp.operation
author:
  - cloudbridge network engineering (@cloudbridge)
"""

EXAMPLES = r"""
- name: Four tunnels to AWS (HA interface 0 -> peer 0,1; interface 1 -> peer 2,3)
  cloudbridge.hybrid_vpn.gcp_compute_vpn_tunnels:
    project: cb-net-host
    auth_kind: application
    region: asia-northeast1
    vpn_gateway: ha-vpn-aws
    peer_external_gateway: aws-tgw-peer
    router: cr-aws
    tunnels:
      - {name: aws-tunnel-0, vpn_gateway_interface: 0, peer_external_gateway_interface: 0, shared_secret: "{{ k0 }}"}
      - {name: aws-tunnel-1, vpn_gateway_interface: 0, peer_external_gateway_interface: 1, shared_secret: "{{ k1 }}"}
      - {name: aws-tunnel-2, vpn_gateway_interface: 1, peer_external_gateway_interface: 2, shared_secret: "{{ k2 }}"}
      - {name: aws-tunnel-3, vpn_gateway_interface: 1, peer_external_gateway_interface: 3, shared_secret: "{{ k3 }}"}
  no_log: true
"""

RETURN = r"""
tunnels:
  description:
    - The listed tunnels as the API returns them (without C(sharedSecret) and C(sharedSecretHash)), in the order
      given; in check mode a changed tunnel as it would be. None after O(state=absent).
  returned: always
  type: list
  elements: dict
actions:
  description: What was (or in check mode would be) done per tunnel name.
  returned: always
  type: dict
  sample: {aws-tunnel-0: replace, aws-tunnel-1: labels}
"""

from ansible_collections.cloudbridge.hybrid_vpn.plugins.module_utils._gcp import (
    GcpApiError,
    GcpModule,
    compact,
    plan_change,
    public,
    ref_link,
    regional_path,
    require,
)
from ansible_collections.cloudbridge.hybrid_vpn.plugins.module_utils._wiring import FINGERPRINT_LABEL, key_fingerprint

# Fields without an update method on vpnTunnels (only setLabels exists).
IMMUTABLE = (
    "vpnGateway",
    "vpnGatewayInterface",
    "peerExternalGateway",
    "peerExternalGatewayInterface",
    "router",
    "ikeVersion",
)


def desired_tunnel(params, tunnel, current):
    """The vpnTunnels insert body for one listed tunnel; labels keep ``current``'s when none are given."""
    project, region = params["project"], params["region"]
    if params["labels"] is None and tunnel["labels"] is None:
        labels = dict((current or {}).get("labels") or {})
    else:
        labels = dict(params["labels"] or {}, **(tunnel["labels"] or {}))
    labels[FINGERPRINT_LABEL] = key_fingerprint(tunnel["name"], tunnel["shared_secret"])
    return compact(
        {
            "name": tunnel["name"],
            "vpnGateway": ref_link(params["vpn_gateway"], project, "vpnGateways", region),
            "vpnGatewayInterface": tunnel["vpn_gateway_interface"],
            "peerExternalGateway": ref_link(params["peer_external_gateway"], project, "externalVpnGateways"),
            "peerExternalGatewayInterface": tunnel["peer_external_gateway_interface"],
            "router": ref_link(params["router"], project, "routers", region),
            "ikeVersion": params["ike_version"],
            "sharedSecret": tunnel["shared_secret"],
            "description": tunnel["description"],
            "labels": labels,
        }
    )


def plan_tunnel(current, desired):
    """create / replace / labels / None for one tunnel; a changed or unknown key fingerprint replaces it."""
    if current is None:
        return "create"
    fingerprint = (current.get("labels") or {}).get(FINGERPRINT_LABEL)
    return plan_change(current, desired, IMMUTABLE, replace=fingerprint != desired["labels"][FINGERPRINT_LABEL])


def managed_view(tunnel, desired):
    return public({k: tunnel.get(k) for k in desired}) if tunnel else None


def validate(params):
    if params["state"] == "present":
        for tunnel in params["tunnels"]:
            require(
                tunnel,
                ("vpn_gateway_interface", "peer_external_gateway_interface", "shared_secret"),
                f"tunnel {tunnel['name']}",
            )
    names = [t["name"] for t in params["tunnels"]]
    if len(set(names)) != len(names):
        raise ValueError("tunnel names must be unique")


def run(module):
    p, compute = module.params, module.compute
    present = p["state"] == "present"
    collection = regional_path(p["project"], p["region"], "vpnTunnels")
    # One list call reads every tunnel of the region (read once per run).
    existing = {t["name"]: t for t in compute.list(collection)}
    current = {t["name"]: existing.get(t["name"]) for t in p["tunnels"]}
    if present:
        desired = {n: desired_tunnel(p, t, current[n]) for n, t in ((t["name"], t) for t in p["tunnels"])}
        actions = {n: plan_tunnel(current[n], d) for n, d in desired.items()}
        # A tunnel left alone is shown as read; a changed one as it would be (check mode).
        after = {n: dict(current[n] or {}, **d) if actions[n] else current[n] for n, d in desired.items()}
    else:
        desired = current
        actions = {n: "delete" if cur else None for n, cur in current.items()}
        after = dict.fromkeys(current)
    actions = {n: a for n, a in actions.items() if a}
    result = dict(
        changed=bool(actions),
        actions=actions,
        **module.diff(
            {n: managed_view(current[n], desired[n]) for n in actions},
            {n: managed_view(after[n], desired[n]) for n in actions},
        ),
    )
    if actions and not module.check_mode:
        # Deletes and label changes first, then every insert: a replaced tunnel keeps its name.
        module.wait(
            [compute.mutate("DELETE", f"{collection}/{n}") for n, a in actions.items() if a in ("delete", "replace")]
            + [compute.set_labels(current[n], desired[n]["labels"]) for n, a in actions.items() if a == "labels"]
        )
        module.wait(
            [compute.mutate("POST", collection, desired[n]) for n, a in actions.items() if a in ("create", "replace")]
        )
        if present:
            existing = {t["name"]: t for t in compute.list(collection)}
            after = {n: existing.get(n) for n in current}
    result["tunnels"] = [public(after[t["name"]]) for t in p["tunnels"] if after[t["name"]]]
    return result


def main():
    module = GcpModule(
        argument_spec=dict(
            region=dict(type="str", required=True),
            vpn_gateway=dict(type="str"),
            peer_external_gateway=dict(type="str"),
            router=dict(type="str"),
            ike_version=dict(type="int", choices=[1, 2], default=2),
            labels=dict(type="dict"),
            tunnels=dict(
                type="list",
                elements="dict",
                required=True,
                options=dict(
                    name=dict(type="str", required=True),
                    vpn_gateway_interface=dict(type="int"),
                    peer_external_gateway_interface=dict(type="int"),
                    shared_secret=dict(type="str", no_log=True),
                    description=dict(type="str"),
                    labels=dict(type="dict"),
                ),
            ),
            state=dict(type="str", choices=["present", "absent"], default="present"),
        ),
        required_if=[("state", "present", ("vpn_gateway", "peer_external_gateway", "router"))],
        supports_check_mode=True,
    )
    try:
        validate(module.params)
        module.exit_json(**run(module))
    except ValueError as e:
        module.fail("VPN tunnels", e)
    except GcpApiError as e:
        module.fail_api(e, "VPN tunnels")


if __name__ == "__main__":
    main()
