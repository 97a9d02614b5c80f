#!/usr/bin/python
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: ec2_vpn_connection
short_description: Manage a set of Site-to-Site VPN connections (and their customer gateways) on a Transit Gateway
version_added: 0.1.0
description:
  - Manages, in one call, one VPN connection per customer gateway on a Transit Gateway, with explicit
    tunnel options (IKE versions, one transform per phase, lifetimes, DPD, inside CIDR, pre-shared key).
  - Creates the missing customer gateways and connections first, then waits for all of them together.
  - Tunnel option changes (key rotation, ciphers, lifetimes, inside CIDR) are made in place with
    C(ModifyVpnTunnelOptions), one tunnel at a time across the whole set; the next tunnel is modified only
    once the connection of the previous one is V(available) again, so never two tunnels are down at once.
  - A connection is identified by its Transit Gateway and its customer gateway (IP address and BGP ASN).
    Its tunnels are identified by inside CIDR, then by key, then by outside IP order, never by position in the
    response.
  - Replaces M(amazon.aws.ec2_vpc_vpn), which cannot set IKE versions or ciphers and masks returned values.
options:
  state:
    description:
      - V(present) creates or updates the connections.
      - V(absent) deletes the connections, waits until they are deleted, then deletes their customer
        gateways unless another connection still uses them.
    type: str
    choices: [present, absent]
    default: present
  amazon_side_asn:
    description:
      - The Transit Gateway's Amazon-side ASN, checked against O(connections[].customer_gateway_asn).
      - Omitted, it is read from O(transit_gateway_id). Set it when you have just read the Transit Gateway (it
        is then not read again), or to the ASN it will have when O(transit_gateway_id) is not set yet (check
        mode before the Transit Gateway exists).
    type: int
  transit_gateway_id:
    description:
      - The Transit Gateway the connections attach to.
      - Required with O(state=present), except in check mode, where a missing value means the
        Transit Gateway does not exist yet and every connection would be created.
    type: str
  connections:
    description: The connections, one per customer gateway.
    type: list
    elements: dict
    required: true
    suboptions:
      customer_gateway_ip:
        description: The customer gateway's IPv4 address (for GCP, one HA VPN interface IP), once per call.
        type: str
        required: true
      customer_gateway_asn:
        description:
          - The customer gateway's BGP ASN (for GCP, the Cloud Router's ASN). Private ASN, and different from
            the Transit Gateway's Amazon-side ASN.
          - Required with O(state=present).
        type: int
      tunnels:
        description:
          - Up to two tunnels. An omitted O(connections[].tunnels[].inside_cidr) keeps the current one or,
            on creation, is allocated from the free /30s of 169.254.0.0/16 (outside the AWS reserved blocks and
            the CIDRs of every other connection on the Transit Gateway).
          - An omitted O(connections[].tunnels[].pre_shared_key) keeps the current key or lets AWS generate one.
        type: list
        elements: dict
        default: []
        suboptions:
          inside_cidr:
            description: The tunnel's inside IPv4 /30.
            type: str
          pre_shared_key:
            description: The tunnel's key (8-64 letters, digits, C(.) or C(_); must not start with C(0)).
            type: str
      tags:
        description: Tags set on creation of the connection and of its customer gateway.
        type: dict
        default: {}
  pre_shared_key_storage:
    description:
      - Where AWS keeps the tunnels' keys (C(PreSharedKeyStorage)). V(Standard) in the VPN service, where
        DescribeVpnConnections returns them; V(SecretsManager) in a Secrets Manager secret the VPN service creates
        and keeps up to date (C(s2svpn!...), its ARN in C(PreSharedKeyArn)), the tunnels then carry no key.
      - Used at creation, and to move an existing tunnel from one storage to the other in place
        (C(ModifyVpnTunnelOptions), one tunnel at a time like any other tunnel change).
      - Keys are read back from the secret (C(secretsmanager:GetSecretValue)) to compare them with
        O(connections[].tunnels[].pre_shared_key); a new key goes to AWS, which stores it in the secret.
      - Omitted, each tunnel keeps its storage (new connections get V(Standard)).
    type: str
    choices: [Standard, SecretsManager]
  only_tunnels:
    description:
      - Outside IPs of the tunnels this call may modify in place. The other tunnels' differences from the desired
        state are left as they are and returned in RV(deferred_tunnels), so a change that both clouds must follow
        (a key, an inside CIDR, IKE settings) can be rolled one tunnel at a time with the same desired state in every
        call (C(playbooks/rotate.yml)).
      - Omitted, every tunnel may change. Connections that do not exist yet are created whole either way.
      - An outside IP that is not a tunnel of the listed connections is refused before any change.
    type: list
    elements: str
  tunnel_settings:
    description:
      - IKE and tunnel settings applied to every tunnel. A setting left V(null) keeps AWS's value.
      - Omitted, every setting takes its default.
    type: dict
    suboptions:
      ike_versions:
        description: IKE versions. Cloud VPN interoperates best with IKEv2 only.
        type: list
        elements: str
        default: [ikev2]
      phase1_encryption_algorithms:
        description: One transform per phase keeps IKE packets small enough not to fragment.
        type: list
        elements: str
        default: [AES256]
      phase1_integrity_algorithms:
        description: Phase 1 integrity algorithms.
        type: list
        elements: str
        default: [SHA2-256]
      phase1_dh_group_numbers:
        description: Phase 1 Diffie-Hellman groups.
        type: list
        elements: int
        default: [14]
      phase2_encryption_algorithms:
        description: Phase 2 encryption algorithms.
        type: list
        elements: str
        default: [AES256]
      phase2_integrity_algorithms:
        description: Phase 2 integrity algorithms.
        type: list
        elements: str
        default: [SHA2-256]
      phase2_dh_group_numbers:
        description: Phase 2 Diffie-Hellman groups (perfect forward secrecy).
        type: list
        elements: int
        default: [14]
      phase1_lifetime_seconds:
        description: Phase 1 lifetime, 900-28800.
        type: int
        default: 28800
      phase2_lifetime_seconds:
        description: Phase 2 lifetime, 900-3600, less than the phase 1 lifetime.
        type: int
        default: 3600
      dpd_timeout_seconds:
        description: Dead peer detection timeout, 30 or more.
        type: int
        default: 30
      dpd_timeout_action:
        description: What AWS does after a DPD timeout; V(restart) re-initiates IKE.
        type: str
        choices: [clear, none, restart]
        default: restart
      startup_action:
        description: V(add) lets the peer initiate; V(start) makes AWS initiate.
        type: str
        choices: [add, start]
attributes:
  check_mode:
    support: full
    description: Reads the current state and reports what would be created, modified or deleted; makes no change.
  diff_mode:
    support: full
    description: Returns each connection's tunnel options before and after; keys are shown as C(<hidden>), a key
      about to be rotated as C(<hidden, rotated>).
author:
  - cloudbridge network engineering (@cloudbridge)
extends_documentation_fragment:
  - cloudbridge.hybrid_vpn.aws
  - cloudbridge.hybrid_vpn.aws.wait
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Two connections to the GCP HA VPN gateway's interfaces, keys generated by AWS
  cloudbridge.hybrid_vpn.ec2_vpn_connection:
    transit_gateway_id: tgw-0fedcba9876543210
    connections:
      - customer_gateway_ip: 34.157.0.10
        customer_gateway_asn: 65000
        tunnels: [{inside_cidr: 169.254.10.0/30}, {inside_cidr: 169.254.10.4/30}]
        tags: {Name: gcp-if0}
      - customer_gateway_ip: 34.157.64.10
        customer_gateway_asn: 65000
        tags: {Name: gcp-if1}

- name: Rotate one tunnel's key in place (the connection keeps its id)
  cloudbridge.hybrid_vpn.ec2_vpn_connection:
    transit_gateway_id: tgw-0fedcba9876543210
    connections:
      - customer_gateway_ip: 34.157.0.10
        customer_gateway_asn: 65000
        tunnels:
          - {inside_cidr: 169.254.10.0/30, pre_shared_key: "{{ vault_tunnel0_key }}"}
          - {inside_cidr: 169.254.10.4/30}
  no_log: true

- name: Remove the connections, then their customer gateways
  cloudbridge.hybrid_vpn.ec2_vpn_connection:
    state: absent
    transit_gateway_id: tgw-0fedcba9876543210
    connections:
      - customer_gateway_ip: 34.157.0.10
      - customer_gateway_ip: 34.157.64.10
"""

RETURN = r"""
vpn_connections:
  description: The connections after the call (would-be values in check mode), in the order of O(connections). No keys.
  returned: always
  type: list
  elements: dict
  contains:
    vpn_connection_id:
      description: Connection id; V(null) when it would be created in check mode.
      type: str
      sample: vpn-0a1b2c3d4e5f60718
    customer_gateway_id:
      description: Customer gateway id; V(null) when it would be created in check mode.
      type: str
    customer_gateway_ip:
      description: Customer gateway IP address.
      type: str
    state:
      description:
        - Connection state after the call (V(available) once waited for; V(absent) once deleted or when it would
          be created).
      type: str
      sample: available
    tunnels:
      description: Outside IP (V(null) until AWS assigns it) and inside CIDR of each tunnel, in outside IP order.
      type: list
      elements: dict
      sample: [{outside_ip: 3.130.56.250, inside_cidr: 169.254.10.0/30}]
modified_tunnels:
  description: The tunnels modified in place, in the order they were modified, with the option names changed.
  returned: always
  type: list
  elements: dict
  sample: [{vpn_connection_id: vpn-0a1b2c3d4e5f60718, outside_ip: 3.130.56.250, options: [PreSharedKey]}]
deferred_tunnels:
  description:
    - The tunnels that differ from the desired state but were left alone because O(only_tunnels) does not list them,
      with the option names that differ. Empty without O(only_tunnels).
  returned: always
  type: list
  elements: dict
  sample: [{vpn_connection_id: vpn-0a1b2c3d4e5f60718, outside_ip: 3.130.56.251, options: [PreSharedKey]}]
"""

from ansible_collections.cloudbridge.hybrid_vpn.plugins.module_utils import _wiring as wiring
from ansible_collections.cloudbridge.hybrid_vpn.plugins.module_utils._aws import AwsError, AwsModule


def tunnel_settings_spec():
    defaults = {
        "ike_versions": ["ikev2"],
        "phase1_encryption_algorithms": ["AES256"],
        "phase1_integrity_algorithms": ["SHA2-256"],
        "phase1_dh_group_numbers": [14],
        "phase2_encryption_algorithms": ["AES256"],
        "phase2_integrity_algorithms": ["SHA2-256"],
        "phase2_dh_group_numbers": [14],
        "phase1_lifetime_seconds": 28800,
        "phase2_lifetime_seconds": 3600,
        "dpd_timeout_seconds": 30,
        "dpd_timeout_action": "restart",
    }
    spec = {}
    for name in wiring.TUNNEL_OPTION_KEYS:
        option = {"type": "str", "default": defaults.get(name)}
        if name.endswith("_numbers"):
            option.update(type="list", elements="int")
        elif name.endswith(("_versions", "_algorithms")):
            option.update(type="list", elements="str")
        elif name.endswith("_seconds"):
            option["type"] = "int"
        if name == "dpd_timeout_action":
            option["choices"] = ["clear", "none", "restart"]
        if name == "startup_action":
            option["choices"] = ["add", "start"]
        spec[name] = option
    return spec


ARGUMENT_SPEC = dict(
    state=dict(type="str", choices=["present", "absent"], default="present"),
    transit_gateway_id=dict(type="str"),
    amazon_side_asn=dict(type="int"),
    connections=dict(
        type="list",
        elements="dict",
        required=True,
        options=dict(
            customer_gateway_ip=dict(type="str", required=True),
            customer_gateway_asn=dict(type="int"),
            tunnels=dict(
                type="list",
                elements="dict",
                default=[],
                options=dict(inside_cidr=dict(type="str"), pre_shared_key=dict(type="str", no_log=True)),
            ),
            tags=dict(type="dict", default={}),
        ),
    ),
    # apply_defaults, not default={}: validation writes the sub-option defaults into the dict, so a shared
    # default would carry them from one AnsibleModule to the next.
    only_tunnels=dict(type="list", elements="str"),
    pre_shared_key_storage=dict(type="str", choices=list(wiring.KEY_STORAGES)),
    tunnel_settings=dict(type="dict", apply_defaults=True, options=tunnel_settings_spec()),
    wait=dict(type="bool", default=True),
    wait_timeout=dict(type="int", default=1800),
    wait_delay=dict(type="float", default=15),
)


def validate(params: dict, amazon_side_asn: int | None) -> dict:
    """Check every input AWS would refuse, before any change; return where -> requested inside CIDR."""
    requested, ips = {}, {}
    for i, conn in enumerate(params["connections"]):
        name = f"connections[{i}] ({conn['customer_gateway_ip']})"
        ip = wiring.validate_ipv4(conn["customer_gateway_ip"], f"{name}: customer_gateway_ip")
        if ip in ips:
            raise wiring.WiringError(f"{name}: customer_gateway_ip duplicates {ips[ip]}")
        ips[ip] = f"connections[{i}]"
        if params["state"] == "present":
            if conn["customer_gateway_asn"] is None:
                raise wiring.WiringError(f"{name}: customer_gateway_asn is required with state=present")
            wiring.validate_asn(conn["customer_gateway_asn"], f"{name} customer_gateway_asn")
            if amazon_side_asn is not None:
                wiring.validate_asn_pair(
                    amazon_side_asn,
                    conn["customer_gateway_asn"],
                    ("the Transit Gateway's amazon_side_asn", f"{name} customer_gateway_asn"),
                )
        if len(conn["tunnels"]) > 2:
            raise wiring.WiringError(f"{name}: a VPN connection has two tunnels, got {len(conn['tunnels'])}")
        for t, tunnel in enumerate(conn["tunnels"]):
            where = f"{name} tunnels[{t}]"
            if tunnel["inside_cidr"]:
                requested[where] = wiring.validate_inside_cidr(tunnel["inside_cidr"], where)
            if tunnel["pre_shared_key"] is not None:
                wiring.validate_pre_shared_key(tunnel["pre_shared_key"], where)
    wiring.validate_requested_cidrs(requested, {})
    return requested


def summary(tunnel_options: list[dict], moved: dict | None = None) -> list[dict]:
    """Outside IP and inside CIDR of each described tunnel, in outside-IP order; ``moved``: outside IP -> new CIDR."""
    return [
        {
            "outside_ip": t.get("OutsideIpAddress"),
            "inside_cidr": (moved or {}).get(t.get("OutsideIpAddress")) or t.get("TunnelInsideCidr"),
        }
        for t in wiring.sort_tunnels(tunnel_options)
    ]


def plan(params: dict, current: list[dict | None], used_elsewhere: dict[str, str], amazon_side_asn=None) -> list:
    """PURE: per connection {"create": spec list | None, "modify": [(TunnelOption, changes)],
    "deferred": [(TunnelOption, changes)], "tunnels": [...]}.

    ``current[i]`` is the described connection for ``params["connections"][i]`` (or None);
    ``used_elsewhere`` maps inside CIDRs of the TGW's other connections to their ids. A change of a tunnel that
    ``params["only_tunnels"]`` (when set) does not list is deferred instead of modified.
    Raises WiringError, before anything is changed, for any input AWS or the pairing would refuse.
    """
    only = params.get("only_tunnels")
    if only is not None:
        known = {t.get("OutsideIpAddress") for conn in current for t in (conn or {}).get("Options", {}).get(
            "TunnelOptions", [])}
        unknown = [ip for ip in only if ip not in known]
        if unknown:
            raise wiring.WiringError(f"only_tunnels: {', '.join(unknown)} is not the outside IP of a tunnel of "
                                     f"these connections (known: {', '.join(sorted(k for k in known if k))})")
    requested = validate(params, amazon_side_asn)
    wiring.validate_requested_cidrs(requested, used_elsewhere)
    taken = set(used_elsewhere) | set(requested.values())
    for conn in current:
        tunnels = (conn or {}).get("Options", {}).get("TunnelOptions", [])
        taken |= {t["TunnelInsideCidr"] for t in tunnels if t.get("TunnelInsideCidr")}
    plans = []
    for conn, described in zip(params["connections"], current, strict=True):
        blank = {"inside_cidr": None, "pre_shared_key": None}
        desired = [dict(t) for t in conn["tunnels"]] + [dict(blank) for _i in range(2 - len(conn["tunnels"]))]
        if described is None:
            free = iter(wiring.allocate_inside_cidrs(2, taken))
            for tunnel in desired:
                tunnel["inside_cidr"] = tunnel["inside_cidr"] or next(free)
                taken.add(tunnel["inside_cidr"])
            specs = [
                wiring.tunnel_spec(params["tunnel_settings"], t["inside_cidr"], t["pre_shared_key"]) for t in desired
            ]
            plans.append(
                {
                    "create": specs,
                    "modify": [],
                    "deferred": [],
                    "tunnels": [{"outside_ip": None, "inside_cidr": t["inside_cidr"]} for t in desired],
                }
            )
            continue
        modify, deferred = [], []
        for want, tunnel in wiring.pair_tunnels(desired, described["Options"]["TunnelOptions"]):
            spec = wiring.tunnel_spec(
                params["tunnel_settings"], want["inside_cidr"] or tunnel.get("TunnelInsideCidr"), want["pre_shared_key"]
            )
            changes = wiring.tunnel_changes(spec, tunnel)
            storage = params.get("pre_shared_key_storage")
            if storage and tunnel.get(wiring.KEY_STORAGE_MEMBER, "Standard") != storage:
                changes[wiring.KEY_STORAGE_MEMBER] = storage
            if changes:
                allowed = only is None or tunnel["OutsideIpAddress"] in only
                (modify if allowed else deferred).append((tunnel, changes))
        moved = {t["OutsideIpAddress"]: changes.get("TunnelInsideCidr") for t, changes in modify}
        plans.append(
            {"create": None, "modify": modify, "deferred": deferred,
             "tunnels": summary(described["Options"]["TunnelOptions"], moved)}
        )
    return plans


class VpnConnections:
    def __init__(self, module: AwsModule):
        self.module = module
        self.params = module.params
        self.result = {"changed": False, "vpn_connections": [], "modified_tunnels": [], "deferred_tunnels": []}
        self.diff = {"before": {}, "after": {}}

    def describe(self, **kwargs) -> list[dict]:
        return self.module.call("describe VPN connections", "describe_vpn_connections", **kwargs)["VpnConnections"]

    def states(self, ids: list[str]) -> dict[str, str]:
        """State of each of ``ids`` from one describe; a connection no longer listed is deleted
        (unlike VpnConnectionIds, the vpn-connection-id filter never answers InvalidVpnConnectionID.NotFound)."""
        listed = self.describe(Filters=[{"Name": "vpn-connection-id", "Values": ids}])
        states = {c["VpnConnectionId"]: c["State"] for c in listed}
        return {i: states.get(i, "deleted") for i in ids}

    def customer_gateways(self) -> list[dict]:
        """The available customer gateways at the requested IPs."""
        ips = [c["customer_gateway_ip"] for c in self.params["connections"]]
        return self.module.call(
            "describe customer gateways",
            "describe_customer_gateways",
            Filters=[{"Name": "ip-address", "Values": ips}, {"Name": "state", "Values": ["available"]}],
        )["CustomerGateways"]

    def live(self, tgw_id: str | None = None) -> list[dict]:
        """The live connections, of one TGW or of the whole region."""
        tgw = [{"Name": "transit-gateway-id", "Values": [tgw_id]}] if tgw_id else []
        return self.describe(Filters=[*tgw, {"Name": "state", "Values": wiring.LIVE_VPN_STATES}])

    def match(self, cgws, connections):
        """For each requested connection: (its customer gateway or None, its connection or None)."""
        matched = []
        for conn in self.params["connections"]:
            candidates = [
                g
                for g in cgws
                if g["IpAddress"] == conn["customer_gateway_ip"]
                and conn["customer_gateway_asn"] in (None, int(g["BgpAsn"]))
            ]
            ids = {g["CustomerGatewayId"] for g in candidates}
            vpn = next((c for c in connections if c["CustomerGatewayId"] in ids), None)
            cgw = next((g for g in candidates if vpn and g["CustomerGatewayId"] == vpn["CustomerGatewayId"]), None)
            matched.append((cgw or (candidates[0] if candidates else None), vpn))
        return matched

    def wait_available(self, ids: list[str]) -> None:
        """Wait for the whole set at once: one describe per poll, so N connections cost one wait. A connection not
        listed yet is still being made visible (EC2 is eventually consistent after a create); one listed then gone
        was deleted."""
        if not ids:
            return
        seen = set()

        def all_available():
            states = self.states(ids)
            seen.update(i for i, s in states.items() if s != "deleted")
            states = {i: s if i in seen else "pending" for i, s in states.items()}
            failed = [i for i, s in states.items() if s in ("deleting", "deleted")]
            if failed:
                raise AwsError(f"wait for VPN connections {', '.join(ids)}", f"{', '.join(failed)} deleted")
            return set(states.values()) == {"available"}

        self.module.wait_until(
            f"wait for VPN connections {', '.join(ids)} to be available",
            all_available,
            self.params["wait_timeout"],
            self.params["wait_delay"],
        )
        for entry in self.result["vpn_connections"]:
            if entry["vpn_connection_id"] in ids:
                entry["state"] = "available"

    @staticmethod
    def storage(storage: str | None) -> dict:
        """PreSharedKeyStorage is a request parameter of its own, not a tunnel option."""
        return {wiring.KEY_STORAGE_MEMBER: storage} if storage else {}

    def tags(self, kind: str, tags: dict) -> list[dict]:
        return [{"ResourceType": kind, "Tags": [{"Key": k, "Value": str(v)} for k, v in tags.items()]}] if tags else []

    def present(self):
        tgw_id = self.params["transit_gateway_id"]
        connections = self.live(tgw_id) if tgw_id else []
        matched = self.match(self.customer_gateways(), connections)
        ours = {vpn["VpnConnectionId"] for _unused, vpn in matched if vpn}
        used = {
            t["TunnelInsideCidr"]: c["VpnConnectionId"]
            for c in connections
            if c["VpnConnectionId"] not in ours
            for t in c["Options"]["TunnelOptions"]
            if t.get("TunnelInsideCidr")
        }
        # Keys kept in Secrets Manager are read from the connection's secret, to be compared like any other.
        matched = [(cgw, vpn and self.module.with_stored_keys([vpn])[0]) for cgw, vpn in matched]
        asn = self.module.amazon_side_asn(tgw_id, self.params["amazon_side_asn"])
        plans = plan(self.params, [vpn for _unused, vpn in matched], used, asn)
        if any(p["create"] for p in plans) and not tgw_id and not self.module.check_mode:
            raise AwsError("create VPN connections", "transit_gateway_id is required")
        self.record_diff(matched, plans)
        self.result["changed"] = any(p["create"] or p["modify"] for p in plans)

        created = []
        for conn, (cgw, vpn), p in zip(self.params["connections"], matched, plans, strict=True):
            entry = {
                "vpn_connection_id": vpn and vpn["VpnConnectionId"],
                "customer_gateway_id": cgw and cgw["CustomerGatewayId"],
                "customer_gateway_ip": conn["customer_gateway_ip"],
                "state": vpn["State"] if vpn else "absent",
                "tunnels": p["tunnels"],
            }
            self.result["vpn_connections"].append(entry)
            self.result["deferred_tunnels"] += [
                {"vpn_connection_id": entry["vpn_connection_id"], "outside_ip": t["OutsideIpAddress"],
                 "options": sorted(changes)}
                for t, changes in p["deferred"]
            ]
            if p["create"] and not self.module.check_mode:
                created.append(self.create(conn, cgw, p["create"], entry))
        if self.params["wait"]:
            self.wait_available(created)
        self.modify_one_by_one(plans)

    def create(self, conn: dict, cgw: dict | None, specs: list[dict], entry: dict) -> str:
        ip = conn["customer_gateway_ip"]
        if cgw is None:
            cgw = self.module.call(
                f"create customer gateway {ip}",
                "create_customer_gateway",
                Type="ipsec.1",
                IpAddress=ip,
                BgpAsn=conn["customer_gateway_asn"],
                TagSpecifications=self.tags("customer-gateway", conn["tags"]),
            )["CustomerGateway"]
        vpn = self.module.call(
            f"create VPN connection for customer gateway {ip}",
            "create_vpn_connection",
            Type="ipsec.1",
            CustomerGatewayId=cgw["CustomerGatewayId"],
            TransitGatewayId=self.params["transit_gateway_id"],
            Options={"StaticRoutesOnly": False, "TunnelInsideIpVersion": "ipv4", "TunnelOptions": specs},
            TagSpecifications=self.tags("vpn-connection", conn["tags"]),
            **self.storage(self.params["pre_shared_key_storage"]),
        )["VpnConnection"]
        entry.update(
            vpn_connection_id=vpn["VpnConnectionId"], customer_gateway_id=cgw["CustomerGatewayId"], state=vpn["State"]
        )
        # The response already carries the outside IPs AWS assigned (CreateVpnConnection, TunnelOptions).
        if vpn.get("Options", {}).get("TunnelOptions"):
            entry["tunnels"] = summary(vpn["Options"]["TunnelOptions"])
        return vpn["VpnConnectionId"]

    def modify_one_by_one(self, plans):
        """ModifyVpnTunnelOptions takes a tunnel down while it applies: change one tunnel at a time and wait
        for its connection to be available again before the next (EC2 API reference, ModifyVpnTunnelOptions).
        These waits happen whatever O(wait) says: AWS refuses a modification while the connection is not
        available, and two tunnels down at once would cut the connection."""
        pending = [
            (entry, tunnel, changes)
            for entry, p in zip(self.result["vpn_connections"], plans, strict=True)
            for tunnel, changes in p["modify"]
        ]
        if pending and not self.module.check_mode:
            self.wait_available(sorted({e["vpn_connection_id"] for e, _unused, _unused in pending}))
        for n, (entry, tunnel, changes) in enumerate(pending, start=1):
            vpn_id, ip = entry["vpn_connection_id"], tunnel["OutsideIpAddress"]
            self.result["modified_tunnels"].append(
                {"vpn_connection_id": vpn_id, "outside_ip": ip, "options": sorted(changes)}
            )
            if self.module.check_mode:
                continue
            entry["state"] = self.module.call(
                f"modify tunnel {ip} of VPN connection {vpn_id}",
                "modify_vpn_tunnel_options",
                VpnConnectionId=vpn_id,
                VpnTunnelOutsideIpAddress=ip,
                TunnelOptions={k: v for k, v in changes.items() if k != wiring.KEY_STORAGE_MEMBER},
                **self.storage(changes.get(wiring.KEY_STORAGE_MEMBER)),
            )["VpnConnection"]["State"]
            if n < len(pending) or self.params["wait"]:
                self.wait_available([vpn_id])

    def record_diff(self, matched, plans):
        for conn, (_unused, vpn), p in zip(self.params["connections"], matched, plans, strict=True):
            key = conn["customer_gateway_ip"]
            before = (
                [
                    wiring.redact(wiring.describe_as_spec(t))
                    for t in wiring.sort_tunnels(vpn["Options"]["TunnelOptions"])
                ]
                if vpn
                else None
            )
            self.diff["before"][key] = before
            if p["create"]:
                self.diff["after"][key] = [wiring.redact(s) for s in p["create"]]
            else:
                changed = {t["OutsideIpAddress"]: c for t, c in p["modify"]}
                self.diff["after"][key] = [
                    {**b, **wiring.redact(changed.get(b["OutsideIpAddress"], {}), marker="<hidden, rotated>")}
                    for b in before
                ]

    def absent(self):
        # One read of the region's live connections: those on the TGW go, the others keep their customer
        # gateway, which AWS refuses to delete while a connection uses it (IncorrectState).
        live, tgw_id = self.live(), self.params["transit_gateway_id"]
        on_tgw = [c for c in live if tgw_id and c.get("TransitGatewayId") == tgw_id]
        matched = self.match(self.customer_gateways(), on_tgw)
        doomed = [vpn["VpnConnectionId"] for _unused, vpn in matched if vpn]
        still_used = {c["CustomerGatewayId"] for c in live if c["VpnConnectionId"] not in doomed}
        cgw_ids = sorted({cgw["CustomerGatewayId"] for cgw, _unused in matched if cgw} - still_used)
        for conn, (cgw, vpn) in zip(self.params["connections"], matched, strict=True):
            self.diff["before"][conn["customer_gateway_ip"]] = vpn and vpn["VpnConnectionId"]
            self.diff["after"][conn["customer_gateway_ip"]] = None
            self.result["vpn_connections"].append(
                {
                    "vpn_connection_id": vpn and vpn["VpnConnectionId"],
                    "customer_gateway_id": cgw and cgw["CustomerGatewayId"],
                    "customer_gateway_ip": conn["customer_gateway_ip"],
                    "state": "absent",
                    "tunnels": [],
                }
            )
        self.result["changed"] = bool(doomed or cgw_ids)
        if self.module.check_mode:
            return
        for vpn_id in doomed:
            self.module.call(f"delete VPN connection {vpn_id}", "delete_vpn_connection", VpnConnectionId=vpn_id)
        if doomed:
            self.module.wait_until(
                f"wait for VPN connections {', '.join(doomed)} to be deleted",
                lambda: set(self.states(doomed).values()) == {"deleted"},
                self.params["wait_timeout"],
                self.params["wait_delay"],
            )
        for cgw_id in cgw_ids:
            self.module.call(f"delete customer gateway {cgw_id}", "delete_customer_gateway", CustomerGatewayId=cgw_id)

    def __call__(self):
        try:
            self.present() if self.params["state"] == "present" else self.absent()
        except wiring.WiringError as e:
            raise AwsError("validate VPN connections", e) from e
        if self.module._diff:
            self.result["diff"] = self.diff
        return self.result


def main():
    module = AwsModule(
        argument_spec=ARGUMENT_SPEC,
        supports_check_mode=True,
    )
    module.run(VpnConnections(module))


if __name__ == "__main__":
    main()
