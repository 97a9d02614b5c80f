"""Interruptions: site.yml (all four roles) and teardown.yml stopped at a point of their work, by SIGINT (Ctrl-C) or
SIGKILL, then run again: the rerun converges to the same resources as a clean run, with no duplicate of anything and
nothing left over, counted through the clouds' APIs (integration/census.py).

A point is a cloud call (twin/admin.py ``/_twin/trap``): the twin serves it, so the change is made in the cloud,
and holds its answer back; the run is stopped while it waits for that answer, the moment that leaves the most behind
(a VPN connection created and its tunnels never read, a GCP operation started and never seen ending, a share made
and never accepted, a spoke attachment created and never accepted ...)."""

from __future__ import annotations

import os
import signal
import subprocess
import time

import pytest
from conftest import SANDBOX
from integration.ansible_run import ROOT, playbook_command, run_playbook
from integration.census import BUILT, EMPTY, built, gcp_session

from twin.fixtures import _aws_client

FAST = {"hybrid_vpn_verify_poll_interval": 1, "hybrid_vpn_aws_poll_interval": 1}
CONFIRM = {"hybrid_vpn_teardown_confirm": "sandbox"}
INT, KILL = signal.SIGINT, signal.SIGKILL

# (call, which one of its kind, signal), in the order site.yml makes them: every role, each kind of write.
SITE_POINTS = [
    ("compute.vpnGateways.insert", 1, KILL),  # a GCP operation started, never seen ending
    ("compute.regionOperations.wait", 1, INT),  # ... and one that ended, its end never read
    ("ec2:CreateTransitGateway", 1, KILL),
    ("ec2:CreateCustomerGateway", 1, INT),
    ("ec2:CreateCustomerGateway", 2, KILL),
    ("ec2:CreateVpnConnection", 1, KILL),  # a VPN connection created, its tunnels never read
    ("ec2:CreateVpnConnection", 2, INT),
    ("compute.externalVpnGateways.insert", 1, KILL),
    ("compute.routers.insert", 1, INT),
    ("compute.vpnTunnels.insert", 1, KILL),
    ("compute.vpnTunnels.insert", 3, INT),
    ("compute.vpnTunnels.insert", 4, KILL),
    ("compute.routers.patch", 1, KILL),  # the four BGP peers in one patch
    ("compute.routers.patch", 1, INT),
    ("ram:CreateResourceShare", 1, KILL),  # a share made, never accepted
    ("ram:AcceptResourceShareInvitation", 1, INT),
    ("ram:AcceptResourceShareInvitation", 2, KILL),
    ("ec2:CreateTransitGatewayVpcAttachment", 1, KILL),  # a spoke attachment created, never accepted
    ("ec2:CreateTransitGatewayVpcAttachment", 2, INT),
    ("ec2:AcceptTransitGatewayVpcAttachment", 1, KILL),
    ("ec2:CreateTransitGatewayRouteTable", 1, KILL),
    ("ec2:CreateTransitGatewayRouteTable", 2, INT),
    ("ec2:DisassociateTransitGatewayRouteTable", 1, KILL),
    ("ec2:AssociateTransitGatewayRouteTable", 2, KILL),
    ("ec2:EnableTransitGatewayRouteTablePropagation", 3, INT),
    ("ec2:CreateRoute", 1, KILL),
    ("ec2:CreateRoute", 4, INT),
    ("compute.projects.enableXpnHost", 1, KILL),
    ("compute.projects.enableXpnResource", 2, INT),
    ("compute.subnetworks.setIamPolicy", 1, KILL),
    ("cloudresourcemanager.projects.setIamPolicy", 1, INT),
    ("compute.projects.setCommonInstanceMetadata", 1, KILL),  # the record of the IAM grants
    ("vpcaccess.projects.locations.connectors.create", 1, KILL),
    ("compute.firewalls.insert", 1, INT),
]
TEARDOWN_POINTS = [
    ("ec2:DeleteRoute", 1, KILL),
    ("ec2:DeleteTransitGatewayVpcAttachment", 1, INT),
    ("ec2:DisassociateTransitGatewayRouteTable", 1, KILL),
    ("ram:DeleteResourceShare", 1, KILL),
    ("ec2:DeleteVpnConnection", 1, INT),
    ("ec2:DeleteCustomerGateway", 2, KILL),
    ("compute.vpnTunnels.delete", 2, INT),
    ("compute.routers.patch", 1, KILL),
    ("vpcaccess.projects.locations.connectors.delete", 1, KILL),
    ("compute.projects.disableXpnResource", 1, INT),
    ("ec2:DeleteTransitGateway", 1, KILL),
]
# What `make test` runs: one of each signal, a build and a teardown.
SHORT = {("ec2:CreateVpnConnection", 1, KILL), ("compute.vpnTunnels.delete", 2, INT)}


def _params(points):
    return [pytest.param(p, id=f"{p[2].name}-after-{p[0]}-{p[1]}", marks=[pytest.mark.short] if p in SHORT else [])
            for p in points]


def _playbook(name: str) -> str:
    return str(ROOT / "playbooks" / name)


def interrupt(admin, tmp_path, playbook: str, point, **extra) -> tuple[bool, str]:
    """Run ``playbook``, stop it by ``signal`` once the twin served ``call`` (its answer held back); returns whether
    the point was reached and how the run ended."""
    call, nth, sig = point
    cmd, env = playbook_command(playbook, tmp_path=tmp_path, inventory=str(SANDBOX), extra_vars={**FAST, **extra})
    admin.arm_trap(call, nth)
    # A session of its own: the signal reaches ansible-playbook, its forks and their modules, as Ctrl-C does.
    run = subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                           start_new_session=True)
    try:
        sprung = False
        while not sprung and run.poll() is None:
            sprung = admin.wait_trap(timeout=2).get("sprung", False)
        if sprung:
            os.killpg(run.pid, sig)
            time.sleep(0.5)  # the held answer goes out only once its caller is gone
    finally:
        admin.disarm_trap()
    try:
        run.wait(timeout=60)
        ended = f"exit {run.returncode}"
    except subprocess.TimeoutExpired:  # a Ctrl-C that does not stop the run is a finding of its own
        os.killpg(run.pid, KILL)
        run.wait()
        ended = f"still running 60 s after {sig.name}"
    return sprung, ended


def _census(twin) -> dict:
    return built(gcp_session(twin.env["GCP_ACCESS_TOKEN"]), _aws_client("ec2"))


def _off(found: dict, expected: dict) -> tuple[int, int, str]:
    """Duplicates (more than expected) and missing resources, and which."""
    extra = {k: found[k] - v for k, v in expected.items() if found[k] > v}
    missing = {k: v - found[k] for k, v in expected.items() if found[k] < v}
    return sum(extra.values()), sum(missing.values()), f"extra {extra} missing {missing}" if extra or missing else ""


def _failed_hosts(report: dict) -> list[str]:
    return [h for h, s in report["stats"].items() if s["failures"] or s["unreachable"]]


def _check(outcome, area, point, sprung, ended, rerun, found, expected):
    duplicates, missing, which = _off(found, expected)
    failed = _failed_hosts(rerun)
    held = sprung and not failed and not duplicates and not missing and "still running" not in ended
    call, nth, sig = point
    outcome.record(area, f"{sig.name} after {call} #{nth}", held, count=duplicates, counted="duplicates",
                   detail=f"interrupted: {ended}; rerun failed on {failed}; {which}" if not held else "")
    assert sprung, f"the run never made call {nth} of {call} ({ended})"
    assert "still running" not in ended, ended
    assert not failed, f"the rerun failed on {failed}"
    assert (duplicates, missing) == (0, 0), which


@pytest.mark.parametrize("point", _params(SITE_POINTS))
def test_site_interrupted_then_rerun_converges_with_no_duplicate(point, twin, admin, tmp_path, outcome):
    if point[0].endswith("Operations.wait"):
        # At latency 0 every operation is DONE in the answer that starts it, and no client waits: a little latency
        # (5 s operations take 10 ms) leaves it PENDING there, as the clouds answer.
        admin.config(latency_scale=0.002)
    sprung, ended = interrupt(admin, tmp_path, _playbook("site.yml"), point)
    rerun = run_playbook(_playbook("site.yml"), tmp_path=tmp_path, inventory=str(SANDBOX), extra_vars=FAST)
    _check(outcome, "interruptions: site.yml", point, sprung, ended, rerun, _census(twin), BUILT)


@pytest.mark.parametrize("point", _params(TEARDOWN_POINTS))
def test_teardown_interrupted_then_rerun_removes_everything(point, twin, admin, tmp_path, outcome):
    build = run_playbook(_playbook("site.yml"), tmp_path=tmp_path, inventory=str(SANDBOX), extra_vars=FAST)
    assert not _failed_hosts(build)
    sprung, ended = interrupt(admin, tmp_path, _playbook("teardown.yml"), point, **CONFIRM)
    rerun = run_playbook(_playbook("teardown.yml"), tmp_path=tmp_path, inventory=str(SANDBOX),
                         extra_vars={**FAST, **CONFIRM})
    _check(outcome, "interruptions: teardown.yml", point, sprung, ended, rerun, _census(twin), EMPTY)
