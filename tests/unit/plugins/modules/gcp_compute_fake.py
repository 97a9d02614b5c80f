"""An in-memory Compute v1 behind a requests-like session, and a runner for module main() (unit tests only).

Operations finish at once; links use www.googleapis.com as the real API does.
"""

from __future__ import annotations

import json
from unittest import mock

import pytest
from ansible.module_utils.testing import patch_module_args

from ansible_collections.cloudbridge.hybrid_vpn.plugins.module_utils import _gcp

BASE = _gcp.COMPUTE_URL
COLLECTIONS = ("vpnGateways", "externalVpnGateways", "vpnTunnels", "routers", "subnetworks", "firewalls")
AUTH = {"project": "p", "auth_kind": "accesstoken", "access_token": "unit-test-token"}


class Response:
    def __init__(self, status, body=None, headers=None):
        self.status_code = status
        self.headers = headers or {}
        self.reason = "reason"
        self.content = json.dumps(body).encode() if body is not None else b""
        self.text = self.content.decode()
        self._body = body

    def json(self):
        if self._body is None:
            raise ValueError("no body")
        return self._body


def error(status, message, reason="invalid"):
    return Response(status, {"error": {"code": status, "message": message, "errors": [{"reason": reason}]}})


class FakeCompute:
    """Resources by path; ``calls`` records (method, path) of every request; ``script`` queues canned answers
    (a Response, or an exception to raise as the transport would)."""

    def __init__(self):
        self.store = {}
        self.calls = []
        self.script = []
        self.router_status = {}

    def add(self, path, **body):
        body.setdefault("name", path.rsplit("/", 1)[1])
        body.setdefault("labelFingerprint", "fp0")
        body["selfLink"] = _gcp.LINK_URL + path
        self.store[path] = body
        return body

    def mutations(self):
        return [(m, p) for m, p in self.calls if m != "GET" and not p.endswith("/wait")]

    def request(self, method, url, json=None, params=None, timeout=None):
        path = url[len(BASE) :]
        self.calls.append((method, path))
        if self.script:
            answer = self.script.pop(0)
            if isinstance(answer, Exception):
                raise answer
            return answer
        return getattr(self, "_" + method.lower())(path, json)

    def _op(self, path):
        return Response(200, {"name": "op", "status": "DONE", "selfLink": _gcp.LINK_URL + path + "/operations/op"})

    def _get(self, path, _body):
        if path.endswith("/getRouterStatus"):
            router = path.rsplit("/", 1)[0]
            if router not in self.store:
                return error(404, f"The resource '{router}' was not found", "notFound")
            return Response(200, {"result": self.router_status})
        if path in self.store and "/global/networks/" in path:  # a network lists its subnetworks' links
            subnets = [v["selfLink"] for v in self.store.values() if v.get("network", "").endswith(path)]
            return Response(200, dict(self.store[path], **({"subnetworks": subnets} if subnets else {})))
        if path in self.store:
            return Response(200, self.store[path])
        if path.rsplit("/", 1)[1] in COLLECTIONS:
            return Response(200, {"items": [v for k, v in self.store.items() if k.rsplit("/", 1)[0] == path]})
        return error(404, f"The resource '{path}' was not found", "notFound")

    def _post(self, path, body):
        if path.endswith("/wait"):
            return Response(200, {"status": "DONE"})
        if path.endswith("/setPrivateIpGoogleAccess"):
            target = path.rsplit("/", 1)[0]
            self.store[target]["privateIpGoogleAccess"] = body["privateIpGoogleAccess"]
            return self._op(target)
        if path.endswith("/setLabels"):
            target = path.rsplit("/", 1)[0]
            self.store[target]["labels"] = body["labels"]
            return self._op(target)
        target = f"{path}/{body['name']}"
        if target in self.store:
            return error(409, f"The resource '{target}' already exists", "alreadyExists")
        self.add(target, **body)
        return self._op(target)

    def _patch(self, path, body):
        self.store[path].update(body)
        return self._op(path)

    def _delete(self, path, _body):
        self.store.pop(path)
        return self._op(path)


@pytest.fixture
def compute():
    fake = FakeCompute()
    with mock.patch.object(_gcp, "AuthorizedSession", lambda creds: fake):
        yield fake


def run_module(module, args, check=False, diff=False):
    """Run ``module.main()`` with ``args`` (plus AUTH); return its JSON result."""
    extra = {"_ansible_check_mode": check, "_ansible_diff": diff}
    with patch_module_args(dict(AUTH, **args, **extra)), pytest.raises(SystemExit), mock.patch("sys.stdout") as out:
        module.main()
    return json.loads("".join(c.args[0] for c in out.write.call_args_list))
