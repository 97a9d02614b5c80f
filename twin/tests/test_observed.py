"""States observed by real peers (POST /_twin/observed, fed by tests/protocol) replace the link's field
comparisons while set, on both clouds' APIs; DELETE and /_twin/reset put the comparisons back."""

from __future__ import annotations

import uuid

import pytest
import requests

from twin.tests.topology import Topology, build


@pytest.fixture
def topology(ec2, compute) -> Topology:
    return build(ec2, compute, name=f"o{uuid.uuid4().hex[:8]}")


@pytest.fixture
def observed(twin):
    http = requests.Session()
    http.trust_env = False

    def call(method: str, body: dict | None = None) -> requests.Response:
        return http.request(method, f"{twin.admin_url}/_twin/observed", json=body, timeout=30)

    return call


def seen(ec2, compute, t: Topology) -> list[tuple]:
    """Per tunnel: (GCP status, BGP session status, AWS telemetry status and message)."""
    router = compute.routers().getRouterStatus(project=t.project, region=t.region, router=t.router).execute()
    bgp = {p["name"]: p["status"] for p in router["result"].get("bgpPeerStatus", [])}
    vpns = ec2.describe_vpn_connections(VpnConnectionIds=t.vpn_connection_ids)["VpnConnections"]
    telemetry = {v["OutsideIpAddress"]: (v["Status"], v["StatusMessage"]) for c in vpns for v in c["VgwTelemetry"]}
    tunnels = compute.vpnTunnels()
    return [(tunnels.get(project=t.project, region=t.region, vpnTunnel=t.tunnel_name(i)).execute()["status"],
             bgp[f"peer-{t.tunnel_name(i)}"], *telemetry[a.outside_ip]) for i, a in enumerate(t.tunnels)]


def test_observed_states_replace_the_comparisons_until_forgotten(ec2, compute, topology, observed, admin):
    t = topology
    healthy = seen(ec2, compute, t)
    assert [s[:3] for s in healthy] == [("ESTABLISHED", "UP", "UP")] * 4
    gateway_ip = {i: t.gateway_ips[i // 2] for i in range(4)}
    body = {"tunnels": [[gateway_ip[1], t.tunnels[1].outside_ip, "AUTHORIZATION_ERROR"]],
            "sessions": [[t.tunnels[2].customer_ip, t.tunnels[2].aws_ip, "Active"],
                         [t.tunnels[3].customer_ip, t.tunnels[3].aws_ip, "Established"]]}
    answer = observed("POST", body)
    assert answer.status_code == 200 and answer.json() == body
    assert seen(ec2, compute, t) == [
        healthy[0],
        ("AUTHORIZATION_ERROR", "DOWN", "DOWN", "IPSEC IS DOWN"),  # the key check no longer decides
        ("ESTABLISHED", "DOWN", "DOWN", "IPSEC IS UP"),  # IPsec up, BGP did not come up
        healthy[3],
    ]
    assert observed("GET").json() == body
    observed("DELETE")
    assert seen(ec2, compute, t) == healthy
    observed("POST", body)
    admin.reset()
    assert observed("GET").json() == {"tunnels": [], "sessions": []}


@pytest.mark.parametrize("body", [
    {"tunnels": [["35.0.0.1", "3.0.0.1", "UP"]]},  # not a vpnTunnels.status the link knows
    {"tunnels": [["35.0.0.1", "3.0.0.1"]]},  # not a triple
    {"peers": []},  # unknown key
])
def test_observed_refuses_what_it_cannot_use(observed, body):
    answer = observed("POST", body)
    assert answer.status_code == 400, answer.text
    assert observed("GET").json() == {"tunnels": [], "sessions": []}
