"""Call counting and fault injection around the AWS and the Compute WSGI apps.

Every request is counted per cloud and API action (``GET /_twin/calls``):

- AWS: ``<service>:<Action>``, e.g. ``ec2:CreateVpnConnection``. The service is the one in the SigV4
  credential scope of the Authorization header; the action is the ``Action`` parameter (query
  protocols: EC2, STS) or the operation whose requestUri is the path (rest-json: RAM).
- GCP: the discovery method id, e.g. ``compute.vpnTunnels.insert``, or ``METHOD path`` for a
  request the Compute app did not resolve.

With probability ``settings.fault_rate[cloud]`` a call is answered the way the real cloud
throttles instead of being served; ``settings.fault_seed`` makes the draws repeatable. A faulted
call is counted both under its cloud and under ``faults``.

Contract for the Compute app (it alone knows which discovery method a path resolves to):
right after routing and before touching any state, call ``twin.middleware.admit(environ, method_id,
operation)``. It records the method id in ``environ["twin.gcp.method"]`` and may raise ``Fault``, a werkzeug
``HTTPException`` carrying the complete throttling response: let it propagate or return it (Flask
and werkzeug both render it as is). For a Compute method that answers an Operation (``operation``), a fault
may instead be an Operation that ends in an error: ``admit`` then returns True and the app answers that
Operation without applying the change. Requests that never reach ``admit`` are counted under
``METHOD path`` and never faulted.
"""

from __future__ import annotations

import functools
import io
import json
import random
import threading
import urllib.parse
import uuid
from collections import Counter

import botocore.session
from botocore.exceptions import UnknownServiceError
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response
from werkzeug.wsgi import get_input_stream

from twin.config import settings

GCP_METHOD_KEY = "twin.gcp.method"
AWS_ACTION_KEY = "twin.aws.action"  # "<service>:<Action>", what IAM calls the action (twin/aws/accounts.py reads it)
_FAULT_KEY = "twin.fault"
CLOUDS = ("aws", "gcp")

_lock = threading.Lock()
_calls = {cloud: Counter() for cloud in CLOUDS}
_faults = {cloud: Counter() for cloud in CLOUDS}
_rng = random.Random()
_trap = None  # the armed Trap, if any


class Trap:
    """Twin invention (harness, tests/reliability): the ``nth`` call of ``action`` (as counted) is served, then its
    answer is held back until ``release()`` (or ``HOLD`` seconds): the change is made in the cloud and the client
    has not heard of it, the moment a run interrupted there leaves behind."""

    HOLD = 120.0

    def __init__(self, action: str, nth: int):
        self.action, self.nth, self.seen = action, nth, 0
        self.sprung, self.released = threading.Event(), threading.Event()

    def view(self) -> dict:
        return {"action": self.action, "nth": self.nth, "seen": self.seen, "sprung": self.sprung.is_set()}

    def release(self) -> None:
        self.released.set()


def arm(action: str, nth: int = 1) -> Trap:
    global _trap
    disarm()
    with _lock:
        _trap = Trap(action, nth)
        return _trap


def disarm() -> None:
    global _trap
    with _lock:
        trap, _trap = _trap, None
    if trap:
        trap.release()


def trap() -> Trap | None:
    with _lock:
        return _trap


def _hold(action: str) -> None:
    """Called once a call was served: hold its answer back when the trap waits for this one."""
    with _lock:
        armed = _trap if _trap is not None and _trap.action == action else None
        if armed:
            armed.seen += 1
    if armed and armed.seen == armed.nth:
        armed.sprung.set()
        armed.released.wait(Trap.HOLD)


class Fault(HTTPException):
    """A throttling answer raised from inside an app; the WSGI response is ``self.response``."""


def record(cloud: str, action: str, faulted: bool = False) -> None:
    with _lock:
        _calls[cloud][action] += 1
        if faulted:
            _faults[cloud][action] += 1


def snapshot() -> dict:
    with _lock:
        return {**{c: dict(_calls[c]) for c in CLOUDS}, "faults": {c: dict(_faults[c]) for c in CLOUDS}}


def clear() -> None:
    with _lock:
        for counter in (*_calls.values(), *_faults.values()):
            counter.clear()


def reseed() -> None:
    """Restart the fault draws from ``settings.fault_seed`` (None: unpredictable)."""
    with _lock:
        _rng.seed(settings.fault_seed)


def wrap(cloud: str, app):
    """The WSGI app ``app`` with counting and fault injection for ``cloud`` ("aws" or "gcp")."""
    return {"aws": _wrap_aws, "gcp": _wrap_gcp}[cloud](app)


def admit(environ: dict, method_id: str, operation: bool = False) -> bool:
    """Called by the Google app once it resolved ``method_id``; raises ``Fault`` when this call is throttled,
    returns True when this call (a Compute mutation: ``operation``) must end as a failed Operation.
    Counting by method id (``METHOD path`` when unresolved, never faulted) is twin harness: no cloud API."""
    environ[GCP_METHOD_KEY] = method_id
    if not _draw("gcp"):
        return False
    environ[_FAULT_KEY] = True
    with _lock:
        # A third of the faulted mutations are accepted and fail later, in their Operation.
        failed_operation = operation and _rng.random() < 1 / 3
    if failed_operation:
        return True
    raise Fault(response=_gcp_fault(environ, method_id))


def _draw(cloud: str) -> bool:
    # Twin invention (harness): faults are random draws at fault_rate, repeatable with fault_seed; real
    # throttling follows quotas. Only the answers (_ec2_throttle, _gcp_fault, ...) imitate the clouds.
    rate = settings.fault_rate.get(cloud, 0.0)
    with _lock:
        return rate > 0 and _rng.random() < rate


# --- AWS ---------------------------------------------------------------------------------------


def _wrap_aws(app):
    def wrapped(environ, start_response):
        service, action = _aws_call(environ)
        environ[AWS_ACTION_KEY] = f"{service}:{action}"
        throttle = _AWS_THROTTLES.get(service)
        faulted = throttle is not None and _draw("aws")
        record("aws", f"{service}:{action}", faulted)
        if faulted:
            return throttle()(environ, start_response)
        answer = app(environ, start_response)
        _hold(f"{service}:{action}")
        return answer

    return wrapped


def _aws_call(environ: dict) -> tuple[str, str]:
    # SigV4: "AWS4-HMAC-SHA256 Credential=AKID/20260101/region/service/aws4_request, SignedHeaders=..."
    # (https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html)
    auth = environ.get("HTTP_AUTHORIZATION", "")
    scope = auth.partition("Credential=")[2].split(",")[0].split("/")
    service = scope[3] if len(scope) == 5 else "unknown"
    params = urllib.parse.parse_qs(environ.get("QUERY_STRING", ""))
    if environ.get("CONTENT_TYPE", "").startswith("application/x-www-form-urlencoded"):
        body = get_input_stream(environ).read()
        environ["wsgi.input"] = io.BytesIO(body)  # moto reads the body again
        environ["CONTENT_LENGTH"] = str(len(body))
        params.update(urllib.parse.parse_qs(body.decode("utf-8", "replace")))
    if "Action" in params:
        return service, params["Action"][0]
    path = environ.get("PATH_INFO", "")
    return service, _rest_operations(service).get(path.rstrip("/").lower(), f"{environ['REQUEST_METHOD']} {path}")


@functools.cache
def _rest_operations(service: str) -> dict:
    """requestUri -> operation name for a REST service whose paths carry no labels (RAM: "/createresourceshare")."""
    try:
        model = botocore.session.get_session().get_service_model(service)
    except UnknownServiceError:  # no credential scope, or a service botocore does not ship
        return {}
    return {model.operation_model(op).http["requestUri"].lower(): op for op in model.operation_names}


def _ec2_throttle() -> Response:
    # EC2 error envelope and 503 RequestLimitExceeded "Request limit exceeded." (api-samples §2.1/2.2;
    # https://docs.aws.amazon.com/AWSEC2/latest/APIReference/throttling.html)
    return Response(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response><Errors><Error><Code>RequestLimitExceeded</Code>"
        f"<Message>Request limit exceeded.</Message></Error></Errors><RequestID>{uuid.uuid4()}</RequestID></Response>",
        status=503,
        content_type="text/xml;charset=UTF-8",
    )


def _sts_throttle() -> Response:
    # Query-protocol ErrorResponse, code Throttling with HTTP 400 (api-samples §2.1/2.2; botocore _retry.json)
    return Response(
        '<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type>'
        f"<Code>Throttling</Code><Message>Rate exceeded</Message></Error><RequestId>{uuid.uuid4()}</RequestId>"
        "</ErrorResponse>",
        status=400,
        content_type="text/xml",
    )


def _ram_throttle() -> Response:
    # rest-json error: code in x-amzn-ErrorType, 429 per the RAM model's ThrottlingException (api-samples §2.1/2.2)
    return Response(
        json.dumps({"message": "Rate exceeded"}),
        status=429,
        content_type="application/json",
        headers={"x-amzn-ErrorType": "ThrottlingException", "x-amzn-RequestId": str(uuid.uuid4())},
    )


_AWS_THROTTLES = {"ec2": _ec2_throttle, "sts": _sts_throttle, "ram": _ram_throttle}


# --- GCP ---------------------------------------------------------------------------------------


def _wrap_gcp(app):
    def wrapped(environ, start_response):
        try:
            answer = app(environ, start_response)
        except Fault as fault:
            return fault(environ, start_response)
        finally:
            action = environ.get(GCP_METHOD_KEY) or f"{environ['REQUEST_METHOD']} {environ.get('PATH_INFO', '')}"
            record("gcp", action, environ.get(_FAULT_KEY, False))
        if not environ.get(_FAULT_KEY):
            _hold(action)
        return answer

    return wrapped


def _gcp_fault(environ: dict, method_id: str) -> Response:
    with _lock:
        throttled = _rng.random() < 0.5
        support_code = ".".join(f"{_rng.getrandbits(bits):X}" for bits in (52, 28, 32))
    if throttled and not method_id.startswith("compute."):
        # Resource Manager and Serverless VPC Access: 429 RESOURCE_EXHAUSTED in their {code, message, status}
        # envelope, the quota named as in hashicorp/terraform-provider-google #4094, with the google.rpc.RetryInfo
        # hint Google APIs attach to it (googleapis/python-genai #2114 capture).
        service = environ.get("HTTP_HOST", "").partition(":")[0]
        message = (f"Quota exceeded for quota group 'ReadGroup' and limit 'CLIENT_PROJECT-100s' of service "
                   f"'{service}' for consumer 'project_number:{_host_project_number()}'.")
        body = {"error": {"code": 429, "message": message, "status": "RESOURCE_EXHAUSTED", "details": [
            {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "1s"}]}}
        return Response(json.dumps(body), status=429, content_type="application/json; charset=UTF-8")
    if throttled:
        # Compute answers an exhausted rate quota with 403 rateLimitExceeded; reads use the "Read requests"
        # metric, mutations the default "Queries" one (https://cloud.google.com/compute/docs/api-rate-limits;
        # message as captured in api-samples §5.3).
        metric = "Read requests" if environ["REQUEST_METHOD"] == "GET" else "Queries"
        message = (
            f"Quota exceeded for quota metric '{metric}' and limit '{metric} per minute' of service "
            f"'compute.googleapis.com' for consumer 'project_number:{_host_project_number()}'."
        )
        return _gcp_error(403, "PERMISSION_DENIED", "usageLimits", "rateLimitExceeded", message)
    # Transient backend failure as Compute words it (ansible/ansible #61515 capture); 503 -> UNAVAILABLE
    # in Google's HTTP/status mapping (https://cloud.google.com/apis/design/errors#handling_errors).
    message = f"Internal error. Please try again or contact Google Support. (Code: '{support_code}')"
    return _gcp_error(503, "UNAVAILABLE", "global", "backendError", message)


def _gcp_error(code: int, status: str, domain: str, reason: str, message: str) -> Response:
    body = {"error": {"code": code, "message": message, "status": status,
                      "errors": [{"message": message, "domain": domain, "reason": reason}]}}
    return Response(json.dumps(body), status=code, content_type="application/json; charset=UTF-8")


def _host_project_number() -> str:
    """The twin's access token belongs to the seed's host project, so quota is charged there."""
    projects = settings.seed.get("gcp", {}).get("projects", [])
    return next((p["number"] for p in projects if p.get("role") == "host"), "0")
