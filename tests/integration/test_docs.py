"""What `ansible-doc` shows an operator: every module of the collection with its options, examples and return values,
and every role with the entry points README and docs/architecture.md name (meta/argument_specs.yml)."""

from __future__ import annotations

import json
import os
import subprocess

from ansible_run import ROOT

ENTRY_POINTS = {
    "aws_tgw_vpn": {"main", "validate", "preflight", "verify"},
    "gcp_ha_vpn": {"gateway", "tunnels", "validate", "preflight", "verify"},
    "tgw_routing_ram": {"main", "share", "spoke", "hub", "validate", "preflight_accounts", "verify"},
    "gcp_shared_vpc": {"main", "preflight", "preflight_credentials", "verify"},
}


def ansible_doc(*args: str) -> dict:
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(ROOT / ".venv/collections"))
    out = subprocess.run([str(ROOT / ".venv/bin/ansible-doc"), "--json", *args], env=env, capture_output=True,
                         text=True, check=False)
    assert out.returncode == 0 and not out.stderr.strip(), out.stderr
    return json.loads(out.stdout)


def test_every_module_renders_with_options_examples_and_return_values():
    names = sorted(f"cloudbridge.hybrid_vpn.{p.stem}" for p in (ROOT / "plugins/modules").glob("*.py"))
    docs = ansible_doc(*names)
    assert sorted(docs) == names
    for name, doc in docs.items():
        assert doc["doc"]["short_description"] and doc["examples"].strip() and doc["return"], name
        assert {"check_mode", "diff_mode"} <= set(doc["doc"]["attributes"]), name


def test_every_role_renders_its_entry_points():
    docs = ansible_doc("-t", "role", *(f"cloudbridge.hybrid_vpn.{r}" for r in ENTRY_POINTS))
    for role, wanted in ENTRY_POINTS.items():
        entry_points = docs[f"cloudbridge.hybrid_vpn.{role}"]["entry_points"]
        assert wanted <= set(entry_points), (role, sorted(entry_points))
        assert all(e.get("short_description") for e in entry_points.values()), role
