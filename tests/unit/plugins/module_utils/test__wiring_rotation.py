"""The rolling-change plan (rotation_plan) and the keys a rotation goes to (new_pre_shared_keys): pure functions."""

import re

import pytest

from ansible_collections.cloudbridge.hybrid_vpn.plugins.module_utils import _wiring as w

OUTSIDE = ["3.0.0.1", "3.0.0.2", "3.0.1.1", "3.0.1.2"]
CIDRS = ["169.254.10.0/30", "169.254.10.4/30", "169.254.11.0/30", "169.254.11.4/30"]
KEYS = [f"Key_{i}_current_xxxx" for i in range(4)]
NEW_KEYS = [f"Key_{i}_new_xxxxxxxx" for i in range(4)]


def aws_tunnels(keys=tuple(KEYS), cidrs=tuple(CIDRS)):
    tunnels = []
    for i in range(4):
        aws_ip, cgw_ip = w.inside_ips(cidrs[i])
        tunnels.append({"vpn_connection_id": f"vpn-{i // 2}", "outside_ip": OUTSIDE[i], "inside_cidr": cidrs[i],
                        "aws_inside_ip": aws_ip, "cgw_inside_ip": cgw_ip, "pre_shared_key": keys[i],
                        "amazon_side_asn": 64512, "customer_gateway_asn": 65000, "gcp_interface": i // 2,
                        "peer_interface": i})
    return tunnels


class Clouds:
    """Both clouds as the read tasks return them, all four tunnels up and agreeing; tests then break or change one."""

    def __init__(self, keys=tuple(KEYS), cidrs=tuple(CIDRS)):
        self.aws = aws_tunnels(keys, cidrs)
        self.states = {"vpn-0": "available", "vpn-1": "available"}
        self.telemetry = dict.fromkeys(OUTSIDE, "UP")
        self.pending = {}
        self.gcp = {f"aws-tunnel-{i}": {"name": f"aws-tunnel-{i}", "status": "ESTABLISHED", "labels": {
            "psk-fingerprint": w.key_fingerprint(f"aws-tunnel-{i}", t["pre_shared_key"])}}
            for i, t in enumerate(self.aws)}
        self.bgp = {f"aws-bgp-{i}": {"name": f"aws-bgp-{i}", "status": "UP", "ipAddress": t["cgw_inside_ip"],
                                     "peerIpAddress": t["aws_inside_ip"]} for i, t in enumerate(self.aws)}

    def plan(self, targets=None, force=False):
        connections = [{"vpn_connection_id": vpn, "state": state, "vgw_telemetry": [
            {"outside_ip_address": t["outside_ip"], "status": self.telemetry[t["outside_ip"]],
             "status_message": "1 BGP ROUTES" if self.telemetry[t["outside_ip"]] == "UP" else "IPSEC IS DOWN"}
            for t in self.aws if t["vpn_connection_id"] == vpn]} for vpn, state in self.states.items()]
        pending = [{"vpn_connection_id": "vpn-x", "outside_ip": ip, "options": o} for ip, o in self.pending.items()]
        return w.rotation_plan(self.aws, connections, pending, list(self.gcp.values()), list(self.bgp.values()),
                               targets or {}, "aws", 65000, force=force)

    def down(self, i, aws="DOWN", gcp="AUTHORIZATION_ERROR", bgp="DOWN"):
        self.telemetry[OUTSIDE[i]] = aws
        self.gcp[f"aws-tunnel-{i}"]["status"] = gcp
        self.bgp[f"aws-bgp-{i}"]["status"] = bgp


def order(plan):
    return [s["peer_interface"] for s in plan["steps"]]


def test_nothing_to_roll_when_both_clouds_agree_with_the_desired_state():
    plan = Clouds().plan({"pre_shared_keys": KEYS})
    assert (plan["steps"], plan["refusal"], plan["risk"]) == ([], None, None)
    assert plan["summary"][-1] == "Nothing to roll: both clouds agree with the desired state."
    assert all(t["up"] for t in plan["tunnels"])


def test_a_key_rotation_alternates_the_ha_interfaces_and_hides_the_keys():
    clouds = Clouds()
    clouds.pending = {ip: ["PreSharedKey"] for ip in OUTSIDE}
    plan = clouds.plan({"pre_shared_keys": NEW_KEYS})
    assert order(plan) == [0, 2, 1, 3]
    assert [(s["aws"], s["gcp"], s["gcp_tunnel"], s["gcp_session"]) for s in plan["steps"]] == [
        (["PreSharedKey"], ["tunnel key"], True, False)] * 4
    assert plan["summary"][4] == "step 1: tunnel 0 (aws-tunnel-0, AWS 3.0.0.1): AWS PreSharedKey; GCP tunnel key"
    text = str({k: v for k, v in plan.items() if k != "target_aws_tunnels"})
    assert not any(k in text for k in KEYS + NEW_KEYS)
    # What GCP follows once every step is done: the new keys, nothing else changed.
    assert [t["pre_shared_key"] for t in plan["target_aws_tunnels"]] == NEW_KEYS
    assert [t["inside_cidr"] for t in plan["target_aws_tunnels"]] == CIDRS


def test_an_inside_cidr_change_moves_the_bgp_session_addresses():
    clouds = Clouds()
    new = ["169.254.40.0/30", "169.254.40.4/30", "169.254.41.0/30", "169.254.41.4/30"]
    clouds.pending = {OUTSIDE[1]: ["TunnelInsideCidr"], OUTSIDE[2]: ["TunnelInsideCidr"]}
    plan = clouds.plan({"inside_cidrs": new})
    assert order(plan) == [2, 1]
    assert [(s["gcp"], s["gcp_tunnel"], s["gcp_session"]) for s in plan["steps"]] == [
        (["BGP session addresses"], False, True)] * 2
    target = plan["target_aws_tunnels"][1]
    assert (target["inside_cidr"], target["aws_inside_ip"], target["cgw_inside_ip"]) == (
        "169.254.40.4/30", "169.254.40.5", "169.254.40.6")
    assert plan["target_aws_tunnels"][0]["inside_cidr"] == CIDRS[0]


# IKE versions: only a change to IKEv2 alone can reach AWS (hybrid_vpn_ike_versions refuses anything else), e.g. an
# adopted connection on AWS's default [ikev1, ikev2]; a key storage change moves each tunnel's key in place.
@pytest.mark.parametrize("option", ["Phase1EncryptionAlgorithms", "IKEVersions", "PreSharedKeyStorage"])
def test_a_change_on_aws_alone_is_rolled_one_tunnel_at_a_time_and_waited_for(option):
    clouds = Clouds()
    clouds.pending = {ip: [option] for ip in OUTSIDE}
    plan = clouds.plan({})
    assert order(plan) == [0, 2, 1, 3]
    assert {(tuple(s["gcp"]), s["gcp_tunnel"], s["gcp_session"], s["wait_up"]) for s in plan["steps"]} == {
        ((), False, False, True)}
    assert plan["summary"][-1].endswith(f"AWS {option}; GCP no change")


def test_a_tunnel_down_for_another_reason_refuses_the_plan_naming_it():
    clouds = Clouds()
    clouds.pending = {ip: ["PreSharedKey"] for ip in OUTSIDE}
    clouds.down(3, gcp="ESTABLISHED")  # e.g. its BGP session disabled
    plan = clouds.plan({"pre_shared_keys": NEW_KEYS})
    assert plan["refusal"] == (
        "Refusing to roll the change: tunnel 3 (aws-tunnel-3, AWS 3.0.1.2) is down: AWS telemetry DOWN "
        "(IPSEC IS DOWN), BGP session aws-bgp-3 DOWN. Changing a tunnel takes it down until both clouds agree, so "
        "every tunnel must be up before the first change; repair it, or force the rotation.")
    assert plan["risk"] is None
    assert plan["summary"][3] == ("now: tunnel 3 (aws-tunnel-3, AWS 3.0.1.2) on GCP interface 1: DOWN (AWS telemetry "
                                  "DOWN (IPSEC IS DOWN), BGP session aws-bgp-3 DOWN)")


def test_forced_the_down_tunnel_goes_first_and_the_risk_is_said():
    clouds = Clouds()
    clouds.pending = {ip: ["PreSharedKey"] for ip in OUTSIDE}
    clouds.down(3, gcp="ESTABLISHED")
    plan = clouds.plan({"pre_shared_keys": NEW_KEYS}, force=True)
    assert plan["refusal"] is None
    assert order(plan) == [3, 0, 2, 1]
    assert [s["wait_up"] for s in plan["steps"]] == [False, True, True, True]  # it was down before: no wait
    assert plan["risk"].startswith("Forced with tunnel 3 (aws-tunnel-3, AWS 3.0.1.2) is down:")
    assert plan["risk"].endswith("leaves 2 of 4 tunnels up, and GCP HA interface 1 has no tunnel left while its "
                                 "other tunnel changes.")


def test_a_down_tunnel_with_nothing_to_roll_refuses_nothing():
    clouds = Clouds()
    clouds.down(1)
    plan = clouds.plan({"pre_shared_keys": KEYS})
    assert (plan["steps"], plan["refusal"]) == ([], None)


def test_a_step_left_half_done_by_an_interrupted_run_goes_first_and_does_not_refuse():
    # The run was killed after AWS took tunnel 2's new key: GCP still has the old one, so tunnel 2 is down.
    clouds = Clouds(keys=[KEYS[0], KEYS[1], NEW_KEYS[2], KEYS[3]])
    clouds.gcp["aws-tunnel-2"]["labels"]["psk-fingerprint"] = w.key_fingerprint("aws-tunnel-2", KEYS[2])
    clouds.states["vpn-1"] = "modifying"
    clouds.down(2)
    clouds.pending = {ip: ["PreSharedKey"] for ip in (OUTSIDE[0], OUTSIDE[1], OUTSIDE[3])}
    plan = clouds.plan({"pre_shared_keys": NEW_KEYS})
    assert plan["refusal"] is None
    assert order(plan) == [2, 0, 1, 3]
    first = plan["steps"][0]
    assert (first["aws"], first["gcp"], first["half_done"], first["wait_up"]) == ([], ["tunnel key"], True, True)
    assert plan["summary"][4].endswith("AWS no change; GCP tunnel key; finishes a step an earlier run left half done")


def test_a_gcp_tunnel_a_killed_run_deleted_before_recreating_it_is_half_done():
    clouds = Clouds(keys=[KEYS[0], NEW_KEYS[1], KEYS[2], KEYS[3]])
    clouds.down(1)
    del clouds.gcp["aws-tunnel-1"]
    clouds.pending = {ip: ["PreSharedKey"] for ip in (OUTSIDE[0], OUTSIDE[2], OUTSIDE[3])}
    plan = clouds.plan({"pre_shared_keys": NEW_KEYS})
    assert (plan["refusal"], order(plan)) == (None, [1, 0, 2, 3])
    assert "GCP tunnel aws-tunnel-1 missing" in plan["summary"][1]
    assert plan["steps"][0]["gcp_tunnel"] is True


def test_a_tunnel_down_while_aws_modifies_it_is_half_done_too():
    # Killed while AWS applied a proposal (nothing for GCP to follow): the connection is still modifying.
    clouds = Clouds()
    clouds.states["vpn-0"] = "modifying"
    clouds.down(1, gcp="NO_INCOMING_PACKETS")
    clouds.pending = {ip: ["Phase1EncryptionAlgorithms"] for ip in (OUTSIDE[0], OUTSIDE[2], OUTSIDE[3])}
    plan = clouds.plan({})
    assert (plan["refusal"], order(plan)) == (None, [1, 0, 2, 3])


@pytest.mark.parametrize(("targets", "message"), [
    ({"inside_cidrs": [CIDRS[1], "169.254.40.4/30", "169.254.41.0/30", "169.254.41.4/30"]},
     "inside_cidrs[0]: 169.254.10.4/30 is tunnel 1's current inside cidr"),
    ({"pre_shared_keys": [KEYS[3], NEW_KEYS[1], NEW_KEYS[2], NEW_KEYS[3]]},
     "pre_shared_keys[0]: the key is tunnel 3's current pre shared key"),
    ({"pre_shared_keys": NEW_KEYS[:3]}, "pre_shared_keys needs 4 entries (one per tunnel) or none, got 3"),
])
def test_a_target_another_tunnel_holds_now_is_refused_without_echoing_a_key(targets, message):
    with pytest.raises(w.WiringError, match=re.escape(message)) as error:
        Clouds().plan(targets)
    assert not any(k in str(error.value) for k in KEYS)


def test_new_keys_are_valid_for_aws_and_differ():
    keys = w.new_pre_shared_keys(aws_tunnels())
    assert len(set(keys)) == 4
    for key in keys:
        w.validate_pre_shared_key(key, "generated")
        assert len(key) == 32 and key[0] != "0"


def test_stored_keys_are_reused_until_all_four_are_in_place():
    half_done = aws_tunnels(keys=[NEW_KEYS[0], *KEYS[1:]])
    assert w.new_pre_shared_keys(half_done, NEW_KEYS) == NEW_KEYS
    # All in place: the rotation is over, the next one gets new keys.
    fresh = w.new_pre_shared_keys(aws_tunnels(keys=NEW_KEYS), NEW_KEYS)
    assert not set(fresh) & set(NEW_KEYS)
