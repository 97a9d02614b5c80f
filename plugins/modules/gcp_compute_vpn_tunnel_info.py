# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: gcp_compute_vpn_tunnel_info
short_description: Read VPN tunnels and their status
version_added: 0.1.0
description:
  - Lists the VPN tunnels of a region, or the named ones, with C(status) and C(detailedStatus)
    (for example C(ESTABLISHED), C(NO_INCOMING_PACKETS), C(AUTHORIZATION_ERROR)).
  - Never returns a shared secret or its hash.
options:
  region:
    description: Region of the tunnels.
    type: str
    required: true
  names:
    description: Only these tunnels, in this order; a missing tunnel is left out. All tunnels when omitted.
    type: list
    elements: str
extends_documentation_fragment:
  - cloudbridge.hybrid_vpn.attributes.info
  - cloudbridge.hybrid_vpn.gcp
author:
  - cloudbridge network engineering (@cloudbridge)
"""

EXAMPLES = r"""
- name: Wait for the four tunnels to come up
  cloudbridge.hybrid_vpn.gcp_compute_vpn_tunnel_info:
    project: cb-net-host
    auth_kind: application
    region: asia-northeast1
    names: [aws-tunnel-0, aws-tunnel-1, aws-tunnel-2, aws-tunnel-3]
  register: info
  until: info.tunnels | map(attribute='status') | unique == ['ESTABLISHED']
  retries: 30
  delay: 10
"""

RETURN = r"""
tunnels:
  description: The tunnels as the API returns them, without C(sharedSecret) and C(sharedSecretHash).
  returned: always
  type: list
  elements: dict
  sample:
    - name: aws-tunnel-0
      status: ESTABLISHED
      detailedStatus: Tunnel is up and running.
      peerIp: 3.130.56.250
"""

from ansible_collections.cloudbridge.hybrid_vpn.plugins.module_utils._gcp import (
    GcpApiError,
    GcpModule,
    public,
    regional_path,
)


def select(tunnels, names):
    """The tunnels named (in that order), or all of them; secrets removed."""
    if names is None:
        return [public(t) for t in tunnels]
    by_name = {t["name"]: t for t in tunnels}
    return [public(by_name[n]) for n in names if n in by_name]


def main():
    module = GcpModule(
        argument_spec=dict(region=dict(type="str", required=True), names=dict(type="list", elements="str")),
        operations=False,
        supports_check_mode=True,
    )
    p = module.params
    try:
        tunnels = module.compute.list(regional_path(p["project"], p["region"], "vpnTunnels"))
    except GcpApiError as e:
        module.fail_api(e, f"VPN tunnels in {p['region']}", verb="read")
    module.exit_json(changed=False, tunnels=select(tunnels, p["names"]))


if __name__ == "__main__":
    main()
