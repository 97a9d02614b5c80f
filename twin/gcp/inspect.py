"""What the Compute half shows the link (twin.link_model): tunnels, BGP peers, advertised ranges."""

from __future__ import annotations

from twin.gcp import store
from twin.gcp.resources import tunnel_view
from twin.gcp.routers import advertised_ranges, peer_view
from twin.link_model import GcpBgpPeer, GcpTunnel


def gcp_tunnels() -> list[GcpTunnel]:
    with store.state.lock:
        return [tunnel_view(t) for t in store.find("vpnTunnels")]


def gcp_bgp_peers() -> list[GcpBgpPeer]:
    with store.state.lock:
        return [peer_view(r, p) for r in store.find("routers") for p in r.get("bgpPeers", [])]


def gcp_advertised_ranges(project: str, region: str, router_name: str, peer_name: str | None = None) -> list[str]:
    """CIDRs the router advertises; with ``peer_name``, over that BGP session (a CUSTOM peer overrides)."""
    with store.state.lock:
        router = store.get(("routers", project, region, router_name))
        peer = next((p for p in router.get("bgpPeers", []) if p["name"] == peer_name), None)
        return advertised_ranges(router, peer)
