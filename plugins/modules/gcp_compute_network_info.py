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
  subnetwork_regions:
    description:
      - Regions whose subnetworks to list (C(subnetworks.list), every page), returned as RV(subnetworks).
      - Through the collection's client, so throttling and server errors are retried with backoff, which
        C(google.cloud.gcp_compute_subnetwork_info) does not do.
    type: list
    elements: str
    default: []
  firewalls:
    description: Also list the project's firewall rules (C(firewalls.list)), returned as RV(firewalls).
    type: bool
    default: false
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
subnetworks:
  description: The subnetworks of O(subnetwork_regions) (every network's), as subnetworks.list returns them.
  returned: success
  type: list
  elements: dict
firewalls:
  description: The project's firewall rules as firewalls.list returns them, with O(firewalls).
  returned: success, with O(firewalls)
  type: list
  elements: dict
"""

from ansible_collections.cloudbridge.hybrid_vpn.plugins.module_utils._gcp import (
    GcpApiError,
    GcpModule,
    global_path,
    regional_path,
)


def main():
    module = GcpModule(
        argument_spec=dict(region=dict(type="str"), network=dict(type="str"),
                           subnetwork_regions=dict(type="list", elements="str", default=[]),
                           firewalls=dict(type="bool", default=False)),
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
    found["subnetworks"] = []
    for region in dict.fromkeys(p["subnetwork_regions"]):
        try:
            found["subnetworks"] += module.compute.list(regional_path(p["project"], region, "subnetworks"))
        except GcpApiError as e:
            module.fail_api(e, f"subnetworks of project {p['project']} in {region}", verb="list")
    if p["firewalls"]:
        try:
            found["firewalls"] = module.compute.list(global_path(p["project"], "firewalls"))
        except GcpApiError as e:
            module.fail_api(e, f"firewall rules of project {p['project']}", verb="list")
    module.exit_json(changed=False, **found)


if __name__ == "__main__":
    main()
