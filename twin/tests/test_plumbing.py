"""The twin's plumbing as a client sees it: the TLS proxy, call counters, fault injection, the admin
endpoint, ``python -m twin up/down``, and loopback-only listeners."""

from __future__ import annotations

import json
import os
import shlex
import socket
import ssl
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit

import boto3
import certifi
import google.oauth2.credentials
import google_auth_httplib2
import pytest
import requests
from botocore.config import Config
from botocore.exceptions import ClientError
from googleapiclient.errors import HttpError
from googleapiclient.http import build_http

from twin import __main__ as control

HOST_PROJECT = "cb-net-host"
HOST_PROJECT_NUMBER = "480211350012"


def _networks_url(host: str) -> str:
    return f"https://{host}/compute/v1/projects/{HOST_PROJECT}/global/networks"


def _bearer(twin) -> dict:
    return {"Authorization": f"Bearer {twin.env['GCP_ACCESS_TOKEN']}"}


def _proxy_answer(twin, request: bytes) -> bytes:
    proxy = urlsplit(twin.env["HTTPS_PROXY"])
    with socket.create_connection((proxy.hostname, proxy.port), timeout=10) as sock:
        sock.sendall(request)
        return sock.recv(4096)


@pytest.mark.parametrize("request_head", [
    b"CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n",
    b"CONNECT sts.amazonaws.com:443 HTTP/1.1\r\n\r\n",
    b"CONNECT compute.googleapis.com:80 HTTP/1.1\r\n\r\n",
    b"GET http://compute.googleapis.com/compute/v1/projects HTTP/1.1\r\nHost: compute.googleapis.com\r\n\r\n",
    b"not http at all\r\n\r\n",
])
def test_proxy_refuses_everything_but_the_google_api_hosts(twin, request_head):
    assert _proxy_answer(twin, request_head).startswith(b"HTTP/1.1 403 ")


def test_requests_through_the_proxy_refuses_other_hosts(twin):
    with pytest.raises(requests.exceptions.ProxyError):
        requests.get("https://example.com/", timeout=10)


@pytest.mark.parametrize("host", ["compute.googleapis.com", "www.googleapis.com"])
def test_requests_reaches_compute_through_tls_with_the_test_ca(twin, host):
    response = requests.get(_networks_url(host), headers=_bearer(twin), timeout=10)
    assert response.status_code == 200
    assert "vpc-hub" in [n["name"] for n in response.json()["items"]]


def test_googleapiclient_reaches_compute_and_follows_www_self_links(twin, compute):
    networks = compute.networks().list(project=HOST_PROJECT).execute()
    hub = next(n for n in networks["items"] if n["name"] == "vpc-hub")
    assert hub["selfLink"].startswith("https://www.googleapis.com/")
    # httplib2 (via PySocks and HTTPLIB2_CA_CERTS) on the selfLink host, as clients following links do.
    credentials = google.oauth2.credentials.Credentials(twin.env["GCP_ACCESS_TOKEN"])
    response, content = google_auth_httplib2.AuthorizedHttp(credentials, http=build_http()).request(hub["selfLink"])
    assert response.status == 200
    assert json.loads(content)["name"] == "vpc-hub"


def test_a_client_without_the_test_ca_fails_tls_verification(twin):
    with pytest.raises(requests.exceptions.SSLError):
        requests.get(_networks_url("compute.googleapis.com"), headers=_bearer(twin), verify=certifi.where(), timeout=10)


def test_the_ca_bundle_keeps_every_public_root(twin):
    public = ssl.create_default_context(cafile=certifi.where()).cert_store_stats()["x509_ca"]
    bundle = ssl.create_default_context(cafile=twin.env["REQUESTS_CA_BUNDLE"]).cert_store_stats()["x509_ca"]
    assert bundle == public + 1


def test_calls_are_counted_per_cloud_and_action(admin, ec2, ram, sts, compute):
    ec2.describe_vpcs()
    ec2.describe_vpcs()
    sts.get_caller_identity()
    ram.get_resource_shares(resourceOwner="SELF")
    compute.networks().list(project=HOST_PROJECT).execute()
    assert admin.calls() == {
        "aws": {"ec2:DescribeVpcs": 2, "sts:GetCallerIdentity": 1, "ram:GetResourceShares": 1},
        "gcp": {"compute.networks.list": 1},
        "faults": {"aws": {}, "gcp": {}},
    }
    assert admin.clear_calls() == {"aws": {}, "gcp": {}, "faults": {"aws": {}, "gcp": {}}}


def _no_retry(service: str):
    return boto3.session.Session().client(service, config=Config(retries={"total_max_attempts": 1}))


@pytest.mark.parametrize("service, call, code, status", [
    ("ec2", lambda c: c.describe_vpcs(), "RequestLimitExceeded", 503),
    ("sts", lambda c: c.get_caller_identity(), "Throttling", 400),
    ("ram", lambda c: c.get_resource_shares(resourceOwner="SELF"), "ThrottlingException", 429),
])
def test_aws_faults_answer_as_aws_throttles(twin, admin, service, call, code, status):
    admin.config(fault_rate={"aws": 1})
    with pytest.raises(ClientError) as raised:
        call(_no_retry(service))
    assert raised.value.response["Error"]["Code"] == code
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == status
    faults = admin.calls()["faults"]["aws"]
    assert list(faults.values()) == [1] and next(iter(faults)).startswith(f"{service}:")


def test_gcp_faults_answer_as_compute_throttles(admin, compute):
    admin.config(fault_rate={"gcp": 1}, fault_seed=7)
    seen = {}
    for _ in range(12):
        with pytest.raises(HttpError) as raised:
            compute.networks().list(project=HOST_PROJECT).execute()
        error = raised.value
        seen[(error.status_code, error.error_details[0]["reason"])] = error.reason
    assert set(seen) == {(403, "rateLimitExceeded"), (503, "backendError")}
    assert seen[(403, "rateLimitExceeded")] == (
        "Quota exceeded for quota metric 'Read requests' and limit 'Read requests per minute' of service "
        f"'compute.googleapis.com' for consumer 'project_number:{HOST_PROJECT_NUMBER}'."
    )
    assert seen[(503, "backendError")].startswith("Internal error. Please try again or contact Google Support.")
    calls = admin.calls()
    assert calls["gcp"] == calls["faults"]["gcp"] == {"compute.networks.list": 12}


def test_a_faulted_compute_mutation_may_be_accepted_then_fail_in_its_operation_changing_nothing(twin, admin):
    admin.config(fault_rate={"gcp": 1}, fault_seed=7)
    url = f"https://compute.googleapis.com/compute/v1/projects/{HOST_PROJECT}/global/firewalls"
    body = {"name": "fw-faulted", "network": f"projects/{HOST_PROJECT}/global/networks/vpc-hub",
            "allowed": [{"IPProtocol": "icmp"}]}
    answers = [requests.post(url, json=body, headers=_bearer(twin), timeout=10) for _ in range(12)]
    operations = [a.json() for a in answers if a.status_code == 200]
    assert operations and {a.status_code for a in answers} - {200} <= {403, 503}
    admin.config(fault_rate={"gcp": 0})
    for operation in operations:
        done = requests.post(operation["selfLink"] + "/wait", headers=_bearer(twin), timeout=10)
        assert done.status_code == 200
        error = done.json()
        assert (error["status"], error["httpErrorStatusCode"], error["error"]["errors"][0]["code"]) == (
            "DONE", 403, "RESOURCE_OPERATION_RATE_EXCEEDED")
        assert error["error"]["errors"][0]["message"] == (
            f"Operation rate exceeded for resource 'projects/{HOST_PROJECT}/global/firewalls/fw-faulted'. "
            "Too frequent operations from the source resource.")
        assert error["targetLink"].endswith("/global/firewalls/fw-faulted")
    assert requests.get(f"{url}/fw-faulted", headers=_bearer(twin), timeout=10).status_code == 404
    # reads never end as failed operations: they are only throttled
    assert admin.calls()["faults"]["gcp"] == {"compute.firewalls.insert": 12}


def test_resource_manager_throttles_with_429_and_a_retry_hint(twin, admin):
    admin.config(fault_rate={"gcp": 1}, fault_seed=1)
    url = f"https://cloudresourcemanager.googleapis.com/v1/projects/{HOST_PROJECT}:getIamPolicy"
    answers = [requests.post(url, json={}, headers=_bearer(twin), timeout=10) for _ in range(12)]
    throttled = [a.json()["error"] for a in answers if a.status_code == 429]
    assert throttled and {a.status_code for a in answers} == {429, 503}
    assert throttled[0]["status"] == "RESOURCE_EXHAUSTED"
    assert throttled[0]["message"].startswith("Quota exceeded for quota group 'ReadGroup' and limit "
                                              "'CLIENT_PROJECT-100s' of service 'cloudresourcemanager.googleapis.com'")
    assert throttled[0]["details"] == [{"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "1s"}]


def test_gcp_faults_spare_paths_the_api_does_not_have(twin, admin):
    admin.config(fault_rate={"gcp": 1})
    response = requests.get("https://compute.googleapis.com/compute/v1/no/such/path", headers=_bearer(twin), timeout=10)
    assert response.status_code == 404
    assert admin.calls()["gcp"] == {"GET /compute/v1/no/such/path": 1}
    assert admin.calls()["faults"]["gcp"] == {}


def test_the_same_fault_seed_gives_the_same_faults(admin, ec2):
    def outcomes():
        admin.config(fault_rate={"aws": 0.5}, fault_seed=42)
        client = _no_retry("ec2")
        results = []
        for _ in range(16):
            try:
                client.describe_vpcs()
                results.append("ok")
            except ClientError as error:
                results.append(error.response["Error"]["Code"])
        return results

    first = outcomes()
    assert set(first) == {"ok", "RequestLimitExceeded"}
    assert outcomes() == first


def test_rate_zero_gives_no_faults(admin, ec2, compute):
    admin.config(fault_rate={"aws": 1, "gcp": 1})
    admin.config(fault_rate={"aws": 0, "gcp": 0})
    for _ in range(10):
        ec2.describe_vpcs()
        compute.networks().list(project=HOST_PROJECT).execute()
    assert admin.calls()["faults"] == {"aws": {}, "gcp": {}}


def test_the_timeline_lists_each_wait_a_call_began_in_call_order(twin, admin, ec2):
    admin.timeline(clear=True)
    tgw = ec2.create_transit_gateway(Description="timed")["TransitGateway"]["TransitGatewayId"]
    url = f"https://compute.googleapis.com/compute/v1/projects/{HOST_PROJECT}/global/firewalls"
    body = {"name": "fw-timed", "network": f"projects/{HOST_PROJECT}/global/networks/vpc-hub",
            "allowed": [{"IPProtocol": "icmp"}]}
    assert requests.post(url, json=body, headers=_bearer(twin), timeout=10).status_code == 200
    ec2.describe_transit_gateways(TransitGatewayIds=[tgw])  # reads begin no wait
    assert admin.timeline() == [{"what": "ec2 TransitGateway pending", "id": tgw, "seconds": 60},
                                {"what": "compute insert firewalls", "id": "fw-timed", "seconds": 5}]
    admin.reset()
    assert admin.timeline() == []


def test_reset_restores_the_start_up_config_and_clears_counters(admin, ec2):
    started_with = admin.config()
    admin.config(latency_scale=1, fault_rate={"aws": 0.3}, fault_seed=3)
    ec2.describe_vpcs()
    admin.reset()
    assert admin.config() == started_with
    assert admin.calls()["aws"] == {}


@pytest.mark.parametrize("changes", [{"latency": 1}, {"fault_rate": {"azure": 1}}, {"fault_rate": {"aws": 2}},
                                     {"latency_scale": "fast"}])
def test_admin_refuses_bad_config(twin, admin, changes):
    response = requests.post(f"{twin.admin_url}/_twin/config", json=changes, timeout=10)
    assert response.status_code == 400
    assert admin.config()["fault_rate"] == {"aws": 0.0, "gcp": 0.0}


def _listening(pid: int) -> set[tuple[str, int]]:
    """(address, port) of every TCP socket process ``pid`` listens on."""
    inodes = {os.readlink(f"/proc/{pid}/fd/{fd}") for fd in os.listdir(f"/proc/{pid}/fd")}
    found = set()
    for table, width in (("tcp", 8), ("tcp6", 32)):
        for row in Path(f"/proc/net/{table}").read_text().splitlines()[1:]:
            fields = row.split()
            address, port = fields[1].split(":")
            if fields[3] == "0A" and f"socket:[{fields[9]}]" in inodes:  # 0A: TCP_LISTEN
                raw = bytes.fromhex(address)[::-1] if width == 8 else bytes.fromhex(address)
                found.add((socket.inet_ntop(socket.AF_INET if width == 8 else socket.AF_INET6, raw), int(port, 16)))
    return found


def test_nothing_listens_beyond_loopback(twin):
    ports = json.loads((twin.state_dir / "ports.json").read_text())
    assert _listening(control.running_pid(twin.state_dir)) == {("127.0.0.1", p) for p in ports.values()}


def _cli(*args, check=True) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "twin", *args], capture_output=True, text=True, timeout=90,
                          check=check, env={**os.environ, "PYTHONPATH": str(Path(control.__file__).parents[1])})


def test_up_writes_env_and_down_stops_the_process(tmp_path):
    state = tmp_path / "state"
    ports = control.free_ports()
    up = _cli("up", "--state-dir", str(state), *(f"--{n}-port={p}" for n, p in vars(ports).items()))
    env_file = Path(up.stdout.strip())
    assert env_file == state / "env" and _cli("env", "--state-dir", str(state)).stdout.strip() == str(env_file)
    lines = env_file.read_text().splitlines()
    env = dict(shlex.split(line)[1].split("=", 1) for line in lines)
    assert all(line.startswith("export ") for line in lines)
    assert env["HTTPS_PROXY"] == f"http://127.0.0.1:{ports.proxy}"
    assert env["AWS_ENDPOINT_URL"] == f"http://127.0.0.1:{ports.aws}"
    assert env["REQUESTS_CA_BUNDLE"] == env["HTTPLIB2_CA_CERTS"] == str(state / "ca-bundle.pem")
    assert Path(env["REQUESTS_CA_BUNDLE"]).is_file()
    assert (env["AWS_REGION"], env["GCP_PROJECT"], env["GCP_REGION"]) == ("ap-northeast-1", HOST_PROJECT,
                                                                          "asia-northeast1")
    assert requests.get(f"{env['TWIN_ADMIN_URL']}/_twin/health", timeout=5).status_code == 200
    # Started, never reset: the seed's spoke VPCs are there already, as after /_twin/reset (make demo relies on it).
    where = {"endpoint_url": env["AWS_ENDPOINT_URL"], "region_name": env["AWS_REGION"]}
    hub = boto3.session.Session(env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"])
    news = hub.client("sts", **where).assume_role(
        RoleArn="arn:aws:iam::222222222222:role/reader", RoleSessionName="test")["Credentials"]
    vpcs = boto3.session.Session(news["AccessKeyId"], news["SecretAccessKey"], news["SessionToken"]).client(
        "ec2", **where).describe_vpcs(Filters=[{"Name": "tag:Name", "Values": ["news-prod"]}])["Vpcs"]
    assert [v["CidrBlock"] for v in vpcs] == ["10.20.0.0/16"]
    pid = int((state / "twin.pid").read_text())

    again = _cli("up", "--state-dir", str(state))
    assert "already running" in again.stderr and env_file.read_text().splitlines() == lines

    assert "stopped" in _cli("down", "--state-dir", str(state)).stdout
    assert not (state / "twin.pid").exists()
    assert not Path(f"/proc/{pid}").exists() or Path(f"/proc/{pid}/stat").read_text().split()[2] == "Z"
    assert "not running" in _cli("down", "--state-dir", str(state)).stdout


def test_the_proxy_survives_clients_that_hang_up_and_serves_many_at_once(twin):
    proxy = urlsplit(twin.env["HTTPS_PROXY"])
    for stage in ("before CONNECT", "after CONNECT", "mid-handshake"):
        with socket.create_connection((proxy.hostname, proxy.port), timeout=10) as sock:
            if stage != "before CONNECT":
                sock.sendall(b"CONNECT compute.googleapis.com:443 HTTP/1.1\r\n\r\n")
                assert sock.recv(1024).startswith(b"HTTP/1.1 200 ")
            if stage == "mid-handshake":
                sock.sendall(b"\x16\x03\x01\x02\x00\x01")  # the first bytes of a ClientHello, then gone
    url, headers = _networks_url("compute.googleapis.com"), _bearer(twin)
    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(lambda _: requests.get(url, headers=headers, timeout=30).status_code, range(24)))
    assert statuses == [200] * 24


def test_a_trap_serves_the_nth_call_then_holds_its_answer_until_released(admin, ec2):
    admin.arm_trap("ec2:CreateCustomerGateway", nth=2)
    create = lambda ip: ec2.create_customer_gateway(BgpAsn=65000, PublicIp=ip, Type="ipsec.1")  # noqa: E731
    create("35.242.1.1")  # the first one is answered as usual
    with ThreadPoolExecutor(1) as pool:
        second = pool.submit(create, "35.242.1.2")
        trap = admin.wait_trap(timeout=20)
        assert trap == {"action": "ec2:CreateCustomerGateway", "nth": 2, "seen": 2, "sprung": True}
        # made in the cloud, and its caller not told yet
        try:
            assert len(ec2.describe_customer_gateways()["CustomerGateways"]) == 2 and not second.done()
        finally:
            admin.disarm_trap()
        assert second.result(timeout=20)["CustomerGateway"]["State"] == "available"
    assert admin.wait_trap(timeout=0) == {}


def test_a_trap_not_reached_does_not_spring(admin, compute):
    admin.arm_trap("compute.networks.list", nth=3)
    compute.networks().list(project=HOST_PROJECT).execute()
    assert admin.wait_trap(timeout=0.2) == {"action": "compute.networks.list", "nth": 3, "seen": 1, "sprung": False}
    admin.reset()
    assert admin.wait_trap(timeout=0) == {}
