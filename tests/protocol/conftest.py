"""The protocol tier runs ``playbooks/site.yml`` once per test module on the shared twin (tests/conftest.py),
reads back what it configured and brings it up with strongSwan and FRR in two network namespaces.

It needs root, /dev/net/tun, a usable ``ip netns`` and the Debian packages strongswan-charon,
strongswan-swanctl, libcharon-extra-plugins and frr (``.ci/run`` installs them); without them every test
is skipped with the reason. The states strongSwan and FRR reported last are printed after the run.
"""

from __future__ import annotations

import time

import boto3
import google.oauth2.credentials
import pytest
from google.auth.transport.requests import AuthorizedSession

from protocol import lab as lab_module
from protocol import readback
from protocol.driver import REPORT, forget, playbook, sandbox

REASON = lab_module.missing()


def pytest_collection_modifyitems(items):
    """Skip what needs the daemons (the ``lab`` fixture) where they cannot run; the pure tests still run."""
    if REASON:
        for item in items:
            if "tests/protocol/" in str(item.fspath) and "lab" in getattr(item, "fixturenames", ()):
                item.add_marker(pytest.mark.skip(reason=f"protocol tier skipped: {REASON}"))


def pytest_terminal_summary(terminalreporter):
    if REPORT:
        terminalreporter.section("protocol tier: IKE SA / CHILD SA / BGP as strongSwan and FRR report them "
                                 "(GCP side/AWS side)")
        for line in REPORT:
            terminalreporter.write_line(line)


@pytest.fixture(scope="module")
def gcp(twin):
    return AuthorizedSession(google.oauth2.credentials.Credentials(twin.env["GCP_ACCESS_TOKEN"]))


@pytest.fixture(scope="module")
def ec2(twin):
    return boto3.session.Session().client("ec2")


@pytest.fixture(scope="module")
def site(twin, admin, tmp_path_factory) -> float:
    """The twin back to its seed, then site.yml as an operator runs it; returns its duration."""
    admin.reset()
    begin = time.monotonic()
    stats = playbook(tmp_path_factory.mktemp("site"), "site.yml")
    assert all(failures == 0 for failures, _ in stats.values()), stats
    return time.monotonic() - begin


@pytest.fixture(scope="module")
def read(site, ec2, gcp):
    """A function reading both clouds back (again after a test changed one of them)."""
    settings = sandbox()

    def read_back(known: readback.Config | None = None, cache: dict | None = None) -> readback.Config:
        return readback.read(ec2, gcp, settings["gcp_project"], settings["gcp_region"],
                             tgw_name=settings["name"], known=known, cache=cache)

    return read_back


@pytest.fixture(scope="module")
def config(read) -> readback.Config:
    return read()


@pytest.fixture(scope="module")
def lab(config, site, twin):
    lab = lab_module.Lab()
    try:
        seconds = lab.start(config)
        REPORT.append(f"site.yml {site:.1f} s; namespaces, charons and bgpds up to 4 IKE/CHILD SAs and "
                      f"4 BGP sessions Established in {seconds:.2f} s")
        yield lab
    finally:
        lab.close()
        forget(twin.admin_url)
