#!/usr/bin/python
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: ec2_vpn_connection_info
short_description: Read Site-to-Site VPN connections on a Transit Gateway, tunnel by tunnel
version_added: 0.1.0
description:
  - Describes the live (V(pending), V(available) or V(modifying)) VPN connections of a Transit Gateway (or the
    given ids) and their customer gateways; deleted and deleting ones are left out.
  - With O(gcp_interface_ips), also returns RV(tunnels), the four tunnels of an AWS <-> GCP HA VPN pairing,
    each matched to its GCP HA interface (by customer gateway IP) and peer interface (by outside IP order).
options:
  transit_gateway_id:
    description: Only connections on this Transit Gateway.
    type: str
  vpn_connection_ids:
    description: Only these connections.
    type: list
    elements: str
    default: []
  names:
    description:
      - Only the connections with these C(Name) tags (the role's C(<name>-if0), C(<name>-if1)); another team's
        connection on the same Transit Gateway is left out.
      - Without O(gcp_interface_ips), RV(tunnels) is also returned, the customer gateway IPs of the named
        connections, in the order of O(names), standing for the GCP interfaces (the AWS side alone then reads
        back what it built).
    type: list
    elements: str
    default: []
    version_added: 0.3.0
  gcp_interface_ips:
    description:
      - The GCP HA VPN gateway's interface IPs, interface 0 first. Exactly two.
      - Each must be the IP of a customer gateway with one connection among those read.
    type: list
    elements: str
  amazon_side_asn:
    description:
      - The Amazon-side ASN of the connections' Transit Gateway, returned in RV(tunnels).
      - Omitted, it is read from the Transit Gateway. Set it when you have just read the Transit Gateway (it is
        then not read again).
    type: int
  include_pre_shared_keys:
    description:
      - Return each tunnel's pre-shared key (in RV(tunnels) and RV(vpn_connections)).
      - A tunnel whose key AWS keeps in Secrets Manager (C(PreSharedKeyStorage=SecretsManager)) carries no key in
        DescribeVpnConnections; its key is then read from the connection's secret, C(PreSharedKeyArn)
        (C(secretsmanager:GetSecretValue)).
      - Register the result in a task with C(no_log) when this is V(true).
    type: bool
    default: false
author:
  - cloudbridge network engineering (@cloudbridge)
extends_documentation_fragment:
  - cloudbridge.hybrid_vpn.attributes.info
  - cloudbridge.hybrid_vpn.aws
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Read the four tunnels for the GCP side (keys included, so never logged)
  cloudbridge.hybrid_vpn.ec2_vpn_connection_info:
    transit_gateway_id: tgw-0fedcba9876543210
    gcp_interface_ips: ["{{ gcp_ha_vpn_gateway.interfaces[0].ip_address }}",
                        "{{ gcp_ha_vpn_gateway.interfaces[1].ip_address }}"]
    include_pre_shared_keys: true
  register: vpn
  no_log: true
"""

RETURN = r"""
vpn_connections:
  description:
    - The connections as DescribeVpnConnections returns them (snake_case), without the generated device
      configuration and, unless O(include_pre_shared_keys), without keys. Each tunnel option also says where its
      key is kept, C(pre_shared_key_storage) (V(Standard) or V(SecretsManager)).
  returned: always
  type: list
  elements: dict
tunnels:
  description:
    - The four tunnels ordered by peer interface (0 and 1 on GCP interface 0, 2 and 3 on interface 1; within a
      connection by outside IP), each with C(vpn_connection_id), C(customer_gateway_id), C(transit_gateway_id),
      C(outside_ip), C(inside_cidr), C(aws_inside_ip) (network + 1), C(cgw_inside_ip) (network + 2),
      C(pre_shared_key) (V(null) unless O(include_pre_shared_keys)), C(amazon_side_asn), C(customer_gateway_asn),
      C(gcp_interface) and C(peer_interface). Empty when no VPN connection exists.
  returned: when O(gcp_interface_ips) or O(names) is set
  type: list
  elements: dict
  sample: [{vpn_connection_id: vpn-0a1b2c3d4e5f60718, outside_ip: 3.130.56.250, inside_cidr: 169.254.10.0/30,
            aws_inside_ip: 169.254.10.1, cgw_inside_ip: 169.254.10.2, gcp_interface: 0, peer_interface: 0}]
"""

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict

from ansible_collections.cloudbridge.hybrid_vpn.plugins.module_utils import _wiring as wiring
from ansible_collections.cloudbridge.hybrid_vpn.plugins.module_utils._aws import AwsError, AwsModule


def without_keys(connection: dict) -> dict:
    """A described connection minus each tunnel's key."""
    options = connection.get("Options", {})
    tunnels = [{k: v for k, v in t.items() if k != wiring.SECRET_MEMBER} for t in options.get("TunnelOptions", [])]
    return {**connection, "Options": {**options, "TunnelOptions": tunnels}}


def connection_names(connections: list[dict]) -> dict:
    """{Name tag: connection}."""
    return {t["Value"]: c for c in connections for t in c.get("Tags", []) if t["Key"] == "Name"}


def named_gateway_ips(connections: list[dict], cgws: list[dict], names: list[str]) -> list[str]:
    """The customer gateway IP of each named connection, in the order of ``names``."""
    by_name = connection_names(connections)
    ips = {g["CustomerGatewayId"]: g["IpAddress"] for g in cgws}
    return [ips.get(by_name[n]["CustomerGatewayId"]) for n in names]


class VpnConnectionInfo:
    def __init__(self, module: AwsModule):
        self.module = module
        self.params = module.params

    def __call__(self) -> dict:
        filters = [{"Name": "state", "Values": wiring.LIVE_VPN_STATES}]
        if self.params["transit_gateway_id"]:
            filters.append({"Name": "transit-gateway-id", "Values": [self.params["transit_gateway_id"]]})
        if self.params["vpn_connection_ids"]:
            filters.append({"Name": "vpn-connection-id", "Values": self.params["vpn_connection_ids"]})
        if self.params["names"]:
            filters.append({"Name": "tag:Name", "Values": self.params["names"]})
        connections = self.module.call("describe VPN connections", "describe_vpn_connections", Filters=filters)[
            "VpnConnections"
        ]
        if self.params["include_pre_shared_keys"]:
            # A key kept in Secrets Manager is read from the connection's secret (PreSharedKeyArn).
            shown = self.module.with_stored_keys(connections)
        else:
            shown = [without_keys(wiring.with_keys(c, None)) for c in connections]
        result = {
            "changed": False,
            # The generated device configuration repeats the keys in clear text: never returned.
            "vpn_connections": [
                camel_dict_to_snake_dict(
                    {k: v for k, v in c.items() if k != "CustomerGatewayConfiguration"}, ignore_list=["Tags"]
                )
                for c in shown
            ],
        }
        if self.params["gcp_interface_ips"] is not None or self.params["names"]:
            result["tunnels"] = self.tunnels(shown)
        return result

    def tunnels(self, connections: list[dict]) -> list[dict]:
        if not connections:  # nothing built yet (e.g. an adopted TGW before its first run): no tunnel to match
            return []
        if self.params["gcp_interface_ips"] is None and set(self.params["names"]) - set(connection_names(connections)):
            return []  # a named connection is missing: the caller reports it, there is no pairing to return
        try:
            cgw_ids = sorted({c["CustomerGatewayId"] for c in connections})
            cgws = (
                self.module.call(
                    "describe customer gateways", "describe_customer_gateways", CustomerGatewayIds=cgw_ids
                )["CustomerGateways"]
                if cgw_ids
                else []
            )
            ips = wiring.validate_gcp_interface_ips(
                self.params["gcp_interface_ips"] if self.params["gcp_interface_ips"] is not None
                else named_gateway_ips(connections, cgws, self.params["names"]))
            tgw_ids = sorted({c["TransitGatewayId"] for c in connections if c.get("TransitGatewayId")})
            if len(tgw_ids) != 1:
                raise wiring.WiringError(f"expected the connections of one transit gateway, found {tgw_ids}")
            asn = self.module.amazon_side_asn(tgw_ids[0], self.params["amazon_side_asn"])
            return wiring.build_aws_tunnels(connections, {g["CustomerGatewayId"]: g for g in cgws}, ips, asn)
        except wiring.WiringError as e:
            raise AwsError("match VPN tunnels to the GCP HA VPN interfaces", e) from e


def main():
    module = AwsModule(
        argument_spec=dict(
            transit_gateway_id=dict(type="str"),
            vpn_connection_ids=dict(type="list", elements="str", default=[]),
            names=dict(type="list", elements="str", default=[]),
            gcp_interface_ips=dict(type="list", elements="str"),
            include_pre_shared_keys=dict(type="bool", default=False),
            amazon_side_asn=dict(type="int"),
        ),
        supports_check_mode=True,
    )
    module.run(VpnConnectionInfo(module))


if __name__ == "__main__":
    main()
