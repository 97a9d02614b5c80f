# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure Shared VPC rules shared by the modules and the gcp_shared_vpc role's filters: principal and connector
checks, the grants computed from the service projects, and the ranges the Cloud Router advertises for them.
Internal use only: no compatibility promise."""

from __future__ import annotations

import ipaddress
import re

# Principals of an allow policy the role grants (https://cloud.google.com/iam/docs/principal-identifiers).
MEMBER = re.compile(r"(user|serviceAccount|group):[^@\s:]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+"
                    r"|domain:[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+")
MEMBER_EXPECTED = "expected user:EMAIL, serviceAccount:EMAIL, group:EMAIL or domain:DOMAIN"
# Serverless VPC Access connector ids (the API quotes this pattern when it refuses one).
CONNECTOR_NAME = re.compile(r"[a-z][-a-z0-9]{0,23}[a-z0-9]")


def member_problems(where, members):
    return [f"member {m!r} of {where}: {MEMBER_EXPECTED}" for m in members if not MEMBER.fullmatch(str(m))]


def range_overlaps(cidr, subnetworks):
    """``name (range)`` of each subnetwork whose primary or secondary ranges ``cidr`` overlaps."""
    net = ipaddress.IPv4Network(cidr)
    clashes = []
    for subnet in subnetworks:
        ranges = [subnet["ipCidrRange"]] + [r["ipCidrRange"] for r in subnet.get("secondaryIpRanges", [])]
        if any(net.overlaps(ipaddress.IPv4Network(r)) for r in ranges):
            clashes.append(f"{subnet['name']} ({subnet['ipCidrRange']})")
    return clashes


def connector_problems(connector, where):
    """What is wrong with one connector's settings alone."""
    problems = []
    name, cidr, subnet = connector.get("name", ""), connector.get("ip_cidr_range"), connector.get("subnet")
    if not CONNECTOR_NAME.fullmatch(name or ""):
        problems.append(f"{where} name {name!r}: expected 2 to 25 lower case letters, digits or hyphens, starting "
                        "with a letter and not ending with a hyphen")
    if bool(subnet) == bool(cidr):
        problems.append(f"{where}: give either ip_cidr_range or subnet")
    if cidr:
        try:
            if ipaddress.IPv4Network(cidr).prefixlen != 28:
                raise ValueError
        except ValueError:
            problems.append(f"{where} ip_cidr_range {cidr!r}: expected a /28 range such as 10.8.0.0/28")
    low, high = int(connector.get("min_instances", 2)), int(connector.get("max_instances", 3))
    if not 2 <= low <= 9:
        problems.append(f"{where} min_instances {low}: expected 2 to 9")
    if not 3 <= high <= 10 or high <= low:
        problems.append(f"{where} max_instances {high}: expected 3 to 10 and above min_instances")
    return problems


def firewall_problems(firewall, aws_ranges):
    """What is wrong with the firewall setting and the AWS ranges it admits."""
    problems = []
    if firewall and not firewall.get("allowed"):
        problems.append("gcp_shared_vpc_firewall: needs allowed ([{ip_protocol, ports}])")
    for cidr in aws_ranges:
        try:
            ipaddress.IPv4Network(cidr)
        except ValueError:
            problems.append(f"gcp_shared_vpc_aws_ranges: {cidr!r} is not an IPv4 CIDR such as 10.20.0.0/16")
    return problems


def plan(service_projects, subnetworks, found, connectors, access_level, default_region, firewall=None,
         aws_ranges=(), recorded_connectors=()):
    """What the role grants, from its inputs and the subnetworks read from the host network.

    ``found`` lists the host network's subnetworks (API form) in the regions the inputs name. Returns
    ``{service_projects, subnetworks: [{name, region, ip_cidr_range, members}], subnetwork_grants: [{name,
    region, members}] (the gcp_iam_member_grants option), project_members, connector_members, connectors,
    dropped_connectors, problems}``; ``dropped_connectors`` are the ``recorded_connectors`` (``[{name, region}]``,
    the ones the role created) no longer listed; ``problems`` lists every bad input, each naming its setting (the
    role fails on any).
    """
    problems, shared = [], []
    by_key = {(s["region"].rsplit("/", 1)[-1], s["name"]): s for s in found}
    for s in subnetworks:
        region = s.get("region") or default_region
        subnet = by_key.get((region, s.get("name")))
        if subnet is None:
            problems.append(f"gcp_shared_vpc_subnetworks: subnetwork {s.get('name')!r} not found in region {region} "
                            "of the host network (expected an existing subnetwork of that network and region)")
        else:
            shared.append({"name": s["name"], "region": region, "ip_cidr_range": subnet["ipCidrRange"],
                           "members": set()})
    names = [s["name"] for s in shared]
    ids, project_members, connector_members = [], set(), set()
    for n, svc in enumerate(service_projects):
        where = f"gcp_shared_vpc_service_projects[{n}]"
        if not svc.get("project"):
            problems.append(f"{where}: needs project (the service project id)")
            continue
        where = f"gcp_shared_vpc_service_projects[{svc['project']}]"
        if svc["project"] in ids:
            problems.append(f"{where}: listed twice")
        ids.append(svc["project"])
        members = list(svc.get("members") or [])
        problems += member_problems(f"{where}.members", members)
        problems += member_problems(f"{where}.connector_members", svc.get("connector_members") or [])
        unknown = [x for x in svc.get("subnetworks") or [] if x not in names]
        if unknown:
            problems.append(f"{where}.subnetworks: {', '.join(unknown)} not in gcp_shared_vpc_subnetworks "
                            f"({', '.join(names) or 'none'})")
        wanted = svc.get("subnetworks") or names
        for s in shared:
            if s["name"] in wanted and access_level == "subnet":
                s["members"] |= set(members)
        if access_level == "project":
            project_members |= set(members)
        connector_members |= set(svc.get("connector_members") or [])
    cidrs = []
    for n, c in enumerate(connectors):
        where = f"gcp_shared_vpc_connectors[{c.get('name', n)}]"
        found_problems = connector_problems(c, where)
        problems += found_problems
        if found_problems or not c.get("ip_cidr_range"):
            continue
        clashes = range_overlaps(c["ip_cidr_range"], found) + [
            f"connector {other} ({cidr})" for other, cidr in cidrs
            if ipaddress.IPv4Network(cidr).overlaps(ipaddress.IPv4Network(c["ip_cidr_range"]))]
        if clashes:
            problems.append(f"{where} ip_cidr_range {c['ip_cidr_range']}: overlaps {', '.join(clashes)}")
        cidrs.append((c["name"], c["ip_cidr_range"]))
    problems += firewall_problems(firewall, aws_ranges)
    return {
        "problems": problems,
        "service_projects": sorted(ids),
        "subnetworks": [dict(s, members=sorted(s["members"])) for s in shared],
        "subnetwork_grants": [{"name": s["name"], "region": s["region"], "members": sorted(s["members"])}
                              for s in shared],
        "project_members": sorted(project_members),
        "connector_members": sorted(connector_members),
        "connectors": [_connector_view(c, default_region, by_key) for c in connectors],
        "dropped_connectors": dropped_connectors(recorded_connectors, connectors, default_region),
    }


def dropped_connectors(recorded, connectors, default_region):
    """``[{name, region}]`` of the recorded connectors that ``connectors`` no longer lists."""
    listed = {(c.get("name"), c.get("region") or default_region) for c in connectors}
    return [{"name": r["name"], "region": r["region"]} for r in recorded if (r["name"], r["region"]) not in listed]


def _connector_view(connector, default_region, by_key):
    region = connector.get("region") or default_region
    subnet = by_key.get((region, (connector.get("subnet") or {}).get("name")))
    cidr = connector.get("ip_cidr_range") or (subnet or {}).get("ipCidrRange")
    return dict(connector, region=region, ip_cidr_range=cidr)


def connector_facts(connectors, results):
    """``[{name, region, ip_cidr_range, state}]`` from the planned connectors and the connector module's results
    (same order); the state is None when unknown (check mode before creation)."""
    return [{"name": c["name"], "region": c["region"], "ip_cidr_range": c.get("ip_cidr_range"),
             "state": (r.get("connector") or {}).get("state")} for c, r in zip(connectors, results, strict=True)]


def advertised_ranges(shared_vpc):
    """``[{range, description}]`` for a Cloud Router's CUSTOM advertisement: the shared subnetworks and the
    connector ranges of a ``gcp_shared_vpc`` fact (a range listed twice is advertised once)."""
    ranges = {}
    for s in shared_vpc.get("subnetworks", []):
        ranges.setdefault(s["ip_cidr_range"], f"shared subnetwork {s['name']} ({s['region']})")
    for c in shared_vpc.get("connectors", []):
        if c.get("ip_cidr_range"):
            ranges.setdefault(c["ip_cidr_range"], f"Serverless VPC Access connector {c['name']} ({c['region']})")
    return [{"range": r, "description": d} for r, d in ranges.items()]
