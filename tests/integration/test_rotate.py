"""playbooks/rotate.yml on the twin, with the sandbox inventory: a change both clouds must follow (keys, inside
CIDRs, phase 1 proposals) rolled one tunnel at a time, both clouds sampled throughout (rotation_sampler)."""

from __future__ import annotations

import os
import signal
import subprocess
import time

import boto3
import google.oauth2.credentials
import pytest
from ansible.parsing.vault import VaultLib, VaultSecret
from ansible_run import ROOT, failure_messages, playbook_command, run_playbook, task_results
from google.auth.transport.requests import AuthorizedSession
from rotation_sampler import (
    REGION,
    SCALE,
    assert_all_up_and_keys_match,
    assert_three_up_throughout,
    aws_tunnels,
    read_both,
    sampling,
    up_counts,
)

INVENTORY = str(ROOT / "inventories/sandbox")
ROTATE = ROOT / "playbooks/rotate.yml"
FAST = {"hybrid_vpn_aws_poll_interval": 0.5, "hybrid_vpn_verify_poll_interval": 1}
SHOW = "Show the tunnels and the order of the steps"
REFUSE = "Refuse to start with a tunnel down"


def keys(tag: str) -> list[str]:
    return [f"Rotated_{tag}_{i}_" + "k" * 20 for i in range(4)]


@pytest.fixture(scope="module")
def gcp(twin):
    return AuthorizedSession(google.oauth2.credentials.Credentials(twin.env["GCP_ACCESS_TOKEN"]))


@pytest.fixture(scope="module", autouse=True)
def built(twin, admin, tmp_path_factory):
    """The VPN as site.yml builds it (its two roles: a rotation touches nothing else), then a twin whose transitions
    take time. Built at latency 0 (creation is not what this file proves): leaving scale 0 jumps the twin's clock
    past every phase begun (twin.clock)."""
    admin.config(latency_scale=0)
    report = run_playbook(ROOT / "playbooks/site.yml", "--tags", "gcp_ha_vpn,aws_tgw_vpn",
                          tmp_path=tmp_path_factory.mktemp("site"), inventory=INVENTORY, extra_vars=FAST)
    failures = {h: s["failures"] for h, s in report["stats"].items()}
    assert {"aws-hub", "gcp-host"} <= set(failures) and set(failures.values()) == {0}, failures
    admin.config(latency_scale=SCALE)


def assert_no_failure(report):
    assert report["stats"]["aws-hub"]["failures"] == report["stats"]["gcp-host"]["failures"] == 0, \
        failure_messages(report)


def rotate(tmp_path, *flags, playbook=ROTATE, **extra):
    report = run_playbook(playbook, *flags, tmp_path=tmp_path, inventory=INVENTORY, extra_vars={**FAST, **extra})
    return report, task_results(report, "aws-hub")


def steps_shown(results) -> list[str]:
    return [line for line in results[SHOW]["msg"] if line.startswith("step ")]


def test_check_mode_shows_the_order_and_changes_nothing_and_diff_hides_keys(tmp_path, gcp):
    before = aws_tunnels(gcp)
    new = keys("check")
    report, results = rotate(tmp_path, "--check", "--diff", hybrid_vpn_pre_shared_keys=new)
    assert report["stats"]["aws-hub"]["failures"] == 0
    assert [line.split(" (")[0] for line in steps_shown(results)] == [
        "step 1: tunnel 0", "step 2: tunnel 2", "step 3: tunnel 1", "step 4: tunnel 3"]
    assert all(line.endswith("AWS PreSharedKey; GCP tunnel key") for line in steps_shown(results))
    # Per step, AWS would modify that tunnel alone (its diff marks one key rotated) and GCP would replace it alone.
    by_host = [t["hosts"] for p in report["plays"] for t in p["tasks"]]
    aws_steps = [h["aws-hub"] for h in by_host
                 if h.get("aws-hub", {}).get("invocation", {}).get("module_args", {}).get("only_tunnels")]
    ips = {t["peer_interface"]: t["outside_ip"] for t in before}
    assert [[m["outside_ip"] for m in r["modified_tunnels"]] for r in aws_steps] == [[ips[i]] for i in (0, 2, 1, 3)]
    assert [str(r["diff"]).count("<hidden, rotated>") for r in aws_steps] == [1] * 4
    assert [len(r["deferred_tunnels"]) for r in aws_steps] == [3] * 4
    gcp_actions = [h["gcp-host"]["actions"] for h in by_host if h.get("gcp-host", {}).get("actions")]
    assert gcp_actions == [{f"aws-tunnel-{i}": "replace"} for i in (0, 2, 1, 3)]
    text = str(report)
    assert not any(k in text for k in new + [t["pre_shared_key"] for t in before])
    assert aws_tunnels(gcp) == before


def test_key_rotation_keeps_three_tunnels_up_on_both_clouds(tmp_path, gcp):
    new = keys("a")
    with sampling(gcp) as samples:
        report, _ = rotate(tmp_path, hybrid_vpn_pre_shared_keys=new)
    assert_no_failure(report)
    figures = assert_three_up_throughout(samples, "key rotation")
    assert figures["down in order"] == [0, 2, 1, 3]  # every tunnel went down once, in the planned order
    assert_all_up_and_keys_match(gcp, new)
    assert not any(k in str(report) for k in new)
    # A rerun finds nothing to roll.
    _, again = rotate(tmp_path, hybrid_vpn_pre_shared_keys=new)
    assert steps_shown(again) == [] and again[SHOW]["msg"][-1].startswith("Nothing to roll")


PHASE1 = {"ike_versions": ["ikev2"], "phase1_encryption_algorithms": ["AES128"],
          "phase1_integrity_algorithms": ["SHA2-384"], "phase1_dh_group_numbers": [20],
          "phase2_encryption_algorithms": ["AES256"], "phase2_integrity_algorithms": ["SHA2-256"],
          "phase2_dh_group_numbers": [14], "phase1_lifetime_seconds": 28800, "phase2_lifetime_seconds": 3600,
          "dpd_timeout_seconds": 30, "dpd_timeout_action": "restart"}
NEW_CIDRS = ["169.254.40.0/30", "169.254.40.4/30", "169.254.41.0/30", "169.254.41.4/30"]


# The inside CIDRs change as an operator changes a setting: site.yml (its two VPN roles) finds a change both clouds
# must follow on a built VPN and rolls it through rotate.yml before its AWS play, which then has nothing left to do.
@pytest.mark.parametrize(("change", "flags", "extra", "shown"), [
    ("inside CIDRs", ("--tags", "gcp_ha_vpn,aws_tgw_vpn"), {"hybrid_vpn_inside_cidrs": NEW_CIDRS},
     "AWS TunnelInsideCidr; GCP BGP session addresses"),
    ("phase 1 proposals", (), {f"hybrid_vpn_{name}": value for name, value in PHASE1.items()},
     "AWS Phase1DHGroupNumbers, Phase1EncryptionAlgorithms, Phase1IntegrityAlgorithms; GCP no change"),
])
def test_a_change_both_clouds_must_follow_keeps_three_tunnels_up(tmp_path, gcp, change, flags, extra, shown):
    playbook = ROOT / "playbooks/site.yml" if flags else ROTATE
    with sampling(gcp) as samples:
        report, results = rotate(tmp_path, *flags, playbook=playbook, hybrid_vpn_pre_shared_keys=keys("a"), **extra)
    assert_no_failure(report)
    if playbook != ROTATE:  # the AWS and GCP plays after the rotation found both clouds as the settings say
        converge = [t["hosts"][h] for p in report["plays"] if p["play"]["name"].startswith(("AWS |", "GCP |"))
                    for t in p["tasks"] for h in ("aws-hub", "gcp-host") if h in t["hosts"]]
        assert converge and not [r for r in converge if r.get("changed")], [r for r in converge if r.get("changed")]
    assert [line.split(": ", 2)[2] for line in steps_shown(results)] == [shown] * 4
    assert assert_three_up_throughout(samples, change)["down in order"] == [0, 2, 1, 3]
    aws = assert_all_up_and_keys_match(gcp, keys("a"))
    ec2 = boto3.session.Session().client("ec2")
    options = {t["OutsideIpAddress"]: t for c in ec2.describe_vpn_connections(
        Filters=[{"Name": "state", "Values": ["available"]}])["VpnConnections"] for t in c["Options"]["TunnelOptions"]}
    if change == "inside CIDRs":
        assert [t["inside_cidr"] for t in aws] == NEW_CIDRS
    else:
        assert all(o["Phase1EncryptionAlgorithms"] == [{"Value": "AES128"}] and
                   o["Phase1DHGroupNumbers"] == [{"Value": 20}] for o in options.values())


def set_bgp_session(gcp, name: str, enable: bool):
    """Enable or disable one BGP session on the Cloud Router, as an operator would in the console."""
    router = gcp.get(f"{REGION}/routers/cr-aws").json()
    peers = [dict(p, enable="TRUE" if enable else "FALSE") if p["name"] == name else p for p in router["bgpPeers"]]
    assert gcp.patch(f"{REGION}/routers/cr-aws", json={"bgpPeers": peers}).status_code == 200
    ec2, deadline = boto3.session.Session().client("ec2"), time.monotonic() + 30
    while read_both(ec2, gcp)[int(name[-1])].bgp_up is not enable:
        assert time.monotonic() < deadline
        time.sleep(0.2)


def test_a_rotation_with_a_tunnel_down_is_refused_and_forced_says_the_risk(tmp_path, gcp):
    set_bgp_session(gcp, "aws-bgp-1", enable=False)  # tunnel 1 carries nothing, for a reason no rotation repairs
    before = aws_tunnels(gcp)

    report, results = rotate(tmp_path, hybrid_vpn_pre_shared_keys=keys("b"))
    assert report["stats"]["aws-hub"]["failures"] == 1
    message = results[REFUSE]["msg"]
    assert message.startswith("Refusing to roll the change: tunnel 1 (aws-tunnel-1, AWS ")
    assert "BGP session aws-bgp-1 DOWN" in message and "tunnel 0" not in message
    assert aws_tunnels(gcp) == before  # nothing changed

    with sampling(gcp) as samples:
        report, results = rotate(tmp_path, hybrid_vpn_pre_shared_keys=keys("b"), rotate_force=True)
    assert_no_failure(report)
    warning = results["Say what forcing risks"]["msg"]
    assert warning.startswith("WARNING: Forced with tunnel 1 (aws-tunnel-1") and "leaves 2 of 4 tunnels up" in warning
    assert "GCP HA interface 0 has no tunnel left" in warning
    # The down tunnel goes first, not waited for; what the warning said is what the sampler saw, never less.
    assert steps_shown(results)[0].startswith("step 1: tunnel 1 ")
    assert min(min(up_counts(s)) for _, s in samples) == 2
    set_bgp_session(gcp, "aws-bgp-1", enable=True)
    assert_all_up_and_keys_match(gcp, keys("b"))  # tunnel 1's key was rotated on both sides too


def test_an_interrupted_rotation_to_generated_keys_finishes_on_rerun_without_a_second_tunnel_down(
        tmp_path, gcp, monkeypatch):
    password = tmp_path / "vault-password"
    password.write_text("twin-vault-password\n")
    monkeypatch.setenv("ANSIBLE_VAULT_PASSWORD_FILE", str(password))
    key_file = tmp_path / "vault_keys.yml"
    extra = {**FAST, "rotate_generate_keys": True, "rotate_key_file": str(key_file)}
    before = {t["peer_interface"]: t["pre_shared_key"] for t in aws_tunnels(gcp)}

    def stored_keys():
        vault = VaultLib([("default", VaultSecret(b"twin-vault-password"))])
        text = vault.decrypt(key_file.read_text()).decode()
        assert text.startswith("hybrid_vpn_pre_shared_keys:")
        return [line.split("- ", 1)[1] for line in text.splitlines()[1:]]

    with sampling(gcp) as samples:
        cmd, env = playbook_command(ROTATE, tmp_path=tmp_path, inventory=INVENTORY, extra_vars=extra)
        with subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              start_new_session=True) as first:
            # Killed once AWS holds tunnel 0's new key, before GCP follows (AWS keeps it modifying for 2.4 s).
            deadline = time.monotonic() + 120
            while not key_file.exists() or aws_tunnels(gcp)[0]["pre_shared_key"] == before[0]:
                assert first.poll() is None and time.monotonic() < deadline
                time.sleep(0.1)
            os.killpg(first.pid, signal.SIGKILL)
        generated = stored_keys()
        half = aws_tunnels(gcp)
        assert half[0]["pre_shared_key"] == generated[0]
        assert [t["pre_shared_key"] for t in half[1:]] == [before[i] for i in (1, 2, 3)]
        assert not read_both(boto3.session.Session().client("ec2"), gcp)[0].established  # GCP did not follow

        report, results = rotate(tmp_path, **extra)
    assert report["stats"]["aws-hub"]["failures"] == 0
    steps = steps_shown(results)
    assert [line.split(" (")[0] for line in steps] == ["step 1: tunnel 0", "step 2: tunnel 2", "step 3: tunnel 1",
                                                        "step 4: tunnel 3"]
    assert steps[0].endswith("AWS no change; GCP tunnel key; finishes a step an earlier run left half done")
    assert_three_up_throughout(samples, "interrupted and rerun")
    assert stored_keys() == generated  # the rerun reused the stored keys
    assert_all_up_and_keys_match(gcp, generated)
    assert all(len(k) == 32 and k[0] != "0" for k in generated)
    assert not any(k in str(report) for k in generated)
