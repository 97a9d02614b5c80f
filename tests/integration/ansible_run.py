"""Running the collection's playbooks from tests, the way an operator runs them."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

def playbook_command(playbook, *args: str, extra_vars: dict | None = None, tmp_path: Path,
                     inventory: str | None = None, plain_env: bool = False) -> tuple[list[str], dict]:
    """The ansible-playbook command line and environment of ``run_playbook`` (for a test that runs it itself).

    ``plain_env``: as in a new shell with only the venv activated (no ANSIBLE_COLLECTIONS_PATH nor PYTHONPATH:
    ansible.cfg must do).
    """
    cmd = [str(ROOT / ".venv/bin/ansible-playbook"), str(playbook), *args]
    if inventory:
        cmd += ["-i", inventory]
    if extra_vars:
        vars_file = tmp_path / "extra_vars.json"
        vars_file.write_text(json.dumps(extra_vars))
        cmd += ["-e", f"@{vars_file}"]
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(ROOT / ".venv/collections"),
               ANSIBLE_STDOUT_CALLBACK="ansible.posix.json", ANSIBLE_LOCALHOST_WARNING="false")
    if plain_env:
        for name in ("ANSIBLE_COLLECTIONS_PATH", "ANSIBLE_COLLECTIONS_PATHS", "PYTHONPATH", "ANSIBLE_CONFIG"):
            env.pop(name, None)
    return cmd, env


def run_playbook(playbook, *args: str, extra_vars: dict | None = None, tmp_path: Path, inventory: str | None = None,
                 plain_env: bool = False):
    """Run ansible-playbook with the JSON callback; return the parsed report.

    ``args`` are extra command-line flags (``--check``, ``--diff``, ``--tags`` ...).
    """
    cmd, env = playbook_command(playbook, *args, extra_vars=extra_vars, tmp_path=tmp_path, inventory=inventory,
                                plain_env=plain_env)
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False, cwd=ROOT)
    try:
        return json.loads(out.stdout)
    except json.JSONDecodeError:
        pytest.fail(f"ansible-playbook printed no JSON report (rc={out.returncode}):\n{out.stdout}\n{out.stderr}")


def task_results(report: dict, host: str) -> dict:
    """Results of ``host`` by task name (a role task "<role> : <name>" is keyed by <name>)."""
    return {t["task"]["name"].split(" : ")[-1]: t["hosts"][host]
            for p in report["plays"] for t in p["tasks"] if host in t["hosts"]}


# Read-only API calls: AWS actions Describe*/Get*/List*/Search* and sts:AssumeRole (a spoke account's credentials),
# Compute methods get/list/wait and the like, IAM policy reads.
_AWS_READS = ("Describe", "Get", "List", "Search", "AssumeRole")
_GCP_READS = {"get", "list", "aggregatedList", "getRouterStatus", "wait", "getXpnHost", "getXpnResources",
              "getIamPolicy"}


def cloud_writes(calls: dict) -> dict:
    """The calls in the twin's counters (``admin.calls()``) that change something in either cloud."""
    return {
        **{a: n for a, n in calls["aws"].items() if not a.split(":", 1)[-1].startswith(_AWS_READS)},
        **{m: n for m, n in calls["gcp"].items() if m.rsplit(".", 1)[-1] not in _GCP_READS},
    }


def failure_messages(report: dict) -> list[str]:
    """The message of every failed task result, as the operator reads it."""
    return [r.get("msg", "") for p in report["plays"] for t in p["tasks"] for r in t["hosts"].values()
            if r.get("failed")]
