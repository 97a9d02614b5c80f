# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: gcp_iam_member_grants
short_description: Grant one role to listed members on subnetworks and on the project, keeping everyone else's
version_added: 0.2.0
description:
  - Merges O(role) for the listed members into the IAM policy of each listed subnetwork of O(project)
    (Compute C(subnetworks.getIamPolicy) / C(setIamPolicy)) and, with O(project_members), of the project itself
    (Cloud Resource Manager v1 C(projects.getIamPolicy) / C(setIamPolicy)).
  - Every write carries the etag of the policy it was computed from; a write refused because the policy changed
    meanwhile (409 C(ABORTED)) is read again, merged again and retried.
  - Only the members this module granted are ever removed; bindings and members someone else added are kept.
    What the module granted is recorded in the cloud, in the host project's common instance metadata under
    O(record_key) (a JSON document written with the metadata fingerprint), so a member dropped from the list
    loses this role on the next run, and only that member.
  - With O(state=absent) every grant the record holds for O(role) is removed, then the record entry.
  - Members are checked before any call; a subnetwork that does not exist in its region fails the call before
    any change.
options:
  role:
    description: The role granted.
    type: str
    default: roles/compute.networkUser
  subnetworks:
    description:
      - The subnetworks of O(project) to grant O(role) on, each with the complete list of members this module
        manages there. A subnetwork dropped from this list loses the grants the record holds for it.
    type: list
    elements: dict
    default: []
    suboptions:
      name:
        description: Subnetwork name.
        type: str
        required: true
      region:
        description: Region of the subnetwork.
        type: str
        required: true
      members:
        description: Principals, each C(user:EMAIL), C(serviceAccount:EMAIL), C(group:EMAIL) or C(domain:DOMAIN).
        type: list
        elements: str
        default: []
  project_members:
    description:
      - Principals granted O(role) on the project O(project) itself (project-level Shared VPC access), the
        complete list this module manages there.
    type: list
    elements: str
    default: []
  record_key:
    description: Metadata key of the record of what this module granted.
    type: str
    default: cloudbridge-iam-grants
  scopes:
    description: OAuth2 scopes; Resource Manager needs the cloud-platform scope.
    type: list
    elements: str
    default: [https://www.googleapis.com/auth/cloud-platform]
  state:
    description: Whether the grants exist.
    type: str
    choices: [present, absent]
    default: present
attributes:
  check_mode:
    support: full
    description: Reads every policy and returns what would be granted and revoked.
  diff_mode:
    support: full
    description: Shows, per resource, the members holding O(role) before and after.
extends_documentation_fragment:
  - cloudbridge.hybrid_vpn.gcp
  - cloudbridge.hybrid_vpn.gcp.operation
author:
  - cloudbridge network engineering
"""

EXAMPLES = r"""
- name: Service projects use two shared subnetworks
  cloudbridge.hybrid_vpn.gcp_iam_member_grants:
    project: cb-net-host
    auth_kind: application
    subnetworks:
      - name: ml-tokyo
        region: asia-northeast1
        members:
          - serviceAccount:480211350147@cloudservices.gserviceaccount.com
          - group:ml-engineers@example.com

- name: Project-level access instead
  cloudbridge.hybrid_vpn.gcp_iam_member_grants:
    project: cb-net-host
    auth_kind: application
    project_members: [serviceAccount:480211350288@cloudservices.gserviceaccount.com]
"""

RETURN = r"""
grants:
  description: Resource path -> members holding O(role) through this module after the call.
  returned: always
  type: dict
  sample: {projects/cb-net-host/regions/asia-northeast1/subnetworks/ml-tokyo: [group:ml-engineers@example.com]}
updated:
  description: Resource paths whose policy was (or in check mode would be) written.
  returned: always
  type: list
  elements: str
"""

import json
from concurrent.futures import ThreadPoolExecutor

from ansible_collections.cloudbridge.hybrid_vpn.plugins.module_utils._gcp import (
    CLOUD_PLATFORM_SCOPES,
    CRM_URL,
    GcpApiError,
    GcpModule,
    read_modify_write,
)
from ansible_collections.cloudbridge.hybrid_vpn.plugins.module_utils._shared_vpc import member_problems


def desired_grants(params):
    """Resource path -> set of members, from the options (empty with state=absent)."""
    if params["state"] == "absent":
        return {}
    grants = {f"projects/{params['project']}/regions/{s['region']}/subnetworks/{s['name']}": set(s["members"])
              for s in params["subnetworks"]}
    if params["project_members"]:
        grants[f"projects/{params['project']}"] = set(params["project_members"])
    return grants


def role_members(policy, role):
    return {m for b in policy.get("bindings", []) if b.get("role") == role and not b.get("condition")
            for m in b.get("members", [])}


def merge_policy(policy, role, desired, granted_before):
    """The policy with ``desired`` holding ``role`` and the members this module granted before but no longer
    wants removed; everything else kept. None when nothing changes."""
    current = role_members(policy, role)
    members = (current - (set(granted_before) - set(desired))) | set(desired)
    if members == current:
        return None
    bindings = [b for b in policy.get("bindings", []) if b.get("role") != role or b.get("condition")]
    if members:
        bindings.append({"role": role, "members": sorted(members)})
    return {**policy, "bindings": bindings}


def record_items(metadata, key, record):
    """The metadata items with ``key`` holding ``record`` (dropped when empty); other items kept in order."""
    items = [i for i in metadata.get("items", []) if i["key"] != key]
    if record:
        items.append({"key": key, "value": json.dumps(record, sort_keys=True)})
    return items


def read_record(metadata, key):
    value = next((i.get("value") for i in metadata.get("items", []) if i["key"] == key), None)
    return json.loads(value) if value else {}


class Grants:
    """The reads and writes of one run: the record on the host project, one policy per resource."""

    def __init__(self, module):
        self.module = module
        self.compute = module.compute
        self.crm = module.client(CRM_URL)
        self.host = module.params["project"]
        self.key = module.params["record_key"]

    def metadata(self):
        return self.compute.request("GET", f"projects/{self.host}").get("commonInstanceMetadata", {})

    def write_record(self, role, entry):
        """Set the record's entry for ``role`` (fingerprint-guarded, re-read and retried when stale)."""
        def modify(metadata):
            record = read_record(metadata, self.key)
            if record.get(role, {}) == entry:
                return None
            record = {**record, role: entry} if entry else {r: e for r, e in record.items() if r != role}
            return {"fingerprint": metadata.get("fingerprint"), "items": record_items(metadata, self.key, record)}

        read_modify_write(self.metadata, lambda body: self.module.wait([self.compute.mutate(
            "POST", f"projects/{self.host}/setCommonInstanceMetadata", body)]), modify)

    def get_policy(self, resource):
        if "/subnetworks/" in resource:
            return self.compute.request("GET", f"{resource}/getIamPolicy")
        return self.crm.request("POST", f"{resource}:getIamPolicy", {})

    def set_policy(self, resource, policy):
        if "/subnetworks/" in resource:
            return self.compute.request("POST", f"{resource}/setIamPolicy", {"policy": policy})
        return self.crm.request("POST", f"{resource}:setIamPolicy", {"policy": policy})


def main():
    module = GcpModule(
        argument_spec=dict(
            role=dict(type="str", default="roles/compute.networkUser"),
            subnetworks=dict(type="list", elements="dict", default=[], options=dict(
                name=dict(type="str", required=True),
                region=dict(type="str", required=True),
                members=dict(type="list", elements="str", default=[]),
            )),
            project_members=dict(type="list", elements="str", default=[]),
            record_key=dict(type="str", default="cloudbridge-iam-grants", no_log=False),
            scopes=dict(type="list", elements="str", default=CLOUD_PLATFORM_SCOPES),
            state=dict(type="str", choices=["present", "absent"], default="present"),
        ),
        supports_check_mode=True,
    )
    p, role = module.params, module.params["role"]
    problems = [x for s in p["subnetworks"] for x in member_problems(f"subnetwork {s['name']}", s["members"])]
    problems += member_problems(f"project {p['project']}", p["project_members"])
    if problems:
        module.fail(f"{role} grants in {p['project']}", "; ".join(problems))
    desired = desired_grants(p)
    try:
        grants = Grants(module)
        granted = {r: set(m) for r, m in read_record(grants.metadata(), grants.key).get(role, {}).items()}
        resources = sorted(set(desired) | set(granted))
        with ThreadPoolExecutor(max_workers=max(1, len(resources))) as pool:
            policies = dict(zip(resources, pool.map(lambda r: _policy_or_none(grants, r), resources),
                                           strict=True))
        missing = [r for r in desired if policies[r] is None]
        if missing:
            module.fail(f"{role} grants in {p['project']}", "not found: " + ", ".join(missing)
                        + " (a subnetwork must exist in the region given with it)")
        live = [r for r in resources if policies[r] is not None]
        plans = {r: merge_policy(policies[r], role, desired.get(r, set()), granted.get(r, set())) for r in live}
        updated = sorted(r for r, plan in plans.items() if plan is not None)
        final = {r: sorted(m) for r, m in desired.items()}
        record_changes = final != {r: sorted(m) for r, m in granted.items()}
        before = {r: sorted(role_members(policies[r], role)) for r in live}
        after = {r: sorted(role_members(plans[r] or policies[r], role)) for r in live}
        if not module.check_mode and (updated or record_changes):
            # Recorded before granting (a grant is never left unrecorded), trimmed after revoking.
            grants.write_record(role, {r: sorted(set(final.get(r, [])) | granted.get(r, set()))
                                       for r in set(final) | set(granted)})
            for resource in updated:
                read_modify_write(lambda r=resource: grants.get_policy(r),
                                  lambda new, r=resource: grants.set_policy(r, new),
                                  lambda cur, r=resource: merge_policy(cur, role, desired.get(r, set()),
                                                                       granted.get(r, set())))
            grants.write_record(role, final)
    except GcpApiError as e:
        module.fail_api(e, f"{role} grants in {p['project']}")
    changed = bool(updated) or record_changes
    module.exit_json(changed=changed, grants=final, updated=updated,
                     **(module.diff(before, after) if changed else {}))


def _policy_or_none(grants, resource):
    try:
        return grants.get_policy(resource)
    except GcpApiError as e:
        if e.status == 404:
            return None
        raise


if __name__ == "__main__":
    main()
