"""The Compute Engine v1 twin as a googleapiclient user sees it: auth, routing, validation, operations,
and the networking resources an HA VPN to AWS needs (api-samples.md §4-5)."""

from __future__ import annotations

import json
import re

import pytest
from googleapiclient.errors import HttpError

from twin.tests.topology import WWW, build, wait

P, R, NUMBER = "cb-net-host", "asia-northeast1", "480211350012"
NET = f"{WWW}/projects/{P}/global/networks/vpc-hub"


def url(kind: str, name: str, region: str | None = R) -> str:
    scope = f"regions/{region}" if region else "global"
    return f"{WWW}/projects/{P}/{scope}/{kind}/{name}"


def error_of(request) -> dict:
    """The ``error`` object of a call that must fail."""
    with pytest.raises(HttpError) as failed:
        request.execute()
    return json.loads(failed.value.content)["error"]


def done(compute, request, region: str | None = R) -> dict:
    return wait(compute, P, request.execute(), region)


def insert(compute, kind: str, body: dict, region: str | None = R) -> dict:
    collection = getattr(compute, kind)()
    scope = {"region": region} if region else {}
    done(compute, collection.insert(project=P, body=body, **scope), region)
    return collection.get(project=P, **scope, **{kind[:-1]: body["name"]}).execute()


@pytest.fixture
def vpn(compute):
    """An HA VPN gateway, a 4-IP peer gateway and a Cloud Router on the seed network."""
    gateway = insert(compute, "vpnGateways", {"name": "gw", "network": NET})
    peer = insert(compute, "externalVpnGateways", {
        "name": "aws", "redundancyType": "FOUR_IPS_REDUNDANCY",
        "interfaces": [{"id": i, "ipAddress": f"3.3.3.{i + 1}"} for i in range(4)]}, region=None)
    router = insert(compute, "routers", {"name": "cr", "network": NET, "bgp": {"asn": 65000}})
    return gateway, peer, router


def tunnel(i: int, **overrides) -> dict:
    return {"name": f"t{i}", "vpnGateway": url("vpnGateways", "gw"), "vpnGatewayInterface": i // 2,
            "peerExternalGateway": url("externalVpnGateways", "aws", None), "peerExternalGatewayInterface": i,
            "sharedSecret": f"secret_{i}", "ikeVersion": 2, "router": url("routers", "cr"), **overrides}


# --- auth, projects, regions, routing ------------------------------------------------------------------


def test_a_call_without_credentials_is_unauthenticated(compute):
    request = compute.networks().list(project=P)
    request.http = compute._http.http  # the same transport without the bearer token
    error = error_of(request)
    assert (error["code"], error["status"], error["errors"][0]["reason"]) == (401, "UNAUTHENTICATED", "required")
    assert error["message"].startswith("Request is missing required authentication credential.")


def test_a_foreign_token_is_refused(compute):
    request = compute.networks().list(project=P)
    request.http = compute._http.http  # no refresh attempt on 401: the header is all there is
    request.headers["authorization"] = "Bearer ya29.other"
    error = error_of(request)
    assert (error["code"], error["errors"][0]["reason"]) == (401, "authError")


def test_unknown_project_is_not_found_and_a_project_number_resolves(compute):
    error = error_of(compute.networks().get(project="nope-project", network="vpc-hub"))
    assert (error["code"], error["message"]) == (404, "The resource 'projects/nope-project' was not found")
    assert compute.networks().get(project=NUMBER, network="vpc-hub").execute()["selfLink"] == NET


def test_unknown_region_is_invalid(compute):
    error = error_of(compute.routers().list(project=P, region="mars-north1"))
    assert (error["code"], error["message"]) == (
        400, "Invalid value for field 'region': 'mars-north1'. Unknown region.")


def test_seed_network_and_subnetworks_are_there_with_www_links(compute):
    network = compute.networks().get(project=P, network="vpc-hub").execute()
    assert network["routingConfig"]["routingMode"] == "GLOBAL"
    assert network["subnetworks"] == [url("subnetworks", "hub-tokyo"), url("subnetworks", "ml-tokyo")]
    subnet = compute.subnetworks().get(project=P, region=R, subnetwork="hub-tokyo").execute()
    assert (subnet["kind"], subnet["ipCidrRange"], subnet["network"]) == ("compute#subnetwork", "10.100.0.0/20", NET)
    assert re.fullmatch(r"\d+", subnet["id"])
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[-+]\d\d:\d\d", subnet["creationTimestamp"])


def test_a_method_the_twin_does_not_serve_answers_501(compute):
    error = error_of(compute.networks().switchToCustomMode(project=P, network="vpc-hub"))
    assert (error["code"], error["status"]) == (501, "UNIMPLEMENTED")


def test_calls_are_counted_by_discovery_method_id(compute, admin):
    compute.networks().get(project=P, network="vpc-hub").execute()
    assert admin.calls()["gcp"]["compute.networks.get"] == 1


def test_lists_page_and_filter(compute):
    first = compute.subnetworks().list(project=P, region=R, maxResults=1).execute()
    second = compute.subnetworks().list_next(compute.subnetworks().list(project=P, region=R, maxResults=1),
                                             first).execute()
    assert [s["name"] for s in first["items"] + second["items"]] == ["hub-tokyo", "ml-tokyo"]
    assert "nextPageToken" not in second
    only = compute.subnetworks().list(project=P, region=R, filter='name = "ml-tokyo"').execute()
    assert [s["name"] for s in only["items"]] == ["ml-tokyo"]
    assert "items" not in compute.routers().list(project=P, region=R).execute()


# --- request validation ---------------------------------------------------------------------------------


def test_unknown_body_field_is_refused_with_esf_wording(compute):
    error = error_of(compute.networks().insert(project=P, body={"name": "n", "autoCreateSubnetworks": False,
                                                                 "colour": "blue"}))
    assert (error["code"], error["message"]) == (
        400, "Invalid JSON payload received. Unknown name \"colour\" at 'resource': Cannot find field.")


def test_nested_unknown_field_and_wrong_type_are_refused(compute):
    error = error_of(compute.routers().insert(project=P, region=R, body={"name": "r", "network": NET,
                                                                          "bgp": {"asn": 65000, "as": 1}}))
    assert "Unknown name \"as\" at 'resource.bgp'" in error["message"]
    error = error_of(compute.routers().insert(project=P, region=R, body={"name": "r", "network": NET,
                                                                          "bgp": {"asn": "sixty"}}))
    assert (error["code"], error["message"]) == (400, "Invalid value at 'resource.bgp.asn' (TYPE_UINT32), \"sixty\"")


def test_output_only_fields_sent_are_ignored(compute):
    network = insert(compute, "networks", {"name": "n1", "autoCreateSubnetworks": False, "id": "1",
                                           "selfLink": "x", "kind": "compute#wrong"}, region=None)
    assert (network["id"], network["kind"], network["selfLink"]) != ("1", "compute#wrong", "x")
    assert network["selfLink"] == f"{WWW}/projects/{P}/global/networks/n1"


def test_missing_body_is_required(compute):
    request = compute.networks().insert(project=P, body={})
    request.body, request.headers["content-length"] = "", "0"
    error = error_of(request)
    assert (error["code"], error["message"], error["errors"][0]["reason"]) == (
        400, "Required field 'resource' not specified", "required")


def test_bad_names_show_the_regex(compute):
    error = error_of(compute.networks().insert(project=P, body={"name": "Bad_Name", "autoCreateSubnetworks": False}))
    assert error["message"] == ("Invalid value for field 'resource.name': 'Bad_Name'. "
                                "Must be a match of regex '(?:[a-z](?:[-a-z0-9]{0,61}[a-z0-9])?)'")


def test_duplicate_and_missing_names(compute):
    error = error_of(compute.subnetworks().insert(project=P, region=R, body={
        "name": "hub-tokyo", "network": NET, "ipCidrRange": "10.1.0.0/24"}))
    assert (error["code"], error["message"]) == (
        409, f"The resource 'projects/{P}/regions/{R}/subnetworks/hub-tokyo' already exists")
    error = error_of(compute.vpnTunnels().get(project=P, region=R, vpnTunnel="nope"))
    assert (error["code"], error["message"], error["errors"][0]["reason"]) == (
        404, f"The resource 'projects/{P}/regions/{R}/vpnTunnels/nope' was not found", "notFound")


@pytest.mark.parametrize("network", [NET, NET.replace("www.googleapis.com", "compute.googleapis.com"),
                                     f"projects/{P}/global/networks/vpc-hub", "global/networks/vpc-hub"])
def test_references_in_every_accepted_form_are_stored_as_www_links(compute, network):
    gateway = insert(compute, "vpnGateways", {"name": "gw", "network": network})
    assert gateway["network"] == NET


def test_a_bare_name_reference_is_malformed(compute):
    error = error_of(compute.vpnGateways().insert(project=P, region=R, body={"name": "gw", "network": "vpc-hub"}))
    assert error["message"] == "Invalid value for field 'resource.network': 'vpc-hub'.  The URL is malformed."


# --- operations -----------------------------------------------------------------------------------------


def test_operations_go_pending_running_done(compute, admin):
    admin.config(latency_scale=0.3)  # about 1.5 s in all
    op = compute.networks().insert(project=P, body={"name": "slow", "autoCreateSubnetworks": False}).execute()
    assert (op["kind"], op["status"], op["operationType"]) == ("compute#operation", "PENDING", "insert")
    assert re.fullmatch(r"operation-\d{13}-[0-9a-f]{13}-[0-9a-f]{8}-[0-9a-f]{8}", op["name"])
    assert op["targetLink"] == f"{WWW}/projects/{P}/global/networks/slow"
    assert op["selfLink"] == f"{WWW}/projects/{P}/global/operations/{op['name']}"
    finished = compute.globalOperations().wait(project=P, operation=op["name"]).execute()
    assert (finished["status"], finished["progress"]) == ("DONE", 100)
    assert "endTime" in finished and "error" not in finished
    assert compute.globalOperations().get(project=P, operation=op["name"]).execute()["status"] == "DONE"


def test_regional_operations_live_under_their_region(compute):
    op = compute.vpnGateways().insert(project=P, region=R, body={"name": "gw", "network": NET}).execute()
    assert op["region"] == f"{WWW}/projects/{P}/regions/{R}"
    assert compute.regionOperations().get(project=P, region=R, operation=op["name"]).execute()["name"] == op["name"]
    error = error_of(compute.globalOperations().get(project=P, operation=op["name"]))
    assert error["code"] == 404


def test_an_overlapping_subnetwork_fails_inside_its_operation(compute):
    op = compute.subnetworks().insert(project=P, region="us-east4", body={
        "name": "overlap", "network": NET, "ipCidrRange": "10.100.8.0/24"}).execute()
    finished = compute.regionOperations().wait(project=P, region="us-east4", operation=op["name"]).execute()
    assert finished["status"] == "DONE" and finished["httpErrorStatusCode"] == 400
    assert finished["error"]["errors"][0]["code"] == "INVALID_USAGE"
    assert finished["error"]["errors"][0]["message"].startswith("Invalid IPCidrRange: 10.100.8.0/24 conflicts with")
    assert error_of(compute.subnetworks().get(project=P, region="us-east4", subnetwork="overlap"))["code"] == 404


# --- networks, subnetworks, IAM -------------------------------------------------------------------------


def test_a_network_in_use_cannot_be_deleted_and_an_unused_one_can(compute):
    op = compute.networks().delete(project=P, network="vpc-hub").execute()
    finished = compute.globalOperations().wait(project=P, operation=op["name"]).execute()
    assert (finished["httpErrorStatusCode"], finished["error"]["errors"]) == (400, [{
        "code": "RESOURCE_IN_USE_BY_ANOTHER_RESOURCE",
        "message": f"The network resource 'projects/{P}/global/networks/vpc-hub' is "
                   f"already being used by 'projects/{P}/regions/{R}/subnetworks/hub-tokyo'"}])
    assert compute.networks().get(project=P, network="vpc-hub").execute()["name"] == "vpc-hub"
    insert(compute, "networks", {"name": "spare", "autoCreateSubnetworks": False}, region=None)
    op = done(compute, compute.networks().delete(project=P, network="spare"), None)
    assert op["operationType"] == "delete"
    assert error_of(compute.networks().get(project=P, network="spare"))["code"] == 404


def test_secondary_ranges_are_checked_and_patched_with_the_fingerprint(compute):
    subnets = compute.subnetworks()
    body = {"name": "pods", "network": NET, "ipCidrRange": "10.120.0.0/24",
            "secondaryIpRanges": [{"rangeName": "pods", "ipCidrRange": "10.120.0.128/25"}]}
    error = error_of(subnets.insert(project=P, region=R, body=body))
    assert (error["code"], error["message"]) == (400, "Invalid value for field 'resource.secondaryIpRanges[0]."
                                                 "ipCidrRange': '10.120.0.128/25'. Invalid IPCidrRange: "
                                                 f"10.120.0.128/25 conflicts with existing subnetwork 'pods' in "
                                                 f"region '{R}'.")
    body["secondaryIpRanges"] = [{"rangeName": "Pods", "ipCidrRange": "10.121.0.0/24"}]
    assert "rangeName" in error_of(subnets.insert(project=P, region=R, body=body))["message"]
    body["secondaryIpRanges"] = [{"rangeName": "pods", "ipCidrRange": "10.121.0.0/24"}]
    subnet = insert(compute, "subnetworks", body)
    assert (subnet["secondaryIpRanges"], subnet["privateIpGoogleAccess"]) == (body["secondaryIpRanges"], False)
    # A secondary range overlapping another subnetwork of the network is refused at once on patch.
    clash = {"secondaryIpRanges": [{"rangeName": "x", "ipCidrRange": "10.100.0.0/24"}],
             "fingerprint": subnet["fingerprint"]}
    error = error_of(subnets.patch(project=P, region=R, subnetwork="pods", body=clash))
    assert error["code"] == 400 and "conflicts with existing subnetwork 'hub-tokyo'" in error["message"]
    error = error_of(subnets.patch(project=P, region=R, subnetwork="pods", body={"secondaryIpRanges": []}))
    assert (error["code"], error["message"]) == (400, "Required field 'resource.fingerprint' not specified")
    error = error_of(subnets.patch(project=P, region=R, subnetwork="pods",
                                   body={"ipCidrRange": "10.120.0.0/23", "fingerprint": subnet["fingerprint"]}))
    assert error["message"].endswith("cannot be modified: [ipCidrRange]")
    done(compute, subnets.patch(project=P, region=R, subnetwork="pods",
                                body={"secondaryIpRanges": [], "fingerprint": subnet["fingerprint"]}))
    error = error_of(subnets.patch(project=P, region=R, subnetwork="pods",
                                   body={"secondaryIpRanges": [], "fingerprint": subnet["fingerprint"]}))
    assert error["code"] == 412
    done(compute, subnets.setPrivateIpGoogleAccess(project=P, region=R, subnetwork="pods",
                                                   body={"privateIpGoogleAccess": True}))
    subnet = subnets.get(project=P, region=R, subnetwork="pods").execute()
    assert (subnet["secondaryIpRanges"], subnet["privateIpGoogleAccess"]) == ([], True)


def test_subnetwork_iam_policy_round_trip_and_stale_etag(compute):
    subnets = compute.subnetworks()
    policy = subnets.getIamPolicy(project=P, region=R, resource="hub-tokyo").execute()
    assert policy == {"etag": "ACAB"}
    binding = {"role": "roles/compute.networkUser", "members": ["serviceAccount:sa@cb-svc-ml.iam.gserviceaccount.com"]}
    new = subnets.setIamPolicy(project=P, region=R, resource="hub-tokyo",
                               body={"policy": {"bindings": [binding], "etag": "ACAB"}}).execute()
    assert new["bindings"] == [binding] and new["etag"] != "ACAB"
    assert subnets.getIamPolicy(project=P, region=R, resource="hub-tokyo").execute() == new
    error = error_of(subnets.setIamPolicy(project=P, region=R, resource="hub-tokyo",
                                          body={"policy": {"bindings": [], "etag": "ACAB"}}))
    assert (error["code"], error["status"]) == (409, "ABORTED")


# --- HA VPN gateways, peer gateways, labels -------------------------------------------------------------


def test_ha_gateway_gets_two_public_interface_addresses(compute):
    gateway = insert(compute, "vpnGateways", {"name": "gw", "network": NET})
    assert [i["id"] for i in gateway["vpnInterfaces"]] == [0, 1]
    assert len({i["ipAddress"] for i in gateway["vpnInterfaces"]}) == 2
    assert (gateway["stackType"], gateway["labelFingerprint"]) == ("IPV4_ONLY", "42WmSpB8rSM=")
    assert gateway["region"] == f"{WWW}/projects/{P}/regions/{R}"


@pytest.mark.parametrize(("redundancy", "ids"), [("FOUR_IPS_REDUNDANCY", [0, 1, 2]), ("TWO_IPS_REDUNDANCY", [0, 2]),
                                                 ("SINGLE_IP_INTERNALLY_REDUNDANT", [0, 1])])
def test_peer_gateway_interfaces_must_match_the_redundancy_type(compute, redundancy, ids):
    body = {"name": "aws", "redundancyType": redundancy,
            "interfaces": [{"id": i, "ipAddress": f"3.3.3.{i + 1}"} for i in ids]}
    error = error_of(compute.externalVpnGateways().insert(project=P, body=body))
    assert (error["code"], error["errors"][0]["reason"]) == (400, "invalid")


def test_set_labels_needs_the_current_fingerprint(compute, vpn):
    gateways = compute.vpnGateways()
    body = {"labels": {"env": "prod"}, "labelFingerprint": "42WmSpB8rSM="}
    op = done(compute, gateways.setLabels(project=P, region=R, resource="gw", body=body))
    assert op["operationType"] == "setLabels"
    labelled = gateways.get(project=P, region=R, vpnGateway="gw").execute()
    assert labelled["labels"] == {"env": "prod"} and labelled["labelFingerprint"] != "42WmSpB8rSM="
    error = error_of(gateways.setLabels(project=P, region=R, resource="gw", body=body))
    assert (error["code"], error["errors"][0]["reason"], error["message"]) == (
        412, "conditionNotMet", "Labels fingerprint either invalid or resource labels have changed")
    peer = compute.externalVpnGateways()
    done(compute, peer.setLabels(project=P, resource="aws", body=body), None)
    assert peer.get(project=P, externalVpnGateway="aws").execute()["labels"] == {"env": "prod"}
    insert(compute, "vpnTunnels", tunnel(0))
    done(compute, compute.vpnTunnels().setLabels(project=P, region=R, resource="t0", body=body))
    assert compute.vpnTunnels().get(project=P, region=R, vpnTunnel="t0").execute()["labels"] == {"env": "prod"}


# --- VPN tunnels ----------------------------------------------------------------------------------------


def test_tunnel_hides_its_secret_and_reports_link_status(compute, vpn):
    got = insert(compute, "vpnTunnels", tunnel(0))
    assert got["sharedSecret"] == "*" * 13 and len(got["sharedSecretHash"]) == 28
    assert (got["peerIp"], got["ikeVersion"], got["vpnGatewayInterface"]) == ("3.3.3.1", 2, 0)
    assert got["router"] == url("routers", "cr")
    # No AWS side exists: the link reports the tunnel waiting for its peer.
    assert got["status"] == "NO_INCOMING_PACKETS" and got["detailedStatus"]
    ok = insert(compute, "vpnTunnels", tunnel(1, name="t1", vpnGatewayInterface=None))
    assert ok["vpnGatewayInterface"] == 0  # an omitted interface number is 0


def test_ha_tunnel_traffic_selectors_are_output_only(compute, vpn):
    got = insert(compute, "vpnTunnels", tunnel(0, localTrafficSelector=["10.0.0.0/8"],
                                                remoteTrafficSelector=["192.168.0.0/16"]))
    assert (got["localTrafficSelector"], got["remoteTrafficSelector"]) == (["0.0.0.0/0"], ["0.0.0.0/0"])


@pytest.mark.parametrize(("overrides", "field"), [
    ({"vpnGatewayInterface": 2}, "resource.vpnGatewayInterface"),
    ({"peerExternalGatewayInterface": 4}, "resource.peerExternalGatewayInterface"),
    ({"ikeVersion": 3}, "resource.ikeVersion"),
])
def test_tunnel_with_bad_interfaces_or_ike_version_is_refused(compute, vpn, overrides, field):
    error = error_of(compute.vpnTunnels().insert(project=P, region=R, body=tunnel(0, **overrides)))
    assert error["code"] == 400 and error["message"].startswith(f"Invalid value for field '{field}'")


def test_second_tunnel_to_the_same_peer_interface_is_refused(compute, vpn):
    insert(compute, "vpnTunnels", tunnel(0))
    error = error_of(compute.vpnTunnels().insert(project=P, region=R, body=tunnel(0, name="again")))
    assert error["message"].startswith("Invalid value for field 'resource.peerExternalGatewayInterface': '0'. "
                                       "A tunnel with same peer external VPN gateway")


def test_tunnel_to_a_missing_router_is_not_found(compute, vpn):
    error = error_of(compute.vpnTunnels().insert(project=P, region=R, body=tunnel(0, router=url("routers", "x"))))
    assert (error["code"], error["message"]) == (
        404, f"The resource 'projects/{P}/regions/{R}/routers/x' was not found")


@pytest.mark.parametrize(("kind", "param", "name", "word", "region"), [
    ("routers", "router", "cr", "router", R), ("vpnGateways", "vpnGateway", "gw", "vpnGateway", R),
    ("externalVpnGateways", "externalVpnGateway", "aws", "externalVpnGateway", None)])
def test_resources_used_by_a_tunnel_cannot_be_deleted(compute, vpn, kind, param, name, word, region):
    insert(compute, "vpnTunnels", tunnel(0))
    scope = {"region": region} if region else {}
    error = error_of(getattr(compute, kind)().delete(project=P, **scope, **{param: name}))
    where = f"regions/{region}" if region else "global"
    assert (error["code"], error["errors"][0]["reason"], error["message"]) == (
        400, "resourceInUseByAnotherResource", f"The {word} resource 'projects/{P}/{where}/{kind}/{name}' is "
        f"already being used by 'projects/{P}/regions/{R}/vpnTunnels/t0'")
    done(compute, compute.vpnTunnels().delete(project=P, region=R, vpnTunnel="t0"))
    done(compute, getattr(compute, kind)().delete(project=P, **scope, **{param: name}), region)


def test_gateway_status_reports_redundancy(compute, vpn):
    gateways = compute.vpnGateways()
    for i in (0, 1):
        insert(compute, "vpnTunnels", tunnel(i))
    status = gateways.getStatus(project=P, region=R, vpnGateway="gw").execute()["result"]["vpnConnections"][0]
    assert status["state"] == {"state": "CONNECTION_REDUNDANCY_NOT_MET",
                               "unsatisfiedReason": "INCOMPLETE_TUNNELS_COVERAGE"}
    for i in (2, 3):
        insert(compute, "vpnTunnels", tunnel(i))
    status = gateways.getStatus(project=P, region=R, vpnGateway="gw").execute()["result"]["vpnConnections"][0]
    assert status["state"] == {"state": "CONNECTION_REDUNDANCY_MET"}
    assert [(t["localGatewayInterface"], t["peerGatewayInterface"]) for t in status["tunnels"]] == [
        (0, 0), (0, 1), (1, 2), (1, 3)]


# --- Cloud Routers --------------------------------------------------------------------------------------


def peer_body(n: int = 0, **overrides) -> tuple[dict, dict]:
    interface = {"name": f"if-{n}", "ipRange": f"169.254.{10 + n}.2/30"}
    peer = {"name": f"peer-{n}", "interfaceName": f"if-{n}", "ipAddress": f"169.254.{10 + n}.2",
            "peerIpAddress": f"169.254.{10 + n}.1", "peerAsn": 64512, **overrides}
    return interface, peer


def patch(compute, **body):
    return compute.routers().patch(project=P, region=R, router="cr", body=body)


@pytest.mark.parametrize("asn", [1, 64511, 65535, 4294967295])
def test_router_asn_must_be_private_or_16550(compute, asn):
    error = error_of(compute.routers().insert(project=P, region=R, body={"name": "r", "network": NET,
                                                                          "bgp": {"asn": asn}}))
    assert error["message"] == (f"Invalid value for field 'resource.bgp.asn': '{asn}'. Local ASN must be either in "
                                "the RFC6996 private ASN ranges: [64512..65534], [4200000000..4294967294]; "
                                "or be the value of [16550].")


def test_router_defaults_and_enable_string(compute, vpn):
    interface, peer = peer_body()
    done(compute, patch(compute, interfaces=[interface], bgpPeers=[peer]))
    router = compute.routers().get(project=P, region=R, router="cr").execute()
    assert router["bgp"] == {"asn": 65000, "advertiseMode": "DEFAULT", "keepaliveInterval": 20}
    got = router["bgpPeers"][0]
    assert (got["enable"], got["advertiseMode"], got["enableIpv4"]) == ("TRUE", "DEFAULT", True)


def test_peer_address_different_from_its_interface_is_refused(compute, vpn):
    interface, peer = peer_body(ipAddress="169.254.10.1", peerIpAddress="169.254.10.2")
    error = error_of(patch(compute, interfaces=[interface], bgpPeers=[peer]))
    assert error["message"] == ("Invalid value for field 'resource.bgpPeers[0].ipAddress': ''. BGP Peer \"peer-0\" "
                                "has IP address 169.254.10.1 different from interface IP address 169.254.10.2")


@pytest.mark.parametrize(("overrides", "field"), [({"peerIpAddress": "169.254.99.1"}, "peerIpAddress"),
                                                  ({"interfaceName": "if-missing"}, "interfaceName")])
def test_peer_outside_its_range_or_on_a_missing_interface_is_refused(compute, vpn, overrides, field):
    interface, peer = peer_body(**overrides)
    error = error_of(patch(compute, interfaces=[interface], bgpPeers=[peer]))
    assert error["code"] == 400
    assert error["message"].startswith(f"Invalid value for field 'resource.bgpPeers[0].{field}'")


def test_two_interfaces_on_one_range_are_refused(compute, vpn):
    error = error_of(patch(compute, interfaces=[peer_body(0)[0], dict(peer_body(1)[0], ipRange="169.254.10.1/30")]))
    assert error["code"] == 400
    assert error["message"].startswith("Invalid value for field 'resource.interfaces[1].ipRange': '169.254.10.1/30'.")


def test_peer_asn_equal_to_another_routers_asn_is_refused(compute, vpn):
    insert(compute, "routers", {"name": "other", "network": NET, "bgp": {"asn": 64512}})
    interface, peer = peer_body()
    error = error_of(patch(compute, interfaces=[interface], bgpPeers=[peer]))
    assert error["message"] == ("Invalid value for field 'resource.bgpPeers[0].peerAsn': '64512'. Peer ASN conflicts "
                                "with local ASN of another router in the same region and network: other.")


def test_patch_merges_top_level_fields_and_replaces_lists(compute, vpn):
    first, second = peer_body(0), peer_body(1)
    done(compute, patch(compute, description="hub", interfaces=[first[0], second[0]], bgpPeers=[first[1], second[1]]))
    op = done(compute, patch(compute, interfaces=[second[0]], bgpPeers=[second[1]]))
    assert op["operationType"] == "patch"
    router = compute.routers().get(project=P, region=R, router="cr").execute()
    assert (router["description"], router["bgp"]["asn"]) == ("hub", 65000)
    assert [p["name"] for p in router["bgpPeers"]] == ["peer-1"]


def test_update_replaces_the_whole_router(compute, vpn):
    done(compute, patch(compute, description="hub"))
    body = {"name": "cr", "network": NET, "bgp": {"asn": 65001}}
    op = done(compute, compute.routers().update(project=P, region=R, router="cr", body=body))
    router = compute.routers().get(project=P, region=R, router="cr").execute()
    assert (op["operationType"], router["bgp"]["asn"], router.get("description", "")) == ("update", 65001, "")


def test_router_status_lists_each_peer_down_without_an_aws_side(compute, vpn):
    insert(compute, "vpnTunnels", tunnel(0))
    interface, peer = peer_body()
    done(compute, patch(compute, interfaces=[dict(interface, linkedVpnTunnel=url("vpnTunnels", "t0"))],
                        bgpPeers=[peer]))
    status = compute.routers().getRouterStatus(project=P, region=R, router="cr").execute()
    assert status["kind"] == "compute#routerStatusResponse" and status["result"]["network"] == NET
    (got,) = status["result"]["bgpPeerStatus"]
    assert (got["name"], got["status"], got["linkedVpnTunnel"]) == ("peer-0", "DOWN", url("vpnTunnels", "t0"))
    assert "uptime" not in got and "bestRoutes" not in status["result"]


def test_an_interface_keeps_the_link_to_a_deleted_tunnel_but_cannot_gain_one(compute, vpn):
    insert(compute, "vpnTunnels", tunnel(0))
    interface, peer = peer_body()
    linked = dict(interface, linkedVpnTunnel=url("vpnTunnels", "t0"))
    done(compute, patch(compute, interfaces=[linked], bgpPeers=[peer]))
    done(compute, compute.vpnTunnels().delete(project=P, region=R, vpnTunnel="t0"))
    done(compute, patch(compute, description="after", interfaces=[linked], bgpPeers=[peer]))
    other = dict(peer_body(1)[0], linkedVpnTunnel=url("vpnTunnels", "t0"))
    error = error_of(patch(compute, interfaces=[linked, other], bgpPeers=[peer]))
    assert (error["code"], error["message"]) == (
        404, f"The resource 'projects/{P}/regions/{R}/vpnTunnels/t0' was not found")


# --- Shared VPC -----------------------------------------------------------------------------------------


def test_shared_vpc_host_and_service_projects(compute):
    projects = compute.projects()
    attach = {"xpnResource": {"id": "cb-svc-ml", "type": "PROJECT"}}
    error = error_of(projects.enableXpnResource(project=P, body=attach))
    assert (error["errors"][0]["reason"], error["message"]) == (
        "invalidResourceUsage", f"Invalid resource usage: ''projects/{P}' is not a shared VPC host project.'.")
    assert done(compute, projects.enableXpnHost(project=P), None)["operationType"] == "enableXpnHost"
    assert projects.get(project=P).execute()["xpnProjectStatus"] == "HOST"
    done(compute, projects.enableXpnResource(project=P, body=attach), None)
    assert projects.getXpnHost(project="cb-svc-ml").execute()["name"] == P
    assert projects.getXpnResources(project=P).execute()["resources"] == [{"id": "cb-svc-ml", "type": "PROJECT"}]
    done(compute, projects.disableXpnResource(project=P, body=attach), None)
    error = error_of(projects.disableXpnResource(project=P, body=attach))
    assert (error["code"], error["errors"][0]["reason"]) == (400, "invalidResourceUsage")
    assert "resources" not in projects.getXpnResources(project=P).execute()


def advertised(compute, router: str) -> dict[str, list[str]]:
    """destRanges each UP BGP session advertises, from routers.getRouterStatus."""
    result = compute.routers().getRouterStatus(project=P, region=R, router=router).execute()["result"]
    return {p["name"]: sorted(r["destRange"] for r in p.get("advertisedRoutes", [])) for p in result["bgpPeerStatus"]}


def test_router_advertises_by_routing_mode_custom_ranges_and_per_peer_overrides(compute, ec2):
    insert(compute, "networks", {"name": "regional", "autoCreateSubnetworks": False,
                                 "routingConfig": {"routingMode": "REGIONAL"}}, region=None)
    regional = f"{WWW}/projects/{P}/global/networks/regional"
    insert(compute, "subnetworks", {"name": "tokyo", "network": regional, "ipCidrRange": "10.50.0.0/20"})
    insert(compute, "subnetworks", {"name": "virginia", "network": regional, "ipCidrRange": "10.60.0.0/20"},
           region="us-east4")
    t = build(ec2, compute, name="adv", network="regional")
    peers = [f"peer-{t.tunnel_name(i)}" for i in range(4)]
    # DEFAULT under REGIONAL routing: only the router's region's subnetworks.
    assert advertised(compute, t.router) == {p: ["10.50.0.0/20"] for p in peers}
    routers = compute.routers()
    router = routers.get(project=P, region=R, router=t.router).execute()
    custom = {"asn": 65000, "advertiseMode": "CUSTOM", "advertisedGroups": ["ALL_SUBNETS"],
              "advertisedIpRanges": [{"range": "192.168.0.0/16"}]}
    first = dict(router["bgpPeers"][0], advertiseMode="CUSTOM", advertisedIpRanges=[{"range": "172.16.0.0/12"}])
    done(compute, routers.patch(project=P, region=R, router=t.router,
                                body={"bgp": custom, "bgpPeers": [first, *router["bgpPeers"][1:]]}))
    assert advertised(compute, t.router) == {peers[0]: ["172.16.0.0/12"],
                                             **{p: ["10.50.0.0/20", "192.168.0.0/16"] for p in peers[1:]}}
