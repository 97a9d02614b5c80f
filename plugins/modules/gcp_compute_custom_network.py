# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: gcp_compute_custom_network
short_description: A custom mode VPC network and exactly its listed subnetworks, removing only what it created
version_added: 0.2.0
description:
  - Creates the custom mode network O(name) (C(autoCreateSubnetworks=false)) when it does not exist, and each
    subnetwork of O(subnetworks) that does not exist; an existing subnetwork gets its secondary ranges
    (C(subnetworks.patch) with the subnetwork's fingerprint) and Private Google Access
    (C(subnetworks.setPrivateIpGoogleAccess)) changed in place. A primary range is never changed (that would
    mean deleting the subnetwork), so a different range is an error.
  - What this module creates carries its description (C(cloudbridge.hybrid_vpn ...)); only such a subnetwork is
    deleted when dropped from O(subnetworks), and with O(state=absent) only such subnetworks and, once no other
    subnetwork is left in it, such a network are deleted. Anything someone else made is left alone.
  - Every input is checked before any change (names, ranges, overlaps between the listed subnetworks, their
    secondary ranges and the network's other subnetworks, regions that exist, a primary range that would change,
    a name taken in that region by another network), and all problems are reported at once.
  - A network still used by something else (a firewall rule, a Cloud Router, a VPN gateway, another subnetwork)
    cannot be deleted; the API's refusal is reported.
options:
  name:
    description: Network name.
    type: str
    required: true
  subnetworks:
    description: The subnetworks of the network this module manages (others it did not create are kept).
    type: list
    elements: dict
    default: []
    suboptions:
      name:
        description: Subnetwork name (1 to 63 lower case letters, digits or hyphens, starting with a letter).
        type: str
        required: true
      region:
        description: Its region.
        type: str
        required: true
      ip_cidr_range:
        description: Primary IPv4 range, e.g. C(10.100.0.0/20). Set at creation only.
        type: str
        required: true
      secondary_ip_ranges:
        description: Secondary ranges C([{range_name, ip_cidr_range}]) (e.g. for GKE pods and services).
        type: list
        elements: dict
        default: []
        suboptions:
          range_name:
            description: Range name, unique within the subnetwork.
            type: str
            required: true
          ip_cidr_range:
            description: The range.
            type: str
            required: true
      private_ip_google_access:
        description: Whether instances without external addresses reach Google APIs (Private Google Access).
        type: bool
        default: false
  state:
    description: V(absent) deletes the subnetworks and the network this module created.
    type: str
    choices: [present, absent]
    default: present
attributes:
  check_mode:
    support: full
    description: Runs the same checks and returns the network and subnetworks as they would be.
  diff_mode:
    support: full
    description: Shows the network and each subnetwork (ranges, Private Google Access) before and after.
extends_documentation_fragment:
  - cloudbridge.hybrid_vpn.gcp
  - cloudbridge.hybrid_vpn.gcp.operation
author:
  - cloudbridge network engineering (@cloudbridge)
"""

EXAMPLES = r"""
- name: The Shared VPC host network, from nothing
  cloudbridge.hybrid_vpn.gcp_compute_custom_network:
    project: cb-net-host
    auth_kind: application
    name: vpc-hub
    subnetworks:
      - name: hub-tokyo
        region: asia-northeast1
        ip_cidr_range: 10.100.0.0/20
        private_ip_google_access: true
      - name: ml-tokyo
        region: asia-northeast1
        ip_cidr_range: 10.100.16.0/20
        secondary_ip_ranges:
          - {range_name: pods, ip_cidr_range: 10.104.0.0/14}
"""

RETURN = r"""
network:
  description: The network as the API returns it (or would, in check mode); empty when it does not exist.
  returned: always
  type: dict
subnetworks:
  description:
    - Every subnetwork of the network after the call (or as it would be), in API form (C(name), C(region),
      C(network) and C(selfLink) links, C(ipCidrRange), C(secondaryIpRanges), C(privateIpGoogleAccess),
      C(description)).
  returned: always
  type: list
  elements: dict
actions:
  description: What was (or in check mode would be) done, in order.
  returned: always
  type: list
  elements: str
  sample: [create network vpc-hub, create subnetwork asia-northeast1/hub-tokyo]
"""

import ipaddress
import re
from concurrent.futures import ThreadPoolExecutor

from ansible_collections.cloudbridge.hybrid_vpn.plugins.module_utils._gcp import (
    GcpApiError,
    GcpModule,
    global_path,
    link,
    regional_path,
)
from ansible_collections.cloudbridge.hybrid_vpn.plugins.module_utils._shared_vpc import range_overlaps

# Marks what this module created: the only network and subnetworks it ever deletes.
OWNED = "cloudbridge.hybrid_vpn: created by gcp_compute_custom_network"
# Compute resource names (RFC1035), as the API's own pattern.
NAME = re.compile(r"[a-z](?:[-a-z0-9]{0,61}[a-z0-9])?")


def key(subnet):
    """``region/name`` of a subnetwork in option or API form."""
    return f"{subnet['region'].rsplit('/', 1)[-1]}/{subnet['name']}"


def desired_subnetwork(project, network, s):
    """The subnetworks.insert body for one entry of the subnetworks option."""
    return {"name": s["name"], "network": link(global_path(project, "networks", network)),
            "region": link(f"projects/{project}/regions/{s['region']}"), "ipCidrRange": s["ip_cidr_range"],
            "secondaryIpRanges": [{"rangeName": r["range_name"], "ipCidrRange": r["ip_cidr_range"]}
                                  for r in s["secondary_ip_ranges"]],
            "privateIpGoogleAccess": s["private_ip_google_access"], "description": OWNED}


def _cidr_problem(where, value):
    try:
        ipaddress.IPv4Network(value)
    except ValueError:
        return f"{where} {value!r}: expected an IPv4 range such as 10.100.0.0/20"
    return None


def input_problems(params):
    """What is wrong with the options alone: names, ranges, duplicates, overlaps between listed subnetworks."""
    problems = [] if NAME.fullmatch(params["name"]) else [
        f"network name {params['name']!r}: expected lower case letters, digits or hyphens, starting with a letter"]
    seen, ranges = set(), []
    for s in params["subnetworks"]:
        where = f"subnetwork {s['region']}/{s['name']}"
        if not NAME.fullmatch(s["name"]):
            problems.append(f"{where}: name expected lower case letters, digits or hyphens, starting with a letter")
        if key(s) in seen:
            problems.append(f"{where}: listed twice")
        seen.add(key(s))
        own = [("ip_cidr_range", s["ip_cidr_range"])] + [(f"secondary range {r['range_name']}", r["ip_cidr_range"])
                                                         for r in s["secondary_ip_ranges"]]
        bad = [p for p in (_cidr_problem(f"{where} {what}", cidr) for what, cidr in own) if p]
        problems += bad
        names = [r["range_name"] for r in s["secondary_ip_ranges"]]
        problems += [f"{where}: secondary range name {n!r} expected lower case letters, digits or hyphens"
                     for n in names if not NAME.fullmatch(n)]
        if len(set(names)) != len(names):
            problems.append(f"{where}: secondary range names must be unique")
        if bad:
            continue
        for what, cidr in own:
            net = ipaddress.IPv4Network(cidr)
            clash = [f"{other} ({o})" for other, o in ranges if net.overlaps(o)]
            if clash:
                problems.append(f"{where} {what} {cidr}: overlaps {', '.join(clash)}")
            ranges.append((f"{key(s)} {what}", net))
    return problems


def plan_network(current, desired, network_exists):
    """The changes from the network's current subnetworks (API form, by key) to the desired ones (insert bodies,
    by key): ``(problems, creates, updates, deletes)``; ``updates`` are ``(key, fields)`` with the fields of
    each in-place change (``secondaryIpRanges`` and/or ``privateIpGoogleAccess``)."""
    problems, creates, updates = [], [], []
    deletes = sorted(k for k, s in current.items() if k not in desired and s.get("description") == OWNED)
    staying = [s for k, s in current.items() if k not in desired and k not in deletes]
    for k, want in desired.items():
        have = current.get(k)
        if have is None:
            creates.append(k)
        elif have["ipCidrRange"] != want["ipCidrRange"]:
            problems.append(f"subnetwork {k}: ip_cidr_range {want['ipCidrRange']} differs from its range "
                            f"{have['ipCidrRange']}, which cannot change in place (delete the subnetwork first)")
            continue
        else:
            fields = {f: want[f] for f in ("secondaryIpRanges", "privateIpGoogleAccess")
                      if _compared(f, have.get(f)) != _compared(f, want[f])}
            if fields:
                updates.append((k, fields))
        for cidr in [want["ipCidrRange"]] + [r["ipCidrRange"] for r in want["secondaryIpRanges"]]:
            clash = range_overlaps(cidr, staying)
            if clash:
                problems.append(f"subnetwork {k} range {cidr}: overlaps {', '.join(clash)} of the network")
    if not network_exists:
        creates.insert(0, None)
    return problems, creates, updates, deletes


def _compared(field, value):
    """A field as compared (the API omits an empty list and a false boolean)."""
    if field == "secondaryIpRanges":
        return sorted((r["rangeName"], r["ipCidrRange"]) for r in value or [])
    return bool(value)


def _view(subnets):
    return {k: {f: s.get(f) for f in ("ipCidrRange", "secondaryIpRanges", "privateIpGoogleAccess")}
            for k, s in sorted(subnets.items())}


class Network:
    """The reads and writes of one run."""

    def __init__(self, module):
        self.module = module
        self.compute = module.compute
        self.p = module.params
        self.path = global_path(self.p["project"], "networks", self.p["name"])

    def read(self):
        network = self.compute.get(self.path)
        links = (network or {}).get("subnetworks", [])
        with ThreadPoolExecutor(max_workers=max(1, len(links))) as pool:
            subnets = [s for s in pool.map(self.compute.get, links) if s]
        return network, {key(s): s for s in subnets}

    def outside_problems(self, desired, current):
        """Regions that do not exist, names taken in their region by another network."""
        problems, bad = [], set()
        for region in sorted({k.split("/")[0] for k in desired}):
            try:
                found = self.compute.get(f"projects/{self.p['project']}/regions/{region}")
            except GcpApiError as e:  # Compute answers 400 "Unknown region." for a region that does not exist
                found, problems = {}, [*problems, f"region {region}: {e.message}"]
            if found is None:
                problems.append(f"region {region}: it does not exist (HTTP 404)")
            if not found:
                bad.add(region)
        for k in desired:
            region, name = k.split("/")
            if k not in current and region not in bad:
                other = self.compute.get(regional_path(self.p["project"], region, "subnetworks", name))
                if other:
                    problems.append(f"subnetwork {k}: the name is taken by a subnetwork of network "
                                    f"{other['network'].rsplit('/', 1)[-1]}")
        return problems

    def run(self, operations):
        """Start the changes together and wait for them all."""
        self.module.wait([op() for op in operations])

    def subnet_path(self, k):
        region, name = k.split("/")
        return regional_path(self.p["project"], region, "subnetworks", name)


def main():
    module = GcpModule(
        argument_spec=dict(
            name=dict(type="str", required=True),
            subnetworks=dict(type="list", elements="dict", default=[], options=dict(
                name=dict(type="str", required=True),
                region=dict(type="str", required=True),
                ip_cidr_range=dict(type="str", required=True),
                secondary_ip_ranges=dict(type="list", elements="dict", default=[], options=dict(
                    range_name=dict(type="str", required=True),
                    ip_cidr_range=dict(type="str", required=True),
                )),
                private_ip_google_access=dict(type="bool", default=False),
            )),
            state=dict(type="str", choices=["present", "absent"], default="present"),
        ),
        supports_check_mode=True,
    )
    p = module.params
    thing = f"network {p['name']} in {p['project']}"
    problems = input_problems(p) if p["state"] == "present" else []
    if problems:
        module.fail(thing, "; ".join(problems))
    try:
        net = Network(module)
        network, current = net.read()
        if p["state"] == "absent":
            _absent(module, net, network, current)
        if network and network.get("autoCreateSubnetworks"):
            module.fail(thing, "it is an auto mode network; expected a custom mode network (autoCreateSubnetworks "
                               "false) or a network name that is free")
        desired = {key(s): desired_subnetwork(p["project"], p["name"], s) for s in p["subnetworks"]}
        problems, creates, updates, deletes = plan_network(current, desired, network is not None)
        problems += net.outside_problems(desired, current)
        if problems:
            module.fail(thing, "; ".join(problems))
        actions = ([f"create network {p['name']}"] if None in creates else []) + [
            f"delete subnetwork {k}" for k in deletes] + [
            f"create subnetwork {k}" for k in creates if k] + [
            f"update subnetwork {k} ({', '.join(f)})" for k, f in updates]
        after = {**{k: s for k, s in current.items() if k not in deletes}, **{k: desired[k] for k in creates if k},
                 **{k: {**current[k], **f} for k, f in updates}}
        extras = module.diff({"network": network and p["name"], "subnetworks": _view(current)},
                             {"network": p["name"], "subnetworks": _view(after)}) if actions else {}
        if module.check_mode or not actions:
            network = network or {"name": p["name"], "autoCreateSubnetworks": False,
                                  "selfLink": link(net.path)}
            module.exit_json(changed=bool(actions), network=network, subnetworks=list(after.values()),
                             actions=actions, **extras)
        if None in creates:
            module.wait([net.compute.mutate("POST", global_path(p["project"], "networks"), {
                "name": p["name"], "autoCreateSubnetworks": False, "description": OWNED})])
        net.run([lambda k=k: net.compute.mutate("DELETE", net.subnet_path(k)) for k in deletes])
        net.run([lambda k=k: net.compute.mutate("POST", net.subnet_path(k).rsplit("/", 1)[0], desired[k])
                 for k in creates if k])
        for k, fields in updates:
            if "secondaryIpRanges" in fields:
                net.run([lambda k=k, f=fields: net.compute.mutate("PATCH", net.subnet_path(k), {
                    "secondaryIpRanges": f["secondaryIpRanges"], "fingerprint": current[k]["fingerprint"]})])
            if "privateIpGoogleAccess" in fields:
                net.run([lambda k=k, f=fields: net.compute.mutate(
                    "POST", net.subnet_path(k) + "/setPrivateIpGoogleAccess",
                    {"privateIpGoogleAccess": f["privateIpGoogleAccess"]})])
        network, current = net.read()
    except GcpApiError as e:
        module.fail_api(e, thing)
    module.exit_json(changed=True, network=network, subnetworks=list(current.values()), actions=actions, **extras)


def _absent(module, net, network, current):
    """Delete the subnetworks this module created, then the network if it created it and nothing else is in it."""
    p = module.params
    ours = sorted(k for k, s in current.items() if s.get("description") == OWNED)
    theirs = sorted(k for k in current if k not in ours)
    drop_network = bool(network) and network.get("description") == OWNED and not theirs
    if network and network.get("description") == OWNED and theirs:
        module.warn(f"network {p['name']} kept: subnetwork(s) {', '.join(theirs)} were not created by this module")
    actions = [f"delete subnetwork {k}" for k in ours] + ([f"delete network {p['name']}"] if drop_network else [])
    if not actions:
        module.exit_json(changed=False, network=network or {}, subnetworks=list(current.values()), actions=[])
    if not module.check_mode:
        net.run([lambda k=k: net.compute.mutate("DELETE", net.subnet_path(k)) for k in ours])
        if drop_network:
            module.wait([net.compute.mutate("DELETE", net.path)])
    kept = [current[k] for k in theirs]
    module.exit_json(changed=True, network={} if drop_network else network, subnetworks=kept, actions=actions,
                     **module.diff({"network": p["name"], "subnetworks": _view(current)},
                                   {"network": None if drop_network else p["name"],
                                    "subnetworks": _view({k: current[k] for k in theirs})}))


if __name__ == "__main__":
    main()
