from unit.plugins.modules import gcp_shared_vpc_fake
from unit.plugins.modules.gcp_compute_fake import run_module
from unit.plugins.modules.gcp_shared_vpc_fake import SUBNET, record

from ansible_collections.cloudbridge.hybrid_vpn.plugins.module_utils import _gcp
from ansible_collections.cloudbridge.hybrid_vpn.plugins.modules import gcp_iam_member_grants as mod

google = gcp_shared_vpc_fake.google  # the fixture, used by name
ROLE = "roles/compute.networkUser"
SA = "serviceAccount:a@x.iam.gserviceaccount.com"
USER = "user:u@example.com"
OTHER = "group:theirs@example.com"


def subnet(*members, role=ROLE):
    return {"bindings": [{"role": role, "subnetworks": [{"name": "s1", "region": "r", "members": list(members)}]}]}


def test_merge_keeps_others_and_removes_only_what_was_granted():
    policy = {"etag": "e", "bindings": [{"role": ROLE, "members": [OTHER, SA, USER]},
                                        {"role": "roles/viewer", "members": [USER]}]}
    merged = mod.merge_policy(policy, ROLE, {SA}, {SA, USER})
    assert merged["bindings"] == [{"role": "roles/viewer", "members": [USER]}, {"role": ROLE, "members": [OTHER, SA]}]
    assert merged["etag"] == "e"
    assert mod.merge_policy(policy, ROLE, {SA, USER}, set()) is None


def test_desired_grants():
    params = {"project": "p", "state": "present", "bindings": [
        {"role": ROLE, "subnetworks": [{"name": "s1", "region": "r", "members": [SA]}], "project_members": [USER]},
        {"role": "roles/vpcaccess.user", "subnetworks": [], "project_members": []}]}
    assert mod.desired_grants(params) == {ROLE: {SUBNET: {SA}, "projects/p": {USER}}, "roles/vpcaccess.user": {}}
    assert mod.desired_grants(dict(params, state="absent")) == {ROLE: {}, "roles/vpcaccess.user": {}}


def test_merge_roles_applies_every_role_to_one_policy():
    policy = {"etag": "e", "bindings": [{"role": "roles/viewer", "members": [OTHER]}]}
    merged = mod.merge_roles(policy, "projects/p", {ROLE: {"projects/p": {SA}}, "roles/x.y": {"projects/p": {USER}}},
                             {})
    assert merged["bindings"] == [{"role": "roles/viewer", "members": [OTHER]}, {"role": ROLE, "members": [SA]},
                                  {"role": "roles/x.y", "members": [USER]}]
    assert mod.merge_roles(merged, "projects/p", {ROLE: {"projects/p": {SA}}}, {}) is None


def test_record_items_keep_other_metadata():
    items = _gcp.record_items({"items": [{"key": "other", "value": "1"}, {"key": "k", "value": "{}"}]}, "k", {"a": 1})
    assert items == [{"key": "other", "value": "1"}, {"key": "k", "value": '{"a": 1}'}]
    assert _gcp.record_items({"items": items}, "k", {}) == [{"key": "other", "value": "1"}]


def test_grants_records_and_reruns_clean(google):
    args = subnet(SA, USER)
    args["bindings"][0]["project_members"] = [USER]
    args["bindings"].append({"role": "roles/vpcaccess.user", "project_members": [SA]})
    first = run_module(mod, args, diff=True)
    assert first["changed"] is True and first["updated"] == ["projects/p", SUBNET]
    assert first["diff"]["after"][ROLE][SUBNET] == [SA, USER]
    assert google.subnets[SUBNET]["iam"]["bindings"] == [{"role": ROLE, "members": [SA, USER]}]
    assert google.projects["p"]["iam"]["bindings"] == [{"role": ROLE, "members": [USER]},
                                                       {"role": "roles/vpcaccess.user", "members": [SA]}]
    assert record(google) == {ROLE: {SUBNET: [SA, USER], "projects/p": [USER]}, "roles/vpcaccess.user": {
        "projects/p": [SA]}}
    assert {"key": "other", "value": "kept"} in google.metadata["items"]
    assert [u for _unused, u in google.calls].count("v1/projects/p:setIamPolicy") == 1
    assert run_module(mod, args)["changed"] is False


def test_dropped_member_loses_access_others_kept(google):
    run_module(mod, subnet(SA, USER))
    google.subnets[SUBNET]["iam"]["bindings"][0]["members"].append(OTHER)
    result = run_module(mod, subnet(SA))
    assert result["changed"] is True
    assert google.subnets[SUBNET]["iam"]["bindings"] == [{"role": ROLE, "members": [OTHER, SA]}]


def test_a_member_someone_else_granted_first_is_not_ours_to_revoke(google):
    run_module(mod, subnet(SA))
    google.subnets[SUBNET]["iam"]["bindings"][0]["members"].append(OTHER)  # granted by someone else
    listed = run_module(mod, subnet(SA, OTHER))
    assert (listed["changed"], listed["updated"]) == (False, [])  # it holds the role already: nothing to grant
    assert record(google) == {ROLE: {SUBNET: [SA]}}
    dropped = run_module(mod, subnet(SA))
    assert dropped["changed"] is False
    assert google.subnets[SUBNET]["iam"]["bindings"] == [{"role": ROLE, "members": [SA, OTHER]}]  # untouched
    run_module(mod, {"bindings": [{"role": ROLE}], "state": "absent"})
    assert google.subnets[SUBNET]["iam"]["bindings"] == [{"role": ROLE, "members": [OTHER]}]


def test_owned_grants_keep_what_was_ours_and_add_what_is_granted_now():
    policies = {SUBNET: {"bindings": [{"role": ROLE, "members": [SA, OTHER]}]}}
    owned = mod.owned_grants({ROLE: {SUBNET: {SA, OTHER, USER}}}, {ROLE: {SUBNET: {SA}}}, policies)
    assert owned == {ROLE: {SUBNET: {SA, USER}}}


def test_stale_etag_is_read_again_and_retried(google):
    google.stale = 1
    result = run_module(mod, subnet(SA))
    assert result["changed"] is True
    assert [u for _unused, u in google.calls].count(f"compute/v1/{SUBNET}/setIamPolicy") == 2
    assert google.subnets[SUBNET]["iam"]["bindings"] == [{"role": ROLE, "members": [SA]}]


def test_check_mode_writes_nothing(google):
    result = run_module(mod, subnet(SA), check=True, diff=True)
    assert (result["changed"], result["diff"]["after"]) == (True, {ROLE: {SUBNET: [SA]}})
    assert google.writes() == []


def test_bad_member_and_missing_subnetwork_fail_before_any_change(google):
    result = run_module(mod, subnet("sa@x.com"))
    assert result["msg"].startswith("Failed to ensure IAM grants (roles/compute.networkUser) in p: member 'sa@x.com' "
                                    "of roles/compute.networkUser on subnetwork s1: expected user:EMAIL")
    assert google.calls == []
    result = run_module(mod, {"bindings": [{"role": ROLE, "subnetworks": [{"name": "nope", "region": "r",
                                                                          "members": [SA]}]}]})
    assert result["msg"].endswith("not found: projects/p/regions/r/subnetworks/nope (a subnetwork must exist in the "
                                  "region given with it)")
    # In check mode (a run may create it first) it is shown on an empty policy, with a warning.
    check = run_module(mod, {"bindings": [{"role": ROLE, "subnetworks": [{"name": "nope", "region": "r",
                                                                         "members": [SA]}]}]}, check=True)
    assert check["changed"] is True and "not found (yet)" in str(check["warnings"])
    assert google.writes() == []


def test_absent_revokes_what_was_granted_then_reruns_clean(google):
    run_module(mod, subnet(SA))
    google.subnets[SUBNET]["iam"]["bindings"][0]["members"].append(OTHER)
    absent = {"bindings": [{"role": ROLE}], "state": "absent"}
    assert run_module(mod, absent)["changed"] is True
    assert google.subnets[SUBNET]["iam"]["bindings"] == [{"role": ROLE, "members": [OTHER]}]
    assert "cloudbridge-iam-grants" not in [i["key"] for i in google.metadata["items"]]
    assert run_module(mod, absent)["changed"] is False


def test_exclusive_revokes_the_roles_no_longer_listed(google):
    run_module(mod, {"bindings": [{"role": ROLE, "project_members": [USER]},
                                  {"role": "roles/vpcaccess.user", "project_members": [USER]}]})
    kept = run_module(mod, {"bindings": [{"role": ROLE, "project_members": [USER]}]})
    assert kept["changed"] is False  # not exclusive: the other role is left as it is
    result = run_module(mod, {"bindings": [{"role": ROLE, "project_members": [USER]}], "exclusive": True})
    assert result["changed"] is True and list(record(google)) == [ROLE]
    assert [b["role"] for b in google.projects["p"]["iam"]["bindings"]] == [ROLE]
