"""Keys kept in AWS Secrets Manager (hybrid_vpn_pre_shared_key_storage: SecretsManager) on the twin: site.yml builds
the VPN so, the GCP tunnels get the keys AWS keeps in each connection's secret, and rotate.yml rolls generated keys
through AWS (which writes them into those secrets) one tunnel at a time, three tunnels up throughout. Both playbooks
run at -vvv with the default output, and no key ever appears in what they print."""

from __future__ import annotations

import subprocess

import boto3
import google.oauth2.credentials
import pytest
from ansible_run import ROOT, playbook_command
from google.auth.transport.requests import AuthorizedSession
from rotation_sampler import SCALE, assert_all_up_and_keys_match, assert_three_up_throughout, aws_tunnels, sampling

INVENTORY = str(ROOT / "inventories/sandbox")
SETTINGS = {"hybrid_vpn_pre_shared_key_storage": "SecretsManager", "hybrid_vpn_aws_poll_interval": 0.5,
            "hybrid_vpn_verify_poll_interval": 1}


def run_verbose(playbook: str, tmp_path, *args, **extra) -> str:
    """ansible-playbook -vvv with the default callback, as an operator reads it; returns stdout and stderr."""
    cmd, env = playbook_command(ROOT / "playbooks" / playbook, "-vvv", *args, tmp_path=tmp_path, inventory=INVENTORY,
                                extra_vars={**SETTINGS, **extra})
    out = subprocess.run(cmd, env=dict(env, ANSIBLE_STDOUT_CALLBACK="default", ANSIBLE_NOCOLOR="1"), cwd=ROOT,
                         capture_output=True, text=True, check=False)
    text = out.stdout + out.stderr
    assert out.returncode == 0, text[-4000:]
    assert "ESTABLISH LOCAL CONNECTION FOR USER" in text  # -vvv took effect: module arguments and results shown
    return text


@pytest.fixture(scope="module")
def gcp(twin):
    return AuthorizedSession(google.oauth2.credentials.Credentials(twin.env["GCP_ACCESS_TOKEN"]))


@pytest.fixture(scope="module")
def built(twin, admin, tmp_path_factory):
    """site.yml's -vvv output, the VPN (its two roles) built with its keys in Secrets Manager (at latency 0; the
    rotation runs on a twin whose transitions take time)."""
    admin.config(latency_scale=0)
    text = run_verbose("site.yml", tmp_path_factory.mktemp("site"), "--tags", "gcp_ha_vpn,aws_tgw_vpn")
    admin.config(latency_scale=SCALE)
    return text


def test_site_builds_with_the_keys_in_secrets_manager_and_gcp_gets_them(built, gcp):
    ec2 = boto3.session.Session().client("ec2")
    connections = ec2.describe_vpn_connections(
        Filters=[{"Name": "state", "Values": ["available"]}])["VpnConnections"]
    assert len(connections) == 2
    assert all(c["PreSharedKeyArn"].split(":secret:")[1].startswith(f"s2svpn!{c['VpnConnectionId']}-")
               for c in connections)
    assert all("PreSharedKey" not in t for c in connections for t in c["Options"]["TunnelOptions"])
    # Each GCP tunnel's key fingerprint is that of the key in its AWS connection's secret; all four up.
    tunnels = assert_all_up_and_keys_match(gcp)
    assert not [t["peer_interface"] for t in tunnels if t["pre_shared_key"] in built]


def test_generated_keys_roll_through_the_secrets_one_tunnel_at_a_time(built, gcp, tmp_path):
    before = [t["pre_shared_key"] for t in aws_tunnels(gcp)]
    with sampling(gcp) as samples:
        # No rotate_key_file: with Secrets Manager storage the new keys go to AWS, which stores them in the secrets.
        text = run_verbose("rotate.yml", tmp_path, rotate_generate_keys=True)
    assert assert_three_up_throughout(samples, "generated keys, Secrets Manager")["down in order"] == [0, 2, 1, 3]
    after = [t["pre_shared_key"] for t in assert_all_up_and_keys_match(gcp)]
    assert all(new != old for new, old in zip(after, before, strict=True))
    assert all(len(k) == 32 and k[0] != "0" for k in after)
    assert not [k for k in after + before if k in text]
    assert list(tmp_path.iterdir()) == [tmp_path / "extra_vars.json"]  # no key file written
