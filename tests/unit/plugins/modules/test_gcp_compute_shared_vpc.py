from unit.plugins.modules import gcp_shared_vpc_fake
from unit.plugins.modules.gcp_compute_fake import run_module

from ansible_collections.cloudbridge.hybrid_vpn.plugins.modules import gcp_compute_shared_vpc as mod

google = gcp_shared_vpc_fake.google  # the fixture, used by name


def test_plan_attaches_missing_detaches_dropped_and_absent_empties_then_disables():
    assert mod.plan_xpn(False, ["b"], ["a"], "present") == {
        "enable_host": True, "attach": ["a"], "detach": ["b"], "disable_host": False}
    assert mod.plan_xpn(True, ["a", "b"], ["a"], "absent") == {
        "enable_host": False, "attach": [], "detach": ["a", "b"], "disable_host": True}


def test_check_service_projects_names_each_problem():
    problems = mod.check_service_projects("h", ["h", "gone", "taken", "free"],
                                          {"h": "", "gone": None, "taken": "other", "free": ""})
    assert problems == ["h is the host project itself", "project gone does not exist or is not visible",
                        "project taken is already attached to host project other"]


def test_converges_then_no_change_and_drops_a_project(google):
    first = run_module(mod, {"service_projects": ["svc1", "svc2"]}, diff=True)
    assert (first["changed"], first["attached"], first["xpn_host"]) == (True, ["svc1", "svc2"], True)
    assert first["diff"]["before"] == {"xpn_host": False, "service_projects": []}
    assert run_module(mod, {"service_projects": ["svc1", "svc2"]})["changed"] is False
    third = run_module(mod, {"service_projects": ["svc1"]})
    assert (third["detached"], google.projects["svc2"]["host"]) == (["svc2"], "")


def test_check_mode_changes_nothing(google):
    result = run_module(mod, {"service_projects": ["svc1"]}, check=True)
    assert (result["changed"], result["service_projects"]) == (True, ["svc1"])
    assert google.writes() == []


def test_unknown_or_taken_project_fails_before_any_change(google):
    google.projects["svc2"]["host"] = "elsewhere"
    result = run_module(mod, {"service_projects": ["svc1", "svc2", "nope"]})
    assert result["failed"] is True
    assert result["msg"] == ("Failed to attach service projects to Shared VPC host project p: project nope does not "
                             "exist or is not visible; project svc2 is already attached to host project elsewhere")
    assert google.writes() == []


def test_absent_detaches_then_disables_and_reruns_clean(google):
    run_module(mod, {"service_projects": ["svc1"]})
    result = run_module(mod, {"state": "absent"})
    assert (result["changed"], result["detached"], result["xpn_host"]) == (True, ["svc1"], False)
    assert [u.rsplit("/", 1)[1] for _unused, u in google.writes()][-2:] == ["disableXpnResource", "disableXpnHost"]
    assert run_module(mod, {"state": "absent"})["changed"] is False
