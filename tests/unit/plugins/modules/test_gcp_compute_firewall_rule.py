from unit.plugins.modules import gcp_compute_fake
from unit.plugins.modules.gcp_compute_fake import run_module

from ansible_collections.cloudbridge.hybrid_vpn.plugins.modules import gcp_compute_firewall_rule as mod

PATH = "projects/p/global/firewalls/allow-aws"
ARGS = {"name": "allow-aws", "network": "vpc", "source_ranges": ["10.30.0.0/16", "10.20.0.0/16"],
        "allowed": [{"ip_protocol": "tcp", "ports": ["443"]}]}
NETWORK = "https://www.googleapis.com/compute/v1/projects/p/global/networks/vpc"

compute = gcp_compute_fake.compute  # the fixture, used by name


def params(**changes):
    return dict(ARGS, project="p", target_tags=[], priority=1000, description="", **changes)


def test_desired_rule_and_plan():
    desired = mod.desired_rule(params())
    assert desired["sourceRanges"] == ["10.20.0.0/16", "10.30.0.0/16"] and desired["network"] == NETWORK
    assert desired["allowed"] == [{"IPProtocol": "tcp", "ports": ["443"]}]
    assert mod.plan_rule(None, desired) == "create"
    assert mod.plan_rule(dict(desired, sourceRanges=["10.30.0.0/16", "10.20.0.0/16"]), desired) is None
    assert mod.plan_rule(dict(desired, sourceRanges=["10.20.0.0/16"]), desired) == "update"
    assert mod.plan_rule(dict(desired, network=NETWORK + "-2"), desired) == "replace"


def test_creates_reruns_clean_then_patches_in_place(compute):
    first = run_module(mod, ARGS)
    assert (first["changed"], first["action"]) == (True, "create")
    assert run_module(mod, ARGS)["changed"] is False
    third = run_module(mod, dict(ARGS, source_ranges=["10.20.0.0/16"]), diff=True)
    assert third["action"] == "update" and third["diff"]["after"]["sourceRanges"] == ["10.20.0.0/16"]
    assert compute.mutations() == [("POST", "projects/p/global/firewalls"), ("PATCH", PATH)]


def test_check_mode_and_absent(compute):
    assert run_module(mod, ARGS, check=True)["changed"] is True and compute.mutations() == []
    run_module(mod, ARGS)
    assert run_module(mod, {"name": "allow-aws", "state": "absent"})["changed"] is True
    assert run_module(mod, {"name": "allow-aws", "state": "absent"})["changed"] is False
    assert PATH not in compute.store


def test_present_needs_ranges(compute):
    result = run_module(mod, {"name": "allow-aws", "network": "vpc"})
    assert result["msg"] == "Failed to ensure firewall rule allow-aws: the rule needs source_ranges, allowed"
