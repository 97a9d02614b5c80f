"""Shared VPC as a googleapiclient user sees it: XPN host and service projects (Compute), IAM policies on
subnetworks (Compute) and projects (Cloud Resource Manager v1), Serverless VPC Access v1 connectors."""

from __future__ import annotations

import google.oauth2.credentials
import pytest
from googleapiclient import discovery

from twin.tests.test_gcp_compute import NET, P, R, done, error_of, insert
from twin.tests.topology import until, wait

SA = "serviceAccount:sa@cb-svc-ml.iam.gserviceaccount.com"
ROLE = "roles/compute.networkUser"
LOC = f"projects/{P}/locations/{R}"


def _client(twin, api: str):
    credentials = google.oauth2.credentials.Credentials(twin.env["GCP_ACCESS_TOKEN"])
    return discovery.build(api, "v1", credentials=credentials, cache_discovery=False)


@pytest.fixture(scope="module")
def crm(twin):
    return _client(twin, "cloudresourcemanager")


@pytest.fixture(scope="module")
def vpcaccess(twin):
    return _client(twin, "vpcaccess")


# --- XPN ------------------------------------------------------------------------------------------------


def test_xpn_refusals_host_with_services_unknown_project_and_attached_elsewhere(compute):
    projects = compute.projects()
    done(compute, projects.enableXpnHost(project=P), None)
    wait(compute, "cb-svc-api", projects.enableXpnHost(project="cb-svc-api").execute())
    attach = {"xpnResource": {"id": "cb-svc-ml", "type": "PROJECT"}}
    done(compute, projects.enableXpnResource(project=P, body=attach), None)
    error = error_of(projects.disableXpnHost(project=P))
    assert (error["code"], error["errors"][0]["reason"]) == (400, "invalidResourceUsage")
    assert "still has attached service projects" in error["message"]
    error = error_of(projects.enableXpnResource(project=P, body={"xpnResource": {"id": "cb-nope", "type": "PROJECT"}}))
    assert (error["code"], error["message"]) == (404, "The resource 'projects/cb-nope' was not found")
    error = error_of(projects.enableXpnResource(project="cb-svc-api", body=attach))
    assert (error["code"], error["errors"][0]["reason"]) == (400, "invalidResourceUsage")
    done(compute, projects.disableXpnResource(project=P, body=attach), None)
    assert done(compute, projects.disableXpnHost(project=P), None)["operationType"] == "disableXpnHost"
    assert projects.get(project=P).execute()["xpnProjectStatus"] == "UNSPECIFIED_XPN_PROJECT_STATUS"


# --- IAM policies ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("member, message", [
    ("sa@cb-svc-ml.iam.gserviceaccount.com", 'Policy members must be of the form "<type>:<value>".'),
    ("robot:sa@x.com",
     "The member robot:sa@x.com is of an unknown type. Please set a valid type prefix for the member."),
    ("user:not-an-email", "Request contains an invalid argument. Invalid member: user:not-an-email"),
    ("domain:bad domain", "Request contains an invalid argument. Invalid member: domain:bad domain"),
])
def test_subnetwork_policy_refuses_malformed_members(compute, member, message):
    error = error_of(compute.subnetworks().setIamPolicy(project=P, region=R, resource="hub-tokyo", body={
        "policy": {"bindings": [{"role": ROLE, "members": [member]}]}}))
    assert (error["code"], error["message"]) == (400, message)


def test_subnetwork_policy_checks_roles_and_takes_every_member_type(compute):
    subnets = compute.subnetworks()
    error = error_of(subnets.setIamPolicy(project=P, region=R, resource="hub-tokyo", body={
        "policy": {"bindings": [{"role": "roles/storage.admin", "members": [SA]}]}}))
    assert error["message"] == "Role roles/storage.admin is not supported for this resource."
    members = [SA, "user:ann@example.com", "group:ml@example.com", "domain:example.com"]
    policy = subnets.setIamPolicy(project=P, region=R, resource="hub-tokyo", body={
        "policy": {"bindings": [{"role": ROLE, "members": members}]}}).execute()
    assert policy["bindings"] == [{"role": ROLE, "members": members}]


def test_project_policy_round_trip_owner_kept_and_stale_etag(crm):
    projects = crm.projects()
    policy = projects.getIamPolicy(resource=P, body={}).execute()
    assert policy["bindings"][0]["role"] == "roles/owner" and policy["etag"]
    policy["bindings"].append({"role": ROLE, "members": [SA]})
    new = projects.setIamPolicy(resource=P, body={"policy": policy}).execute()
    assert new["bindings"] == policy["bindings"] and new["etag"] != policy["etag"]
    assert projects.getIamPolicy(resource=P, body={}).execute() == new
    error = error_of(projects.setIamPolicy(resource=P, body={"policy": policy}))
    assert error == {"code": 409, "status": "ABORTED", "message": "There were concurrent policy changes. Please "
                     "retry the whole read-modify-write with exponential backoff."}
    error = error_of(projects.setIamPolicy(resource=P, body={"policy": {
        "bindings": [{"role": ROLE, "members": ["sa@x.com"]}], "etag": new["etag"]}}))
    assert (error["code"], error["status"]) == (400, "INVALID_ARGUMENT")
    assert error_of(projects.getIamPolicy(resource="cb-nope", body={}))["code"] == 403


# --- Serverless VPC Access ---------------------------------------------------------------------------------


def _create(vpcaccess, name: str, **body):
    return vpcaccess.projects().locations().connectors().create(parent=LOC, connectorId=name, body=body).execute()


def _operation(vpcaccess, op: dict) -> dict:
    ops = vpcaccess.projects().locations().operations()
    return until(lambda: ops.get(name=op["name"]).execute(), lambda o: o.get("done"))


def test_connector_creating_then_ready_listed_and_deleted(vpcaccess, admin):
    admin.config(latency_scale=0.01)
    connectors = vpcaccess.projects().locations().connectors()
    op = _create(vpcaccess, "svpc-tokyo", network="vpc-hub", ipCidrRange="10.100.240.0/28", minInstances=2,
                 maxInstances=3)
    assert not op.get("done") and op["metadata"]["target"] == f"{LOC}/connectors/svpc-tokyo"
    assert connectors.get(name=f"{LOC}/connectors/svpc-tokyo").execute()["state"] == "CREATING"
    finished = _operation(vpcaccess, op)
    assert finished["response"]["state"] == "READY" and "error" not in finished
    assert connectors.get(name=f"{LOC}/connectors/svpc-tokyo").execute() == {
        "name": f"{LOC}/connectors/svpc-tokyo", "network": "vpc-hub", "ipCidrRange": "10.100.240.0/28",
        "machineType": "e2-micro", "minInstances": 2, "maxInstances": 3, "minThroughput": 200,
        "maxThroughput": 300, "state": "READY"}
    assert [c["name"] for c in connectors.list(parent=LOC).execute()["connectors"]] == [f"{LOC}/connectors/svpc-tokyo"]
    error = error_of(connectors.create(parent=LOC, connectorId="svpc-tokyo", body={
        "network": "vpc-hub", "ipCidrRange": "10.100.241.0/28", "maxInstances": 3}))
    assert (error["code"], error["status"]) == (409, "ALREADY_EXISTS")
    op = connectors.delete(name=f"{LOC}/connectors/svpc-tokyo").execute()
    assert connectors.get(name=f"{LOC}/connectors/svpc-tokyo").execute()["state"] == "DELETING"
    assert _operation(vpcaccess, op)["done"]
    assert error_of(connectors.get(name=f"{LOC}/connectors/svpc-tokyo"))["code"] == 404
    assert connectors.list(parent=LOC).execute() == {}


@pytest.mark.parametrize("name, body, message", [
    ("Bad_Name", {"network": "vpc-hub", "ipCidrRange": "10.8.0.0/28", "maxInstances": 3},
     "Connector ID must follow the pattern ^[a-z][-a-z0-9]{0,23}[a-z0-9]$."),
    ("a-name-longer-than-25-chars", {"network": "vpc-hub", "ipCidrRange": "10.8.0.0/28", "maxInstances": 3},
     "Connector ID must follow the pattern ^[a-z][-a-z0-9]{0,23}[a-z0-9]$."),
    ("c1", {"network": "vpc-hub", "ipCidrRange": "10.8.0.0/24", "maxInstances": 3},
     "Invalid IP CIDR range 10.8.0.0/24: a connector needs a /28 range."),
    ("c1", {"network": "nope", "ipCidrRange": "10.8.0.0/28", "maxInstances": 3}, "Network nope does not exist."),
])
def test_connector_request_refusals(vpcaccess, name, body, message):
    error = error_of(vpcaccess.projects().locations().connectors().create(parent=LOC, connectorId=name, body=body))
    assert (error["code"], error["message"]) == (400, message)


@pytest.mark.parametrize("body, message", [
    ({"ipCidrRange": "10.100.16.0/28", "maxInstances": 3}, "It conflicts with an existing subnetwork"),
    ({"ipCidrRange": "10.8.0.0/28"}, "A Connector must specify either max_throughput or max_instances."),
    ({"ipCidrRange": "10.8.0.0/28", "minInstances": 1, "maxInstances": 3}, "min_instances must be between 2"),
    ({"ipCidrRange": "10.8.0.0/28", "minInstances": 3, "maxInstances": 3}, "greater than min_instances"),
])
def test_connector_failures_found_while_creating_leave_an_error_connector(vpcaccess, body, message):
    finished = _operation(vpcaccess, _create(vpcaccess, "c1", network="vpc-hub", **body))
    assert finished["error"]["code"] == 3 and message in finished["error"]["message"]
    connector = vpcaccess.projects().locations().connectors().get(name=f"{LOC}/connectors/c1").execute()
    assert connector["state"] == "ERROR"


def test_connector_on_a_shared_28_subnetwork(compute, vpcaccess):
    insert(compute, "subnetworks", {"name": "svpc-conn", "network": NET, "ipCidrRange": "10.100.250.0/28"})
    op = _create(vpcaccess, "c2", subnet={"name": "svpc-conn", "projectId": P}, maxInstances=3)
    assert _operation(vpcaccess, op)["response"]["subnet"] == {"name": "svpc-conn", "projectId": P}
    error = error_of(vpcaccess.projects().locations().connectors().create(
        parent=LOC, connectorId="c3", body={"subnet": {"name": "hub-tokyo"}, "maxInstances": 3}))
    assert error["message"] == f"Subnet hub-tokyo must be an existing /28 subnetwork in {R}."


def test_project_metadata_set_with_fingerprint_and_refused_when_stale(compute):
    projects = compute.projects()
    before = projects.get(project=P).execute()["commonInstanceMetadata"]
    assert "items" not in before
    items = [{"key": "k", "value": "v"}]
    done(compute, projects.setCommonInstanceMetadata(project=P, body={"fingerprint": before["fingerprint"],
                                                                      "items": items}), None)
    after = projects.get(project=P).execute()["commonInstanceMetadata"]
    assert after["items"] == items and after["fingerprint"] != before["fingerprint"]
    stale = {"fingerprint": before["fingerprint"], "items": []}
    op = projects.setCommonInstanceMetadata(project=P, body=stale).execute()
    op = until(lambda: compute.globalOperations().get(project=P, operation=op["name"]).execute(),
               lambda o: o["status"] == "DONE")
    assert op["error"]["errors"][0]["message"] == "Supplied fingerprint does not match current metadata fingerprint."
    assert projects.get(project=P).execute()["commonInstanceMetadata"] == after


def test_firewall_rule_insert_patch_and_refusals(compute):
    firewalls = compute.firewalls()
    rule = {"name": "allow-aws", "network": NET, "sourceRanges": ["10.20.0.0/16"],
            "allowed": [{"IPProtocol": "tcp", "ports": ["443"]}]}
    done(compute, firewalls.insert(project=P, body=rule), None)
    got = firewalls.get(project=P, firewall="allow-aws").execute()
    assert (got["direction"], got["priority"], got["sourceRanges"], got["disabled"]) == (
        "INGRESS", 1000, ["10.20.0.0/16"], False)
    done(compute, firewalls.patch(project=P, firewall="allow-aws", body={"sourceRanges": ["10.30.0.0/16"]}), None)
    got = firewalls.get(project=P, firewall="allow-aws").execute()
    assert got["sourceRanges"] == ["10.30.0.0/16"] and got["allowed"] == rule["allowed"]
    error = error_of(firewalls.insert(project=P, body={"name": "both", "network": NET}))
    assert error["message"].endswith("Exactly one of allowed or denied must be specified.")
    error = error_of(firewalls.insert(project=P, body=dict(rule, name="bad", sourceRanges=["10.0.0.0/33"])))
    assert error["message"] == "Invalid value for field 'resource.sourceRanges[0]': '10.0.0.0/33'. Invalid IPCidrRange."
    done(compute, firewalls.delete(project=P, firewall="allow-aws"), None)
    assert error_of(firewalls.get(project=P, firewall="allow-aws"))["code"] == 404
