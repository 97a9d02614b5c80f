"""The whole job as an operator runs it: playbooks/site.yml, verify.yml and teardown.yml with the sandbox
inventory, on the twin: check mode on empty and converged clouds, the README command with the collection path
unset, teardown's confirmation, an interrupted TGW creation and an adopted TGW. Cloud state is read back with
plain boto3 and google-auth; writes are counted by the twin."""

from __future__ import annotations

import boto3
import google.oauth2.credentials
import pytest
from ansible_run import ROOT, cloud_writes, failure_messages, run_playbook, task_results
from google.auth.transport.requests import AuthorizedSession

INVENTORY = str(ROOT / "inventories/sandbox")
REGION = "https://compute.googleapis.com/compute/v1/projects/cb-net-host/regions/asia-northeast1"
FAST_VERIFY = {"hybrid_vpn_verify_poll_interval": 1, "hybrid_vpn_aws_poll_interval": 1}
CONFIRM = {"hybrid_vpn_teardown_confirm": "sandbox"}
NAME = "cloudbridge-hybrid-vpn"
OUR_TAGS = [{"Key": "Name", "Value": NAME}, {"Key": "cloudbridge:created-by", "Value": "aws_tgw_vpn"}]


@pytest.fixture(scope="module")
def gcp(twin):
    return AuthorizedSession(google.oauth2.credentials.Credentials(twin.env["GCP_ACCESS_TOKEN"]))


@pytest.fixture(scope="module")
def ec2(twin):
    return boto3.session.Session().client("ec2")


def site(tmp_path, playbook="site.yml", *args, plain_env=False, **extra):
    report = run_playbook(ROOT / "playbooks" / playbook, *args, tmp_path=tmp_path, inventory=INVENTORY,
                          extra_vars={**FAST_VERIFY, **extra}, plain_env=plain_env)
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
        "customer gateways": len(ec2.describe_customer_gateways(
            Filters=[{"Name": "state", "Values": ["pending", "available"]}])["CustomerGateways"]),
    }


EMPTY = {"ha gateways": 0, "gcp tunnels": 0, "transit gateways": 0, "vpn connections": 0, "customer gateways": 0}
BUILT = {"ha gateways": 1, "gcp tunnels": 4, "transit gateways": 1, "vpn connections": 2, "customer gateways": 2}


def test_check_mode_on_empty_clouds_runs_every_play_and_shows_what_it_would_create(tmp_path, gcp, ec2, admin):
    admin.clear_calls()
    report, stats = site(tmp_path, "site.yml", "--check")
    assert failure_messages(report) == [] and stats["gcp-host"][1] > 0 and stats["aws-hub"][1] > 0
    assert cloud_writes(admin.calls()) == {}
    aws, gcp_host = task_results(report, "aws-hub"), task_results(report, "gcp-host")
    # The GCP interface IPs GCP assigns at creation are shown as placeholders (RFC 5737), and the plays go on.
    would = aws["Converge the customer gateways and VPN connections, waiting for both together"]
    assert would["changed"] and [c["customer_gateway_ip"] for c in would["vpn_connections"]] == ["192.0.2.1",
                                                                                                  "192.0.2.2"]
    assert aws["Create the Transit Gateway, tagged at creation"]["changed"]
    assert gcp_host["Ensure the four tunnels (a rotated key replaces only its tunnel)"]["changed"]
    assert gcp_host["Ensure the router interfaces and BGP peers, in one patch"]["changed"]
    assert built(gcp, ec2) == EMPTY


def test_readme_command_adopts_a_tgw_left_by_an_interrupted_creation_then_reruns_and_checks_clean(tmp_path, gcp, ec2,
                                                                                                 admin):
    """`ansible-playbook -i inventories/sandbox playbooks/site.yml` from the repository root, in a shell with only
    the venv activated (ansible.cfg finds the collection), after a run was killed while AWS built the TGW: the
    role tags it in the create call, so the TGW left pending is found by its Name tag and adopted."""
    left = ec2.create_transit_gateway(Description=NAME, Options={"AmazonSideAsn": 64512, "VpnEcmpSupport": "enable"},
                                      TagSpecifications=[{"ResourceType": "transit-gateway", "Tags": OUR_TAGS}])
    left = left["TransitGateway"]["TransitGatewayId"]
    _, stats = site(tmp_path, plain_env=True)
    assert stats == {"gcp-host": (0, stats["gcp-host"][1]), "aws-hub": (0, stats["aws-hub"][1])}
    assert built(gcp, ec2) == BUILT
    assert {c["TransitGatewayId"] for c in ec2.describe_vpn_connections()["VpnConnections"]} == {left}
    text = (ROOT / "build/report-sandbox.md").read_text()
    assert text.count("| ESTABLISHED | UP Established | UP ") == 4  # each tunnel: GCP tunnel, GCP BGP, AWS

    _, stats = site(tmp_path)
    assert stats == {"gcp-host": (0, 0), "aws-hub": (0, 0)}
    admin.clear_calls()
    _, stats = site(tmp_path, "site.yml", "--check")
    assert stats == {"gcp-host": (0, 0), "aws-hub": (0, 0)}
    assert cloud_writes(admin.calls()) == {}


def test_teardown_refuses_without_the_environment_name_then_removes_everything(tmp_path, gcp, ec2, admin):
    admin.clear_calls()
    report, _ = site(tmp_path, "teardown.yml", hybrid_vpn_teardown_confirm="production")
    assert 'hybrid_vpn_teardown_confirm: got "production", expected "sandbox"' in failure_messages(report)[0]
    assert cloud_writes(admin.calls()) == {} and built(gcp, ec2) == BUILT

    _, stats = site(tmp_path, "teardown.yml", **CONFIRM)
    assert stats["gcp-host"][0] == stats["aws-hub"][0] == 0
    assert built(gcp, ec2) == EMPTY  # the TGW the interrupted run left included
    _, stats = site(tmp_path, "teardown.yml", **CONFIRM)
    assert stats == {"gcp-host": (0, 0), "aws-hub": (0, 0)}


def test_an_adopted_tgw_is_verified_and_torn_down_keeping_the_tgw(tmp_path, gcp, ec2):
    theirs = ec2.create_transit_gateway(Description="network team", Options={
        "AmazonSideAsn": 64600, "VpnEcmpSupport": "enable"})["TransitGateway"]["TransitGatewayId"]
    adopt = {"hybrid_vpn_aws_transit_gateway_id": theirs}
    report, stats = site(tmp_path, **adopt)  # site.yml ends with verify.yml
    assert stats["gcp-host"][0] == stats["aws-hub"][0] == 0, failure_messages(report)
    assert f"AWS Transit Gateway {theirs} (ASN 64600)" in (ROOT / "build/report-sandbox.md").read_text()
    _, stats = site(tmp_path, "teardown.yml", **adopt, **CONFIRM)
    assert stats["gcp-host"][0] == stats["aws-hub"][0] == 0
    assert built(gcp, ec2) == dict(EMPTY, **{"transit gateways": 1})
    assert ec2.describe_transit_gateways(TransitGatewayIds=[theirs])["TransitGateways"][0]["State"] == "available"
    ec2.delete_transit_gateway(TransitGatewayId=theirs)


def test_site_converges_through_throttling_and_server_errors(tmp_path, gcp, ec2, admin):
    """One call in ten answered as each cloud throttles (EC2 RequestLimitExceeded, Compute 403
    rateLimitExceeded) or fails (503): the modules retry with backoff and the run still converges."""
    admin.config(fault_rate={"aws": 0.1, "gcp": 0.1}, fault_seed=7)
    _, stats = site(tmp_path)
    faults = admin.calls()["faults"]
    admin.config(fault_rate={"aws": 0, "gcp": 0})
    assert stats == {"gcp-host": (0, stats["gcp-host"][1]), "aws-hub": (0, stats["aws-hub"][1])}
    assert sum(faults["aws"].values()) > 0 and sum(faults["gcp"].values()) > 0
    assert built(gcp, ec2) == BUILT
