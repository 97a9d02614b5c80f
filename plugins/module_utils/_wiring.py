# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure wiring rules of the AWS <-> GCP HA VPN pairing (internal use: no I/O, no Ansible imports).

Section "AWS rules": inside CIDRs, keys, ASNs, tunnel options and the ``aws_tgw_vpn_tunnels`` fact.
Section "GCP side computed from the AWS tunnels": owned by the GCP module engineer.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import re
import secrets
import string

# ---------------------------------------------------------------------------------------------
# AWS rules
# ---------------------------------------------------------------------------------------------


class WiringError(ValueError):
    """An input that AWS (or the pairing) would refuse; the message names the value."""


# Two VPN connections of two tunnels, one per GCP HA interface (cloud-constraints.md, topology).
TUNNEL_COUNT = 4
# States of a VPN connection that exists: the model's VpnState enum lacks "modifying", which real responses
# show during ModifyVpnTunnelOptions (api-samples.md, ModifyVpnTunnelOptions); a deleted one stays listed.
LIVE_VPN_STATES = ["pending", "available", "modifying"]


# VpnTunnelOptionsSpecification.TunnelInsideCidr (EC2 API reference): a /30 in 169.254.0.0/16,
# never one of these blocks.
INSIDE_CIDR_POOL = ipaddress.ip_network("169.254.0.0/16")
RESERVED_INSIDE_CIDRS = frozenset(
    ipaddress.ip_network(c)
    for c in (
        "169.254.0.0/30",
        "169.254.1.0/30",
        "169.254.2.0/30",
        "169.254.3.0/30",
        "169.254.4.0/30",
        "169.254.5.0/30",
        "169.254.169.252/30",
    )
)
# VpnTunnelOptionsSpecification.PreSharedKey: 8-64 of letters, digits, '.', '_'; must not start with '0'.
_PSK_RE = re.compile(r"[A-Za-z0-9._]{8,64}")
# CreateTransitGateway AmazonSideAsn / RFC 6996 private ranges (cloud-constraints.md); GCP uses the same.
PRIVATE_ASN_RANGES = ((64512, 65534), (4200000000, 4294967294))

# Request (spec) names differ from the describe (TunnelOption) names for three members (EC2 API reference).
_SPEC_TO_DESCRIBE = {
    "DPDTimeoutSeconds": "DpdTimeoutSeconds",
    "DPDTimeoutAction": "DpdTimeoutAction",
    "IKEVersions": "IkeVersions",
}
# module option -> (ModifyVpnTunnelOptionsSpecification member, is a list of {"Value": ...})
TUNNEL_OPTION_KEYS = {
    "ike_versions": ("IKEVersions", True),
    "phase1_encryption_algorithms": ("Phase1EncryptionAlgorithms", True),
    "phase1_integrity_algorithms": ("Phase1IntegrityAlgorithms", True),
    "phase1_dh_group_numbers": ("Phase1DHGroupNumbers", True),
    "phase2_encryption_algorithms": ("Phase2EncryptionAlgorithms", True),
    "phase2_integrity_algorithms": ("Phase2IntegrityAlgorithms", True),
    "phase2_dh_group_numbers": ("Phase2DHGroupNumbers", True),
    "phase1_lifetime_seconds": ("Phase1LifetimeSeconds", False),
    "phase2_lifetime_seconds": ("Phase2LifetimeSeconds", False),
    "dpd_timeout_seconds": ("DPDTimeoutSeconds", False),
    "dpd_timeout_action": ("DPDTimeoutAction", False),
    "startup_action": ("StartupAction", False),
}
SECRET_MEMBER = "PreSharedKey"
# Where AWS keeps a tunnel's key (CreateVpnConnection / ModifyVpnTunnelOptions PreSharedKeyStorage): in the VPN
# service, or in the connection's Secrets Manager secret (then the tunnel has no PreSharedKey and the connection a
# PreSharedKeyArn). Not a TunnelOption member: a described tunnel is annotated with it by ``with_keys``.
KEY_STORAGE_MEMBER = "PreSharedKeyStorage"
KEY_STORAGES = ("Standard", "SecretsManager")


def validate_inside_cidr(value: str, where: str) -> str:
    """Return the /30 in network form, or raise WiringError naming the value and the rule it breaks."""
    try:
        net = ipaddress.ip_network(value, strict=True)
    except ValueError as e:
        raise WiringError(f"{where}: inside CIDR {value!r} is malformed ({e}); expected e.g. 169.254.10.0/30") from e
    if net.version != 4 or net.prefixlen != 30:
        raise WiringError(f"{where}: inside CIDR {value!r} must be an IPv4 /30")
    if not net.subnet_of(INSIDE_CIDR_POOL):
        raise WiringError(f"{where}: inside CIDR {value!r} must be inside {INSIDE_CIDR_POOL}")
    if net in RESERVED_INSIDE_CIDRS:
        raise WiringError(f"{where}: inside CIDR {value!r} is reserved by AWS")
    return str(net)


def validate_pre_shared_key(value: str, where: str) -> None:
    """Raise WiringError without echoing the secret: the message names where the key is set."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)  # a numeric key (YAML 12345678, or -e as JSON) is still a key
    if not isinstance(value, str):
        raise WiringError(f"{where}: pre-shared key must be a string, got a {type(value).__name__}")
    if not 8 <= len(value) <= 64:
        raise WiringError(f"{where}: pre-shared key must be 8 to 64 characters long (got {len(value)})")
    if not _PSK_RE.fullmatch(value):
        raise WiringError(f"{where}: pre-shared key may only contain letters, digits, '.' and '_'")
    if value.startswith("0"):
        raise WiringError(f"{where}: pre-shared key must not start with '0'")


def as_asn(value, where: str) -> int:
    """An ASN given as an integer or as a string of digits (``-e name=65000`` arrives as a string)."""
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise WiringError(f"{where}: ASN {value!r} is not an integer")
    return value


def validate_asn(value: int, where: str) -> int:
    value = as_asn(value, where)
    if not any(low <= value <= high for low, high in PRIVATE_ASN_RANGES):
        raise WiringError(f"{where}: ASN {value} is not private (64512-65534 or 4200000000-4294967294)")
    return value


def validate_asn_pair(amazon_side_asn: int, customer_gateway_asn: int,
                      names: tuple[str, str] = ("amazon_side_asn", "customer gateway bgp_asn")) -> None:
    amazon_side_asn = validate_asn(amazon_side_asn, names[0])
    customer_gateway_asn = validate_asn(customer_gateway_asn, names[1])
    # AsnConflict (EC2 error code): the two sides of a BGP session need different ASNs.
    if amazon_side_asn == customer_gateway_asn:
        raise WiringError(f"{names[1]} {customer_gateway_asn} must differ from {names[0]}")


def validate_ipv4(value, where: str) -> str:
    try:
        return str(ipaddress.IPv4Address(value))
    except ValueError as e:
        raise WiringError(f"{where} {value!r} is not an IPv4 address") from e


def validate_gcp_interface_ips(ips) -> list[str]:
    """The HA VPN gateway's two interface IPs, in interface order."""
    if not isinstance(ips, list | tuple) or len(ips) != 2:
        raise WiringError(f"exactly two GCP HA VPN interface IPs are required, got {ips!r}")
    for ip in ips:
        validate_ipv4(ip, "GCP HA VPN interface IP")
    if ips[0] == ips[1]:
        raise WiringError(f"GCP HA VPN interface IPs must differ, got {ips[0]!r} twice")
    return list(ips)


def validate_requested_cidrs(requested: dict[str, str], used_elsewhere: dict[str, str]) -> None:
    """``requested``: where -> CIDR (already validated); ``used_elsewhere``: CIDR -> owning connection id.

    AWS accepts a duplicate IPv4 inside CIDR on a TGW (EC2 API reference, TunnelInsideCidr), but all four
    sessions land on one Cloud Router, which needs a distinct /30 per BGP session.
    """
    seen: dict[str, str] = {}
    for where, cidr in requested.items():
        if cidr in seen:
            raise WiringError(f"{where}: inside CIDR {cidr} duplicates {seen[cidr]}")
        seen[cidr] = where
        if cidr in used_elsewhere:
            raise WiringError(f"{where}: inside CIDR {cidr} overlaps one used by {used_elsewhere[cidr]} on this TGW")


def validate_tunnel_inputs(inside_cidrs, pre_shared_keys, amazon_side_asn: int, customer_gateway_asn: int,
                           prefix: str = "") -> bool:
    """The operator's per-tunnel lists (four entries or none, by peer interface) and the two ASNs, checked
    before either cloud is touched. Messages name the variable (``prefix`` + name), never a key."""
    cidrs_name, keys_name = f"{prefix}inside_cidrs", f"{prefix}pre_shared_keys"
    for name, values in ((cidrs_name, inside_cidrs), (keys_name, pre_shared_keys)):
        if len(values or []) not in (0, TUNNEL_COUNT):
            raise WiringError(f"{name} needs {TUNNEL_COUNT} entries (one per tunnel) or none, got {len(values)}")
    requested = {f"{cidrs_name}[{i}]": validate_inside_cidr(c, f"{cidrs_name}[{i}]")
                 for i, c in enumerate(inside_cidrs or [])}
    validate_requested_cidrs(requested, {})
    for i, key in enumerate(pre_shared_keys or []):
        validate_pre_shared_key(key, f"{keys_name}[{i}]")
    validate_asn_pair(amazon_side_asn, customer_gateway_asn,
                      (f"{prefix}amazon_side_asn", f"{prefix}customer_gateway_asn"))
    return True


def allocate_inside_cidrs(count: int, taken) -> list[str]:
    """First ``count`` free /30s of 169.254.0.0/16 that are neither reserved nor in ``taken``."""
    taken = {ipaddress.ip_network(c) for c in taken}
    free = []
    for net in INSIDE_CIDR_POOL.subnets(new_prefix=30):
        if len(free) == count:
            break
        if net not in RESERVED_INSIDE_CIDRS and net not in taken:
            free.append(str(net))
    return free


def _ip_key(tunnel: dict):
    return ipaddress.ip_address(tunnel.get("OutsideIpAddress") or "0.0.0.0")


def sort_tunnels(tunnels: list[dict]) -> list[dict]:
    """A connection's TunnelOptions in outside-IP order: AWS documents no order (terraform-provider-aws #19077)."""
    return sorted(tunnels, key=_ip_key)


def pair_tunnels(desired: list[dict], current: list[dict]) -> list[tuple[dict, dict]]:
    """Pair each desired tunnel (``inside_cidr`` may be None) with one described TunnelOption.

    A desired inside CIDR claims the tunnel that has it, then a desired key the tunnel that has it; the rest
    pair up in order (desired list order, current outside-IP order), so a changed CIDR or key lands on one
    stable tunnel, never on a position.
    """
    remaining = sort_tunnels(current)
    pairs: dict[int, dict] = {}
    for option, member in (("inside_cidr", "TunnelInsideCidr"), ("pre_shared_key", SECRET_MEMBER)):
        for i, want in enumerate(desired):
            match = next((t for t in remaining if want.get(option) and t.get(member) == want[option]), None)
            if i not in pairs and match:
                pairs[i] = match
                remaining.remove(match)
    for i in range(len(desired)):
        if i not in pairs:
            pairs[i] = remaining.pop(0)
    return [(desired[i], pairs[i]) for i in range(len(desired))]


def tunnel_spec(settings: dict, inside_cidr: str | None, pre_shared_key: str | None) -> dict:
    """The VpnTunnelOptionsSpecification for one tunnel: explicit settings only, so AWS defaults stay AWS's."""
    spec = {}
    for option, (member, is_list) in TUNNEL_OPTION_KEYS.items():
        value = settings.get(option)
        if value is None:
            continue
        spec[member] = [{"Value": v} for v in value] if is_list else value
    if inside_cidr:
        spec["TunnelInsideCidr"] = inside_cidr
    if pre_shared_key:
        spec[SECRET_MEMBER] = pre_shared_key
    return spec


def _comparable(value):
    if isinstance(value, list):
        return sorted(str(item["Value"]) for item in value)
    return value


def tunnel_changes(spec: dict, current: dict) -> dict:
    """The members of ``spec`` that differ from a described TunnelOption (lists compare as sets)."""
    return {
        member: value
        for member, value in spec.items()
        if _comparable(value) != _comparable(current.get(_SPEC_TO_DESCRIBE.get(member, member)))
    }


def redact(spec: dict, marker: str = "<hidden>") -> dict:
    """A spec fit for diff output and logs: the key is replaced by a marker (a rotated key by another one,
    so that a diff still shows that it changes)."""
    return {k: (marker if k == SECRET_MEMBER else v) for k, v in spec.items()}


def describe_as_spec(tunnel: dict) -> dict:
    """A described TunnelOption in request (spec) member names, for before/after diffs."""
    names = {v: k for k, v in _SPEC_TO_DESCRIBE.items()}
    members = {m for m, _unused in TUNNEL_OPTION_KEYS.values()}
    members |= {"TunnelInsideCidr", SECRET_MEMBER, KEY_STORAGE_MEMBER}
    out = {"OutsideIpAddress": tunnel.get("OutsideIpAddress")}
    for key, value in tunnel.items():
        member = names.get(key, key)
        if member in members:
            out[member] = value
    return out


def keys_from_secret(secret_string: str, where: str) -> dict[str, str]:
    """Outside IP -> key, from the secret the VPN service keeps a connection's keys in. AWS does not document the
    secret value's layout; read as a JSON object of outside IP -> key (the twin's, docs/twin-fidelity.md K3)."""
    try:
        keys = json.loads(secret_string)
    except ValueError as e:
        raise WiringError(f"{where} is not JSON") from e
    if not isinstance(keys, dict) or not all(isinstance(v, str) for v in keys.values()):
        raise WiringError(f"{where} is not a JSON object of outside IP -> pre-shared key")
    return keys


def with_keys(connection: dict, keys: dict[str, str] | None) -> dict:
    """A described connection whose tunnels each carry their KEY_STORAGE_MEMBER and, when ``keys`` (read from the
    connection's secret) is given, the key of a tunnel kept in Secrets Manager."""
    options = connection.get("Options", {})
    tunnels = []
    for tunnel in options.get("TunnelOptions", []):
        if SECRET_MEMBER in tunnel:
            tunnels.append({**tunnel, KEY_STORAGE_MEMBER: "Standard"})
            continue
        tunnel = {**tunnel, KEY_STORAGE_MEMBER: "SecretsManager"}
        if keys is not None:
            if tunnel.get("OutsideIpAddress") not in keys:
                raise WiringError(f"secret {connection.get('PreSharedKeyArn')} of {connection.get('VpnConnectionId')} "
                                  f"holds no key for tunnel {tunnel.get('OutsideIpAddress')}")
            tunnel[SECRET_MEMBER] = keys[tunnel["OutsideIpAddress"]]
        tunnels.append(tunnel)
    return {**connection, "Options": {**options, "TunnelOptions": tunnels}}


def inside_ips(cidr: str) -> tuple[str, str]:
    """(AWS inside IP, customer gateway inside IP): the /30's first and second hosts (AWS generic config)."""
    net = ipaddress.ip_network(cidr)
    return str(net.network_address + 1), str(net.network_address + 2)


def build_aws_tunnels(
    connections: list[dict], customer_gateways: dict, gcp_interface_ips: list[str], amazon_side_asn: int
) -> list[dict]:
    """The ``aws_tgw_vpn_tunnels`` fact from DescribeVpnConnections/DescribeCustomerGateways output.

    ``customer_gateways`` maps CustomerGatewayId -> CustomerGateway. Each entry's outside IP, inside CIDR
    and key come from one TunnelOption item, so no value is ever taken by position in the response.
    """
    by_ip = {cgw["IpAddress"]: cgw for cgw in customer_gateways.values()}
    tunnels = []
    for gcp_interface, ip in enumerate(validate_gcp_interface_ips(gcp_interface_ips)):
        cgw = by_ip.get(ip)
        conn = cgw and next((c for c in connections if c["CustomerGatewayId"] == cgw["CustomerGatewayId"]), None)
        if not conn:
            raise WiringError(f"no VPN connection found for GCP HA VPN interface {gcp_interface} ({ip})")
        for index, tunnel in enumerate(sort_tunnels(conn["Options"]["TunnelOptions"])):
            aws_ip, cgw_ip = inside_ips(tunnel["TunnelInsideCidr"])
            tunnels.append(
                {
                    "vpn_connection_id": conn["VpnConnectionId"],
                    "customer_gateway_id": cgw["CustomerGatewayId"],
                    "transit_gateway_id": conn.get("TransitGatewayId"),
                    "outside_ip": tunnel["OutsideIpAddress"],
                    "inside_cidr": tunnel["TunnelInsideCidr"],
                    "aws_inside_ip": aws_ip,
                    "cgw_inside_ip": cgw_ip,
                    "pre_shared_key": tunnel.get(SECRET_MEMBER),
                    "amazon_side_asn": int(amazon_side_asn),
                    "customer_gateway_asn": int(cgw["BgpAsn"]),
                    "gcp_interface": gcp_interface,
                    "peer_interface": gcp_interface * 2 + index,
                }
            )
    return tunnels


# Check mode on an empty cloud: values AWS or GCP assign only at creation are shown as placeholders, RFC 5737
# documentation addresses (never routed) and a key AWS would accept, so that every later step can still plan.
PLACEHOLDER_GCP_INTERFACE_IPS = ("192.0.2.1", "192.0.2.2")
PLACEHOLDER_OUTSIDE_IP = "198.51.100.{}"
PLACEHOLDER_KEY = "placeholder.known.after.creation"


def placeholder_aws_tunnels(vpn_connections: list[dict], pre_shared_keys, amazon_side_asn: int,
                            customer_gateway_asn: int) -> list[dict]:
    """The ``aws_tgw_vpn_tunnels`` fact as check mode would leave it: from ec2_vpn_connection's would-be
    ``vpn_connections`` (one per GCP interface, tunnels with planned inside CIDRs), with placeholders for the
    outside IPs and keys AWS has not assigned yet."""
    tunnels = []
    for gcp_interface, conn in enumerate(vpn_connections):
        for index, tunnel in enumerate(conn["tunnels"]):
            peer = gcp_interface * 2 + index
            aws_ip, cgw_ip = inside_ips(tunnel["inside_cidr"])
            tunnels.append({
                "vpn_connection_id": conn.get("vpn_connection_id"),
                "customer_gateway_id": conn.get("customer_gateway_id"),
                "transit_gateway_id": None,
                "outside_ip": tunnel.get("outside_ip") or PLACEHOLDER_OUTSIDE_IP.format(peer + 1),
                "inside_cidr": tunnel["inside_cidr"],
                "aws_inside_ip": aws_ip,
                "cgw_inside_ip": cgw_ip,
                "pre_shared_key": str(pre_shared_keys[peer]) if pre_shared_keys else PLACEHOLDER_KEY,
                "amazon_side_asn": int(amazon_side_asn),
                "customer_gateway_asn": int(customer_gateway_asn),
                "gcp_interface": gcp_interface,
                "peer_interface": peer,
            })
    return tunnels


# ---------------------------------------------------------------------------------------------
# GCP side computed from the AWS tunnels
# ---------------------------------------------------------------------------------------------

# Compute resource names (RFC 1035): lowercase letter first, up to 63 characters. The longest suffix
# added to the prefix is "-tunnel-3" (9 characters).
_GCP_PREFIX_RE = re.compile(r"[a-z](?:[-a-z0-9]{0,52}[a-z0-9])?")


# Any other Compute resource name (RFC 1035): up to 63 characters.
_GCP_NAME_RE = re.compile(r"[a-z](?:[-a-z0-9]{0,61}[a-z0-9])?")
GCP_NAME_RULE = "lowercase letters, digits and '-', a letter first, no '-' last, at most 63 characters"


def validate_gcp_name(value, where: str) -> str:
    """A Compute resource name; the API refuses anything else (e.g. an underscore, 64+ characters)."""
    if not isinstance(value, str) or not _GCP_NAME_RE.fullmatch(value):
        raise WiringError(f"{where}: got {value!r}, expected a Compute name: {GCP_NAME_RULE}")
    return value


def gcp_names(prefix: str) -> list[dict]:
    """Names of the four tunnels, router interfaces and BGP peers, by peer interface (0..3)."""
    if not isinstance(prefix, str) or not _GCP_PREFIX_RE.fullmatch(prefix):
        raise WiringError(f"name prefix {prefix!r} must match [a-z]([-a-z0-9]*[a-z0-9])? and be at most 54 characters")
    return [
        {"peer_interface": i, "tunnel": f"{prefix}-tunnel-{i}", "interface": f"{prefix}-if-{i}",
         "bgp_peer": f"{prefix}-bgp-{i}"}
        for i in range(TUNNEL_COUNT)
    ]


def validate_gcp_inputs(prefix: str, router_asn: int, advertise_mode: str, groups, ip_ranges,
                        names: dict | None = None) -> bool:
    """The gcp_ha_vpn settings checked before either cloud is touched; ``names``: variable -> Compute name."""
    for where, value in (names or {}).items():
        validate_gcp_name(value, where)
    gcp_names(prefix)
    validate_asn(router_asn, "Cloud Router asn")
    if advertise_mode not in ("DEFAULT", "CUSTOM"):
        raise WiringError(f"advertise mode {advertise_mode!r} must be DEFAULT or CUSTOM")
    # RouterBgp.advertisedGroups: ALL_SUBNETS is the only value (Compute v1 reference).
    for group in groups or []:
        if group != "ALL_SUBNETS":
            raise WiringError(f"advertised group {group!r} is unknown; expected ALL_SUBNETS")
    if advertise_mode == "DEFAULT" and (groups or ip_ranges):
        # Compute refuses groups or ranges with DEFAULT mode (RouterBgp.advertisedGroups: "only when mode is CUSTOM").
        raise WiringError("advertised groups and IP ranges need advertise mode CUSTOM")
    for item in ip_ranges or []:
        cidr = item.get("range") if isinstance(item, dict) else item
        try:
            ipaddress.ip_network(cidr, strict=True)
        except (TypeError, ValueError) as e:
            raise WiringError(f"advertised IP range {cidr!r} is not a CIDR ({e})") from e
    return True


# The aws_tgw_vpn_tunnels members the GCP side reads (docs/architecture.md, the fact contract).
_AWS_TUNNEL_KEYS = ("outside_ip", "inside_cidr", "pre_shared_key", "amazon_side_asn", "customer_gateway_asn",
                    "gcp_interface", "peer_interface")


def validate_aws_tunnels(aws_tunnels: list[dict], router_asn: int) -> list[dict]:
    """The ``aws_tgw_vpn_tunnels`` fact checked against the Cloud Router, ordered by peer_interface."""
    if not isinstance(aws_tunnels, list) or len(aws_tunnels) != TUNNEL_COUNT:
        raise WiringError(f"exactly {TUNNEL_COUNT} AWS tunnels are required, got {len(aws_tunnels or [])}")
    router_asn = validate_asn(router_asn, "Cloud Router asn")
    for i, t in enumerate(aws_tunnels):
        # E.g. a fact read without its keys: name the gap instead of failing on a KeyError or a keyless tunnel.
        missing = [k for k in _AWS_TUNNEL_KEYS if not isinstance(t, dict) or t.get(k) in (None, "")]
        if missing:
            raise WiringError(f"AWS tunnel entry {i} lacks {', '.join(missing)}")
    tunnels = sorted(aws_tunnels, key=lambda t: t["peer_interface"])
    if [t["peer_interface"] for t in tunnels] != list(range(TUNNEL_COUNT)):
        raise WiringError("AWS tunnels need peer_interface 0, 1, 2 and 3 once each")
    cidrs = {}
    for t in tunnels:
        where = f"AWS tunnel {t['peer_interface']} ({t['outside_ip']})"
        # Google's AWS pairing: HA interface 0 serves peer interfaces 0 and 1, interface 1 serves 2 and 3.
        if t["gcp_interface"] != t["peer_interface"] // 2:
            raise WiringError(f"{where}: gcp_interface {t['gcp_interface']} does not serve this peer interface")
        if t["customer_gateway_asn"] != router_asn:
            raise WiringError(f"{where}: customer gateway ASN {t['customer_gateway_asn']} is not the Cloud Router "
                              f"ASN {router_asn}; BGP would never establish")
        # The peer ASN must differ from the router's own (Compute: "peer ASN must differ").
        if t["amazon_side_asn"] == router_asn:
            raise WiringError(f"{where}: amazon_side_asn {router_asn} equals the Cloud Router ASN")
        cidr = validate_inside_cidr(t["inside_cidr"], where)
        # One Cloud Router needs a distinct /30 per BGP session (see validate_requested_cidrs).
        if cidr in cidrs:
            raise WiringError(f"{where}: inside CIDR {cidr} duplicates AWS tunnel {cidrs[cidr]}")
        cidrs[cidr] = t["peer_interface"]
    return tunnels


def gcp_plan(aws_tunnels: list[dict], prefix: str, router_asn: int) -> dict:
    """Everything the GCP side needs from the AWS tunnels.

    ``external_gateway_interfaces``: the FOUR_IPS_REDUNDANCY peer interfaces (id = peer_interface);
    ``tunnels``: options of gcp_compute_vpn_tunnels (each carries its secret: handle in no_log tasks);
    ``bgp_peers``: options of gcp_compute_router_bgp. The router interface takes the customer gateway
    inside address and the BGP peer the AWS one (AWS generic config; swapping them is refused by Compute:
    "BGP Peer ... has IP address ... different from interface IP address").
    """
    names = gcp_names(prefix)
    plan = {"external_gateway_interfaces": [], "tunnels": [], "bgp_peers": []}
    for t, n in zip(validate_aws_tunnels(aws_tunnels, router_asn), names, strict=True):
        aws_ip, cgw_ip = inside_ips(t["inside_cidr"])
        plan["external_gateway_interfaces"].append({"id": t["peer_interface"], "ip_address": t["outside_ip"]})
        plan["tunnels"].append({
            "name": n["tunnel"],
            "vpn_gateway_interface": t["gcp_interface"],
            "peer_external_gateway_interface": t["peer_interface"],
            "shared_secret": t["pre_shared_key"],
        })
        plan["bgp_peers"].append({
            "name": n["bgp_peer"],
            "interface_name": n["interface"],
            "ip_range": f"{cgw_ip}/30",
            "peer_ip_address": aws_ip,
            "peer_asn": t["amazon_side_asn"],
            "vpn_tunnel": n["tunnel"],
        })
    return plan


def gcp_tunnel_facts(plan: dict, tunnels: list[dict], router: str) -> list[dict]:
    """The ``gcp_ha_vpn_tunnels`` fact: the plan joined with the tunnels as Compute returns them (by name)."""
    by_name = {t["name"]: t for t in tunnels}
    facts = []
    for spec, peer, iface in zip(plan["tunnels"], plan["bgp_peers"], plan["external_gateway_interfaces"], strict=True):
        tunnel = by_name.get(spec["name"], {})
        facts.append({
            "name": spec["name"],
            "self_link": tunnel.get("selfLink"),
            "peer_ip": iface["ip_address"],
            "peer_interface": spec["peer_external_gateway_interface"],
            "gcp_interface": spec["vpn_gateway_interface"],
            "router": router,
            "bgp_peer_name": peer["name"],
            "bgp_ip": peer["ip_range"].split("/")[0],
            "bgp_peer_ip": peer["peer_ip_address"],
            "status": tunnel.get("status"),
        })
    return facts


# Google never returns a tunnel's shared secret: gcp_compute_vpn_tunnels keeps a keyed fingerprint of it in this
# label. Label values allow [a-z0-9_-]{0,63}. The salt is public: a fingerprint is as hard to reverse as the key is
# to guess (AWS keys: 32 characters of [A-Za-z0-9._]). Keying with the tunnel name stops two tunnels with one key
# from showing equal labels. Changing the salt would replace every tunnel, hence the version prefix.
FINGERPRINT_LABEL = "psk-fingerprint"
FINGERPRINT_SALT = b"cloudbridge.hybrid_vpn/psk-fingerprint/v1/"


def key_fingerprint(name: str, shared_secret: str) -> str:
    digest = hmac.new(FINGERPRINT_SALT + name.encode(), shared_secret.encode(), hashlib.sha256).hexdigest()
    return "v1-" + digest[:32]


def gcp_teardown_plan(prefix: str) -> dict:
    """What ``state: absent`` removes, found by name alone (the AWS side may already be gone)."""
    names = gcp_names(prefix)
    return {
        "tunnels": [{"name": n["tunnel"]} for n in names],
        "bgp_peers": [{"name": n["bgp_peer"], "interface_name": n["interface"]} for n in names],
    }


# ---------------------------------------------------------------------------------------------
# Rolling a change both clouds must follow (playbooks/rotate.yml)
# ---------------------------------------------------------------------------------------------

# AWS options whose change the GCP side must follow: the key (tunnel replaced) and the inside CIDR (BGP session
# addresses). Any other option (IKE versions, proposals, lifetimes) changes on AWS alone but still takes the
# tunnel down while AWS applies it, so it is rolled the same way.
_GCP_FOLLOWS = {SECRET_MEMBER: "tunnel key", "TunnelInsideCidr": "BGP session addresses"}
_KEY_FIRST = string.ascii_letters + string.digits.replace("0", "")
_KEY_CHARS = string.ascii_letters + string.digits + "._"


def new_pre_shared_keys(aws_tunnels: list[dict], stored=None, length: int = 32) -> list[str]:
    """The keys a rotation goes to, by peer interface: ``stored`` (keys written by an earlier run) while they are not
    all in place on AWS yet, so that a rerun after an interruption finishes that rotation; otherwise four new keys
    (VpnTunnelOptionsSpecification.PreSharedKey: 8-64 of letters, digits, '.', '_', not starting with '0')."""
    current = [t.get("pre_shared_key") for t in sorted(aws_tunnels, key=lambda t: t["peer_interface"])]
    if stored and len(stored) == TUNNEL_COUNT and list(stored) != current:
        return list(stored)
    if not 8 <= length <= 64:
        raise WiringError(f"key length {length} must be 8 to 64")
    return ["".join([secrets.choice(_KEY_FIRST)] + [secrets.choice(_KEY_CHARS) for _i in range(length - 1)])
            for _i in range(TUNNEL_COUNT)]


def _rotation_order(peer_interface: int) -> tuple[int, int]:
    # 0, 2, 1, 3: the two GCP HA interfaces take turns, so neither is left with a single tunnel twice in a row.
    return peer_interface % 2, peer_interface // 2


def _check_targets(tunnels: list[dict], targets: dict) -> None:
    """A target value that another tunnel holds now would be matched to that tunnel (pair_tunnels), and an inside
    CIDR would sit twice on the Cloud Router while the change rolls: refused, naming the setting, never a key."""
    for option, member, secret in (("inside_cidrs", "inside_cidr", False), ("pre_shared_keys", "pre_shared_key", True)):
        wanted = targets.get(option) or []
        if wanted and len(wanted) != TUNNEL_COUNT:
            raise WiringError(f"{option} needs {TUNNEL_COUNT} entries (one per tunnel) or none, got {len(wanted)}")
        for i, value in enumerate(wanted):
            holder = next((t["peer_interface"] for t in tunnels
                           if t["peer_interface"] != i and t[member] == value), None)
            if holder is not None:
                shown = "the key" if secret else f"{value}"
                raise WiringError(f"{option}[{i}]: {shown} is tunnel {holder}'s current {member.replace('_', ' ')}; "
                                  "a rolling change cannot move a value from one tunnel to another")


def rotation_plan(aws_tunnels: list[dict], aws_connections: list[dict], aws_pending: list[dict],
                  gcp_tunnels: list[dict], bgp_peers: list[dict], targets: dict, prefix: str, router_asn: int,
                  force: bool = False) -> dict:
    """Which tunnels need a change both clouds must follow, and in which order (pure: no I/O).

    ``aws_tunnels``: the ``aws_tgw_vpn_tunnels`` fact read back (keys included); ``aws_connections``: the
    connections as ec2_vpn_connection_info returns them (state, vgw_telemetry); ``aws_pending``: the
    ``modified_tunnels`` of ec2_vpn_connection run in check mode with the desired state; ``gcp_tunnels``: the
    tunnels as gcp_compute_vpn_tunnel_info returns them (status, labels); ``bgp_peers``: the Cloud Router's
    ``bgpPeerStatus`` (status, ipAddress, peerIpAddress); ``targets``: ``{inside_cidrs, pre_shared_keys}`` by peer
    interface (either may be empty: unchanged).

    A tunnel is up when AWS telemetry says UP, its GCP tunnel is ESTABLISHED and its BGP session UP. A down tunnel
    whose GCP side lags what AWS holds (or whose connection is being modified) is a step left half done by an
    interrupted run: it goes first. Any other down tunnel refuses the plan (``refusal``) unless ``force``
    (then ``risk`` says what that costs, and its step does not wait for it to come back). The remaining steps
    alternate the GCP HA interfaces: 0, 2, 1, 3.

    Returns ``{steps, tunnels, refusal, risk, target_aws_tunnels}``; ``steps`` and ``tunnels`` hold no key,
    ``target_aws_tunnels`` (the AWS fact once every step is done, for check mode) does.
    """
    tunnels = validate_aws_tunnels(aws_tunnels, router_asn)
    _check_targets(tunnels, targets)
    names = gcp_names(prefix)
    states = {c["vpn_connection_id"]: c.get("state") for c in aws_connections}
    telemetry = {t["outside_ip_address"]: t for c in aws_connections for t in c.get("vgw_telemetry") or []}
    pending = {p["outside_ip"]: sorted(p["options"]) for p in aws_pending}
    gcp = {t["name"]: t for t in gcp_tunnels}
    bgp = {p["name"]: p for p in bgp_peers}
    rows, target_facts = [], []
    for t, n in zip(tunnels, names, strict=True):
        i = t["peer_interface"]
        tel, tunnel, peer = telemetry.get(t["outside_ip"], {}), gcp.get(n["tunnel"]), bgp.get(n["bgp_peer"])
        down = []
        if tel.get("status") != "UP":
            down.append(f"AWS telemetry {tel.get('status', 'missing')} ({tel.get('status_message', 'no telemetry')})")
        if (tunnel or {}).get("status") != "ESTABLISHED":
            down.append(f"GCP tunnel {n['tunnel']} {(tunnel or {}).get('status', 'missing')}")
        if (peer or {}).get("status") != "UP":
            down.append(f"BGP session {n['bgp_peer']} {(peer or {}).get('status', 'missing')}")
        lag = []
        if ((tunnel or {}).get("labels") or {}).get(FINGERPRINT_LABEL) != key_fingerprint(n["tunnel"],
                                                                                          t["pre_shared_key"]):
            lag.append(_GCP_FOLLOWS[SECRET_MEMBER])
        if ((peer or {}).get("ipAddress"), (peer or {}).get("peerIpAddress")) != (
                t["cgw_inside_ip"], t["aws_inside_ip"]):
            lag.append(_GCP_FOLLOWS["TunnelInsideCidr"])
        aws = pending.get(t["outside_ip"], [])
        follow = sorted(set(lag) | {_GCP_FOLLOWS[m] for m in aws if m in _GCP_FOLLOWS})
        half_done = bool(down) and bool(lag or (states.get(t["vpn_connection_id"]) == "modifying" and not aws))
        rows.append({"peer_interface": i, "gcp_interface": t["gcp_interface"], "outside_ip": t["outside_ip"],
                     "vpn_connection_id": t["vpn_connection_id"], "tunnel": n["tunnel"], "bgp_peer": n["bgp_peer"],
                     "up": not down, "down": down, "half_done": half_done, "aws": aws, "gcp": follow})
        after = dict(t)
        if "TunnelInsideCidr" in aws:
            after["inside_cidr"] = targets["inside_cidrs"][i]
            after["aws_inside_ip"], after["cgw_inside_ip"] = inside_ips(after["inside_cidr"])
        if SECRET_MEMBER in aws:
            after["pre_shared_key"] = targets["pre_shared_keys"][i]
        target_facts.append(after)

    def label(row):
        return f"tunnel {row['peer_interface']} ({row['tunnel']}, AWS {row['outside_ip']})"

    todo = [r for r in rows if r["aws"] or r["gcp"] or r["half_done"]]
    broken = [r for r in rows if r["down"] and not r["half_done"]]
    # Half-done steps first (they are down already and finishing them brings them back), then tunnels that are
    # down anyway (changing them costs nothing), then the rest, alternating the HA interfaces.
    todo.sort(key=lambda r: (not r["half_done"], r["up"], _rotation_order(r["peer_interface"])))
    refusal = risk = None
    if todo and broken:
        why = "; ".join(f"{label(r)} is down: {', '.join(r['down'])}" for r in broken)
        if not force:
            refusal = (f"Refusing to roll the change: {why}. Changing a tunnel takes it down until both clouds agree, "
                       f"so every tunnel must be up before the first change; repair it, or force the rotation.")
        else:
            alone = sorted({r["gcp_interface"] for r in broken})
            risk = (f"Forced with {why}. It is changed first if it has a change, without waiting for it to come "
                    f"back; while it stays down each other tunnel's change leaves {TUNNEL_COUNT - len(broken) - 1} of "
                    f"{TUNNEL_COUNT} tunnels up, and GCP HA interface {', '.join(map(str, alone))} has no tunnel left "
                    f"while its other tunnel changes.")
    steps = [{**{k: r[k] for k in ("peer_interface", "gcp_interface", "outside_ip", "vpn_connection_id", "tunnel",
                                   "bgp_peer", "aws", "gcp", "half_done")},
              "gcp_tunnel": _GCP_FOLLOWS[SECRET_MEMBER] in r["gcp"],
              "gcp_session": _GCP_FOLLOWS["TunnelInsideCidr"] in r["gcp"],
              # A tunnel down for another reason (forced) need not come back with its change: not waited for.
              "wait_up": r["up"] or r["half_done"]} for r in todo]
    summary = [f"now: {label(r)} on GCP interface {r['gcp_interface']}: "
               + ("up" if r["up"] else f"DOWN ({', '.join(r['down'])})") for r in rows]
    summary += [f"step {n}: {label(r)}: AWS {', '.join(r['aws']) or 'no change'}; "
                f"GCP {', '.join(r['gcp']) or 'no change'}"
                + ("; finishes a step an earlier run left half done" if r["half_done"] else "")
                for n, r in enumerate(todo, start=1)] or ["Nothing to roll: both clouds agree with the desired state."]
    return {"steps": steps, "tunnels": rows, "summary": summary, "refusal": refusal, "risk": risk,
            "target_aws_tunnels": target_facts}
