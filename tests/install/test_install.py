"""The collection as an operator gets it: the Galaxy tarball installed into an empty collections path, its
dependencies taken from the collections the pinned ``ansible`` package ships (Galaxy is unreachable here, so
``--offline``), then ``ansible-playbook cloudbridge.hybrid_vpn.site`` from an empty directory with a copy of the
sandbox inventory, on the twin, with nothing of this checkout on the collection or Python path.

``make install-test`` passes the tarball ``make build`` made (``HYBRID_VPN_TARBALL``); run alone, the test builds one.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BIN = ROOT / ".venv/bin"
# What the shipped collections must satisfy (galaxy.yml dependencies).
DEPENDENCIES = {"amazon.aws", "community.aws", "community.general", "google.cloud"}
FAST_VERIFY = '{"hybrid_vpn_verify_poll_interval": 1, "hybrid_vpn_aws_poll_interval": 1}'


def _run(cmd: list[str], env: dict, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(c) for c in cmd], env=env, cwd=cwd, capture_output=True, text=True, check=False)


def _tarball(tmp_path: Path, env: dict) -> Path:
    if os.environ.get("HYBRID_VPN_TARBALL"):
        return Path(os.environ["HYBRID_VPN_TARBALL"])
    out = _run([BIN / "ansible-galaxy", "collection", "build", "--output-path", tmp_path / "dist", ROOT], env, ROOT)
    assert out.returncode == 0, out.stdout + out.stderr
    return next((tmp_path / "dist").glob("cloudbridge-hybrid_vpn-*.tar.gz"))


def test_the_tarball_installs_with_the_shipped_dependencies_and_site_converges_from_an_empty_directory(
        twin, admin, tmp_path):
    collections = tmp_path / "collections"
    workdir = tmp_path / "work"
    collections.mkdir()
    workdir.mkdir()
    # A shell with the venv and the twin's env only: no checkout path, no ansible.cfg, a home of its own.
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("ANSIBLE_") and k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env.update(ANSIBLE_COLLECTIONS_PATH=str(collections), ANSIBLE_HOME=str(tmp_path / "ansible-home"),
               ANSIBLE_LOCALHOST_WARNING="false")
    tarball = _tarball(tmp_path, env)

    out = _run([BIN / "ansible-galaxy", "collection", "install", "--offline", "-p", collections, tarball], env, workdir)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "cloudbridge.hybrid_vpn:" in out.stdout and "installed successfully" in out.stdout, out.stdout
    # Every declared dependency resolved, within its range, from what ansible ships (nothing downloaded).
    skipped = {line.split("'")[1].split(":")[0] for line in out.stdout.splitlines() if "is already installed" in line}
    assert skipped == DEPENDENCIES, out.stdout

    listed = _run([BIN / "ansible-galaxy", "collection", "list", "cloudbridge.hybrid_vpn", "--format", "json"],
                  env, workdir)
    assert listed.returncode == 0, listed.stderr
    assert list(json.loads(listed.stdout)) == [str(collections / "ansible_collections")], listed.stdout

    shutil.copytree(ROOT / "inventories/sandbox", workdir / "inventory")
    admin.reset()
    run = _run([BIN / "ansible-playbook", "-i", "inventory", "cloudbridge.hybrid_vpn.site", "-e", FAST_VERIFY],
               dict(env, ANSIBLE_STDOUT_CALLBACK="ansible.posix.json"), workdir)
    try:
        report = json.loads(run.stdout)
    except json.JSONDecodeError:
        raise AssertionError(f"no JSON report (rc={run.returncode}):\n{run.stdout}\n{run.stderr}") from None
    failed = [(p["play"]["name"], t["task"]["name"], h, r.get("msg")) for p in report["plays"] for t in p["tasks"]
              for h, r in t["hosts"].items() if r.get("failed") and not r.get("ignore_errors")]
    assert failed == [] and run.returncode == 0, failed or run.stderr
    stats = report["stats"]
    assert {"gcp-host", "aws-hub"} <= set(stats) and all(s["unreachable"] == 0 for s in stats.values()), stats

    # Converged as the operator reads it: the report verify wrote shows four tunnels and four BGP sessions up.
    (written,) = list(tmp_path.rglob("report-sandbox.md"))
    text = written.read_text()
    assert text.startswith("# AWS <-> GCP HA VPN: sandbox") and "**Verified**" in text, text
    assert text.count("| ESTABLISHED | UP Established | UP ") == 4, text  # each tunnel: GCP tunnel, GCP BGP, AWS
