import json

from unit.plugins.modules import gcp_shared_vpc_fake
from unit.plugins.modules.gcp_compute_fake import run_module

from ansible_collections.cloudbridge.hybrid_vpn.plugins.modules import gcp_vpc_access_connector as mod
from ansible_collections.cloudbridge.hybrid_vpn.plugins.modules import gcp_vpc_access_connector_info as info

google = gcp_shared_vpc_fake.google  # the fixture, used by name
ARGS = {"name": "c1", "region": "r", "network": "vpc", "ip_cidr_range": "10.8.0.0/28"}
PATH = "projects/p/locations/r/connectors/c1"
PARAMS = dict(ARGS, project="p", subnet=None, machine_type="e2-micro", min_instances=2, max_instances=3)


def test_input_problems_name_range_and_bounds():
    assert mod.input_problems(PARAMS) == []
    problems = mod.input_problems(dict(PARAMS, name="Bad_", ip_cidr_range="10.8.0.0/24", min_instances=1,
                                       max_instances=1))
    assert [p.split(" ")[1] for p in problems] == ["name", "ip_cidr_range", "min_instances", "max_instances"]
    no_range = mod.input_problems(dict(PARAMS, ip_cidr_range=None))
    assert no_range == ["connector: give either ip_cidr_range or subnet"]


def test_plan():
    desired = mod.desired_connector(PARAMS)
    assert mod.plan_connector(None, desired) == "create"
    assert mod.plan_connector(dict(desired, state="READY"), desired) is None
    assert mod.plan_connector(dict(desired, maxInstances=5), desired) == "update"
    assert mod.plan_connector(dict(desired, ipCidrRange="10.9.0.0/28"), desired) == "replace"
    assert mod.plan_connector(dict(desired, state="ERROR"), desired) == "replace"


def test_creates_then_no_change_then_scales_in_place(google):
    first = run_module(mod, ARGS)
    assert (first["changed"], first["action"], first["connector"]["state"]) == (True, "create", "READY")
    assert run_module(mod, ARGS)["changed"] is False
    third = run_module(mod, dict(ARGS, max_instances=4))
    assert third["action"] == "update" and google.connectors[PATH]["maxInstances"] == 4
    assert ("PATCH", f"v1/{PATH}") in google.writes()


def test_on_a_shared_28_subnetwork_the_connector_names_it_and_no_range(google):
    args = {"name": "c1", "region": "r", "subnet": {"name": "svpc-28"}, "machine_type": "e2-standard-4",
            "min_instances": 3, "max_instances": 5}
    desired = mod.desired_connector({**PARAMS, **args, "network": None, "ip_cidr_range": None,
                                     "subnet": {"name": "svpc-28", "project_id": None}})
    assert desired == {"subnet": {"name": "svpc-28", "projectId": "p"}, "machineType": "e2-standard-4",
                       "minInstances": 3, "maxInstances": 5}
    first = run_module(mod, args)
    assert (first["changed"], first["action"]) == (True, "create")
    created = google.connectors[PATH]
    assert created["subnet"] == {"name": "svpc-28", "projectId": "p"} and "ipCidrRange" not in created
    assert (created["machineType"], created["minInstances"], created["maxInstances"]) == ("e2-standard-4", 3, 5)
    assert run_module(mod, args)["changed"] is False
    # Another subnetwork cannot be taken in place: the connector is replaced.
    assert mod.plan_connector(dict(created), dict(desired, subnet={"name": "other", "projectId": "p"})) == "replace"


def test_overlap_fails_before_any_change(google):
    result = run_module(mod, dict(ARGS, ip_cidr_range="10.0.0.16/28"))
    assert result["msg"] == ("Failed to ensure Serverless VPC Access connector c1 in r: ip_cidr_range 10.0.0.16/28 "
                             "overlaps subnetwork(s) of vpc: s1 (10.0.0.0/24)")
    assert google.writes() == []


def test_check_mode_and_absent(google):
    result = run_module(mod, ARGS, check=True, diff=True)
    assert (result["changed"], result["diff"]["before"], google.writes()) == (True, {}, [])
    run_module(mod, ARGS)
    gone = run_module(mod, {"name": "c1", "region": "r", "state": "absent"})
    assert (gone["changed"], google.connectors) == (True, {})
    assert run_module(mod, {"name": "c1", "region": "r", "state": "absent"})["changed"] is False


def connector_record(fake):
    return next((json.loads(i["value"]) for i in fake.metadata["items"]
                 if i["key"] == "cloudbridge-vpc-access-connectors"), {})


def test_recorded_adds_and_removes():
    assert mod.recorded({}, "r", "c1", True) == {"r": ["c1"]}
    assert mod.recorded({"r": ["c1", "c2"], "s": ["c3"]}, "r", "c1", False) == {"r": ["c2"], "s": ["c3"]}
    assert mod.recorded({"r": ["c1"]}, "r", "c1", False) == {}


def test_only_the_connectors_it_created_are_recorded_and_listed(google):
    google.connectors["projects/p/locations/r/connectors/old"] = {"name": "old", "state": "READY"}
    run_module(mod, ARGS)
    run_module(mod, dict(ARGS, name="old"))  # existed before: managed, not recorded
    assert connector_record(google) == {"r": ["c1"]}
    assert {"key": "other", "value": "kept"} in google.metadata["items"]
    assert run_module(info, {})["connectors"] == [
        {"name": "c1", "region": "r", "state": "READY", "ip_cidr_range": "10.8.0.0/28"}]
    del google.connectors[PATH]  # deleted by someone else: still listed, without a state, until deleted here
    assert run_module(info, {})["connectors"][0]["state"] is None
    assert run_module(mod, {"name": "c1", "region": "r", "state": "absent"})["changed"] is True
    assert connector_record(google) == {} and run_module(info, {})["connectors"] == []
