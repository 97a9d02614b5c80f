"""VPCs and subnets: DescribeVpcs and DescribeSubnets answer every filter the EC2 API reference documents
(moto answers HTTP 500 on some, e.g. the subnets' ipv6-cidr-block-association.* filters, and ignores others).

Sources: EC2 API reference, DescribeVpcs and DescribeSubnets, "Filter.N" (the older aliases cidr, cidrBlock,
availabilityZone, defaultForAz, vpcId, isDefault and dhcpOptionsId are still accepted, as moto accepts them)."""

from __future__ import annotations

from moto.ec2.models.subnets import SubnetBackend
from moto.ec2.models.vpcs import VPCBackend

from twin.aws.common import with_filters


def _vpc_cidrs(ipv6: bool, key):
    return lambda v: [c.get(key) for c in v.get_cidr_block_association_set(ipv6=ipv6)]


def _vpc_cidr_states(ipv6: bool):
    return lambda v: [c["cidr_block_state"]["state"] for c in v.get_cidr_block_association_set(ipv6=ipv6)]


VPC_FILTERS = {
    **{name: (lambda v: v.cidr_block) for name in ("cidr", "cidr-block", "cidrBlock")},
    "cidr-block-association.cidr-block": _vpc_cidrs(False, "cidr_block"),
    "cidr-block-association.association-id": _vpc_cidrs(False, "association_id"),
    "cidr-block-association.state": _vpc_cidr_states(False),
    **{name: (lambda v: v.dhcp_options.id if v.dhcp_options else None)
       for name in ("dhcp-options-id", "dhcpOptionsId")},
    "ipv6-cidr-block-association.ipv6-cidr-block": _vpc_cidrs(True, "cidr_block"),
    "ipv6-cidr-block-association.ipv6-pool": _vpc_cidrs(True, "ipv6_pool"),
    "ipv6-cidr-block-association.association-id": _vpc_cidrs(True, "association_id"),
    "ipv6-cidr-block-association.state": _vpc_cidr_states(True),
    **{name: (lambda v: v.is_default) for name in ("is-default", "isDefault")},
    "owner-id": lambda v: v.owner_id,
    "state": lambda v: v.state,
    **{name: (lambda v: v.id) for name in ("vpc-id", "vpcId")},
}


def _subnet_ipv6(field):
    return lambda s: [field(a) for a in s.ipv6_cidr_block_associations.values()]


_DNS_OPTIONS = {"hostname-type": "HostnameType", "enable-resource-name-dns-a-record": "EnableResourceNameDnsARecord",
                "enable-resource-name-dns-aaaa-record": "EnableResourceNameDnsAAAARecord"}
SUBNET_FILTERS = {
    **{name: (lambda s: s.availability_zone) for name in ("availability-zone", "availabilityZone")},
    "availability-zone-id": lambda s: s.availability_zone_id,
    "available-ip-address-count": lambda s: s.available_ip_address_count,
    **{name: (lambda s: s.cidr_block) for name in ("cidr-block", "cidr", "cidrBlock")},
    "customer-owned-ipv4-pool": lambda s: None,  # no Outposts in the twin
    **{name: (lambda s: s.default_for_az) for name in ("default-for-az", "defaultForAz")},
    "enable-dns64": lambda s: False,
    "enable-lni-at-device-index": lambda s: None,
    "ipv6-cidr-block-association.ipv6-cidr-block": _subnet_ipv6(lambda a: a["ipv6CidrBlock"]),
    "ipv6-cidr-block-association.association-id": _subnet_ipv6(lambda a: a["associationId"]),
    "ipv6-cidr-block-association.state": _subnet_ipv6(lambda a: a["ipv6CidrBlockState"]["State"]),
    "ipv6-native": lambda s: s.ipv6_native,
    "map-customer-owned-ip-on-launch": lambda s: False,
    "map-public-ip-on-launch": lambda s: s.map_public_ip_on_launch,
    "outpost-arn": lambda s: None,
    **{f"private-dns-name-options-on-launch.{name}": (lambda s, key=key: s.private_dns_name_options_on_launch[key])
       for name, key in _DNS_OPTIONS.items()},
    "owner-id": lambda s: s.owner_id,
    "state": lambda s: s.state,
    "subnet-arn": lambda s: s.arn,
    "subnet-id": lambda s: s.id,
    **{name: (lambda s: s.vpc_id) for name in ("vpc-id", "vpcId")},
}


def install() -> None:
    VPCBackend.describe_vpcs = with_filters(VPCBackend.describe_vpcs, VPC_FILTERS)
    SubnetBackend.describe_subnets = with_filters(SubnetBackend.describe_subnets, SUBNET_FILTERS)
