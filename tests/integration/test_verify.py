"""playbooks/verify.yml and report.yml on the whole topology (VPN on an adopted Transit Gateway, two spokes, the
Shared VPC): one converge shared by the module, then faults made outside the collection one at a time, each
making verify fail within its deadline with a one-line reason naming the element, then repaired."""

from __future__ import annotations

import time

import boto3
import pytest
from ansible_run import ROOT, failure_messages, run_playbook

INVENTORY = str(ROOT / "inventories/sandbox")
PLAYBOOKS = ROOT / "tests/integration/playbooks"
PROJECT, REGION, ROUTER = "cb-net-host", "asia-northeast1", "cr-aws"
SHARED = ["10.100.0.0/20", "10.100.16.0/20", "10.100.240.0/28"]  # hub-tokyo, ml-tokyo, connector svpc-tokyo
NEWS = "222222222222"
# CUSTOM without ALL_SUBNETS (the sandbox advertises both): the router advertises exactly the shared ranges site.yml
# computes from the Shared VPC's inputs, so removing one of them is a fault verify must name.
FAST = {"hybrid_vpn_verify_poll_interval": 1, "hybrid_vpn_aws_poll_interval": 1, "tgw_routing_ram_poll_interval": 1,
        "hybrid_vpn_advertised_groups": []}
# A fault must show within this deadline (seconds), the AWS wait included.
DEADLINE = 8


def play(tmp_path, playbook, **extra):
    report = run_playbook(playbook, tmp_path=tmp_path, inventory=INVENTORY, extra_vars={**FAST, **extra})
    return report, {host: (s["failures"], s["changed"]) for host, s in report["stats"].items()}


def verify(tmp_path, settings) -> tuple[list[str], float, dict]:
    """Run verify.yml (and report.yml); return the verdict's lines (empty when it passed), the seconds taken and
    the report."""
    start = time.monotonic()
    report, _ = play(tmp_path, PLAYBOOKS / "verify_report.yml", hybrid_vpn_verify_timeout=DEADLINE, **settings)
    verdict = [m for m in failure_messages(report) if isinstance(m, list)]
    return (verdict[-1] if verdict else []), time.monotonic() - start, report


def progress(report) -> list[str]:
    """The progress lines verify printed while it waited, in order."""
    return [r["msg"] for p in report["plays"] for t in p["tasks"] if t["task"]["name"].split(" : ")[-1].startswith(
        "Progress") for r in t["hosts"].values() if r.get("msg")]


@pytest.fixture(scope="module")
def hub(twin):
    return boto3.session.Session().client("ec2")


@pytest.fixture(scope="module")
def news(twin):
    creds = boto3.client("sts").assume_role(RoleArn=f"arn:aws:iam::{NEWS}:role/reader",
                                            RoleSessionName="test")["Credentials"]
    return boto3.session.Session(aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"],
                                 aws_session_token=creds["SessionToken"]).client("ec2")


@pytest.fixture(scope="module")
def adopted(hub):
    """Another team's Transit Gateway, adopted by id: the whole module runs on it."""
    return hub.create_transit_gateway(Description="network team", Options={
        "AmazonSideAsn": 64512, "VpnEcmpSupport": "enable"})["TransitGateway"]["TransitGatewayId"]


@pytest.fixture(scope="module")
def converged(twin, tmp_path_factory, adopted):
    """site.yml as the operator runs it (the VPN on the adopted TGW, the routing, the Shared VPC, verify, report)."""
    report, stats = play(tmp_path_factory.mktemp("converge"), ROOT / "playbooks/site.yml",
                         hybrid_vpn_aws_transit_gateway_id=adopted)
    assert all(f == 0 for f, _ in stats.values()), failure_messages(report)
    return {"hybrid_vpn_aws_transit_gateway_id": adopted}


def wait_available(hub, vpn_id):
    for _ in range(120):
        if hub.describe_vpn_connections(VpnConnectionIds=[vpn_id])["VpnConnections"][0]["State"] == "available":
            return
        time.sleep(0.5)
    pytest.fail(f"{vpn_id} never became available again")


def our_connection(hub, suffix):
    return hub.describe_vpn_connections(Filters=[
        {"Name": "tag:Name", "Values": [f"cloudbridge-hybrid-vpn-{suffix}"]},
        {"Name": "state", "Values": ["available"]}])["VpnConnections"][0]


def gcp_wait(compute, op):
    compute.regionOperations().wait(project=PROJECT, region=REGION, operation=op["name"]).execute()


def patch_router(compute, change):
    router = compute.routers().get(project=PROJECT, region=REGION, router=ROUTER).execute()
    change(router)
    gcp_wait(compute, compute.routers().patch(project=PROJECT, region=REGION, router=ROUTER, body={
        k: router[k] for k in ("bgp", "interfaces", "bgpPeers", "fingerprint") if k in router}).execute())


def test_verify_passes_on_an_adopted_tgw_and_reports_every_path(converged, tmp_path, adopted):
    lines, _, _ = verify(tmp_path, converged)
    assert lines == []
    text = (ROOT / "build/report-sandbox.md").read_text()
    assert f"AWS Transit Gateway {adopted} (ASN 64512)" in text
    assert text.count("| ESTABLISHED | UP Established | UP ") == 4
    assert text.count("| ok (") == 2 * 6  # 2 spoke VPCs x (2 subnetworks + 1 connector), both ways
    svg = (ROOT / "build/report-sandbox.svg").read_text()
    assert svg.startswith("<svg") and "Transit Gateway" in svg and "connector svpc-tokyo" in svg
    assert svg.count('stroke="#c62828"') == 1  # red only in the legend: nothing drawn as failing


def test_keys_swapped_between_two_aws_tunnels(converged, tmp_path, hub):
    conn = our_connection(hub, "if0")
    first, second = conn["Options"]["TunnelOptions"][:2]

    def set_keys(a, b):
        for tunnel, key in ((first, a), (second, b)):
            hub.modify_vpn_tunnel_options(VpnConnectionId=conn["VpnConnectionId"],
                                          VpnTunnelOutsideIpAddress=tunnel["OutsideIpAddress"],
                                          TunnelOptions={"PreSharedKey": key})
            wait_available(hub, conn["VpnConnectionId"])

    set_keys(second["PreSharedKey"], first["PreSharedKey"])
    try:
        lines, took, _ = verify(tmp_path, converged)
    finally:
        set_keys(first["PreSharedKey"], second["PreSharedKey"])
    mismatched = [line for line in lines if "key fingerprint (label psk-fingerprint) differs" in line]
    assert [line.split(":")[0] for line in mismatched] == ["GCP tunnel aws-tunnel-0", "GCP tunnel aws-tunnel-1"]
    assert all(f"AWS tunnel {t['OutsideIpAddress']}" in " ".join(mismatched) for t in (first, second))
    assert not any(first["PreSharedKey"] in line or second["PreSharedKey"] in line for line in lines)
    report = (ROOT / "build/report-sandbox.md").read_text() + (ROOT / "build/report-sandbox.svg").read_text()
    assert "Verification failed" in report and first["PreSharedKey"] not in report
    assert took < 120


def test_a_spoke_attachment_left_without_its_tgw_route_table(converged, tmp_path, hub, adopted):
    attachment = hub.describe_transit_gateway_attachments(Filters=[
        {"Name": "transit-gateway-id", "Values": [adopted]}, {"Name": "resource-owner-id", "Values": [NEWS]},
        {"Name": "state", "Values": ["available"]}])["TransitGatewayAttachments"][0]
    attachment_id = attachment["TransitGatewayAttachmentId"]
    table = attachment["Association"]["TransitGatewayRouteTableId"]
    hub.disassociate_transit_gateway_route_table(TransitGatewayRouteTableId=table,
                                                 TransitGatewayAttachmentId=attachment_id)
    try:
        lines, _, _ = verify(tmp_path, converged)
    finally:
        for _ in range(60):
            try:
                hub.associate_transit_gateway_route_table(TransitGatewayRouteTableId=table,
                                                          TransitGatewayAttachmentId=attachment_id)
                break
            except hub.exceptions.ClientError:  # still disassociating
                time.sleep(0.5)
    assert len(lines) == 1
    assert lines[0].startswith(f"AWS TGW attachment {attachment_id}: associated with no route table [breaks news-prod")


def test_a_spoke_vpc_route_to_gcp_deleted(converged, tmp_path, news, adopted):
    table = news.describe_route_tables(Filters=[
        {"Name": "association.main", "Values": ["true"]},
        {"Name": "route.destination-cidr-block", "Values": [SHARED[1]]}])["RouteTables"][0]
    news.delete_route(RouteTableId=table["RouteTableId"], DestinationCidrBlock=SHARED[1])
    try:
        lines, _, _ = verify(tmp_path, converged)
    finally:
        news.create_route(RouteTableId=table["RouteTableId"], DestinationCidrBlock=SHARED[1],
                          TransitGatewayId=adopted)
    assert len(lines) == 1
    assert lines[0].startswith(f"AWS spoke aws-product-news VPC {table['VpcId']} route table {table['RouteTableId']}: "
                               f"no route to {SHARED[1]}, expected a route to {SHARED[1]} via {adopted} "
                               "[breaks news-prod 10.20.0.0/16 <-> ml-tokyo")


def test_the_cloud_router_no_longer_advertises_a_shared_subnetwork(converged, tmp_path, compute):
    def drop(router):
        ranges = router["bgp"]["advertisedIpRanges"]
        router["bgp"]["advertisedIpRanges"] = [r for r in ranges if r["range"] != SHARED[1]]

    def restore(router):
        router["bgp"]["advertisedIpRanges"].append({"range": SHARED[1]})

    patch_router(compute, drop)
    try:
        lines, _, _ = verify(tmp_path, converged)
    finally:
        patch_router(compute, restore)
    assert len(lines) == 1
    assert lines[0].startswith(f"GCP Cloud Router: no BGP session of ours (aws-bgp-0, aws-bgp-1, aws-bgp-2, "
                               f"aws-bgp-3) advertises a route covering {SHARED[1]} [breaks news-prod")


def test_another_teams_peer_up_on_our_router_does_not_hide_ours_down(converged, tmp_path, hub, compute, adopted,
                                                                     admin):
    """Another team's VPN connection on our Transit Gateway (from our customer gateway) and its BGP peer UP on our
    Cloud Router, while our session aws-bgp-3 is down (its neighbour stopped answering: nothing in any configuration
    says so): four sessions UP on the router, three of them ours. verify waits for it, saying so, until its deadline."""
    ours = our_connection(hub, "if0")
    theirs = hub.create_vpn_connection(
        CustomerGatewayId=ours["CustomerGatewayId"], Type="ipsec.1", TransitGatewayId=adopted,
        Options={"TunnelOptions": [{"TunnelInsideCidr": cidr, "PreSharedKey": f"theirs.key.{cidr[-4]}0000",
                                    "IKEVersions": [{"Value": "ikev2"}]}
                                   for cidr in ("169.254.200.0/30", "169.254.200.4/30")]},
        TagSpecifications=[{"ResourceType": "vpn-connection", "Tags": [{"Key": "Name", "Value": "other-team"}]}],
    )["VpnConnection"]
    wait_available(hub, theirs["VpnConnectionId"])
    tunnel = next(t for t in hub.describe_vpn_connections(VpnConnectionIds=[theirs["VpnConnectionId"]])[
        "VpnConnections"][0]["Options"]["TunnelOptions"] if t["TunnelInsideCidr"] == "169.254.200.0/30")
    op = compute.externalVpnGateways().insert(project=PROJECT, body={
        "name": "other-team-peer", "redundancyType": "SINGLE_IP_INTERNALLY_REDUNDANT",
        "interfaces": [{"id": 0, "ipAddress": tunnel["OutsideIpAddress"]}]}).execute()
    compute.globalOperations().wait(project=PROJECT, operation=op["name"]).execute()
    base = f"https://www.googleapis.com/compute/v1/projects/{PROJECT}"
    gcp_wait(compute, compute.vpnTunnels().insert(project=PROJECT, region=REGION, body={
        "name": "other-team-tunnel", "vpnGateway": f"{base}/regions/{REGION}/vpnGateways/ha-vpn-aws",
        "vpnGatewayInterface": 0, "peerExternalGateway": f"{base}/global/externalVpnGateways/other-team-peer",
        "peerExternalGatewayInterface": 0, "sharedSecret": tunnel["PreSharedKey"], "ikeVersion": 2,
        "router": f"{base}/regions/{REGION}/routers/{ROUTER}"}).execute())

    def add_theirs(router):
        router["interfaces"].append({"name": "other-team-if", "ipRange": "169.254.200.2/30",
                                     "linkedVpnTunnel": f"{base}/regions/{REGION}/vpnTunnels/other-team-tunnel"})
        router["bgpPeers"].append({"name": "other-team-bgp", "interfaceName": "other-team-if",
                                   "ipAddress": "169.254.200.2", "peerIpAddress": "169.254.200.1", "peerAsn": 64512})

    patch_router(compute, add_theirs)
    ours = next(p for p in compute.routers().get(project=PROJECT, region=REGION, router=ROUTER).execute()[
        "bgpPeers"] if p["name"] == "aws-bgp-3")
    admin.observe(sessions=[(ours["ipAddress"], ours["peerIpAddress"], "Active")])
    try:
        status = compute.routers().getRouterStatus(project=PROJECT, region=REGION, router=ROUTER).execute()
        up = sorted(p["name"] for p in status["result"]["bgpPeerStatus"] if p["status"] == "UP")
        assert up == ["aws-bgp-0", "aws-bgp-1", "aws-bgp-2", "other-team-bgp"]  # four UP: what the old verify counted
        lines, took, report = verify(tmp_path, converged)
    finally:
        admin.observe()
    assert "GCP BGP session aws-bgp-3: DOWN (Active)" in lines
    assert not any("other-team" in line for line in lines)
    assert DEADLINE <= took < DEADLINE + 90  # it waited until its deadline, no longer
    waited = [line for line in progress(report) if line.startswith("GCP: ")]
    assert waited and all("4/4 tunnels ESTABLISHED, 3/4 BGP sessions UP; aws-bgp-3: DOWN (" in line and
                          line.endswith(" s left)") for line in waited), progress(report)
