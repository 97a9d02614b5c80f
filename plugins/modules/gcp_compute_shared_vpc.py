# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: gcp_compute_shared_vpc
short_description: Make a project a Shared VPC host and attach exactly the listed service projects
version_added: 0.2.0
description:
  - Manages the Shared VPC (XPN) state of the host project O(project) as a whole
    (C(projects.enableXpnHost), C(enableXpnResource), C(disableXpnResource), C(disableXpnHost)).
  - With O(state=present) the host is enabled, every project of O(service_projects) is attached, and a
    service project attached to this host but no longer listed is detached.
  - With O(state=absent) every service project is detached, then the host is disabled (the API refuses to
    disable a host that still has service projects).
  - Every listed project is read before anything changes; a project that does not exist, or that is attached
    to another host, fails the call before any change.
options:
  service_projects:
    description:
      - Ids of the service projects to attach, as the complete set. Ignored with O(state=absent).
    type: list
    elements: str
    default: []
  state:
    description: Whether O(project) is a Shared VPC host with these service projects.
    type: str
    choices: [present, absent]
    default: present
attributes:
  check_mode:
    support: full
    description: Reads the projects and returns what would be attached and detached.
  diff_mode:
    support: full
    description: Shows the host status and the attached service projects before and after.
extends_documentation_fragment:
  - cloudbridge.hybrid_vpn.gcp
  - cloudbridge.hybrid_vpn.gcp.operation
author:
  - cloudbridge network engineering (@cloudbridge)
"""

EXAMPLES = r"""
- name: Host project with two service projects
  cloudbridge.hybrid_vpn.gcp_compute_shared_vpc:
    project: cb-net-host
    auth_kind: application
    service_projects: [cb-svc-ml, cb-svc-api]

- name: Detach everything and disable the host
  cloudbridge.hybrid_vpn.gcp_compute_shared_vpc:
    project: cb-net-host
    auth_kind: application
    state: absent
"""

RETURN = r"""
host_project:
  description: The host project id.
  returned: always
  type: str
  sample: cb-net-host
xpn_host:
  description: Whether the project is (or in check mode would be) a Shared VPC host.
  returned: always
  type: bool
service_projects:
  description: The service projects attached after the call (in check mode, those that would be).
  returned: always
  type: list
  elements: str
  sample: [cb-svc-api, cb-svc-ml]
attached:
  description: Projects attached by this call.
  returned: always
  type: list
  elements: str
detached:
  description: Projects detached by this call.
  returned: always
  type: list
  elements: str
"""

from concurrent.futures import ThreadPoolExecutor

from ansible_collections.cloudbridge.hybrid_vpn.plugins.module_utils._gcp import GcpApiError, GcpModule


def plan_xpn(host_enabled, attached, desired, state):
    """What to do, as a dict: enable_host, attach, detach (sorted lists), disable_host."""
    attached, desired = set(attached), set(desired) if state == "present" else set()
    return {
        "enable_host": state == "present" and not host_enabled,
        "attach": sorted(desired - attached),
        "detach": sorted(attached - desired),
        "disable_host": state == "absent" and host_enabled,
    }


def check_service_projects(host, desired, hosts_of):
    """Problems with the desired service projects: ``hosts_of`` maps each to its current host ("" when not
    attached, None when the project does not exist)."""
    problems = []
    for project in desired:
        current = hosts_of[project]
        if project == host:
            problems.append(f"{project} is the host project itself")
        elif current is None:
            problems.append(f"project {project} does not exist or is not visible")
        elif current not in ("", host):
            problems.append(f"project {project} is already attached to host project {current}")
    return problems


def _host_of(compute, project):
    if compute.get(f"projects/{project}") is None:
        return None
    return compute.request("GET", f"projects/{project}/getXpnHost").get("name", "")


def main():
    module = GcpModule(
        argument_spec=dict(
            service_projects=dict(type="list", elements="str", default=[]),
            state=dict(type="str", choices=["present", "absent"], default="present"),
        ),
        supports_check_mode=True,
    )
    p = module.params
    host = p["project"]
    desired = sorted(set(p["service_projects"])) if p["state"] == "present" else []
    try:
        compute = module.compute
        project = compute.get(f"projects/{host}")
        if project is None:
            module.fail(f"Shared VPC host project {host}", "the project does not exist or is not visible")
        enabled = project.get("xpnProjectStatus") == "HOST"
        resources = compute.request("GET", f"projects/{host}/getXpnResources").get("resources", [])
        attached = sorted(r["id"] for r in resources if r.get("type") == "PROJECT")
        new = [d for d in desired if d not in attached]
        with ThreadPoolExecutor(max_workers=max(1, len(new))) as pool:
            hosts_of = dict(zip(new, pool.map(lambda d: _host_of(compute, d), new), strict=True))
        problems = check_service_projects(host, new, hosts_of)
        if problems:
            module.fail(f"Shared VPC host project {host}", "; ".join(problems), verb="attach service projects to")
        plan = plan_xpn(enabled, attached, desired, p["state"])
        after_enabled = (enabled or plan["enable_host"]) and not plan["disable_host"]
        before = {"xpn_host": enabled, "service_projects": attached}
        after = {"xpn_host": after_enabled, "service_projects": desired}
        changed = before != after
        if changed and not module.check_mode:

            def body(d):
                return {"xpnResource": {"id": d, "type": "PROJECT"}}

            if plan["enable_host"]:
                module.wait([compute.mutate("POST", f"projects/{host}/enableXpnHost")])
            module.wait([compute.mutate("POST", f"projects/{host}/disableXpnResource", body(d))
                         for d in plan["detach"]])
            module.wait([compute.mutate("POST", f"projects/{host}/enableXpnResource", body(d))
                         for d in plan["attach"]])
            if plan["disable_host"]:
                module.wait([compute.mutate("POST", f"projects/{host}/disableXpnHost")])
    except GcpApiError as e:
        module.fail_api(e, f"Shared VPC host project {host}")
    module.exit_json(changed=changed, host_project=host, xpn_host=after_enabled, service_projects=desired,
                     attached=plan["attach"], detached=plan["detach"],
                     **(module.diff(before, after) if changed else {}))


if __name__ == "__main__":
    main()
