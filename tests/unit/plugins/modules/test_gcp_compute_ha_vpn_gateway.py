from unit.plugins.modules import gcp_compute_fake
from unit.plugins.modules.gcp_compute_fake import run_module

from ansible_collections.cloudbridge.hybrid_vpn.plugins.modules import gcp_compute_ha_vpn_gateway as mod

PATH = "projects/p/regions/r/vpnGateways/gw"
ARGS = {"name": "gw", "region": "r", "network": "vpc"}
NETWORK = "https://www.googleapis.com/compute/v1/projects/p/global/networks/vpc"

compute = gcp_compute_fake.compute  # the fixture, used by name


def test_desired_gateway_links_the_network_by_name_or_url():
    params = dict(ARGS, project="p", stack_type="IPV4_ONLY", description=None, labels=None)
    assert mod.desired_gateway(params)["network"] == NETWORK
    assert mod.desired_gateway(dict(params, network=NETWORK))["network"] == NETWORK


def test_creates_then_reports_no_change(compute):
    first = run_module(mod, ARGS)
    second = run_module(mod, ARGS)
    assert (first["changed"], first["action"], first["gateway"]["network"]) == (True, "create", NETWORK)
    assert second["changed"] is False
    assert compute.mutations() == [("POST", "projects/p/regions/r/vpnGateways")]


def test_check_mode_on_empty_project_changes_nothing_and_shows_diff(compute):
    result = run_module(mod, ARGS, check=True, diff=True)
    assert result["changed"] is True
    assert result["diff"]["after"]["network"] == NETWORK and result["diff"]["before"] == {}
    assert compute.mutations() == [] and compute.store == {}


def test_label_change_uses_set_labels_never_replaces(compute):
    compute.add(PATH, network=NETWORK, stackType="IPV4_ONLY", labels={"a": "1"})
    result = run_module(mod, dict(ARGS, labels={"a": "2"}, description="new"))
    assert result["action"] == "labels"
    assert compute.mutations() == [("POST", PATH + "/setLabels")]
    assert compute.store[PATH]["labels"] == {"a": "2"}
    assert any("description" in str(w) for w in result["warnings"]), result["warnings"]


def test_network_change_replaces(compute):
    compute.add(PATH, network=NETWORK + "-old", stackType="IPV4_ONLY")
    assert run_module(mod, ARGS)["action"] == "replace"
    assert compute.mutations() == [("DELETE", PATH), ("POST", "projects/p/regions/r/vpnGateways")]


def test_absent_deletes_once(compute):
    compute.add(PATH, network=NETWORK)
    first = run_module(mod, {"name": "gw", "region": "r", "state": "absent"})
    second = run_module(mod, {"name": "gw", "region": "r", "state": "absent"})
    assert (first["changed"], second["changed"]) == (True, False)
    assert PATH not in compute.store


def test_absent_in_check_mode_shows_the_deletion_and_keeps_the_gateway(compute):
    compute.add(PATH, network=NETWORK)
    result = run_module(mod, {"name": "gw", "region": "r", "state": "absent"}, check=True, diff=True)
    assert (result["changed"], result["diff"]["before"]["name"], result["diff"]["after"]) == (True, "gw", {})
    assert compute.mutations() == [] and PATH in compute.store


def test_api_error_fails_with_the_api_message(compute):
    compute.add(PATH, network=NETWORK)
    from unit.plugins.modules.gcp_compute_fake import error

    compute.script = [compute._get(PATH, None), error(400, "The vpn_gateway resource is already being used by 't'")]
    result = run_module(mod, {"name": "gw", "region": "r", "state": "absent"})
    assert result["failed"] is True
    assert result["msg"] == "Failed to delete HA VPN gateway gw: The vpn_gateway resource is already being used by 't'"
