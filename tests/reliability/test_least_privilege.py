"""Least privilege: the twin enforces, per credential, the permission sets docs/permissions.md lists ("Permission
sets, as tested"). With exactly those, site.yml (all four roles), verify.yml and teardown.yml run clean; with one
permission taken away, site.yml stops with the cloud's refusal naming it, and a rerun with the full sets finishes
the job (nothing half-built that it cannot)."""

from __future__ import annotations

import re

import pytest
from conftest import SANDBOX, failure_messages
from integration.ansible_run import ROOT, run_playbook
from integration.census import BUILT, EMPTY, built, gcp_session

from twin.config import load_seed
from twin.fixtures import _aws_client

FAST = {"hybrid_vpn_verify_poll_interval": 1, "hybrid_vpn_aws_poll_interval": 1}
SEED = load_seed()
HUB, SPOKES = "111111111111", ("222222222222", "333333333333")
PRINCIPAL = SEED["gcp"]["principals"][0]["email"]  # the token the env file exports


def documented_sets() -> dict:
    """{identity: [permission, ...]} from docs/permissions.md's three lists."""
    text = (ROOT / "docs/permissions.md").read_text()
    lists = {title.strip(): body.split() for title, body in re.findall(r"^### (.+?)\n.*?```text\n(.*?)```", text,
                                                                        flags=re.S | re.M)}
    spoke = lists["AWS product accounts"]
    return {HUB: lists["AWS hub account"], **dict.fromkeys(SPOKES, spoke), PRINCIPAL: lists["GCP principal"]}


def _run(tmp_path, playbook, **extra):
    return run_playbook(ROOT / "playbooks" / playbook, tmp_path=tmp_path, inventory=str(SANDBOX),
                        extra_vars={**FAST, **extra})


def _failed(report) -> list[str]:
    return [h for h, s in report["stats"].items() if s["failures"] or s["unreachable"]]


def _census(twin, admin) -> dict:
    """The census (read in the same credentials as the runs) with every permission set lifted; returns what each
    identity used so far."""
    used = admin.permissions()["used"]
    admin.permissions({})
    return built(gcp_session(twin.env["GCP_ACCESS_TOKEN"]), _aws_client("ec2")), used


@pytest.mark.short
def test_the_documented_sets_are_enough_for_build_verify_and_teardown(twin, admin, tmp_path, outcome):
    sets = documented_sets()
    admin.permissions(sets)
    runs = {"site.yml": _run(tmp_path, "site.yml"), "verify.yml": _run(tmp_path, "verify.yml")}
    found, used = _census(twin, admin)
    admin.permissions(sets)
    runs["teardown.yml"] = _run(tmp_path, "teardown.yml", hybrid_vpn_teardown_confirm="sandbox")
    left, used_then = _census(twin, admin)
    used = {who: set(used.get(who, [])) | set(used_then.get(who, [])) for who in {*used, *used_then}}
    failed = {name: _failed(r) for name, r in runs.items() if _failed(r)}
    outside = {who: sorted(set(p) - set(sets.get(who, p))) for who, p in used.items() if set(p) - set(sets.get(who, p))}
    held = not failed and found == BUILT and left == EMPTY and not outside
    outcome.record("least privilege", f"documented sets ({sum(len(set(v)) for v in sets.values())} grants over "
                   f"{len(sets)} identities): build, verify, teardown", held,
                   count=sum(abs(found[k] - v) for k, v in BUILT.items()) + sum(left.values()),
                   counted="resources off a clean run",
                   detail=f"failed {failed}; {[failure_messages(r)[:1] for r in runs.values()]}")
    assert not failed, [failure_messages(r)[:3] for r in runs.values()]
    assert found == BUILT and left == EMPTY and not outside


# (identity, permission taken away): each role's writes, one or two per kind, and the preflight's identity check.
REMOVED = [
    (HUB, "ec2:CreateVpnConnection"),
    (HUB, "sts:GetCallerIdentity"),
    (HUB, "ec2:CreateTransitGateway"),
    (HUB, "ram:CreateResourceShare"),
    (HUB, "ec2:AcceptTransitGatewayVpcAttachment"),
    (HUB, "ec2:EnableTransitGatewayRouteTablePropagation"),
    (SPOKES[0], "ec2:CreateTransitGatewayVpcAttachment"),
    (SPOKES[1], "ram:AcceptResourceShareInvitation"),
    (SPOKES[1], "ec2:CreateRoute"),
    (PRINCIPAL, "compute.vpnTunnels.create"),
    (PRINCIPAL, "compute.routers.update"),
    (PRINCIPAL, "compute.organizations.enableXpnHost"),
    (PRINCIPAL, "compute.subnetworks.setIamPolicy"),
    (PRINCIPAL, "resourcemanager.projects.setIamPolicy"),
    (PRINCIPAL, "vpcaccess.connectors.create"),
]


@pytest.mark.parametrize(("identity", "permission"), REMOVED)
def test_one_permission_less_stops_naming_it_and_a_rerun_with_all_finishes(identity, permission, twin, admin,
                                                                           tmp_path, outcome):
    sets = documented_sets()
    assert permission in sets[identity], f"{permission} is not in docs/permissions.md's list for {identity}"
    admin.permissions({**sets, identity: [p for p in sets[identity] if p != permission]})
    report = _run(tmp_path, "site.yml")
    messages = [m for m in failure_messages(report) if permission in m]
    one_line = bool(messages) and "\n" not in messages[0] and len(messages[0]) < 1500
    admin.permissions(sets)
    rerun = _run(tmp_path, "site.yml")
    found, _unused = _census(twin, admin)
    held = one_line and not _failed(rerun) and found == BUILT
    outcome.record("least privilege", f"without {permission} ({identity})", held,
                   count=sum(abs(found[k] - v) for k, v in BUILT.items()), counted="resources off a clean run",
                   detail=(messages or failure_messages(report) or ["no failure"])[0])
    assert _failed(report), f"site.yml ran clean without {permission}"
    assert messages, f"no failure names {permission}: {failure_messages(report)}"
    assert one_line, messages[0]
    assert not _failed(rerun), failure_messages(rerun)[:3]
    assert found == BUILT
