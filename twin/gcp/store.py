"""In-memory state of the Compute twin: projects from the seed, resources, operations; ids, timestamps,
links and the parsing of resource references."""

from __future__ import annotations

import base64
import datetime
import hashlib
import ipaddress
import random
import re
import threading
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from twin.config import settings
from twin.gcp.errors import GcpError, not_found

# Responses always link with www.googleapis.com even when called on compute.googleapis.com (api-samples.md §4.1).
LINK_BASE = "https://www.googleapis.com/compute/v1/"
ACCEPTED_BASES = (LINK_BASE, "https://compute.googleapis.com/compute/v1/")

# Public regions, https://cloud.google.com/compute/docs/regions-zones (list as of 2026).
REGIONS = (
    "africa-south1", "asia-east1", "asia-east2", "asia-northeast1", "asia-northeast2", "asia-northeast3",
    "asia-south1", "asia-south2", "asia-southeast1", "asia-southeast2", "australia-southeast1",
    "australia-southeast2", "europe-central2", "europe-north1", "europe-north2", "europe-southwest1",
    "europe-west1", "europe-west10", "europe-west12", "europe-west2", "europe-west3", "europe-west4",
    "europe-west6", "europe-west8", "europe-west9", "me-central1", "me-central2", "me-west1",
    "northamerica-northeast1", "northamerica-northeast2", "northamerica-south1", "southamerica-east1",
    "southamerica-west1", "us-central1", "us-east1", "us-east4", "us-east5", "us-south1", "us-west1",
    "us-west2", "us-west3", "us-west4",
)

# Labels fingerprint of an empty label set, as every real resource shows it (api-samples.md §4.2).
EMPTY_FINGERPRINT = "42WmSpB8rSM="
# Timestamps are rendered in Google's local (Pacific) time with millis (api-samples.md §4.1).
_TZ = ZoneInfo("America/Los_Angeles")
# Documentation-free public-looking ranges for HA VPN interface addresses (real ones come from Google's pools).
_GATEWAY_POOLS = (ipaddress.ip_network("35.242.0.0/16"), ipaddress.ip_network("35.220.0.0/16"))


@dataclass
class Project:
    id: str
    number: str
    xpn_host: bool = False
    host: str | None = None  # host project id while attached as a Shared VPC service project
    # Project IAM policy (Cloud Resource Manager). A real project always has an owner: the twin's own account.
    iam: dict = field(default_factory=dict)
    metadata: list = field(default_factory=list)  # commonInstanceMetadata items ({key, value})


@dataclass
class State:
    projects: dict = field(default_factory=dict)
    # (collection, project, scope, name) -> resource JSON; scope is "global" or a region name.
    # Keys starting with "_" hold twin-private data (shared secrets, IAM policies) and are never returned.
    resources: dict = field(default_factory=dict)
    operations: dict = field(default_factory=dict)  # (project, scope, name) -> Operation
    next_ip: int = 10
    lock: threading.RLock = field(default_factory=threading.RLock)


state = State()


def new_id() -> str:
    # uint64 ids rendered as decimal strings (api-samples.md §4.1).
    return str(random.randint(10**18, 2**63 - 1))


def timestamp() -> str:
    return datetime.datetime.now(_TZ).isoformat(timespec="milliseconds")


def fingerprint(data) -> str:
    if not data:
        return EMPTY_FINGERPRINT
    digest = hashlib.sha256(repr(sorted(data.items()) if isinstance(data, dict) else data).encode()).digest()
    return base64.b64encode(digest[:8]).decode()


def next_gateway_ip() -> str:
    state.next_ip += 1
    pool = _GATEWAY_POOLS[state.next_ip % 2]
    return str(pool[state.next_ip])


def path(project: str, scope: str, collection: str, name: str | None = None) -> str:
    where = "global" if scope == "global" else f"regions/{scope}"
    return f"projects/{project}/{where}/{collection}" + (f"/{name}" if name else "")


def link(project: str, scope: str, collection: str, name: str | None = None) -> str:
    return LINK_BASE + path(project, scope, collection, name)


def region_link(project: str, region: str) -> str:
    return f"{LINK_BASE}projects/{project}/regions/{region}"


def project_of(ref: str) -> str:
    """Seeded project id for a project id or number (the discovery ``project`` parameter pattern admits
    both); any other project is 404 "The resource 'projects/x' was not found", as a real call naming an
    unknown project answers (googleapi "Error 404: The resource 'projects/xxxxxxxx' was not found" in
    public troubleshooting notes)."""
    for project in state.projects.values():
        if ref in (project.id, project.number):
            return project.id
    raise not_found(f"projects/{ref}")


def check_region(region: str) -> str:
    if region not in REGIONS:
        # googleapis/nodejs-compute #390: 400 "Unknown region." for any call naming a region that does not exist.
        raise GcpError(400, "invalid", f"Invalid value for field 'region': '{region}'. Unknown region.")
    return region


_REF = re.compile(r"projects/(?P<project>[^/]+)/(?:global|regions/(?P<region>[^/]+))/"
                  r"(?P<collection>[^/]+)/(?P<name>[^/]+)")


def parse_ref(value: str, field_name: str, collection: str, project: str):
    """Key of the resource a reference field names. Accepts full URLs on either API host and the partial
    forms ``projects/P/...``, ``global/...`` and ``regions/R/...`` (resolved against the request's project).
    The discovery document lists these forms for Firewall.network and NetworkInterface.network ("a full or
    partial URL"); applying them to every reference field is the twin's generalisation [unconfirmed]."""
    rel = next((value[len(base):] for base in ACCEPTED_BASES if value.startswith(base)), value)
    if rel.startswith(("global/", "regions/")):
        rel = f"projects/{project}/{rel}"
    match = _REF.fullmatch(rel)
    if not match or match["collection"] != collection:
        # Compute's reference check, two spaces included (hashicorp/terraform #3226).
        raise GcpError(400, "invalid", f"Invalid value for field '{field_name}': '{value}'.  The URL is malformed.")
    scope = match["region"] or "global"
    if scope != "global":
        check_region(scope)
    return collection, project_of(match["project"]), scope, match["name"]


def get(key) -> dict:
    resource = state.resources.get(key)
    if resource is None:
        raise not_found(path(*key[1:3], key[0], key[3]))
    return resource


def public(resource: dict) -> dict:
    return {k: v for k, v in resource.items() if not k.startswith("_")}


def find(collection: str, **where) -> list[dict]:
    """Stored resources of a collection whose fields equal ``where`` (reference fields compared as links)."""
    return [r for (c, *_), r in state.resources.items()
            if c == collection and all(r.get(k) == v for k, v in where.items())]


def users_of(self_link: str) -> list[dict]:
    """Resources whose reference fields point at ``self_link``; the ones that block its deletion."""
    return [r for r in state.resources.values()
            if self_link in (r.get("network"), r.get("router"), r.get("vpnGateway"), r.get("peerExternalGateway"))]


def new_resource(key: tuple, kind: str, fields: dict) -> dict:
    """Store a resource under ``key`` with the server-set fields every Compute resource has."""
    collection, project, scope, name = key
    resource = {"kind": f"compute#{kind}", "id": new_id(), "creationTimestamp": timestamp(), **fields, "name": name,
                "selfLink": link(project, scope, collection, name), "_key": key}
    if scope != "global":
        resource["region"] = region_link(project, scope)
    state.resources[key] = resource
    return resource


def reset() -> None:
    """Empty every store and re-apply ``settings.seed["gcp"]``: projects and the host's networks."""
    from twin.gcp import resources  # the seed builds resources the same way the API does

    with state.lock:
        state.projects.clear()
        state.resources.clear()
        state.operations.clear()
        state.next_ip = 10
        for spec in settings.seed.get("gcp", {}).get("projects", []):
            owner = {"role": "roles/owner", "members": [f"serviceAccount:twin@{spec['id']}.iam.gserviceaccount.com"]}
            state.projects[spec["id"]] = Project(spec["id"], str(spec["number"]),
                                                 iam={"version": 1, "bindings": [owner], "etag": "BwAAAAAAAAA="})
            for net in spec.get("networks", []):
                resources.seed_network(spec["id"], net)
