import pytest
from unit.plugins.modules import gcp_compute_fake
from unit.plugins.modules.gcp_compute_fake import run_module

from ansible_collections.cloudbridge.hybrid_vpn.plugins.modules import gcp_compute_vpn_tunnels as mod

COLLECTION = "projects/p/regions/r/vpnTunnels"
KEYS = ["key.zero_AAAAAAAAAAAAAAAAAAAAAAAA", "key.one_BBBBBBBBBBBBBBBBBBBBBBBBB"]

compute = gcp_compute_fake.compute  # the fixture, used by name


def args(keys=tuple(KEYS), **extra):
    tunnels = [
        {"name": f"t{i}", "vpn_gateway_interface": 0, "peer_external_gateway_interface": i, "shared_secret": k}
        for i, k in enumerate(keys)
    ]
    return dict({"region": "r", "vpn_gateway": "gw", "peer_external_gateway": "peer", "router": "cr",
                 "tunnels": tunnels}, **extra)


def test_fingerprint_is_keyed_by_name_and_fits_a_label_value():
    fp = mod.key_fingerprint("t0", KEYS[0])
    assert fp == mod.key_fingerprint("t0", KEYS[0])
    assert fp != mod.key_fingerprint("t1", KEYS[0])
    assert fp != mod.key_fingerprint("t0", KEYS[1])
    assert len(fp) <= 63 and fp.replace("-", "").isalnum() and fp == fp.lower()


def test_plan_tunnel_replaces_only_for_key_or_immutable_field():
    params = dict(args(), project="p", labels=None, ike_version=2)
    spec = dict(params["tunnels"][0], description=None, labels=None)
    desired = mod.desired_tunnel(params, spec, None)
    current = dict(desired, sharedSecret="*************", labels=dict(desired["labels"]))
    assert mod.plan_tunnel(None, desired) == "create"
    assert mod.plan_tunnel(current, desired) is None
    assert mod.plan_tunnel(dict(current, labels={"x": "y"}), desired) == "replace"  # no fingerprint: key unknown
    assert mod.plan_tunnel(dict(current, labels=dict(desired["labels"], env="old")), desired) == "labels"
    assert mod.plan_tunnel(dict(current, vpnGatewayInterface=1), desired) == "replace"


def test_converges_all_tunnels_in_one_call_then_no_change(compute):
    first = run_module(mod, args())
    second = run_module(mod, args())
    assert first["actions"] == {"t0": "create", "t1": "create"}
    assert second["changed"] is False
    assert list(compute.mutations()) == [("POST", COLLECTION)] * 2
    assert all("sharedSecret" not in t for t in second["tunnels"])
    assert compute.store[COLLECTION + "/t0"]["vpnGatewayInterface"] == 0


def test_unchanged_tunnels_are_returned_as_read(compute):
    first = args()
    first["tunnels"][0]["description"] = "to AWS"
    run_module(mod, first)
    again = run_module(mod, args())  # no description given: never an update, and the tunnel still has one
    assert again["changed"] is False and again["tunnels"][0]["description"] == "to AWS"


def test_rotated_key_replaces_only_that_tunnel(compute):
    run_module(mod, args())
    compute.calls.clear()
    result = run_module(mod, args(keys=[KEYS[0], "key.rotated_CCCCCCCCCCCCCCCCCCCCCC"]))
    assert result["actions"] == {"t1": "replace"}
    assert compute.mutations() == [("DELETE", COLLECTION + "/t1"), ("POST", COLLECTION)]


def test_label_change_does_not_replace_and_keeps_fingerprint(compute):
    run_module(mod, args())
    compute.calls.clear()
    result = run_module(mod, args(labels={"env": "prod"}))
    assert result["actions"] == {"t0": "labels", "t1": "labels"}
    assert {m for m, _unused in compute.mutations()} == {"POST"}
    assert compute.store[COLLECTION + "/t0"]["labels"] == {
        "env": "prod", "psk-fingerprint": mod.key_fingerprint("t0", KEYS[0])}


def test_check_and_diff_never_show_the_secret(compute):
    result = run_module(mod, args(), check=True, diff=True)
    assert result["changed"] is True and compute.store == {}
    assert "sharedSecret" not in result["diff"]["after"]["t0"]
    assert KEYS[0] not in str(result)


def test_absent_deletes_listed_tunnels_then_reports_no_change(compute):
    run_module(mod, args())
    names = {"region": "r", "state": "absent", "tunnels": [{"name": "t0"}, {"name": "t1"}]}
    checked = run_module(mod, names, check=True)
    assert checked["actions"] == {"t0": "delete", "t1": "delete"} and len(compute.store) == 2
    assert run_module(mod, names)["changed"] is True
    assert run_module(mod, names)["changed"] is False
    assert compute.store == {}


@pytest.mark.parametrize("tunnels, message", [
    ([{"name": "t0"}], "tunnel t0 needs vpn_gateway_interface, peer_external_gateway_interface, shared_secret"),
    ([{"name": "t0", "vpn_gateway_interface": 0, "peer_external_gateway_interface": 0, "shared_secret": KEYS[0]}] * 2,
     "tunnel names must be unique"),
])
def test_invalid_input_fails_before_any_call(compute, tunnels, message):
    result = run_module(mod, args(tunnels=tunnels))
    assert result["msg"] == f"Failed to ensure VPN tunnels: {message}"
    assert compute.calls == []
