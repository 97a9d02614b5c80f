"""aws_tgw_vpn on the AWS twin at 1/60 of real latency: check mode on an empty account, converge, idempotence,
check mode on a converged account, the fact against describe (also with tunnels listed in reverse), waiting for
both connections together, in-place rotation, one tunnel at a time, validation before any change, teardown
(a Transit Gateway the role created is kept while something else is attached).
Cloud state is read back with plain boto3, while the play runs too."""

from __future__ import annotations

import contextlib
import itertools
import json
import threading
import time
from datetime import datetime

import boto3
import pytest
from ansible_run import ROOT, run_playbook, task_results

from twin.aws.vpn import CREATE_PHASES

PLAYBOOK = ROOT / "tests/integration/playbooks/aws_tgw_vpn.yml"
HOST = "aws-hub"
GCP_IPS = ["34.157.0.10", "34.157.64.10"]
CONVERGE = "Converge the customer gateways and VPN connections, waiting for both together"
SCALE = 1 / 60
ONE_CONNECTION_WAIT = CREATE_PHASES[0][1] * SCALE  # 300 cloud seconds pending -> 5 s
LIVE = ["pending", "available", "modifying"]


@pytest.fixture(scope="module", autouse=True)
def _slow_twin(twin, admin):
    """After the per-module reset (integration conftest): cloud waits at 1/60 of the real durations."""
    admin.config(latency_scale=SCALE)


class Run:
    """One role run as the operator sees it: PLAY RECAP stats, results by task name, the published fact."""

    def __init__(self, report: dict, fact_file):
        self.report = report
        self.stats = report["stats"][HOST]
        self.results = task_results(report, HOST)
        self.fact = json.loads(fact_file.read_text()) if fact_file.exists() else None

    def seconds(self, task_name: str) -> float:
        task = next(t["task"] for p in self.report["plays"] for t in p["tasks"]
                    if t["task"]["name"].split(" : ")[-1] == task_name)
        start, end = (datetime.fromisoformat(task["duration"][k]) for k in ("start", "end"))
        return (end - start).total_seconds()


def play(tmp_path, extra=None, check=False) -> Run:
    fact_file = tmp_path / "fact.json"
    fact_file.unlink(missing_ok=True)
    variables = {"aws_tgw_vpn_gcp_interface_ips": GCP_IPS, "aws_tgw_vpn_poll_interval": 0.5,
                 "fact_file": str(fact_file), "ansible_python_interpreter": str(ROOT / ".venv/bin/python")}
    report = run_playbook(PLAYBOOK, *["--check"] * check, tmp_path=tmp_path, inventory=f"{HOST},",
                          extra_vars={**variables, **(extra or {})})
    return Run(report, fact_file)


def connections(ec2, states=LIVE) -> dict:
    live = ec2.describe_vpn_connections(Filters=[{"Name": "state", "Values": states}])
    return {c["VpnConnectionId"]: c for c in live["VpnConnections"]}


def live_gateways(ec2, name="cloudbridge-hybrid-vpn") -> list:
    return [g for g in ec2.describe_transit_gateways(Filters=[{"Name": "tag:Name", "Values": [name]}])[
        "TransitGateways"] if g["State"] != "deleted"]


def assert_fact_matches_describe(fact, ec2):
    """Each fact entry is the described tunnel with the same outside IP: inside CIDR, key, connection."""
    live = connections(ec2)
    assert [t["peer_interface"] for t in fact] == [0, 1, 2, 3]
    assert len(live) == 2 and {t["vpn_connection_id"] for t in fact} == set(live)
    for tunnel in fact:
        described = next(t for t in live[tunnel["vpn_connection_id"]]["Options"]["TunnelOptions"]
                         if t["OutsideIpAddress"] == tunnel["outside_ip"])
        assert (described["TunnelInsideCidr"], described["PreSharedKey"]) == (tunnel["inside_cidr"],
                                                                              tunnel["pre_shared_key"])
    return live


@contextlib.contextmanager
def watching(interval=0.1):
    """Describe connections and customer gateways every ``interval`` seconds while the block runs."""
    ec2 = boto3.session.Session().client("ec2")
    samples, stop = [], threading.Event()

    def sample():
        while not stop.is_set():
            # Gateways first: a gateway seen deleted must then show its connection deleted, whereas read the
            # other way round the play may delete both between the two reads.
            cgws = ec2.describe_customer_gateways()["CustomerGateways"]
            samples.append((ec2.describe_vpn_connections()["VpnConnections"], cgws))
            stop.wait(interval)

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    try:
        yield samples
    finally:
        stop.set()
        thread.join()


def test_check_mode_on_an_empty_account_changes_nothing(tmp_path, ec2):
    run = play(tmp_path, check=True)
    assert run.stats["failures"] == 0
    assert run.results["Create the Transit Gateway, tagged at creation"]["changed"] is True
    assert run.results[CONVERGE]["changed"] is True
    assert [c["state"] for c in run.results[CONVERGE]["vpn_connections"]] == ["absent", "absent"]
    assert live_gateways(ec2) == [] and connections(ec2) == {}
    assert ec2.describe_customer_gateways()["CustomerGateways"] == []


@pytest.fixture(scope="module")
def converged(tmp_path_factory):
    return play(tmp_path_factory.mktemp("converge"))


@pytest.fixture(scope="module")
def rerun(converged, tmp_path_factory):
    return play(tmp_path_factory.mktemp("rerun"))


def test_converge_publishes_four_tunnels_matching_describe(converged, ec2):
    assert converged.stats["failures"] == 0
    assert converged.results[CONVERGE]["changed"] is True
    live = assert_fact_matches_describe(converged.fact, ec2)
    for conn in live.values():
        assert conn["TransitGatewayId"] == converged.fact[0]["transit_gateway_id"]
        for tunnel in conn["Options"]["TunnelOptions"]:
            assert tunnel["IkeVersions"] == [{"Value": "ikev2"}]
            assert tunnel["Phase1EncryptionAlgorithms"] == tunnel["Phase2EncryptionAlgorithms"] == [{"Value": "AES256"}]
            assert tunnel["Phase1DHGroupNumbers"] == [{"Value": 14}]
    assert [g["Options"]["VpnEcmpSupport"] for g in live_gateways(ec2)] == ["enable"]


def test_both_connections_are_waited_for_together(converged, rerun):
    # The converge task's time minus that of a run with nothing to do is the time spent waiting. The lower bound
    # is on the task itself (the twin's clock keeps a connection pending that long): the difference of two
    # wall-clock figures drifts by a second either way on a loaded machine, the serial variant by a whole wait.
    waited = converged.seconds(CONVERGE) - rerun.seconds(CONVERGE)
    print(f"converge {converged.seconds(CONVERGE):.1f} s, no-op rerun {rerun.seconds(CONVERGE):.1f} s, "
          f"waited {waited:.1f} s; one connection {ONE_CONNECTION_WAIT:.1f} s")
    assert converged.seconds(CONVERGE) >= ONE_CONNECTION_WAIT  # it did wait until both were available
    assert waited < 1.5 * ONE_CONNECTION_WAIT  # one after the other: >= 2x


def test_second_run_and_check_mode_on_a_converged_account_change_nothing(converged, rerun, tmp_path, ec2):
    before = connections(ec2)
    assert (rerun.stats["changed"], rerun.stats["failures"]) == (0, 0)
    assert rerun.fact == converged.fact
    check = play(tmp_path, check=True)
    assert (check.stats["changed"], check.stats["failures"]) == (0, 0)
    assert connections(ec2) == before


def test_fact_matches_describe_when_tunnels_are_listed_in_reverse(converged, tmp_path, admin, ec2):
    admin.config(aws_reverse_tunnel_order=True)
    try:
        for conn in connections(ec2).values():  # the twin does list them in reverse outside-IP order
            ips = [t["OutsideIpAddress"] for t in conn["Options"]["TunnelOptions"]]
            assert ips == sorted(ips, key=lambda ip: tuple(map(int, ip.split("."))), reverse=True)
        run = play(tmp_path)
        assert_fact_matches_describe(run.fact, ec2)
    finally:
        admin.config(aws_reverse_tunnel_order=False)
    assert run.stats["changed"] == 0
    assert run.fact == converged.fact


def test_rotating_one_key_modifies_that_tunnel_in_place(converged, tmp_path, ec2):
    fact = converged.fact
    keys = [t["pre_shared_key"] for t in fact]
    keys[2] = "Rotated_key_" + "x" * 20
    run = play(tmp_path, {"aws_tgw_vpn_pre_shared_keys": keys,
                          "aws_tgw_vpn_inside_cidrs": [t["inside_cidr"] for t in fact]})
    assert run.stats["failures"] == 0
    assert run.results[CONVERGE]["modified_tunnels"] == [
        {"vpn_connection_id": fact[2]["vpn_connection_id"], "outside_ip": fact[2]["outside_ip"],
         "options": ["PreSharedKey"]}]
    assert keys[2] not in str(run.report)  # the key is never printed
    assert [t["vpn_connection_id"] for t in run.fact] == [t["vpn_connection_id"] for t in fact]
    assert [t["pre_shared_key"] for t in run.fact] == keys
    assert_fact_matches_describe(run.fact, ec2)


def test_a_setting_on_all_four_tunnels_is_changed_one_after_another(converged, tmp_path, ec2):
    settings = {"ike_versions": ["ikev2"], "phase1_encryption_algorithms": ["AES256"],
                "phase1_integrity_algorithms": ["SHA2-256"], "phase1_dh_group_numbers": [14],
                "phase2_encryption_algorithms": ["AES256"], "phase2_integrity_algorithms": ["SHA2-256"],
                "phase2_dh_group_numbers": [14], "phase1_lifetime_seconds": 14400, "phase2_lifetime_seconds": 3600,
                "dpd_timeout_seconds": 30, "dpd_timeout_action": "restart"}
    with watching() as samples:
        run = play(tmp_path, {"aws_tgw_vpn_tunnel_settings": settings})
    assert run.stats["failures"] == 0
    modified = run.results[CONVERGE]["modified_tunnels"]
    assert len(modified) == 4 and all(m["options"] == ["Phase1LifetimeSeconds"] for m in modified)
    assert {(m["vpn_connection_id"], m["outside_ip"]) for m in modified} == {
        (t["vpn_connection_id"], t["outside_ip"]) for t in converged.fact}
    # Seen from outside while the play ran: never two connections modifying at once (the twin refuses a
    # second modification of a connection that is modifying), and tunnels took the new value one by one.
    ours = {t["vpn_connection_id"] for t in converged.fact}
    modifying = [{c["VpnConnectionId"] for c in vpns if c["VpnConnectionId"] in ours and c["State"] == "modifying"}
                 for vpns, _ in samples]
    assert max(map(len, modifying)) == 1 and set().union(*modifying) == ours
    done = [sum(t["Phase1LifetimeSeconds"] == 14400 for c in vpns if c["VpnConnectionId"] in ours
                for t in c["Options"]["TunnelOptions"]) for vpns, _ in samples]
    assert sorted(set(done)) == [0, 1, 2, 3, 4] and all(b - a <= 1 for a, b in itertools.pairwise(done))
    assert all(t["Phase1LifetimeSeconds"] == 14400 for c in connections(ec2).values()
               for t in c["Options"]["TunnelOptions"])


@pytest.mark.parametrize(("extra", "message"), [
    ({"aws_tgw_vpn_inside_cidrs": ["169.254.1.0/30", "169.254.30.4/30", "169.254.30.8/30", "169.254.30.12/30"]},
     "inside CIDR '169.254.1.0/30' is reserved by AWS"),
    ({"aws_tgw_vpn_inside_cidrs": ["169.254.30.0/30"] * 2 + ["169.254.30.8/30", "169.254.30.12/30"]},
     "aws_tgw_vpn_inside_cidrs[1]: inside CIDR 169.254.30.0/30 duplicates aws_tgw_vpn_inside_cidrs[0]"),
    ({"aws_tgw_vpn_customer_gateway_asn": 64512},
     "aws_tgw_vpn_customer_gateway_asn 64512 must differ from aws_tgw_vpn_amazon_side_asn"),
    ({"aws_tgw_vpn_customer_gateway_asn": 65535}, "aws_tgw_vpn_customer_gateway_asn: ASN 65535 is not private"),
    ({"aws_tgw_vpn_pre_shared_keys": ["0startswithzero", "ok_key_123", "ok_key_456", "ok_key_789"]},
     "aws_tgw_vpn_pre_shared_keys[0]: pre-shared key must not start with '0'"),
    ({"aws_tgw_vpn_pre_shared_keys": ["short", "ok_key_123", "ok_key_456", "ok_key_789"]},
     "pre-shared key must be 8 to 64 characters long (got 5)"),
    ({"aws_tgw_vpn_gcp_interface_ips": ["34.157.0.10"]}, "two distinct interface IPs, got ['34.157.0.10']"),
])
def test_invalid_input_fails_before_any_change(tmp_path, ec2, extra, message):
    before = connections(ec2)
    run = play(tmp_path, {**extra, "aws_tgw_vpn_name": "validation-only"})
    assert run.stats["failures"] == 1
    failed = [r["msg"] for r in run.results.values() if r.get("failed")]
    assert len(failed) == 1 and message in failed[0]
    assert connections(ec2) == before
    assert live_gateways(ec2, "validation-only") == []


def test_absent_removes_connections_then_gateways_then_the_tgw_and_is_idempotent(converged, tmp_path, ec2):
    ours = {t["vpn_connection_id"]: t["customer_gateway_id"] for t in converged.fact}
    with watching() as samples:
        run = play(tmp_path, {"aws_tgw_vpn_state": "absent"})
    assert run.stats["failures"] == 0
    assert connections(ec2) == {} and live_gateways(ec2) == []
    assert not [g for g in ec2.describe_customer_gateways()["CustomerGateways"] if g["State"] == "available"]
    # Seen while the play ran: a customer gateway goes only once its connection is deleted.
    gone_in_samples = []
    for vpns, cgws in samples:
        state = {c["VpnConnectionId"]: c["State"] for c in vpns}
        gone = {g["CustomerGatewayId"] for g in cgws if g["State"] in ("deleting", "deleted")}
        assert all(state.get(vpn) == "deleted" for vpn, cgw in ours.items() if cgw in gone)
        gone_in_samples.append(gone & set(ours.values()))
    assert gone_in_samples[0] == set() and gone_in_samples[-1] == set(ours.values())
    again = play(tmp_path, {"aws_tgw_vpn_state": "absent"})
    changed = [name for name, r in again.results.items() if r.get("changed")]
    assert (again.stats["changed"], again.stats["failures"], changed) == (0, 0, [])


def test_an_adopted_tgw_gets_the_connections_and_outlives_absent(tmp_path, ec2):
    tgw = ec2.create_transit_gateway(Description="owned by the network team", Options={
        "AmazonSideAsn": 64600, "VpnEcmpSupport": "enable"})["TransitGateway"]["TransitGatewayId"]
    adopt = {"aws_tgw_vpn_transit_gateway_id": tgw, "aws_tgw_vpn_amazon_side_asn": 64600}
    run = play(tmp_path, adopt)
    assert run.stats["failures"] == 0
    assert run.results["Create the Transit Gateway, tagged at creation"]["skipped"] is True
    assert {t["transit_gateway_id"] for t in run.fact} == {tgw} and {t["amazon_side_asn"] for t in run.fact} == {64600}
    assert_fact_matches_describe(run.fact, ec2)
    gone = play(tmp_path, {**adopt, "aws_tgw_vpn_state": "absent"})
    assert gone.stats["failures"] == 0 and connections(ec2) == {}
    # Not created by the role: kept, whatever is attached.
    assert ec2.describe_transit_gateways(TransitGatewayIds=[tgw])["TransitGateways"][0]["State"] == "available"


def test_another_teams_tgw_with_our_name_as_description_is_not_adopted(tmp_path, ec2):
    theirs = ec2.create_transit_gateway(Description="adoption-guard")["TransitGateway"]["TransitGatewayId"]
    run = play(tmp_path, {"aws_tgw_vpn_name": "adoption-guard"})
    failed = [r["msg"] for r in run.results.values() if r.get("failed")]
    assert run.stats["failures"] == 1 and f"Transit Gateway {theirs} has the description adoption-guard" in failed[0]
    tags = ec2.describe_transit_gateways(TransitGatewayIds=[theirs])["TransitGateways"][0].get("Tags", [])
    assert tags == []
    ec2.delete_transit_gateway(TransitGatewayId=theirs)


def test_a_tgw_the_role_created_outlives_absent_while_a_vpc_is_attached(tmp_path, ec2, admin):
    """A spoke VPC attached to our TGW by someone else: absent removes our connections but keeps the TGW, also
    while that attachment is being deleted; the absent run after it is deleted removes the TGW."""
    ours = {"aws_tgw_vpn_name": "spoke-attached"}
    tgw = play(tmp_path, ours).fact[0]["transit_gateway_id"]
    vpc = ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"][0]["VpcId"]
    subnet = ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["Subnets"][0]["SubnetId"]
    spoke = ec2.create_transit_gateway_vpc_attachment(TransitGatewayId=tgw, VpcId=vpc, SubnetIds=[subnet])[
        "TransitGatewayVpcAttachment"]["TransitGatewayAttachmentId"]

    def attachment_state():
        return ec2.describe_transit_gateway_vpc_attachments(TransitGatewayAttachmentIds=[spoke])[
            "TransitGatewayVpcAttachments"][0]["State"]

    def absent():
        run = play(tmp_path, {**ours, "aws_tgw_vpn_state": "absent"})
        assert run.stats["failures"] == 0
        return [(g["TransitGatewayId"], g["State"]) for g in live_gateways(ec2, "spoke-attached")]

    assert absent() == [(tgw, "available")]
    assert connections(ec2) == {}
    ec2.delete_transit_gateway_vpc_attachment(TransitGatewayAttachmentId=spoke)
    admin.config(latency_scale=1)  # the attachment stays deleting for 30 s, longer than the run
    try:
        assert attachment_state() == "deleting"  # read at once: the twin's clock takes a new scale on its next read
        assert absent() == [(tgw, "available")]
        assert attachment_state() == "deleting"
    finally:
        admin.config(latency_scale=SCALE)
    deadline = time.monotonic() + 10
    while attachment_state() != "deleted":
        assert time.monotonic() < deadline
        time.sleep(0.1)
    assert absent() == []
