from unit.plugins.modules import gcp_compute_fake
from unit.plugins.modules.gcp_compute_fake import run_module

from ansible_collections.cloudbridge.hybrid_vpn.plugins.module_utils import _gcp
from ansible_collections.cloudbridge.hybrid_vpn.plugins.modules import gcp_compute_custom_network as mod

compute = gcp_compute_fake.compute  # the fixture, used by name
NET = "projects/p/global/networks/vpc"
A = "projects/p/regions/r/subnetworks/a"
SUBNETS = [{"name": "a", "region": "r", "ip_cidr_range": "10.0.0.0/24", "private_ip_google_access": True,
            "secondary_ip_ranges": [{"range_name": "pods", "ip_cidr_range": "10.1.0.0/16"}]},
           {"name": "b", "region": "r", "ip_cidr_range": "10.0.1.0/24"}]
ARGS = {"name": "vpc", "subnetworks": SUBNETS}


def params(subnets):
    return {"name": "vpc", "subnetworks": [{"secondary_ip_ranges": [], "private_ip_google_access": False, **s}
                                           for s in subnets]}


def test_input_problems_name_ranges_duplicates_and_overlaps():
    assert mod.input_problems(params(SUBNETS)) == []
    bad = params([{"name": "A", "region": "r", "ip_cidr_range": "10.0.0.0/33"},
                  {"name": "b", "region": "r", "ip_cidr_range": "10.0.0.0/24",
                   "secondary_ip_ranges": [{"range_name": "x", "ip_cidr_range": "10.0.0.128/25"},
                                           {"range_name": "x", "ip_cidr_range": "10.2.0.0/16"}]},
                  {"name": "b", "region": "r", "ip_cidr_range": "10.3.0.0/24"}])
    assert mod.input_problems(bad) == [
        "subnetwork r/A: name expected lower case letters, digits or hyphens, starting with a letter",
        "subnetwork r/A ip_cidr_range '10.0.0.0/33': expected an IPv4 range such as 10.100.0.0/20",
        "subnetwork r/b: secondary range names must be unique",
        "subnetwork r/b secondary range x 10.0.0.128/25: overlaps r/b ip_cidr_range (10.0.0.0/24)",
        "subnetwork r/b: listed twice"]


def test_plan_network_creates_updates_deletes_only_its_own_and_never_changes_a_range():
    desired = {mod.key(s): mod.desired_subnetwork("p", "vpc", s) for s in params(SUBNETS)["subnetworks"]}
    assert mod.plan_network({}, desired, False) == ([], [None, "r/a", "r/b"], [], [])
    current = {"r/a": {"name": "a", "region": "r", "ipCidrRange": "10.0.0.0/24", "description": mod.OWNED},
               "r/old": {"name": "old", "region": "r", "ipCidrRange": "10.9.0.0/24", "description": mod.OWNED},
               "r/theirs": {"name": "theirs", "region": "r", "ipCidrRange": "10.0.1.0/25", "description": ""}}
    problems, creates, updates, deletes = mod.plan_network(current, desired, True)
    assert problems == ["subnetwork r/b range 10.0.1.0/24: overlaps theirs (10.0.1.0/25) of the network"]
    assert (creates, deletes) == (["r/b"], ["r/old"])
    assert updates == [("r/a", {"secondaryIpRanges": [{"rangeName": "pods", "ipCidrRange": "10.1.0.0/16"}],
                                "privateIpGoogleAccess": True})]
    moved = {"r/a": dict(current["r/a"], ipCidrRange="10.0.0.0/23")}
    assert mod.plan_network(moved, {"r/a": desired["r/a"]}, True)[0] == [
        "subnetwork r/a: ip_cidr_range 10.0.0.0/24 differs from its range 10.0.0.0/23, which cannot change in place "
        "(delete the subnetwork first)"]


def test_check_mode_on_empty_then_create_rerun_clean_and_update_in_place(compute):
    compute.add("projects/p/regions/r")
    check = run_module(mod, ARGS, check=True)
    assert (check["changed"], check["actions"]) == (True, ["create network vpc", "create subnetwork r/a",
                                                           "create subnetwork r/b"])
    assert [s["ipCidrRange"] for s in check["subnetworks"]] == ["10.0.0.0/24", "10.0.1.0/24"]
    assert compute.mutations() == []
    assert run_module(mod, ARGS)["changed"] is True
    assert compute.store[NET]["autoCreateSubnetworks"] is False and compute.store[A]["description"] == mod.OWNED
    compute.store[A]["fingerprint"] = "fp1"  # the API sets it
    assert run_module(mod, ARGS)["changed"] is False
    compute.calls.clear()
    changed = [dict(SUBNETS[0], private_ip_google_access=False, secondary_ip_ranges=[]), SUBNETS[1]]
    result = run_module(mod, dict(ARGS, subnetworks=changed), diff=True)
    assert result["actions"] == ["update subnetwork r/a (secondaryIpRanges, privateIpGoogleAccess)"]
    assert compute.mutations() == [("PATCH", A), ("POST", A + "/setPrivateIpGoogleAccess")]
    assert result["diff"]["after"]["subnetworks"]["r/a"]["privateIpGoogleAccess"] is False


def test_dropped_and_absent_delete_only_what_it_created(compute):
    compute.add("projects/p/regions/r")
    run_module(mod, ARGS)
    compute.add("projects/p/regions/r/subnetworks/theirs", network=_gcp.LINK_URL + NET, region="r",
                ipCidrRange="10.5.0.0/24")
    assert run_module(mod, dict(ARGS, subnetworks=SUBNETS[:1]))["actions"] == ["delete subnetwork r/b"]
    absent = run_module(mod, {"name": "vpc", "state": "absent"})
    assert absent["actions"] == ["delete subnetwork r/a"] and NET in compute.store  # theirs still in it
    assert "r/theirs were not created by this module" in str(absent["warnings"])
    compute.store.pop("projects/p/regions/r/subnetworks/theirs")
    assert run_module(mod, {"name": "vpc", "state": "absent"})["actions"] == ["delete network vpc"]
    assert run_module(mod, {"name": "vpc", "state": "absent"})["changed"] is False


def test_bad_region_and_auto_mode_network_fail_before_any_change(compute):
    result = run_module(mod, ARGS)
    assert result["failed"] and result["msg"].startswith("Failed to ensure network vpc in p: region r: ")
    compute.add(NET, autoCreateSubnetworks=True)
    assert "auto mode network" in run_module(mod, ARGS)["msg"]
    assert compute.mutations() == []
