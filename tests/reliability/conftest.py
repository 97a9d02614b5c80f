"""The reliability suite (issue 13): bad input, credentials, wrong target and key searches over all four roles, on
the twin (tests/conftest.py). ``make reliability`` runs all of it, ``make test`` the cases marked ``short``.

Each test records what it tried and what held with ``outcome.record(area, case, held, count=..., counted=...,
detail=...)`` (``count``: the area's figure of harm, by default writes that reached a cloud; for interruptions,
duplicates); the records travel with the test reports (also from xdist workers) and the end of the run prints one
summary table: per area, how many cases were tried, how many held, and the sum of its figure.
"""

from __future__ import annotations

import json
import shutil
from collections import defaultdict
from pathlib import Path

import pytest
import yaml
from integration.ansible_run import ROOT, cloud_writes, run_playbook

PREFLIGHT = Path(__file__).parent / "playbooks/preflight.yml"
SANDBOX = ROOT / "inventories/sandbox"
_KEY = "reliability"
_records: list[dict] = []


def pytest_configure(config):
    config.addinivalue_line("markers", "short: the reliability cases `make test` runs (the rest: make reliability)")


@pytest.fixture(autouse=True)
def _seed_state(request):
    """Every case starts from the seed with zeroed counters (a reset takes about a second)."""
    if "twin" in request.fixturenames:
        request.getfixturevalue("admin").reset()


class Outcome:
    def __init__(self, node):
        self.node = node

    def record(self, area: str, case: str, held: bool, count: int = 0, counted: str = "writes reaching a cloud",
               detail: str = "") -> None:
        self.node.user_properties.append((_KEY, json.dumps({"area": area, "case": case, "held": bool(held),
                                                            "count": count, "counted": counted,
                                                            "detail": detail[:300]})))


@pytest.fixture
def outcome(request) -> Outcome:
    return Outcome(request.node)


def inventory(tmp_path: Path, host_vars: dict | None = None, group_vars: dict | None = None) -> str:
    """A copy of the sandbox inventory with some hosts' variables (``{host: {name: value}}``) and some settings
    (``{hybrid_vpn_name: value}``) replaced; None removes a variable."""
    target = tmp_path / "inventory"
    shutil.copytree(SANDBOX, target)
    files = {target / "host_vars" / f"{host}.yml": values for host, values in (host_vars or {}).items()}
    if group_vars:
        files[target / "group_vars/all/hybrid_vpn.yml"] = group_vars
    for path, values in files.items():
        data = (yaml.safe_load(path.read_text()) or {}) if path.exists() else {}
        data.update(values)
        path.write_text(yaml.safe_dump({k: v for k, v in data.items() if v is not None}))
    return str(target)


def preflight(tmp_path: Path, *args: str, inventory_dir: str | None = None, **extra):
    """Run the whole site's preflight (all four roles, every host); return the JSON report."""
    return run_playbook(PREFLIGHT, *args, tmp_path=tmp_path, inventory=inventory_dir or str(SANDBOX),
                        extra_vars=extra or None)


def failure_messages(report: dict) -> list[str]:
    """The message of every failed task result, as the operator reads it; a failed loop shows its failed items'."""
    messages = []
    for task in (t for p in report["plays"] for t in p["tasks"]):
        for result in (r for r in task["hosts"].values() if r.get("failed")):
            items = [i.get("msg", "") for i in result.get("results", []) if i.get("failed")]
            messages.append(" ".join(items) if items else result.get("msg", ""))
    return messages


def stopped(report: dict, admin) -> tuple[list[str], dict]:
    """The failure messages of a run and the writes that reached a cloud (twin counters)."""
    return failure_messages(report), cloud_writes(admin.calls())


def pytest_runtest_logreport(report):
    if report.when == "call":
        _records.extend(json.loads(value) for key, value in report.user_properties if key == _KEY)


def pytest_terminal_summary(terminalreporter):
    if not _records:
        return
    areas = defaultdict(lambda: {"tried": 0, "held": 0, "count": 0, "counted": "", "failed": [], "cases": []})
    for r in sorted(_records, key=lambda r: r["area"]):
        area = areas[r["area"]]
        area["tried"] += 1
        area["held"] += r["held"]
        area["count"] += r["count"]
        area["counted"] = r["counted"]
        area["cases"].append(r["case"])
        if not r["held"]:
            area["failed"].append(f"{r['case']} ({r['detail']})" if r["detail"] else r["case"])
    write = terminalreporter.write_line
    terminalreporter.section("reliability summary")
    write(f"{'area':<34} {'tried':>6} {'held':>6}  {'harm found':<30} what held")
    for name, a in areas.items():
        verdict = "all held" if a["held"] == a["tried"] else f"NOT held: {'; '.join(a['failed'])}"
        write(f"{name:<34} {a['tried']:>6} {a['held']:>6}  {a['count']:>4} {a['counted']:<25} {verdict}")
        if a["tried"] <= 4:  # a few long runs: their figures, one line each
            for case in a["cases"]:
                write(f"    {case}")
