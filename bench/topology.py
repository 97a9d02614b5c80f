"""A twin seed and an inventory with N spoke accounts and N service projects, made from the sandbox's
(twin/seed.yml, inventories/sandbox): the hub, the host project and every setting stay the sandbox's."""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
SANDBOX = ROOT / "inventories/sandbox"


def _account(i: int) -> str:
    return f"{200000000000 + i}"


def seed(count: int) -> dict:
    """twin/seed.yml with ``count`` spoke accounts and service projects in place of the sandbox's two each."""
    base = yaml.safe_load((ROOT / "twin/seed.yml").read_text())
    hub = [a for a in base["aws"]["accounts"] if a.get("role") == "hub"]
    spokes = [{"id": _account(i), "name": f"product-{i:02d}", "role": "spoke",
               "credentials": {"access_key_id": f"AKIATWIN{_account(i)}", "secret_access_key": f"bench{i:02d}" * 8},
               "vpcs": [{"name": f"product-{i:02d}-prod", "region": base["aws"]["default_region"],
                         "cidr": f"10.{20 + i}.0.0/16", "subnets": [f"10.{20 + i}.0.0/24", f"10.{20 + i}.1.0/24"]}]}
              for i in range(count)]
    host = [p for p in base["gcp"]["projects"] if p.get("role") == "host"]
    services = [{"id": f"cb-svc-{i:02d}", "number": f"{480211360000 + i}", "role": "service"} for i in range(count)]
    # The deployer (the env file's token) reaches every project.
    deployer, *others = base["gcp"]["principals"]
    principals = [{**deployer, "projects": [host[0]["id"], *(s["id"] for s in services)]}, *others]
    return {"aws": {**base["aws"], "accounts": hub + spokes},
            "gcp": {**base["gcp"], "principals": principals, "projects": host + services}}


def inventory(count: int, directory: Path) -> Path:
    """inventories/sandbox with ``count`` spoke and service project hosts (those of ``seed(count)``)."""
    shutil.rmtree(directory, ignore_errors=True)
    shutil.copytree(SANDBOX / "group_vars", directory / "group_vars")
    host_vars = directory / "host_vars"
    host_vars.mkdir()
    for host in ("aws-hub", "gcp-host"):
        shutil.copy(SANDBOX / "host_vars" / f"{host}.yml", host_vars)
    subnetworks = [s["name"] for s in yaml.safe_load((SANDBOX / "host_vars/gcp-host.yml").read_text())
                   ["gcp_shared_vpc_subnetworks"]]
    clouds = seed(count)
    for spoke in clouds["aws"]["accounts"][1:]:
        _write(host_vars / f"aws-{spoke['name']}.yml", {
            "tgw_routing_ram_account_id": spoke["id"],
            "tgw_routing_ram_assume_role_arn": f"arn:aws:iam::{spoke['id']}:role/cloudbridge-network-admin",
            "tgw_routing_ram_assume_role_external_id": "cloudbridge-sandbox",
            "tgw_routing_ram_vpcs": [{"name": spoke["vpcs"][0]["name"]}]})
    services = clouds["gcp"]["projects"][1:]
    for i, project in enumerate(services):
        _write(host_vars / f"gcp-{project['id'].removeprefix('cb-')}.yml", {"gcp_shared_vpc_service": {
            "project": project["id"],
            "members": [f"serviceAccount:{project['number']}@cloudservices.gserviceaccount.com"],
            "subnetworks": [subnetworks[i % len(subnetworks)]],
            "connector_members": [f"serviceAccount:service-{project['number']}@serverless-robot-prod.iam"
                                  ".gserviceaccount.com"]}})
    spokes = {f"aws-{a['name']}": {} for a in clouds["aws"]["accounts"][1:]}
    _write(directory / "hosts.yml", {"all": {"children": {
        "gcp": {"children": {"gcp_host": {"hosts": {"gcp-host": {}}},
                             "gcp_service_projects": {"hosts": {f"gcp-{p['id'].removeprefix('cb-')}": {}
                                                                for p in services}}}},
        "aws": {"children": {"aws_hub": {"hosts": {"aws-hub": {}}}, "aws_spokes": {"hosts": spokes}}}}}})
    return directory


def _write(path: Path, data: dict) -> None:
    path.write_text("---\n" + yaml.safe_dump(data, sort_keys=False))
