"""Generic insert/get/list/delete for Compute collections, and the networks, subnetworks, HA VPN gateways,
external VPN gateways and VPN tunnels built on it (api-samples.md §4; shapes from the discovery document)."""

from __future__ import annotations

import base64
import hashlib
import ipaddress
import json
import re
from collections.abc import Callable
from dataclasses import dataclass

from twin import link as twin_link
from twin.gcp import iam, operations, store
from twin.gcp.api import Request, handles, page
from twin.gcp.discovery import NAME_PATTERN, invalid_name
from twin.gcp.errors import GcpError, already_exists, in_use, invalid, precondition, required


@dataclass
class Collection:
    name: str  # URL segment, e.g. "vpnTunnels"
    kind: str  # compute#<kind>
    word: str  # how resourceInUseByAnotherResource names it
    build: Callable[[Request, dict], dict]  # checked, defaulted fields of a new resource; raises GcpError
    view: Callable[[dict], dict] | None = None  # fields computed on read (status, back references)
    conflict: Callable[[Request, dict], GcpError | None] | None = None  # errors the real API reports asynchronously


COLLECTIONS: dict[str, Collection] = {}


def render(resource: dict) -> dict:
    coll = COLLECTIONS[resource["_key"][0]]
    return {**store.public(resource), **(coll.view(resource) if coll.view else {})}


def ref(req: Request, body: dict, field: str, collection: str, needed: bool = True) -> dict | None:
    """The stored resource a body reference field names (404 if it does not exist)."""
    if not body.get(field):
        if needed:
            raise required(f"resource.{field}")
        return None
    return store.get(store.parse_ref(body[field], f"resource.{field}", collection, req.project))


def key_path(key: tuple) -> str:
    collection, project, scope, name = key
    return store.path(project, scope, collection, name)


def check_name(name: str) -> None:
    if not re.fullmatch(NAME_PATTERN, name or ""):
        raise invalid_name("resource.name", name or "")


# Compute list filters: one `field = value` / `field != value` / `field eq regex` / `field ne regex` term
# (https://cloud.google.com/compute/docs/reference/rest/v1/vpnTunnels/list, "filter").
_FILTER = re.compile(r'\s*\(?\s*(\w+)\s*(=|!=|eq|ne)\s*"?([^")]*?)"?\s*\)?\s*')


def _matches(resource: dict, expression: str | None) -> bool:
    if not expression:
        return True
    match = _FILTER.fullmatch(expression)
    if not match:
        raise invalid("filter", expression, "Invalid list filter expression.")
    field, op, value = match.groups()
    actual = str(resource.get(field, ""))
    equal = re.fullmatch(value, actual) is not None if op in ("eq", "ne") else actual == value
    return equal == (op in ("=", "eq"))


def _insert(coll: Collection, req: Request):
    body = req.body
    check_name(body.get("name"))
    key = (coll.name, req.project, req.scope, body["name"])
    if key in store.state.resources:
        raise already_exists(key_path(key))
    fields = coll.build(req, body)
    error = coll.conflict(req, fields) if coll.conflict else None
    if error:
        return 200, operations.start(req.project, req.scope, "insert",
                                     store.link(req.project, req.scope, coll.name, body["name"]), error)
    return 200, operations.start(req.project, req.scope, "insert", store.new_resource(key, coll.kind, fields))


def _get(coll: Collection, req: Request, param: str):
    return store.get((coll.name, req.project, req.scope, req.params[param]))


def _list(coll: Collection, req: Request):
    items = [render(r) for (c, p, s, _), r in sorted(store.state.resources.items(), key=lambda kv: kv[0])
             if (c, p, s) == (coll.name, req.project, req.scope)]
    items = [r for r in items if _matches(r, req.query.get("filter"))]
    return 200, page(req, f"compute#{coll.kind}List", store.link(req.project, req.scope, coll.name), items)


def _delete(coll: Collection, req: Request, param: str):
    resource = _get(coll, req, param)
    users = store.users_of(resource["selfLink"])
    if users and coll.name == "networks":
        # A network still used (subnetworks, firewall rules, routers, gateways) is refused in the Operation, not
        # the call: "Error waiting for Deleting Network: The network resource '...' is already being used by
        # '.../firewalls/...'" (GoogleCloudPlatform/terraform-google-three-tier-web-app #167; genevieve/leftovers
        # #6 "Operation error: The network resource ..."). The network stays.
        return 200, operations.start(req.project, req.scope, "delete", resource["selfLink"], in_use(
            coll.word, key_path(resource["_key"]), key_path(users[0]["_key"])))
    if users:
        raise in_use(coll.word, key_path(resource["_key"]), key_path(users[0]["_key"]))
    del store.state.resources[resource["_key"]]
    return 200, operations.start(req.project, req.scope, "delete", resource)


def register(coll: Collection) -> Collection:
    """Serve compute.<collection>.insert/get/list/delete for ``coll``."""
    COLLECTIONS[coll.name] = coll
    param = coll.name[:-1]  # discovery path parameter: networks -> {network}
    verbs = {
        "insert": lambda req: _insert(coll, req),
        "get": lambda req: (200, render(_get(coll, req, param))),
        "list": lambda req: _list(coll, req),
        "delete": lambda req: _delete(coll, req, param),
    }
    for verb, func in verbs.items():
        handles(f"compute.{coll.name}.{verb}")(func)
    return coll


# Label requirements (https://cloud.google.com/compute/docs/labeling-resources#requirements): at most 64 labels;
# keys and values at most 63 characters of lowercase letters, digits, '_' and '-' (international characters
# allowed); a key starts with a lowercase letter or an international character and is never empty.
_LABEL_KEY = re.compile(r"(?:[a-z]|[^\x00-\x7f])(?:[-a-z0-9_]|[^\x00-\x7f]){0,62}")
_LABEL_VALUE = re.compile(r"(?:[-a-z0-9_]|[^\x00-\x7f]){0,63}")
_KEY_RULE = ("The key must start with a lowercase character, can only contain lowercase letters, numeric characters, "
             "underscores and dashes. The key can be at most 63 characters long. International characters are allowed.")
_VALUE_RULE = ("The value can only contain lowercase letters, numeric characters, underscores and dashes. The value "
               "can be at most 63 characters long. International characters are allowed.")


def check_labels(labels: dict, field: str) -> None:
    """400 invalid worded as Compute words it: "Invalid value for field 'resource.labels': ''. Label value
    'test-by-Ahtasham' violates format constraints. ..." (googleapis/google-cloud-node-core #276 for values, #314
    for keys: "Label key 'iAmVm' violates format constraints. The key must start with a lowercase character...")."""
    if len(labels) > 64:
        raise GcpError(400, "invalid", f"Invalid value for field '{field}': ''. Too many labels: at most 64 are "
                       "allowed.")  # twin wording for the documented limit
    for key, value in labels.items():
        if not _LABEL_KEY.fullmatch(key):
            raise GcpError(400, "invalid", f"Invalid value for field '{field}': ''. Label key '{key}' violates format "
                           f"constraints. {_KEY_RULE}")
        if not isinstance(value, str) or not _LABEL_VALUE.fullmatch(value):
            raise GcpError(400, "invalid", f"Invalid value for field '{field}': ''. Label value '{value}' violates "
                           f"format constraints. {_VALUE_RULE}")


def labels_fields(body: dict, field: str = "resource.labels") -> dict:
    labels = body.get("labels") or {}
    check_labels(labels, field)
    return {"labels": labels, "labelFingerprint": store.fingerprint(labels)} if labels else {
        "labelFingerprint": store.EMPTY_FINGERPRINT}


@handles("compute.vpnGateways.setLabels", "compute.externalVpnGateways.setLabels", "compute.vpnTunnels.setLabels")
def set_labels(req: Request):
    collection = req.method_id.split(".")[1]
    resource = store.get((collection, req.project, req.scope, req.params["resource"]))
    if req.body.get("labelFingerprint") != resource["labelFingerprint"]:
        # A missing or stale fingerprint: 412 as in googleapis/google-cloud-go #7802 and
        # hashicorp/terraform-provider-google #16588 (vpnTunnels).
        raise precondition("Labels fingerprint either invalid or resource labels have changed")
    new = labels_fields(req.body, "labels")  # checked before anything changes
    resource.pop("labels", None)
    resource.update(new)
    return 200, operations.start(req.project, req.scope, "setLabels", resource)


# --- networks and subnetworks ---------------------------------------------------------------------------


def _network(req: Request, body: dict) -> dict:
    if "autoCreateSubnetworks" not in body:
        # Discovery: "If not set, a legacy network is created"; legacy networks can no longer be created
        # (https://cloud.google.com/vpc/docs/legacy). Twin wording.
        raise invalid("resource.autoCreateSubnetworks", "", "Legacy networks are not supported.")
    routing = body.get("routingConfig", {})
    # Defaults from the discovery field descriptions: bgpBestPathSelectionMode "LEGACY (default)", mtu
    # "defaults to 1460", enforcement order "Defaults to AFTER_CLASSIC_FIREWALL"; routingMode has no stated
    # default, REGIONAL is what a network created without one shows (bitfield/gcp testdata/network.hcl).
    return {"description": body.get("description", ""), "autoCreateSubnetworks": body["autoCreateSubnetworks"],
            "routingConfig": {"routingMode": routing.get("routingMode", "REGIONAL"),
                              "bgpBestPathSelectionMode": routing.get("bgpBestPathSelectionMode", "LEGACY")},
            "mtu": body.get("mtu", 1460),
            "networkFirewallPolicyEnforcementOrder": body.get("networkFirewallPolicyEnforcementOrder",
                                                              "AFTER_CLASSIC_FIREWALL")}


def _network_view(network: dict) -> dict:
    subnets = store.find("subnetworks", network=network["selfLink"])
    return {"subnetworks": [s["selfLink"] for s in subnets]} if subnets else {}


NETWORKS = register(Collection("networks", "network", "network", _network, view=_network_view))


def _cidr(field: str, value: str) -> ipaddress.IPv4Network:
    try:
        return ipaddress.IPv4Network(value)
    except ValueError:
        raise invalid(field, value, "Invalid IPCidrRange.") from None  # twin wording


def _subnet_fingerprint(subnet: dict) -> str:
    return store.fingerprint(json.dumps([subnet["ipCidrRange"], subnet["secondaryIpRanges"],
                                         subnet["privateIpGoogleAccess"], subnet["description"]]))


def _secondary_ranges(name: str, region: str, primary: ipaddress.IPv4Network, ranges: list) -> list[dict]:
    """Checked secondaryIpRanges: each rangeName 1-63 characters complying with RFC1035 and unique within the
    subnetwork (discovery SubnetworkSecondaryRange.rangeName), each range valid and overlapping neither the
    primary range nor another secondary range (cloud.google.com/vpc/docs/subnets, "Secondary IPv4 ranges")."""
    seen, out = [], []
    for n, item in enumerate(ranges):
        name = item.get("rangeName", "")
        if not re.fullmatch(NAME_PATTERN, name):
            raise invalid_name(f"resource.secondaryIpRanges[{n}].rangeName", name)
        if name in [s["rangeName"] for s in out]:
            # Twin wording (uniqueness from the discovery description).
            raise invalid(f"resource.secondaryIpRanges[{n}].rangeName", name, "Secondary range names must be unique.")
        field = f"resource.secondaryIpRanges[{n}].ipCidrRange"
        cidr = _cidr(field, item.get("ipCidrRange", ""))
        if any(cidr.overlaps(other) for other in [primary, *seen]):
            # tf-google-network #20: 400 "Invalid value for field 'resource.secondaryIpRanges[0].ipCidrRange':
            # '192.168.64.0/24'. Invalid IPCidrRange: 192.168.64.0/24 conflicts with existing subnetwork
            # 'subnet-01' in region 'us-west1'."
            raise invalid(field, str(cidr), f"Invalid IPCidrRange: {cidr} conflicts with existing subnetwork "
                          f"'{name}' in region '{region}'.")
        seen.append(cidr)
        out.append({"rangeName": name, "ipCidrRange": str(cidr)})
    return out


def _subnetwork(req: Request, body: dict) -> dict:
    network = ref(req, body, "network", "networks")
    if "ipCidrRange" not in body:
        raise required("resource.ipCidrRange")
    cidr = _cidr("resource.ipCidrRange", body["ipCidrRange"])
    secondary = _secondary_ranges(body.get("name", ""), req.scope, cidr, body.get("secondaryIpRanges", []))
    # gatewayAddress: the range's second address is its default gateway (cloud.google.com/vpc/docs/subnets,
    # reserved addresses).
    fields = {"description": body.get("description", ""), "network": network["selfLink"],
              "ipCidrRange": str(cidr), "gatewayAddress": str(cidr[1]),
              "privateIpGoogleAccess": body.get("privateIpGoogleAccess", False),
              "secondaryIpRanges": secondary, "purpose": body.get("purpose", "PRIVATE"),
              "stackType": body.get("stackType", "IPV4_ONLY"),
              # An empty policy is {"etag": "ACAB"}, as `gcloud compute networks subnets get-iam-policy` prints it.
              "_iam": {"etag": "ACAB"}}
    return {**fields, "fingerprint": _subnet_fingerprint(fields)}


def _subnet_ranges(subnet: dict) -> list[ipaddress.IPv4Network]:
    return [ipaddress.IPv4Network(r) for r in
            [subnet["ipCidrRange"], *[s["ipCidrRange"] for s in subnet.get("secondaryIpRanges", [])]]]


def _subnet_overlap(req: Request, fields: dict, skip: dict | None = None) -> GcpError | None:
    """Any range of ``fields`` (primary or secondary) overlapping a range of another subnetwork of the network."""
    for other in store.find("subnetworks", network=fields["network"]):
        if other is skip:
            continue
        for cidr in _subnet_ranges(fields):
            if any(cidr.overlaps(r) for r in _subnet_ranges(other)):
                # Reported in the Operation, code INVALID_USAGE (api-samples.md §5.2); text after "subnetwork"
                # completed by the twin.
                return GcpError(400, "invalidUsage", f"Invalid IPCidrRange: {cidr} conflicts with existing "
                                f"subnetwork '{other['name']}' in region '{other['_key'][2]}'.",
                                op_code="INVALID_USAGE")
    return None


SUBNETWORKS = register(Collection("subnetworks", "subnetwork", "subnetwork", _subnetwork, conflict=_subnet_overlap))


@handles("compute.subnetworks.patch")
def patch_subnetwork(req: Request):
    """Only the fields the discovery descriptions say can change: secondaryIpRanges (added or removed),
    privateIpGoogleAccess and the description; the request carries the current fingerprint (discovery
    subnetworks.patch: "You must specify the current fingerprint of the subnetwork resource being patched")."""
    subnet = store.get(("subnetworks", req.project, req.scope, req.params["subnetwork"]))
    body = req.body
    if not body.get("fingerprint"):
        # hashicorp/terraform-provider-google #1469, #8279: 400 "Required field 'resource.fingerprint' not
        # specified".
        raise required("resource.fingerprint")
    if body["fingerprint"] != subnet["fingerprint"]:
        # Twin wording, same 412 as a stale labelFingerprint (googleapis/google-cloud-go #7802).
        raise precondition("Supplied fingerprint does not match current fingerprint.")
    fixed = [k for k in ("ipCidrRange", "network", "region") if k in body and str(body[k]).split(
        "/compute/v1/", 1)[-1] != str(subnet.get(k)).split("/compute/v1/", 1)[-1]]
    if fixed:
        # pulumi-google-native #319: "The following field(s) specified in the request cannot be modified:
        # [region]"; the primary range grows only through expandIpCidrRange.
        raise invalid("resource", subnet["name"], "The following field(s) specified in the request cannot be "
                      f"modified: [{', '.join(fixed)}]")
    fields = dict(subnet)
    if "secondaryIpRanges" in body:
        fields["secondaryIpRanges"] = _secondary_ranges(subnet["name"], req.scope,
                                                        ipaddress.IPv4Network(subnet["ipCidrRange"]),
                                                        body["secondaryIpRanges"])
        clash = _subnet_overlap(req, fields, skip=subnet)
        if clash:
            raise invalid("resource.secondaryIpRanges", "", clash.message)  # synchronous on patch (#20 above)
    for key in ("privateIpGoogleAccess", "description"):
        if key in body:
            fields[key] = body[key]
    subnet.update({k: fields[k] for k in ("secondaryIpRanges", "privateIpGoogleAccess", "description")})
    subnet["fingerprint"] = _subnet_fingerprint(subnet)
    return 200, operations.start(req.project, req.scope, "patch", subnet)


@handles("compute.subnetworks.setPrivateIpGoogleAccess")
def set_private_ip_google_access(req: Request):
    # discovery subnetworks.setPrivateIpGoogleAccess: "Set whether VMs in this subnet can access Google services
    # without assigning external IP addresses through Private Google Access"; body {privateIpGoogleAccess}.
    subnet = store.get(("subnetworks", req.project, req.scope, req.params["subnetwork"]))
    subnet["privateIpGoogleAccess"] = bool(req.body.get("privateIpGoogleAccess", False))
    subnet["fingerprint"] = _subnet_fingerprint(subnet)
    return 200, operations.start(req.project, req.scope, "setPrivateIpGoogleAccess", subnet)


def seed_network(project: str, spec: dict) -> None:
    """A seeded network and its subnetworks, built by the same code as API inserts."""
    req = Request("seed", {"project": project})
    network = store.new_resource(("networks", project, "global", spec["name"]), "network", _network(
        req, {"autoCreateSubnetworks": False, "routingConfig": {"routingMode": spec.get("routing_mode", "REGIONAL")}}))
    for sub in spec.get("subnetworks", []):
        req = Request("seed", {"project": project, "region": sub["region"]})
        fields = _subnetwork(req, {"network": network["selfLink"], "ipCidrRange": sub["cidr"]})
        store.new_resource(("subnetworks", project, sub["region"], sub["name"]), "subnetwork", fields)


@handles("compute.subnetworks.getIamPolicy")
def get_iam_policy(req: Request):
    return 200, store.get(("subnetworks", req.project, req.scope, req.params["resource"]))["_iam"]


@handles("compute.subnetworks.setIamPolicy")
def set_iam_policy(req: Request):
    policy = req.body.get("policy", {})
    subnet = store.get(("subnetworks", req.project, req.scope, req.params["resource"]))
    # RegionSetPolicyRequest carries the etag in policy.etag or beside it (discovery).
    subnet["_iam"] = iam.set_policy(subnet["_iam"], {"bindings": req.body.get("bindings", []), **policy},
                                    policy.get("etag") or req.body.get("etag"), _subnet_role)
    return 200, subnet["_iam"]


def _subnet_role(role: str) -> bool:
    # Roles that grant Compute permissions apply to a subnetwork; basic roles too
    # (https://cloud.google.com/compute/docs/access/iam#resource-level-policies) [twin simplification].
    return role.startswith("roles/compute.") or role in ("roles/owner", "roles/editor", "roles/viewer")


# --- firewall rules -----------------------------------------------------------------------------------------


def _firewall_fields(req: Request, body: dict, current: dict | None = None) -> dict:
    """Checked, defaulted fields of a firewall rule (discovery Firewall: direction "default is INGRESS",
    priority "between 0 and 65535 ... default value is 1000", network "If not specified ...
    global/networks/default")."""
    merged = {**(current or {}), **body}
    network = ref(req, {"network": merged.get("network") or "global/networks/default"}, "network", "networks")
    if bool(merged.get("allowed")) == bool(merged.get("denied")):
        # Twin wording: a rule carries either allowed or denied entries (https://cloud.google.com/firewall/docs/firewalls,
        # "Each firewall rule's action is either allow or deny").
        raise invalid("resource.allowed", "", "Exactly one of allowed or denied must be specified.")
    priority = merged.get("priority", 1000)
    if not 0 <= priority <= 65535:
        raise invalid("resource.priority", priority, "Must be between 0 and 65535.")  # discovery bounds; twin text
    for n, cidr in enumerate(merged.get("sourceRanges", [])):
        _cidr(f"resource.sourceRanges[{n}]", cidr)
    return {"description": merged.get("description", ""), "network": network["selfLink"],
            "direction": merged.get("direction", "INGRESS"), "priority": priority,
            **{k: merged[k] for k in ("allowed", "denied", "sourceRanges", "targetTags", "destinationRanges")
               if merged.get(k)},
            "disabled": merged.get("disabled", False), "logConfig": merged.get("logConfig", {"enable": False})}


FIREWALLS = register(Collection("firewalls", "firewall", "firewall", _firewall_fields))


@handles("compute.firewalls.patch")
def patch_firewall(req: Request):
    # PATCH merges the given fields into the rule (discovery firewalls.patch: "This method supports PATCH
    # semantics"); the network cannot change (set at creation, cloud.google.com/firewall/docs/using-firewalls).
    firewall = store.get(("firewalls", req.project, "global", req.params["firewall"]))
    body = {k: v for k, v in req.body.items() if k != "name"}
    if body.get("network") and store.parse_ref(body["network"], "resource.network", "networks", req.project) != \
            store.parse_ref(firewall["network"], "network", "networks", req.project):
        raise invalid("resource.network", body["network"], "The network of a firewall rule cannot be changed.")
    fields = _firewall_fields(req, body, {k: v for k, v in firewall.items() if not k.startswith("_")})
    for key in ("allowed", "denied", "sourceRanges", "targetTags", "destinationRanges"):
        firewall.pop(key, None)
    firewall.update(fields)
    return 200, operations.start(req.project, "global", "patch", firewall)


# --- HA VPN gateways and external (peer) gateways ---------------------------------------------------------


def _vpn_gateway(req: Request, body: dict) -> dict:
    network = ref(req, body, "network", "networks")
    # Two interfaces with Google-assigned IPv4 addresses (api-samples.md §4.2); IPv6 addresses are not modelled.
    return {"description": body.get("description", ""), "network": network["selfLink"],
            "stackType": body.get("stackType", "IPV4_ONLY"), "gatewayIpVersion": body.get("gatewayIpVersion", "IPV4"),
            "vpnInterfaces": [{"id": i, "ipAddress": store.next_gateway_ip()} for i in (0, 1)], **labels_fields(body)}


VPN_GATEWAYS = register(Collection("vpnGateways", "vpnGateway", "vpnGateway", _vpn_gateway))

# Interface ids each redundancy type takes (discovery enum descriptions; api-samples.md §4.3).
REDUNDANCY_IDS = {"SINGLE_IP_INTERNALLY_REDUNDANT": [0], "TWO_IPS_REDUNDANCY": [0, 1],
                  "FOUR_IPS_REDUNDANCY": [0, 1, 2, 3]}


def _external_gateway(req: Request, body: dict) -> dict:
    redundancy = body.get("redundancyType")
    if not redundancy:
        raise required("resource.redundancyType")
    interfaces = body.get("interfaces", [])
    if sorted(i.get("id", 0) for i in interfaces) != REDUNDANCY_IDS[redundancy]:
        # No public text for this refusal (api-samples.md §5.2): twin wording.
        raise invalid("resource.interfaces", "", f"Redundancy type {redundancy} requires exactly interfaces with "
                      f"ids {REDUNDANCY_IDS[redundancy]}.")
    for n, interface in enumerate(interfaces):
        try:
            ipaddress.IPv4Address(interface.get("ipAddress", ""))
        except ValueError:
            raise invalid(f"resource.interfaces[{n}].ipAddress", interface.get("ipAddress", ""),
                          "Must be a valid IPv4 address.") from None  # twin wording
    return {"description": body.get("description", ""), "redundancyType": redundancy,
            "interfaces": sorted(({"id": i.get("id", 0), "ipAddress": i["ipAddress"]} for i in interfaces),
                                 key=lambda i: i["id"]), **labels_fields(body)}


EXTERNAL_GATEWAYS = register(Collection("externalVpnGateways", "externalVpnGateway", "externalVpnGateway",
                                        _external_gateway))


@handles("compute.vpnGateways.getStatus")
def gateway_status(req: Request):
    gateway = store.get(("vpnGateways", req.project, req.scope, req.params["vpnGateway"]))
    connections = []
    peer_links = {t["peerExternalGateway"] for t in store.find("vpnTunnels", vpnGateway=gateway["selfLink"])}
    for peer_link in sorted(peer_links):
        tunnels = store.find("vpnTunnels", vpnGateway=gateway["selfLink"], peerExternalGateway=peer_link)
        peer = store.get(store.parse_ref(peer_link, "peerExternalGateway", "externalVpnGateways", req.project))
        # Redundancy is met when tunnels leave from both HA interfaces and reach every peer interface
        # (https://cloud.google.com/network-connectivity/docs/vpn/how-to/checking-vpn-status; api-samples.md §4.2).
        met = ({t["vpnGatewayInterface"] for t in tunnels} == {0, 1}
               and {t["peerExternalGatewayInterface"] for t in tunnels} == {i["id"] for i in peer["interfaces"]})
        state = {"state": "CONNECTION_REDUNDANCY_MET"} if met else {
            "state": "CONNECTION_REDUNDANCY_NOT_MET", "unsatisfiedReason": "INCOMPLETE_TUNNELS_COVERAGE"}
        connections.append({"peerExternalGateway": peer_link, "state": state, "tunnels": [
            {"localGatewayInterface": t["vpnGatewayInterface"],
             "peerGatewayInterface": t["peerExternalGatewayInterface"], "tunnelUrl": t["selfLink"]}
            for t in sorted(tunnels, key=lambda t: t["name"])]})
    return 200, {"result": {"vpnConnections": connections}}


# --- VPN tunnels ---------------------------------------------------------------------------------------------


def _interface(gateway: dict, key: str, field: str, number: int) -> dict:
    found = [i for i in gateway[key] if i["id"] == number]
    if not found:
        # No public text for a missing interface (api-samples.md §6): twin wording.
        raise invalid(f"resource.{field}", number, f"Interface {number} does not exist on '{gateway['name']}'.")
    return found[0]


def _vpn_tunnel(req: Request, body: dict) -> dict:
    if body.get("targetVpnGateway") or body.get("peerGcpGateway"):
        raise GcpError(501, "notImplemented", "Classic VPN and HA VPN to GCP peers are not implemented by the twin.")
    gateway = ref(req, body, "vpnGateway", "vpnGateways")
    peer = ref(req, body, "peerExternalGateway", "externalVpnGateways")
    router = ref(req, body, "router", "routers", needed=False)
    # A zero interface number may be left out: proto default (google.cloud's module drops 0, cloud-constraints.md).
    local = _interface(gateway, "vpnInterfaces", "vpnGatewayInterface", body.get("vpnGatewayInterface", 0))
    remote = _interface(peer, "interfaces", "peerExternalGatewayInterface", body.get("peerExternalGatewayInterface", 0))
    for other in store.find("vpnTunnels", vpnGateway=gateway["selfLink"], peerExternalGateway=peer["selfLink"],
                            peerExternalGatewayInterface=remote["id"]):
        # hashicorp/terraform-provider-google #16619 (message truncated there; the end is twin wording).
        raise invalid("resource.peerExternalGatewayInterface", remote["id"],
                      "A tunnel with same peer external VPN gateway interface already exists: "
                      f"{key_path(other['_key'])}")
    if not body.get("sharedSecret"):
        raise required("resource.sharedSecret")
    ike = body.get("ikeVersion", 2)
    if ike not in (1, 2):
        # Discovery: "Acceptable IKE versions are 1 or 2."
        raise invalid("resource.ikeVersion", ike, "Acceptable IKE versions are 1 or 2.")
    secret = body["sharedSecret"]
    # The secret is write-only: 13 asterisks and an opaque 28-character hash (api-samples.md §4.6).
    return {"description": body.get("description", ""), "vpnGateway": gateway["selfLink"],
            "vpnGatewayInterface": local["id"], "peerExternalGateway": peer["selfLink"],
            "peerExternalGatewayInterface": remote["id"], "peerIp": remote["ipAddress"],
            **({"router": router["selfLink"]} if router else {}), "ikeVersion": ike,
            "sharedSecret": "*" * 13,
            "sharedSecretHash": base64.b64encode(hashlib.sha256(secret.encode()).digest()[:21]).decode(),
            # Discovery: traffic selectors are "output only for HA VPN tunnels"; an HA tunnel shows
            # 0.0.0.0/0 on both sides (api-samples.md §4.6).
            "localTrafficSelector": ["0.0.0.0/0"], "remoteTrafficSelector": ["0.0.0.0/0"],
            **labels_fields(body), "_secret": secret, "_local_ip": local["ipAddress"]}


def tunnel_view(tunnel: dict):
    """The link's view of a stored tunnel (twin.link_model.GcpTunnel)."""
    from twin.link_model import GcpTunnel

    _, project, region, name = tunnel["_key"]
    return GcpTunnel(project=project, region=region, name=name, self_link=tunnel["selfLink"],
                     local_ip=tunnel["_local_ip"], peer_ip=tunnel["peerIp"], shared_secret=tunnel["_secret"],
                     ike_version=tunnel["ikeVersion"], router=tunnel.get("router"))


def _tunnel_status(tunnel: dict) -> dict:
    status, detail = twin_link.gcp_tunnel_status(tunnel_view(tunnel))
    return {"status": status, "detailedStatus": detail}


VPN_TUNNELS = register(Collection("vpnTunnels", "vpnTunnel", "vpnTunnel", _vpn_tunnel, view=_tunnel_status))
