"""The 4-tunnel AWS TGW <-> GCP HA VPN topology, built by hand with plain boto3 and googleapiclient,
step by step as an operator following Google's "Create HA VPN connections between Google Cloud and
AWS" would. The twin's acceptance tests use it; nothing here knows the twin's internals.

By hand, on a running twin (or, with the same environment variables, a real pair of clouds):
    make twin-up && . .twin/env
    PYTHONPATH=tests .venv/bin/python -m twin.tests.topology [--wrong-key 1]
"""

from __future__ import annotations

import ipaddress
import time
from dataclasses import dataclass, field

AMAZON_SIDE_ASN = 64512
CLOUD_ROUTER_ASN = 65000
WWW = "https://www.googleapis.com/compute/v1"


@dataclass
class AwsTunnelOptions:
    vpn_connection_id: str
    outside_ip: str
    inside_cidr: str
    pre_shared_key: str

    @property
    def aws_ip(self) -> str:
        return str(ipaddress.ip_network(self.inside_cidr)[1])

    @property
    def customer_ip(self) -> str:
        return str(ipaddress.ip_network(self.inside_cidr)[2])


@dataclass
class Topology:
    project: str
    region: str
    network: str
    name: str  # prefix of every resource name
    gateway_ips: list[str]
    tgw_id: str
    route_table_id: str
    vpn_connection_ids: list[str]
    tunnels: list[AwsTunnelOptions] = field(default_factory=list)  # peer interfaces 0..3

    def url(self, kind: str, name: str) -> str:
        scope = "global" if kind in ("externalVpnGateways", "networks") else f"regions/{self.region}"
        return f"{WWW}/projects/{self.project}/{scope}/{kind}/{name}"

    @property
    def router(self) -> str:
        return f"{self.name}-cr"

    def tunnel_name(self, i: int) -> str:
        return f"{self.name}-tunnel-{i}"


def until(fetch, done, timeout: float = 30.0, interval: float = 0.2):
    """Poll ``fetch()`` until ``done(result)`` and return that result; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not done(result := fetch()):
        if time.monotonic() > deadline:
            raise AssertionError(f"still waiting after {timeout}s: {result}")
        time.sleep(interval)
    return result


def wait(compute, project: str, operation: dict, region: str | None = None) -> dict:
    """Wait for a Compute operation with operations.wait; raise if it ended with an error."""
    ops = compute.regionOperations() if region else compute.globalOperations()
    scope = {"region": region} if region else {}
    op = until(lambda: ops.wait(project=project, operation=operation["name"], **scope).execute(),
               lambda o: o["status"] == "DONE")
    if op.get("error"):
        raise AssertionError(f"operation {op['name']} failed: {op['error']}")
    return op


def _ha_gateway(compute, t: Topology) -> list[str]:
    gateways = compute.vpnGateways()
    body = {"name": f"{t.name}-gw", "network": t.url("networks", t.network), "stackType": "IPV4_ONLY"}
    wait(compute, t.project, gateways.insert(project=t.project, region=t.region, body=body).execute(), t.region)
    gateway = gateways.get(project=t.project, region=t.region, vpnGateway=f"{t.name}-gw").execute()
    return [i["ipAddress"] for i in sorted(gateway["vpnInterfaces"], key=lambda i: i["id"])]


def _aws_side(ec2, t: Topology) -> None:
    tgw = ec2.create_transit_gateway(
        Description=f"{t.name} to GCP",
        Options={"AmazonSideAsn": AMAZON_SIDE_ASN, "VpnEcmpSupport": "enable",
                 "DefaultRouteTableAssociation": "enable", "DefaultRouteTablePropagation": "enable"},
    )["TransitGateway"]
    t.tgw_id = tgw["TransitGatewayId"]
    tgw = until(lambda: ec2.describe_transit_gateways(TransitGatewayIds=[t.tgw_id])["TransitGateways"][0],
                lambda g: g["State"] == "available")
    t.route_table_id = tgw["Options"]["AssociationDefaultRouteTableId"]
    for n, gateway_ip in enumerate(t.gateway_ips):
        cgw = ec2.create_customer_gateway(BgpAsn=CLOUD_ROUTER_ASN, PublicIp=gateway_ip, Type="ipsec.1")
        # IKEv2 only; the inside CIDRs are chosen so the four /30s on the one Cloud Router differ.
        options = [{"TunnelInsideCidr": f"169.254.{10 + 2 * n + k}.0/30", "IKEVersions": [{"Value": "ikev2"}]}
                   for k in range(2)]
        vpn = ec2.create_vpn_connection(
            CustomerGatewayId=cgw["CustomerGateway"]["CustomerGatewayId"], Type="ipsec.1",
            TransitGatewayId=t.tgw_id, Options={"StaticRoutesOnly": False, "TunnelOptions": options},
        )["VpnConnection"]
        t.vpn_connection_ids.append(vpn["VpnConnectionId"])
    ec2.get_waiter("vpn_connection_available").wait(
        VpnConnectionIds=t.vpn_connection_ids, WaiterConfig={"Delay": 1, "MaxAttempts": 60})
    described = {v["VpnConnectionId"]: v for v in
                 ec2.describe_vpn_connections(VpnConnectionIds=t.vpn_connection_ids)["VpnConnections"]}
    for vpn_id in t.vpn_connection_ids:
        t.tunnels += [AwsTunnelOptions(vpn_id, o["OutsideIpAddress"], o["TunnelInsideCidr"], o["PreSharedKey"])
                      for o in described[vpn_id]["Options"]["TunnelOptions"]]


def tunnel_body(t: Topology, i: int, shared_secret: str | None = None) -> dict:
    """vpnTunnels.insert body for peer interface i: HA interface 0 -> peers 0, 1; 1 -> peers 2, 3."""
    return {
        "name": t.tunnel_name(i),
        "vpnGateway": t.url("vpnGateways", f"{t.name}-gw"), "vpnGatewayInterface": i // 2,
        "peerExternalGateway": t.url("externalVpnGateways", f"{t.name}-peer"), "peerExternalGatewayInterface": i,
        "sharedSecret": shared_secret or t.tunnels[i].pre_shared_key, "ikeVersion": 2,
        "router": t.url("routers", t.router),
    }


def bgp_config(t: Topology, i: int) -> tuple[dict, dict]:
    """(router interface, BGP peer) for tunnel i: interface and ipAddress = customer gateway inside
    address, peerIpAddress = AWS inside address."""
    aws = t.tunnels[i]
    interface = {"name": f"if-{t.tunnel_name(i)}", "ipRange": f"{aws.customer_ip}/30",
                 "linkedVpnTunnel": t.url("vpnTunnels", t.tunnel_name(i))}
    peer = {"name": f"peer-{t.tunnel_name(i)}", "interfaceName": interface["name"], "ipAddress": aws.customer_ip,
            "peerIpAddress": aws.aws_ip, "peerAsn": AMAZON_SIDE_ASN}
    return interface, peer


def patch_router(compute, t: Topology, interfaces: list[dict], peers: list[dict]) -> dict:
    routers = compute.routers()
    body = {"interfaces": interfaces, "bgpPeers": peers}
    return wait(compute, t.project, routers.patch(project=t.project, region=t.region, router=t.router,
                                                  body=body).execute(), t.region)


def _gcp_side(compute, t: Topology) -> None:
    peer_gw = {"name": f"{t.name}-peer", "redundancyType": "FOUR_IPS_REDUNDANCY",
               "interfaces": [{"id": i, "ipAddress": a.outside_ip} for i, a in enumerate(t.tunnels)]}
    wait(compute, t.project, compute.externalVpnGateways().insert(project=t.project, body=peer_gw).execute())
    router = {"name": t.router, "network": t.url("networks", t.network), "bgp": {"asn": CLOUD_ROUTER_ASN}}
    wait(compute, t.project, compute.routers().insert(project=t.project, region=t.region, body=router).execute(),
         t.region)
    for i in range(len(t.tunnels)):
        op = compute.vpnTunnels().insert(project=t.project, region=t.region, body=tunnel_body(t, i)).execute()
        wait(compute, t.project, op, t.region)
    interfaces, peers = zip(*(bgp_config(t, i) for i in range(len(t.tunnels))), strict=True)
    patch_router(compute, t, list(interfaces), list(peers))


def build(ec2, compute, name: str, project: str = "cb-net-host", region: str = "asia-northeast1",
          network: str = "vpc-hub") -> Topology:
    t = Topology(project, region, network, name, [], "", "", [])
    t.gateway_ips = _ha_gateway(compute, t)
    _aws_side(ec2, t)
    _gcp_side(compute, t)
    return t


def replace_tunnel(compute, t: Topology, i: int, shared_secret: str) -> None:
    """Delete GCP tunnel i and insert it again with another key (GCP tunnels cannot be updated)."""
    tunnels = compute.vpnTunnels()
    wait(compute, t.project, tunnels.delete(project=t.project, region=t.region, vpnTunnel=t.tunnel_name(i)).execute(),
         t.region)
    body = tunnel_body(t, i, shared_secret=shared_secret)
    wait(compute, t.project, tunnels.insert(project=t.project, region=t.region, body=body).execute(), t.region)


def status_lines(ec2, compute, t: Topology) -> list[str]:
    """One line per tunnel: GCP tunnel status, GCP BGP status, AWS telemetry."""
    router = compute.routers().getRouterStatus(project=t.project, region=t.region, router=t.router).execute()
    bgp = {p["name"]: p["status"] for p in router["result"].get("bgpPeerStatus", [])}
    vpns = ec2.describe_vpn_connections(VpnConnectionIds=t.vpn_connection_ids)["VpnConnections"]
    telemetry = {v["OutsideIpAddress"]: v for c in vpns for v in c["VgwTelemetry"]}
    lines = []
    for i, aws in enumerate(t.tunnels):
        gcp = compute.vpnTunnels().get(project=t.project, region=t.region, vpnTunnel=t.tunnel_name(i)).execute()
        aws_view, session = telemetry[aws.outside_ip], bgp.get(f"peer-{t.tunnel_name(i)}")
        lines.append(f"tunnel {i} {aws.outside_ip:>15}  GCP {gcp['status']:<19} BGP {session}"
                     f"  AWS {aws_view['Status']} ({aws_view['StatusMessage']})")
    return lines


def main(argv=None) -> int:
    import argparse
    import os
    import uuid

    import boto3
    import google.oauth2.credentials
    from googleapiclient import discovery

    parser = argparse.ArgumentParser(prog="python -m twin.tests.topology", description=__doc__.split("\n")[0])
    parser.add_argument("--wrong-key", type=int, metavar="N", help="then recreate GCP tunnel N with a wrong key")
    args = parser.parse_args(argv)
    ec2 = boto3.client("ec2")
    credentials = google.oauth2.credentials.Credentials(os.environ["GCP_ACCESS_TOKEN"])
    compute = discovery.build("compute", "v1", credentials=credentials, cache_discovery=False)
    t = build(ec2, compute, name=f"hand-{uuid.uuid4().hex[:6]}", project=os.environ.get("GCP_PROJECT", "cb-net-host"))
    print("\n".join(status_lines(ec2, compute, t)))
    if args.wrong_key is not None:
        replace_tunnel(compute, t, args.wrong_key, "not_the_aws_key_123")
        print(f"-- GCP tunnel {args.wrong_key} recreated with a wrong key")
        print("\n".join(status_lines(ec2, compute, t)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
