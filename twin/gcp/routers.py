"""Cloud Routers: insert/get/list/delete (generic), patch and update, getRouterStatus, and what each router
advertises (api-samples.md §4.4, §4.5, §5.2)."""

from __future__ import annotations

import ipaddress

from twin import link as twin_link
from twin.gcp import operations, store
from twin.gcp.api import Request, handles
from twin.gcp.discovery import document, output_only
from twin.gcp.errors import invalid, required
from twin.gcp.resources import Collection, check_name, ref, register

# RFC 6996 private ranges or Google's own 16550 (tf-google #5381, api-samples.md §5.2).
PRIVATE_ASNS = (range(64512, 65535), range(4200000000, 4294967295), range(16550, 16551))
# Defaults the API fills in for a VPN BGP peer (api-samples.md §4.4, GC-2026).
BFD_DEFAULT = {"minReceiveInterval": 1000, "minTransmitInterval": 1000, "multiplier": 5,
               "sessionInitializationMode": "DISABLED"}


def _bgp(body: dict) -> dict:
    bgp = dict(body["bgp"])
    asn = bgp.get("asn")
    if not any(asn in r for r in PRIVATE_ASNS):
        raise invalid("resource.bgp.asn", asn if asn is not None else "",
                      "Local ASN must be either in the RFC6996 private ASN ranges: [64512..65534], "
                      "[4200000000..4294967294]; or be the value of [16550].")
    bgp.setdefault("advertiseMode", "DEFAULT")
    bgp.setdefault("keepaliveInterval", 20)
    return bgp


def _interfaces(req: Request, body: dict, current: dict | None) -> list[dict]:
    # A tunnel deleted after its interface was linked leaves the interface in place (its peer then shows
    # "The VPN tunnel or Interconnect attachment is unknown.", GC-2026): only new links must resolve.
    kept = {(i["name"], i.get("linkedVpnTunnel")) for i in (current or {}).get("interfaces", [])}
    interfaces = []
    for n, given in enumerate(body.get("interfaces", [])):
        interface = dict(given)
        if not interface.get("name"):
            raise required(f"resource.interfaces[{n}].name")
        if interface.get("ipRange"):
            field = f"resource.interfaces[{n}].ipRange"
            try:
                network = ipaddress.IPv4Interface(interface["ipRange"]).network
            except ValueError:
                raise invalid(field, interface["ipRange"], "Invalid IP range.") from None  # twin wording
            # Each BGP session needs its own range on the router (cloud-constraints.md); twin wording.
            clash = next((i["name"] for i in interfaces if i.get("ipRange")
                          and ipaddress.IPv4Interface(i["ipRange"]).network.overlaps(network)), None)
            if clash:
                raise invalid(field, interface["ipRange"], f"IP range overlaps with interface {clash}.")
            interface.setdefault("ipVersion", "IPV4")
        if interface.get("linkedVpnTunnel") and (interface["name"], interface["linkedVpnTunnel"]) not in kept:
            interface["linkedVpnTunnel"] = ref(req, interface, "linkedVpnTunnel", "vpnTunnels")["selfLink"]
        interfaces.append(interface)
    return interfaces


def _peers(req: Request, body: dict, network: str, interfaces: list[dict]) -> list[dict]:
    by_name = {i["name"]: i for i in interfaces}
    asn = body.get("bgp", {}).get("asn")
    # Other routers of the same region and network (cloud-foundation-fabric PR #3800, api-samples.md §5.2).
    neighbours = {r["bgp"]["asn"]: r["name"] for r in store.find("routers", network=network)
                  if r["_key"][2] == req.scope and r["name"] != body["name"] and "bgp" in r}
    peers = []
    for n, given in enumerate(body.get("bgpPeers", [])):
        peer, where = dict(given), f"resource.bgpPeers[{n}]"
        interface = by_name.get(peer.get("interfaceName"))
        if interface is None:
            # Twin wording: no public capture of a peer naming a missing interface.
            raise invalid(f"{where}.interfaceName", peer.get("interfaceName", ""),
                          f'BGP peer "{peer.get("name")}" refers to an interface that does not exist.')
        if "peerAsn" not in peer:
            raise required(f"{where}.peerAsn")
        if peer["peerAsn"] in neighbours:
            raise invalid(f"{where}.peerAsn", peer["peerAsn"], "Peer ASN conflicts with local ASN of another "
                          f"router in the same region and network: {neighbours[peer['peerAsn']]}.")
        if peer["peerAsn"] == asn:
            raise invalid(f"{where}.peerAsn", peer["peerAsn"], "Peer ASN must differ from the local ASN.")  # twin
        _check_addresses(peer, interface, where)
        peer.setdefault("advertiseMode", "DEFAULT")
        peer.setdefault("enable", "TRUE")
        peer.setdefault("enableIpv4", True)
        peer.setdefault("enableIpv6", False)
        peer.setdefault("bfd", BFD_DEFAULT)
        peers.append(peer)
    return peers


def _check_addresses(peer: dict, interface: dict, where: str) -> None:
    """A VPN BGP session lives in its interface's /30: own address = interface address, peer address inside
    the range (cloud-constraints.md; messages api-samples.md §5.2)."""
    if peer.get("peerIpAddress") and not peer.get("ipAddress") and not interface.get("ipRange"):
        raise invalid(where, "", f'In BGP Peer "{peer["name"]}", peer IP address {peer["peerIpAddress"]} is '
                      "specified, but IP address is not specified.")
    if not interface.get("ipRange"):
        return
    iface = ipaddress.IPv4Interface(interface["ipRange"])
    peer.setdefault("ipAddress", str(iface.ip))  # the API fills the peer's own address from its interface
    if peer["ipAddress"] != str(iface.ip):
        # terraform-google-vpn #45: the value in quotes is empty in the real message.
        raise invalid(f"{where}.ipAddress", "", f'BGP Peer "{peer["name"]}" has IP address {peer["ipAddress"]} '
                      f"different from interface IP address {iface.ip}")
    if peer.get("peerIpAddress"):
        address = ipaddress.IPv4Address(peer["peerIpAddress"])
        if address not in iface.network or address == iface.ip:
            # Twin wording, same form as the message above.
            raise invalid(f"{where}.peerIpAddress", peer["peerIpAddress"],
                          f'BGP Peer "{peer["name"]}" has peer IP address {address} outside interface IP range '
                          f"{iface.network} or equal to the interface IP address")


def _router(req: Request, body: dict, current: dict | None = None) -> dict:
    network = ref(req, body, "network", "networks")["selfLink"]
    fields = {"description": body.get("description", ""), "network": network,
              "encryptedInterconnectRouter": body.get("encryptedInterconnectRouter", False)}
    if "bgp" in body:
        fields["bgp"] = _bgp(body)
    interfaces = _interfaces(req, body, current)
    fields["interfaces"] = interfaces
    fields["bgpPeers"] = _peers(req, body, network, interfaces)
    # Empty lists are absent in API output (ProtoJSON omits empty repeated fields; api-samples.md §4.4).
    return {k: v for k, v in fields.items() if v != []}


ROUTERS = register(Collection("routers", "router", "router", _router))

_OUTPUT_ONLY = {k for k, v in document()["schemas"]["Router"]["properties"].items() if output_only(v)}


def merge_patch(target, patch):
    """RFC 7386 JSON merge patch, which routers.patch follows (discovery: "uses JSON merge patch"):
    objects merge key by key, null removes, lists and scalars replace."""
    if not isinstance(patch, dict) or not isinstance(target, dict):
        return patch
    merged = dict(target)
    for key, value in patch.items():
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = merge_patch(merged.get(key), value)
    return merged


@handles("compute.routers.patch", "compute.routers.update")
def change(req: Request):
    verb = req.method_id.rsplit(".", 1)[1]
    router = store.get(("routers", req.project, req.scope, req.params["router"]))
    current = {k: v for k, v in store.public(router).items() if k not in _OUTPUT_ONLY}
    # PATCH merges into the stored router; PUT (update) replaces every writable field.
    desired = merge_patch(current, req.body) if verb == "patch" else dict(req.body)
    desired.setdefault("name", router["name"])
    check_name(desired["name"])
    if desired["name"] != router["name"]:
        raise invalid("resource.name", desired["name"], "Field cannot be changed.")  # twin wording
    fields = _router(req, desired, router)
    for key in [k for k in router if k not in _OUTPUT_ONLY and not k.startswith("_")]:
        del router[key]
    router.update(fields, name=desired["name"])
    return 200, operations.start(req.project, req.scope, verb, router)


def advertised_ranges(router: dict, peer: dict | None = None) -> list[str]:
    """CIDRs the router (or one of its peers) advertises: a CUSTOM peer overrides the router's settings;
    DEFAULT advertises the network's subnetworks, only the router's region under REGIONAL routing
    (discovery NetworkRoutingConfig.routingMode; https://cloud.google.com/network-connectivity/docs/router/concepts/advertised-routes)."""
    source = peer if peer and peer.get("advertiseMode") == "CUSTOM" else router.get("bgp", {})
    network = store.get(store.parse_ref(router["network"], "network", "networks", router["_key"][1]))
    regional = network["routingConfig"]["routingMode"] == "REGIONAL"
    subnets = [s["ipCidrRange"] for s in store.find("subnetworks", network=router["network"])
               if not regional or s["_key"][2] == router["_key"][2]]
    if source.get("advertiseMode", "DEFAULT") == "DEFAULT":
        return subnets
    groups = subnets if "ALL_SUBNETS" in source.get("advertisedGroups", []) else []
    return groups + [r["range"] for r in source.get("advertisedIpRanges", [])]


def peer_view(router: dict, peer: dict):
    """The link's view of one BGP peer (twin.link_model.GcpBgpPeer)."""
    from twin.link_model import GcpBgpPeer

    interface = next((i for i in router.get("interfaces", []) if i["name"] == peer["interfaceName"]), {})
    _, project, region, name = router["_key"]
    return GcpBgpPeer(project=project, region=region, router=name, router_asn=router.get("bgp", {}).get("asn", 0),
                      name=peer["name"], interface_ip_range=interface.get("ipRange"), ip_address=peer.get("ipAddress"),
                      peer_ip_address=peer.get("peerIpAddress"), peer_asn=peer["peerAsn"],
                      linked_tunnel=interface.get("linkedVpnTunnel"), enabled=peer.get("enable", "TRUE") == "TRUE")


def _uptime(seconds: int) -> str:
    parts = [(seconds // 86400, "day"), (seconds % 86400 // 3600, "hour"), (seconds % 3600 // 60, "minute"),
             (seconds % 60, "second")]
    # "7 minutes, 42 seconds" (api-samples.md §4.5).
    return ", ".join(f"{n} {unit}{'s' if n != 1 else ''}" for n, unit in parts if n) or "0 seconds"


def _route(router: dict, cidr: str, next_hop: str, tunnel: str | None, asn: int | None = None) -> dict:
    route = {"kind": "compute#route", "creationTimestamp": router["creationTimestamp"], "destRange": cidr,
             "network": router["network"], "nextHopIp": next_hop, "priority": 100, "routeType": "BGP"}
    if tunnel:
        route["nextHopVpnTunnel"] = tunnel
    if asn is not None:
        route.update(nextHopOrigin="INCOMPLETE", asPaths=[{"asLists": [asn], "pathSegmentType": "AS_SEQUENCE"}])
    return route


@handles("compute.routers.getRouterStatus")
def router_status(req: Request):
    router = store.get(("routers", req.project, req.scope, req.params["router"]))
    result = {"network": router["network"], "bestRoutes": [], "bestRoutesForRouter": [], "bgpPeerStatus": []}
    for peer in router.get("bgpPeers", []):
        view = peer_view(router, peer)
        status = twin_link.bgp_peer_status(view)
        entry = {"name": peer["name"], "ipAddress": peer.get("ipAddress"), "peerIpAddress": peer.get("peerIpAddress"),
                 "linkedVpnTunnel": view.linked_tunnel, "enableIpv4": peer["enableIpv4"],
                 "enableIpv6": peer["enableIpv6"], "md5AuthEnabled": False,
                 "status": status["status"], "state": status["state"]}
        if status["status"] == "UP":
            # Uptime, learned and advertised routes only while the session is up (GC-2026, api-samples.md §4.5).
            learned = status.get("learned_cidrs", [])
            seconds = int(status.get("uptimeSeconds") or 0)
            entry.update(uptime=_uptime(seconds), uptimeSeconds=str(seconds), numLearnedRoutes=len(learned),
                         advertisedRoutes=[_route(router, c, peer["ipAddress"], None)
                                           for c in advertised_ranges(router, peer)])
            for cidr in learned:
                route = _route(router, cidr, peer["peerIpAddress"], view.linked_tunnel, peer["peerAsn"])
                result["bestRoutes"].append(route)
                result["bestRoutesForRouter"].append({**route, "routeStatus": "ACTIVE"})
        result["bgpPeerStatus"].append({k: v for k, v in entry.items() if v is not None})
    return 200, {"kind": "compute#routerStatusResponse", "result": {k: v for k, v in result.items() if v != []}}

