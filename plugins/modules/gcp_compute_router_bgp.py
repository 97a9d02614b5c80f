# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: gcp_compute_router_bgp
short_description: Manage a Cloud Router with its BGP advertisement, interfaces and BGP peers
version_added: 0.1.0
description:
  - Creates a Cloud Router, or updates its BGP settings, interfaces and BGP peers with one C(routers.patch), so
    the router is never left with a peer whose interface is missing.
  - Each O(bgp_peers) entry is one BGP session, a router interface linked to a VPN tunnel and a peer on that
    interface. Listed sessions are merged into the router by name; interfaces and peers not listed are kept.
  - With O(state=absent) and O(bgp_peers), only the listed peers and their interfaces are removed; with
    O(state=absent) and no O(bgp_peers), the router is deleted (the API refuses while tunnels use it).
  - The router ASN is fixed after creation; a different O(asn) fails instead of replacing the router.
options:
  name:
    description: Name of the router.
    type: str
    required: true
  region:
    description: Region of the router.
    type: str
    required: true
  network:
    description: The VPC network (name, path or URL). Required to create the router.
    type: str
  asn:
    description: The router's private ASN. Required with O(state=present).
    type: int
  keepalive_interval:
    description: BGP keepalive interval in seconds (20..60); the API default when omitted.
    type: int
  advertise_mode:
    description: Advertise the subnets (C(DEFAULT)) or the groups and ranges given (C(CUSTOM)).
    type: str
    choices: [DEFAULT, CUSTOM]
    default: DEFAULT
  advertised_groups:
    description: Groups advertised with O(advertise_mode=CUSTOM).
    type: list
    elements: str
    choices: [ALL_SUBNETS]
    default: []
  advertised_ip_ranges:
    description: IP ranges advertised with O(advertise_mode=CUSTOM).
    type: list
    elements: dict
    default: []
    suboptions:
      range:
        description: CIDR range.
        type: str
        required: true
      description:
        description: Description of the range.
        type: str
  description:
    description: Description, used at creation only.
    type: str
  bgp_peers:
    description: BGP sessions to merge into the router (or to remove with O(state=absent)).
    type: list
    elements: dict
    default: []
    suboptions:
      name:
        description: BGP peer name.
        type: str
        required: true
      interface_name:
        description: Name of the router interface of this session. Required with O(state=present).
        type: str
      ip_range:
        description: The router's own address on the link with its prefix, e.g. C(169.254.10.2/30).
        type: str
      peer_ip_address:
        description: The peer's address on the link, e.g. C(169.254.10.1).
        type: str
      peer_asn:
        description: The peer's ASN.
        type: int
      vpn_tunnel:
        description: The VPN tunnel the interface is linked to (name, path or URL).
        type: str
      advertised_route_priority:
        description: MED of the routes advertised to this peer (lower wins).
        type: int
      enable:
        description: Whether the session is enabled.
        type: bool
        default: true
  defer_bgp_peers:
    description:
      - Apply O(bgp_peers) only when they change nothing; otherwise create or update the router without touching
        its interfaces and peers (the tunnels they link may not exist yet) and return RV(bgp_peers_pending).
      - For a caller that must create the router before its tunnels and wire it after them, the call after the
        tunnels is needed only when RV(bgp_peers_pending). Used with O(state=present) only.
    type: bool
    default: false
  state:
    description: See the description for what O(state=absent) removes.
    type: str
    choices: [present, absent]
    default: present
attributes:
  check_mode:
    support: full
    description: Returns the router as it would be.
  diff_mode:
    support: full
    description: Shows the BGP settings, interfaces and peers before and after.
extends_documentation_fragment:
  - cloudbridge.hybrid_vpn.gcp
  - cloudbridge.hybrid_vpn.gcp.operation
author:
  - cloudbridge network engineering (@cloudbridge)
"""

EXAMPLES = r"""
- name: Router first (tunnels reference it); its sessions too if they are already in place
  cloudbridge.hybrid_vpn.gcp_compute_router_bgp:
    <<: &router
      project: cb-net-host
      auth_kind: application
      region: asia-northeast1
      name: cr-aws
      network: vpc-hub
      asn: 65000
      advertise_mode: CUSTOM
      advertised_groups: [ALL_SUBNETS]
      advertised_ip_ranges: [{range: 10.200.0.0/16}]
      bgp_peers:
        - name: aws-bgp-0
          interface_name: aws-if-0
          ip_range: 169.254.10.2/30
          peer_ip_address: 169.254.10.1
          peer_asn: 64512
          vpn_tunnel: aws-tunnel-0
    defer_bgp_peers: true
  register: router

# ... create the tunnels (cloudbridge.hybrid_vpn.gcp_compute_vpn_tunnels) ...

- name: Then its sessions, in one patch, when they were left for after the tunnels
  cloudbridge.hybrid_vpn.gcp_compute_router_bgp: *router
  when: router.bgp_peers_pending
"""

RETURN = r"""
router:
  description: The router as the API returns it (as it would be in check mode); empty once deleted.
  returned: always
  type: dict
action:
  description: What was (or in check mode would be) done.
  returned: changed
  type: str
  choices: [create, patch, delete]
bgp_peers_pending:
  description: Whether O(bgp_peers) were left unapplied by O(defer_bgp_peers) and need a call without it.
  returned: with O(state=present)
  type: bool
"""

from ansible_collections.cloudbridge.hybrid_vpn.plugins.module_utils._gcp import (
    GcpApiError,
    GcpModule,
    compact,
    normalize,
    ref_link,
    regional_path,
    require,
)

WIRING = ("interfaces", "bgpPeers")
MANAGED = ("bgp", *WIRING)


def _merge(current_items, desired_items, removed_names=()):
    """Current items with each desired one merged over its namesake (API defaults kept), new ones appended
    and ``removed_names`` dropped; unrelated items stay as they are."""
    desired = {d["name"]: d for d in desired_items}
    merged = [dict(c, **desired.pop(c["name"], {})) for c in current_items if c["name"] not in removed_names]
    return merged + list(desired.values())


def desired_bgp(params, current_bgp):
    if current_bgp and current_bgp.get("asn") != params["asn"]:
        raise ValueError(f"the router ASN is {current_bgp.get('asn')} and cannot change to {params['asn']}")
    custom = params["advertise_mode"] == "CUSTOM"
    bgp = dict(
        current_bgp or {},
        asn=params["asn"],
        advertiseMode=params["advertise_mode"],
        # Cleared with DEFAULT: the API refuses groups or ranges unless the mode is CUSTOM.
        advertisedGroups=params["advertised_groups"] if custom else [],
        advertisedIpRanges=[compact(r) for r in params["advertised_ip_ranges"]] if custom else [],
    )
    if params["keepalive_interval"] is not None:
        bgp["keepaliveInterval"] = params["keepalive_interval"]
    return bgp


def desired_router(params, current):
    """The router's bgp, interfaces and bgpPeers after merging the listed sessions into ``current``
    (None: a new router). With state=absent, the listed peers and their interfaces are removed."""
    current = current or {}
    peers = params["bgp_peers"]
    if params["state"] == "absent":
        names = {p["name"] for p in peers}
        interfaces = {p["interface_name"] for p in peers} | {
            c.get("interfaceName") for c in current.get("bgpPeers", []) if c["name"] in names
        }
        return {
            "bgp": current.get("bgp"),
            "interfaces": _merge(current.get("interfaces", []), [], interfaces),
            "bgpPeers": _merge(current.get("bgpPeers", []), [], names),
        }
    project, region = params["project"], params["region"]
    return {
        "bgp": desired_bgp(params, current.get("bgp")),
        "interfaces": _merge(
            current.get("interfaces", []),
            [
                {
                    "name": p["interface_name"],
                    "ipRange": p["ip_range"],
                    "linkedVpnTunnel": ref_link(p["vpn_tunnel"], project, "vpnTunnels", region),
                }
                for p in peers
            ],
        ),
        "bgpPeers": _merge(
            current.get("bgpPeers", []),
            [
                compact(
                    {
                        "name": p["name"],
                        "interfaceName": p["interface_name"],
                        "ipAddress": p["ip_range"].split("/")[0],
                        "peerIpAddress": p["peer_ip_address"],
                        "peerAsn": p["peer_asn"],
                        "advertisedRoutePriority": p["advertised_route_priority"],
                        # RouterBgpPeer.enable is the string enum TRUE|FALSE (compute v1 reference).
                        "enable": "TRUE" if p["enable"] else "FALSE",
                    }
                )
                for p in peers
            ],
        ),
    }


def managed(router, keys=MANAGED):
    return normalize({k: router.get(k) for k in keys}) if router else None


def validate(params):
    if params["state"] == "present":
        for p in params["bgp_peers"]:
            require(
                p, ("interface_name", "ip_range", "peer_ip_address", "peer_asn", "vpn_tunnel"), f"BGP peer {p['name']}"
            )


def run(module):
    p, compute = module.params, module.compute
    path = regional_path(p["project"], p["region"], "routers", p["name"])
    current = compute.get(path)
    if p["state"] == "absent" and not p["bgp_peers"]:
        if current is None:
            return dict(changed=False, router={})
        if not module.check_mode:
            module.wait([compute.mutate("DELETE", path)])
        return dict(changed=True, action="delete", router={}, **module.diff(managed(current), None))
    if current is None and p["state"] == "absent":
        return dict(changed=False, router={})
    body = desired_router(p, current)
    pending = p["defer_bgp_peers"] and managed(current or {}, WIRING) != managed(body, WIRING)
    if pending:
        # The interfaces link tunnels by name and the API refuses a link to a tunnel that does not exist yet.
        body = dict(body, **{k: (current or {}).get(k, []) for k in WIRING})
    if current is None:
        if not p["network"]:
            raise ValueError("network is required to create the router")
        action = "create"
        body = dict(body, name=p["name"], network=ref_link(p["network"], p["project"], "networks"))
        if p["description"]:
            body["description"] = p["description"]
    elif managed(current) == managed(body):
        return dict(changed=False, router=current, bgp_peers_pending=pending)
    else:
        action = "patch"
    result = dict(changed=True, action=action, bgp_peers_pending=pending,
                  **module.diff(managed(current), managed(body)))
    if module.check_mode:
        return dict(result, router=dict(current or {}, **body))
    collection = path.rsplit("/", 1)[0]
    module.wait(
        [compute.mutate("POST", collection, body) if action == "create" else compute.mutate("PATCH", path, body)]
    )
    return dict(result, router=compute.get(path))


def main():
    module = GcpModule(
        argument_spec=dict(
            name=dict(type="str", required=True),
            region=dict(type="str", required=True),
            network=dict(type="str"),
            asn=dict(type="int"),
            keepalive_interval=dict(type="int"),
            advertise_mode=dict(type="str", choices=["DEFAULT", "CUSTOM"], default="DEFAULT"),
            advertised_groups=dict(type="list", elements="str", choices=["ALL_SUBNETS"], default=[]),
            advertised_ip_ranges=dict(
                type="list",
                elements="dict",
                default=[],
                options=dict(range=dict(type="str", required=True), description=dict(type="str")),
            ),
            description=dict(type="str"),
            bgp_peers=dict(
                type="list",
                elements="dict",
                default=[],
                options=dict(
                    name=dict(type="str", required=True),
                    interface_name=dict(type="str"),
                    ip_range=dict(type="str"),
                    peer_ip_address=dict(type="str"),
                    peer_asn=dict(type="int"),
                    vpn_tunnel=dict(type="str"),
                    advertised_route_priority=dict(type="int"),
                    enable=dict(type="bool", default=True),
                ),
            ),
            defer_bgp_peers=dict(type="bool", default=False),
            state=dict(type="str", choices=["present", "absent"], default="present"),
        ),
        required_if=[("state", "present", ("asn",))],
        supports_check_mode=True,
    )
    thing = f"Cloud Router {module.params['name']}"
    try:
        validate(module.params)
        module.exit_json(**run(module))
    except ValueError as e:
        module.fail(thing, e)
    except GcpApiError as e:
        module.fail_api(e, thing)


if __name__ == "__main__":
    main()
