"""Helpers shared by the AWS extension modules (internal use)."""

from __future__ import annotations

import functools
import inspect
import re
from collections.abc import Callable

from moto.ec2.exceptions import EC2ClientError
from moto.ec2.models import ec2_backends

from twin.clock import Lifecycle
from twin.config import settings


def ec2_error(code: str, message: str) -> EC2ClientError:
    """An EC2 error as boto3 sees it: ClientError with Error.Code / Error.Message, HTTP 400."""
    return EC2ClientError(code, message)


def tgw_not_found(tgw_id: str) -> EC2ClientError:
    """An unknown or deleted transit gateway, worded as real answers show it (terraform-provider-aws #9222 and
    #10025, trailing period included; api-samples §2.3)."""
    return ec2_error("InvalidTransitGatewayID.NotFound", f"The transitGateway ID '{tgw_id}' does not exist.")


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
    """Drive ``obj.state`` from a Lifecycle (see timed_state), named on the timeline by the resource's kind and
    first phase, e.g. "ec2 TransitGatewayAttachment/vpc pending"."""
    kind = type(obj).__name__
    subtype = getattr(obj, "resource_type", None) or getattr(obj, "resourceType", None)
    what = f"ec2 {kind}{'/' + subtype if isinstance(subtype, str) else ''} {phases[0][0]}"
    ident = getattr(obj, "id", None) or getattr(obj, "transitGatewayAttachmentId", None)
    obj._twin_lifecycle = Lifecycle(phases, what=what, ident=ident)


def timed_state(cls) -> None:
    """Replace a moto model's plain ``state`` attribute with one read from a Lifecycle, so states
    advance with time; a plain assignment (as moto's own code does) pins the state. Twin invention
    (harness around moto); the phases themselves cite their sources where they are set."""
    if isinstance(cls.__dict__.get("state"), property):
        return

    def get(self):
        lifecycle = self.__dict__.get("_twin_lifecycle")
        return lifecycle.state if lifecycle else self.__dict__.get("_twin_state")

    def put(self, value):
        self.__dict__.pop("_twin_lifecycle", None)
        self.__dict__["_twin_state"] = value

    cls.state = property(get, put)


class Compare:
    """A filter that compares the resource with each filter value (e.g. CIDR containment) instead of
    matching the value's text."""

    def __init__(self, test: Callable):
        self.test = test  # (resource, value) -> bool


def _pattern(value: str) -> re.Pattern:
    # EC2 Filter values are case-sensitive; "*" matches any run of characters, "?" exactly one, and a
    # backslash escapes the next character (EC2 API reference, Filter).
    parts = re.findall(r"\\.|.", value, re.S)
    return re.compile("".join(".*" if p == "*" else "." if p == "?" else re.escape(p[-1]) for p in parts), re.S)


def _texts(value) -> list[str]:
    values = value if isinstance(value, list | tuple | set) else [value]
    return [str(v).lower() if isinstance(v, bool) else str(v) for v in values if v is not None]


def _tag_texts(resource, name: str) -> list[str]:
    tags = resource.get_tags()
    if name == "tag-key":
        return [t["key"] for t in tags]
    return [t["value"] for t in tags if t["key"] == name.removeprefix("tag:")]


def filter_resources(resources, filters: dict | None, fields: dict, tagged: bool = True) -> list:
    """EC2 ``Filters``: a resource is kept when every filter matches (AND), and a filter matches when any
    of its values matches one of the resource's (OR) (EC2 API reference, Filter). ``fields`` maps each
    documented filter name to resource -> value(s), or to a Compare; tagged resources also take
    ``tag:<key>`` and ``tag-key``. Any other name is refused as EC2 refuses it: InvalidParameterValue,
    "The filter 'x' is invalid" (boto3 #1299, aws-cli #4013)."""
    # moto's own callers (DeleteVpc's VPN gateway check) pass a bare string as the value list.
    filters = {name: [values] if isinstance(values, str) else values for name, values in (filters or {}).items()}
    for name in filters:
        if name not in fields and not (tagged and (name.startswith("tag:") or name == "tag-key")):
            raise ec2_error("InvalidParameterValue", f"The filter '{name}' is invalid")

    def matches(resource, name, values) -> bool:
        field = fields.get(name)
        if isinstance(field, Compare):
            return any(field.test(resource, value) for value in values)
        texts = _texts(field(resource)) if field else _tag_texts(resource, name)
        return any(_pattern(value).fullmatch(text) for value in values for text in texts)

    return [r for r in resources if all(matches(r, name, values) for name, values in filters.items())]


def with_filters(describe, fields: dict, tagged: bool = True):
    """A moto describe method (one that takes ``filters``) with the filtering done by filter_resources:
    moto ignores some documented filters and answers HTTP 500 on others."""
    signature = inspect.signature(describe)

    @functools.wraps(describe)
    def wrapper(*args, **kwargs):
        bound = signature.bind(*args, **kwargs)
        filters = bound.arguments.get("filters")
        bound.arguments["filters"] = None
        return filter_resources(describe(*bound.args, **bound.kwargs), filters, fields, tagged)

    return wrapper
