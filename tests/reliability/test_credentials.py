"""Credentials and targets: a missing or wrong credential for any one account or project (hub, each spoke, host
project, each service project), or credentials that resolve to another AWS account or GCP project than the
inventory names, stop the whole site's preflight before any write, with one line naming that host."""

from __future__ import annotations

import pytest
from conftest import inventory, preflight, stopped

from twin.config import load_seed

SEED = load_seed()
AWS_KEYS = {str(a["id"]): a["credentials"] for a in SEED["aws"]["accounts"]}
GCP_TOKENS = {p["email"].split("@")[0]: p["token"] for p in SEED["gcp"]["principals"]}
NEWS_ROLE = "arn:aws:iam::222222222222:role/cloudbridge-network-admin"


def env_keys(account):
    return {"AWS_ACCESS_KEY_ID": AWS_KEYS[account]["access_key_id"],
            "AWS_SECRET_ACCESS_KEY": AWS_KEYS[account]["secret_access_key"]}


# case -> (area, env changes (None: unset), host_vars changes, group_vars changes, host named, words)
CASES = {
    "hub: access key aws does not know": (
        "credentials", {"AWS_ACCESS_KEY_ID": "AKIAUNKNOWN000000000"}, {}, {},
        "aws-hub", ["credentials were refused", "InvalidClientTokenId"]),
    "hub: wrong secret key": (
        "credentials", {"AWS_SECRET_ACCESS_KEY": "x" * 40}, {}, {},
        "aws-hub", ["credentials were refused", "SignatureDoesNotMatch"]),
    "hub: no credentials at all": (
        "credentials", {"AWS_ACCESS_KEY_ID": None, "AWS_SECRET_ACCESS_KEY": None, "AWS_PROFILE": None,
                        "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent", "AWS_CONFIG_FILE": "/nonexistent"}, {}, {},
        "aws-hub", ["credentials were refused", "Unable to locate credentials"]),
    "spoke news: role it may not assume": (
        "credentials", {}, {"aws-product-news": {
            "tgw_routing_ram_assume_role_arn": "arn:aws:iam::999999999999:role/cloudbridge-network-admin"}}, {},
        "aws-product-news", ["cannot assume", "999999999999", "AccessDenied"]),
    "spoke gunosy: no role nor profile (the hub's keys)": (
        "credentials", {}, {"aws-product-gunosy": {"tgw_routing_ram_assume_role_arn": None}}, {},
        "aws-product-gunosy", ["act in account 111111111111", "expected 333333333333"]),
    "gcp: token gcp did not issue (expired)": (
        "credentials", {"GCP_ACCESS_TOKEN": "ya29.expired"}, {}, {},
        "gcp-host", ["GCP refused the credentials (HTTP 401)", "project cb-net-host"]),
    "gcp: no token": (
        "credentials", {"GCP_ACCESS_TOKEN": None}, {}, {}, "gcp-host", ["access_token"]),
    "gcp service project api: principal without access": (
        "credentials", {"GCP_ACCESS_TOKEN": GCP_TOKENS["network-only"]}, {}, {},
        "gcp-svc-api", ["project cb-svc-api", "Required 'compute.projects.get' permission"]),
    "hub: keys of another account": (
        "wrong target", env_keys("222222222222"), {}, {},
        "aws-hub", ["act in account 222222222222", "expected 111111111111", "hybrid_vpn_aws_account_id"]),
    "inventory names another hub account": (
        "wrong target", {}, {}, {"hybrid_vpn_aws_account_id": "222222222222"},
        "aws-hub", ["act in account 111111111111", "expected 222222222222"]),
    "spoke news: role in the gunosy account": (
        "wrong target", {}, {"aws-product-news": {
            "tgw_routing_ram_assume_role_arn": "arn:aws:iam::333333333333:role/cloudbridge-network-admin"}}, {},
        "aws-product-news", ["act in account 333333333333", "expected 222222222222"]),
    "gcp: token of another organisation's project": (
        "wrong target", {"GCP_ACCESS_TOKEN": GCP_TOKENS["deployer"]}, {}, {},
        "gcp-host", ["project cb-net-host", "Required 'compute.projects.get' permission for 'projects/cb-net-host'"]),
}
SHORT = {"spoke gunosy: no role nor profile (the hub's keys)", "gcp service project api: principal without access"}


@pytest.mark.parametrize("case", [pytest.param(c, marks=[pytest.mark.short] if c in SHORT else []) for c in CASES])
def test_a_wrong_credential_or_target_stops_the_preflight_naming_the_host(case, tmp_path, admin, monkeypatch,
                                                                          outcome):
    area, env, host_vars, group_vars, host, words = CASES[case]
    for name, value in env.items():
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)
    inventory_dir = inventory(tmp_path, host_vars, group_vars) if host_vars or group_vars else None
    admin.clear_calls()
    messages, writes = stopped(preflight(tmp_path, inventory_dir=inventory_dir), admin)
    mine = [m for m in messages if f"({host}" in m or f"[{host}]" in m]
    one_line = bool(mine) and all(word in mine[0] for word in words) and "\n" not in mine[0]
    outcome.record(area, case, one_line and not writes, sum(writes.values()),
                   detail=mine[0] if mine else str(messages))
    assert mine, f"no failure names {host}: {messages}"
    assert one_line, mine[0]
    assert writes == {}
