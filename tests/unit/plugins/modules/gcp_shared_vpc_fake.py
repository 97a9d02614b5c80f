"""An in-memory Compute (projects, XPN, subnetwork IAM, metadata), Resource Manager (project IAM) and
Serverless VPC Access (connectors) behind one requests-like session (unit tests only).

Operations finish at once. ``stale`` counts setIamPolicy calls to answer 409 ABORTED before accepting."""

from __future__ import annotations

import json
from unittest import mock

import pytest
from unit.plugins.modules.gcp_compute_fake import Response, error

from ansible_collections.cloudbridge.hybrid_vpn.plugins.module_utils import _gcp

HOST = "p"
SUBNET = f"projects/{HOST}/regions/r/subnetworks/s1"


class FakeGoogle:
    def __init__(self):
        self.projects = {HOST: {"xpn": False, "host": "", "iam": {"etag": "e0", "bindings": []}},
                         "svc1": {"xpn": False, "host": "", "iam": {"etag": "e0"}},
                         "svc2": {"xpn": False, "host": "", "iam": {"etag": "e0"}}}
        self.metadata = {"fingerprint": "f0", "items": [{"key": "other", "value": "kept"}]}
        self.subnets = {SUBNET: {"name": "s1", "ipCidrRange": "10.0.0.0/24", "iam": {"etag": "ACAB"}}}
        self.connectors = {}
        self.calls = []
        self.stale = 0
        self.version = 0

    def writes(self):
        return [(m, u) for m, u in self.calls if m != "GET" and "getIamPolicy" not in u and not u.endswith("/wait")]

    def request(self, method, url, json=None, params=None, timeout=None):
        self.calls.append((method, url.split("googleapis.com/", 1)[1]))
        for base, handler in ((_gcp.COMPUTE_URL, self._compute), (_gcp.CRM_URL, self._crm),
                              (_gcp.VPCACCESS_URL, self._vpcaccess)):
            if url.startswith(base):
                return handler(method, url[len(base):], json or {}, params or {})
        raise AssertionError(url)

    def _op(self):
        return Response(200, {"name": "op", "status": "DONE",
                              "selfLink": f"{_gcp.LINK_URL}projects/{HOST}/global/operations/op"})

    def _set_policy(self, holder, body):
        if self.stale:
            self.stale -= 1
            holder["iam"]["etag"] += "x"  # someone else wrote meanwhile
        if body["policy"].get("etag") != holder["iam"]["etag"]:
            return Response(409, {"error": {"code": 409, "status": "ABORTED", "message": "There were concurrent "
                                            "policy changes."}})
        self.version += 1
        holder["iam"] = {**body["policy"], "etag": f"e{self.version}"}
        return Response(200, holder["iam"])

    def _compute(self, method, path, body, params):
        if path.endswith("/wait"):
            return Response(200, {"status": "DONE"})
        if path in self.subnets:
            return Response(200, {k: v for k, v in self.subnets[path].items() if k != "iam"})
        if path.startswith(SUBNET.rsplit("/", 1)[0]):
            subnet, _unused, verb = path.rpartition("/")
            if subnet not in self.subnets:
                return error(404, f"The resource '{subnet}' was not found", "notFound")
            if verb == "getIamPolicy":
                return Response(200, self.subnets[subnet]["iam"])
            return self._set_policy(self.subnets[subnet], body)
        if path == f"projects/{HOST}/global/networks/vpc":
            return Response(200, {"name": "vpc", "subnetworks": [_gcp.LINK_URL + s for s in self.subnets]})
        parts = path.split("/")
        project = self.projects.get(parts[1])
        if project is None:
            return error(404, f"The resource 'projects/{parts[1]}' was not found", "notFound")
        verb = parts[2] if len(parts) > 2 else None
        if verb is None:
            return Response(200, {"name": parts[1], "xpnProjectStatus": "HOST" if project["xpn"] else "X",
                                  "commonInstanceMetadata": self.metadata if parts[1] == HOST else {}})
        if verb == "getXpnHost":
            return Response(200, {"name": project["host"]} if project["host"] else {})
        if verb == "getXpnResources":
            attached = sorted(n for n, q in self.projects.items() if q["host"] == parts[1])
            return Response(200, {"resources": [{"id": n, "type": "PROJECT"} for n in attached]})
        if verb in ("enableXpnHost", "disableXpnHost"):
            project["xpn"] = verb == "enableXpnHost"
        elif verb in ("enableXpnResource", "disableXpnResource"):
            self.projects[body["xpnResource"]["id"]]["host"] = parts[1] if verb == "enableXpnResource" else ""
        elif verb == "setCommonInstanceMetadata":
            assert body["fingerprint"] == self.metadata["fingerprint"]
            self.version += 1
            self.metadata = {"fingerprint": f"f{self.version}", "items": body["items"]}
        return self._op()

    def _crm(self, method, path, body, params):
        name, _unused, verb = path.partition(":")
        project = self.projects.get(name.split("/")[1])
        if project is None:
            return Response(403, {"error": {"code": 403, "message": "The caller does not have permission",
                                            "status": "PERMISSION_DENIED"}})
        return Response(200, project["iam"]) if verb == "getIamPolicy" else self._set_policy(project, body)

    def _vpcaccess(self, method, path, body, params):
        done = {"name": "ops/1", "done": True}
        if method == "POST":
            name = f"{path}/{params['connectorId']}"
            self.connectors[name] = {"name": name, **body, "state": "READY"}
            return Response(200, {"name": "ops/1"})
        if path == "ops/1":
            return Response(200, done)
        if path not in self.connectors:
            return Response(404, {"error": {"code": 404, "message": "Requested entity was not found.",
                                            "status": "NOT_FOUND"}})
        if method == "DELETE":
            del self.connectors[path]
        elif method == "PATCH":
            self.connectors[path].update(body)
            return Response(200, done)
        else:
            return Response(200, self.connectors[path])
        return Response(200, done)


@pytest.fixture
def google():
    fake = FakeGoogle()
    with mock.patch.object(_gcp, "AuthorizedSession", lambda creds: fake):
        yield fake


def record(fake):
    return json.loads(next(i["value"] for i in fake.metadata["items"] if i["key"] == "cloudbridge-iam-grants"))
