"""Serverless VPC Access v1: connectors (create/get/list/delete) and their long-running operations, served on
vpcaccess.googleapis.com from its discovery document (https://cloud.google.com/vpc/docs/reference/vpcaccess/rest).

A connector is CREATING, then READY (or ERROR when the range conflicts, as the real service finds
asynchronously), then DELETING until it is gone; its Operation is done when that settles."""

from __future__ import annotations

import ipaddress
import re
import uuid

from twin import clock
from twin.gcp import store
from twin.gcp.api import Request, handles
from twin.gcp.errors import GcpError

# Cloud seconds per phase at latency scale 1: "creating a connector takes a minute or two" (configure-serverless-
# vpc-access doc); deletion is shorter [twin estimate].
CREATE = (("CREATING", 90), ("READY", None))
FAILED = (("CREATING", 30), ("ERROR", None))
DELETE = (("DELETING", 30), ("GONE", None))
# hashicorp/terraform-provider-google #13915 (the pattern is quoted in the error).
NAME_PATTERN = r"^[a-z][-a-z0-9]{0,23}[a-z0-9]$"
# Instance bounds: min 2..9, max 3..10, max above min (https://cloud.google.com/vpc/docs/serverless-vpc-access,
# "Scaling"); throughput is 100 Mbps per e2-micro instance (steampipe-plugin-gcp #647 capture: 2/10 -> 200/1000).
MIN_INSTANCES, MAX_INSTANCES = range(2, 10), range(3, 11)
_PREFIX = "type.googleapis.com/google.cloud.vpcaccess.v1."
_KIND = "vpcaccess.connectors"


def _error(http: int, message: str) -> GcpError:
    return GcpError(http, "invalid" if http == 400 else "notFound", message)


def _project(req: Request) -> str:
    try:
        return store.project_of(req.params["projectsId"])
    except GcpError:
        # ESF answer for a project that does not exist or is not visible [wording recalled, unconfirmed].
        raise GcpError(403, "forbidden", f"Permission denied on resource project {req.params['projectsId']}.") \
            from None


def _location(req: Request) -> str:
    if req.params["locationsId"] not in store.REGIONS:
        raise GcpError(404, "notFound", f"Location {req.params['locationsId']} is not found or access is "
                       "unauthorized.")  # twin wording
    return req.params["locationsId"]


def _name(project: str, location: str, kind: str, name: str) -> str:
    return f"projects/{project}/locations/{location}/{kind}/{name}"


def _view(connector: dict) -> dict:
    state = connector["_life"].state
    if state == "GONE":
        return None
    return {**store.public(connector), "state": state}


def _lookup(req: Request) -> dict:
    project, location = _project(req), _location(req)
    connector = store.state.resources.get((_KIND, project, location, req.params["connectorsId"]))
    if connector is None or _view(connector) is None:
        # google.rpc NOT_FOUND default text (https://cloud.google.com/apis/design/errors#error_codes).
        raise _error(404, "Requested entity was not found.")
    return connector


def _conflict(project: str, location: str, body: dict) -> str | None:
    """Why the service fails the create once it runs (Operation error code 3), or None."""
    if not body.get("maxInstances") and not body.get("maxThroughput"):
        # CloudVLab/terraform-lab-foundation #494, cloud-foundation-fabric #2706.
        return "Operation failed: A Connector must specify either max_throughput or max_instances."
    low, high = body.get("minInstances", 2), body.get("maxInstances", 10)
    if low not in MIN_INSTANCES or high not in MAX_INSTANCES or high <= low:
        # magic-modules #13989 ("max needs to be greater than min", "min must be greater than or equal to 2");
        # full text twin wording.
        return (f"Operation failed: min_instances must be between 2 and 9, max_instances between 3 and 10 and "
                f"greater than min_instances (got {low} and {high}).")
    if body.get("ipCidrRange"):
        cidr = ipaddress.IPv4Network(body["ipCidrRange"])
        network = store.link(project, "global", "networks", body["network"])
        ranges = [s["ipCidrRange"] for s in store.find("subnetworks", network=network)]
        ranges += [c["ipCidrRange"] for c in store.find(_KIND, network=body["network"])
                   if c["_key"][1] == project and c.get("ipCidrRange") and c["_life"].state != "GONE"]
        if any(cidr.overlaps(ipaddress.IPv4Network(r)) for r in ranges):
            # GoogleCloudPlatform/magic-modules #8766, hashicorp/terraform-provider-google #16690.
            return ("Operation failed: Invalid IP CIDR range was provided. It conflicts with an existing "
                    "subnetwork. Please delete the connector manually.")
    return None


def _check_body(project: str, location: str, body: dict) -> dict:
    """Fields of a new connector; synchronous 400s for what the request itself gets wrong."""
    subnet = body.get("subnet")
    if subnet and body.get("ipCidrRange"):
        raise _error(400, "Only one of ip_cidr_range and subnet may be specified.")  # twin wording
    if subnet:
        owner = store.project_of(subnet.get("projectId") or project)
        shared = store.state.resources.get(("subnetworks", owner, location, subnet.get("name", "")))
        if shared is None or not shared["ipCidrRange"].endswith("/28"):
            # "The subnet must be a /28 ... in the connector's region" (configure-serverless-vpc-access); twin text.
            raise _error(400, f"Subnet {subnet.get('name')} must be an existing /28 subnetwork in {location}.")
        return {"subnet": {"name": shared["name"], "projectId": owner},
                "network": shared["network"].rsplit("/", 1)[1]}
    if not body.get("network") or not body.get("ipCidrRange"):
        raise _error(400, "Either subnet, or network and ip_cidr_range, must be specified.")  # twin wording
    if store.state.resources.get(("networks", project, "global", body["network"])) is None:
        raise _error(400, f"Network {body['network']} does not exist.")  # twin wording
    try:
        cidr = ipaddress.IPv4Network(body["ipCidrRange"])
    except ValueError:
        cidr = None
    if cidr is None or cidr.prefixlen != 28:
        # "an unreserved /28 range" (https://cloud.google.com/vpc/docs/configure-serverless-vpc-access); twin text.
        raise _error(400, f"Invalid IP CIDR range {body['ipCidrRange']}: a connector needs a /28 range.")
    return {"network": body["network"], "ipCidrRange": str(cidr)}


def _operation(project: str, location: str, verb: str, connector: dict, error: str | None = None) -> dict:
    op_id = str(uuid.uuid4())
    op = {"name": _name(project, location, "operations", op_id), "_key": ("vpcaccess.operations", project, location,
                                                                          op_id),
          "metadata": {"@type": _PREFIX + "OperationMetadata", "createTime": store.timestamp(),
                       "method": f"google.cloud.vpcaccess.v1.VpcAccessService.{verb}Connector",
                       "target": connector["name"]},
          "_connector": connector, "_error": error}
    store.state.resources[op["_key"]] = op
    return _operation_view(op)


def _operation_view(op: dict) -> dict:
    connector = op["_connector"]
    body = store.public(op)
    if not connector["_life"].settled:
        return body
    body["metadata"] = {**body["metadata"], "endTime": connector.setdefault("_end", store.timestamp())}
    if op["_error"]:
        return {**body, "done": True, "error": {"code": 3, "message": op["_error"]}}  # 3 = INVALID_ARGUMENT
    if op["metadata"]["method"].endswith("DeleteConnector"):
        return {**body, "done": True, "response": {"@type": "type.googleapis.com/google.protobuf.Empty"}}
    return {**body, "done": True, "response": {"@type": _PREFIX + "Connector", **_view(connector)}}


@handles("vpcaccess.projects.locations.connectors.create")
def create(req: Request):
    project, location = _project(req), _location(req)
    name = req.query.get("connectorId", "")
    if not re.fullmatch(NAME_PATTERN, name):
        raise _error(400, f"Connector ID must follow the pattern {NAME_PATTERN}.")
    key = (_KIND, project, location, name)
    if key in store.state.resources and _view(store.state.resources[key]) is not None:
        # google.rpc ALREADY_EXISTS default text (https://cloud.google.com/apis/design/errors#error_codes).
        raise GcpError(409, "alreadyExists", "Requested entity already exists")
    body = req.body
    fields = _check_body(project, location, body)
    error = _conflict(project, location, {**body, **fields})
    low, high = body.get("minInstances", 2), body.get("maxInstances", 10)
    connector = {"name": _name(project, location, "connectors", name), **fields,
                 "machineType": body.get("machineType", "e2-micro"), "minInstances": low, "maxInstances": high,
                 "minThroughput": low * 100, "maxThroughput": high * 100,
                 "_key": key, "_life": clock.Lifecycle(FAILED if error else CREATE, what="vpcaccess create connectors",
                                                       ident=name)}
    store.state.resources[key] = connector
    return 200, _operation(project, location, "Create", connector, error)


@handles("vpcaccess.projects.locations.connectors.get")
def get(req: Request):
    return 200, _view(_lookup(req))


@handles("vpcaccess.projects.locations.connectors.list")
def list_(req: Request):
    project, location = _project(req), _location(req)
    found = [_view(c) for (kind, p, loc, _), c in sorted(store.state.resources.items(), key=lambda kv: kv[0])
             if (kind, p, loc) == (_KIND, project, location)]
    found = [c for c in found if c]
    size = int(req.query.get("pageSize") or 100)
    start = int(req.query.get("pageToken") or 0)
    body = {"connectors": found[start:start + size]} if found[start:start + size] else {}
    if start + size < len(found):
        body["nextPageToken"] = str(start + size)
    return 200, body


@handles("vpcaccess.projects.locations.connectors.delete")
def delete(req: Request):
    connector = _lookup(req)
    if connector["_life"].state in ("CREATING", "DELETING"):
        # google.rpc FAILED_PRECONDITION while another operation runs on it [twin wording].
        raise GcpError(400, "failedPrecondition", "Operation on the connector is already in progress.",
                       status="FAILED_PRECONDITION")
    connector["_life"].restart(DELETE, what="vpcaccess delete connectors")
    connector.pop("_end", None)
    _, project, location, _ = connector["_key"]
    return 200, _operation(project, location, "Delete", connector)


@handles("vpcaccess.projects.locations.operations.get")
def get_operation(req: Request):
    project, location = _project(req), _location(req)
    op = store.state.resources.get(("vpcaccess.operations", project, location, req.params["operationsId"]))
    if op is None:
        raise _error(404, "Requested entity was not found.")
    return 200, _operation_view(op)


@handles("vpcaccess.projects.locations.operations.list")
def list_operations(req: Request):
    project, location = _project(req), _location(req)
    ops = [_operation_view(o) for (kind, p, loc, _), o in store.state.resources.items()
           if (kind, p, loc) == ("vpcaccess.operations", project, location)]
    return 200, {"operations": ops} if ops else {}
