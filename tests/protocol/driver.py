"""The protocol tier's driver: read back what ``playbooks/site.yml`` configured on the twin (readback.py),
bring it up with strongSwan and FRR (lab.py), and feed what they negotiated back to the twin, so that the
collection's own verify reports real negotiation (``POST /_twin/observed``, twin/admin.py)."""

from __future__ import annotations

import contextlib
import threading
import time

import requests
import yaml
from integration.ansible_run import ROOT, run_playbook

from protocol.lab import Lab, TunnelState
from protocol.readback import Config

INVENTORY = ROOT / "inventories/sandbox"
FAST_VERIFY = {"hybrid_vpn_verify_poll_interval": 1, "hybrid_vpn_aws_poll_interval": 1}
# Lines for the terminal summary (tests/protocol/conftest.py): the states each test saw, the figures measured.
REPORT: list[str] = []


def playbook(tmp_path, name: str, **extra) -> dict:
    """Run one of the collection's playbooks on the sandbox inventory; {host: (failures, changed)}, and under
    "failed" the messages of the tasks that failed."""
    report = run_playbook(ROOT / "playbooks" / name, tmp_path=tmp_path, inventory=str(INVENTORY),
                          extra_vars={**FAST_VERIFY, **extra})
    stats = {host: (s["failures"], s["changed"]) for host, s in report["stats"].items()}
    failed = [f"{task['task']['name']} on {host}: {result.get('msg')}" for play in report["plays"]
              for task in play["tasks"] for host, result in task["hosts"].items() if result.get("failed")]
    return {**stats, "failed": failed} if failed else stats


def sandbox() -> dict:
    """The sandbox inventory's settings the read-back needs (project, region, ASNs, TGW name): its one
    settings file (docs/settings.md), keys without their ``hybrid_vpn_`` prefix."""
    settings = yaml.safe_load((INVENTORY / "group_vars" / "all" / "hybrid_vpn.yml").read_text())
    return {name.removeprefix("hybrid_vpn_"): value for name, value in settings.items()}


def observed_body(config: Config, states: list[TunnelState]) -> dict:
    """What real negotiation produced, in the twin's terms: each tunnel's vpnTunnels.status by (GCP interface
    IP, AWS outside IP), each session's BGP state as FRR on the GCP side reports it by (router address, AWS
    inside address). AWS telemetry follows from both (the link derives it)."""
    tunnels, sessions = [], []
    for state in states:
        end = config.end("gcp", state.name)
        tunnels.append([end.local_ip, end.remote_ip, state.gcp_status])
        sessions.append([end.inside_ip, end.neighbour_ip, state.bgp])
    return {"tunnels": tunnels, "sessions": sessions}


def _observed(admin_url: str, method: str, body: dict | None = None) -> dict:
    http = requests.Session()
    http.trust_env = False  # straight to 127.0.0.1, never through the proxy
    response = http.request(method, f"{admin_url}/_twin/observed", json=body, timeout=30)
    response.raise_for_status()
    return response.json()


def feed(admin_url: str, config: Config, states: list[TunnelState]) -> dict:
    """The twin reports these states from now on (until ``forget``)."""
    return _observed(admin_url, "POST", observed_body(config, states))


def forget(admin_url: str) -> None:
    """The daemons are gone: the twin goes back to comparing both clouds' fields."""
    _observed(admin_url, "DELETE")


@contextlib.contextmanager
def following(lab: Lab, read, admin_url: str, every: float = 0.3):
    """While the block runs (a playbook changing the clouds), every ``every`` s: read both clouds back
    (``read(known, cache)``: gateways, networks and subnetworks once), make each charon follow what its own cloud
    holds (``Lab.follow``: only the tunnels that changed) and feed the states strongSwan and FRR then report to the
    twin, so the playbook's own waits see real negotiation. One round runs before the block. Yields the rounds
    (time, tunnels changed, {tunnel: GCP status fed}) and the errors of rounds whose read failed (a resource
    caught mid-change; the next round reads again)."""
    rounds: list = []
    errors: list[str] = []
    stop, cache = threading.Event(), {}

    def round_once() -> None:
        started = time.monotonic()
        changed = lab.follow(read(lab.config, cache))
        states = lab.states()
        feed(admin_url, lab.config, states)
        rounds.append((started, changed, {s.name: s.gcp_status for s in states}))

    def loop() -> None:
        while not stop.is_set():
            started = time.monotonic()
            try:
                round_once()
            except (requests.RequestException, RuntimeError, KeyError, IndexError) as exc:
                errors.append(f"{type(exc).__name__}: {exc}"[:300])
            stop.wait(max(0.0, every - (time.monotonic() - started)))

    round_once()
    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    try:
        yield rounds, errors
    finally:
        stop.set()
        thread.join()


@contextlib.contextmanager
def sampling(lab: Lab, every: float = 0.25):
    """``lab.states()`` every ``every`` s while the block runs; yields the list of (time, states)."""
    samples: list = []
    stop = threading.Event()

    def loop() -> None:
        while not stop.is_set():
            started = time.monotonic()
            samples.append((started, lab.states()))
            stop.wait(max(0.0, every - (time.monotonic() - started)))

    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    try:
        yield samples
    finally:
        stop.set()
        thread.join()
