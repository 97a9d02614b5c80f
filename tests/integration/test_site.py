"""The whole job as an operator runs it: playbooks/site.yml, verify.yml and teardown.yml with the sandbox
inventory, on the twin. Cloud state is read back with plain boto3 and google-auth."""

from __future__ import annotations

import boto3
import google.oauth2.credentials
import pytest
from ansible_run import ROOT, run_playbook
from google.auth.transport.requests import AuthorizedSession

INVENTORY = str(ROOT / "inventories/sandbox")
REGION = "https://compute.googleapis.com/compute/v1/projects/cb-net-host/regions/asia-northeast1"
FAST_VERIFY = {"gcp_ha_vpn_verify_delay": 1, "verify_delay": 1, "aws_tgw_vpn_poll_interval": 1}


@pytest.fixture(scope="module")
def gcp(twin):
    return AuthorizedSession(google.oauth2.credentials.Credentials(twin.env["GCP_ACCESS_TOKEN"]))


@pytest.fixture(scope="module")
def ec2(twin):
    return boto3.session.Session().client("ec2")


def site(tmp_path, playbook="site.yml", **extra):
    report = run_playbook(ROOT / "playbooks" / playbook, tmp_path=tmp_path, inventory=INVENTORY,
                          extra_vars={**FAST_VERIFY, **extra})
    return report, {host: (s["failures"], s["changed"]) for host, s in report["stats"].items()}


def built(gcp, ec2) -> dict:
    """What exists in each cloud, in the operator's words."""
    return {
        "ha gateways": len(gcp.get(f"{REGION}/vpnGateways").json().get("items", [])),
        "gcp tunnels": len(gcp.get(f"{REGION}/vpnTunnels").json().get("items", [])),
        "transit gateways": len(ec2.describe_transit_gateways(
            Filters=[{"Name": "state", "Values": ["pending", "available"]}])["TransitGateways"]),
        "vpn connections": len(ec2.describe_vpn_connections(
            Filters=[{"Name": "state", "Values": ["pending", "available"]}])["VpnConnections"]),
    }


EMPTY = {"ha gateways": 0, "gcp tunnels": 0, "transit gateways": 0, "vpn connections": 0}


def test_a_bad_input_on_either_side_stops_the_run_before_any_cloud_changes(tmp_path, gcp, ec2):
    _, stats = site(tmp_path, aws_tgw_vpn_pre_shared_keys=["0bad_key_123", "ok_key_123", "ok_key_456", "ok_key_789"])
    assert stats["aws-hub"][0] == 1
    _, stats = site(tmp_path, gcp_ha_vpn_advertise_mode="CUSTOM", gcp_ha_vpn_advertised_ip_ranges=[{"range": "bad"}])
    assert stats["gcp-host"][0] == 1
    _, stats = site(tmp_path, gcp_ha_vpn_router_asn=65001)  # no longer the customer gateways' ASN
    assert stats["gcp-host"][0] == 1
    assert built(gcp, ec2) == EMPTY


def test_site_builds_verifies_reruns_clean_and_tears_down_in_reverse(tmp_path, gcp, ec2):
    _, stats = site(tmp_path)
    assert stats == {"gcp-host": (0, stats["gcp-host"][1]), "aws-hub": (0, stats["aws-hub"][1])}
    assert built(gcp, ec2) == {"ha gateways": 1, "gcp tunnels": 4, "transit gateways": 1, "vpn connections": 2}
    text = (ROOT / "build/report-sandbox.md").read_text()
    assert text.count("| ESTABLISHED |") == 4 and text.count("| UP |") == 8  # 4 BGP peers + 4 AWS tunnels

    _, stats = site(tmp_path)
    assert stats == {"gcp-host": (0, 0), "aws-hub": (0, 0)}

    _, stats = site(tmp_path, "teardown.yml")
    assert stats["gcp-host"][0] == stats["aws-hub"][0] == 0
    assert built(gcp, ec2) == EMPTY
    _, stats = site(tmp_path, "teardown.yml")
    assert stats == {"gcp-host": (0, 0), "aws-hub": (0, 0)}


def test_site_converges_through_throttling_and_server_errors(tmp_path, gcp, ec2, admin):
    """One call in ten answered as each cloud throttles (EC2 RequestLimitExceeded, Compute 403
    rateLimitExceeded) or fails (503): the modules retry with backoff and the run still converges."""
    admin.config(fault_rate={"aws": 0.1, "gcp": 0.1}, fault_seed=7)
    _, stats = site(tmp_path)
    faults = admin.calls()["faults"]
    admin.config(fault_rate={"aws": 0, "gcp": 0})
    assert stats == {"gcp-host": (0, stats["gcp-host"][1]), "aws-hub": (0, stats["aws-hub"][1])}
    assert sum(faults["aws"].values()) > 0 and sum(faults["gcp"].values()) > 0
    assert built(gcp, ec2) == {"ha gateways": 1, "gcp tunnels": 4, "transit gateways": 1, "vpn connections": 2}
