# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""GCP base for this collection's modules. Internal use only: no compatibility promise.

One module class (auth options identical to google.cloud's, so one ``module_defaults`` group serves
both), one REST client (retries with jittered backoff, operation waits) for Compute and, on the same
session, for Cloud Resource Manager and Serverless VPC Access, and one exception type.
"""

from __future__ import annotations

import json
import random
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

from ansible.module_utils.basic import AnsibleModule, env_fallback, missing_required_lib

try:
    import google.auth
    import google.auth.compute_engine
    import google.auth.exceptions
    import requests
    from google.auth.transport.requests import AuthorizedSession
    from google.oauth2 import credentials as oauth2
    from google.oauth2 import service_account

    GOOGLE_AUTH_IMPORT_ERROR = None
except ImportError as exc:  # pragma: no cover - reported by GcpModule
    GOOGLE_AUTH_IMPORT_ERROR = exc

COMPUTE_URL = "https://compute.googleapis.com/compute/v1/"
# Compute returns links on www.googleapis.com even when called on compute.googleapis.com
# (api-samples.md 4.1); links we send use the same form so they compare equal.
LINK_URL = "https://www.googleapis.com/compute/v1/"
DEFAULT_SCOPES = ["https://www.googleapis.com/auth/compute"]
# Project IAM (Resource Manager) and Serverless VPC Access take the cloud-platform scope only.
CLOUD_PLATFORM_SCOPES = ["https://www.googleapis.com/auth/cloud-platform"]
CRM_URL = "https://cloudresourcemanager.googleapis.com/v1/"
VPCACCESS_URL = "https://vpcaccess.googleapis.com/v1/"

# Same names, types and GCP_* fallbacks as google.cloud's gcp_utils.GcpModule.
AUTH_ARGS = dict(
    project=dict(type="str", required=True, fallback=(env_fallback, ["GCP_PROJECT"])),
    auth_kind=dict(
        type="str",
        required=True,
        choices=["machineaccount", "serviceaccount", "accesstoken", "application"],
        fallback=(env_fallback, ["GCP_AUTH_KIND"]),
    ),
    service_account_email=dict(type="str", fallback=(env_fallback, ["GCP_SERVICE_ACCOUNT_EMAIL"])),
    service_account_file=dict(type="path", fallback=(env_fallback, ["GCP_SERVICE_ACCOUNT_FILE"])),
    service_account_contents=dict(
        type="jsonarg", no_log=True, fallback=(env_fallback, ["GCP_SERVICE_ACCOUNT_CONTENTS"])
    ),
    access_token=dict(type="str", no_log=True, fallback=(env_fallback, ["GCP_ACCESS_TOKEN"])),
    scopes=dict(type="list", elements="str", default=DEFAULT_SCOPES, fallback=(env_fallback, ["GCP_SCOPES"])),
    env_type=dict(type="str", fallback=(env_fallback, ["GCP_ENV_TYPE"])),
)
AUTH_RULES = dict(
    mutually_exclusive=[("service_account_file", "service_account_contents", "access_token")],
    required_if=[
        ("auth_kind", "accesstoken", ("access_token",)),
        ("auth_kind", "serviceaccount", ("service_account_file", "service_account_contents"), True),
    ],
)
OPERATION_ARGS = dict(timeout=dict(type="int", default=600))

# Throttling and transient errors (Compute: 403 rateLimitExceeded, api-samples.md 5.3; 429 and 5xx
# per Google's "Retry failed requests" guidance: exponential backoff with jitter).
RETRY_STATUS = frozenset((429, 500, 502, 503, 504))
RETRY_REASONS = frozenset(("rateLimitExceeded", "userRateLimitExceeded"))
# An Operation that failed with nothing changed and may be sent again: too many operations on one resource
# (RESOURCE_OPERATION_RATE_EXCEEDED, kubernetes-sigs/gcp-compute-persistent-disk-csi-driver #1847) or a backend
# failure.
RETRY_OPERATION_CODES = frozenset(("RESOURCE_OPERATION_RATE_EXCEEDED", "INTERNAL_ERROR"))


# A write made against an out-of-date etag or fingerprint: IAM 409 ABORTED (Compute reason "conflict"),
# 412 conditionNotMet, or an Operation that failed with CONDITION_NOT_MET.
STALE_REASONS = frozenset(("ABORTED", "conflict", "conditionNotMet", "CONDITION_NOT_MET"))


class GcpApiError(Exception):
    """Any failed API call or operation; ``str()`` is the API's own message."""

    def __init__(self, message, status=None, reasons=(), body=None, transient=False, retry_after=None):
        super().__init__(message)
        self.message = message
        self.status = status
        self.reasons = tuple(reasons)
        self.body = body
        self.transient = transient
        self.retry_after = retry_after  # seconds the API asked us to wait before a retry, when it said

    @property
    def retryable(self):
        return (
            self.transient
            or self.status in RETRY_STATUS
            or (self.status == 403 and bool(RETRY_REASONS & set(self.reasons)))
        )

    @classmethod
    def from_response(cls, response):
        try:
            error = response.json()["error"]
        except (ValueError, KeyError, TypeError):
            return cls(response.text or str(response.reason), status=response.status_code)
        reasons = [e.get("reason") for e in error.get("errors", []) if e.get("reason")]
        # Resource Manager and VPC Access answer {code, message, status}: the canonical status is the reason.
        reasons = reasons or [error["status"]] if error.get("status") else reasons
        return cls(error.get("message", ""), status=response.status_code, reasons=reasons, body=error,
                   retry_after=retry_hint(response.headers.get("Retry-After"), error.get("details")))

    @classmethod
    def from_operation(cls, operation):
        errors = operation["error"].get("errors", [])
        message = "; ".join(e.get("message", e.get("code", "")) for e in errors) or "operation failed"
        return cls(
            message,
            status=operation.get("httpErrorStatusCode"),
            reasons=[e.get("code") for e in errors],
            body=operation["error"],
        )


def retry_hint(header, details):
    """Seconds to wait before a retry, as the answer asks: a ``Retry-After: <seconds>`` header (RFC 9110 10.2.3) or a
    google.rpc.RetryInfo detail's ``retryDelay`` ("1.5s", https://google.aip.dev/194); None when it asks nothing."""
    delays = [d.get("retryDelay") for d in details or [] if isinstance(d, dict)
              and d.get("@type", "").endswith("google.rpc.RetryInfo")]
    for value in (header, *(d[:-1] for d in delays if isinstance(d, str) and d.endswith("s"))):
        try:
            return max(0.0, float(value))
        except (TypeError, ValueError):
            continue
    return None


def resource_path(link):
    """``projects/...`` part of a Compute link or partial URL (None stays None)."""
    if not link:
        return link
    marker = "/compute/v1/"
    return link.split(marker, 1)[1] if marker in link else link.lstrip("/")


def regional_path(project, region, collection, name=None):
    path = f"projects/{project}/regions/{region}/{collection}"
    return f"{path}/{name}" if name else path


def global_path(project, collection, name=None):
    path = f"projects/{project}/global/{collection}"
    return f"{path}/{name}" if name else path


def link(path):
    return LINK_URL + resource_path(path)


def ref_link(value, project, collection, region=None):
    """Full link for a reference given as a name, a partial path or a URL."""
    if "/" in value:
        return link(value)
    return link(
        regional_path(project, region, collection, value) if region else global_path(project, collection, value)
    )


def normalize(value):
    """A value as compared: links reduced to their path, empty values and empty keys dropped."""
    if isinstance(value, dict):
        pruned = {k: normalize(v) for k, v in value.items()}
        return {k: v for k, v in pruned.items() if v not in (None, [], {}, "")}
    if isinstance(value, list):
        return [normalize(v) for v in value]
    if isinstance(value, str) and value.startswith("https://"):
        return resource_path(value)
    return value


def compact(mapping):
    """``mapping`` without its None values: options left unset stay out of a request body."""
    return {k: v for k, v in mapping.items() if v is not None}


def require(options, keys, what):
    """Raise ValueError naming the ``keys`` a list entry's ``options`` leave unset (suboptions required only
    with state=present, which an argument spec cannot express)."""
    missing = [k for k in keys if options[k] is None]
    if missing:
        raise ValueError(f"{what} needs {', '.join(missing)}")


# A tunnel's secret comes back masked, with an opaque hash; neither is ever shown to the user.
HIDDEN = ("sharedSecret", "sharedSecretHash")


def public(resource):
    """A resource as shown to the user: no secret material, no null fields."""
    return compact({k: v for k, v in resource.items() if k not in HIDDEN}) if resource else None


def plan_change(current, desired, immutable, replace=False):
    """What a resource needs: "create", "replace", "labels" or None.

    ``immutable``: keys whose change has no update method (delete + insert); labels have setLabels,
    so a label-only change never replaces. ``replace`` forces a replacement the caller detected.
    """
    if current is None:
        return "create"
    if replace or any(normalize(current.get(k)) != normalize(desired.get(k)) for k in immutable):
        return "replace"
    if desired.get("labels") is not None and (current.get("labels") or {}) != desired["labels"]:
        return "labels"
    return None


def credentials(params):
    """google-auth credentials for the google.cloud auth options."""
    kind, scopes = params["auth_kind"], params["scopes"]
    if kind == "application":
        return google.auth.default(scopes=scopes)[0]
    if kind == "machineaccount":
        return google.auth.compute_engine.Credentials(params.get("service_account_email") or "default")
    if kind == "accesstoken":
        return oauth2.Credentials(params["access_token"], scopes=scopes)
    if params.get("service_account_file"):
        creds = service_account.Credentials.from_service_account_file(params["service_account_file"])
    else:
        creds = service_account.Credentials.from_service_account_info(json.loads(params["service_account_contents"]))
    return creds.with_scopes(scopes)


def refresh_hint(creds, error):
    """What to fix when credentials were refused and could not be refreshed."""
    if isinstance(creds, oauth2.Credentials) and not creds.refresh_token:
        return "the access token (auth_kind accesstoken, GCP_ACCESS_TOKEN) is invalid or expired; set a fresh one"
    return f"check auth_kind and its credentials ({error})"


class ComputeClient:
    """Compute v1 (or, with ``base_url``, another Google REST API) over an (authorized) requests session;
    every failure raises GcpApiError."""

    def __init__(self, session, attempts=8, base_delay=1.0, max_delay=30.0, sleep=time.sleep, poll=2.0,
                 base_url=COMPUTE_URL):
        self.session = session
        self.base_url = base_url
        self.attempts = attempts
        self.base_delay = base_delay
        self.max_delay = max_delay
        self.sleep = sleep
        self.poll = poll
        self._sent = {}  # Operation selfLink -> the (method, path, body) that started it, to send it again

    def request(self, method, path, body=None, params=None):
        url = self.base_url + resource_path(path)
        for attempt in range(self.attempts):
            try:
                response = self.session.request(method, url, json=body, params=params, timeout=130)
            except (requests.ConnectionError, requests.Timeout, google.auth.exceptions.TransportError) as e:
                # No answer (connection reset, proxy or token endpoint unreachable, timeout): as transient as a
                # 5xx, and a mutation's requestId makes the resend safe.
                error = GcpApiError(f"{method} {url}: {e}", transient=True)
            except google.auth.exceptions.RefreshError as e:
                # AuthorizedSession refreshes once after a 401: credentials that cannot (a bare access token) or
                # whose refresh is refused end here, with google-auth's wording about missing refresh fields.
                hint = refresh_hint(getattr(self.session, "credentials", None), e)
                raise GcpApiError(f"GCP refused the credentials (HTTP 401) and no new token could be obtained: {hint}",
                                  status=401) from e
            except (requests.RequestException, google.auth.exceptions.GoogleAuthError) as e:
                raise GcpApiError(f"{method} {url}: {e}") from e
            else:
                if response.status_code < 400:
                    return response.json() if response.content else {}
                error = GcpApiError.from_response(response)
            if not error.retryable or attempt == self.attempts - 1:
                raise error
            self.sleep(self.backoff(attempt, error.retry_after))
        raise AssertionError("unreachable")

    def backoff(self, attempt, hint=None):
        """Full jitter (spreads the retries of parallel callers), never shorter than the API's hint; at most
        ``max_delay``."""
        return min(self.max_delay, max(hint or 0.0, random.uniform(0, self.base_delay * 2**attempt)))

    def get(self, path):
        """The resource, or None when it does not exist."""
        try:
            return self.request("GET", path)
        except GcpApiError as e:
            if e.status == 404:
                return None
            raise

    def list(self, path, params=None):
        items, params = [], dict(params or {})
        while True:
            page = self.request("GET", path, params=params)
            items.extend(page.get("items", []))
            if not page.get("nextPageToken"):
                return items
            params["pageToken"] = page["nextPageToken"]

    def mutate(self, method, path, body=None):
        """Start a change; returns its Operation. One requestId across retries keeps a retried
        insert from running twice (Compute "requestId" parameter on every mutating method)."""
        operation = self.request(method, path, body=body, params={"requestId": str(uuid.uuid4())})
        self._sent[operation.get("selfLink")] = (method, path, body)
        return operation

    def wait(self, operations, timeout):
        """Wait for every operation at once (operations.wait, then poll); raise the first failure. A change whose
        Operation failed with nothing changed (RETRY_OPERATION_CODES) is sent again, with backoff."""
        operations = [op for op in operations if op]
        if not operations:
            return []
        deadline = time.monotonic() + timeout
        with ThreadPoolExecutor(max_workers=len(operations)) as pool:
            done = list(pool.map(lambda op: self._wait_one(op, deadline), operations))
        for op in done:
            if op.get("error"):
                raise GcpApiError.from_operation(op)
        return done

    def _wait_one(self, operation, deadline):
        for attempt in range(self.attempts):
            while operation.get("status") != "DONE":
                if time.monotonic() >= deadline:
                    raise GcpApiError(f"timed out waiting for operation {operation.get('name')}")
                # operations.wait returns at DONE or after about 2 minutes, whichever comes first.
                operation = self.request("POST", resource_path(operation["selfLink"]) + "/wait")
                if operation.get("status") != "DONE":
                    self.sleep(self.poll)
            codes = {e.get("code") for e in operation.get("error", {}).get("errors", [])}
            sent = self._sent.get(operation.get("selfLink"))
            if not codes or not codes <= RETRY_OPERATION_CODES or sent is None or attempt == self.attempts - 1:
                return operation
            self.sleep(self.backoff(attempt))
            operation = self.mutate(*sent)
        raise AssertionError("unreachable")

    def wait_long_running(self, operations, timeout, progress=None):
        """Wait for google.longrunning Operations (``{name, done, error|response}``, e.g. Serverless VPC
        Access) together; ``progress(text)`` (e.g. ``module.log``) is called about every 10 s while any runs.
        Raises the first error."""
        pending = [op for op in operations if op]
        deadline, said = time.monotonic() + timeout, time.monotonic()
        while True:
            pending = [op if op.get("done") else self.request("GET", op["name"]) for op in pending]
            for op in pending:
                if op.get("done") and op.get("error"):
                    error = op["error"]
                    raise GcpApiError(error.get("message", "operation failed"), reasons=[str(error.get("code"))],
                                      body=error)
            running = [op["name"] for op in pending if not op.get("done")]
            if not running:
                return [op.get("response", {}) for op in pending]
            if time.monotonic() >= deadline:
                raise GcpApiError(f"timed out waiting for operation {running[0]}")
            if progress and time.monotonic() - said >= 10:
                progress(f"still waiting for {len(running)} operation(s): {', '.join(running)}")
                said = time.monotonic()
            self.sleep(self.poll)

    def set_labels(self, resource, labels):
        """setLabels with the resource's current fingerprint (412 conditionNotMet otherwise)."""
        body = {"labels": labels, "labelFingerprint": resource.get("labelFingerprint")}
        return self.mutate("POST", resource_path(resource["selfLink"]) + "/setLabels", body)


class GcpModule(AnsibleModule):
    """AnsibleModule with the google.cloud auth options and a Compute client."""

    def __init__(self, argument_spec, operations=True, **kwargs):
        spec = dict(AUTH_ARGS, **(OPERATION_ARGS if operations else {}), **argument_spec)
        for rule, values in AUTH_RULES.items():
            kwargs[rule] = list(values) + list(kwargs.get(rule, []))
        super().__init__(argument_spec=spec, **kwargs)
        if GOOGLE_AUTH_IMPORT_ERROR is not None:
            self.fail_json(msg=missing_required_lib("google-auth"), exception=str(GOOGLE_AUTH_IMPORT_ERROR))
        self._session = None
        self._clients = {}

    def client(self, base_url):
        """The client for the API at ``base_url``; every API shares one authorized session."""
        if self._session is None:
            try:
                creds = credentials(self.params)
            except (google.auth.exceptions.GoogleAuthError, OSError, ValueError) as e:
                raise GcpApiError(f"cannot load {self.params['auth_kind']} credentials: {e}") from e
            self._session = AuthorizedSession(creds)
        if base_url not in self._clients:
            self._clients[base_url] = ComputeClient(self._session, base_url=base_url)
        return self._clients[base_url]

    @property
    def compute(self):
        return self.client(COMPUTE_URL)

    def wait(self, operations):
        return self.compute.wait(operations, self.params["timeout"])

    def diff(self, before, after):
        return {"diff": {"before": before or {}, "after": after or {}}} if self._diff else {}

    def fail_api(self, error, thing, verb=None):
        """Fail with the API's own message, e.g. "Failed to ensure router cr-aws: The resource ... already exists"."""
        self.fail(thing, error.message, verb, status=error.status, error=error.body)

    def fail(self, thing, cause, verb=None, **extra):
        verb = verb or ("delete" if self.params.get("state") == "absent" else "ensure")
        self.fail_json(msg=f"Failed to {verb} {thing}: {cause}", **extra)


def read_modify_write(read, write, modify, attempts=5, sleep=time.sleep):
    """Optimistic concurrency for etag/fingerprint-guarded writes: ``modify(current)`` returns the new value
    (or None: nothing to write); a write refused as stale (409 ABORTED, 412 conditionNotMet) is read again and
    retried with jittered backoff, as Google's "concurrent policy changes" answer asks. Returns
    (before, after) of the last attempt."""
    for attempt in range(attempts):
        current = read()
        new = modify(current)
        if new is None:
            return current, current
        try:
            return current, write(new)
        except GcpApiError as e:
            stale = e.status == 412 or bool(STALE_REASONS & set(e.reasons))
            if not stale or attempt == attempts - 1:
                raise
            sleep(random.uniform(0, min(8.0, 0.5 * 2**attempt)))
    raise AssertionError("unreachable")


def record_items(metadata, key, record):
    """The metadata items with ``key`` holding ``record`` (dropped when empty); other items kept in order."""
    items = [i for i in metadata.get("items", []) if i["key"] != key]
    if record:
        items.append({"key": key, "value": json.dumps(record, sort_keys=True)})
    return items


def read_record(metadata, key):
    value = next((i.get("value") for i in metadata.get("items", []) if i["key"] == key), None)
    return json.loads(value) if value else {}


class ProjectRecord:
    """What the collection made, kept in the cloud: a JSON document under ``key`` in a project's common instance
    metadata (``projects.setCommonInstanceMetadata``, guarded by the metadata fingerprint; a stale write is read
    again and retried). Other metadata items are kept."""

    def __init__(self, module, project, key):
        self.module, self.project, self.key = module, project, key

    def metadata(self):
        return self.module.compute.request("GET", f"projects/{self.project}").get("commonInstanceMetadata", {})

    def read(self):
        return read_record(self.metadata(), self.key)

    def update(self, change):
        """Write ``change(record)`` (a new dict) unless it equals the record."""
        def modify(metadata):
            record = read_record(metadata, self.key)
            new = change(record)
            if new == record:
                return None
            return {"fingerprint": metadata.get("fingerprint"), "items": record_items(metadata, self.key, new)}

        compute = self.module.compute
        read_modify_write(self.metadata, lambda body: self.module.wait([compute.mutate(
            "POST", f"projects/{self.project}/setCommonInstanceMetadata", body)]), modify)


def ensure_resource(module, path, desired, immutable):
    """present/absent for a resource that has insert, delete and setLabels but no patch.

    Returns (changed, resource, result extras). A changed immutable field replaces the resource; a
    label change uses setLabels; the description is set at creation only and never replaces.
    """
    compute = module.compute
    current = compute.get(path)
    if module.params["state"] == "absent":
        if current is None:
            return False, {}, {}
        if not module.check_mode:
            module.wait([compute.mutate("DELETE", path)])
        return True, {}, module.diff(current, None)
    body = compact(desired)
    action = plan_change(current, body, immutable)
    if current and body.get("description", current.get("description")) != current.get("description"):
        module.warn(f"description of {path} is set at creation only; not replacing it for a description")
    if action is None:
        return False, current, {}
    extras = dict(action=action, **module.diff(_view(current, body), body))
    if module.check_mode:
        return True, dict(current or {}, **body), extras
    if action == "labels":
        module.wait([compute.set_labels(current, body["labels"])])
    else:
        if action == "replace":
            module.wait([compute.mutate("DELETE", path)])
        module.wait([compute.mutate("POST", path.rsplit("/", 1)[0], body)])
    return True, compute.get(path), extras


def _view(current, desired):
    """The fields of ``current`` that ``desired`` manages: a diff without output-only noise."""
    return {k: current.get(k) for k in desired} if current else None
