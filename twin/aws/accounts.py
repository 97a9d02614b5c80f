"""Accounts, credentials and regions: the hub is the default account, other seed accounts are
reached with STS AssumeRole, and the endpoint refuses regions AWS does not have."""

from __future__ import annotations

import json
import re
import uuid
from functools import cache

import boto3
import moto.iam.models as iam_models
from moto.core.responses import BaseResponse
from moto.ec2.models import ec2_backends
from moto.sts.exceptions import STSClientError
from moto.sts.responses import TokenResponse

from twin.aws.common import hub_account, seed_accounts
from twin.config import settings

_CREDENTIAL_SCOPE = re.compile(r"Credential=[^/]+/\d{8}/([^/]+)/([^/]+)/aws4_request")


def _current_account(self) -> str:
    # moto puts an MOTO_ACCOUNT_ID environment variable above the access key, which would make
    # assumed-role credentials act in the hub. Here credentials decide, as in AWS (STS model, AssumeRole:
    # the temporary credentials act as the role, in the role's account, "for cross-account access"); any key
    # moto did not issue (static test credentials) belongs to the hub (DEFAULT_ACCOUNT_ID set in reset()).
    return iam_models.get_account_id_from(self.get_access_key())


class AssumeRoleAccessDenied(STSClientError):
    # 403 AccessDenied, worded as IAM words a denied sts:AssumeRole (IAM guide, troubleshoot_roles.html:
    # "User: ... is not authorized to perform: sts:AssumeRole on resource: ...").
    code = "AccessDenied"

    def __init__(self, caller_arn: str, role_arn: str):
        super().__init__(f"User: {caller_arn} is not authorized to perform: sts:AssumeRole on resource: {role_arn}")


_original_assume_role = TokenResponse.assume_role


def _assume_role(self):
    role_arn = self._get_param("RoleArn") or ""
    match = re.match(r"^arn:aws:iam::(\d{12}):role/", role_arn)
    if not match or match.group(1) not in seed_accounts():
        _, caller_arn, _ = self.backend.get_caller_identity(self.access_key, self.region)
        raise AssumeRoleAccessDenied(caller_arn, role_arn)
    return _original_assume_role(self)


def install() -> None:
    BaseResponse.get_current_account = _current_account
    TokenResponse.assume_role = _assume_role


def apply_seed() -> None:
    """Create what seed.yml lists: spoke VPCs and subnets, each with a Name tag. Twin invention: test
    data standing in for accounts that already exist; it imitates no API behaviour."""
    iam_models.DEFAULT_ACCOUNT_ID = hub_account()
    for account in settings.seed.get("aws", {}).get("accounts", []):
        for vpc_spec in account.get("vpcs", []):
            backend = ec2_backends[str(account["id"])][vpc_spec["region"]]
            vpc = backend.create_vpc(vpc_spec["cidr"], tags=[{"Key": "Name", "Value": vpc_spec["name"]}])
            zones = [zone.name for zone in backend.describe_availability_zones()]
            for index, cidr in enumerate(vpc_spec.get("subnets", [])):
                backend.create_subnet(vpc.id, cidr, availability_zone=zones[index % len(zones)],
                                      tags={"subnet": {"Name": f"{vpc_spec['name']}-{index + 1}"}})


@cache
def _known_regions() -> frozenset:
    # Commercial partition regions from botocore's endpoint data (every region the SDK knows).
    session = boto3.session.Session()
    return frozenset(session.get_available_regions("ec2")) | frozenset(session.get_available_regions("sts"))


def _region_refusal(service: str, region: str):
    """(status, headers, body) a real endpoint answers when the SigV4 scope names a region it does not serve."""
    request_id = str(uuid.uuid4())
    if service == "ec2":
        # EC2 answers AuthFailure for credentials scoped to a region the account cannot use
        # (observed: opt-in region me-south-1, global keys against cn-northwest-1, in user transcripts).
        body = ("<Response><Errors><Error><Code>AuthFailure</Code><Message>AWS was not able to validate the "
                f"provided access credentials</Message></Error></Errors><RequestID>{request_id}</RequestID></Response>")
        return "401 Unauthorized", [("Content-Type", "text/xml")], body
    message = f"Credential should be scoped to a valid region, not '{region}'. "
    if service == "ram":
        # rest-json error: code from x-amzn-ErrorType (api-samples §2.1); wording as in aws-sdk-js-v3 #5576.
        headers = [("Content-Type", "application/json"), ("x-amzn-ErrorType", "InvalidSignatureException"),
                   ("x-amzn-RequestId", request_id)]
        return "403 Forbidden", headers, json.dumps({"message": message})
    # Query services (STS): SignatureDoesNotMatch with the same text (aws-sdk-php #493, aws-sdk-ruby #508).
    body = ("<ErrorResponse><Error><Type>Sender</Type><Code>SignatureDoesNotMatch</Code>"
            f"<Message>{message}</Message></Error><RequestId>{request_id}</RequestId></ErrorResponse>")
    return "403 Forbidden", [("Content-Type", "text/xml")], body


class RegionGuard:
    """WSGI wrapper: a request signed for a region AWS does not have never reaches moto."""

    def __init__(self, app):
        self.app = app
        _known_regions()  # botocore's endpoint data loads at start-up (0.3 s), not in the first request

    def __call__(self, environ, start_response):
        scope = _CREDENTIAL_SCOPE.search(environ.get("HTTP_AUTHORIZATION", ""))
        if scope and scope.group(1) not in _known_regions():
            status, headers, body = _region_refusal(scope.group(2), scope.group(1))
            data = body.encode()
            start_response(status, [*headers, ("Content-Length", str(len(data)))])
            return [data]
        return self.app(environ, start_response)
