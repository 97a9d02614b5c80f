"""``make bench`` (``python -m bench``): how fast site.yml and teardown.yml run on the twin, measured side by side in
one run, printed as a table and written to build/bench.json (issue 14; README shows the latest table).

- cold: site.yml on empty clouds at latency 1/20 (cloud waits 20 times shorter than real ones) against the critical
  path of its cloud work (bench/critical_path.py, from the twin's own durations), and the same run at latency 0: the
  fixed overhead (Ansible, modules, API calls);
- no-op: site.yml again on what it built: wall, tasks, module invocations, API calls by cloud and action, writes;
- teardown: teardown.yml at 1/20 against its critical path;
- naive baseline: bench/naive.yml builds the same topology at 1/20 one resource at a time, each waited for before
  the next, as chaining the upstream modules does; both builds are counted through the APIs
  (tests/integration/census.py) and must match;
- scale: the same cold run with 10 spoke accounts and 10 service projects (bench/topology.py), and the API calls per
  spoke at 2, 6 and 10 spokes (latency 0).

Each run has a twin of its own on free ports; nothing here needs a cloud or a container engine.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import yaml
from integration import census
from integration.ansible_run import cloud_writes

from bench.critical_path import critical_path
from bench.topology import ROOT, SANDBOX, inventory, seed
from twin import __main__ as control
from twin.fixtures import Admin

LATENCY = 1 / 20
ENVIRONMENT = yaml.safe_load((SANDBOX / "group_vars/all/hybrid_vpn.yml").read_text())["hybrid_vpn_environment"]
SITE = "playbooks/site.yml"
ANSIBLE_PLAYBOOK = str(Path(sys.executable).parent / "ansible-playbook")
# Actions Ansible runs on the controller without a module (no interpreter start, no API call).
_CONTROLLER_ACTIONS = {"ansible.builtin." + a for a in (
    "assert", "set_fact", "validate_argument_spec", "include_role", "include_tasks", "import_role", "import_tasks",
    "debug", "fail", "meta", "add_host", "group_by")}


class Twin:
    """A twin process on free ports with the given seed; ``env`` for the playbooks, ``admin`` for the figures."""

    def __init__(self, directory: Path, seed_data: dict | None = None):
        self.state = directory / "twin"
        seed_file = None
        if seed_data is not None:
            seed_file = directory / "seed.yml"
            seed_file.write_text(yaml.safe_dump(seed_data, sort_keys=False))
        self.env = control.up(self.state, control.free_ports(), seed=seed_file and str(seed_file))
        os.environ.update(self.env)  # the census's boto3 and google-auth clients find this twin
        self.admin = Admin(self.env["TWIN_ADMIN_URL"])

    def census(self) -> dict:
        """Every kind of resource the sandbox site builds, counted through the APIs."""
        import boto3

        return census.built(census.gcp_session(self.env["GCP_ACCESS_TOKEN"]), boto3.session.Session().client("ec2"))

    def close(self) -> None:
        control.stop(self.state)


def run(twin: Twin, playbook: str, inventory_dir: Path, latency: float, *args: str) -> dict:
    """One ansible-playbook run at ``latency``: its wall time and what it cost."""
    twin.admin.config(latency_scale=latency)
    twin.admin.clear_calls()
    twin.admin.timeline(clear=True)
    env = {**os.environ, **twin.env, "ANSIBLE_STDOUT_CALLBACK": "ansible.posix.json",
           "ANSIBLE_COLLECTIONS_PATH": str(ROOT / ".venv/collections")}
    start = time.monotonic()
    out = subprocess.run([ANSIBLE_PLAYBOOK, "-i", str(inventory_dir), str(ROOT / playbook), *args], env=env, cwd=ROOT,
                         capture_output=True, text=True, check=False)
    wall = time.monotonic() - start
    report = json.loads(out.stdout)
    failed = [f"{h}: {r.get('msg', '')}" for p in report["plays"] for t in p["tasks"] for h, r in t["hosts"].items()
              if r.get("failed") and not r.get("ignore_errors")]
    if out.returncode:
        raise SystemExit(f"bench: {playbook} failed (rc {out.returncode}) at latency {latency:g}: {failed[:3]}")
    calls = twin.admin.calls()
    ran = [r for p in report["plays"] for t in p["tasks"] for r in t["hosts"].values() if not r.get("skipped")]
    path = critical_path(twin.admin.timeline())
    return {
        "wall_s": round(wall, 1),
        "tasks": sum(1 for p in report["plays"] for t in p["tasks"]
                     if not all(r.get("skipped") for r in t["hosts"].values())),
        "module_invocations": sum(1 for r in ran if r.get("action") not in _CONTROLLER_ACTIONS),
        "api_calls": {cloud: sum(calls[cloud].values()) for cloud in ("aws", "gcp")},
        "api_calls_by_action": {cloud: dict(Counter(calls[cloud]).most_common()) for cloud in ("aws", "gcp")},
        "writes": sum(cloud_writes(calls).values()),
        "critical_path_s": round(path.seconds * latency, 2),
        "critical_path": path.chain,
    }


def topology_runs(directory: Path, count: int, fewer: tuple[int, ...] = ()) -> dict:
    """Cold at latency 0 (overhead), no-op, cold at 1/20 and teardown on a twin seeded with ``count`` spokes and
    service projects (the sandbox's own for 2); then a cold run at latency 0 with each of ``fewer`` spokes."""
    twin = Twin(directory, None if count == 2 else seed(count))
    try:
        inv = SANDBOX if count == 2 else inventory(count, directory / "inventory")
        result = {"overhead": run(twin, SITE, inv, 0), "noop": run(twin, SITE, inv, 0)}
        twin.admin.reset()
        result["cold"] = run(twin, SITE, inv, LATENCY)
        if count == 2:
            built = twin.census()
        result["teardown"] = run(twin, "playbooks/teardown.yml", inv, LATENCY,
                                 "-e", f"hybrid_vpn_teardown_confirm={ENVIRONMENT}")
        if count == 2:
            twin.admin.reset()
            result["naive"] = run(twin, "bench/naive.yml", inv, LATENCY)
            # The record of the grants is the collection's own bookkeeping (project metadata): not topology.
            off = {k: (n, built[k]) for k, n in twin.census().items() if n != built[k] and k != "iam grant records"}
            if off:
                raise SystemExit(f"bench: the naive baseline built another topology (naive, site.yml): {off}")
        result["calls_by_spokes"] = {count: sum(result["overhead"]["api_calls"].values())}
        for n in fewer:
            twin.admin.reset()
            cold = run(twin, SITE, inventory(n, directory / f"inventory-{n}"), 0)
            result["calls_by_spokes"][n] = sum(cold["api_calls"].values())
        return result
    finally:
        twin.close()


def table(figures: dict) -> str:
    two, ten = figures["2 spokes"], figures["10 spokes"]
    cold, over, noop, down = two["cold"], two["overhead"], two["noop"], two["teardown"]
    rows = [
        ("cold site.yml at 1/20 (2 spokes)", f"{cold['wall_s']} s against a {cold['critical_path_s']} s critical path "
         f"+ {over['wall_s']} s fixed overhead = {cold['critical_path_s'] + over['wall_s']:.1f} s"),
        ("fixed overhead: cold site.yml at latency 0", f"{over['wall_s']} s, {over['tasks']} tasks, "
         f"{over['module_invocations']} module invocations, {sum(over['api_calls'].values())} API calls"),
        ("no-op rerun", f"{noop['wall_s']} s, {noop['tasks']} tasks, {noop['module_invocations']} module invocations, "
         f"API calls AWS {noop['api_calls']['aws']} / GCP {noop['api_calls']['gcp']}, {noop['writes']} writes"),
        ("naive baseline at 1/20 (bench/naive.yml)", f"{two['naive']['wall_s']} s, {two['naive']['tasks']} tasks, "
         f"{two['naive']['module_invocations']} module invocations: site.yml is "
         f"{two['naive']['wall_s'] / cold['wall_s']:.1f}x faster"),
        ("teardown at 1/20", f"{down['wall_s']} s against a {down['critical_path_s']} s critical path"),
        ("cold site.yml at 1/20, 10 spokes + 10 service projects",
         f"{ten['cold']['wall_s']} s ({ten['cold']['wall_s'] / cold['wall_s']:.2f}x the 2-spoke run) against a "
         f"{ten['cold']['critical_path_s']} s critical path"),
        ("no-op rerun, 10 spokes", f"{ten['noop']['wall_s']} s, API calls AWS {ten['noop']['api_calls']['aws']} / "
         f"GCP {ten['noop']['api_calls']['gcp']}, {ten['noop']['writes']} writes"),
        ("API calls of a cold run at latency 0, by spokes",
         ", ".join(f"{n}: {calls}" for n, calls in sorted(ten["calls_by_spokes"].items()))),
    ]
    width = max(len(r[0]) for r in rows)
    return "\n".join([f"| {'figure':<{width}} | measured |", f"|{'-' * (width + 2)}|---|",
                      *(f"| {name:<{width}} | {value} |" for name, value in rows)])


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default=str(ROOT / "build/bench.json"), help="where the figures go (JSON)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        figures = {}
        for count, fewer in ((2, ()), (10, (2, 6))):
            directory = Path(tmp) / f"spokes-{count}"
            directory.mkdir()
            print(f"bench: {count} spokes ...", flush=True)
            figures[f"{count} spokes"] = topology_runs(directory, count, fewer)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(figures, indent=2) + "\n")
    print(table(figures))
    print(f"bench: figures in {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
