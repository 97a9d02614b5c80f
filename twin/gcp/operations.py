"""Long-running Operations: PENDING -> RUNNING -> DONE on twin.clock.Lifecycle (api-samples.md §4.7).

Twin choice: a change is applied when its Operation is created, so the resource is readable (or gone) at
once; only the Operation's status moves with time. Errors found asynchronously (e.g. an overlapping
subnetwork range) leave nothing behind and surface in the Operation's ``error`` once it is DONE."""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass, field

from twin import clock
from twin.gcp import store
from twin.gcp.api import handles, page
from twin.gcp.errors import GcpError, not_found

# Real seconds per phase at latency scale 1 ("a few seconds" for the resources the collection uses).
PHASES = (("PENDING", 1), ("RUNNING", 4), ("DONE", None))
# operations.wait returns after at most about 2 minutes even if the operation is not DONE
# (https://cloud.google.com/compute/docs/api/how-tos/api-requests-responses#handling_api_responses).
WAIT_LIMIT = 120.0
_POLL = 0.05


@dataclass
class Operation:
    project: str
    scope: str
    name: str
    operation_type: str
    target_link: str
    target_id: str | None
    error: GcpError | None = None
    id: str = field(default_factory=store.new_id)
    insert_time: str = field(default_factory=store.timestamp)
    lifecycle: clock.Lifecycle | None = None
    times: dict = field(default_factory=dict)  # startTime / endTime, stamped when first seen

    def __post_init__(self):
        # On the timeline as "compute <method> <collection>", e.g. "compute insert vpnTunnels" (a project-level
        # call: "projects").
        collection = self.target_link.rstrip("/").split("/")[-2]
        self.lifecycle = self.lifecycle or clock.Lifecycle(PHASES, what=f"compute {self.operation_type} {collection}",
                                                           ident=self.target_link.rsplit("/", 1)[-1])

    def to_json(self) -> dict:
        status = self.lifecycle.state
        if status != "PENDING":
            self.times.setdefault("startTime", store.timestamp())
        if status == "DONE":
            self.times.setdefault("endTime", store.timestamp())
        body = {"kind": "compute#operation", "id": self.id, "name": self.name, "operationType": self.operation_type,
                "status": status, "progress": 100 if status == "DONE" else 0, "targetLink": self.target_link,
                "user": f"twin@{self.project}.iam.gserviceaccount.com", "insertTime": self.insert_time,
                **self.times, "selfLink": store.link(self.project, self.scope, "operations", self.name)}
        if self.target_id:
            body["targetId"] = self.target_id
        if self.scope != "global":
            body["region"] = store.region_link(self.project, self.scope)
        if status == "DONE" and self.error:
            body.update(self.error.operation_error())
        return body


def start(project: str, scope: str, operation_type: str, target: dict | str, error: GcpError | None = None) -> dict:
    """Record an Operation on ``target`` (a resource, or a link for project-level calls); return its JSON.
    ``operation_type`` is the method's name: discovery says "such as insert, update, or delete"; ``setLabels``
    (a vpnGateways capture) and ``patch`` (a regional 2026 capture) are observed, the XPN names are the
    twin's [unconfirmed]."""
    # operation-<epoch ms>-<hex13>-<hex8>-<hex8> (api-samples.md §4.7).
    name = f"operation-{int(time.time() * 1000)}-{secrets.token_hex(7)[:13]}-{secrets.token_hex(4)}-" \
           f"{secrets.token_hex(4)}"
    is_link = isinstance(target, str)
    op = Operation(project, scope, name, operation_type, target if is_link else target["selfLink"],
                   None if is_link else target["id"], error)
    store.state.operations[(project, scope, name)] = op
    return op.to_json()


def _lookup(req) -> Operation:
    op = store.state.operations.get((req.project, req.scope, req.params["operation"]))
    if op is None:
        raise not_found(store.path(req.project, req.scope, "operations", req.params["operation"]))
    return op


@handles("compute.globalOperations.get", "compute.regionOperations.get")
def get(req):
    return 200, _lookup(req).to_json()


@handles("compute.globalOperations.wait", "compute.regionOperations.wait", blocking=True)
def wait(req):
    # Blocks like the real wait; the phases are short and scaled, so this returns within seconds.
    op = _lookup(req)
    deadline = time.monotonic() + WAIT_LIMIT
    while not op.lifecycle.settled and time.monotonic() < deadline:
        time.sleep(_POLL)
    return 200, op.to_json()


@handles("compute.globalOperations.delete", "compute.regionOperations.delete")
def delete(req):
    op = _lookup(req)
    del store.state.operations[(op.project, op.scope, op.name)]
    return 204, None


@handles("compute.globalOperations.list", "compute.regionOperations.list")
def list_(req):
    ops = [op.to_json() for (p, s, _), op in store.state.operations.items() if (p, s) == (req.project, req.scope)]
    return 200, page(req, "compute#operationList", store.link(req.project, req.scope, "operations"), ops)
