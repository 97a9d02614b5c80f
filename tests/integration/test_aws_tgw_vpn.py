"""aws_tgw_vpn on the AWS twin: converge, idempotence, check mode, in-place rotation, one tunnel at a time,
validation before any change, teardown. Cloud state is read back with plain boto3."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import boto3
import pytest
import requests

from twin import __main__ as control

ROOT = Path(__file__).resolve().parents[2]
PLAYBOOK = ROOT / "tests/integration/playbooks/aws_tgw_vpn.yml"
GCP_IPS = ["34.157.0.10", "34.157.64.10"]
CONVERGE = "Converge the customer gateways and VPN connections, waiting for both together"


@pytest.fixture(scope="module")
def twin(tmp_path_factory):
    state_dir = tmp_path_factory.mktemp("twin")
    try:
        env = control.up(state_dir, control.free_ports(), latency_scale=1 / 60)
        with pytest.MonkeyPatch.context() as patch:
            for name, value in env.items():
                patch.setenv(name, value)
            yield env
    finally:
        control.stop(state_dir)


def play(tmp_path, extra=None, check=False):
    """Run the role; return (PLAY RECAP stats of aws-hub, task results by name, published fact or None)."""
    fact_file = tmp_path / "fact.json"
    fact_file.unlink(missing_ok=True)
    variables = {"aws_tgw_vpn_gcp_interface_ips": GCP_IPS, "aws_tgw_vpn_poll_interval": 0.5,
                 "fact_file": str(fact_file), "ansible_python_interpreter": str(ROOT / ".venv/bin/python")}
    (tmp_path / "vars.json").write_text(json.dumps({**variables, **(extra or {})}))
    cmd = [str(ROOT / ".venv/bin/ansible-playbook"), "-i", "aws-hub,", str(PLAYBOOK)]
    cmd += ["-e", f"@{tmp_path / 'vars.json'}"]
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(ROOT / ".venv/collections"),
               ANSIBLE_STDOUT_CALLBACK="ansible.posix.json")
    out = subprocess.run(cmd + ["--check"] * check, env=env, capture_output=True, text=True, check=False)
    report = json.loads(out.stdout)
    # Role task names come as "<role> : <name>": key them by <name>.
    results = {t["task"]["name"].split(" : ")[-1]: t["hosts"].get("aws-hub", {})
               for p in report["plays"] for t in p["tasks"]}
    fact = json.loads(fact_file.read_text()) if fact_file.exists() else None
    return report["stats"]["aws-hub"], results, fact


def connections(ec2):
    live = ec2.describe_vpn_connections(Filters=[{"Name": "state", "Values": ["pending", "available", "modifying"]}])
    return {c["VpnConnectionId"]: c for c in live["VpnConnections"]}


@pytest.fixture(scope="module")
def ec2(twin):
    return boto3.session.Session().client("ec2")


@pytest.fixture(scope="module")
def converged(twin, tmp_path_factory):
    return play(tmp_path_factory.mktemp("converge"))


def test_converge_publishes_four_tunnels_matching_describe(converged, ec2):
    stats, _, fact = converged
    assert stats["failures"] == 0 and stats["changed"] >= 2
    assert [t["peer_interface"] for t in fact] == [0, 1, 2, 3]
    live = connections(ec2)
    assert len(live) == 2
    for tunnel in fact:
        described = next(t for t in live[tunnel["vpn_connection_id"]]["Options"]["TunnelOptions"]
                         if t["OutsideIpAddress"] == tunnel["outside_ip"])
        assert described["TunnelInsideCidr"] == tunnel["inside_cidr"]
        assert described["PreSharedKey"] == tunnel["pre_shared_key"]
        assert described["IkeVersions"] == [{"Value": "ikev2"}]
        assert described["Phase1EncryptionAlgorithms"] == [{"Value": "AES256"}]


def test_second_run_and_check_mode_change_nothing(converged, tmp_path, ec2):
    before = connections(ec2)
    stats, _, _ = play(tmp_path)
    assert (stats["changed"], stats["failures"]) == (0, 0)
    stats, _, _ = play(tmp_path, check=True)
    assert (stats["changed"], stats["failures"]) == (0, 0)
    assert connections(ec2).keys() == before.keys()


def test_fact_survives_reversed_tunnel_order(converged, tmp_path, twin):
    admin = requests.Session()
    admin.trust_env = False
    response = admin.post(f"{twin['TWIN_ADMIN_URL']}/_twin/config", json={"aws_reverse_tunnel_order": True}, timeout=10)
    if response.status_code != 200:
        pytest.skip("the twin's admin endpoint cannot reverse the tunnel order")
    try:
        stats, _, fact = play(tmp_path)
    finally:
        admin.post(f"{twin['TWIN_ADMIN_URL']}/_twin/config", json={"aws_reverse_tunnel_order": False}, timeout=10)
    assert stats["changed"] == 0
    assert fact == converged[2]


def test_rotating_one_key_modifies_that_tunnel_in_place(converged, tmp_path, ec2):
    fact = converged[2]
    keys = [t["pre_shared_key"] for t in fact]
    keys[2] = "Rotated_key_" + "x" * 20
    cidrs = [t["inside_cidr"] for t in fact]
    stats, results, new_fact = play(tmp_path, {"aws_tgw_vpn_pre_shared_keys": keys, "aws_tgw_vpn_inside_cidrs": cidrs})
    assert stats["failures"] == 0
    modified = results[CONVERGE]["modified_tunnels"]
    assert modified == [{"vpn_connection_id": fact[2]["vpn_connection_id"], "outside_ip": fact[2]["outside_ip"],
                         "options": ["PreSharedKey"]}]
    assert [t["vpn_connection_id"] for t in new_fact] == [t["vpn_connection_id"] for t in fact]
    assert new_fact[2]["pre_shared_key"] == keys[2]


def test_a_setting_on_all_four_tunnels_is_changed_one_after_another(converged, tmp_path, ec2):
    settings = {"ike_versions": ["ikev2"], "phase1_encryption_algorithms": ["AES256"],
                "phase1_integrity_algorithms": ["SHA2-256"], "phase1_dh_group_numbers": [14],
                "phase2_encryption_algorithms": ["AES256"], "phase2_integrity_algorithms": ["SHA2-256"],
                "phase2_dh_group_numbers": [14], "phase1_lifetime_seconds": 14400, "phase2_lifetime_seconds": 3600,
                "dpd_timeout_seconds": 30, "dpd_timeout_action": "restart"}
    stats, results, _ = play(tmp_path, {"aws_tgw_vpn_tunnel_settings": settings})
    # The twin refuses ModifyVpnTunnelOptions while a connection is modifying: four successes in a row
    # mean each modification waited for the previous one.
    assert stats["failures"] == 0
    modified = results[CONVERGE]["modified_tunnels"]
    assert len(modified) == 4 and all(m["options"] == ["Phase1LifetimeSeconds"] for m in modified)
    assert all(t["Phase1LifetimeSeconds"] == 14400 for c in connections(ec2).values()
               for t in c["Options"]["TunnelOptions"])


@pytest.mark.parametrize(("extra", "message"), [
    ({"aws_tgw_vpn_inside_cidrs": ["169.254.1.0/30", "169.254.30.4/30", "169.254.30.8/30", "169.254.30.12/30"]},
     "'169.254.1.0/30' is reserved"),
    ({"aws_tgw_vpn_inside_cidrs": ["169.254.30.0/30"] * 2 + ["169.254.30.8/30", "169.254.30.12/30"]}, "duplicates"),
    ({"aws_tgw_vpn_customer_gateway_asn": 64512}, "must differ from amazon_side_asn"),
    ({"aws_tgw_vpn_pre_shared_keys": ["0startswithzero", "ok_key_123", "ok_key_456", "ok_key_789"]}, "start with '0'"),
    ({"aws_tgw_vpn_gcp_interface_ips": ["34.157.0.10"]}, "two distinct interface IPs"),
])
def test_invalid_input_fails_before_any_change(tmp_path, twin, ec2, extra, message):
    before = connections(ec2)
    stats, results, _ = play(tmp_path, {**extra, "aws_tgw_vpn_name": "validation-only"})
    assert stats["failures"] == 1
    assert any(message in r.get("msg", "") for r in results.values())
    assert connections(ec2).keys() == before.keys()
    assert not ec2.describe_transit_gateways(Filters=[{"Name": "tag:Name", "Values": ["validation-only"]}])[
        "TransitGateways"]


def test_absent_removes_everything_then_is_idempotent_and_check_mode_on_empty_works(converged, tmp_path, ec2):
    stats, _, _ = play(tmp_path, {"aws_tgw_vpn_state": "absent"})
    assert stats["failures"] == 0 and stats["changed"] >= 2
    assert connections(ec2) == {}
    assert not [g for g in ec2.describe_customer_gateways()["CustomerGateways"] if g["State"] == "available"]
    stats, results, _ = play(tmp_path, {"aws_tgw_vpn_state": "absent"})
    assert (stats["changed"], stats["failures"]) == (0, 0), {k: v for k, v in results.items() if v.get("changed")}
    stats, _, _ = play(tmp_path, check=True)
    assert stats["failures"] == 0
    assert connections(ec2) == {}
