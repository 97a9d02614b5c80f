# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one AWS module base of this collection (internal use).

Built on amazon.aws's AnsibleAWSModule, so the credential, region and endpoint options (and their
environment fallbacks) are amazon.aws's and one ``module_defaults`` group serves both collections.
Adds: an EC2 client whose every call retries with jittered backoff on throttling, one exception type
for API errors, polling, and the "Failed to <verb> <thing>: <cause>" failure format.
"""

from __future__ import annotations

import contextlib
import time

with contextlib.suppress(ImportError):  # AnsibleAWSModule reports the missing library.
    import botocore

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

from ansible_collections.cloudbridge.hybrid_vpn.plugins.module_utils import _wiring as wiring

# AWS's own advice for EC2 throttling: retry with exponential backoff and jitter
# (EC2 API reference, "Request throttling"); AWSRetry also retries the 5xx codes (InternalError, Unavailable).
RETRY = AWSRetry.jittered_backoff(retries=8, delay=1, max_delay=20)
FIRST_POLL = 1.0  # seconds before the second check of a wait (wait_until)


class AwsError(Exception):
    """What we were doing (``action``: "<verb> <thing>") and why AWS (or an input check) refused it."""

    def __init__(self, action: str, cause, response: dict | None = None):
        super().__init__(f"Failed to {action}: {cause}")
        self.action = action
        self.response = response or {}


class AwsModule(AnsibleAWSModule):
    """AnsibleAWSModule + ``call()``, ``amazon_side_asn()``, ``wait_until()`` and ``run()``."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._clients = {}

    def service(self, name: str):
        """The boto3 client of one service (``ec2``, ``ram``), made once, every call retried."""
        if name not in self._clients:
            self._clients[name] = self.client(name, retry_decorator=RETRY)
        return self._clients[name]

    @property
    def ec2(self):
        return self.service("ec2")

    def call(self, action: str, operation: str, service: str = "ec2", **kwargs):
        """One API call (EC2 unless ``service`` says otherwise) with retries; any botocore error becomes
        AwsError(action)."""
        try:
            return getattr(self.service(service), operation)(aws_retry=True, **kwargs)
        except botocore.exceptions.ClientError as e:
            error = e.response.get("Error", {})
            raise AwsError(action, f"{error.get('Code')}: {error.get('Message')}", e.response) from e
        except botocore.exceptions.BotoCoreError as e:
            raise AwsError(action, e) from e

    def with_stored_keys(self, connections: list[dict]) -> list[dict]:
        """Described VPN connections with every tunnel's key, wherever AWS keeps it (``_wiring.with_keys``): the keys
        of tunnels with PreSharedKeyStorage SecretsManager are read from the connection's secret (one read per
        connection). Never log what this returns."""
        resolved = []
        for conn in connections:
            tunnels = conn.get("Options", {}).get("TunnelOptions", [])
            arn, keys = conn.get("PreSharedKeyArn"), None
            action = f"read the pre-shared keys of {conn['VpnConnectionId']} from Secrets Manager"
            try:
                if any(wiring.SECRET_MEMBER not in t for t in tunnels):
                    if not arn:
                        raise wiring.WiringError("its tunnels carry no key and it has no PreSharedKeyArn")
                    secret = self.call(action, "get_secret_value", service="secretsmanager", SecretId=arn)
                    keys = wiring.keys_from_secret(secret.get("SecretString") or "", f"secret {arn}")
                resolved.append(wiring.with_keys(conn, keys))
            except wiring.WiringError as e:
                raise AwsError(action, e) from e
        return resolved

    def amazon_side_asn(self, tgw_id: str | None, known: int | None) -> int | None:
        """The Transit Gateway's Amazon-side ASN: ``known`` when the caller passed it (a role that has just read
        the Transit Gateway), else read with DescribeTransitGateways; None when neither is given."""
        if known is not None or not tgw_id:
            return known
        action = f"describe transit gateway {tgw_id}"
        tgws = self.call(action, "describe_transit_gateways", TransitGatewayIds=[tgw_id])["TransitGateways"]
        return tgws[0]["Options"]["AmazonSideAsn"]

    def wait_until(self, action: str, predicate, timeout: int, delay: float):
        """Poll ``predicate()`` until it returns a truthy value; AwsError(action) after ``timeout`` seconds. The
        first check is at once, the next after a second, each pause half again as long as the last, up to
        ``delay``: a resource nearly ready is seen within a second or two, a slow one is not polled more often
        than every ``delay`` seconds."""
        deadline = time.monotonic() + timeout
        pause = min(FIRST_POLL, delay)
        while True:
            result = predicate()
            if result:
                return result
            if time.monotonic() + pause > deadline:
                raise AwsError(action, f"still not done after {timeout} seconds")
            time.sleep(pause)
            pause = min(delay, pause * 1.5)

    def run(self, func) -> None:
        """Exit with ``func()``'s result dict; fail with the AwsError's message and AWS's error response."""
        try:
            result = func()
        except AwsError as e:
            self.fail_json(msg=str(e), **camel_dict_to_snake_dict(e.response))
        self.exit_json(**result)
