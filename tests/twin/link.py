"""The link between the two halves: tunnel status, BGP status and the routes each side learns,
computed on read from what both clouds hold (see link_model.py for the views each half exposes).

STUB: signatures are fixed; the matching logic is being written. Every call answers "down".
"""

from __future__ import annotations

from twin.link_model import AwsTunnel, GcpBgpPeer, GcpTunnel


def gcp_tunnel_status(tunnel: GcpTunnel) -> tuple[str, str]:
    """(status, detailedStatus) of a GCP vpnTunnel, e.g. ("ESTABLISHED", "Tunnel is up and running.")."""
    return "NO_INCOMING_PACKETS", "No incoming packets from peer."


def bgp_peer_status(peer: GcpBgpPeer) -> dict:
    """One routers.getRouterStatus ``bgpPeerStatus`` entry's dynamic part:
    {"status": "UP"|"DOWN", "state": str, "uptimeSeconds": str|None, "learned_cidrs": [..]}."""
    return {"status": "DOWN", "state": "Idle", "uptimeSeconds": None, "learned_cidrs": []}


def aws_telemetry(tunnel: AwsTunnel) -> dict:
    """One VgwTelemetry entry: {"Status", "StatusMessage", "AcceptedRouteCount", "LastStatusChange"}."""
    return {"Status": "DOWN", "StatusMessage": "IPSEC IS DOWN", "AcceptedRouteCount": 0, "LastStatusChange": None}


def routes_learned_by_aws(tunnel: AwsTunnel) -> list[str]:
    """CIDRs the Cloud Router advertises over this tunnel's BGP session while it is UP."""
    return []
