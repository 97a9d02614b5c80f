"""gcp_ha_vpn on the twin: converge, idempotence, check and diff, key rotation, teardown.

The AWS half is built with plain boto3 on the AWS twin and turned into the ``aws_tgw_vpn_tunnels``
structure with the AWS wiring rules, so tunnels and BGP sessions come up only if both halves agree.
"""

from __future__ import annotations

import json

import boto3
import google.oauth2.credentials
import pytest
from ansible_run import ROOT, run_playbook, task_results
from google.auth.transport.requests import AuthorizedSession

from ansible_collections.cloudbridge.hybrid_vpn.plugins.module_utils._wiring import build_aws_tunnels

PLAYBOOK = ROOT / "tests/integration/playbooks/gcp_ha_vpn.yml"
REGION_PATH = "projects/cb-net-host/regions/asia-northeast1"
COMPUTE = "https://compute.googleapis.com/compute/v1/"
CIDRS = ["169.254.20.0/30", "169.254.20.4/30", "169.254.21.0/30", "169.254.21.4/30"]
KEYS = ["key.zero_" + "a" * 23, "key.one_" + "b" * 24, "key.two_" + "c" * 24, "key.three_" + "d" * 22]


@pytest.fixture(scope="module")
def gcp(twin):
    return AuthorizedSession(google.oauth2.credentials.Credentials(twin.env["GCP_ACCESS_TOKEN"]))


def get(gcp, path):
    response = gcp.get(COMPUTE + path, timeout=30)
    return response.json() if response.status_code == 200 else None


def play(tmp_path, entry, extra=None, check=False, diff=False):
    """Run one entry point; return (PLAY RECAP stats of localhost, results by task name)."""
    report = run_playbook(PLAYBOOK, *["--check"] * check, *["--diff"] * diff, tmp_path=tmp_path,
                          extra_vars={"gcp_entry": entry, "gcp_ha_vpn_verify_poll_interval": 1, **(extra or {})})
    return report["stats"]["localhost"], task_results(report, "localhost")


def aws_side(gateway_ips, keys=KEYS):
    """TGW, two customer gateways (the HA interface IPs) and two VPN connections; returns the AWS tunnel fact."""
    ec2 = boto3.session.Session().client("ec2")
    tgw = ec2.create_transit_gateway(Options={"AmazonSideAsn": 64512, "VpnEcmpSupport": "enable"})["TransitGateway"]
    for i, ip in enumerate(gateway_ips):
        cgw = ec2.create_customer_gateway(BgpAsn=65000, PublicIp=ip, Type="ipsec.1")["CustomerGateway"]
        ec2.create_vpn_connection(
            CustomerGatewayId=cgw["CustomerGatewayId"], Type="ipsec.1", TransitGatewayId=tgw["TransitGatewayId"],
            Options={"TunnelOptions": [{"TunnelInsideCidr": CIDRS[2 * i + j], "PreSharedKey": keys[2 * i + j],
                                        "IKEVersions": [{"Value": "ikev2"}]} for j in range(2)]})
    return tgw["TransitGatewayId"]


def aws_tunnels(gateway_ips):
    ec2 = boto3.session.Session().client("ec2")
    connections = [c for c in ec2.describe_vpn_connections()["VpnConnections"] if c["State"] != "deleted"]
    cgws = {c["CustomerGatewayId"]: c for c in ec2.describe_customer_gateways()["CustomerGateways"]}
    return build_aws_tunnels(connections, cgws, gateway_ips, 64512)


def test_gcp_ha_vpn_lifecycle(twin, admin, gcp, tmp_path):
    # --check on an empty project: no failure, nothing created.
    stats, _ = play(tmp_path, "gateway", check=True)
    assert stats["failures"] == 0 and get(gcp, f"{REGION_PATH}/vpnGateways/ha-vpn-aws") is None

    stats, results = play(tmp_path, "gateway")
    assert stats["failures"] == 0 and stats["changed"] == 1
    gateway = results["Publish the gateway fact"]["ansible_facts"]["gcp_ha_vpn_gateway"]
    ips = [i["ip_address"] for i in gateway["interfaces"]]
    assert all(ips) and gateway["name"] == "ha-vpn-aws"
    assert play(tmp_path, "gateway")[0]["changed"] == 0

    aws_side(ips)
    tunnels_vars = {"gcp_ha_vpn_aws_tunnels": aws_tunnels(ips)}
    stats, results = play(tmp_path, "tunnels", tunnels_vars, check=True)
    assert stats["failures"] == 0, [r.get("msg") for r in results.values() if r.get("failed")]
    assert get(gcp, f"{REGION_PATH}/routers/cr-aws") is None

    stats, results = play(tmp_path, "tunnels", tunnels_vars)
    assert stats["failures"] == 0, [r.get("msg") for r in results.values() if r.get("failed")]
    facts = results["Publish the tunnels fact"]["ansible_facts"]["gcp_ha_vpn_tunnels"]
    assert [(t["gcp_interface"], t["peer_interface"], t["status"]) for t in facts] == [
        (0, 0, "ESTABLISHED"), (0, 1, "ESTABLISHED"), (1, 2, "ESTABLISHED"), (1, 3, "ESTABLISHED")]
    # Each session's addresses come from its own AWS tunnel (peer interfaces follow outside-IP order, not CIDRs).
    for fact, aws in zip(facts, tunnels_vars["gcp_ha_vpn_aws_tunnels"], strict=True):
        assert (fact["peer_interface"], fact["bgp_ip"], fact["bgp_peer_ip"]) == (
            aws["peer_interface"], aws["cgw_inside_ip"], aws["aws_inside_ip"])
    assert KEYS[0] not in json.dumps(results)
    router = get(gcp, f"{REGION_PATH}/routers/cr-aws")
    assert sorted(p["peerAsn"] for p in router["bgpPeers"]) == [64512] * 4

    # Converged: a rerun and a --check --diff rerun change nothing; the rerun reads the router and the tunnels once.
    admin.clear_calls()
    assert play(tmp_path, "tunnels", tunnels_vars)[0]["changed"] == 0
    assert admin.calls()["gcp"] == {"compute.externalVpnGateways.get": 1, "compute.routers.get": 1,
                                    "compute.vpnTunnels.list": 1, "compute.routers.getRouterStatus": 1}
    assert play(tmp_path, "tunnels", tunnels_vars, check=True, diff=True)[0]["changed"] == 0

    # --diff shows a label change without recreating anything.
    stats, results = play(tmp_path, "tunnels", dict(tunnels_vars, gcp_ha_vpn_labels={"env": "sandbox"}),
                          check=True, diff=True)
    diff = results["Ensure the four tunnels (a rotated key replaces only its tunnel)"]["diff"]
    assert diff["after"]["aws-tunnel-0"]["labels"]["env"] == "sandbox"
    assert results["Ensure the four tunnels (a rotated key replaces only its tunnel)"]["actions"] == {
        f"aws-tunnel-{i}": "labels" for i in range(4)}

    # A rotated key on AWS tunnel 3 replaces only GCP tunnel 3; its BGP session comes back.
    ec2 = boto3.session.Session().client("ec2")
    rotated = aws_tunnels(ips)[3]
    ec2.modify_vpn_tunnel_options(VpnConnectionId=rotated["vpn_connection_id"],
                                  VpnTunnelOutsideIpAddress=rotated["outside_ip"],
                                  TunnelOptions={"PreSharedKey": "key.rotated_" + "e" * 20})
    old_id = get(gcp, f"{REGION_PATH}/vpnTunnels/aws-tunnel-3")["id"]
    stats, results = play(tmp_path, "tunnels", {"gcp_ha_vpn_aws_tunnels": aws_tunnels(ips)})
    assert stats["failures"] == 0 and stats["changed"] == 1
    assert results["Ensure the four tunnels (a rotated key replaces only its tunnel)"]["actions"] == {
        "aws-tunnel-3": "replace"}
    assert get(gcp, f"{REGION_PATH}/vpnTunnels/aws-tunnel-3")["id"] != old_id
    status = results["Read the Cloud Router and its BGP status"]["bgp_peers"]  # verify's last read
    assert sorted(p["status"] for p in status) == ["UP"] * 4

    # Teardown from the gateway entry point removes everything; a second run changes nothing.
    stats, _ = play(tmp_path, "gateway", {"gcp_ha_vpn_state": "absent"})
    assert stats["failures"] == 0 and stats["changed"] == 5
    assert get(gcp, f"{REGION_PATH}/vpnTunnels").get("items", []) == []
    for path in (f"{REGION_PATH}/routers/cr-aws", f"{REGION_PATH}/vpnGateways/ha-vpn-aws",
                 "projects/cb-net-host/global/externalVpnGateways/aws-tgw-peer"):
        assert get(gcp, path) is None
    assert play(tmp_path, "gateway", {"gcp_ha_vpn_state": "absent"})[0]["changed"] == 0
