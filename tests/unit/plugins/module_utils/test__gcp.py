import google.auth.credentials
import google.auth.exceptions
import pytest
import requests
import requests.adapters
from google.auth.transport.requests import AuthorizedSession
from google.oauth2 import credentials as oauth2
from unit.plugins.modules.gcp_compute_fake import FakeCompute, Response, error

from ansible_collections.cloudbridge.hybrid_vpn.plugins.module_utils import _gcp

RATE = ("Quota exceeded for quota metric 'Read requests' and limit 'Read requests per minute' of service "
        "'compute.googleapis.com' for consumer 'project_number:1'.")


def client(fake, **kw):
    sleeps = []
    return _gcp.ComputeClient(fake, sleep=sleeps.append, **kw), sleeps


@pytest.mark.parametrize("answer", [error(403, RATE, "rateLimitExceeded"), error(429, "slow down", "rateLimitExceeded"),
                                    error(503, "SERVICE UNAVAILABLE", "backendError")])
def test_throttling_and_5xx_are_retried_with_bounded_jitter(answer):
    fake = FakeCompute()
    fake.add("projects/p/global/networks/vpc")
    fake.script = [answer, answer]
    compute, sleeps = client(fake, base_delay=1.0, max_delay=30.0)
    assert compute.get("projects/p/global/networks/vpc")["name"] == "vpc"
    assert len(sleeps) == 2 and 0 <= sleeps[0] <= 1 and 0 <= sleeps[1] <= 2


def test_permission_error_is_not_retried_and_keeps_the_api_message():
    fake = FakeCompute()
    fake.script = [error(403, "Required 'compute.routers.get' permission for 'projects/p'", "forbidden")]
    compute, sleeps = client(fake)
    with pytest.raises(_gcp.GcpApiError) as e:
        compute.get("projects/p/regions/r/routers/cr")
    assert (str(e.value), e.value.status, sleeps) == ("Required 'compute.routers.get' permission for 'projects/p'",
                                                      403, [])


def test_retries_give_up_after_the_last_attempt():
    fake = FakeCompute()
    fake.script = [error(503, "down")] * 3
    compute, sleeps = client(fake, attempts=3)
    with pytest.raises(_gcp.GcpApiError, match="down"):
        compute.request("GET", "projects/p")
    assert len(sleeps) == 2


def test_no_answer_is_retried_like_a_5xx():
    fake = FakeCompute()
    fake.add("projects/p/global/networks/vpc")
    fake.script = [requests.ConnectionError("Connection reset by peer"), requests.ReadTimeout("read timed out")]
    compute, sleeps = client(fake)
    assert compute.get("projects/p/global/networks/vpc")["name"] == "vpc"
    assert len(sleeps) == 2


def test_refused_credentials_fail_at_once_as_an_api_error():
    fake = FakeCompute()
    fake.script = [google.auth.exceptions.RefreshError("invalid_grant: Invalid JWT Signature.")]
    compute, sleeps = client(fake)
    with pytest.raises(_gcp.GcpApiError, match="invalid_grant: Invalid JWT Signature") as e:
        compute.get("projects/p/global/networks/vpc")
    assert (e.value.retryable, sleeps) == (False, [])


def test_a_refused_access_token_is_named_not_googles_refresh_wording():
    fake = FakeCompute()
    fake.credentials = oauth2.Credentials("ya29.expired")
    fake.script = [google.auth.exceptions.RefreshError("The credentials do not contain the necessary fields need to "
                                                       "refresh the access token.")]
    compute, _unused = client(fake)
    with pytest.raises(_gcp.GcpApiError) as e:
        compute.get("projects/p")
    assert e.value.status == 401 and "refresh the access token" not in e.value.message
    assert "the access token (auth_kind accesstoken, GCP_ACCESS_TOKEN) is invalid or expired" in e.value.message


def test_get_returns_none_on_404_and_list_follows_pages():
    fake = FakeCompute()
    fake.script = [error(404, "not found", "notFound"), Response(200, {"items": [1], "nextPageToken": "n"}),
                   Response(200, {"items": [2]})]
    compute, _unused = client(fake)
    assert compute.get("projects/p/regions/r/routers/x") is None
    assert compute.list("projects/p/regions/r/routers") == [1, 2]


def test_mutations_carry_a_request_id_kept_across_retries():
    seen = []
    fake = FakeCompute()
    original = fake.request
    fake.request = lambda method, url, json=None, params=None, timeout=None: (
        seen.append(params), original(method, url, json, params, timeout))[1]
    fake.script = [error(503, "again")]
    compute, _unused = client(fake)
    compute.mutate("POST", "projects/p/global/externalVpnGateways", {"name": "x"})
    assert seen[0]["requestId"] == seen[1]["requestId"]


def test_wait_polls_until_done_and_raises_operation_errors():
    fake = FakeCompute()
    link = _gcp.LINK_URL + "projects/p/regions/r/operations/"
    fake.script = [Response(200, {"status": "RUNNING", "selfLink": link + "a"}),
                   Response(200, {"status": "DONE", "selfLink": link + "a"})]
    compute, sleeps = client(fake, poll=0.5)
    done = compute.wait([{"status": "RUNNING", "selfLink": link + "a"}, None], timeout=10)
    assert done[0]["status"] == "DONE" and sleeps == [0.5]
    assert fake.calls[0] == ("POST", "projects/p/regions/r/operations/a/wait")
    failed = {"status": "DONE", "selfLink": link + "b", "httpErrorStatusCode": 400,
              "error": {"errors": [{"code": "RESOURCE_IN_USE_BY_ANOTHER_RESOURCE", "message": "in use by t0"}]}}
    with pytest.raises(_gcp.GcpApiError, match="in use by t0") as e:
        compute.wait([failed], timeout=10)
    assert e.value.status == 400


@pytest.mark.parametrize("answer, hint", [
    (Response(429, {"error": {"code": 429, "message": "Quota exceeded", "status": "RESOURCE_EXHAUSTED", "details": [
        {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "7s"}]}}), 7.0),
    (Response(503, {"error": {"code": 503, "message": "down"}}, headers={"Retry-After": "4"}), 4.0),
    (Response(429, {"error": {"code": 429, "message": "way too fast"}}, headers={"Retry-After": "600"}), 30.0),
])
def test_a_retry_waits_at_least_what_the_api_asks_at_most_the_cap(answer, hint):
    fake = FakeCompute()
    fake.add("projects/p/global/networks/vpc")
    fake.script = [answer]
    compute, sleeps = client(fake, base_delay=1.0, max_delay=30.0)
    assert compute.get("projects/p/global/networks/vpc")["name"] == "vpc"
    assert sleeps == [hint]


@pytest.mark.parametrize("answer", [error(400, "Invalid value for field 'resource.name'"),
                                    error(403, "Required 'compute.vpnTunnels.create' permission", "forbidden"),
                                    error(404, "The resource 'projects/p/regions/r/routers/cr' was not found",
                                          "notFound"),
                                    error(409, "The resource 'projects/p/global/networks/x' already exists",
                                          "alreadyExists")])
def test_a_real_error_is_never_retried(answer):
    compute, sleeps = client(FakeCompute())
    fake = compute.session
    fake.script = [answer]
    with pytest.raises(_gcp.GcpApiError):
        compute.mutate("POST", "projects/p/global/networks", {"name": "x"})
    assert sleeps == [] and len(fake.calls) == 1


def _failed(link, code, status=403):
    return Response(200, {"status": "DONE", "selfLink": link, "httpErrorStatusCode": status,
                          "error": {"errors": [{"code": code, "message": f"{code} on the router"}]}})


def test_a_change_whose_operation_failed_with_nothing_changed_is_sent_again():
    fake = FakeCompute()
    link = _gcp.LINK_URL + "projects/p/regions/r/operations/"
    fake.script = [Response(200, {"status": "RUNNING", "selfLink": link + "a"}),
                   _failed(link + "a", "RESOURCE_OPERATION_RATE_EXCEEDED"),
                   Response(200, {"status": "RUNNING", "selfLink": link + "b"}),
                   Response(200, {"status": "DONE", "selfLink": link + "b"})]
    compute, sleeps = client(fake)
    started = compute.mutate("PATCH", "projects/p/regions/r/routers/cr", {"bgpPeers": []})
    assert compute.wait([started], timeout=10)[0]["selfLink"] == link + "b"
    assert fake.mutations() == [("PATCH", "projects/p/regions/r/routers/cr")] * 2 and len(sleeps) == 1


def test_an_operation_that_failed_for_a_real_reason_is_not_sent_again():
    fake = FakeCompute()
    link = _gcp.LINK_URL + "projects/p/regions/r/operations/a"
    fake.script = [Response(200, {"status": "RUNNING", "selfLink": link}),
                   _failed(link, "RESOURCE_IN_USE_BY_ANOTHER_RESOURCE", 400)]
    compute, _unused = client(fake)
    started = compute.mutate("DELETE", "projects/p/regions/r/vpnGateways/gw")
    with pytest.raises(_gcp.GcpApiError, match="RESOURCE_IN_USE_BY_ANOTHER_RESOURCE on the router"):
        compute.wait([started], timeout=10)
    assert fake.mutations() == [("DELETE", "projects/p/regions/r/vpnGateways/gw")]


def test_a_change_failing_in_every_operation_gives_up_after_the_last_attempt():
    fake = FakeCompute()
    link = _gcp.LINK_URL + "projects/p/regions/r/operations/a"
    fake.script = [_failed(link, "RESOURCE_OPERATION_RATE_EXCEEDED")] * 3
    compute, _unused = client(fake, attempts=3)
    started = compute.mutate("POST", "projects/p/regions/r/routers", {"name": "cr"})
    with pytest.raises(_gcp.GcpApiError, match="RESOURCE_OPERATION_RATE_EXCEEDED"):
        compute.wait([started], timeout=10)
    assert len(fake.mutations()) == 3


def test_wait_times_out():
    compute, _unused = client(FakeCompute())
    with pytest.raises(_gcp.GcpApiError, match="timed out waiting for operation op-1"):
        compute.wait([{"name": "op-1", "status": "RUNNING", "selfLink": "x"}], timeout=0)


def test_links_compare_by_path_whatever_the_host():
    assert _gcp.normalize({"network": "https://compute.googleapis.com/compute/v1/projects/p/global/networks/n",
                           "labels": {}, "x": None}) == {"network": "projects/p/global/networks/n"}
    assert _gcp.ref_link("cr", "p", "routers", "r") == _gcp.LINK_URL + "projects/p/regions/r/routers/cr"
    assert _gcp.ref_link("projects/q/global/networks/n", "p", "networks") == (
        _gcp.LINK_URL + "projects/q/global/networks/n")


@pytest.mark.parametrize("current, desired, expected", [
    (None, {"a": 1}, "create"),
    ({"a": 1, "labels": {"k": "v"}}, {"a": 1, "labels": {"k": "v"}}, None),
    ({"a": 1}, {"a": 1, "labels": {"k": "v"}}, "labels"),
    ({"a": 1, "labels": {"k": "v"}}, {"a": 1}, None),
    ({"a": 1, "labels": {"k": "v"}}, {"a": 2, "labels": {"k": "w"}}, "replace"),
])
def test_plan_change(current, desired, expected):
    assert _gcp.plan_change(current, desired, ("a",)) == expected


def test_auth_options_match_google_cloud_names_and_env_fallbacks():
    assert set(_gcp.AUTH_ARGS) == {"project", "auth_kind", "service_account_email", "service_account_file",
                                   "service_account_contents", "access_token", "scopes", "env_type"}
    assert all(spec["fallback"][1] == ["GCP_" + name.upper()] for name, spec in _gcp.AUTH_ARGS.items())
    assert _gcp.AUTH_ARGS["access_token"]["no_log"] and _gcp.AUTH_ARGS["service_account_contents"]["no_log"]


def test_access_token_credentials():
    creds = _gcp.credentials({"auth_kind": "accesstoken", "access_token": "tok", "scopes": _gcp.DEFAULT_SCOPES})
    assert creds.token == "tok"


class _ExpiringCredentials(google.auth.credentials.Credentials):
    """Refreshable credentials (a service account's, for instance) whose first token expired mid-run."""

    def __init__(self):
        super().__init__()
        self.token, self.refreshes = "ya29.expired", 0

    def refresh(self, request):
        self.token, self.refreshes = "ya29.fresh", self.refreshes + 1


class _TokenCheckingAdapter(requests.adapters.HTTPAdapter):
    """Answers 401 to the expired token and 200 to the fresh one, as Compute does."""

    def send(self, request, **kwargs):
        response = requests.Response()
        response.request, response.url = request, request.url
        fresh = request.headers.get("Authorization") == "Bearer ya29.fresh"
        response.status_code = 200 if fresh else 401
        response._content = b'{"name": "p"}' if fresh else b'{"error": {"code": 401, "status": "UNAUTHENTICATED"}}'
        return response


def test_an_expired_token_is_refreshed_once_mid_run_when_the_credentials_can():
    creds = _ExpiringCredentials()
    session = AuthorizedSession(creds)
    session.mount("https://", _TokenCheckingAdapter())
    compute, sleeps = client(session)
    assert compute.get("projects/p") == {"name": "p"}
    assert (creds.refreshes, sleeps) == (1, [])
