# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: gcp_compute_router_status_info
short_description: Read a Cloud Router's BGP session status and learned routes
version_added: 0.1.0
description:
  - Calls C(routers.getRouterStatus) and returns each BGP peer's status (C(UP), C(DOWN), C(UNKNOWN)) with the
    routes the router learned.
options:
  name:
    description: Name of the router.
    type: str
    required: true
  region:
    description: Region of the router.
    type: str
    required: true
  include_router:
    description:
      - Also return the router itself (RV(router), its ASN, interfaces and BGP peers as configured), read in the
        same call, so that the configuration and the status it produces are checked against each other.
    type: bool
    default: false
    version_added: 0.3.0
extends_documentation_fragment:
  - cloudbridge.hybrid_vpn.attributes.info
  - cloudbridge.hybrid_vpn.gcp
author:
  - cloudbridge network engineering (@cloudbridge)
"""

EXAMPLES = r"""
- name: Wait for every BGP session of the router
  cloudbridge.hybrid_vpn.gcp_compute_router_status_info:
    project: cb-net-host
    auth_kind: application
    region: asia-northeast1
    name: cr-aws
  register: status
  until: status.bgp_peers | rejectattr('status', 'eq', 'UP') | list | length == 0
  retries: 30
  delay: 10
"""

RETURN = r"""
exists:
  description: Whether the router exists.
  returned: always
  type: bool
bgp_peers:
  description: C(result.bgpPeerStatus) of routers.getRouterStatus; empty when the router does not exist.
  returned: always
  type: list
  elements: dict
  sample:
    - {name: aws-bgp-0, status: UP, state: Established, ipAddress: 169.254.10.2, peerIpAddress: 169.254.10.1,
       numLearnedRoutes: 2}
best_routes:
  description: C(result.bestRoutes), the routes the router learned and uses.
  returned: always
  type: list
  elements: dict
network:
  description: C(result.network), the URL of the router's network; V(null) when the router does not exist.
  returned: always
  type: str
router:
  description: The router as routers.get returns it (C(bgp.asn), C(interfaces), C(bgpPeers)); V(null) when it does
    not exist.
  returned: when O(include_router)
  type: dict
"""

from ansible_collections.cloudbridge.hybrid_vpn.plugins.module_utils._gcp import GcpApiError, GcpModule, regional_path


def main():
    module = GcpModule(
        argument_spec=dict(name=dict(type="str", required=True), region=dict(type="str", required=True),
                           include_router=dict(type="bool", default=False)),
        operations=False,
        supports_check_mode=True,
    )
    p = module.params
    path = regional_path(p["project"], p["region"], "routers", p["name"])
    extra = {}
    try:
        if p["include_router"]:
            extra["router"] = module.compute.get(path)
        status = module.compute.get(path + "/getRouterStatus")
    except GcpApiError as e:
        module.fail_api(e, f"status of Cloud Router {p['name']}", verb="read")
    result = (status or {}).get("result", {})
    module.exit_json(
        changed=False,
        exists=status is not None,
        bgp_peers=result.get("bgpPeerStatus", []),
        best_routes=result.get("bestRoutes", []),
        network=result.get("network"),
        **extra,
    )


if __name__ == "__main__":
    main()
