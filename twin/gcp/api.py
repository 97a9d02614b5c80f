"""What a handler receives, and the registry from discovery method id to handler."""

from __future__ import annotations

from dataclasses import dataclass, field

HANDLERS: dict = {}
BLOCKING: set = set()  # handlers that wait, and so run without holding the store lock


@dataclass
class Request:
    method_id: str  # discovery id, e.g. compute.vpnTunnels.insert
    params: dict  # path parameters, project already resolved to the seeded project id
    query: dict = field(default_factory=dict)
    body: dict | None = None

    @property
    def project(self) -> str:
        return self.params["project"]

    @property
    def scope(self) -> str:
        """"global" or the request's region."""
        return self.params.get("region", "global")


def handles(*method_ids: str, blocking: bool = False):
    def register(func):
        for method_id in method_ids:
            HANDLERS[method_id] = func
            if blocking:
                BLOCKING.add(method_id)
        return func

    return register


def page(req: Request, kind: str, self_link: str, items: list) -> dict:
    """A list response (``items``, ``nextPageToken``) honouring maxResults (default 500) and pageToken as the
    discovery document describes every Compute list; the page token is the offset of the next item (an
    opaque string in the real API)."""
    size = int(req.query.get("maxResults") or 500)
    start = int(req.query.get("pageToken") or 0)
    body = {"kind": kind, "id": self_link.split("/compute/v1/")[1], "selfLink": self_link}
    if items[start:start + size]:  # empty repeated fields are omitted (ProtoJSON format), so no "items" key
        body["items"] = items[start:start + size]
    if start + size < len(items):
        body["nextPageToken"] = str(start + size)
    return body
