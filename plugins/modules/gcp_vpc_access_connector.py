# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: gcp_vpc_access_connector
short_description: Create, scale or delete a Serverless VPC Access connector
version_added: 0.2.0
description:
  - Manages a Serverless VPC Access connector (Serverless VPC Access v1 C(projects.locations.connectors)) of
    O(project), on an O(ip_cidr_range) of O(network) or on an existing /28 O(subnet).
  - Before creating, the name, the /28 range and its overlap with every subnetwork of the network are checked,
    so a bad range fails before anything changes (the API only finds an overlap after creating, and leaves a
    connector in C(ERROR) behind).
  - Machine type and instance bounds change in place (C(patch)); a change of network, range or subnet replaces
    the connector (delete, then create).
  - Waits until the connector is C(READY) (or gone); run it with C(async) and C(async_status) to create
    several connectors in parallel and see progress while they come up.
  - A connector this module creates is recorded in the project's common instance metadata under O(record_key)
    (before it is created; removed once it is deleted), so that a later run knows which connectors are its own (see
    M(cloudbridge.hybrid_vpn.gcp_vpc_access_connector_info)). A connector that existed before is managed but
    not recorded.
options:
  name:
    description: Connector id (1 to 25 characters, lower case letters, digits and hyphens, starting with a letter).
    type: str
    required: true
  region:
    description: Region of the connector.
    type: str
    required: true
  network:
    description: Network name, with O(ip_cidr_range).
    type: str
  ip_cidr_range:
    description: An unused /28 range of O(network). Mutually exclusive with O(subnet).
    type: str
  subnet:
    description: An existing /28 subnetwork to house the connector (e.g. one shared from a Shared VPC host).
    type: dict
    suboptions:
      name:
        description: Subnetwork name, in O(region).
        type: str
        required: true
      project_id:
        description: Project of the subnetwork; O(project) when not set.
        type: str
  machine_type:
    description: Machine type of the connector instances.
    type: str
    default: e2-micro
  min_instances:
    description: Minimum instances (2 to 9).
    type: int
    default: 2
  max_instances:
    description: Maximum instances (3 to 10, above O(min_instances)).
    type: int
    default: 3
  record_key:
    description: Metadata key of the record of the connectors this module created.
    type: str
    default: cloudbridge-vpc-access-connectors
  scopes:
    description: OAuth2 scopes; Serverless VPC Access needs the cloud-platform scope.
    type: list
    elements: str
    default: [https://www.googleapis.com/auth/cloud-platform]
  state:
    description: Whether the connector exists.
    type: str
    choices: [present, absent]
    default: present
attributes:
  check_mode:
    support: full
    description: Runs the same checks and returns the connector as it would be.
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
- name: Connector for App Engine and Cloud Run in Tokyo
  cloudbridge.hybrid_vpn.gcp_vpc_access_connector:
    project: cb-net-host
    auth_kind: application
    region: asia-northeast1
    name: svpc-tokyo
    network: vpc-hub
    ip_cidr_range: 10.100.240.0/28
    max_instances: 3
"""

RETURN = r"""
connector:
  description: The connector as the API returns it; empty after O(state=absent).
  returned: always
  type: dict
  sample:
    name: projects/cb-net-host/locations/asia-northeast1/connectors/svpc-tokyo
    network: vpc-hub
    ipCidrRange: 10.100.240.0/28
    state: READY
action:
  description: What was (or in check mode would be) done.
  returned: changed and O(state=present)
  type: str
  choices: [create, replace, update]
"""

import time

from ansible_collections.cloudbridge.hybrid_vpn.plugins.module_utils._gcp import (
    CLOUD_PLATFORM_SCOPES,
    VPCACCESS_URL,
    GcpApiError,
    GcpModule,
    ProjectRecord,
    compact,
)
from ansible_collections.cloudbridge.hybrid_vpn.plugins.module_utils._shared_vpc import (
    connector_problems,
    range_overlaps,
)

IMMUTABLE = ("network", "ipCidrRange", "subnet")
SCALABLE = ("machineType", "minInstances", "maxInstances")


def desired_connector(params):
    subnet = params["subnet"]
    return compact({
        "network": params["network"] if not subnet else None,
        "ipCidrRange": params["ip_cidr_range"],
        "subnet": {"name": subnet["name"], "projectId": subnet["project_id"] or params["project"]} if subnet else None,
        "machineType": params["machine_type"],
        "minInstances": params["min_instances"],
        "maxInstances": params["max_instances"],
    })


def input_problems(params):
    """What is wrong with the options alone."""
    problems = connector_problems(params, "connector")
    if params["ip_cidr_range"] and not params["network"]:
        problems.append("ip_cidr_range needs network")
    return problems


def plan_connector(current, desired):
    if current is None:
        return "create"
    if current.get("state") == "ERROR" or any(current.get(k) != desired.get(k) for k in IMMUTABLE):
        return "replace"
    if any(current.get(k) != desired.get(k) for k in SCALABLE):
        return "update"
    return None


def recorded(record, region, name, present):
    """The connector record (region -> sorted connector names) with ``name`` in ``region`` added or removed."""
    names = set(record.get(region, [])) | {name} if present else set(record.get(region, [])) - {name}
    return {r: n for r, n in {**record, region: sorted(names)}.items() if n}


def _view(current):
    return {k: current.get(k) for k in (*IMMUTABLE, *SCALABLE) if current.get(k) is not None} if current else {}


def main():
    module = GcpModule(
        argument_spec=dict(
            name=dict(type="str", required=True),
            region=dict(type="str", required=True),
            network=dict(type="str"),
            ip_cidr_range=dict(type="str"),
            subnet=dict(type="dict", options=dict(name=dict(type="str", required=True),
                                                  project_id=dict(type="str"))),
            machine_type=dict(type="str", default="e2-micro"),
            min_instances=dict(type="int", default=2),
            max_instances=dict(type="int", default=3),
            record_key=dict(type="str", default="cloudbridge-vpc-access-connectors", no_log=False),
            scopes=dict(type="list", elements="str", default=CLOUD_PLATFORM_SCOPES),
            state=dict(type="str", choices=["present", "absent"], default="present"),
        ),
        supports_check_mode=True,
    )
    p = module.params
    thing = f"Serverless VPC Access connector {p['name']} in {p['region']}"
    if p["state"] == "present":
        problems = input_problems(p)
        if problems:
            module.fail(thing, "; ".join(problems))
    parent = f"projects/{p['project']}/locations/{p['region']}"
    path = f"{parent}/connectors/{p['name']}"
    try:
        api = module.client(VPCACCESS_URL)
        current = api.get(path)
        deadline = time.monotonic() + p["timeout"]
        while current and current.get("state") == "DELETING" and time.monotonic() < deadline:
            api.sleep(api.poll)  # someone else's delete: wait until it is gone
            current = api.get(path)
        record = ProjectRecord(module, p["project"], p["record_key"])
        if p["state"] == "absent":
            mine = p["name"] in record.read().get(p["region"], [])
            if current is None and not mine:
                module.exit_json(changed=False, connector={})
            if not module.check_mode:
                if current is not None:
                    api.wait_long_running([api.request("DELETE", path)], p["timeout"], module.log)
                record.update(lambda r: recorded(r, p["region"], p["name"], False))
            module.exit_json(changed=True, connector={}, **module.diff(_view(current), None))
        desired = desired_connector(p)
        action = plan_connector(current, desired)
        if action in ("create", "replace") and p["ip_cidr_range"]:
            clashes = _subnetwork_clashes(module, p)
            if clashes:
                module.fail(thing, f"ip_cidr_range {p['ip_cidr_range']} overlaps subnetwork(s) of {p['network']}: "
                            + ", ".join(clashes))
        if action is None:
            module.exit_json(changed=False, connector=current)
        extras = dict(action=action, **module.diff(_view(current), desired))
        if module.check_mode:
            module.exit_json(changed=True, connector=dict(current or {}, **desired), **extras)
        if action == "update":
            mask = ",".join(k for k in SCALABLE if current.get(k) != desired[k])
            op = api.request("PATCH", path, {k: desired[k] for k in SCALABLE}, params={"updateMask": mask})
            api.wait_long_running([op], p["timeout"], module.log)
        else:
            if action == "replace":
                api.wait_long_running([api.request("DELETE", path)], p["timeout"], module.log)
            else:  # recorded before it exists, so it is never left unrecorded; a replaced one keeps its state
                record.update(lambda r: recorded(r, p["region"], p["name"], True))
            op = api.request("POST", f"{parent}/connectors", desired, params={"connectorId": p["name"]})
            api.wait_long_running([op], p["timeout"], module.log)
        connector = api.get(path)
    except GcpApiError as e:
        module.fail_api(e, thing)
    module.exit_json(changed=True, connector=connector, **extras)


def _subnetwork_clashes(module, p):
    network = module.compute.get(f"projects/{p['project']}/global/networks/{p['network']}")
    if network is None and module.check_mode:
        # e.g. a check run on an empty project whose network the same run would create first
        module.warn(f"network {p['network']} does not exist (yet) in {p['project']}: connector range not checked")
        return []
    if network is None:
        module.fail(f"Serverless VPC Access connector {p['name']}",
                    f"network {p['network']} not found in {p['project']}")
    subnets = [module.compute.get(link) for link in network.get("subnetworks", [])]
    return range_overlaps(p["ip_cidr_range"], [s for s in subnets if s])


if __name__ == "__main__":
    main()
