"""Helpers shared by the AWS extension modules (internal use)."""

from __future__ import annotations

from moto.ec2.exceptions import EC2ClientError
from moto.ec2.models import ec2_backends

from twin.clock import Lifecycle
from twin.config import settings


def ec2_error(code: str, message: str) -> EC2ClientError:
    """An EC2 error as boto3 sees it: ClientError with Error.Code / Error.Message, HTTP 400."""
    return EC2ClientError(code, message)


def seed_accounts() -> list[str]:
    return [str(acct["id"]) for acct in settings.seed.get("aws", {}).get("accounts", [])]


def hub_account() -> str:
    """The hub (first account with role hub) is the account a caller without assumed-role credentials acts as."""
    accounts = settings.seed.get("aws", {}).get("accounts", [])
    hub = next((a for a in accounts if a.get("role") == "hub"), accounts[0] if accounts else None)
    return str(hub["id"]) if hub else "123456789012"


def all_ec2_backends():
    """Every (account, region, backend) moto has created so far."""
    for account_id, regions in list(ec2_backends.items()):
        for region, backend in list(regions.items()):
            yield account_id, region, backend


def set_phases(obj, phases) -> None:
    """Drive ``obj.state`` from a Lifecycle (see timed_state)."""
    obj._twin_lifecycle = Lifecycle(phases)


def timed_state(cls) -> None:
    """Replace a moto model's plain ``state`` attribute with one read from a Lifecycle, so states
    advance with time; a plain assignment (as moto's own code does) pins the state."""
    if isinstance(cls.__dict__.get("state"), property):
        return

    def get(self):
        lifecycle = self.__dict__.get("_twin_lifecycle")
        return lifecycle.state if lifecycle else self.__dict__.get("_twin_state")

    def put(self, value):
        self.__dict__.pop("_twin_lifecycle", None)
        self.__dict__["_twin_state"] = value

    cls.state = property(get, put)
