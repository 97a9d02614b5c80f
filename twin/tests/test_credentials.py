"""Credentials refused as the clouds refuse them: an AWS key the twin does not know or a wrong secret key, in each
protocol's error shape; a GCP token it did not issue (401) or one whose principal has no role in the project (403);
GCP labels checked as Compute checks them. Known keys act in their own seed account."""

from __future__ import annotations

import boto3
import pytest
import requests
from botocore.exceptions import ClientError

from twin.config import load_seed

SEED = load_seed()
KEYS = {str(a["id"]): a["credentials"] for a in SEED["aws"]["accounts"]}
TOKENS = {p["email"].split("@")[0]: p["token"] for p in SEED["gcp"]["principals"]}
COMPUTE = "https://compute.googleapis.com/compute/v1/projects/"


def _session(key_id, secret, token=None):
    return boto3.session.Session(aws_access_key_id=key_id, aws_secret_access_key=secret, aws_session_token=token)


def _error(call):
    with pytest.raises(ClientError) as caught:
        call()
    response = caught.value.response
    return response["ResponseMetadata"]["HTTPStatusCode"], response["Error"]["Code"], response["Error"]["Message"]


INVALID = "The security token included in the request is invalid."
SIGNATURE = "The request signature we calculated does not match the signature you provided."
CALLS = {  # service -> one read
    "ec2": lambda c: c.describe_vpcs(),
    "sts": lambda c: c.get_caller_identity(),
    "ram": lambda c: c.get_resource_shares(resourceOwner="SELF"),
}


@pytest.mark.parametrize(("service", "unknown", "expected"), [
    ("ec2", (401, "AuthFailure", "AWS was not able to validate the provided access credentials"),
     (401, "AuthFailure", "AWS was not able to validate the provided access credentials")),
    ("sts", (403, "InvalidClientTokenId", INVALID), (403, "SignatureDoesNotMatch", SIGNATURE)),
    ("ram", (403, "UnrecognizedClientException", INVALID), (403, "InvalidSignatureException", SIGNATURE)),
])
def test_an_unknown_key_and_a_wrong_secret_are_refused_in_each_protocols_shape(twin, admin, service, unknown,
                                                                                 expected):
    admin.clear_calls()
    status, code, message = _error(lambda: CALLS[service](_session("AKIAUNKNOWN000000000", "x" * 40).client(service)))
    assert (status, code) == unknown[:2] and message.startswith(unknown[2])
    hub = KEYS["111111111111"]["access_key_id"]
    status, code, message = _error(lambda: CALLS[service](_session(hub, "y" * 40).client(service)))
    assert (status, code) == expected[:2] and message.startswith(expected[2])
    # Refused, never retried by the SDK (not a throttling answer), and counted like any call.
    assert sum(admin.calls()["aws"].values()) == 2


def test_each_seed_key_acts_in_its_own_account_and_the_env_holds_the_hubs(twin):
    for account, key in KEYS.items():
        identity = _session(key["access_key_id"], key["secret_access_key"]).client("sts").get_caller_identity()
        assert identity["Account"] == account
        assert identity["Arn"] == f"arn:aws:iam::{account}:user/cloudbridge-operator"
    assert twin.env["AWS_ACCESS_KEY_ID"] == KEYS["111111111111"]["access_key_id"]
    news = KEYS["222222222222"]
    vpcs = _session(news["access_key_id"], news["secret_access_key"]).client("ec2").describe_vpcs(
        Filters=[{"Name": "tag:Name", "Values": ["news-prod"]}])["Vpcs"]
    assert [v["CidrBlock"] for v in vpcs] == ["10.20.0.0/16"]


def test_assumed_role_credentials_need_their_session_token(sts):
    creds = sts.assume_role(RoleArn="arn:aws:iam::333333333333:role/admin", RoleSessionName="twin-test")["Credentials"]
    good = _session(creds["AccessKeyId"], creds["SecretAccessKey"], creds["SessionToken"])
    assert good.client("ram").get_resource_share_invitations()["resourceShareInvitations"] == []
    # Another session token with the same key is not the one STS issued.
    forged = _session(creds["AccessKeyId"], creds["SecretAccessKey"], "forged-token")
    assert _error(lambda: forged.client("sts").get_caller_identity())[1:] == ("InvalidClientTokenId", INVALID)


def _get(token, path):
    return requests.get(COMPUTE + path, headers={"Authorization": f"Bearer {token}"}, timeout=30)


def test_a_token_the_twin_did_not_issue_is_401_unauthenticated(twin):
    answer = _get("ya29.not-issued", "cb-net-host")
    assert answer.status_code == 401
    error = answer.json()["error"]
    assert error["status"] == "UNAUTHENTICATED" and error["errors"][0]["reason"] == "authError"
    assert error["message"].startswith("Request had invalid authentication credentials.")


def test_a_principal_without_a_role_in_the_project_is_403_permission_denied(twin):
    assert _get(TOKENS["network-only"], "cb-svc-ml").status_code == 200
    answer = _get(TOKENS["network-only"], "cb-svc-api/global/networks")
    assert answer.status_code == 403
    error = answer.json()["error"]
    assert error["status"] == "PERMISSION_DENIED" and error["errors"][0]["reason"] == "forbidden"
    assert error["message"] == ("Google Compute Engine: Required 'compute.networks.list' permission for "
                                "'projects/cb-svc-api/global/networks'.")
    crm = requests.post("https://cloudresourcemanager.googleapis.com/v1/projects/cb-net-host:getIamPolicy",
                        headers={"Authorization": f"Bearer {TOKENS['deployer']}"}, json={}, timeout=30)
    assert crm.status_code == 403 and crm.json()["error"] == {
        "code": 403, "message": "The caller does not have permission", "status": "PERMISSION_DENIED"}
    # An unknown project stays 404 for whoever asks.
    assert _get(TOKENS["cloudbridge-deployer"], "cb-nowhere").status_code == 404


GATEWAYS = "cb-net-host/regions/asia-northeast1/vpnGateways"


@pytest.mark.parametrize(("labels", "words"), [
    ({"Team": "net"}, "Label key 'Team' violates format constraints. The key must start with a lowercase character"),
    ({"1team": "net"}, "Label key '1team' violates format constraints"),
    ({"k" * 64: "v"}, f"Label key '{'k' * 64}' violates format constraints"),
    ({"team": "Net"}, "Label value 'Net' violates format constraints. The value can only contain lowercase letters"),
    ({"team": "a.b"}, "Label value 'a.b' violates format constraints"),
    ({"team": "v" * 64}, f"Label value '{'v' * 64}' violates format constraints"),
    ({f"k{i}": "v" for i in range(65)}, "Too many labels"),
])
def test_labels_are_checked_as_compute_checks_them(twin, labels, words):
    body = {"name": "gw-labels", "network": "global/networks/vpc-hub", "labels": labels}
    answer = requests.post(COMPUTE + GATEWAYS, headers={"Authorization": f"Bearer {TOKENS['cloudbridge-deployer']}"},
                           json=body, timeout=30)
    assert answer.status_code == 400, answer.text
    error = answer.json()["error"]
    assert error["errors"][0]["reason"] == "invalid"
    assert error["message"].startswith("Invalid value for field 'resource.labels': ''.") and words in error["message"]
    assert _get(TOKENS["cloudbridge-deployer"], f"{GATEWAYS}/gw-labels").status_code == 404


def test_valid_labels_including_international_characters_and_empty_values_are_kept(twin):
    labels = {"team": "net-ops_1", "ünit": "", "env": "日本"}
    body = {"name": "gw-labels", "network": "global/networks/vpc-hub", "labels": labels}
    headers = {"Authorization": f"Bearer {TOKENS['cloudbridge-deployer']}"}
    assert requests.post(COMPUTE + GATEWAYS, headers=headers, json=body, timeout=30).status_code == 200
    gateway = _get(TOKENS["cloudbridge-deployer"], f"{GATEWAYS}/gw-labels").json()
    assert gateway["labels"] == labels
    answer = requests.post(COMPUTE + f"{GATEWAYS}/gw-labels/setLabels", headers=headers, timeout=30,
                           json={"labels": {"Bad": "x"}, "labelFingerprint": gateway["labelFingerprint"]})
    assert answer.status_code == 400 and "Invalid value for field 'labels'" in answer.json()["error"]["message"]
    assert _get(TOKENS["cloudbridge-deployer"], f"{GATEWAYS}/gw-labels").json()["labels"] == labels


def test_a_permission_set_refuses_each_aws_action_outside_it_in_its_protocols_shape(admin):
    hub = "111111111111"
    admin.permissions({hub: ["ec2:DescribeVpcs"]})
    client = lambda service: _session(KEYS[hub]["access_key_id"], KEYS[hub]["secret_access_key"]).client(  # noqa: E731
        service)
    client("ec2").describe_vpcs()
    status, code, message = _error(lambda: client("ec2").create_customer_gateway(
        BgpAsn=65000, PublicIp="35.242.1.9", Type="ipsec.1"))
    assert (status, code) == (403, "UnauthorizedOperation")
    assert message.startswith("You are not authorized to perform this operation. User: arn:aws:iam::111111111111:"
                              "user/cloudbridge-operator is not authorized to perform: ec2:CreateCustomerGateway")
    assert _error(lambda: client("sts").get_caller_identity())[:2] == (403, "AccessDenied")
    status, code, message = _error(lambda: client("ram").get_resource_shares(resourceOwner="SELF"))
    assert (status, code) == (403, "AccessDeniedException") and "ram:GetResourceShares" in message
    seen = admin.permissions()
    assert seen["allowed"] == {hub: ["ec2:DescribeVpcs"]}
    assert seen["used"][hub] == ["ec2:CreateCustomerGateway", "ec2:DescribeVpcs", "ram:GetResourceShares",
                                 "sts:GetCallerIdentity"]
    # another account, with no set, may do everything
    spoke = KEYS["222222222222"]
    _session(spoke["access_key_id"], spoke["secret_access_key"]).client("sts").get_caller_identity()


def test_a_permission_set_refuses_each_gcp_method_outside_it_naming_the_permission(admin):
    email = next(p["email"] for p in SEED["gcp"]["principals"] if p["token"] == TOKENS["cloudbridge-deployer"])
    admin.permissions({email: ["compute.networks.list"]})
    headers = {"Authorization": f"Bearer {TOKENS['cloudbridge-deployer']}"}
    assert requests.get(f"{COMPUTE}cb-net-host/global/networks", headers=headers, timeout=10).status_code == 200
    refused = requests.post(f"{COMPUTE}cb-net-host/global/firewalls", headers=headers, timeout=10, json={
        "name": "fw", "network": "projects/cb-net-host/global/networks/vpc-hub", "allowed": [{"IPProtocol": "icmp"}]})
    assert refused.status_code == 403
    assert refused.json()["error"]["message"] == (
        "Google Compute Engine: Required 'compute.firewalls.create' permission for 'projects/cb-net-host/global/"
        "firewalls'.")
    crm = requests.post("https://cloudresourcemanager.googleapis.com/v1/projects/cb-net-host:getIamPolicy",
                        headers=headers, json={}, timeout=10)
    assert crm.status_code == 403 and crm.json()["error"]["message"].startswith(
        "Permission 'resourcemanager.projects.getIamPolicy' denied on resource")
    assert admin.permissions()["used"][email] == ["compute.firewalls.create", "compute.networks.list",
                                                  "resourcemanager.projects.getIamPolicy"]
    admin.reset()
    assert requests.post(f"{COMPUTE}cb-net-host/global/firewalls", headers=headers, timeout=10, json={
        "name": "fw", "network": "projects/cb-net-host/global/networks/vpc-hub",
        "allowed": [{"IPProtocol": "icmp"}]}).status_code == 200
