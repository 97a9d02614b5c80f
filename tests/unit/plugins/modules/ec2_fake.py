"""An in-memory EC2 (VPN connections, customer gateways, one Transit Gateway) under amazon.aws's real retry
wrapper, and a runner for module main() (unit tests only).

A resource in a transitional state (pending, modifying, deleting) is listed once in that state, then as its
final state; like the twin, ModifyVpnTunnelOptions is refused while the connection is not available.
"""

from __future__ import annotations

import copy
import json
from unittest import mock

import botocore.exceptions
import pytest
from ansible.module_utils.testing import patch_module_args
from ansible_collections.amazon.aws.plugins.module_utils import modules

from ansible_collections.cloudbridge.hybrid_vpn.plugins.module_utils import _wiring as wiring
from ansible_collections.cloudbridge.hybrid_vpn.plugins.modules.ec2_vpn_connection import ARGUMENT_SPEC

TGW = "tgw-0123"
AMAZON_ASN = 64512
NEXT_STATE = {"pending": "available", "modifying": "available", "deleting": "deleted"}
# botocore EC2 model: three VpnTunnelOptionsSpecification members are spelled otherwise in TunnelOption.
_DESCRIBE_NAME = {"DPDTimeoutSeconds": "DpdTimeoutSeconds", "DPDTimeoutAction": "DpdTimeoutAction",
                  "IKEVersions": "IkeVersions"}
# A filter name -> the member of a described resource it matches.
_FILTERS = {"ip-address": "IpAddress", "state": "State", "transit-gateway-id": "TransitGatewayId",
            "vpn-connection-id": "VpnConnectionId", "customer-gateway-id": "CustomerGatewayId"}


def client_error(code, message, operation):
    return botocore.exceptions.ClientError({"Error": {"Code": code, "Message": message}}, operation)


def as_described(spec: dict) -> dict:
    """A VpnTunnelOptionsSpecification in DescribeVpnConnections' TunnelOption member names."""
    return {_DESCRIBE_NAME.get(k, k): v for k, v in spec.items()}


class FakeEc2:
    def __init__(self):
        self.cgws: dict[str, dict] = {}
        self.vpns: dict[str, dict] = {}
        self.calls: list[tuple[str, dict]] = []
        self.reverse_tunnels = False  # AWS documents no tunnel order
        self.errors: dict[str, Exception] = {}  # operation -> the error it raises
        self.secrets: dict[str, dict] = {}  # Secrets Manager (the same fake answers every service): ARN -> ip -> key
        self._serial = 0

    def _id(self, prefix):
        self._serial += 1
        return f"{prefix}-{self._serial:04d}"

    def _record(self, name, kwargs):
        self.calls.append((name, copy.deepcopy(kwargs)))
        if name in self.errors:
            raise self.errors[name]

    def mutations(self) -> list[str]:
        return [name for name, _unused in self.calls if not name.startswith(("describe_", "get_"))]

    @staticmethod
    def _select(items, filters):
        def value(item, name):
            if name.startswith("tag:"):
                return {t["Key"]: t["Value"] for t in item.get("Tags", [])}.get(name[4:])
            return item.get(_FILTERS[name])

        return [i for i in items if all(value(i, f["Name"]) in f["Values"] for f in filters or [])]

    def _advance(self, resources):
        shown = copy.deepcopy(resources)
        for resource in resources:
            resource["State"] = NEXT_STATE.get(resource["State"], resource["State"])
        return shown

    # --- describes ---
    def describe_transit_gateways(self, **kwargs):
        self._record("describe_transit_gateways", kwargs)
        return {"TransitGateways": [{"TransitGatewayId": TGW, "State": "available",
                                     "Options": {"AmazonSideAsn": AMAZON_ASN}}]}

    def describe_customer_gateways(self, Filters=None, CustomerGatewayIds=None):
        self._record("describe_customer_gateways", {"Filters": Filters, "CustomerGatewayIds": CustomerGatewayIds})
        found = [g for g in self.cgws.values() if CustomerGatewayIds is None or g["CustomerGatewayId"] in
                 CustomerGatewayIds]
        return {"CustomerGateways": self._advance(self._select(found, Filters))}

    def describe_vpn_connections(self, Filters=None):
        self._record("describe_vpn_connections", {"Filters": Filters})
        shown = self._advance(self._select(list(self.vpns.values()), Filters))
        if self.reverse_tunnels:
            for vpn in shown:
                vpn["Options"]["TunnelOptions"].reverse()
        return {"VpnConnections": shown}

    # --- mutations ---
    def create_customer_gateway(self, **kwargs):
        self._record("create_customer_gateway", kwargs)
        cgw = {"CustomerGatewayId": self._id("cgw"), "IpAddress": kwargs["IpAddress"],
               "BgpAsn": str(kwargs["BgpAsn"]), "State": "available", "Type": kwargs["Type"]}
        self.cgws[cgw["CustomerGatewayId"]] = cgw
        return {"CustomerGateway": dict(cgw)}

    def add_connection(self, cgw_ip, tunnels, tgw=TGW, name=None):
        """An existing connection with ``tunnels``: [(outside IP, VpnTunnelOptionsSpecification)], on the
        customer gateway at ``cgw_ip`` (created unless one is there)."""
        cgw = next((g for g in self.cgws.values() if g["IpAddress"] == cgw_ip), None) or \
            self.create_customer_gateway(Type="ipsec.1", IpAddress=cgw_ip, BgpAsn=65000)["CustomerGateway"]
        vpn = {"VpnConnectionId": self._id("vpn"), "CustomerGatewayId": cgw["CustomerGatewayId"],
               "TransitGatewayId": tgw, "State": "available", "Type": "ipsec.1",
               "CustomerGatewayConfiguration": "<xml with keys>",
               "Options": {"TunnelOptions": [{"OutsideIpAddress": ip, **as_described(spec)} for ip, spec in tunnels]},
               **({"Tags": [{"Key": "Name", "Value": name}]} if name else {})}
        self.vpns[vpn["VpnConnectionId"]] = vpn
        self.calls.clear()
        return vpn

    def create_vpn_connection(self, **kwargs):
        self._record("create_vpn_connection", kwargs)
        serial = self._serial + 1
        tunnels = [
            {"OutsideIpAddress": f"3.0.{serial}.{i + 1}", "PreSharedKey": f"Generated_{serial}_{i}",
             **as_described(spec)}
            for i, spec in enumerate(kwargs["Options"]["TunnelOptions"])
        ]
        vpn = {"VpnConnectionId": self._id("vpn"), "CustomerGatewayId": kwargs["CustomerGatewayId"],
               "TransitGatewayId": kwargs["TransitGatewayId"], "State": "pending", "Type": kwargs["Type"],
               "Options": {"TunnelOptions": tunnels}}
        self._store_keys(vpn, kwargs.get("PreSharedKeyStorage"), [t["OutsideIpAddress"] for t in tunnels])
        self.vpns[vpn["VpnConnectionId"]] = vpn
        return {"VpnConnection": copy.deepcopy(vpn)}

    def _store_keys(self, vpn, storage, ips):
        """As the twin: SecretsManager moves the keys of these tunnels into the connection's secret (PreSharedKeyArn);
        a new key of a tunnel kept there is written there."""
        secret = self.secrets.get(vpn.get("PreSharedKeyArn"), {})
        for tunnel in vpn["Options"]["TunnelOptions"]:
            ip = tunnel["OutsideIpAddress"]
            if ip in ips and (storage == "SecretsManager" or (storage is None and ip in secret)):
                secret[ip] = tunnel.pop("PreSharedKey", None) or secret[ip]
        if secret:
            arn = vpn.setdefault("PreSharedKeyArn", f"arn:aws:secretsmanager:ap-northeast-1:123456789012:secret:"
                                                    f"s2svpn!{vpn['VpnConnectionId']}-AbCdEf")
            self.secrets[arn] = secret

    def get_secret_value(self, **kwargs):
        self._record("get_secret_value", kwargs)
        return {"ARN": kwargs["SecretId"], "SecretString": json.dumps(self.secrets[kwargs["SecretId"]])}

    def modify_vpn_tunnel_options(self, **kwargs):
        self._record("modify_vpn_tunnel_options", kwargs)
        vpn = self.vpns[kwargs["VpnConnectionId"]]
        if vpn["State"] != "available":
            raise client_error("IncorrectState", f"{vpn['VpnConnectionId']} is {vpn['State']}",
                               "ModifyVpnTunnelOptions")
        tunnel = next(t for t in vpn["Options"]["TunnelOptions"]
                      if t["OutsideIpAddress"] == kwargs["VpnTunnelOutsideIpAddress"])
        tunnel.update(as_described(kwargs["TunnelOptions"]))
        self._store_keys(vpn, kwargs.get("PreSharedKeyStorage"), [tunnel["OutsideIpAddress"]])
        vpn["State"] = "modifying"
        return {"VpnConnection": copy.deepcopy(vpn)}

    def delete_vpn_connection(self, **kwargs):
        self._record("delete_vpn_connection", kwargs)
        self.vpns[kwargs["VpnConnectionId"]]["State"] = "deleting"
        return {}

    def delete_customer_gateway(self, **kwargs):
        self._record("delete_customer_gateway", kwargs)
        self.cgws[kwargs["CustomerGatewayId"]]["State"] = "deleted"
        return {}


@pytest.fixture
def ec2():
    fake = FakeEc2()
    with mock.patch.object(modules, "boto3_conn", return_value=fake):
        yield fake


def run_module(module, args, check=False, diff=False):
    """Run ``module.main()`` with ``args`` (plus a region, no real wait); return the JSON a user sees."""
    extra = {"region": "ap-northeast-1", "_ansible_check_mode": check, "_ansible_diff": diff}
    with patch_module_args({**args, **extra}), pytest.raises(SystemExit), mock.patch("sys.stdout") as out:
        module.main()
    return json.loads("".join(c.args[0] for c in out.write.call_args_list))


def settings_spec(inside_cidr, key=None, **overrides):
    """The spec the module sends with its default tunnel settings (plus ``overrides``, in option names)."""
    defaults = {k: o["default"] for k, o in ARGUMENT_SPEC["tunnel_settings"]["options"].items()}
    return wiring.tunnel_spec({**defaults, **overrides}, inside_cidr, key)
