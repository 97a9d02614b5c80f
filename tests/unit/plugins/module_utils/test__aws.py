"""The AWS module base: throttling is retried with jittered backoff, every error becomes one AwsError whose
message reads "Failed to <verb> <thing>: <cause>", and run() turns it into the failure a user sees."""

import json
from unittest import mock

import botocore.exceptions
import pytest
from ansible.module_utils.testing import patch_module_args
from ansible_collections.amazon.aws.plugins.module_utils import cloud, modules

from ansible_collections.cloudbridge.hybrid_vpn.plugins.module_utils._aws import AwsError, AwsModule

ACTION = "describe VPN connections"


def client_error(code, message="boom", operation="DescribeVpnConnections"):
    return botocore.exceptions.ClientError(
        {"Error": {"Code": code, "Message": message}, "ResponseMetadata": {"HTTPStatusCode": 400}}, operation
    )


@pytest.fixture
def ec2():
    """The raw EC2 client under the retry wrapper; sleeps are recorded, not slept."""
    client = mock.Mock(name="ec2")
    with (
        mock.patch.object(modules, "boto3_conn", return_value=client) as conn,
        mock.patch.object(cloud.time, "sleep") as sleep,
    ):
        client.sleeps = sleep
        client.conn = conn
        yield client


ARGS = {"region": "ap-northeast-1"}


def aws_module(**args):
    with patch_module_args({**ARGS, **args}):
        return AwsModule(argument_spec={}, supports_check_mode=True)


@pytest.mark.parametrize("code", ["RequestLimitExceeded", "Throttling", "InternalError", "Unavailable"])
def test_throttling_and_5xx_are_retried_with_growing_jittered_backoff(ec2, code):
    ec2.describe_vpn_connections.side_effect = [client_error(code)] * 3 + [{"VpnConnections": []}]
    assert aws_module().call(ACTION, "describe_vpn_connections") == {"VpnConnections": []}
    assert ec2.describe_vpn_connections.call_count == 4
    sleeps = [c.args[0] for c in ec2.sleeps.call_args_list]
    # delay 1 s doubling: each sleep is drawn from [0, 1], [0, 2], [0, 4].
    assert len(sleeps) == 3 and all(0 <= s <= 2**i for i, s in enumerate(sleeps))


def test_retries_give_up_with_aws_code_and_message(ec2):
    ec2.describe_vpn_connections.side_effect = client_error("RequestLimitExceeded", "Request limit exceeded.")
    with pytest.raises(AwsError) as err:
        aws_module().call(ACTION, "describe_vpn_connections")
    assert str(err.value) == "Failed to describe VPN connections: RequestLimitExceeded: Request limit exceeded."
    assert ec2.describe_vpn_connections.call_count == 8
    assert max(c.args[0] for c in ec2.sleeps.call_args_list) <= 20  # max_delay caps the backoff


def test_a_refusal_is_not_retried(ec2):
    ec2.create_vpn_connection.side_effect = client_error("AsnConflict", "The ASNs are the same.", "CreateVpnConnection")
    with pytest.raises(AwsError, match=r"^Failed to create VPN connection: AsnConflict: The ASNs are the same\.$"):
        aws_module().call("create VPN connection", "create_vpn_connection", Type="ipsec.1")
    assert ec2.create_vpn_connection.call_count == 1
    ec2.sleeps.assert_not_called()


def test_botocore_errors_without_a_response_become_aws_error_too(ec2):
    ec2.describe_vpn_connections.side_effect = botocore.exceptions.EndpointConnectionError(endpoint_url="https://x")
    with pytest.raises(AwsError, match=r'^Failed to describe VPN connections: Could not connect .*"https://x"'):
        aws_module().call(ACTION, "describe_vpn_connections")


def test_the_client_is_built_once_with_the_endpoint_option(ec2):
    module = aws_module(endpoint_url="http://127.0.0.1:5000")
    module.call(ACTION, "describe_vpn_connections")
    module.call(ACTION, "describe_vpn_connections")
    assert ec2.conn.call_count == 1
    assert ec2.conn.call_args.kwargs["endpoint"] == "http://127.0.0.1:5000"


def test_wait_until_times_out_with_the_action(ec2):
    with mock.patch("time.sleep"), pytest.raises(AwsError, match=r"^Failed to wait for x: still not done after 0 "):
        aws_module().wait_until("wait for x", lambda: False, timeout=0, delay=1)


def test_wait_until_returns_the_first_truthy_answer(ec2):
    answers = iter([None, {}, "done"])
    with mock.patch("time.sleep") as sleep:
        assert aws_module().wait_until("wait for x", lambda: next(answers), timeout=60, delay=2) == "done"
    assert [c.args[0] for c in sleep.call_args_list] == [1, 1.5]


def test_wait_until_starts_short_and_backs_off_to_the_delay(ec2):
    answers = iter([None] * 8 + ["done"])
    with mock.patch("time.sleep") as sleep:
        assert aws_module().wait_until("wait for x", lambda: next(answers), timeout=600, delay=15) == "done"
    assert [round(c.args[0], 2) for c in sleep.call_args_list] == [1, 1.5, 2.25, 3.38, 5.06, 7.59, 11.39, 15]


def run(work):
    """AwsModule.run(lambda: work(module)) as a user sees it: the JSON the module prints."""
    with patch_module_args(ARGS), pytest.raises(SystemExit), mock.patch("sys.stdout") as out:
        module = AwsModule(argument_spec={}, supports_check_mode=True)
        module.run(lambda: work(module))
    return json.loads("".join(c.args[0] for c in out.write.call_args_list))


def test_run_fails_with_the_message_and_aws_error_response(ec2):
    ec2.delete_vpn_connection.side_effect = client_error("InvalidVpnConnectionID.NotFound", "vpn-1 does not exist")
    result = run(lambda module: module.call("delete VPN connection vpn-1", "delete_vpn_connection"))
    assert result["failed"] is True
    assert result["msg"] == (
        "Failed to delete VPN connection vpn-1: InvalidVpnConnectionID.NotFound: vpn-1 does not exist"
    )
    assert result["error"] == {"code": "InvalidVpnConnectionID.NotFound", "message": "vpn-1 does not exist"}


def test_run_exits_with_the_result(ec2):
    assert run(lambda module: {"changed": True, "answer": 42}) == {
        "changed": True, "answer": 42, "invocation": mock.ANY}
