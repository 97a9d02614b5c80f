"""tgw_routing_ram on the twin, as an operator runs it: playbooks/site.yml builds the VPN, then the role shares
the Transit Gateway with the two product accounts of the seed (news by assumed role with an external id,
gunosy by an AWS profile), attaches their VPCs and routes them to GCP (the GCP ranges computed from the Shared
VPC's subnetworks, never typed). The tests build on each other, in order: the VPN alone (tags), check before
sharing, converge, rerun, check on converged, the role alone (tags), a spoke leaves, teardown, teardown again.
Cloud state is read back with plain boto3 and google-auth, in each account's own credentials."""

from __future__ import annotations

import json
import shutil

import boto3
import google.oauth2.credentials
import pytest
import yaml
from ansible_run import ROOT, run_playbook
from google.auth.transport.requests import AuthorizedSession

PLAYBOOK = ROOT / "tests/integration/playbooks/tgw_routing_ram.yml"
REGION = "https://compute.googleapis.com/compute/v1/projects/cb-net-host/regions/asia-northeast1"
GCP_RANGES = ["10.100.0.0/20", "10.100.16.0/20", "10.100.240.0/28"]  # hub-tokyo, ml-tokyo, connector svpc-tokyo
NEWS, GUNOSY = "222222222222", "333333333333"
SPOKE_CIDRS = {NEWS: "10.20.0.0/16", GUNOSY: "10.30.0.0/16"}
FAST = {"hybrid_vpn_verify_poll_interval": 1, "hybrid_vpn_aws_poll_interval": 1, "tgw_routing_ram_poll_interval": 1}
TABLES = ("cloudbridge-hybrid-vpn-vpn", "cloudbridge-hybrid-vpn-spokes")


@pytest.fixture(scope="module")
def inventories(tmp_path_factory, monkeypatch_module):
    """The sandbox inventory with gunosy reached through an AWS profile (a role assumed by botocore from the
    environment's keys), and the same without gunosy (the spoke left the inventory)."""
    root = tmp_path_factory.mktemp("inventories")
    config = root / "aws-config"
    config.write_text("[profile product-gunosy]\n"
                      f"role_arn = arn:aws:iam::{GUNOSY}:role/cloudbridge-network-admin\n"
                      "credential_source = Environment\nexternal_id = cloudbridge-sandbox\n")
    monkeypatch_module.setenv("AWS_CONFIG_FILE", str(config))
    both = root / "both"
    shutil.copytree(ROOT / "inventories/sandbox", both)
    gunosy = both / "host_vars/aws-product-gunosy.yml"
    settings = yaml.safe_load(gunosy.read_text())
    del settings["tgw_routing_ram_assume_role_arn"], settings["tgw_routing_ram_assume_role_external_id"]
    gunosy.write_text(yaml.safe_dump({**settings, "tgw_routing_ram_aws_profile": "product-gunosy"}))
    news_only = root / "news-only"
    shutil.copytree(both, news_only)
    hosts = yaml.safe_load((news_only / "hosts.yml").read_text())
    del hosts["all"]["children"]["aws"]["children"]["aws_spokes"]["hosts"]["aws-product-gunosy"]
    (news_only / "hosts.yml").write_text(yaml.safe_dump(hosts))
    return {"both": str(both), "news-only": str(news_only)}


@pytest.fixture(scope="module")
def monkeypatch_module():
    with pytest.MonkeyPatch.context() as patch:
        yield patch


@pytest.fixture(scope="module")
def accounts(twin):
    """boto3 sessions per account: the hub's keys, and each spoke's assumed role."""
    sts = boto3.client("sts")

    def session(account):
        creds = sts.assume_role(RoleArn=f"arn:aws:iam::{account}:role/reader", RoleSessionName="test")["Credentials"]
        return boto3.session.Session(aws_access_key_id=creds["AccessKeyId"],
                                     aws_secret_access_key=creds["SecretAccessKey"],
                                     aws_session_token=creds["SessionToken"])

    return {"hub": boto3.session.Session(), NEWS: session(NEWS), GUNOSY: session(GUNOSY)}


def run(tmp_path, inventory, *args, **extra):
    fact = tmp_path / "tgw_routing_ram.json"
    report = run_playbook(PLAYBOOK, *args, tmp_path=tmp_path, inventory=inventory,
                          extra_vars={**FAST, "fact_file": str(fact), **extra})
    stats = {host: (s["failures"], s["changed"]) for host, s in report["stats"].items()}
    return stats, json.loads(fact.read_text()) if fact.exists() else None


def failures(stats):
    return {host: f for host, (f, _) in stats.items() if f}


def changes(stats):
    return {host: c for host, (_, c) in stats.items() if c}


def tables(hub) -> dict:
    """Name -> {id, associations: [(resource id, state)], routes: {cidr: [resource types]}} of the role's tables."""
    ec2 = hub.client("ec2")
    found = {}
    for table in ec2.describe_transit_gateway_route_tables(Filters=[
            {"Name": "tag:Name", "Values": list(TABLES)}, {"Name": "state", "Values": ["available"]}])[
            "TransitGatewayRouteTables"]:
        table_id = table["TransitGatewayRouteTableId"]
        name = next(t["Value"] for t in table["Tags"] if t["Key"] == "Name")
        routes = ec2.search_transit_gateway_routes(TransitGatewayRouteTableId=table_id, Filters=[
            {"Name": "state", "Values": ["active", "blackhole"]}])["Routes"]
        found[name] = {"id": table_id, "routes": {
            r["DestinationCidrBlock"]: sorted(a["ResourceType"] for a in r.get("TransitGatewayAttachments", []))
            for r in routes},
            "associations": sorted((a["ResourceType"], a["State"]) for a in
                                   ec2.get_transit_gateway_route_table_associations(
                                       TransitGatewayRouteTableId=table_id)["Associations"])}
    return found


def shares(hub) -> list[dict]:
    return [s for s in hub.client("ram").get_resource_shares(resourceOwner="SELF")["resourceShares"]
            if s["status"] == "ACTIVE"]


def spoke_view(session) -> dict:
    ec2 = session.client("ec2")
    attachments = [a for a in ec2.describe_transit_gateway_vpc_attachments()["TransitGatewayVpcAttachments"]
                   if a["State"] not in ("deleted", "deleting")]
    vpc_routes = {r["DestinationCidrBlock"]: r.get("TransitGatewayId")
                  for t in ec2.describe_route_tables()["RouteTables"] for r in t["Routes"]}
    return {"tgws": [t["TransitGatewayId"] for t in ec2.describe_transit_gateways()["TransitGateways"]],
            "attachments": {a["TransitGatewayAttachmentId"]: a["State"] for a in attachments},
            "vpc_routes": {c: t for c, t in vpc_routes.items() if c in GCP_RANGES}}


def learned_by_cloud_router() -> set[str]:
    import os

    gcp = AuthorizedSession(google.oauth2.credentials.Credentials(os.environ["GCP_ACCESS_TOKEN"]))
    learned = set()
    for router in gcp.get(f"{REGION}/routers").json().get("items", []):
        status = gcp.get(f"{REGION}/routers/{router['name']}/getRouterStatus").json()
        learned |= {r["destRange"] for r in status["result"].get("bestRoutesForRouter", [])}
    return learned


def test_check_mode_on_accounts_without_sharing_changes_nothing(tmp_path, inventories, accounts):
    # The VPN alone first (site.yml limited to its two roles by tags), then the whole of site.yml in check mode:
    # the role's parts run on accounts it has not touched yet.
    stats, _ = run(tmp_path, inventories["both"], "--tags", "gcp_ha_vpn,aws_tgw_vpn")
    assert failures(stats) == {} and shares(accounts["hub"]) == []
    stats, _ = run(tmp_path, inventories["both"], "--check")
    assert failures(stats) == {}
    assert shares(accounts["hub"]) == [] and tables(accounts["hub"]) == {}
    assert spoke_view(accounts[NEWS])["attachments"] == {}


def test_converge_shares_attaches_and_routes_both_spokes(tmp_path, inventories, accounts):
    stats, fact = run(tmp_path, inventories["both"])
    assert failures(stats) == {}
    tgw = fact["transit_gateway_id"]
    [share] = shares(accounts["hub"])
    assert fact["resource_share_arn"] == share["resourceShareArn"]
    for account in (NEWS, GUNOSY):
        view = spoke_view(accounts[account])
        assert view["tgws"] == [tgw]  # invitation accepted: the spoke sees the hub's TGW
        assert list(view["attachments"].values()) == ["available"]
        assert view["vpc_routes"] == {cidr: tgw for cidr in GCP_RANGES}
    found = tables(accounts["hub"])
    vpn, spokes = found["cloudbridge-hybrid-vpn-vpn"], found["cloudbridge-hybrid-vpn-spokes"]
    assert vpn["associations"] == [("vpn", "associated")] * 2
    assert spokes["associations"] == [("vpc", "associated")] * 2
    assert vpn["routes"] == {SPOKE_CIDRS[NEWS]: ["vpc"], SPOKE_CIDRS[GUNOSY]: ["vpc"]}
    # Isolation: the spokes' table holds the GCP subnets learned over BGP, and neither spoke's CIDR.
    assert spokes["routes"] == {cidr: ["vpn", "vpn"] for cidr in GCP_RANGES}
    assert set(SPOKE_CIDRS.values()) <= learned_by_cloud_router()
    assert sorted(fact["spokes"]) == ["aws-product-gunosy", "aws-product-news"]
    assert {t["name"] for t in fact["route_tables"]} == set(TABLES)


def test_second_run_changes_nothing(tmp_path, inventories):
    stats, _ = run(tmp_path, inventories["both"])
    assert failures(stats) == {} and changes(stats) == {}


def test_check_mode_on_converged_accounts_changes_nothing(tmp_path, inventories):
    stats, _ = run(tmp_path, inventories["both"], "--check")
    assert failures(stats) == {} and changes(stats) == {}


def test_the_role_alone_reads_the_vpn_back_from_the_clouds(tmp_path, inventories):
    """--tags tgw_routing_ram skips the VPN plays: the Transit Gateway, the VPN connections (for the vpn table's
    associations) and the gateway IPs are read back, and nothing changes."""
    stats, fact = run(tmp_path, inventories["both"], "--tags", "tgw_routing_ram")
    assert failures(stats) == {} and changes(stats) == {}
    [vpn] = [t for t in fact["route_tables"] if t["name"] == "cloudbridge-hybrid-vpn-vpn"]
    assert len(vpn["associations"]) == 2


def test_a_spoke_that_leaves_loses_its_attachment_and_principal_and_an_unlisted_one_stays_pending(
        tmp_path, inventories, accounts):
    news_before = spoke_view(accounts[NEWS])["attachments"]
    # gunosy attaches a second VPC on its own: once gunosy is no longer listed, that attachment stays pending.
    ec2 = accounts[GUNOSY].client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.31.0.0/16")["Vpc"]
    subnet = ec2.create_subnet(VpcId=vpc["VpcId"], CidrBlock="10.31.0.0/24")["Subnet"]
    tgw = spoke_view(accounts[GUNOSY])["tgws"][0]
    stray = ec2.create_transit_gateway_vpc_attachment(TransitGatewayId=tgw, VpcId=vpc["VpcId"], SubnetIds=[
        subnet["SubnetId"]])["TransitGatewayVpcAttachment"]["TransitGatewayAttachmentId"]

    stats, fact = run(tmp_path, inventories["news-only"])
    assert failures(stats) == {}
    assert [p["associatedEntity"] for p in accounts["hub"].client("ram").get_resource_share_associations(
        associationType="PRINCIPAL", associationStatus="ASSOCIATED")["resourceShareAssociations"]] == [NEWS]
    assert [a["transit_gateway_attachment_id"] for a in fact["left_pending"]] == [stray]
    assert spoke_view(accounts[GUNOSY])["attachments"] == {stray: "pendingAcceptance"}
    assert spoke_view(accounts[NEWS])["attachments"] == news_before
    found = tables(accounts["hub"])
    assert found["cloudbridge-hybrid-vpn-vpn"]["routes"] == {SPOKE_CIDRS[NEWS]: ["vpc"]}
    assert found["cloudbridge-hybrid-vpn-spokes"]["associations"] == [("vpc", "associated")]


def test_teardown_removes_everything_and_a_second_teardown_changes_nothing(tmp_path, inventories, accounts):
    teardown = ROOT / "playbooks/teardown.yml"
    confirm = {**FAST, "hybrid_vpn_teardown_confirm": "sandbox"}
    report = run_playbook(teardown, tmp_path=tmp_path, inventory=inventories["news-only"], extra_vars=confirm)
    assert failures({h: (s["failures"], s["changed"]) for h, s in report["stats"].items()}) == {}
    assert shares(accounts["hub"]) == [] and tables(accounts["hub"]) == {}
    view = spoke_view(accounts[NEWS])
    assert view["attachments"] == {} and view["vpc_routes"] == {} and view["tgws"] == []
    report = run_playbook(teardown, tmp_path=tmp_path, inventory=inventories["news-only"], extra_vars=confirm)
    stats = {h: (s["failures"], s["changed"]) for h, s in report["stats"].items()}
    assert failures(stats) == {} and changes(stats) == {}
