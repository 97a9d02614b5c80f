"""Accounts, credentials and regions: each seed account has its operator's access key, other keys are those
STS AssumeRole issued into a seed account; the endpoint refuses any other key, a wrong signature and regions
AWS does not have."""

from __future__ import annotations

import io
import json
import re
import urllib.parse
import uuid
from functools import cache

import boto3
import moto.iam.models as iam_models
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from moto.core.responses import BaseResponse
from moto.ec2.models import ec2_backends
from moto.sts.exceptions import STSClientError
from moto.sts.models import sts_backends
from moto.sts.responses import TokenResponse

from twin import permissions
from twin.aws.common import hub_account, seed_accounts
from twin.config import settings
from twin.middleware import AWS_ACTION_KEY

_CREDENTIAL_SCOPE = re.compile(r"Credential=[^/]+/\d{8}/([^/]+)/([^/]+)/aws4_request")


def _current_account(self) -> str:
    # moto puts an MOTO_ACCOUNT_ID environment variable above the access key, which would make
    # assumed-role credentials act in the hub. Here credentials decide, as in AWS (STS model, AssumeRole:
    # the temporary credentials act as the role, in the role's account, "for cross-account access"): a seed
    # account's own key acts in that account (CredentialGuard lets no other key through).
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


OPERATOR = "cloudbridge-operator"


def _seed_credentials(account_id: str, credentials: dict) -> None:
    """The account's operator: an IAM user holding the seed's access key (moto draws random ids: re-keyed)."""
    backend = iam_models.iam_backends[account_id]["aws"]
    backend.create_user("us-east-1", OPERATOR)
    key = backend.create_access_key(OPERATOR)
    del backend.access_keys[key.access_key_id]
    key.access_key_id, key.secret_access_key = credentials["access_key_id"], credentials["secret_access_key"]
    backend.access_keys[key.access_key_id] = key


def apply_seed() -> None:
    """Create what seed.yml lists: each account's operator key, spoke VPCs and subnets, each with a Name tag.
    Twin invention: test data standing in for accounts that already exist; it imitates no API behaviour."""
    iam_models.DEFAULT_ACCOUNT_ID = hub_account()
    for account in settings.seed.get("aws", {}).get("accounts", []):
        if account.get("credentials"):
            _seed_credentials(str(account["id"]), account["credentials"])
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


_EC2_AUTH_FAILURE = "AWS was not able to validate the provided access credentials"
_INVALID_TOKEN = "The security token included in the request is invalid."
_BAD_SIGNATURE = ("The request signature we calculated does not match the signature you provided. Check your AWS "
                  "Secret Access Key and signing method. Consult the service documentation for details.")


def _credential_refusal(service: str, unknown_key: bool):
    """(status, headers, body) AWS answers an access key it does not know (``unknown_key``) or a signature made
    with another secret key, in each protocol's error shape (api-samples §2.1)."""
    request_id = str(uuid.uuid4())
    if service == "ec2":
        # EC2 answers both with 401 AuthFailure (as moto's own IAMRequest does, and as the region refusal above).
        body = (f"<Response><Errors><Error><Code>AuthFailure</Code><Message>{_EC2_AUTH_FAILURE}</Message></Error>"
                f"</Errors><RequestID>{request_id}</RequestID></Response>")
        return "401 Unauthorized", [("Content-Type", "text/xml")], body
    if service in _QUERY_SERVICES:
        # Query protocol (STS, IAM): 403 InvalidClientTokenId "The security token included in the request is
        # invalid." or 403 SignatureDoesNotMatch (STS API reference, Common Errors; moto's InvalidClientTokenIdError).
        code, message = ("InvalidClientTokenId", _INVALID_TOKEN) if unknown_key else ("SignatureDoesNotMatch",
                                                                                     _BAD_SIGNATURE)
        body = (f"<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code><Message>{message}</Message></Error>"
                f"<RequestId>{request_id}</RequestId></ErrorResponse>")
        return "403 Forbidden", [("Content-Type", "text/xml")], body
    # rest-json (RAM): 403 UnrecognizedClientException "The security token included in the request is invalid."
    # (iann0036/iamlive #58: "StatusCode: 403 ... api error UnrecognizedClientException") or 403
    # InvalidSignatureException with the signature text (aws-sdk-js-v3 #5576, as for a bad region above).
    code, message = ("UnrecognizedClientException", _INVALID_TOKEN) if unknown_key else ("InvalidSignatureException",
                                                                                        _BAD_SIGNATURE)
    headers = [("Content-Type", "application/json"), ("x-amzn-ErrorType", code), ("x-amzn-RequestId", request_id)]
    return "403 Forbidden", headers, json.dumps({"message": message})


_QUERY_SERVICES = ("sts", "iam")


def _access_denied(service: str, action: str, account: str, access_key_id: str):
    """(status, headers, body) AWS answers a call no policy of the caller allows, in each protocol's shape. The
    message is IAM's: "User: <arn> is not authorized to perform: <action> on resource: <arn> because no
    identity-based policy allows the <action> action" (IAM guide, troubleshoot_access-denied.html)."""
    caller = (f"arn:aws:sts::{account}:assumed-role/reader/session" if access_key_id.startswith("ASIA")
              else f"arn:aws:iam::{account}:user/{OPERATOR}")
    why = (f"User: {caller} is not authorized to perform: {action} on resource: arn:aws:{service}:*:{account}:* "
           f"because no identity-based policy allows the {action} action")
    request_id = str(uuid.uuid4())
    if service == "ec2":
        # EC2: 403 UnauthorizedOperation "You are not authorized to perform this operation." followed by the IAM
        # text and an encoded message (EC2 API reference, Error codes).
        body = (f"<Response><Errors><Error><Code>UnauthorizedOperation</Code><Message>You are not authorized to "
                f"perform this operation. {why}. Encoded authorization failure message: {uuid.uuid4().hex}</Message>"
                f"</Error></Errors><RequestID>{request_id}</RequestID></Response>")
        return "403 Forbidden", [("Content-Type", "text/xml")], body
    if service in _QUERY_SERVICES:  # STS, IAM: 403 AccessDenied (IAM guide, as for sts:AssumeRole above)
        body = (f"<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>{why}</Message></Error>"
                f"<RequestId>{request_id}</RequestId></ErrorResponse>")
        return "403 Forbidden", [("Content-Type", "text/xml")], body
    # rest-json / json (RAM, Secrets Manager): 403 AccessDeniedException (hashicorp/terraform #27764, RAM).
    headers = [("Content-Type", "application/json"), ("x-amzn-ErrorType", "AccessDeniedException"),
               ("x-amzn-RequestId", request_id)]
    return "403 Forbidden", headers, json.dumps({"message": why})


def known_key(access_key_id: str) -> tuple[str, Credentials] | None:
    """The account and credentials behind a key the twin knows: a seed account's operator key, or temporary
    credentials STS issued (their session token from moto's STS backend, the account the role is in); None for any
    other key."""
    for account_id, partitions in list(iam_models.iam_backends.items()):
        key = partitions["aws"].access_keys.get(access_key_id)
        if key is None:
            continue
        role = next((role for role in sts_backends[account_id]["aws"].assumed_roles
                     if role.access_key_id == access_key_id), None)
        acting = role.arn.split(":")[4] if role else account_id
        return acting, Credentials(access_key_id, key.secret_access_key, role.session_token if role else None)
    return None


def _header(environ: dict, name: str) -> str | None:
    key = name.upper().replace("-", "_")
    return environ.get(key if key in ("CONTENT_TYPE", "CONTENT_LENGTH") else f"HTTP_{key}")


def signature_matches(environ: dict, body: bytes, credentials: Credentials, service: str, region: str) -> bool:
    """SigV4 recomputed with the key's secret (https://docs.aws.amazon.com/IAM/latest/UserGuide/
    create-signed-request.html), over the headers the request says it signed, as moto's IAMRequest does."""
    auth = environ.get("HTTP_AUTHORIZATION", "")
    signed = auth.partition("SignedHeaders=")[2].partition(",")[0].split(";")
    headers = {name: _header(environ, name) or "" for name in signed}
    query = environ.get("QUERY_STRING", "")
    url = urllib.parse.quote(environ.get("PATH_INFO", "/")) + (f"?{query}" if query else "")
    request = AWSRequest(method=environ["REQUEST_METHOD"], url=url, data=body, headers=headers)
    request.context["timestamp"] = headers.get("x-amz-date") or _header(environ, "x-amz-date") or ""
    signer = SigV4Auth(credentials, service, region)
    expected = signer.signature(signer.string_to_sign(request, signer.canonical_request(request)), request)
    return expected == auth.partition("Signature=")[2].partition(",")[0]


class RegionGuard:
    """WSGI wrapper: a request signed for a region AWS does not have, with an access key AWS does not know or with
    the wrong secret key never reaches moto."""

    def __init__(self, app):
        self.app = app
        _known_regions()  # botocore's endpoint data loads at start-up (0.3 s), not in the first request

    def __call__(self, environ, start_response):
        scope = _CREDENTIAL_SCOPE.search(environ.get("HTTP_AUTHORIZATION", ""))
        refusal = None
        if scope and scope.group(1) not in _known_regions():
            refusal = _region_refusal(scope.group(2), scope.group(1))
        elif scope:
            refusal = self._credentials(environ, scope.group(2), scope.group(1))
        if refusal:
            status, headers, body = refusal
            data = body.encode()
            start_response(status, [*headers, ("Content-Length", str(len(data)))])
            return [data]
        return self.app(environ, start_response)

    @staticmethod
    def _credentials(environ: dict, service: str, region: str):
        access_key_id = environ["HTTP_AUTHORIZATION"].partition("Credential=")[2].partition("/")[0]
        known = known_key(access_key_id)
        if known is None or _header(environ, "x-amz-security-token") != known[1].token:
            # A session token that is not the one STS issued with this key (or one sent with a long-term key):
            # "The security token included in the request is invalid", as for an unknown key.
            return _credential_refusal(service, unknown_key=True)
        account, credentials = known
        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        environ["wsgi.input"] = io.BytesIO(body)  # moto reads it again
        if not signature_matches(environ, body, credentials, service, region):
            return _credential_refusal(service, unknown_key=False)
        action = environ.get(AWS_ACTION_KEY, "")
        if not permissions.permitted(account, action):
            return _access_denied(service, action, account, access_key_id)
        return None
