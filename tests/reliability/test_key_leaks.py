"""No key anywhere: full runs of all four roles at -vvvv with --diff, check mode, failures, the report, every file
under build/ and the facts cache hold none of the four pre-shared keys nor any credential (AWS secret keys, GCP
tokens)."""

from __future__ import annotations

import subprocess

import yaml
from ansible.parsing.vault import VaultLib, VaultSecret
from conftest import PREFLIGHT, SANDBOX
from integration.ansible_run import ROOT, playbook_command

from twin.config import load_seed

SEED = load_seed()
PSKS = ["leakcheck_key_0a", "leakcheck_key_1b", "leakcheck_key_2c", "leakcheck_key_3d"]
VAULTED = ["vaultcheck_key_4e", "vaultcheck_key_5f", "vaultcheck_key_6g", "vaultcheck_key_7h"]
CREDENTIALS = [a["credentials"]["secret_access_key"] for a in SEED["aws"]["accounts"]] + [
    p["token"] for p in SEED["gcp"]["principals"]]
PLAYBOOKS = ROOT / "tests/integration/playbooks"


def _run(tmp_path, playbook, *args, **extra) -> str:
    """ansible-playbook as an operator runs it (default output) at -vvvv; returns stdout and stderr."""
    cmd, env = playbook_command(playbook, "-vvvv", *args, extra_vars=extra, tmp_path=tmp_path,
                                inventory=str(SANDBOX))
    env["ANSIBLE_STDOUT_CALLBACK"] = "ansible.builtin.default"
    # A facts cache as an AWX-style setup keeps one: whatever facts the modules return are written there.
    env.update(ANSIBLE_CACHE_PLUGIN="ansible.builtin.jsonfile", ANSIBLE_CACHE_PLUGIN_CONNECTION=str(tmp_path / "facts"))
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False, cwd=ROOT)
    return f"{done.stdout}\n{done.stderr}\n[rc={done.returncode}]"


def _leaks(texts: dict) -> list[str]:
    return [f"{secret[:4]}... in {where}" for where, text in texts.items()
            for secret in PSKS + VAULTED + CREDENTIALS if secret in text]


def _vaulted_keys(tmp_path) -> list[str]:
    """-e arguments that give site.yml the VAULTED keys from an ansible-vault encrypted file."""
    password = tmp_path / "vault-password"
    password.write_text("leak-check-vault\n")
    plain = yaml.safe_dump({"hybrid_vpn_pre_shared_keys": VAULTED})
    secret = VaultLib([("default", VaultSecret(b"leak-check-vault"))]).encrypt(plain).decode()
    keys = tmp_path / "vaulted_keys.yml"
    keys.write_text(secret)
    return ["-e", f"@{keys}", "--vault-password-file", str(password)]


def test_no_key_nor_credential_in_output_report_or_build_files(tmp_path, admin, monkeypatch, outcome):
    keys = {"hybrid_vpn_pre_shared_keys": PSKS}
    fast = {"tgw_routing_ram_poll_interval": 1}
    outputs = {
        "site.yml --check --diff on empty clouds": _run(tmp_path, ROOT / "playbooks/site.yml", "--check", "--diff",
                                                         **keys),
        "site.yml + tgw_routing_ram --diff": _run(tmp_path, PLAYBOOKS / "tgw_routing_ram.yml", "--diff",
                                                  **keys, **fast),
        "gcp_shared_vpc --diff": _run(tmp_path, PLAYBOOKS / "gcp_shared_vpc.yml", "--diff"),
        "site.yml again (no change) --check --diff": _run(tmp_path, ROOT / "playbooks/site.yml", "--check", "--diff",
                                                          **keys),
        # new keys from ansible-vault: a planned change of all four, shown in check mode with --diff
        "site.yml --check --diff, keys from ansible-vault": _run(tmp_path, ROOT / "playbooks/site.yml", "--check",
                                                                 "--diff", *_vaulted_keys(tmp_path)),
        "failure: a key AWS refuses": _run(tmp_path, PREFLIGHT, hybrid_vpn_pre_shared_keys=[*PSKS[:3], "0" + PSKS[3]]),
    }
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "wrong" + CREDENTIALS[0][5:])
    outputs["failure: refused credentials"] = _run(tmp_path, PREFLIGHT, **keys)
    files = {str(p.relative_to(ROOT)): p.read_text(errors="replace")
             for p in (ROOT / "build").rglob("*") if p.is_file()}
    files.update({f"facts cache {p.name}": p.read_text(errors="replace")
                  for p in (tmp_path / "facts").glob("*") if p.is_file()})
    built = "ESTABLISHED" in files.get("build/report-sandbox.md", "")  # the report of the full run, tunnels up
    leaks = _leaks({**outputs, **files})
    searched = len(outputs) + len(files)
    outcome.record("key and credential search", f"{searched} outputs and files, {len(PSKS + VAULTED + CREDENTIALS)} "
                   "secrets", built and not leaks, count=len(leaks), counted="keys or credentials found",
                   detail="; ".join(leaks))
    full = outputs["site.yml + tgw_routing_ram --diff"]
    assert "[rc=0]" in full, full[-3000:]
    vaulted = outputs["site.yml --check --diff, keys from ansible-vault"]
    assert "[rc=0]" in vaulted and "changed=" in vaulted, vaulted[-3000:]
    assert built, sorted(files)
    assert not leaks, leaks

