# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: gcp_iam_member_grants
short_description: Grant roles to listed members on subnetworks and on the project, keeping everyone else's
version_added: 0.2.0
description:
  - For each entry of O(bindings), merges its role for the listed members into the IAM policy of each listed
    subnetwork of O(project) (Compute C(subnetworks.getIamPolicy) / C(setIamPolicy)) and, with
    O(bindings[].project_members), of the project itself (Cloud Resource Manager v1 C(projects.getIamPolicy) /
    C(setIamPolicy)). Each policy is read once and written at most once per call, whatever the number of roles.
  - Every write carries the etag of the policy it was computed from; a write refused because the policy changed
    meanwhile (409 C(ABORTED)) is read again, merged again and retried.
  - Only the members this module granted are ever removed; bindings and members someone else added are kept.
    What the module granted is recorded in the cloud, in the host project's common instance metadata under
    O(record_key) (a JSON document written with the metadata fingerprint), so a member dropped from the list
    loses this role on the next run, and only that member.
  - With O(state=absent) every grant the record holds for the roles of O(bindings) is removed, then their
    record entries.
  - Members are checked before any call; a subnetwork that does not exist in its region fails the call before
    any change (in check mode it is shown with an empty policy and a warning, as a run may create it first).
options:
  bindings:
    description: One entry per role, each with the complete lists of members this module manages for that role.
    type: list
    elements: dict
    required: true
    suboptions:
      role:
        description: The role granted, e.g. C(roles/compute.networkUser).
        type: str
        required: true
      subnetworks:
        description:
          - The subnetworks of O(project) to grant the role on, each with its members. A subnetwork dropped from
            this list loses the grants the record holds for it.
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
        description: Principals granted the role on the project O(project) itself.
        type: list
        elements: str
        default: []
  exclusive:
    description:
      - O(bindings) lists every role this module manages under O(record_key), so what the record holds for a role no
        longer listed is revoked too (with O(state=absent), every role of the record).
    type: bool
    default: false
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
    description: Shows, per role and resource, the members holding the role before and after.
extends_documentation_fragment:
  - cloudbridge.hybrid_vpn.gcp
  - cloudbridge.hybrid_vpn.gcp.operation
author:
  - cloudbridge network engineering (@cloudbridge)
"""

EXAMPLES = r"""
- name: Service projects use a shared subnetwork; their serverless agents use the connectors
  cloudbridge.hybrid_vpn.gcp_iam_member_grants:
    project: cb-net-host
    auth_kind: application
    bindings:
      - role: roles/compute.networkUser
        subnetworks:
          - name: ml-tokyo
            region: asia-northeast1
            members:
              - serviceAccount:480211350147@cloudservices.gserviceaccount.com
              - group:ml-engineers@example.com
      - role: roles/vpcaccess.user
        project_members: [serviceAccount:service-480211350147@serverless-robot-prod.iam.gserviceaccount.com]

- name: Revoke everything granted for these roles
  cloudbridge.hybrid_vpn.gcp_iam_member_grants:
    project: cb-net-host
    auth_kind: application
    bindings: [{role: roles/compute.networkUser}, {role: roles/vpcaccess.user}]
    state: absent
"""

RETURN = r"""
grants:
  description:
    - Role -> resource path -> the listed members, who hold the role after the call.
    - A member who held the role before this module granted it is kept out of the record, so dropping it from
      the list (or O(state=absent)) leaves its access as it was.
  returned: always
  type: dict
  sample:
    roles/compute.networkUser:
      projects/cb-net-host/regions/asia-northeast1/subnetworks/ml-tokyo: [group:ml-engineers@example.com]
updated:
  description: Resource paths whose policy was (or in check mode would be) written.
  returned: always
  type: list
  elements: str
"""

from concurrent.futures import ThreadPoolExecutor

from ansible_collections.cloudbridge.hybrid_vpn.plugins.module_utils._gcp import (
    CLOUD_PLATFORM_SCOPES,
    CRM_URL,
    GcpApiError,
    GcpModule,
    ProjectRecord,
    read_modify_write,
)
from ansible_collections.cloudbridge.hybrid_vpn.plugins.module_utils._shared_vpc import member_problems


def desired_grants(params):
    """Role -> resource path -> set of members, from the options (empty sets with state=absent)."""
    grants = {}
    for binding in params["bindings"]:
        role = grants.setdefault(binding["role"], {})
        if params["state"] == "absent":
            continue
        for s in binding["subnetworks"]:
            role[f"projects/{params['project']}/regions/{s['region']}/subnetworks/{s['name']}"] = set(s["members"])
        if binding["project_members"]:
            role[f"projects/{params['project']}"] = set(binding["project_members"])
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


def merge_roles(policy, resource, desired, granted):
    """``merge_policy`` for every role on one resource; None when nothing changes."""
    changed = None
    for role in desired:
        merged = merge_policy(changed or policy, role, desired[role].get(resource, set()),
                              granted.get(role, {}).get(resource, set()))
        changed = merged or changed
    return changed


def owned_grants(desired, granted, policies):
    """What this module holds after the call: each desired member it granted before, or that lacks the role now
    (it grants it). A member who already held the role by someone else's grant stays theirs: never recorded, so
    never revoked when it is dropped from the list."""
    return {role: {r: (members & granted[role].get(r, set())) | (members - role_members(policies[r], role))
                   for r, members in by_resource.items()}
            for role, by_resource in desired.items()}


def _sorted(grants):
    return {role: {r: sorted(m) for r, m in by_resource.items() if m} for role, by_resource in grants.items()}


class Grants:
    """The reads and writes of one run: the record on the host project, one policy per resource."""

    def __init__(self, module):
        self.module = module
        self.compute = module.compute
        self.crm = module.client(CRM_URL)
        self.record = ProjectRecord(module, module.params["project"], module.params["record_key"])

    def write_record(self, entries):
        """Set the record's entry of each role in ``entries``; an empty entry drops the role."""
        self.record.update(lambda record: {r: e for r, e in {**record, **entries}.items() if e})

    def get_policy(self, resource):
        if "/subnetworks/" in resource:
            return self.compute.request("GET", f"{resource}/getIamPolicy")
        return self.crm.request("POST", f"{resource}:getIamPolicy", {})

    def set_policy(self, resource, policy):
        if "/subnetworks/" in resource:
            return self.compute.request("POST", f"{resource}/setIamPolicy", {"policy": policy})
        return self.crm.request("POST", f"{resource}:setIamPolicy", {"policy": policy})

    def policy_or_none(self, resource):
        try:
            return self.get_policy(resource)
        except GcpApiError as e:
            if e.status == 404:
                return None
            raise


def main():
    module = GcpModule(
        argument_spec=dict(
            bindings=dict(type="list", elements="dict", required=True, options=dict(
                role=dict(type="str", required=True),
                subnetworks=dict(type="list", elements="dict", default=[], options=dict(
                    name=dict(type="str", required=True),
                    region=dict(type="str", required=True),
                    members=dict(type="list", elements="str", default=[]),
                )),
                project_members=dict(type="list", elements="str", default=[]),
            )),
            record_key=dict(type="str", default="cloudbridge-iam-grants", no_log=False),
            exclusive=dict(type="bool", default=False),
            scopes=dict(type="list", elements="str", default=CLOUD_PLATFORM_SCOPES),
            state=dict(type="str", choices=["present", "absent"], default="present"),
        ),
        supports_check_mode=True,
    )
    p = module.params
    thing = f"IAM grants ({', '.join(b['role'] for b in p['bindings'])}) in {p['project']}"
    problems = [x for b in p["bindings"] for s in b["subnetworks"]
                for x in member_problems(f"{b['role']} on subnetwork {s['name']}", s["members"])]
    problems += [x for b in p["bindings"]
                 for x in member_problems(f"{b['role']} on project {p['project']}", b["project_members"])]
    if problems:
        module.fail(thing, "; ".join(problems))
    desired = desired_grants(p)
    try:
        grants = Grants(module)
        record = grants.record.read()
        if p["exclusive"]:  # a role dropped from bindings: everything granted for it is revoked
            desired.update({role: {} for role in record if role not in desired})
        granted = {role: {r: set(m) for r, m in record.get(role, {}).items()} for role in desired}
        resources = sorted({r for by_resource in [*desired.values(), *granted.values()] for r in by_resource})
        with ThreadPoolExecutor(max_workers=max(1, len(resources))) as pool:
            policies = dict(zip(resources, pool.map(grants.policy_or_none, resources), strict=True))
        missing = sorted({r for by_resource in desired.values() for r in by_resource if policies[r] is None})
        if missing and module.check_mode:
            # e.g. a check run that would create the subnetworks first: shown as granted on an empty policy
            module.warn("not found (yet), shown with an empty policy: " + ", ".join(missing))
            policies.update({r: {} for r in missing})
        elif missing:
            module.fail(thing, "not found: " + ", ".join(missing)
                        + " (a subnetwork must exist in the region given with it)")
        live = [r for r in resources if policies[r] is not None]
        plans = {r: merge_roles(policies[r], r, desired, granted) for r in live}
        updated = sorted(r for r, plan in plans.items() if plan is not None)
        final = _sorted(desired)
        owned = _sorted(owned_grants(desired, granted, policies))
        record_changes = owned != _sorted(granted)
        before = {role: {r: sorted(role_members(policies[r], role)) for r in live} for role in desired}
        after = {role: {r: sorted(role_members(plans[r] or policies[r], role)) for r in live} for role in desired}
        if not module.check_mode and (updated or record_changes):
            # Recorded before granting (a grant is never left unrecorded), trimmed after revoking.
            grants.write_record({role: {r: sorted(set(owned.get(role, {}).get(r, [])) | granted[role].get(r, set()))
                                        for r in set(owned.get(role, {})) | set(granted[role])}
                                 for role in desired})
            with ThreadPoolExecutor(max_workers=max(1, len(updated))) as pool:
                list(pool.map(lambda r: read_modify_write(
                    lambda: grants.get_policy(r), lambda new: grants.set_policy(r, new),
                    lambda cur: merge_roles(cur, r, desired, granted)), updated))
            grants.write_record(owned)
    except GcpApiError as e:
        module.fail_api(e, thing)
    changed = bool(updated) or record_changes
    module.exit_json(changed=changed, grants=final, updated=updated,
                     **(module.diff(before, after) if changed else {}))


if __name__ == "__main__":
    main()
