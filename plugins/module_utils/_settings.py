# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The environment's settings (``inventories/<env>/group_vars/all/hybrid_vpn.yml``, flat ``hybrid_vpn_*``
variables) read as the types they need, checked, and normalised into the ``hybrid_vpn`` fact.

Pure (no I/O, no Ansible imports). A value given with ``-e name=value`` arrives as a string: it is read as the
setting's type (``"65000"`` as an ASN, ``"a,b"`` as a list). Every error names the setting, the bad value and
what is expected, and never echoes a pre-shared key. Checks that need a cloud call live in the roles' preflight.
"""

from __future__ import annotations

import ipaddress
import json
import re

from ansible_collections.cloudbridge.hybrid_vpn.plugins.module_utils._wiring import (
    WiringError,
    gcp_names,
    validate_asn,
    validate_gcp_name,
    validate_tunnel_inputs,
)

PREFIX = "hybrid_vpn_"

# Project ids: 6-30 lowercase letters, digits, hyphens; letter first, no trailing hyphen (Resource Manager).
_GCP_PROJECT_RE = re.compile(r"[a-z][-a-z0-9]{4,28}[a-z0-9]")
_GCP_REGION_RE = re.compile(r"[a-z]+-[a-z]+[0-9]+")
_AWS_REGION_RE = re.compile(r"[a-z]{2}(?:-[a-z]+)+-[0-9]+")
_TGW_ID_RE = re.compile(r"tgw-[0-9a-f]{8,17}")

# AWS tunnel option values (EC2 API reference, VpnTunnelOptionsSpecification).
AWS_ENCRYPTION = ("AES128", "AES256", "AES128-GCM-16", "AES256-GCM-16")
AWS_INTEGRITY = ("SHA1", "SHA2-256", "SHA2-384", "SHA2-512")
AWS_PHASE1_DH = (2, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24)
AWS_PHASE2_DH = (2, 5, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24)
# Cloud VPN's supported IKEv2 DH groups ("Supported IKE ciphers"; group 22 being dropped, "Cloud VPN cipher
# changes"): MODP 1024/1536/2048/3072/4096/8192, MODP_2048_224/256, ECP 256/384/521. Every AWS cipher and
# integrity choice above is in Cloud VPN's tables; DH groups are where the two lists differ.
GCP_DH = (2, 5, 14, 15, 16, 18, 19, 20, 21, 23, 24)
_BOTH = "the DH groups both AWS and Cloud VPN accept"


def _bad(name, value, expected):
    return WiringError(f"{PREFIX}{name}: got {value!r}, expected {expected}")


def _split(value):
    """A list, or a string given on the command line: JSON (``'["a", "b"]'``) or comma-separated (``a,b``)."""
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("["):
            try:
                return json.loads(text)
            except ValueError:
                return None
        return [part.strip() for part in text.split(",") if part.strip()]
    return list(value) if isinstance(value, list | tuple) else None


def as_int(name, value, low=None, high=None, expected=None):
    expected = expected or "an integer" + (f" from {low}" if low is not None else "") + (
        f" to {high}" if high is not None else "")
    if isinstance(value, bool):
        raise _bad(name, value, expected)
    if isinstance(value, str) and re.fullmatch(r"\s*-?[0-9]+\s*", value):
        value = int(value)
    if not isinstance(value, int) or (low is not None and value < low) or (high is not None and value > high):
        raise _bad(name, value, expected)
    return value


def as_number(name, value, low):
    try:
        number = float(value) if not isinstance(value, bool) else None
    except (TypeError, ValueError):
        number = None
    if number is None or number < low:
        raise _bad(name, value, f"a number of seconds, at least {low}")
    return number


def as_bool(name, value):
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "yes", "1", "false", "no", "0"):
        return value.lower() in ("true", "yes", "1")
    raise _bad(name, value, "true or false")


def as_str(name, value, pattern=None, expected="a string", empty=False):
    if isinstance(value, int | float) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or (not value and not empty) or (value and pattern and not pattern.fullmatch(value)):
        raise _bad(name, value, expected)
    return value


def as_list(name, value, item, expected):
    items = _split(value)
    if items is None:
        raise _bad(name, value, f"a list (or a comma-separated string) of {expected}")
    return [item(f"{name}[{i}]", v) for i, v in enumerate(items)]


def _choice(choices, why=""):
    expected = f"one of {', '.join(map(str, choices))}" + (f" ({why})" if why else "")

    def item(name, value):
        if isinstance(choices[0], int):
            value = as_int(name, value, expected=expected)
        if value not in choices:
            raise _bad(name, value, expected)
        return value
    return item


def _one_proposal(name, values):
    # One transform per phase: AWS's default list fragments IKE packets, which Cloud VPN does not reassemble;
    # Google: "propose and accept only one cipher for each cipher role" (cloud-constraints.md, Supported IKE ciphers).
    if len(values) != 1:
        raise _bad(name, values, "exactly one value (one proposal per phase, as Cloud VPN advises)")
    return values


def _ike_versions(name, value):
    # The GCP tunnels are IKEv2 (gcp_compute_vpn_tunnels ike_version 2): AWS must allow it, and nothing else
    # (cloud-constraints.md, "Use IKEv2 only"); AWS also accepts ikev1, which would never meet the GCP side.
    versions = as_list(name, value, _choice(("ikev1", "ikev2")), "IKE versions")
    if versions != ["ikev2"]:
        raise _bad(name, versions, "['ikev2']: the GCP tunnels are IKEv2, and Cloud VPN with AWS needs IKEv2 only")
    return versions


def _gcp_name(name, value):
    return validate_gcp_name(value, PREFIX + name)


def _cidr_item(name, value):
    if isinstance(value, dict):
        value = dict(value)
        cidr = value.get("range")
    else:
        cidr, value = value, {"range": value}
    try:
        value["range"] = str(ipaddress.ip_network(cidr, strict=True))
    except (TypeError, ValueError):
        raise _bad(name, cidr, "a CIDR such as 10.10.0.0/16, or {range, description}") from None
    return value


def _secret(name, value):
    # A numeric key given on the command line or in YAML (12345678) is still a key: read it as text.
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        raise WiringError(f"{PREFIX}{name}: expected a string key, got a {type(value).__name__}")
    return value


# setting -> (reader, default). A setting without default (None) is required.
SCHEMA = {
    "environment": (lambda n, v: as_str(n, v, re.compile(r"[a-z][-a-z0-9]*"), "the environment's name, e.g. sandbox"),
                    None),
    "teardown_confirm": (lambda n, v: as_str(n, v, empty=True), ""),
    "name": (lambda n, v: as_str(n, v, re.compile(r"[^\s].{0,250}"), "a non-empty Name tag, at most 251 characters "
                                 "(the customer gateways add -if0 and -if1)"), "cloudbridge-hybrid-vpn"),
    "aws_region": (lambda n, v: as_str(n, v, _AWS_REGION_RE, "an AWS region name such as ap-northeast-1"), None),
    # The hub account: preflight stops when the credentials act in another one (STS GetCallerIdentity).
    "aws_account_id": (lambda n, v: as_str(n, v, re.compile(r"[0-9]{12}"), "the hub's 12-digit AWS account id "
                                           "(quoted in YAML)"), None),
    "aws_amazon_side_asn": (lambda n, v: as_int(n, v, expected="a private ASN (64512-65534 or "
                                                "4200000000-4294967294)"), 64512),
    "aws_transit_gateway_id": (lambda n, v: as_str(n, v, _TGW_ID_RE, "empty or a Transit Gateway id (tgw-...)",
                                                   empty=True), ""),
    "aws_default_route_table_association": (as_bool, True),
    "aws_default_route_table_propagation": (as_bool, True),
    "gcp_project": (lambda n, v: as_str(n, v, _GCP_PROJECT_RE, "a GCP project id (6-30 lowercase letters, digits "
                                        "and '-', a letter first)"), None),
    "gcp_region": (lambda n, v: as_str(n, v, _GCP_REGION_RE, "a GCP region name such as asia-northeast1"), None),
    "gcp_network": (_gcp_name, None),
    "gcp_gateway_name": (_gcp_name, "ha-vpn-aws"),
    "gcp_peer_gateway_name": (_gcp_name, "aws-tgw-peer"),
    "gcp_router_name": (_gcp_name, "cr-aws"),
    "gcp_name_prefix": (lambda n, v: as_str(n, v, re.compile(r"[a-z](?:[-a-z0-9]{0,52}[a-z0-9])?"),
                                            "a Compute name prefix of at most 54 characters (lowercase letters, "
                                            "digits, '-'; the longest suffix is -tunnel-3)"), "aws"),
    "gcp_router_asn": (lambda n, v: as_int(n, v, expected="a private ASN (64512-65534 or 4200000000-4294967294)"),
                       65000),
    "inside_cidrs": (lambda n, v: as_list(n, v, lambda n2, c: as_str(n2, c, expected="a /30 CIDR"),
                                          "four /30 CIDRs"), []),
    "pre_shared_keys": (lambda n, v: as_list(n, v, _secret, "four keys"), []),
    # CreateVpnConnection / ModifyVpnTunnelOptions PreSharedKeyStorage: Standard (the VPN service) or SecretsManager.
    "pre_shared_key_storage": (_choice(("Standard", "SecretsManager"), "where AWS keeps the keys"), "Standard"),
    "ike_versions": (_ike_versions, ["ikev2"]),
    "phase1_encryption_algorithms": (lambda n, v: _one_proposal(n, as_list(n, v, _choice(AWS_ENCRYPTION), "ciphers")),
                                     ["AES256"]),
    "phase1_integrity_algorithms": (lambda n, v: _one_proposal(n, as_list(n, v, _choice(AWS_INTEGRITY),
                                                                          "integrity algorithms")), ["SHA2-256"]),
    "phase1_dh_group_numbers": (lambda n, v: _one_proposal(n, as_list(
        n, v, _choice(tuple(g for g in AWS_PHASE1_DH if g in GCP_DH), _BOTH), "DH groups")), [14]),
    "phase2_encryption_algorithms": (lambda n, v: _one_proposal(n, as_list(n, v, _choice(AWS_ENCRYPTION), "ciphers")),
                                     ["AES256"]),
    "phase2_integrity_algorithms": (lambda n, v: _one_proposal(n, as_list(n, v, _choice(AWS_INTEGRITY),
                                                                          "integrity algorithms")), ["SHA2-256"]),
    "phase2_dh_group_numbers": (lambda n, v: _one_proposal(n, as_list(
        n, v, _choice(tuple(g for g in AWS_PHASE2_DH if g in GCP_DH), _BOTH), "DH groups")), [14]),
    # VpnTunnelOptionsSpecification: Phase1LifetimeSeconds 900-28800, Phase2LifetimeSeconds 900-3600,
    # DPDTimeoutSeconds 30 or more, DPDTimeoutAction clear | none | restart.
    "phase1_lifetime_seconds": (lambda n, v: as_int(n, v, 900, 28800), 28800),
    "phase2_lifetime_seconds": (lambda n, v: as_int(n, v, 900, 3600), 3600),
    "dpd_timeout_seconds": (lambda n, v: as_int(n, v, 30), 30),
    "dpd_timeout_action": (_choice(("clear", "none", "restart")), "restart"),
    "advertise_mode": (_choice(("DEFAULT", "CUSTOM")), "DEFAULT"),
    # RouterBgp.advertisedGroups: ALL_SUBNETS is the only value (Compute v1 reference).
    "advertised_groups": (lambda n, v: as_list(n, v, _choice(("ALL_SUBNETS",)), "advertised groups"), []),
    "advertised_ip_ranges": (lambda n, v: as_list(n, v, _cidr_item, "CIDRs or {range, description}"), []),
    "aws_wait_timeout": (lambda n, v: as_int(n, v, 1), 1800),
    "aws_poll_interval": (lambda n, v: as_number(n, v, 0.1), 15),
    "gcp_timeout": (lambda n, v: as_int(n, v, 1), 600),
    "verify_timeout": (lambda n, v: as_int(n, v, 0), 600),
    "verify_poll_interval": (lambda n, v: as_number(n, v, 0.1), 10),
}

TUNNEL_SETTINGS = ("ike_versions", "phase1_encryption_algorithms", "phase1_integrity_algorithms",
                   "phase1_dh_group_numbers", "phase2_encryption_algorithms", "phase2_integrity_algorithms",
                   "phase2_dh_group_numbers", "phase1_lifetime_seconds", "phase2_lifetime_seconds",
                   "dpd_timeout_seconds", "dpd_timeout_action")


def normalise(variables: dict) -> dict:
    """``{"hybrid_vpn_<setting>": value}`` -> the ``hybrid_vpn`` fact (settings without the prefix, typed,
    defaults filled in, plus ``tunnel_settings``, the AWS tunnel options as one dict)."""
    unknown = sorted(k for k in variables if k.startswith(PREFIX) and k[len(PREFIX):] not in SCHEMA)
    if unknown:
        raise WiringError(f"{', '.join(unknown)}: not a setting; expected one of those in docs/settings.md")
    out = {}
    for name, (read, default) in SCHEMA.items():
        value = variables.get(PREFIX + name, default)
        if value is None:
            raise WiringError(f"{PREFIX}{name}: not set; expected it in group_vars/all/hybrid_vpn.yml or -e")
        out[name] = read(name, value)
    _agreements(out)
    out["tunnel_settings"] = {k: out[k] for k in TUNNEL_SETTINGS}
    return out


def _agreements(s: dict) -> None:
    """What both clouds must agree on, each stated once here."""
    gcp_names(s["gcp_name_prefix"])
    validate_asn(s["aws_amazon_side_asn"], f"{PREFIX}aws_amazon_side_asn")
    validate_asn(s["gcp_router_asn"], f"{PREFIX}gcp_router_asn")
    # The customer gateways' ASN is the Cloud Router's (one setting); the TGW's must differ from it.
    if s["aws_amazon_side_asn"] == s["gcp_router_asn"]:
        raise WiringError(f"{PREFIX}aws_amazon_side_asn: got {s['aws_amazon_side_asn']}, expected an ASN other "
                          f"than {PREFIX}gcp_router_asn ({s['gcp_router_asn']}): the two BGP sides need "
                          "different ASNs")
    validate_tunnel_inputs(s["inside_cidrs"], s["pre_shared_keys"], s["aws_amazon_side_asn"],
                           s["gcp_router_asn"], prefix=PREFIX)
    if s["advertise_mode"] == "DEFAULT" and (s["advertised_groups"] or s["advertised_ip_ranges"]):
        raise WiringError(f"{PREFIX}advertised_groups / {PREFIX}advertised_ip_ranges: got "
                          f"{s['advertised_groups'] + [r['range'] for r in s['advertised_ip_ranges']]!r} with "
                          f"{PREFIX}advertise_mode DEFAULT, expected none, or advertise_mode CUSTOM")
