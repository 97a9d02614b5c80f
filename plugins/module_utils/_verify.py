# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure verification of a built hybrid VPN, from data each role read once from its cloud (no I/O here).

Three checks, each returning rows for the report and one-line problems that name the element, the side and the
reason:

- ``gcp_vpn_check``: the four GCP tunnels and BGP sessions **of ours** (by name) against the AWS tunnels they
  face: peer IP, key fingerprint, HA interface, IKE version, router interface and BGP addresses in the tunnel's
  inside /30, ASNs both ways; then their status (ESTABLISHED, UP).
- ``aws_vpn_check``: the two VPN connections **of ours** (by Name tag, on our Transit Gateway): IKE versions and
  proposals Cloud VPN also accepts, then each tunnel's telemetry (UP).
- ``trace_paths``: every spoke VPC <-> shared subnetwork / connector path, hop by hop, both ways.

A *wiring* problem does not heal by waiting (the verify entry points fail at once); a *status* line may (they
wait for it, up to their deadline, printing ``progress``).
"""

from __future__ import annotations

import ipaddress

from ansible_collections.cloudbridge.hybrid_vpn.plugins.module_utils._settings import GCP_DH
from ansible_collections.cloudbridge.hybrid_vpn.plugins.module_utils._wiring import (
    FINGERPRINT_LABEL,
    TUNNEL_COUNT,
    gcp_names,
    key_fingerprint,
)

# HA VPN to AWS uses IKEv2 (Google "Create HA VPN connections between Google Cloud and AWS").
GCP_IKE_VERSION = 2
# Cloud VPN "Supported IKE ciphers" (IKEv2): every AWS encryption and integrity choice is in its tables; the DH
# groups are where the lists differ (_settings.GCP_DH).
GCP_ACCEPTS = {"dh_group_numbers": {str(g) for g in GCP_DH}}


def _last(link) -> str:
    return (link or "").rstrip("/").rsplit("/", 1)[-1]


def _values(items) -> list[str]:
    return [str(i.get("value", i) if isinstance(i, dict) else i) for i in items or []]


def _short(lines: list[str], limit: int = 4) -> str:
    shown = "; ".join(lines[:limit])
    return shown + (f"; and {len(lines) - limit} more" if len(lines) > limit else "")


# ---- GCP side -------------------------------------------------------------------------------------------------


def gcp_vpn_check(aws_tunnels: list[dict], gcp_tunnels: list[dict], router: dict | None, router_status: list[dict],
                  prefix: str, where: str = "") -> dict:
    """The GCP half of our VPN as Compute returns it, checked against the AWS tunnels it must face.

    ``aws_tunnels``: the ``aws_tgw_vpn_tunnels`` fact (keys included); ``gcp_tunnels``: vpnTunnels resources;
    ``router``: the Cloud Router resource (None when missing); ``router_status``: its ``bgpPeerStatus``.
    Only our tunnels and peers (``gcp_names(prefix)``) are looked at: another team's peer on the same router
    counts for nothing. Returns ``{rows, wiring, waiting, progress, done}``.
    """
    side = f"GCP{f' ({where})' if where else ''}"
    names = gcp_names(prefix)
    aws_by_peer = {t["peer_interface"]: t for t in aws_tunnels or []}
    tunnels = {t["name"]: t for t in gcp_tunnels or []}
    router = router or {}
    interfaces = {i["name"]: i for i in router.get("interfaces", [])}
    peers = {p["name"]: p for p in router.get("bgpPeers", [])}
    statuses = {p["name"]: p for p in router_status or []}
    wiring, waiting, rows = [], [], []
    if not router:
        wiring.append(f"{side} Cloud Router: missing")
    if len(aws_by_peer) != TUNNEL_COUNT:
        wiring.append(f"{side}: expected the 4 AWS tunnels to check against, got {len(aws_by_peer)} (is the AWS "
                      "side built?)")
    router_asn = (router.get("bgp") or {}).get("asn")
    for n in names:
        aws = aws_by_peer.get(n["peer_interface"], {})
        tunnel, status = tunnels.get(n["tunnel"]), statuses.get(n["bgp_peer"], {})
        row = {"peer_interface": n["peer_interface"], "tunnel": n["tunnel"], "bgp_peer": n["bgp_peer"],
               "outside_ip": aws.get("outside_ip"), "vpn_connection_id": aws.get("vpn_connection_id"),
               "inside_cidr": aws.get("inside_cidr"), "gcp_interface": tunnel and tunnel.get("vpnGatewayInterface"),
               "status": tunnel and tunnel.get("status"), "detail": tunnel and tunnel.get("detailedStatus"),
               "bgp_status": status.get("status"), "bgp_state": status.get("state"),
               "learned_routes": int(status.get("numLearnedRoutes") or 0),
               "advertised": sorted(r["destRange"] for r in status.get("advertisedRoutes", []))}
        rows.append(row)
        if tunnel is None:
            wiring.append(f"{side} tunnel {n['tunnel']}: missing")
            continue
        wiring += _tunnel_wiring(side, n, tunnel, aws, interfaces, peers, router_asn)
        if tunnel.get("status") != "ESTABLISHED":
            waiting.append(f"{side} tunnel {n['tunnel']}: {tunnel.get('status')} ({tunnel.get('detailedStatus', '')})")
        if n["bgp_peer"] in peers and status.get("status") != "UP":
            waiting.append(f"{side} BGP session {n['bgp_peer']}: {status.get('status', 'not reported')} "
                           f"({status.get('state', 'no state')})")
    established = sum(r["status"] == "ESTABLISHED" for r in rows)
    up = sum(r["bgp_status"] == "UP" for r in rows)
    detail = [f"{r['tunnel']}: {r['status']}" for r in rows if r["status"] not in ("ESTABLISHED", None)]
    detail += [f"{r['bgp_peer']}: {r['bgp_status'] or 'no session'}" for r in rows
               if r["status"] == "ESTABLISHED" and r["bgp_status"] != "UP"]
    progress = f"{established}/{TUNNEL_COUNT} tunnels ESTABLISHED, {up}/{TUNNEL_COUNT} BGP sessions UP"
    return {"rows": rows, "wiring": wiring, "waiting": waiting, "done": not wiring and not waiting,
            "progress": progress + (f"; {_short(detail)}" if detail else "")}


def _tunnel_wiring(side, n, tunnel, aws, interfaces, peers, router_asn) -> list[str]:
    problems = []
    what = f"{side} tunnel {n['tunnel']}"
    if not aws:
        return problems
    against = f"AWS tunnel {aws['outside_ip']} ({aws['vpn_connection_id']})"
    if tunnel.get("peerIp") != aws["outside_ip"]:
        problems.append(f"{what}: peer IP {tunnel.get('peerIp')}, expected {aws['outside_ip']}, the outside IP of "
                        f"{against}")
    if tunnel.get("vpnGatewayInterface", 0) != aws["gcp_interface"]:
        problems.append(f"{what}: on HA VPN interface {tunnel.get('vpnGatewayInterface', 0)}, expected "
                        f"{aws['gcp_interface']}, whose IP is the customer gateway of {against}")
    if int(tunnel.get("ikeVersion", GCP_IKE_VERSION)) != GCP_IKE_VERSION:
        problems.append(f"{what}: IKE version {tunnel.get('ikeVersion')}, expected {GCP_IKE_VERSION} (IKEv2, as AWS "
                        "is set to)")
    fingerprint = (tunnel.get("labels") or {}).get(FINGERPRINT_LABEL)
    if aws.get("pre_shared_key") and fingerprint != key_fingerprint(n["tunnel"], aws["pre_shared_key"]):
        problems.append(f"{what}: key fingerprint (label {FINGERPRINT_LABEL}) "
                        f"{'missing' if fingerprint is None else 'differs'}: its key is not the key of {against}")
    aws_ip, cgw_ip, prefixlen = aws["aws_inside_ip"], aws["cgw_inside_ip"], aws["inside_cidr"].split("/")[1]
    interface = interfaces.get(n["interface"])
    if interface is None:
        problems.append(f"{side} router interface {n['interface']}: missing")
    else:
        if _last(interface.get("linkedVpnTunnel")) != n["tunnel"]:
            problems.append(f"{side} router interface {n['interface']}: linked to tunnel "
                            f"{_last(interface.get('linkedVpnTunnel')) or 'none'}, expected {n['tunnel']}")
        if interface.get("ipRange") != f"{cgw_ip}/{prefixlen}":
            problems.append(f"{side} router interface {n['interface']}: range {interface.get('ipRange')}, expected "
                            f"{cgw_ip}/{prefixlen} (second address of inside CIDR {aws['inside_cidr']})")
    peer = peers.get(n["bgp_peer"])
    if peer is None:
        problems.append(f"{side} BGP peer {n['bgp_peer']}: missing")
        return problems
    for field, expected, meaning in (("interfaceName", n["interface"], "its router interface"),
                                     ("ipAddress", cgw_ip, f"second address of {aws['inside_cidr']}"),
                                     ("peerIpAddress", aws_ip, f"first address of {aws['inside_cidr']}, AWS's side")):
        if peer.get(field) != expected:
            problems.append(f"{side} BGP peer {n['bgp_peer']}: {field} {peer.get(field)}, expected {expected} "
                            f"({meaning})")
    if int(peer.get("peerAsn", 0)) != int(aws["amazon_side_asn"]):
        problems.append(f"{side} BGP peer {n['bgp_peer']}: peer ASN {peer.get('peerAsn')}, expected "
                        f"{aws['amazon_side_asn']} (the Transit Gateway's Amazon-side ASN)")
    if router_asn is not None and int(router_asn) != int(aws["customer_gateway_asn"]):
        problems.append(f"{side} Cloud Router: ASN {router_asn}, expected {aws['customer_gateway_asn']} (the ASN of "
                        f"the customer gateway {aws.get('customer_gateway_id')} of {against})")
    if peer.get("enable", "TRUE") == "FALSE":
        problems.append(f"{side} BGP peer {n['bgp_peer']}: disabled (enable: FALSE)")
    return problems


# ---- AWS side -------------------------------------------------------------------------------------------------


def aws_vpn_check(connections: list[dict], names: list[str], transit_gateway_id: str, where: str = "") -> dict:
    """Our VPN connections (``names``: their Name tags) on our Transit Gateway as DescribeVpnConnections returns
    them (snake_case, ``ec2_vpn_connection_info``): tunnel options both clouds accept, then telemetry.

    Returns ``{rows, wiring, waiting, progress, done}``; a connection of another team on the same Transit Gateway
    counts for nothing.
    """
    side = f"AWS{f' ({where})' if where else ''}"
    ours = {}
    for c in connections or []:
        tags = c.get("tags") or {}
        # Tags as DescribeVpnConnections returns them ([{Key, Value}]) or as a dict.
        name = (tags if isinstance(tags, dict) else {t["Key"]: t["Value"] for t in tags}).get("Name")
        if name in names and c.get("transit_gateway_id") == transit_gateway_id:
            ours.setdefault(name, c)
    wiring, waiting, rows = [], [], []
    for name in names:
        conn = ours.get(name)
        if conn is None:
            wiring.append(f"{side} VPN connection {name}: missing on Transit Gateway {transit_gateway_id}")
            continue
        options = {t.get("outside_ip_address"): t for t in (conn.get("options") or {}).get("tunnel_options", [])}
        for telemetry in sorted(conn.get("vgw_telemetry", []), key=lambda t: ipaddress.ip_address(
                t["outside_ip_address"])):
            ip = telemetry["outside_ip_address"]
            what = f"{side} tunnel {ip} ({conn['vpn_connection_id']}, {name})"
            rows.append({"vpn_connection": name, "vpn_connection_id": conn["vpn_connection_id"],
                         "customer_gateway_id": conn.get("customer_gateway_id"), "outside_ip": ip,
                         "inside_cidr": options.get(ip, {}).get("tunnel_inside_cidr"),
                         "status": telemetry.get("status"), "message": telemetry.get("status_message", ""),
                         "accepted_routes": int(telemetry.get("accepted_route_count") or 0)})
            wiring += _aws_tunnel_options(what, options.get(ip, {}))
            if conn.get("state") != "available":
                waiting.append(f"{what}: connection {conn.get('state')}")
            elif telemetry.get("status") != "UP":
                waiting.append(f"{what}: {telemetry.get('status')} ({telemetry.get('status_message', '')})")
    up = sum(r["status"] == "UP" for r in rows)
    detail = [f"{r['outside_ip']}: {r['message'] or r['status']}" for r in rows if r["status"] != "UP"]
    return {"rows": rows, "wiring": wiring, "waiting": waiting, "done": not wiring and not waiting,
            "progress": f"{up}/{TUNNEL_COUNT} tunnels UP" + (f"; {_short(detail)}" if detail else "")}


def _aws_tunnel_options(what: str, options: dict) -> list[str]:
    """The IKE version and proposals AWS allows on one tunnel must include one Cloud VPN accepts (an empty list is
    AWS's default: every value, which includes them)."""
    problems = []
    versions = _values(options.get("ike_versions"))
    if versions and f"ikev{GCP_IKE_VERSION}" not in versions:
        problems.append(f"{what}: IKE versions {versions}, expected ikev{GCP_IKE_VERSION} among them (Cloud VPN's)")
    for phase in ("phase1", "phase2"):
        allowed = _values(options.get(f"{phase}_dh_group_numbers"))
        if allowed and not set(allowed) & GCP_ACCEPTS["dh_group_numbers"]:
            problems.append(f"{what}: {phase} DH groups {allowed}, none of which Cloud VPN accepts "
                            f"({sorted(GCP_DH)})")
    return problems


# ---- paths ----------------------------------------------------------------------------------------------------


def _net(cidr):
    return ipaddress.ip_network(cidr, strict=False)


def _covers(route_cidr: str, cidr: str) -> bool:
    return _net(cidr).subnet_of(_net(route_cidr))


def _best(routes: list[dict], cidr: str, key: str = "destination_cidr_block") -> dict | None:
    """Longest prefix among ``routes`` that covers ``cidr``."""
    covering = [r for r in routes if r.get(key) and _covers(r[key], cidr)]
    return max(covering, key=lambda r: _net(r[key]).prefixlen, default=None)


class _Trace:
    """One direction of one path: hops appended in order, the first failing one ends it."""

    def __init__(self):
        self.hops, self.failed = [], None

    def hop(self, name: str, ok: bool, element: str, reason: str = "") -> bool:
        if self.failed:
            return False
        self.hops.append({"hop": name, "element": element, "ok": ok, "reason": reason})
        if not ok:
            self.failed = f"{element}: {reason}"
        return ok


def trace_paths(spokes: list[dict], tgw: dict, vpn_connection_ids: list[str], bgp_status: list[dict],
                best_routes: list[dict], bgp_peer_names: list[str], network: str, router_network: str | None,
                destinations: list[dict]) -> dict:
    """Every spoke VPC <-> GCP destination path, hop by hop, both ways.

    - ``spokes``: ``[{host, account_id, vpcs: [{vpc_id, name, cidr, route_tables: [{route_table_id, routes:
      [{destination_cidr_block, transit_gateway_id, state}]}]}]}]`` (what each spoke read in its account).
    - ``tgw``: ``{transit_gateway_id, attachments: [{transit_gateway_attachment_id, resource_type, resource_id,
      state, association: {transit_gateway_route_table_id, state}}], route_tables: [{transit_gateway_route_table_id,
      name, routes: [{destination_cidr_block, state, type, transit_gateway_attachments: [{transit_gateway_attachment_id,
      resource_type, resource_id}]}]}]}`` (``ec2_transit_gateway_route_table_info``).
    - ``vpn_connection_ids``: ours; ``bgp_status``, ``best_routes``: the Cloud Router's ``bgpPeerStatus`` and
      ``bestRoutes`` (getRouterStatus); ``bgp_peer_names``: ours.
    - ``network``: the Shared VPC network; ``router_network``: the Cloud Router's network (a URL).
    - ``destinations``: ``[{name, kind (subnetwork | connector), ip_cidr_range}]`` in the host network.

    AWS -> GCP: spoke VPC route table -> TGW attachment -> the spoke's TGW route table -> route through a VPN
    attachment of ours -> a BGP session of ours UP that advertises the range -> host VPC -> destination.
    GCP -> AWS: destination -> host VPC -> Cloud Router learned route to the VPC CIDR through a session of ours
    -> VPN attachment -> its TGW route table -> route to the spoke's attachment -> spoke VPC.
    Returns ``{paths: [...], problems: [one line per distinct failing hop, naming the paths it breaks]}``.
    """
    tgw_id = tgw.get("transit_gateway_id")
    attachments = [a for a in tgw.get("attachments", []) if a.get("state") not in ("deleted", "deleting", "failed")]
    tables = {t["transit_gateway_route_table_id"]: t for t in tgw.get("route_tables", [])}
    vpn_attachments = {a["transit_gateway_attachment_id"]: a for a in attachments
                       if a.get("resource_type") == "vpn" and a.get("resource_id") in (vpn_connection_ids or [])}
    ours = [p for p in learned_by_peer(bgp_status, best_routes) if p.get("name") in bgp_peer_names]
    up = [p for p in ours if p.get("status") == "UP"]
    paths, failures = [], {}
    for spoke in spokes or []:
        for vpc in spoke.get("vpcs", []):
            for dest in destinations or []:
                label = f"{vpc.get('name') or vpc['vpc_id']} {vpc['cidr']} <-> {dest['name']} {dest['ip_cidr_range']}"
                forward = _to_gcp(spoke, vpc, dest, tgw_id, attachments, tables, vpn_attachments, up, network,
                                  router_network)
                back = _to_aws(vpc, dest, tgw_id, attachments, tables, vpn_attachments, up, network, router_network)
                paths.append({"spoke": spoke.get("host"), "vpc": vpc.get("name") or vpc["vpc_id"],
                              "vpc_id": vpc["vpc_id"], "vpc_cidr": vpc["cidr"], "destination": dest["name"],
                              "kind": dest.get("kind", "subnetwork"), "range": dest["ip_cidr_range"],
                              "to_gcp": {"ok": forward.failed is None, "hops": forward.hops, "failed": forward.failed},
                              "to_aws": {"ok": back.failed is None, "hops": back.hops, "failed": back.failed}})
                for direction, trace in (("AWS -> GCP", forward), ("GCP -> AWS", back)):
                    if trace.failed:
                        failures.setdefault(trace.failed, []).append(f"{label} ({direction})")
    problems = [f"{reason} [breaks {_short(labels, 3)}]" for reason, labels in failures.items()]
    return {"paths": paths, "problems": problems, "done": not problems}


def _bgp_hop(trace: _Trace, up: list[dict], cidr: str, field: str, direction: str) -> dict | None:
    """A session of ours, UP, carrying ``cidr`` (``advertisedRoutes`` to AWS, or learned ``bestRoutes``)."""
    carrying = [p for p in up if any(_covers(r["destRange"], cidr) for r in p.get(field, []))]
    if not up:
        trace.hop("BGP session", False, "GCP Cloud Router", "none of our 4 BGP sessions is UP")
        return None
    if not carrying:
        names = ", ".join(sorted(p["name"] for p in up))
        trace.hop("BGP session", False, "GCP Cloud Router",
                  f"no BGP session of ours ({names}) {direction} a route covering {cidr}")
        return None
    trace.hop("BGP session", True, ", ".join(sorted(p["name"] for p in carrying)))
    return carrying[0]


def _to_gcp(spoke, vpc, dest, tgw_id, attachments, tables, vpn_attachments, up, network, router_network) -> _Trace:
    trace, cidr, where = _Trace(), dest["ip_cidr_range"], f"AWS spoke {spoke.get('host')}"
    route_tables = vpc.get("route_tables", [])
    if not route_tables:
        trace.hop("spoke VPC route table", False, f"{where} VPC {vpc['vpc_id']}", "no route table read")
    for table in route_tables:
        route = _best(table.get("routes", []), cidr)
        ok = bool(route) and route.get("transit_gateway_id") == tgw_id and route.get("state", "active") == "active"
        reason = (f"no route to {cidr}" if not route else
                  f"route {route['destination_cidr_block']} goes to "
                  f"{route.get('transit_gateway_id') or route.get('gateway_id') or 'another target'}"
                  f" ({route.get('state', 'active')})")
        if not trace.hop("spoke VPC route table", ok, f"{where} VPC {vpc['vpc_id']} route table {table['id']}",
                         f"{reason}, expected a route to {cidr} via {tgw_id}"):
            return trace
    attachment = next((a for a in attachments if a.get("resource_id") == vpc["vpc_id"]), None)
    if not trace.hop("TGW attachment", bool(attachment) and attachment.get("state") == "available",
                     f"AWS Transit Gateway {tgw_id}",
                     f"attachment of VPC {vpc['vpc_id']} " + (attachment["state"] if attachment else "missing")):
        return trace
    table = _associated(trace, attachment, tables, f"AWS TGW attachment {attachment['transit_gateway_attachment_id']}")
    if table is None:
        return trace
    route = _best(table.get("routes", []), cidr)
    targets = [a["transit_gateway_attachment_id"] for a in (route or {}).get("transit_gateway_attachments", [])]
    through = [t for t in targets if t in vpn_attachments]
    if not through and up and not any(_covers(r["destRange"], cidr) for p in up for r in p.get("advertisedRoutes", [])):
        # The VPN attachments propagate what the Cloud Router advertises: a range it leaves out is the cause.
        _bgp_hop(trace, up, cidr, "advertisedRoutes", "advertises")
        return trace
    element = f"AWS TGW route table {table.get('name') or table['transit_gateway_route_table_id']}"
    if not route:
        reason = f"no route to {cidr} (a GCP range the VPN attachments should propagate)"
    elif route.get("state") != "active":
        reason = f"route {route['destination_cidr_block']} is {route.get('state')}"
    else:
        reason = f"route {route['destination_cidr_block']} goes to {', '.join(targets) or 'nothing'}, not our VPN"
    if not trace.hop("TGW route to VPN attachment", bool(through) and route.get("state") == "active", element,
                     reason):
        return trace
    if _bgp_hop(trace, up, cidr, "advertisedRoutes", "advertises") is None:
        return trace
    _gcp_end(trace, dest, network, router_network)
    return trace


def _associated(trace, attachment, tables, element) -> dict | None:
    association = attachment.get("association") or {}
    table = tables.get(association.get("transit_gateway_route_table_id"))
    ok = table is not None and association.get("state", "associated") == "associated"
    reason = ("associated with no route table" if not association.get("transit_gateway_route_table_id")
              else f"associated with {association['transit_gateway_route_table_id']}, not one of our route tables"
              if table is None else f"association with {table.get('name')} {association.get('state')}")
    return table if trace.hop("TGW route table association", ok, element, reason) else None


def _gcp_end(trace, dest, network, router_network) -> None:
    if trace.hop("host VPC", _last(router_network) == network, "GCP Cloud Router",
                 f"in network {_last(router_network)}, expected the host VPC {network}"):
        trace.hop(dest.get("kind", "subnetwork"), True, f"GCP {dest.get('kind', 'subnetwork')} {dest['name']}")


def _to_aws(vpc, dest, tgw_id, attachments, tables, vpn_attachments, up, network, router_network) -> _Trace:
    trace, cidr = _Trace(), vpc["cidr"]
    trace.hop(dest.get("kind", "subnetwork"), True, f"GCP {dest.get('kind', 'subnetwork')} {dest['name']}")
    if not trace.hop("host VPC", _last(router_network) == network, "GCP Cloud Router",
                     f"in network {_last(router_network)}, expected the host VPC {network}"):
        return trace
    if _bgp_hop(trace, up, cidr, "learned", "learned") is None:
        return trace
    if not vpn_attachments:
        trace.hop("VPN attachment", False, f"AWS Transit Gateway {tgw_id}", "no attachment of our VPN connections")
        return trace
    spoke_attachment = next((a for a in attachments if a.get("resource_id") == vpc["vpc_id"]), None)
    for vpn in sorted(vpn_attachments.values(), key=lambda a: a["transit_gateway_attachment_id"]):
        element = f"AWS VPN attachment {vpn['transit_gateway_attachment_id']} ({vpn['resource_id']})"
        if not trace.hop("VPN attachment", vpn.get("state") == "available", element, vpn.get("state", "")):
            return trace
        table = _associated(trace, vpn, tables, element)
        if table is None:
            return trace
        route = _best(table.get("routes", []), cidr)
        targets = [a["transit_gateway_attachment_id"] for a in (route or {}).get("transit_gateway_attachments", [])]
        spoke_id = spoke_attachment and spoke_attachment["transit_gateway_attachment_id"]
        ok = bool(route) and route.get("state") == "active" and spoke_id in targets
        reason = (f"no route to {cidr} (VPC {vpc['vpc_id']})" if not route
                  else f"route {route['destination_cidr_block']} goes to {', '.join(targets) or 'nothing'} "
                       f"({route.get('state')}), expected {spoke_id or 'the attachment of VPC ' + vpc['vpc_id']}")
        if not trace.hop("TGW route to spoke attachment", ok,
                         f"AWS TGW route table {table.get('name') or table['transit_gateway_route_table_id']}", reason):
            return trace
    trace.hop("spoke VPC", True, f"AWS VPC {vpc['vpc_id']}")
    return trace


def learned_by_peer(bgp_status: list[dict], best_routes: list[dict]) -> list[dict]:
    """``bgpPeerStatus`` entries with ``learned``: the ``bestRoutes`` whose next hop is the peer's AWS address."""
    return [{**p, "learned": [r for r in best_routes or [] if r.get("nextHopIp") == p.get("peerIpAddress")]}
            for p in bgp_status or []]
