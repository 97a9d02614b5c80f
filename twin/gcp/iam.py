"""IAM policies as Compute (subnetworks) and Cloud Resource Manager (projects) keep them: member and role
checks, etag read-modify-write (api-samples.md §5.5)."""

from __future__ import annotations

import base64
import re
import secrets

from twin.gcp.errors import GcpError

# Principal types an allow policy takes (https://cloud.google.com/iam/docs/principal-identifiers).
_EMAIL_TYPES = ("user", "serviceAccount", "group")
_TYPES = (*_EMAIL_TYPES, "domain", "deleted", "principal", "principalSet")
_SPECIAL = ("allUsers", "allAuthenticatedUsers")
_EMAIL = re.compile(r"[^@\s:]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+")
_DOMAIN = re.compile(r"[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+")
# roles/<name>, or a custom role of a project or organization (https://cloud.google.com/iam/docs/roles-overview).
_ROLE = re.compile(r"(roles|projects/[^/]+/roles|organizations/\d+/roles)/[A-Za-z][A-Za-z0-9_.]*")


def new_etag() -> str:
    # Etags are base64 of 8 opaque bytes, e.g. "BwWWja0YfJA=" (Policy JSON example in the discovery documents).
    return base64.b64encode(b"\x07" + secrets.token_bytes(7)).decode()


def _bad_request(message: str) -> GcpError:
    return GcpError(400, "badRequest", message)


def check_member(member: str) -> None:
    if member in _SPECIAL:
        return
    kind, sep, value = member.partition(":")
    if not sep:
        # hashicorp/terraform-provider-google #4965, terraform-google-folders #15.
        raise _bad_request('Policy members must be of the form "<type>:<value>".')
    if kind not in _TYPES:
        # DefangLabs/defang #1541, kestra-io/plugin-gcp #318.
        raise _bad_request(f"The member {member} is of an unknown type. Please set a valid type prefix for the member.")
    if (kind in _EMAIL_TYPES and not _EMAIL.fullmatch(value)) or (kind == "domain" and not _DOMAIN.fullmatch(value)):
        # hashicorp/terraform-provider-google #6503, #7354: a malformed principal is "Request contains an invalid
        # argument." (the twin adds which member).
        raise _bad_request(f"Request contains an invalid argument. Invalid member: {member}")


def check_role(role: str, supported) -> None:
    if not _ROLE.fullmatch(role or "") or not supported(role):
        # hashicorp/terraform-provider-google #5107, terraform-google-iam #91.
        raise _bad_request(f"Role {role} is not supported for this resource.")


def stale_etag() -> GcpError:
    # Resource Manager: 409 ABORTED (GoogleCloudPlatform/deploymentmanager-samples #332,
    # GoogleCloudPlatform/django-cloud-deploy #268; api-samples.md §5.5). Compute's own answer has no public
    # capture: the twin answers the same way.
    return GcpError(409, "conflict", "There were concurrent policy changes. Please retry the whole "
                    "read-modify-write with exponential backoff.", status="ABORTED")


def set_policy(current: dict, policy: dict, etag: str | None, supported) -> dict:
    """The policy that replaces ``current``: members and roles checked; a given etag must be the current one (an
    omitted etag overwrites, as the Policy.etag description says); a new etag on every write."""
    if etag and etag != current["etag"]:
        raise stale_etag()
    bindings = policy.get("bindings", [])
    for binding in bindings:
        check_role(binding.get("role", ""), supported)
        for member in binding.get("members", []):
            check_member(member)
    # A binding left with no members is not stored [twin choice: gcloud never shows one].
    kept = [b for b in bindings if b.get("members")]
    return {"version": policy.get("version", 1), **({"bindings": kept} if kept else {}), "etag": new_etag()}
