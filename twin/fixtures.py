"""Fixtures shared by every test that drives the local cloud twin with ordinary clients.

- ``twin`` (session): a twin process of its own on free ports and in a temporary state dir, so it
  never clashes with a ``make twin-up`` one; its env is applied to ``os.environ`` for the session,
  so boto3, requests and httplib2 find it by themselves. ``.env``, ``.admin_url``, ``.state_dir``.
- ``admin``: ``calls()``, ``clear_calls()``, ``config(**changes)``, ``reset()`` on ``/_twin/*``.
- Each suite decides when to go back to the seed state (``admin.reset()``): the twin's own tests
  before every test, the integration tests before every module.
- ``ec2``, ``ram``, ``sts``: boto3 clients; ``compute``: googleapiclient's Compute v1 client built
  from the discovery document shipped in the package, on its default endpoint, through the proxy.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import boto3
import google.oauth2.credentials
import httplib2
import pytest
import requests
from googleapiclient import discovery

from twin import __main__ as control


@dataclass
class Twin:
    state_dir: Path
    env: dict

    @property
    def admin_url(self) -> str:
        return self.env["TWIN_ADMIN_URL"]


class Admin:
    def __init__(self, url: str):
        self.url = url
        self.http = requests.Session()
        self.http.trust_env = False  # straight to 127.0.0.1, never through the proxy

    def _call(self, method: str, path: str, body: dict | None = None) -> dict:
        response = self.http.request(method, f"{self.url}/_twin/{path}", json=body, timeout=30)
        response.raise_for_status()
        return response.json()

    def calls(self) -> dict:
        """{"aws": {"ec2:DescribeVpcs": n, ...}, "gcp": {"compute.networks.list": n, ...}, "faults": {...}}"""
        return self._call("GET", "calls")

    def clear_calls(self) -> dict:
        return self._call("DELETE", "calls")

    def config(self, **changes) -> dict:
        """Read the run-time config, or change some of latency_scale, fault_rate, fault_seed."""
        return self._call("POST", "config", changes) if changes else self._call("GET", "config")

    def reset(self) -> dict:
        return self._call("POST", "reset")

    def permissions(self, allowed: dict | None = None) -> dict:
        """Enforce ``{identity: [permission, ...]}`` (twin/permissions.py); with no argument, read the sets and what
        each identity used."""
        return self._call("POST", "permissions", {"allowed": allowed}) if allowed is not None else self._call(
            "GET", "permissions")

    def timeline(self, clear: bool = False) -> list:
        """The waits calls began (twin.clock.timeline), in call order; ``clear``: forget them."""
        return self._call("DELETE" if clear else "GET", "timeline")

    def arm_trap(self, action: str, nth: int = 1) -> dict:
        """Hold back the answer to the ``nth`` call of ``action`` (twin/admin.py), e.g. to interrupt a run there."""
        return self._call("POST", "trap", {"action": action, "nth": nth})

    def wait_trap(self, timeout: float) -> dict:
        """The armed trap after waiting up to ``timeout`` seconds for it to spring: {action, nth, seen, sprung}."""
        response = self.http.get(f"{self.url}/_twin/trap", params={"timeout": timeout}, timeout=timeout + 30)
        response.raise_for_status()
        return response.json()

    def disarm_trap(self) -> dict:
        return self._call("DELETE", "trap")

    def observe(self, tunnels=(), sessions=()) -> dict:
        """Replace the states real peers observed (twin/admin.py): ``sessions`` = [(router_ip, aws_ip, bgp_state)];
        with no argument, forget them all."""
        return self._call("POST", "observed", {"tunnels": list(tunnels), "sessions": list(sessions)})


@pytest.fixture(scope="session")
def twin(tmp_path_factory):
    state_dir = tmp_path_factory.mktemp("twin")
    try:
        env = control.up(state_dir, control.free_ports())
        with pytest.MonkeyPatch.context() as patch:
            for name, value in env.items():
                patch.setenv(name, value)
            # httplib2 reads HTTPLIB2_CA_CERTS once, at import, and this process imported it before the twin existed.
            patch.setattr(httplib2, "CA_CERTS", env["HTTPLIB2_CA_CERTS"])
            yield Twin(state_dir, env)
    finally:
        control.stop(state_dir)


@pytest.fixture(scope="session")
def admin(twin) -> Admin:
    return Admin(twin.admin_url)


def _aws_client(service: str):
    # A new session per client: boto3's default session would keep whatever it resolved first.
    return boto3.session.Session().client(service)


@pytest.fixture
def ec2(twin):
    return _aws_client("ec2")


@pytest.fixture
def ram(twin):
    return _aws_client("ram")


@pytest.fixture
def sts(twin):
    return _aws_client("sts")


@pytest.fixture(scope="session")
def compute(twin):
    # Built once: parsing the discovery document costs a second or two, and the client holds no state.
    credentials = google.oauth2.credentials.Credentials(twin.env["GCP_ACCESS_TOKEN"])
    return discovery.build("compute", "v1", credentials=credentials, cache_discovery=False)
