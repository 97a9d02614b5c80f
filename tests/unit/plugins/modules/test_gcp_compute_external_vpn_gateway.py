import pytest
from unit.plugins.modules import gcp_compute_fake
from unit.plugins.modules.gcp_compute_fake import run_module

from ansible_collections.cloudbridge.hybrid_vpn.plugins.modules import gcp_compute_external_vpn_gateway as mod

PATH = "projects/p/global/externalVpnGateways/peer"
IPS = ["3.0.0.1", "3.0.0.2", "3.0.0.3", "3.0.0.4"]
ARGS = {"name": "peer", "interfaces": [{"id": i, "ip_address": ip} for i, ip in reversed(list(enumerate(IPS)))]}

compute = gcp_compute_fake.compute  # the fixture, used by name


def params(**extra):
    return dict(ARGS, redundancy_type="FOUR_IPS_REDUNDANCY", description=None, labels=None, **extra)


def test_desired_orders_interfaces_by_id():
    assert mod.desired_external_gateway(params())["interfaces"] == [
        {"id": i, "ipAddress": ip} for i, ip in enumerate(IPS)]


def test_desired_refuses_interfaces_that_do_not_match_redundancy():
    with pytest.raises(ValueError, match=r"TWO_IPS_REDUNDANCY needs interfaces with ids 0..1"):
        mod.desired_external_gateway(dict(params(), redundancy_type="TWO_IPS_REDUNDANCY"))


def test_create_relabel_replace(compute):
    assert run_module(mod, ARGS)["action"] == "create"
    assert run_module(mod, ARGS)["changed"] is False
    assert run_module(mod, dict(ARGS, labels={"k": "v"}))["action"] == "labels"
    moved = dict(ARGS, interfaces=[{"id": i, "ip_address": ip} for i, ip in enumerate(IPS[::-1])])
    assert run_module(mod, moved, check=True)["action"] == "replace"
    assert compute.store[PATH]["interfaces"][0]["ipAddress"] == IPS[0]
    assert run_module(mod, moved)["action"] == "replace"
    assert compute.store[PATH]["interfaces"][0]["ipAddress"] == IPS[3]


def test_invalid_interfaces_fail_with_the_reason(compute):
    result = run_module(mod, {"name": "peer", "interfaces": [{"id": 0, "ip_address": IPS[0]}]})
    assert result["msg"] == (
        "Failed to ensure external VPN gateway peer: FOUR_IPS_REDUNDANCY needs interfaces with ids 0..3"
    )
