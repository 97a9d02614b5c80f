"""The link between the two halves: tunnel status, BGP status and the routes each side learns,
computed on read from what both clouds hold (see link_model.py for the views each half exposes).

Twin invention (design, no cloud API): everything is computed on read and nothing polls in the
background, so a status is always consistent with both halves at the moment it is asked for.

The matching functions (``tunnel_state``, ``session_state``, ``aws_side``) are pure: they take the
views as arguments, and the map of states observed by real peers (``set_observed``, set by the
protocol tier, tests/protocol) replaces their comparisons while it is set. The four public functions
fetch the views from ``twin.aws.inspect`` and ``twin.gcp.inspect`` (imported inside the functions:
both halves import this module) and add the only state the link keeps, when each status last changed.

Sources: Google "Check VPN status" and the Compute v1 ``VpnTunnel.status`` enum descriptions
(https://cloud.google.com/network-connectivity/docs/vpn/how-to/checking-vpn-status), Google Cloud VPN
"Troubleshooting" (peer IP, IKE version and shared secret must agree on both sides), the AWS
Site-to-Site VPN user guide (tunnel options, inside addresses, CloudWatch ``TunnelState``) and the
EC2 API reference ``VgwTelemetry``. Tags [unconfirmed] follow api-samples.md.
"""

from __future__ import annotations

import ipaddress
import threading
from datetime import UTC, datetime

from twin.link_model import AwsTunnel, GcpBgpPeer, GcpTunnel

ESTABLISHED = "ESTABLISHED"
# detailedStatus texts: the first three are quoted in "Check VPN status"; the last two have no
# public text [unconfirmed], the wording is the twin's (api-samples.md section 4.6).
_DETAIL = {
    ESTABLISHED: "Tunnel is up and running.",
    "WAITING_FOR_FULL_CONFIG": "Waiting for route configuration.",
    "NO_INCOMING_PACKETS": "No incoming packets from peer.",
    "AUTHORIZATION_ERROR": "Authentication failed. Check shared secret.",
    "NEGOTIATION_FAILURE": "IKE negotiation failed. Check IKE version and ciphers.",
}
# Seen in a real getRouterStatus after the peer's tunnel was deleted (api-samples.md section 4.5).
UNKNOWN_TUNNEL_STATE = "The VPN tunnel or Interconnect attachment is unknown."


def _status(name: str) -> tuple[str, str]:
    return name, _DETAIL[name]


# ---- pure matching ---------------------------------------------------------------------------


def aws_peer(tunnel: GcpTunnel, aws_tunnels) -> AwsTunnel | None:
    """The AWS tunnel that answers this GCP tunnel: its outside IP is the GCP peerIp, and AWS
    expects IKE from the GCP interface IP (the customer gateway IP); AWS drops IKE from any other
    source (AWS Site-to-Site VPN: "customer gateway device" / "Tunnel options")."""
    return next((a for a in aws_tunnels
                 if a.outside_ip == tunnel.peer_ip and a.customer_gateway_ip == tunnel.local_ip
                 and a.vpn_state != "deleted"), None)


def in_service(aws: AwsTunnel) -> bool:
    """Whether the AWS tunnel endpoint answers IKE. While a connection is ``modifying`` only the tunnel whose
    options are applied is out of service: AWS Site-to-Site VPN "Tunnel endpoint replacements" lists
    ModifyVpnTunnelOptions as replacing the modified tunnel's endpoint, whereas a change of the connection's
    gateway makes "both tunnels" unavailable; the API reference: "you can only modify one tunnel at a time"."""
    return aws.vpn_state == "available" or (aws.vpn_state == "modifying" and not aws.modifying)


def tunnel_state(tunnel: GcpTunnel, aws_tunnels) -> tuple[str, str]:
    """(status, detailedStatus) of a GCP tunnel facing these AWS tunnels."""
    # An HA VPN tunnel without a Cloud Router has no route configuration to wait for
    # (VpnTunnel.status WAITING_FOR_FULL_CONFIG: "Waiting to receive all VPN-related configs").
    if not tunnel.router:
        return _status("WAITING_FOR_FULL_CONFIG")
    aws = aws_peer(tunnel, aws_tunnels)
    # No endpoint answers while the AWS connection is pending or deleted, nor from the one tunnel whose options
    # are being modified. Google's FIRST_HANDSHAKE means a handshake with the peer succeeded, which
    # needs an answer, so the twin reports NO_INCOMING_PACKETS ("No incoming packets from peer").
    if aws is None or not in_service(aws):
        return _status("NO_INCOMING_PACKETS")
    # A state observed by real peers (tests/protocol) replaces the field comparisons below while it is set.
    if observed := _observed.get(("tunnel", tunnel.local_ip, tunnel.peer_ip)):
        return _status(observed)
    # IKE_SA_INIT (version, proposals) comes before IKE_AUTH (the pre-shared key) in IKEv2
    # (RFC 7296 section 1.2), so a version mismatch shows before a wrong key.
    if f"ikev{tunnel.ike_version}" not in aws.ike_versions:
        return _status("NEGOTIATION_FAILURE")
    # VpnTunnel.status AUTHORIZATION_ERROR: "Auth error (for example, bad shared secret)".
    if tunnel.shared_secret != aws.pre_shared_key:
        return _status("AUTHORIZATION_ERROR")
    return _status(ESTABLISHED)


def inside_addresses(aws: AwsTunnel) -> tuple[str, str]:
    """(AWS address, customer gateway address) of the tunnel's inside /30: the first and the second
    host (AWS "Tunnel options": the inside CIDR; generic config ``vpn_gateway`` / ``customer_gateway``
    ``tunnel_inside_address``, api-samples.md section 1.5)."""
    network = ipaddress.ip_network(aws.inside_cidr, strict=False)
    return str(network[1]), str(network[2])


def _same_interface(ip_range: str | None, address: str, prefix: int) -> bool:
    return ip_range is not None and ipaddress.ip_interface(ip_range) == ipaddress.ip_interface(f"{address}/{prefix}")


def session_state(peer: GcpBgpPeer, gcp_tunnels, aws_tunnels) -> tuple[str, str, AwsTunnel | None]:
    """(status, state, the AWS tunnel on the other end) of one Cloud Router BGP session.

    ``state`` uses the BGP FSM names of RFC 4271 section 8.2.2 (getRouterStatus: "see BGP session
    states"); which one Cloud Router shows for each fault is not documented [unconfirmed].
    """
    if not peer.enabled:
        return "DOWN", "Idle", None  # administratively down: no ManualStart (RFC 4271 8.2.2)
    tunnel = next((t for t in gcp_tunnels if t.self_link == peer.linked_tunnel), None)
    if tunnel is None:
        return "DOWN", UNKNOWN_TUNNEL_STATE, None
    aws = aws_peer(tunnel, aws_tunnels)
    if aws is None or tunnel_state(tunnel, aws_tunnels)[0] != ESTABLISHED:
        return "DOWN", "Active", aws  # no transport: TCP to the neighbour never completes
    if observed := _observed.get(("bgp", peer.ip_address, peer.peer_ip_address)):
        return ("UP", observed, aws) if observed == "Established" else ("DOWN", observed, aws)
    aws_ip, customer_ip = inside_addresses(aws)
    prefix = ipaddress.ip_network(aws.inside_cidr, strict=False).prefixlen
    # Cloud Router interface and bgpPeer ipAddress = customer gateway inside address, peerIpAddress =
    # AWS inside address (Google "Connect HA VPN to AWS peer gateways"; api-samples.md section 1.5).
    if not (_same_interface(peer.interface_ip_range, customer_ip, prefix)
            and peer.ip_address == customer_ip and peer.peer_ip_address == aws_ip):
        return "DOWN", "Connect", aws  # TCP SYNs to an address nobody holds go unanswered
    # OPEN carries "My Autonomous System"; a mismatch is an OPEN Message Error "Bad Peer AS",
    # answered with a NOTIFICATION that sends the FSM back to Idle (RFC 4271 sections 6.2, 8.2.2).
    if peer.peer_asn != aws.amazon_side_asn or peer.router_asn != aws.customer_gateway_asn:
        return "DOWN", "Idle", aws
    return "UP", "Established", aws


def aws_side(aws: AwsTunnel, gcp_tunnels, peers) -> tuple[bool, GcpBgpPeer | None]:
    """(IPsec up, the GCP BGP peer whose session over it is UP) for one AWS tunnel."""
    facing = {t.self_link for t in gcp_tunnels if tunnel_state(t, [aws])[0] == ESTABLISHED}
    up_peer = next((p for p in peers
                    if p.linked_tunnel in facing and session_state(p, gcp_tunnels, [aws])[0] == "UP"), None)
    return bool(facing), up_peer


# ---- states observed by real peers ------------------------------------------------------------
# Twin invention (harness, tests/protocol): while set, a tunnel's status is what strongSwan negotiated
# between the two ends, keyed by (GCP interface IP, AWS outside IP), and a BGP session's state is what
# FRR reached, keyed by (Cloud Router address, AWS inside address). Set through POST /_twin/observed.
_observed: dict = {}


def set_observed(tunnels: dict | None = None, sessions: dict | None = None) -> None:
    """Replace the observed states: {(gcp_ip, aws_ip): vpnTunnels.status}, {(router_ip, aws_ip): BGP state}."""
    unknown = [s for s in (tunnels or {}).values() if s not in _DETAIL]
    if unknown:
        raise ValueError(f"unknown tunnel status {unknown[0]!r}; expected one of {sorted(_DETAIL)}")
    global _observed  # rebound in one step: a status read meanwhile sees the old map or the new one
    _observed = {**{("tunnel", *k): v for k, v in (tunnels or {}).items()},
                 **{("bgp", *k): v for k, v in (sessions or {}).items()}}


def observed() -> dict:
    return {"tunnels": [[k[1], k[2], v] for k, v in _observed.items() if k[0] == "tunnel"],
            "sessions": [[k[1], k[2], v] for k, v in _observed.items() if k[0] == "bgp"]}


# ---- when each status last changed -----------------------------------------------------------


def _utcnow() -> datetime:
    return datetime.now(UTC)


class _ChangeMemo:
    """Last status seen per key and when it changed. The link is computed on read, so a change is
    noticed at the first read after it; the first read of a key counts as its change."""

    def __init__(self):
        self._seen: dict = {}
        self._lock = threading.Lock()

    def observe(self, key, status: str) -> datetime:
        now = _utcnow()
        with self._lock:
            last = self._seen.get(key)
            if last is None or last[0] != status:
                last = self._seen[key] = (status, now)
            return last[1]

    def clear(self) -> None:
        with self._lock:
            self._seen.clear()


_changes = _ChangeMemo()


def reset() -> None:
    """Forget every remembered status change and observed state (for the admin ``/_twin/reset``)."""
    _changes.clear()
    set_observed()


# ---- what each half calls --------------------------------------------------------------------


def _advertised(peer: GcpBgpPeer) -> list[str]:
    """What the Cloud Router sends over this peer's session (a peer with CUSTOM mode overrides the router)."""
    from twin.gcp.inspect import gcp_advertised_ranges

    return list(gcp_advertised_ranges(peer.project, peer.region, peer.router, peer.name))


def gcp_tunnel_status(tunnel: GcpTunnel) -> tuple[str, str]:
    """(status, detailedStatus) of a GCP vpnTunnel, e.g. ("ESTABLISHED", "Tunnel is up and running.")."""
    from twin.aws.inspect import aws_tunnels

    return tunnel_state(tunnel, aws_tunnels())


def bgp_peer_status(peer: GcpBgpPeer) -> dict:
    """One routers.getRouterStatus ``bgpPeerStatus`` entry's dynamic part:
    {"status": "UP"|"DOWN", "state": str, "uptimeSeconds": str|None, "learned_cidrs": [..]}."""
    from twin.aws.inspect import aws_tunnels
    from twin.gcp.inspect import gcp_tunnels

    status, state, aws = session_state(peer, gcp_tunnels(), aws_tunnels())
    since = _changes.observe(("bgp", peer.project, peer.region, peer.router, peer.name), status)
    if status != "UP":
        return {"status": status, "state": state, "uptimeSeconds": None, "learned_cidrs": []}
    # uptimeSeconds is a decimal string (api-samples.md section 4.5); AWS advertises the routes of
    # the TGW route table associated with the VPN attachment (AWS Transit Gateway "Route tables").
    uptime = int((_utcnow() - since).total_seconds())
    # The TGW also re-advertises what it learned from the router's other sessions; those paths carry the
    # router's own ASN, and BGP loop detection drops them (RFC 4271 section 9.1.2).
    own = set(_advertised(peer))
    learned = [cidr for cidr in aws.advertised_cidrs if cidr not in own]
    return {"status": status, "state": state, "uptimeSeconds": str(uptime), "learned_cidrs": learned}


def _aws_view(tunnel: AwsTunnel) -> tuple[bool, GcpBgpPeer | None]:
    from twin.gcp.inspect import gcp_bgp_peers, gcp_tunnels

    return aws_side(tunnel, gcp_tunnels(), gcp_bgp_peers())


def aws_telemetry(tunnel: AwsTunnel) -> dict:
    """One VgwTelemetry entry: {"Status", "StatusMessage", "AcceptedRouteCount", "LastStatusChange"}."""
    ipsec_up, up_peer = _aws_view(tunnel)
    routes = _advertised(up_peer) if up_peer else []
    # A BGP VPN tunnel counts as UP only with its BGP session up (AWS CloudWatch TunnelState for
    # BGP VPNs; aws-samples/vpn-gateway-strongswan #25 "tunnels down, but IPSEC is up").
    # Messages: "<n> BGP ROUTES" and "IPSEC IS DOWN" are observed; "IPSEC IS UP" for IPsec up with
    # BGP down is the twin's wording [unconfirmed] (api-samples.md section 1.3).
    if up_peer:
        status, message = "UP", f"{len(routes)} BGP ROUTES"
    else:
        status, message = "DOWN", "IPSEC IS UP" if ipsec_up else "IPSEC IS DOWN"
    # LastStatusChange: "updated when changes in IKE, IPSec, or BGP status are detected" (VgwTelemetry).
    key = ("aws", tunnel.account, tunnel.region, tunnel.vpn_connection_id, tunnel.outside_ip)
    changed = _changes.observe(key, "UP" if up_peer else message)  # a new route count is no status change
    return {"Status": status, "StatusMessage": message, "AcceptedRouteCount": len(routes), "LastStatusChange": changed}


def routes_learned_by_aws(tunnel: AwsTunnel) -> list[str]:
    """CIDRs the Cloud Router advertises over this tunnel's BGP session while it is UP."""
    _, up_peer = _aws_view(tunnel)
    return _advertised(up_peer) if up_peer else []
