# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: gcp_compute_network_info
short_description: Check that a project (and a region and a VPC network) exist, with the credentials given
version_added: 0.2.0
description:
  - Reads the project (C(projects.get)), the region (C(regions.get)) and the network (C(networks.get)), in that
    order, and fails naming the first one missing or refused (HTTP 401 for credentials GCP does not accept, 403
    for credentials that may not act in the project). Without O(region) and O(network), reads the project only.
  - A preflight check, which also proves the credentials work for the project before anything is built on either
    cloud.
options:
  region:
    description: Region that must exist; omitted, not read.
    type: str
  network:
    description: VPC network that must exist in O(project); omitted, not read.
    type: str
extends_documentation_fragment:
  - cloudbridge.hybrid_vpn.attributes.info
  - cloudbridge.hybrid_vpn.gcp
author:
  - cloudbridge network engineering (@cloudbridge)
"""

EXAMPLES = r"""
- name: Check the host project, its region and its hub network
  cloudbridge.hybrid_vpn.gcp_compute_network_info:
    project: cb-net-host
    auth_kind: application
    region: asia-northeast1
    network: vpc-hub

- name: Check the credentials may act in a service project
  cloudbridge.hybrid_vpn.gcp_compute_network_info:
    project: cb-svc-ml
    auth_kind: application
"""

RETURN = r"""
project:
  description: The project as projects.get returns it.
  returned: success
  type: dict
network:
  description: The network as networks.get returns it.
  returned: success, with O(network)
  type: dict
  sample: {name: vpc-hub, selfLink: "https://www.googleapis.com/compute/v1/projects/cb-net-host/global/networks/vpc-hub"}
"""

from ansible_collections.cloudbridge.hybrid_vpn.plugins.module_utils._gcp import GcpApiError, GcpModule, global_path


def main():
    module = GcpModule(
        argument_spec=dict(region=dict(type="str"), network=dict(type="str")),
        operations=False,
        supports_check_mode=True,
    )
    p = module.params
    found = {}
    for key, path, what in (
        ("project", f"projects/{p['project']}", f"project {p['project']}"),
        ("region", f"projects/{p['project']}/regions/{p['region']}", f"region {p['region']}"),
        ("network", global_path(p["project"], "networks", p["network"]),
         f"network {p['network']} in project {p['project']}"),
    ):
        if key != "project" and p[key] is None:
            continue
        try:
            found[key] = module.compute.get(path)
        except GcpApiError as e:
            module.fail_api(e, what, verb="read")
        if found[key] is None:
            module.fail(what, "it does not exist (HTTP 404)", verb="find")
    found.pop("region", None)  # checked, not returned
    module.exit_json(changed=False, **found)


if __name__ == "__main__":
    main()
