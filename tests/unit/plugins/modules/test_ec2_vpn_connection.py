"""ec2_vpn_connection: the pure plan, and main() as a user sees it (changed, result, diff, failure message),
against an in-memory EC2 under amazon.aws's real client wrapper."""

import json

import pytest
from unit.plugins.modules import ec2_fake
from unit.plugins.modules.ec2_fake import TGW, run_module, settings_spec

from ansible_collections.cloudbridge.hybrid_vpn.plugins.module_utils import _wiring as wiring
from ansible_collections.cloudbridge.hybrid_vpn.plugins.modules import ec2_vpn_connection as mod

ec2 = ec2_fake.ec2  # the fixture, used by name

IPS = ["34.157.0.10", "34.157.64.10"]
KEY = "Operator_key_0123456789"
CIDRS = ["169.254.10.0/30", "169.254.10.4/30", "169.254.20.0/30", "169.254.20.4/30"]


def connections(tunnels=((), ())):
    return [{"customer_gateway_ip": ip, "customer_gateway_asn": 65000, "tunnels": list(t), "tags": {"Name": f"if{i}"}}
            for i, (ip, t) in enumerate(zip(IPS, tunnels, strict=True))]


def args(**extra):
    return {"transit_gateway_id": TGW, "connections": connections(), "wait_delay": 0, **extra}


def params(conns, state="present", settings=None):
    """Module params after argument-spec defaults, for the pure functions."""
    defaults = {k: o["default"] for k, o in mod.ARGUMENT_SPEC["tunnel_settings"]["options"].items()}
    for conn in conns:
        conn["tunnels"] = [{"inside_cidr": None, "pre_shared_key": None, **t} for t in conn["tunnels"]]
    return {"state": state, "connections": conns, "tunnel_settings": {**defaults, **(settings or {})}}


def described(ip_cidr_key, state="available"):
    """A described connection with default settings, its tunnels listed in the order given."""
    return {"VpnConnectionId": "vpn-1", "State": state, "Options": {"TunnelOptions": [
        {"OutsideIpAddress": ip, **ec2_fake.as_described(settings_spec(cidr, key))} for ip, cidr, key in ip_cidr_key]}}


CONVERGED = described([("3.0.0.20", CIDRS[1], "KeyHigh_123"), ("3.0.0.9", CIDRS[0], "KeyLow_1234")])


# --- plan (pure) ---


def test_plan_allocates_free_cidrs_around_the_tgw_and_the_operator_ones():
    used = {"169.254.0.4/30": "vpn-other"}
    p = mod.plan(params(connections(([{"inside_cidr": "169.254.0.8/30"}], []))), [None, None], used, 64512)
    assert [t["inside_cidr"] for c in p for t in c["tunnels"]] == [
        "169.254.0.8/30", "169.254.0.12/30", "169.254.0.16/30", "169.254.0.20/30"]
    assert p[0]["create"][0] == settings_spec("169.254.0.8/30")  # IKEv2, AES256, SHA2-256, group 14; no key: AWS's


def test_plan_of_a_converged_connection_changes_nothing_and_lists_tunnels_by_outside_ip():
    want = [{"inside_cidr": CIDRS[0], "pre_shared_key": "KeyLow_1234"}, {"inside_cidr": CIDRS[1]}]
    p = mod.plan(params(connections((want, []))), [CONVERGED, None], {}, 64512)[0]
    assert (p["create"], p["modify"]) == (None, [])
    assert p["tunnels"] == [{"outside_ip": "3.0.0.9", "inside_cidr": CIDRS[0]},
                            {"outside_ip": "3.0.0.20", "inside_cidr": CIDRS[1]}]


def test_plan_rotates_the_key_of_the_tunnel_holding_the_cidr_whatever_the_listing_order():
    want = [{"inside_cidr": CIDRS[0]}, {"inside_cidr": CIDRS[1], "pre_shared_key": KEY}]
    p = mod.plan(params(connections((want, []))), [CONVERGED, None], {}, 64512)[0]
    assert [(t["OutsideIpAddress"], changes) for t, changes in p["modify"]] == [("3.0.0.20", {"PreSharedKey": KEY})]


def test_plan_moves_a_cidr_in_place():
    want = [{"inside_cidr": "169.254.30.0/30"}, {"inside_cidr": CIDRS[1]}]
    p = mod.plan(params(connections((want, []))), [CONVERGED, None], {}, 64512)[0]
    assert [(t["OutsideIpAddress"], c) for t, c in p["modify"]] == [
        ("3.0.0.9", {"TunnelInsideCidr": "169.254.30.0/30"})]
    assert p["tunnels"][0] == {"outside_ip": "3.0.0.9", "inside_cidr": "169.254.30.0/30"}


@pytest.mark.parametrize(("conns", "used", "message"), [
    (connections(([{"inside_cidr": "169.254.5.0/30"}], [])), {},
     r"connections\[0\] \(34.157.0.10\) tunnels\[0\]: inside CIDR '169.254.5.0/30' is reserved by AWS"),
    (connections(([{"inside_cidr": CIDRS[0]}], [{"inside_cidr": CIDRS[0]}])), {},
     r"connections\[1\] \(34.157.64.10\) tunnels\[0\]: inside CIDR 169.254.10.0/30 duplicates connections\[0\]"),
    (connections(([{"inside_cidr": CIDRS[0]}], [])), {CIDRS[0]: "vpn-other"}, "overlaps one used by vpn-other"),
    (connections(([{"pre_shared_key": "has-dash-key"}], [])), {}, "tunnels\\[0\\]: pre-shared key may only contain"),
    (connections(([{}, {}, {}], [])), {}, r"connections\[0\] \(34.157.0.10\): a VPN connection has two tunnels, got 3"),
    ([dict(connections()[0], customer_gateway_asn=64512)], {},
     r"connections\[0\] \(34.157.0.10\) customer_gateway_asn 64512 must differ from the Transit Gateway's "
     "amazon_side_asn"),
    ([dict(connections()[0], customer_gateway_ip="34.157.0")], {},
     r"connections\[0\] \(34.157.0\): customer_gateway_ip '34.157.0' is not an IPv4 address"),
    ([connections()[0], connections()[0]], {},
     r"connections\[1\] \(34.157.0.10\): customer_gateway_ip duplicates connections\[0\]"),
    ([dict(connections()[0], customer_gateway_asn=65535)], {}, "customer_gateway_asn: ASN 65535 is not private"),
])
def test_plan_refuses_what_aws_would(conns, used, message):
    with pytest.raises(wiring.WiringError, match=message):
        mod.plan(params(conns), [None] * len(conns), used, 64512)


# --- main() ---


def secrets_in(result, ec2):
    """Every key known to the fake EC2 that shows up in the module's JSON output."""
    text = json.dumps(result)
    keys = {t["PreSharedKey"] for v in ec2.vpns.values() for t in v["Options"]["TunnelOptions"] if "PreSharedKey" in t}
    keys |= {k for secret in ec2.secrets.values() for k in secret.values()} | {KEY}
    return [k for k in keys if k in text]


def test_create_on_an_empty_account_then_rerun_changes_nothing(ec2):
    result = run_module(mod, args(), diff=True)
    assert result["changed"] is True
    assert ec2.mutations() == ["create_customer_gateway", "create_vpn_connection"] * 2
    create = next(kw for name, kw in ec2.calls if name == "create_vpn_connection")
    assert create["Options"]["TunnelOptions"] == [settings_spec("169.254.0.4/30"), settings_spec("169.254.0.8/30")]
    assert create["TagSpecifications"] == [
        {"ResourceType": "vpn-connection", "Tags": [{"Key": "Name", "Value": "if0"}]}]
    # What the user reads is the state after the wait, with the outside IPs AWS assigned on creation.
    assert [(c["customer_gateway_ip"], c["state"]) for c in result["vpn_connections"]] == [
        (IPS[0], "available"), (IPS[1], "available")]
    assert result["vpn_connections"][0]["tunnels"] == [{"outside_ip": "3.0.2.1", "inside_cidr": "169.254.0.4/30"},
                                                       {"outside_ip": "3.0.2.2", "inside_cidr": "169.254.0.8/30"}]
    assert result["vpn_connections"][0]["vpn_connection_id"] in ec2.vpns
    assert result["diff"]["before"] == {IPS[0]: None, IPS[1]: None}
    assert secrets_in(result, ec2) == []
    ec2.calls.clear()
    assert run_module(mod, args())["changed"] is False
    assert ec2.mutations() == []


def test_both_connections_are_waited_for_together(ec2):
    run_module(mod, args())
    # Both creates first, then each poll is one describe of the whole set: pending, then available.
    names = [n for n, _unused in ec2.calls if n != "describe_transit_gateways"]
    first = names.index("create_customer_gateway")
    assert names[first:] == ["create_customer_gateway", "create_vpn_connection"] * 2 + ["describe_vpn_connections"] * 2
    assert ec2.calls[-1][1]["Filters"] == [{"Name": "vpn-connection-id", "Values": ["vpn-0002", "vpn-0004"]}]


def test_check_mode_on_an_empty_account_without_a_tgw_yet_reports_creation_only(ec2):
    result = run_module(mod, args(transit_gateway_id=None, amazon_side_asn=64512), check=True, diff=True)
    assert result["changed"] is True
    assert ec2.mutations() == []
    assert [(c["vpn_connection_id"], c["state"]) for c in result["vpn_connections"]] == [(None, "absent")] * 2
    assert result["diff"]["after"][IPS[0]][0]["TunnelInsideCidr"] == "169.254.0.4/30"


def existing(ec2, keys=("KeyA_0000001", "KeyA_0000002", "KeyB_0000001", "KeyB_0000002")):
    """Both connections as the module would create them, listed in reverse outside-IP order."""
    ec2.reverse_tunnels = True
    for c, ip in enumerate(IPS):
        ec2.add_connection(ip, [(f"3.0.{c}.{t + 1}", settings_spec(CIDRS[2 * c + t], keys[2 * c + t]))
                                for t in range(2)])
    return keys


def test_check_mode_and_rerun_on_a_converged_account_change_nothing(ec2):
    existing(ec2)
    conns = connections(([{"inside_cidr": CIDRS[0]}, {"inside_cidr": CIDRS[1]}], []))
    for check in (True, False):
        result = run_module(mod, args(connections=conns), check=check, diff=True)
        assert result["changed"] is False
        assert result["modified_tunnels"] == []
        assert result["diff"]["before"] == result["diff"]["after"]
        assert [t["inside_cidr"] for c in result["vpn_connections"] for t in c["tunnels"]] == CIDRS
    assert ec2.mutations() == []


def test_rotating_one_key_modifies_that_tunnel_only_and_never_shows_a_key(ec2):
    keys = existing(ec2)
    conns = connections(([{"inside_cidr": CIDRS[0]}, {"inside_cidr": CIDRS[1], "pre_shared_key": KEY}], []))
    for check in (True, False):
        result = run_module(mod, args(connections=conns), check=check, diff=True)
        assert result["changed"] is True
        assert result["modified_tunnels"] == [
            {"vpn_connection_id": "vpn-0002", "outside_ip": "3.0.0.2", "options": ["PreSharedKey"]}]
        assert result["diff"]["before"][IPS[0]][1]["PreSharedKey"] == "<hidden>"
        assert result["diff"]["after"][IPS[0]][1]["PreSharedKey"] == "<hidden, rotated>"
        assert result["diff"]["after"][IPS[0]][0]["PreSharedKey"] == "<hidden>"
        assert secrets_in(result, ec2) == []
        assert ec2.mutations() == ([] if check else ["modify_vpn_tunnel_options"])
    tunnel = next(t for t in ec2.vpns["vpn-0002"]["Options"]["TunnelOptions"] if t["OutsideIpAddress"] == "3.0.0.2")
    assert tunnel["PreSharedKey"] == KEY and tunnel["TunnelInsideCidr"] == CIDRS[1]
    assert set(ec2.vpns) == {"vpn-0002", "vpn-0004"}  # in place: no new connection
    assert keys[1] != KEY


def test_a_setting_on_all_four_tunnels_is_changed_one_tunnel_at_a_time(ec2):
    existing(ec2)
    result = run_module(mod, args(tunnel_settings={"phase1_lifetime_seconds": 14400}))
    modified = result["modified_tunnels"]
    assert [(m["vpn_connection_id"], m["outside_ip"], m["options"]) for m in modified] == [
        ("vpn-0002", "3.0.0.1", ["Phase1LifetimeSeconds"]), ("vpn-0002", "3.0.0.2", ["Phase1LifetimeSeconds"]),
        ("vpn-0004", "3.0.1.1", ["Phase1LifetimeSeconds"]), ("vpn-0004", "3.0.1.2", ["Phase1LifetimeSeconds"])]
    # Between two modifications, a describe showed the previous connection available again (the fake,
    # like AWS, refuses a modification while the connection is modifying).
    names = [n for n, _unused in ec2.calls if n != "describe_transit_gateways"]
    first = names.index("modify_vpn_tunnel_options")
    assert names[first:] == ["modify_vpn_tunnel_options", "describe_vpn_connections", "describe_vpn_connections"] * 4
    assert {t["Phase1LifetimeSeconds"] for v in ec2.vpns.values() for t in v["Options"]["TunnelOptions"]} == {14400}


def test_only_tunnels_changes_the_listed_tunnel_and_defers_the_others(ec2):
    existing(ec2)
    for check in (True, False):
        result = run_module(mod, args(tunnel_settings={"phase1_lifetime_seconds": 14400}, only_tunnels=["3.0.1.1"]),
                            check=check, diff=True)
        assert result["changed"] is True
        assert [(m["outside_ip"], m["options"]) for m in result["modified_tunnels"]] == [
            ("3.0.1.1", ["Phase1LifetimeSeconds"])]
        assert [(d["vpn_connection_id"], d["outside_ip"]) for d in result["deferred_tunnels"]] == [
            ("vpn-0002", "3.0.0.1"), ("vpn-0002", "3.0.0.2"), ("vpn-0004", "3.0.1.2")]
        # The diff shows only the listed tunnel changing.
        after = [t for ts in result["diff"]["after"].values() for t in ts if t["Phase1LifetimeSeconds"] == 14400]
        assert [t["OutsideIpAddress"] for t in after] == ["3.0.1.1"]
        assert ec2.mutations() == ([] if check else ["modify_vpn_tunnel_options"])
    lifetimes = {t["OutsideIpAddress"]: t["Phase1LifetimeSeconds"]
                 for v in ec2.vpns.values() for t in v["Options"]["TunnelOptions"]}
    assert lifetimes == {"3.0.0.1": 28800, "3.0.0.2": 28800, "3.0.1.1": 14400, "3.0.1.2": 28800}
    # The same desired state with the next tunnel listed: that one changes, the first is in place already.
    result = run_module(mod, args(tunnel_settings={"phase1_lifetime_seconds": 14400}, only_tunnels=["3.0.0.1"]))
    assert [m["outside_ip"] for m in result["modified_tunnels"]] == ["3.0.0.1"]
    assert len(result["deferred_tunnels"]) == 2


def test_only_tunnels_refuses_an_outside_ip_of_no_listed_tunnel_before_any_change(ec2):
    existing(ec2)
    result = run_module(mod, args(tunnel_settings={"phase1_lifetime_seconds": 14400}, only_tunnels=["3.9.9.9"]))
    assert result["msg"].startswith("Failed to validate VPN connections: only_tunnels: 3.9.9.9 is not the outside IP "
                                    "of a tunnel of these connections (known: 3.0.0.1, 3.0.0.2, 3.0.1.1, 3.0.1.2)")
    assert ec2.mutations() == []


def test_without_wait_tunnels_are_still_changed_one_at_a_time(ec2):
    existing(ec2)
    result = run_module(mod, args(wait=False, tunnel_settings={"phase1_lifetime_seconds": 14400}))
    assert result.get("failed") is None and len(result["modified_tunnels"]) == 4
    # AWS refuses a modification while the connection is modifying: each waits for the previous one; only
    # the wait after the last is skipped, and the user sees that connection still modifying.
    names = [n for n, _unused in ec2.calls if n != "describe_transit_gateways"]
    first = names.index("modify_vpn_tunnel_options")
    one_and_wait = ["modify_vpn_tunnel_options", "describe_vpn_connections", "describe_vpn_connections"]
    assert names[first:] == one_and_wait * 3 + ["modify_vpn_tunnel_options"]
    assert [c["state"] for c in result["vpn_connections"]] == ["available", "modifying"]


def test_absent_deletes_connections_then_their_gateways_and_is_idempotent(ec2):
    existing(ec2)
    result = run_module(mod, args(state="absent", connections=[{"customer_gateway_ip": ip} for ip in IPS]))
    assert result["changed"] is True
    names = [n for n, _unused in ec2.calls]
    assert names[:names.index("delete_vpn_connection")] == ["describe_vpn_connections", "describe_customer_gateways"]
    # Connections first; their gateways once a describe shows them deleted (AWS refuses it before).
    assert names[names.index("delete_vpn_connection"):] == (
        ["delete_vpn_connection"] * 2 + ["describe_vpn_connections"] * 2 + ["delete_customer_gateway"] * 2)
    assert {v["State"] for v in ec2.vpns.values()} == {"deleted"}
    ec2.calls.clear()
    again = run_module(mod, args(state="absent", connections=[{"customer_gateway_ip": ip} for ip in IPS]))
    assert again["changed"] is False
    assert ec2.mutations() == []


def test_absent_keeps_a_customer_gateway_another_connection_uses(ec2):
    existing(ec2)
    ec2.add_connection(IPS[0], [("3.0.9.1", settings_spec("169.254.40.0/30"))], tgw="tgw-other")
    run_module(mod, args(state="absent", connections=[{"customer_gateway_ip": IPS[0]}]))
    assert [kw for n, kw in ec2.calls if n.startswith("delete_")] == [{"VpnConnectionId": "vpn-0002"}]


def test_check_mode_absent_reports_without_deleting(ec2):
    existing(ec2)
    result = run_module(mod, args(state="absent", connections=[{"customer_gateway_ip": IPS[1]}]), check=True)
    assert result["changed"] is True
    assert result["vpn_connections"][0]["vpn_connection_id"] == "vpn-0004"
    assert ec2.mutations() == []


def test_invalid_input_fails_before_any_call_with_a_message_naming_the_value(ec2):
    conns = connections(([{"inside_cidr": "169.254.1.0/30"}], []))
    result = run_module(mod, args(connections=conns))
    assert result["failed"] is True
    assert result["msg"] == ("Failed to validate VPN connections: connections[0] (34.157.0.10) tunnels[0]: "
                             "inside CIDR '169.254.1.0/30' is reserved by AWS")
    assert ec2.mutations() == []


@pytest.mark.parametrize(("passed", "reads_the_tgw"), [(None, True), (ec2_fake.AMAZON_ASN, False)])
def test_a_customer_asn_equal_to_the_tgw_asn_is_refused_whether_read_or_passed(ec2, passed, reads_the_tgw):
    conns = [dict(c, customer_gateway_asn=ec2_fake.AMAZON_ASN) for c in connections()]
    result = run_module(mod, args(connections=conns, amazon_side_asn=passed))
    assert result["msg"].endswith("customer_gateway_asn 64512 must differ from the Transit Gateway's amazon_side_asn")
    assert ("describe_transit_gateways" in [n for n, _unused in ec2.calls]) is reads_the_tgw
    assert ec2.mutations() == []


def test_a_bad_key_is_refused_without_being_echoed(ec2):
    conns = connections(([{"pre_shared_key": "0" + KEY}], []))
    result = run_module(mod, args(connections=conns))
    assert result["msg"].endswith("tunnels[0]: pre-shared key must not start with '0'")
    assert "0" + KEY not in json.dumps(result)
    assert ec2.mutations() == []


def test_an_aws_refusal_names_the_step_and_aws_cause(ec2):
    existing(ec2)
    ec2.errors["modify_vpn_tunnel_options"] = ec2_fake.client_error(
        "InvalidParameterValue", "Value for parameter PreSharedKey is invalid.", "ModifyVpnTunnelOptions")
    conns = connections(([{"inside_cidr": CIDRS[0], "pre_shared_key": KEY}, {"inside_cidr": CIDRS[1]}], []))
    result = run_module(mod, args(connections=conns))
    assert result["msg"] == ("Failed to modify tunnel 3.0.0.1 of VPN connection vpn-0002: "
                             "InvalidParameterValue: Value for parameter PreSharedKey is invalid.")
    assert result["error"]["code"] == "InvalidParameterValue"


# --- keys kept in Secrets Manager (PreSharedKeyStorage) ---


def test_created_with_keys_in_secrets_manager_then_rerun_reads_them_from_the_secret_and_changes_nothing(ec2):
    conns = connections(([{"pre_shared_key": KEY}], []))
    result = run_module(mod, args(connections=conns, pre_shared_key_storage="SecretsManager"))
    assert result["changed"] is True
    creates = [kw for name, kw in ec2.calls if name == "create_vpn_connection"]
    assert [kw["PreSharedKeyStorage"] for kw in creates] == ["SecretsManager"] * 2
    assert all(wiring.KEY_STORAGE_MEMBER not in t for kw in creates for t in kw["Options"]["TunnelOptions"])
    assert all("PreSharedKey" not in t for v in ec2.vpns.values() for t in v["Options"]["TunnelOptions"])
    assert KEY in ec2.secrets[ec2.vpns["vpn-0002"]["PreSharedKeyArn"]].values()
    ec2.calls.clear()
    again = run_module(mod, args(connections=conns, pre_shared_key_storage="SecretsManager"), diff=True)
    assert again["changed"] is False and ec2.mutations() == []
    # The key is compared as read from each connection's secret, once per connection, and never shown.
    assert [kw["SecretId"] for name, kw in ec2.calls if name == "get_secret_value"] == [
        ec2.vpns["vpn-0002"]["PreSharedKeyArn"], ec2.vpns["vpn-0004"]["PreSharedKeyArn"]]
    assert again["diff"]["before"][IPS[0]][0]["PreSharedKeyStorage"] == "SecretsManager"
    assert KEY not in json.dumps(again) and KEY not in json.dumps(result)


def test_a_new_key_of_a_tunnel_in_secrets_manager_goes_to_aws_which_stores_it_in_the_secret(ec2):
    run_module(mod, args(pre_shared_key_storage="SecretsManager"))
    conns = connections(([{"pre_shared_key": KEY}], []))
    result = run_module(mod, args(connections=conns, pre_shared_key_storage="SecretsManager"), diff=True)
    [modify] = [kw for name, kw in ec2.calls if name == "modify_vpn_tunnel_options"]
    assert modify["TunnelOptions"] == {"PreSharedKey": KEY} and "PreSharedKeyStorage" not in modify
    assert result["modified_tunnels"] == [
        {"vpn_connection_id": "vpn-0002", "outside_ip": "3.0.2.1", "options": ["PreSharedKey"]}]
    assert ec2.secrets[ec2.vpns["vpn-0002"]["PreSharedKeyArn"]]["3.0.2.1"] == KEY
    assert KEY not in json.dumps(result)


def test_moving_keys_into_secrets_manager_is_a_change_of_one_tunnel_at_a_time(ec2):
    keys = existing(ec2)
    result = run_module(mod, args(pre_shared_key_storage="SecretsManager"), diff=True)
    assert [(m["outside_ip"], m["options"]) for m in result["modified_tunnels"]] == [
        (ip, ["PreSharedKeyStorage"]) for ip in ("3.0.0.1", "3.0.0.2", "3.0.1.1", "3.0.1.2")]
    modifies = [kw for name, kw in ec2.calls if name == "modify_vpn_tunnel_options"]
    assert [(kw["TunnelOptions"], kw["PreSharedKeyStorage"]) for kw in modifies] == [({}, "SecretsManager")] * 4
    assert result["diff"]["before"][IPS[0]][0]["PreSharedKeyStorage"] == "Standard"
    assert result["diff"]["after"][IPS[0]][0]["PreSharedKeyStorage"] == "SecretsManager"
    assert sorted(k for s in ec2.secrets.values() for k in s.values()) == sorted(keys)  # the same keys, moved
    assert secrets_in(result, ec2) == []


def test_a_secret_without_the_key_of_a_tunnel_fails_naming_the_connection_and_the_tunnel(ec2):
    run_module(mod, args(pre_shared_key_storage="SecretsManager"))
    ec2.secrets[ec2.vpns["vpn-0002"]["PreSharedKeyArn"]].pop("3.0.2.2")
    result = run_module(mod, args())
    assert result["failed"] is True
    assert result["msg"].startswith("Failed to read the pre-shared keys of vpn-0002 from Secrets Manager: secret ")
    assert result["msg"].endswith("holds no key for tunnel 3.0.2.2")


def test_new_connections_not_listed_yet_are_waited_for_not_taken_as_deleted(ec2):
    # EC2 eventual consistency: a connection just created may be missing from describes for a while.
    describe, unseen = ec2.describe_vpn_connections, iter(range(2))

    def eventually(**kwargs):
        answer = describe(**kwargs)
        return {"VpnConnections": []} if kwargs.get("Filters", [{}])[0].get("Name") == "vpn-connection-id" and next(
            unseen, None) is not None else answer

    ec2.describe_vpn_connections = eventually
    result = run_module(mod, args())
    assert [c["state"] for c in result["vpn_connections"]] == ["available", "available"]
