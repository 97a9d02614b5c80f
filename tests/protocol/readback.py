"""What the collection configured on both clouds, read back through the clouds' APIs (boto3 for AWS, the
Compute v1 REST API for GCP), as one ``End`` per tunnel per side: what a real peer on that side would be
set up with. Nothing here knows the twin's internals except where the API hides a value (the GCP key).

Sources: EC2 API reference ``DescribeVpnConnections`` (``Options.TunnelOptions``, ``CustomerGatewayConfiguration``),
``DescribeCustomerGateways``, ``DescribeTransitGatewayAttachments``, ``SearchTransitGatewayRoutes``; Compute v1
``routers``, ``vpnTunnels``, ``vpnGateways``, ``externalVpnGateways``, ``networks``, ``subnetworks``; Google
"Supported IKE ciphers" (https://cloud.google.com/network-connectivity/docs/vpn/concepts/supported-ike-ciphers)
and "Cloud VPN cipher changes" (https://cloud.google.com/network-connectivity/docs/vpn/deprecations/cipher-changes).
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import ipaddress
import xml.etree.ElementTree as ET
from dataclasses import dataclass

COMPUTE = "https://compute.googleapis.com/compute/v1"

# AWS tunnel option values -> strongSwan proposal keywords (strongSwan "IKEv2 Cipher Suites").
AWS_ENCRYPTION = {"AES128": "aes128", "AES256": "aes256",
                  "AES128-GCM-16": "aes128gcm16", "AES256-GCM-16": "aes256gcm16"}
AWS_INTEGRITY = {"SHA1": "sha1", "SHA2-256": "sha256", "SHA2-384": "sha384", "SHA2-512": "sha512"}
DH_GROUPS = {2: "modp1024", 5: "modp1536", 14: "modp2048", 15: "modp3072", 16: "modp4096", 17: "modp6144",
             18: "modp8192", 19: "ecp256", 20: "ecp384", 21: "ecp521", 22: "modp1024s160", 23: "modp2048s224",
             24: "modp2048s256", 31: "curve25519"}

# What Cloud VPN proposes and accepts for IKEv2 when a tunnel sets no cipherSuite, in its documented order.
# Phase 1 and 2 encryption and integrity: "Supported IKE ciphers", IKEv2 tables (AES-GCM-16/12/8 and AES-CBC
# 128/192/256; HMAC-SHA2-256/384/512, HMAC-SHA1, AES-XCBC). PRF and DH order: "Cloud VPN cipher changes"
# (new order; group 22 dropped). Lifetimes: phase 1 36,000 s, phase 2 10,800 s ("Supported IKE ciphers").
GCP_ENCRYPTION = ("aes128gcm16", "aes192gcm16", "aes256gcm16", "aes128gcm12", "aes192gcm12", "aes256gcm12",
                  "aes128gcm8", "aes192gcm8", "aes256gcm8", "aes128", "aes192", "aes256")
GCP_INTEGRITY = ("sha256", "sha384", "sha512", "sha1", "aesxcbc")
GCP_PRF = ("prfsha256", "prfsha384", "prfsha512", "prfsha1", "prfaesxcbc")
GCP_DH = ("curve25519", "ecp256", "ecp384", "ecp521", "modp3072", "modp4096", "modp6144", "modp8192", "modp2048",
          "modp2048s224", "modp2048s256", "modp1536", "modp1024")
GCP_PHASE1_LIFETIME, GCP_PHASE2_LIFETIME = 36000, 10800


@dataclass(frozen=True)
class Proposals:
    """One cipher role set: strongSwan keywords, AEAD and classic ciphers kept apart (they cannot share a proposal)."""

    encryption: tuple
    integrity: tuple
    prf: tuple
    dh: tuple

    def render(self, implemented: set[str] | None = None, with_dh: bool = True) -> list[str]:
        """swanctl proposal strings, keeping only what this strongSwan build implements (``implemented``)."""
        def keep(names):
            return [n for n in names if implemented is None or n in implemented]

        dh = keep(self.dh) if with_dh else []
        aead = [e for e in keep(self.encryption) if "gcm" in e]
        classic = [e for e in keep(self.encryption) if "gcm" not in e]
        out = []
        if classic and keep(self.integrity):
            out.append("-".join(classic + keep(self.integrity) + keep(self.prf) + dh))
        if aead and (keep(self.prf) or not self.prf):
            out.append("-".join(aead + keep(self.prf) + dh))
        return out


@dataclass(frozen=True)
class End:
    """One side's configuration of one tunnel, as that cloud's API returns it."""

    side: str  # "gcp" | "aws"
    name: str  # t<n>, n = the GCP tunnel's peer interface (the AWS end facing it gets the same name)
    local_ip: str
    remote_ip: str
    psk: str
    ike_version: int
    ike: Proposals
    esp: Proposals
    ike_lifetime: int
    child_lifetime: int
    rekey_margin: int
    dpd_delay: int
    dpd_action: str  # swanctl dpd_action
    initiate: bool  # start_action=start (else the end only answers)
    inside_ip: str  # this side's BGP address
    inside_prefix: int
    neighbour_ip: str
    asn: int
    peer_asn: int
    networks: tuple  # what this side advertises over the session


@dataclass(frozen=True)
class Config:
    gcp: tuple  # End per GCP tunnel, by peer interface
    aws: tuple  # End per AWS tunnel facing a GCP tunnel, same order

    @property
    def names(self) -> list[str]:
        return [e.name for e in self.gcp]

    def end(self, side: str, name: str) -> End:
        return next(e for e in getattr(self, side) if e.name == name)

    def changed(self, side: str, name: str, **changes) -> Config:
        """A copy with one end changed (what an operator, or a fault, would change on one side only)."""
        ends = tuple(dataclasses.replace(e, **changes) if e.name == name else e for e in getattr(self, side))
        return dataclasses.replace(self, **{side: ends})


# ---- GCP ----------------------------------------------------------------------------------------


def _get(session, url: str, cache: dict | None = None) -> dict:
    """GET one resource; with ``cache``, a resource read before is not read again."""
    if cache is not None and url in cache:
        return cache[url]
    response = session.get(url, timeout=30)
    response.raise_for_status()
    if cache is not None:
        cache[url] = response.json()
    return response.json()


def _self(url: str) -> str:
    """A selfLink on compute.googleapis.com (the API also answers www.googleapis.com links)."""
    return COMPUTE + url.split("/compute/v1", 1)[1]


def gcp_advertised(session, router: dict, peer: dict | None, cache: dict | None = None) -> list[str]:
    """What the Cloud Router advertises over one session: a CUSTOM peer overrides the router; DEFAULT is every
    subnet of the network, only the router's region under REGIONAL dynamic routing (Google "Advertised routes")."""
    source = peer if peer and peer.get("advertiseMode") == "CUSTOM" else router.get("bgp", {})
    ranges = [r["range"] for r in source.get("advertisedIpRanges", [])]
    if source.get("advertiseMode", "DEFAULT") == "CUSTOM" and "ALL_SUBNETS" not in source.get("advertisedGroups", []):
        return ranges
    network = _get(session, _self(router["network"]), cache)
    region = router["region"].rsplit("/", 1)[1]
    regional = network.get("routingConfig", {}).get("routingMode", "REGIONAL") == "REGIONAL"
    # Network.subnetworks lists every subnetwork's URL; the region is part of it.
    own = [_get(session, _self(url), cache)["ipCidrRange"] for url in network.get("subnetworks", [])
           if not regional or f"/regions/{region}/" in url]
    return sorted(own) + ranges


def twin_secret_hash(secret: str) -> str:
    """vpnTunnels return the key masked; ``sharedSecretHash`` is opaque in the real API. The twin's is this
    (twin/gcp/resources.py), so the driver can tell whether GCP holds a given key."""
    return base64.b64encode(hashlib.sha256(secret.encode()).digest()[:21]).decode()


def read_gcp(session, project: str, region: str, router_name: str, aws_keys: dict,
             known_keys: dict | None = None, cache: dict | None = None) -> tuple[list[End], list[str]]:
    """One End per tunnel linked to the router's BGP interfaces; ``aws_keys`` maps an AWS outside IP to the key
    AWS holds, ``known_keys`` to the key GCP held before (the driver's last read), to recognise GCP's key by its
    hash (a key GCP matches with neither gets a stand-in that differs). A tunnel being replaced (deleted, not yet
    created again) has no End. ``cache``: gateways, networks and subnetworks read before are not read again."""
    base = f"{COMPUTE}/projects/{project}/regions/{region}"
    router = _get(session, f"{base}/routers/{router_name}")
    interfaces = {i["name"]: i for i in router.get("interfaces", [])}
    ends, ranges = [], set()
    for peer in router.get("bgpPeers", []):
        interface = interfaces[peer["interfaceName"]]
        response = session.get(_self(interface["linkedVpnTunnel"]), timeout=30)
        if response.status_code == 404:
            continue
        response.raise_for_status()
        tunnel = response.json()
        gateway = _get(session, _self(tunnel["vpnGateway"]), cache)
        local_ip = next(i["ipAddress"] for i in gateway["vpnInterfaces"]
                        if i["id"] == tunnel.get("vpnGatewayInterface", 0))
        external = _get(session, _self(tunnel["peerExternalGateway"]), cache)
        index = tunnel.get("peerExternalGatewayInterface", 0)
        remote_ip = next(i["ipAddress"] for i in external["interfaces"] if i.get("id", 0) == index)
        aws_key = aws_keys.get(remote_ip, "")
        psk = next((key for key in (aws_key, (known_keys or {}).get(remote_ip))
                    if key and twin_secret_hash(key) == tunnel.get("sharedSecretHash")), f"not-{aws_key}")
        networks = gcp_advertised(session, router, peer, cache)
        ranges.update(networks)
        ends.append(End(
            side="gcp", name=f"t{index}", local_ip=local_ip, remote_ip=remote_ip, psk=psk,
            ike_version=int(tunnel.get("ikeVersion", 2)),
            ike=Proposals(GCP_ENCRYPTION, GCP_INTEGRITY, GCP_PRF, GCP_DH),
            esp=Proposals(GCP_ENCRYPTION, GCP_INTEGRITY, (), GCP_DH),
            # When Cloud VPN rekeys before a lifetime ends is not documented [unconfirmed]: 5 % of phase 2.
            ike_lifetime=GCP_PHASE1_LIFETIME, child_lifetime=GCP_PHASE2_LIFETIME, rekey_margin=540,
            # Cloud VPN initiates (an AWS tunnel with StartupAction "add" waits for it); its liveness-check
            # interval is not documented [unconfirmed]: 10 s, as AWS's generic configuration shows for its side.
            dpd_delay=10, dpd_action="restart", initiate=True,
            inside_ip=peer["ipAddress"], inside_prefix=ipaddress.ip_interface(interface["ipRange"]).network.prefixlen,
            neighbour_ip=peer["peerIpAddress"], asn=int(router["bgp"]["asn"]), peer_asn=int(peer["peerAsn"]),
            networks=tuple(networks)))
    return sorted(ends, key=lambda e: e.name), sorted(ranges)


# ---- AWS ----------------------------------------------------------------------------------------


def _xml_keys(xml: str) -> dict:
    """Outside IP -> pre-shared key from the generic CustomerGatewayConfiguration."""
    keys = {}
    for tunnel in ET.fromstring(xml).iter("ipsec_tunnel"):
        keys[tunnel.findtext("vpn_gateway/tunnel_outside_address/ip_address")] = tunnel.findtext("ike/pre_shared_key")
    return keys


def _values(option: dict, name: str) -> list:
    return [v["Value"] for v in option.get(name, [])]


def _aws_end(option: dict, key: str, cgw: dict, tgw_asn: int, networks: list[str]) -> End:
    inside = ipaddress.ip_network(option["TunnelInsideCidr"])
    encryption = [AWS_ENCRYPTION[v] for v in _values(option, "Phase1EncryptionAlgorithms")]
    integrity = [AWS_INTEGRITY[v] for v in _values(option, "Phase1IntegrityAlgorithms")]
    phase2 = Proposals(tuple(AWS_ENCRYPTION[v] for v in _values(option, "Phase2EncryptionAlgorithms")),
                       tuple(AWS_INTEGRITY[v] for v in _values(option, "Phase2IntegrityAlgorithms")), (),
                       tuple(DH_GROUPS[g] for g in _values(option, "Phase2DHGroupNumbers") if g in DH_GROUPS))
    versions = _values(option, "IkeVersions") or ["ikev2"]
    return End(
        side="aws", name="", local_ip=option["OutsideIpAddress"], remote_ip=cgw["IpAddress"], psk=key,
        ike_version=2 if "ikev2" in versions else 1,
        # AWS pairs each integrity algorithm with the PRF of the same hash.
        ike=Proposals(tuple(encryption), tuple(integrity), tuple("prf" + i for i in integrity),
                      tuple(DH_GROUPS[g] for g in _values(option, "Phase1DHGroupNumbers") if g in DH_GROUPS)),
        esp=phase2, ike_lifetime=int(option.get("Phase1LifetimeSeconds", 28800)),
        child_lifetime=int(option.get("Phase2LifetimeSeconds", 3600)),
        rekey_margin=int(option.get("RekeyMarginTimeSeconds", 270)),
        dpd_delay=10, dpd_action={"restart": "restart", "clear": "clear"}.get(option.get("DpdTimeoutAction"), "clear"),
        initiate=option.get("StartupAction") == "start",
        inside_ip=str(inside[1]), inside_prefix=inside.prefixlen, neighbour_ip=str(inside[2]),
        asn=tgw_asn, peer_asn=int(cgw["BgpAsn"]), networks=tuple(networks))


def read_aws(ec2, tgw_name: str) -> list[End]:
    """One End per tunnel of the VPN connections on the TGW tagged ``tgw_name`` that are available or modifying
    (ModifyVpnTunnelOptions applies the new options at once; only the modified tunnel's endpoint is replaced).
    AWS advertises the active routes of the attachment's associated route table, except this attachment's own
    (AWS Transit Gateway "Route tables")."""
    tgw = ec2.describe_transit_gateways(Filters=[{"Name": "tag:Name", "Values": [tgw_name]},
                                                 {"Name": "state", "Values": ["available"]}])["TransitGateways"][0]
    tgw_id, asn = tgw["TransitGatewayId"], int(tgw["Options"]["AmazonSideAsn"])
    vpns = ec2.describe_vpn_connections(Filters=[{"Name": "transit-gateway-id", "Values": [tgw_id]},
                                                 {"Name": "state", "Values": ["available", "modifying"]}]
                                        )["VpnConnections"]
    cgws = {c["CustomerGatewayId"]: c for c in ec2.describe_customer_gateways(
        CustomerGatewayIds=[v["CustomerGatewayId"] for v in vpns])["CustomerGateways"]}
    ends = []
    for vpn in vpns:
        attachment = ec2.describe_transit_gateway_attachments(Filters=[
            {"Name": "resource-id", "Values": [vpn["VpnConnectionId"]]}])["TransitGatewayAttachments"][0]
        table = (attachment.get("Association") or {}).get("TransitGatewayRouteTableId")
        active = [{"Name": "state", "Values": ["active"]}]
        routes = ec2.search_transit_gateway_routes(TransitGatewayRouteTableId=table, Filters=active)["Routes"] \
            if table else []
        networks = sorted(r["DestinationCidrBlock"] for r in routes
                          if all(a["TransitGatewayAttachmentId"] != attachment["TransitGatewayAttachmentId"]
                                  for a in r.get("TransitGatewayAttachments", [])))
        keys = _xml_keys(vpn["CustomerGatewayConfiguration"])
        ends += [_aws_end(o, keys[o["OutsideIpAddress"]], cgws[vpn["CustomerGatewayId"]], asn, networks)
                 for o in vpn["Options"]["TunnelOptions"]]
    return ends


def read(ec2, session, project: str, region: str, router_name: str = "cr-aws",
         tgw_name: str = "cloudbridge-hybrid-vpn", known: Config | None = None, cache: dict | None = None) -> Config:
    """Both sides; each AWS end takes the name of the GCP end facing it (its outside IP is that end's peer).
    Routes AWS learned from the Cloud Router carry the router's ASN when AWS re-advertises them, and the router
    drops them (BGP loop detection, RFC 4271 9.1.2): they are left out of what AWS advertises. ``known``: an
    earlier read (the protocol driver following a change), whose GCP keys are recognised too and whose names
    the AWS ends keep while the GCP tunnel facing them is being replaced; ``cache``: what a change of keys, inside
    addresses or proposals leaves alone (gateways, networks, subnetworks) is read once."""
    by_ip = {e.local_ip: e for e in read_aws(ec2, tgw_name)}
    gcp, ranges = read_gcp(session, project, region, router_name, {ip: e.psk for ip, e in by_ip.items()},
                           {e.remote_ip: e.psk for e in known.gcp} if known else None, cache)
    names = {e.local_ip: e.name for e in known.aws} if known else {}
    names.update({g.remote_ip: g.name for g in gcp})
    aws = [dataclasses.replace(by_ip[ip], name=name, networks=tuple(n for n in by_ip[ip].networks if n not in ranges))
           for ip, name in sorted(names.items(), key=lambda item: item[1]) if ip in by_ip]
    return Config(tuple(gcp), tuple(aws))
