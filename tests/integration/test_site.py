"""The whole job as an operator runs it: playbooks/site.yml (four roles), verify.yml and teardown.yml with the
sandbox inventory, on the twin: check mode on empty and converged clouds, the README command with the collection
path unset, the collection's own playbook (cloudbridge.hybrid_vpn.site), one role by its tag, teardown's
confirmation and what it leaves in every account and project, an interrupted TGW creation and an adopted TGW.
Cloud state is read back with plain boto3 and google-auth, in each account's own credentials; writes are counted
by the twin."""

from __future__ import annotations

import boto3
import pytest
from ansible_run import ROOT, cloud_writes, failure_messages, run_playbook, task_results
from census import BUILT, EMPTY, NAME, PROJECT, built, gcp_session

INVENTORY = str(ROOT / "inventories/sandbox")
HOSTS = ("gcp-host", "gcp-svc-ml", "gcp-svc-api", "aws-hub", "aws-product-news", "aws-product-gunosy")
FAST_VERIFY = {"hybrid_vpn_verify_poll_interval": 1, "hybrid_vpn_aws_poll_interval": 1}
CONFIRM = {"hybrid_vpn_teardown_confirm": "sandbox"}
OUR_TAGS = [{"Key": "Name", "Value": NAME}, {"Key": "cloudbridge:created-by", "Value": "aws_tgw_vpn"}]


@pytest.fixture(scope="module")
def gcp(twin):
    return gcp_session(twin.env["GCP_ACCESS_TOKEN"])


@pytest.fixture(scope="module")
def ec2(twin):
    return boto3.session.Session().client("ec2")


def site(tmp_path, playbook="site.yml", *args, plain_env=False, **extra):
    report = run_playbook(ROOT / "playbooks" / playbook, *args, tmp_path=tmp_path, inventory=INVENTORY,
                          extra_vars={**FAST_VERIFY, **extra}, plain_env=plain_env)
    return report, {host: (s["failures"], s["changed"]) for host, s in report["stats"].items()}


def clean(stats) -> dict:
    return {host: (0, 0) for host in HOSTS} == stats


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
    # The routing role, with no TGW to compare against yet, says per spoke and on the hub what it would make.
    news = task_results(report, "aws-product-news")[
        "Report what the spoke would make (check mode, no Transit Gateway yet)"]
    assert news["changed"] and "attach cloudbridge-hybrid-vpn-news-prod (vpc-" in news["msg"]
    assert "route 10.100.0.0/20, 10.100.16.0/20, 10.100.240.0/28 to it" in news["msg"]
    hub = aws["Report what the hub would make (check mode, no Transit Gateway yet)"]
    assert "make the route tables cloudbridge-hybrid-vpn-vpn, cloudbridge-hybrid-vpn-spokes" in hub["msg"]
    assert gcp_host["Enable the host and attach exactly the listed service projects"]["changed"]
    assert gcp_host["Admit the AWS ranges in the host network (or remove the rule when there are none)"][
        "changed"]
    assert built(gcp, ec2) == EMPTY


def test_readme_command_adopts_a_tgw_left_by_an_interrupted_creation_then_reruns_and_checks_clean(tmp_path, gcp, ec2,
                                                                                                 admin):
    """`ansible-playbook -i inventories/sandbox playbooks/site.yml` from the repository root, in a shell with only
    the venv activated (ansible.cfg finds the collection), after a run was killed while AWS built the TGW: the
    role tags it in the create call, so the TGW left pending is found by its Name tag and adopted."""
    left = ec2.create_transit_gateway(Description=NAME, Options={"AmazonSideAsn": 64512, "VpnEcmpSupport": "enable"},
                                      TagSpecifications=[{"ResourceType": "transit-gateway", "Tags": OUR_TAGS}])
    left = left["TransitGateway"]["TransitGatewayId"]
    report, stats = site(tmp_path, plain_env=True)
    assert {h: f for h, (f, _) in stats.items()} == dict.fromkeys(HOSTS, 0), failure_messages(report)
    assert built(gcp, ec2) == BUILT
    assert {c["TransitGatewayId"] for c in ec2.describe_vpn_connections()["VpnConnections"]} == {left}
    text = (ROOT / "build/report-sandbox.md").read_text()
    assert text.count("| ESTABLISHED | UP Established | UP ") == 4  # each tunnel: GCP tunnel, GCP BGP, AWS
    # What the run prints last: the tunnel table, the paths traced and where the report is.
    summary = task_results(report, "gcp-host")["Show the tunnel table and where the report is"]["msg"]
    assert [line.split()[0] for line in summary[:4]] == [f"aws-tunnel-{i}" for i in range(4)]
    assert all("GCP ESTABLISHED/BGP UP  AWS UP  learned " in line for line in summary[:4])
    assert summary[4:] == ["paths traced both ways: 6/6", f"Report: {ROOT}/build/report-sandbox.md (picture "
                                                           f"{ROOT}/build/report-sandbox.svg)"]

    # The collection's own playbook, by name (the collection is installed in .venv/collections).
    report = run_playbook("cloudbridge.hybrid_vpn.site", tmp_path=tmp_path, inventory=INVENTORY, extra_vars=FAST_VERIFY)
    assert clean({h: (s["failures"], s["changed"]) for h, s in report["stats"].items()}), report["stats"]
    admin.clear_calls()
    _, stats = site(tmp_path, "site.yml", "--check")
    assert clean(stats)
    assert cloud_writes(admin.calls()) == {}


def test_one_role_by_its_tag_reads_the_rest_back_from_the_clouds(tmp_path, gcp, ec2, admin):
    """--tags gcp_shared_vpc: the plays of the other roles are skipped; the firewall rule's AWS ranges (the spoke
    VPCs) are read back from the spoke accounts, so nothing changes and nothing is written."""
    admin.clear_calls()
    report, stats = site(tmp_path, "site.yml", "--tags", "gcp_shared_vpc")
    assert clean(stats), failure_messages(report)
    assert cloud_writes(admin.calls()) == {}
    firewall = gcp.get(f"{PROJECT}/global/firewalls/allow-from-aws").json()
    assert sorted(firewall["sourceRanges"]) == ["10.20.0.0/16", "10.30.0.0/16"]


def test_teardown_refuses_without_the_environment_name_then_removes_everything(tmp_path, gcp, ec2, admin):
    admin.clear_calls()
    report, _ = site(tmp_path, "teardown.yml", hybrid_vpn_teardown_confirm="production")
    assert 'hybrid_vpn_teardown_confirm: got "production", expected "sandbox"' in failure_messages(report)[0]
    assert cloud_writes(admin.calls()) == {} and built(gcp, ec2) == BUILT

    report, stats = site(tmp_path, "teardown.yml", **CONFIRM)
    assert {h: f for h, (f, _) in stats.items()} == dict.fromkeys(HOSTS, 0), failure_messages(report)
    assert built(gcp, ec2) == EMPTY  # the TGW the interrupted run left included
    _, stats = site(tmp_path, "teardown.yml", **CONFIRM)
    assert clean(stats)


def test_an_adopted_tgw_is_verified_and_torn_down_keeping_the_tgw(tmp_path, gcp, ec2):
    theirs = ec2.create_transit_gateway(Description="network team", Options={
        "AmazonSideAsn": 64600, "VpnEcmpSupport": "enable"})["TransitGateway"]["TransitGatewayId"]
    adopt = {"hybrid_vpn_aws_transit_gateway_id": theirs}
    report, stats = site(tmp_path, **adopt)  # site.yml ends with verify.yml
    assert {h: f for h, (f, _) in stats.items()} == dict.fromkeys(HOSTS, 0), failure_messages(report)
    assert f"AWS Transit Gateway {theirs} (ASN 64600)" in (ROOT / "build/report-sandbox.md").read_text()
    assert built(gcp, ec2) == BUILT
    _, stats = site(tmp_path, "teardown.yml", **adopt, **CONFIRM)
    assert {h: f for h, (f, _) in stats.items()} == dict.fromkeys(HOSTS, 0)
    assert built(gcp, ec2) == dict(EMPTY, **{"transit gateways": 1})
    assert ec2.describe_transit_gateways(TransitGatewayIds=[theirs])["TransitGateways"][0]["State"] == "available"
    ec2.delete_transit_gateway(TransitGatewayId=theirs)
