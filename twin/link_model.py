"""What each half of the twin exposes to the link (``twin.link``), in cloud-neutral terms.

The AWS half implements ``twin.aws.inspect.aws_tunnels()``; the GCP half implements
``twin.gcp.inspect.gcp_tunnels()`` and ``twin.gcp.inspect.gcp_bgp_peers()`` and
``twin.gcp.inspect.gcp_advertised_ranges(project, region, router)``. ``twin.link`` matches them.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class AwsTunnel:
    account: str
    region: str
    vpn_connection_id: str
    vpn_state: str  # pending | available | modifying | deleting | deleted
    transit_gateway_id: str | None
    transit_gateway_attachment_id: str | None
    outside_ip: str  # AWS tunnel outside IP
    customer_gateway_ip: str  # where AWS expects the peer (GCP HA interface IP)
    inside_cidr: str  # 169.254.x.y/30
    pre_shared_key: str
    ike_versions: tuple  # ("ikev2",) ...
    amazon_side_asn: int
    customer_gateway_asn: int
    # This tunnel's own options are being applied (its connection is then "modifying"): only this tunnel is
    # out of service, the connection's other tunnel keeps running.
    modifying: bool = False
    # CIDRs AWS advertises to the peer over BGP: the routes of the TGW route table
    # associated with this VPN attachment.
    advertised_cidrs: tuple = field(default_factory=tuple)


@dataclass(frozen=True)
class GcpTunnel:
    project: str
    region: str
    name: str
    self_link: str
    local_ip: str  # IP of the HA VPN gateway interface the tunnel uses
    peer_ip: str
    shared_secret: str
    ike_version: int
    router: str | None  # router selfLink


@dataclass(frozen=True)
class GcpBgpPeer:
    project: str
    region: str
    router: str  # router name
    router_asn: int
    name: str
    interface_ip_range: str | None  # router interface ipRange, e.g. 169.254.10.2/30
    ip_address: str | None  # bgp peer ipAddress (the router's own address)
    peer_ip_address: str | None
    peer_asn: int
    linked_tunnel: str | None  # tunnel selfLink of the interface
    enabled: bool = True
