"""gcp_shared_vpc on the twin's host project and two service projects: bad inputs refused before any change,
check mode, converge, idempotence, others' bindings kept, a dropped member and a dropped service project,
project-level access, AWS learning the shared ranges over BGP (CUSTOM advertisement), teardown; then a host
network and subnetworks created from nothing, a dropped connector deleted, and only what the role created removed."""

from __future__ import annotations

import re

import boto3
import google.oauth2.credentials
import pytest
import yaml
from ansible_run import ROOT, run_playbook, task_results
from google.auth.transport.requests import AuthorizedSession

PLAYBOOK = ROOT / "tests/integration/playbooks/gcp_shared_vpc.yml"
HOST, REGION = "cb-net-host", "asia-northeast1"
COMPUTE = "https://compute.googleapis.com/compute/v1/"
CRM = "https://cloudresourcemanager.googleapis.com/v1/"
VPCACCESS = "https://vpcaccess.googleapis.com/v1/"
SUBNET = f"projects/{HOST}/regions/{REGION}/subnetworks/"
CONNECTOR = f"projects/{HOST}/locations/{REGION}/connectors/svpc-tokyo"
USER = "roles/compute.networkUser"
ML_SA, ML_GROUP = "serviceAccount:480211350147@cloudservices.gserviceaccount.com", "group:ml@example.com"
API_SA = "serviceAccount:480211350288@cloudservices.gserviceaccount.com"
ML_AGENT = "serviceAccount:service-480211350147@serverless-robot-prod.iam.gserviceaccount.com"
THEIRS = "group:theirs@example.com"
AWS_RANGES = ["10.20.0.0/16", "10.30.0.0/16"]  # the seed's spoke VPCs
# Read-only methods; any other counted call is a change.
READS = re.compile(r"\.(get|list|getIamPolicy|wait|getXpnHost|getXpnResources)$")


def services(ml=None, api=True):
    found = {"gcp-svc-ml": {"project": "cb-svc-ml", "members": [ML_SA, ML_GROUP], "subnetworks": ["ml-tokyo"],
                            "connector_members": [ML_AGENT], **(ml or {})}}
    if api:
        found["gcp-svc-api"] = {"project": "cb-svc-api", "members": [API_SA]}
    return found


def inventory(tmp_path, service_projects, **host_vars):
    """The lead's inventory shape: gcp_host and gcp_service_projects under gcp, settings in host vars."""
    host = {"gcp_shared_vpc_subnetworks": [{"name": "hub-tokyo"}, {"name": "ml-tokyo"}],
            "gcp_shared_vpc_connectors": [{"name": "svpc-tokyo", "ip_cidr_range": "10.100.240.0/28"}],
            "gcp_shared_vpc_firewall": {"allowed": [{"ip_protocol": "tcp", "ports": ["443"]}]},
            "gcp_shared_vpc_aws_ranges": AWS_RANGES, **host_vars}
    tree = {"all": {
        "vars": {"ansible_connection": "local", "ansible_python_interpreter": "{{ ansible_playbook_python }}"},
        "children": {"gcp": {"children": {
            "gcp_host": {"hosts": {"gcp-host": host}},
            "gcp_service_projects": {"hosts": {h: {"gcp_shared_vpc_service": s}
                                               for h, s in service_projects.items()}}}}}}}
    path = tmp_path / "hosts.yml"
    path.write_text(yaml.safe_dump(tree))
    return str(path)


def play(tmp_path, service_projects, check=False, **host_vars):
    report = run_playbook(PLAYBOOK, *["--check"] * check, tmp_path=tmp_path,
                          inventory=inventory(tmp_path, service_projects, **host_vars))
    return report["stats"]["gcp-host"], task_results(report, "gcp-host")


def failure(results):
    return next(r["msg"] for r in results.values() if r.get("failed"))


@pytest.fixture(scope="module")
def gcp(twin):
    return AuthorizedSession(google.oauth2.credentials.Credentials(twin.env["GCP_ACCESS_TOKEN"]))


def members(gcp, url, role=USER, method="GET"):
    policy = gcp.request(method, url, json={} if method == "POST" else None, timeout=30).json()
    return sorted(m for b in policy.get("bindings", []) if b["role"] == role for m in b["members"])


def subnet_members(gcp, name, role=USER):
    return members(gcp, f"{COMPUTE}{SUBNET}{name}/getIamPolicy", role)


def project_members(gcp, role=USER):
    return members(gcp, f"{CRM}projects/{HOST}:getIamPolicy", role, "POST")


def add_binding(gcp, url, role, member, get="GET"):
    """Someone else's grant, made the way they would: read, add, write with the etag."""
    policy = gcp.request(get, url.replace(":setIamPolicy", ":getIamPolicy").replace("/setIamPolicy", "/getIamPolicy"),
                         json={} if get == "POST" else None, timeout=30).json()
    policy.setdefault("bindings", []).append({"role": role, "members": [member]})
    assert gcp.post(url, json={"policy": policy}, timeout=30).status_code == 200


def xpn(gcp):
    host = gcp.get(f"{COMPUTE}projects/{HOST}", timeout=30).json()["xpnProjectStatus"]
    resources = gcp.get(f"{COMPUTE}projects/{HOST}/getXpnResources", timeout=30).json().get("resources", [])
    return host, sorted(r["id"] for r in resources)


def writes(admin):
    return {m: n for m, n in admin.calls()["gcp"].items() if not READS.search(m)}


def test_bad_inputs_fail_before_any_change(twin, admin, tmp_path):
    admin.clear_calls()
    # A service project that does not exist: the cloud says so, before the first change.
    stats, results = play(tmp_path, {**services(), "gcp-svc-x": {"project": "cb-nope"}})
    assert stats["failures"] == 1
    assert "project cb-nope does not exist or is not visible" in failure(results)
    # A subnetwork in another region, an overlapping connector range and a malformed member: all named at once.
    stats, results = play(tmp_path, services(ml={"members": ["ml@example.com"]}),
                          gcp_shared_vpc_subnetworks=[{"name": "ml-tokyo", "region": "us-east1"}],
                          gcp_shared_vpc_connectors=[{"name": "c1", "ip_cidr_range": "10.100.0.0/28"}],
                          gcp_shared_vpc_aws_ranges=["10.20.0.0/33"])
    assert stats["failures"] == 1
    assert failure(results).split("; ") == [
        "GCP: gcp_shared_vpc inputs for cb-net-host: gcp_shared_vpc_subnetworks: subnetwork 'ml-tokyo' not found "
        "in region us-east1 of the host network "
        "(expected an existing subnetwork of that network and region)",
        "member 'ml@example.com' of gcp_shared_vpc_service_projects[cb-svc-ml].members: expected user:EMAIL, "
        "serviceAccount:EMAIL, group:EMAIL or domain:DOMAIN",
        "gcp_shared_vpc_service_projects[cb-svc-ml].subnetworks: ml-tokyo not in gcp_shared_vpc_subnetworks (none)",
        "gcp_shared_vpc_connectors[c1] ip_cidr_range 10.100.0.0/28: overlaps hub-tokyo (10.100.0.0/20)",
        "gcp_shared_vpc_aws_ranges: '10.20.0.0/33' is not an IPv4 CIDR such as 10.20.0.0/16"]
    assert writes(admin) == {}


def test_check_mode_on_empty_projects_changes_nothing(twin, admin, gcp, tmp_path):
    admin.clear_calls()
    stats, _ = play(tmp_path, services(), check=True)
    assert stats["failures"] == 0 and stats["changed"] > 0
    assert writes(admin) == {} and xpn(gcp) == ("UNSPECIFIED_XPN_PROJECT_STATUS", [])


def test_converge_then_rerun_and_check_change_nothing(twin, admin, gcp, tmp_path):
    stats, results = play(tmp_path, services())
    assert stats["failures"] == 0 and stats["changed"] > 0
    assert xpn(gcp) == ("HOST", ["cb-svc-api", "cb-svc-ml"])
    assert subnet_members(gcp, "ml-tokyo") == sorted([API_SA, ML_GROUP, ML_SA])
    assert subnet_members(gcp, "hub-tokyo") == [API_SA]
    assert project_members(gcp, "roles/vpcaccess.user") == [ML_AGENT]
    assert gcp.get(VPCACCESS + CONNECTOR, timeout=30).json()["state"] == "READY"
    rule = gcp.get(f"{COMPUTE}projects/{HOST}/global/firewalls/allow-from-aws", timeout=30).json()
    assert (rule["sourceRanges"], rule["allowed"]) == (AWS_RANGES, [{"IPProtocol": "tcp", "ports": ["443"]}])
    fact = results["Publish gcp_shared_vpc and the ranges the Cloud Router advertises for it"]["ansible_facts"]
    shared = fact["gcp_shared_vpc"]
    assert (shared["host_project"], shared["access_level"], sorted(shared["service_projects"])) == (
        HOST, "subnet", ["cb-svc-api", "cb-svc-ml"])
    assert {s["name"]: s["members"] for s in shared["subnetworks"]} == {
        "hub-tokyo": [API_SA], "ml-tokyo": sorted([API_SA, ML_GROUP, ML_SA])}
    assert shared["connectors"] == [
        {"name": "svpc-tokyo", "region": REGION, "ip_cidr_range": "10.100.240.0/28", "state": "READY"}]
    assert [r["range"] for r in fact["gcp_shared_vpc_advertised_ranges"]] == [
        "10.100.0.0/20", "10.100.16.0/20", "10.100.240.0/28"]

    admin.clear_calls()
    assert play(tmp_path, services())[0]["changed"] == 0
    stats, _ = play(tmp_path, services(), check=True)
    assert (stats["failures"], stats["changed"]) == (0, 0)
    assert writes(admin) == {}


def test_others_bindings_survive_a_dropped_member_and_project_lose_only_ours(twin, gcp, tmp_path):
    add_binding(gcp, f"{COMPUTE}{SUBNET}ml-tokyo/setIamPolicy", USER, THEIRS)
    add_binding(gcp, f"{CRM}projects/{HOST}:setIamPolicy", "roles/vpcaccess.user", THEIRS, get="POST")
    stats, _ = play(tmp_path, services(ml={"members": [ML_SA]}, api=False))
    assert stats["failures"] == 0 and stats["changed"] > 0
    assert subnet_members(gcp, "ml-tokyo") == sorted([ML_SA, THEIRS])
    assert subnet_members(gcp, "hub-tokyo") == []
    assert project_members(gcp, "roles/vpcaccess.user") == sorted([ML_AGENT, THEIRS])
    assert xpn(gcp) == ("HOST", ["cb-svc-ml"])


def test_project_level_access_moves_the_grants(twin, gcp, tmp_path):
    stats, _ = play(tmp_path, services(api=False), gcp_shared_vpc_access_level="project")
    assert stats["failures"] == 0
    assert project_members(gcp) == sorted([ML_GROUP, ML_SA])
    assert subnet_members(gcp, "ml-tokyo") == [THEIRS]


def test_custom_advertisement_teaches_aws_the_shared_ranges_over_bgp(twin, tmp_path):
    """site.yml as is (sandbox inventory) with only hybrid_vpn_advertise_mode=CUSTOM: the Cloud Router advertises the
    shared subnetworks and the connector's range, computed from the role's inputs (preflight), never typed twice."""
    report = run_playbook(ROOT / "playbooks/site.yml", tmp_path=tmp_path, inventory=str(ROOT / "inventories/sandbox"),
                          extra_vars={"hybrid_vpn_verify_poll_interval": 1, "hybrid_vpn_aws_poll_interval": 1,
                                      "hybrid_vpn_advertise_mode": "CUSTOM"})
    assert all(s["failures"] == 0 for s in report["stats"].values()), report["stats"]
    ec2 = boto3.session.Session().client("ec2")
    tables = ec2.describe_transit_gateway_route_tables()["TransitGatewayRouteTables"]
    learned = {r["DestinationCidrBlock"] for t in tables
               for r in ec2.search_transit_gateway_routes(
                   TransitGatewayRouteTableId=t["TransitGatewayRouteTableId"],
                   Filters=[{"Name": "type", "Values": ["propagated"]}])["Routes"]
               if {a["ResourceType"] for a in r["TransitGatewayAttachments"]} == {"vpn"}}
    assert learned == {"10.100.0.0/20", "10.100.16.0/20", "10.100.240.0/28"}


def test_absent_removes_everything_ours_then_reruns_clean(twin, gcp, tmp_path):
    stats, _ = play(tmp_path, services(), gcp_shared_vpc_state="absent")
    assert stats["failures"] == 0 and stats["changed"] > 0
    assert xpn(gcp) == ("UNSPECIFIED_XPN_PROJECT_STATUS", [])
    assert gcp.get(VPCACCESS + CONNECTOR, timeout=30).status_code == 404
    assert gcp.get(f"{COMPUTE}projects/{HOST}/global/firewalls/allow-from-aws", timeout=30).status_code == 404
    assert project_members(gcp) == [] and project_members(gcp, "roles/vpcaccess.user") == [THEIRS]
    assert subnet_members(gcp, "ml-tokyo") == [THEIRS]
    assert project_members(gcp, "roles/owner") == [f"serviceAccount:twin@{HOST}.iam.gserviceaccount.com"]
    stats, _ = play(tmp_path, services(), gcp_shared_vpc_state="absent")
    assert (stats["failures"], stats["changed"]) == (0, 0)


# --- the host network created by the role, from nothing ---------------------------------------------------------

NEW = "vpc-svpc"  # a network the host project does not have
NEW_SUBNETS = [{"name": "app-tokyo", "ip_cidr_range": "10.110.0.0/20", "private_ip_google_access": True,
                "secondary_ip_ranges": [{"range_name": "pods", "ip_cidr_range": "10.112.0.0/16"}]},
               {"name": "api-osaka", "region": "asia-northeast2", "ip_cidr_range": "10.110.16.0/20"}]
NEW_CONNECTORS = [{"name": "svpc-a", "ip_cidr_range": "10.110.240.0/28"},
                  {"name": "svpc-b", "ip_cidr_range": "10.110.240.16/28"}]


def play_new(tmp_path, check=False, **host_vars):
    settings = {"gcp_shared_vpc_network": NEW, "gcp_shared_vpc_network_create": True,
                "gcp_shared_vpc_network_subnetworks": NEW_SUBNETS,
                "gcp_shared_vpc_subnetworks": [{"name": "app-tokyo"},
                                               {"name": "api-osaka", "region": "asia-northeast2"}],
                "gcp_shared_vpc_connectors": NEW_CONNECTORS, **host_vars}
    return play(tmp_path, services(ml={"subnetworks": ["app-tokyo"]}), check=check, **settings)


def connector(gcp, name):
    return gcp.get(f"{VPCACCESS}projects/{HOST}/locations/{REGION}/connectors/{name}", timeout=30)


def test_network_from_nothing_check_converge_rerun(twin, admin, gcp, tmp_path):
    admin.clear_calls()
    stats, _ = play_new(tmp_path, check=True)
    assert (stats["failures"], stats["changed"] > 0) == (0, True)
    assert writes(admin) == {}
    assert gcp.get(f"{COMPUTE}projects/{HOST}/global/networks/{NEW}", timeout=30).status_code == 404

    stats, _ = play_new(tmp_path)
    assert (stats["failures"], stats["changed"] > 0) == (0, True)
    network = gcp.get(f"{COMPUTE}projects/{HOST}/global/networks/{NEW}", timeout=30).json()
    assert network["autoCreateSubnetworks"] is False and len(network["subnetworks"]) == 2
    app = gcp.get(f"{COMPUTE}{SUBNET}app-tokyo", timeout=30).json()
    assert (app["ipCidrRange"], app["secondaryIpRanges"], app["privateIpGoogleAccess"]) == (
        "10.110.0.0/20", [{"rangeName": "pods", "ipCidrRange": "10.112.0.0/16"}], True)
    osaka = f"{COMPUTE}projects/{HOST}/regions/asia-northeast2/subnetworks/api-osaka"
    assert gcp.get(osaka, timeout=30).json()["ipCidrRange"] == "10.110.16.0/20"
    assert subnet_members(gcp, "app-tokyo") == sorted([API_SA, ML_GROUP, ML_SA])
    assert members(gcp, f"{osaka}/getIamPolicy") == [API_SA]
    assert [connector(gcp, c["name"]).json()["state"] for c in NEW_CONNECTORS] == ["READY", "READY"]
    assert xpn(gcp) == ("HOST", ["cb-svc-api", "cb-svc-ml"])

    admin.clear_calls()
    assert play_new(tmp_path)[0]["changed"] == 0
    assert writes(admin) == {}


def test_a_dropped_connector_and_firewall_rule_are_deleted(twin, gcp, tmp_path):
    rule = f"{COMPUTE}projects/{HOST}/global/firewalls/allow-from-aws"
    assert gcp.get(rule, timeout=30).json()["network"].endswith(f"/networks/{NEW}")
    stats, _ = play_new(tmp_path, gcp_shared_vpc_connectors=NEW_CONNECTORS[:1], gcp_shared_vpc_firewall={})
    assert (stats["failures"], stats["changed"] > 0) == (0, True)
    assert connector(gcp, "svpc-b").status_code == 404
    assert connector(gcp, "svpc-a").json()["state"] == "READY"
    assert gcp.get(rule, timeout=30).status_code == 404


def test_absent_removes_the_network_the_role_created_only(twin, gcp, tmp_path):
    stats, _ = play_new(tmp_path, gcp_shared_vpc_state="absent", gcp_shared_vpc_connectors=[],
                        gcp_shared_vpc_firewall={})
    assert (stats["failures"], stats["changed"] > 0) == (0, True)
    assert connector(gcp, "svpc-a").status_code == 404  # recorded, so deleted though no longer listed
    assert gcp.get(f"{COMPUTE}projects/{HOST}/global/networks/{NEW}", timeout=30).status_code == 404
    assert gcp.get(f"{COMPUTE}{SUBNET}app-tokyo", timeout=30).status_code == 404
    assert xpn(gcp) == ("UNSPECIFIED_XPN_PROJECT_STATUS", [])
    hub = gcp.get(f"{COMPUTE}projects/{HOST}/global/networks/vpc-hub", timeout=30).json()
    assert len(hub["subnetworks"]) == 2  # not the role's: left alone
    stats, _ = play_new(tmp_path, gcp_shared_vpc_state="absent", gcp_shared_vpc_connectors=[],
                        gcp_shared_vpc_firewall={})
    assert (stats["failures"], stats["changed"]) == (0, 0)
