"""What the collection configured comes up for real: strongSwan negotiates IKEv2 with each side's proposals
and keys, FRR speaks BGP over the inside addresses, and the collection's verify reports what they produced.

The module runs site.yml once (conftest ``site``); the tests that change one side put it back afterwards.
"""

from __future__ import annotations

import dataclasses
import itertools
import statistics
import time

from protocol.driver import REPORT, feed, following, playbook, sampling, sandbox
from protocol.readback import COMPUTE, Proposals
from twin.aws.vpn import MODIFY_PHASES

EXPECTED_TUNNELS = 4
# rotate.yml on a twin at 1/25 of the real durations: an AWS tunnel modification keeps it out of service 2.4 s.
ROTATE_SCALE = 1 / 25
MODIFY_SECONDS = MODIFY_PHASES[0][1] * ROTATE_SCALE
SAMPLE_EVERY = 0.25


def up_with_routes(config):
    """Every tunnel's IKE and CHILD SA up on both sides, BGP Established both ways, and each side has learned
    exactly what the other advertises."""
    def done(states):
        return all(s.up and s.aws_ike == "ESTABLISHED" and s.aws_child == "INSTALLED"
                   and s.bgp == s.aws_bgp == "Established"
                   and set(s.learned) == set(config.end("aws", s.name).networks)
                   and set(s.aws_learned) == set(config.end("gcp", s.name).networks) for s in states)
    return done


def only_down(name: str):
    """This tunnel failed (charon logged why) and its BGP session is down; the others are up and Established."""
    def done(states):
        return all((s.failure and not s.up and s.bgp != "Established") if s.name == name
                   else (s.up and s.bgp == "Established") for s in states)
    return done


def report(title: str, states) -> None:
    REPORT.append(f"-- {title}")
    REPORT.extend(s.line() for s in states)


def gcp_statuses(gcp) -> list[str]:
    """vpnTunnels.status of every tunnel, as the GCP API shows them."""
    settings = sandbox()
    url = f"{COMPUTE}/projects/{settings['gcp_project']}/regions/{settings['gcp_region']}/vpnTunnels"
    return sorted(t["status"] for t in gcp.get(url, timeout=30).json().get("items", []))


def test_what_site_yml_configured_comes_up_with_real_ike_and_bgp(config, lab):
    assert len(config.gcp) == len(config.aws) == EXPECTED_TUNNELS
    # Each side as its cloud holds it: AWS's proposals (the role's defaults), one key per tunnel, the inventory's ASNs.
    aws = config.aws[0]
    assert aws.ike.render(lab.implemented) == ["aes256-sha256-prfsha256-modp2048"]
    assert aws.esp.render(lab.implemented) == ["aes256-sha256-modp2048"]
    assert len({e.psk for e in config.aws}) == EXPECTED_TUNNELS
    settings = sandbox()
    asns = (settings["gcp_router_asn"], settings["aws_amazon_side_asn"])
    assert {(e.asn, e.peer_asn) for e in config.gcp} == {asns}
    assert {(e.peer_asn, e.asn) for e in config.aws} == {asns}
    states = lab.wait(up_with_routes(config), 20)
    report("after site.yml", states)
    assert [(s.ike, s.child, s.aws_ike, s.aws_child, s.bgp, s.aws_bgp) for s in states] == [
        ("ESTABLISHED", "INSTALLED", "ESTABLISHED", "INSTALLED", "Established", "Established")] * EXPECTED_TUNNELS
    # What was negotiated is what AWS's options allow (GCP offers more; AWS asks for MODP_2048 if needed).
    for name in config.names:
        selected = [line.split("selected proposal: ")[1] for line in lab.log("gcp").splitlines()
                    if f"<{name}|" in line and "selected proposal: " in line]
        assert selected == ["IKE:AES_CBC_256/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/MODP_2048",
                            "ESP:AES_CBC_256/HMAC_SHA2_256_128/NO_EXT_SEQ"], (name, selected)
    # The GCP subnets reach AWS over every session (and whatever AWS advertises reaches GCP).
    assert all(s.aws_learned and set(s.aws_learned) == set(config.end("gcp", s.name).networks) for s in states)


def test_verify_passes_on_what_real_negotiation_produced(config, lab, twin, tmp_path):
    states = lab.wait(up_with_routes(config), 20)
    fed = feed(twin.admin_url, config, states)
    assert [t[2] for t in fed["tunnels"]] == ["ESTABLISHED"] * EXPECTED_TUNNELS
    assert [s[2] for s in fed["sessions"]] == ["Established"] * EXPECTED_TUNNELS
    begin = time.monotonic()
    stats = playbook(tmp_path, "verify.yml")
    assert {"gcp-host", "aws-hub"} <= set(stats) and set(stats.values()) == {(0, 0)}, stats
    REPORT.append(f"verify.yml passed on the fed states in {time.monotonic() - begin:.1f} s")


def test_a_key_changed_on_one_side_fails_that_tunnel_with_an_authentication_error(config, read, lab, ec2, gcp, twin):
    """AWS's key of tunnel t1 changes (ModifyVpnTunnelOptions), GCP keeps the old one."""
    target = config.end("aws", "t1")
    vpn = next(v for v in ec2.describe_vpn_connections()["VpnConnections"]
               if any(o["OutsideIpAddress"] == target.local_ip for o in v["Options"]["TunnelOptions"]))
    change = {"VpnConnectionId": vpn["VpnConnectionId"], "VpnTunnelOutsideIpAddress": target.local_ip}
    ec2.modify_vpn_tunnel_options(**change, TunnelOptions={"PreSharedKey": "changed_on_aws_only_1"})
    ec2.get_waiter("vpn_connection_available").wait(VpnConnectionIds=[change["VpnConnectionId"]],
                                                    WaiterConfig={"Delay": 1, "MaxAttempts": 30})
    try:
        changed = read()
        assert changed.end("aws", "t1").psk == "changed_on_aws_only_1" != changed.end("gcp", "t1").psk
        lab.load(changed)
        states = lab.wait(only_down("t1"), 20)
        report("AWS key of t1 changed", states)
        assert [(s.name, s.up, s.gcp_status) for s in states] == [
            ("t0", True, "ESTABLISHED"), ("t1", False, "AUTHORIZATION_ERROR"),
            ("t2", True, "ESTABLISHED"), ("t3", True, "ESTABLISHED")]
        assert "AUTHENTICATION_FAILED" in lab.log("gcp")
        feed(twin.admin_url, changed, states)
        assert gcp_statuses(gcp) == ["AUTHORIZATION_ERROR"] + ["ESTABLISHED"] * 3
        telemetry = {t["OutsideIpAddress"]: (t["Status"], t["StatusMessage"])
                     for v in ec2.describe_vpn_connections()["VpnConnections"] for t in v["VgwTelemetry"]}
        assert telemetry.pop(target.local_ip) == ("DOWN", "IPSEC IS DOWN")
        assert {status for status, _ in telemetry.values()} == {"UP"}
    finally:
        ec2.modify_vpn_tunnel_options(**change, TunnelOptions={"PreSharedKey": target.psk})
        ec2.get_waiter("vpn_connection_available").wait(VpnConnectionIds=[change["VpnConnectionId"]],
                                                        WaiterConfig={"Delay": 1, "MaxAttempts": 30})
        lab.load(read())
    lab.wait(up_with_routes(config), 20)


def test_a_phase1_proposal_the_other_side_does_not_accept_fails_with_no_proposal_chosen(config, lab):
    """GCP's end of t2 offers only AES128/SHA1/MODP_1024 (all in Cloud VPN's documented list), which AWS's
    configured phase 1 (AES256, SHA2-256, group 14) does not accept."""
    weak = Proposals(("aes128",), ("sha1",), ("prfsha1",), ("modp1024",))
    try:
        lab.load(config.changed("gcp", "t2", ike=weak))
        states = lab.wait(only_down("t2"), 20)
        report("GCP phase 1 of t2 outside AWS's proposals", states)
        assert [(s.name, s.up, s.gcp_status) for s in states] == [
            ("t0", True, "ESTABLISHED"), ("t1", True, "ESTABLISHED"),
            ("t2", False, "NEGOTIATION_FAILURE"), ("t3", True, "ESTABLISHED")]
        assert states[2].ike != "ESTABLISHED" and states[2].aws_ike == "-"
        assert any("<t2|" in line and "NO_PROPOSAL_CHOSEN" in line for line in lab.log("gcp").splitlines())
    finally:
        lab.load(config)
    lab.wait(up_with_routes(config), 20)


def test_a_phase2_dh_group_mismatch_fails_at_rekey(config, lab):
    """GCP's end of t3 asks for PFS with MODP_3072 only; AWS allows group 14. The first CHILD SA takes its
    keys from the IKE SA (no KE payload, RFC 7296 section 1.2), so the tunnel comes up; the rekey fails."""
    gcp_end = config.end("gcp", "t3")
    try:
        lab.load(config.changed("gcp", "t3", esp=dataclasses.replace(gcp_end.esp, dh=("modp3072",))))
        lab.wait(lambda s: all(x.up for x in s), 20)
        lab.swanctl("gcp", "--rekey", "--child", "t3")
        lab.wait(lambda s: any("<t3|" in line and "NO_PROPOSAL_CHOSEN" in line
                               for line in lab.log("gcp").splitlines()), 15)
        states = lab.states()
        report("t3 rekeyed asking for PFS with MODP_3072 (AWS allows group 14)", states)
        gcp_log = [line for line in lab.log("gcp").splitlines() if "<t3|" in line]
        aws_log = [line for line in lab.log("aws").splitlines() if "<t3|" in line]
        assert any("CHILD_SA rekeying failed" in line for line in gcp_log)
        assert any("received proposals" in line and "MODP_3072" in line for line in aws_log)
        assert any("no acceptable proposal found" in line for line in aws_log)
        # The old CHILD SA lives on until its lifetime ends: the tunnel still carries BGP for now.
        assert (states[3].child, states[3].bgp) == ("INSTALLED", "Established")
    finally:
        lab.load(config)
    lab.wait(up_with_routes(config), 20)


def tunnel_up(s) -> bool:
    """IKE and CHILD SA up on both ends and the BGP session Established on both, as strongSwan and FRR say."""
    return s.up and (s.aws_ike, s.aws_child) == ("ESTABLISHED", "INSTALLED") and s.bgp == s.aws_bgp == "Established"


def test_a_rolling_key_rotation_keeps_three_tunnels_up_throughout(config, read, lab, admin, twin, tmp_path):
    """playbooks/rotate.yml rotates the four keys on a twin whose changes take time (an AWS tunnel modification
    lasts 60 s x ROTATE_SCALE). The driver follows: each charon gets what its own cloud holds as soon as it holds
    it, so a tunnel really fails (AUTHENTICATION_FAILED) between AWS's change and GCP's, and rotate.yml's waits see
    the states real negotiation produced. The sampler reads strongSwan and FRR every SAMPLE_EVERY s."""
    new = [f"Protocol_rotated_{i}_" + "k" * 20 for i in range(EXPECTED_TUNNELS)]
    interface = {e.name: e.local_ip for e in config.gcp}  # GCP HA interface IP of each tunnel
    scale = admin.config()["latency_scale"]
    admin.config(latency_scale=ROTATE_SCALE)
    try:
        with following(lab, read, twin.admin_url) as (rounds, errors), sampling(lab, SAMPLE_EVERY) as samples:
            begin = time.monotonic()
            stats = playbook(tmp_path, "rotate.yml", hybrid_vpn_pre_shared_keys=new)
            seconds = time.monotonic() - begin
    finally:
        admin.config(latency_scale=scale)
    assert {"gcp-host", "aws-hub"} <= set(stats) and all(failed == 0 for failed, _ in stats.values()), stats
    # Every sample: at least 3 of 4 tunnels up, and one on each GCP HA interface.
    up = [(at, [s.name for s in states if tunnel_up(s)]) for at, states in samples]
    gaps = [b - a for (a, _), (b, _) in itertools.pairwise(samples)]
    down_order = list(dict.fromkeys(s.name for _, states in samples for s in states if not tunnel_up(s)))
    failed = {name for _, _, fed in rounds for name, status in fed.items() if status == "AUTHORIZATION_ERROR"}
    outages = {name: [at - begin for at, names in up if name not in names] for name in config.names}
    outage_text = ", ".join(f"{name} +{times[0]:.1f}..+{times[-1]:.1f} s" for name, times in outages.items() if times)
    figures = (f"rotate.yml {seconds:.1f} s (no failure); {len(samples)} samples every {statistics.median(gaps):.2f} s "
               f"(max gap {max(gaps):.2f} s); min tunnels up {min(len(names) for _, names in up)}/4; down in order "
               f"{down_order} ({outage_text}); authentication failures fed for {sorted(failed)}; "
               f"{len(rounds)} follower rounds, {sum(bool(changed) for _, changed, _ in rounds)} with a reload, "
               f"{len(errors)} reads retried")
    REPORT.append(f"-- rolling key rotation (twin latency scale {ROTATE_SCALE}): {figures}")
    for at, names in up:
        assert len(names) >= EXPECTED_TUNNELS - 1, (f"+{at - begin:.1f} s: only {names} up", figures)
        assert {interface[n] for n in names} == set(interface.values()), (f"+{at - begin:.1f} s: {names}", figures)
    assert len(samples) > 20 and max(gaps) < MODIFY_SECONDS, figures  # no outage can hide between two samples
    # Each tunnel really went down, in rotate.yml's order, through an authentication failure.
    assert down_order == ["t0", "t2", "t1", "t3"], figures
    assert failed == set(config.names), figures
    # At the end all four are up with the new keys, which both charons hold.
    final = read(lab.config)
    lab.follow(final)
    states = lab.wait(up_with_routes(final), 20)
    report("after rotate.yml", states)
    assert [e.psk for e in final.aws] == [e.psk for e in final.gcp] == new
    assert [lab.loaded[side][name].psk for side in ("gcp", "aws") for name in final.names] == new * 2
