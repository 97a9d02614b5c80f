"""Compute Engine error envelopes and the messages the real API uses (api-samples.md §5)."""

from __future__ import annotations

# Google's HTTP <-> canonical status mapping (https://cloud.google.com/apis/design/errors#handling_errors).
STATUS = {400: "INVALID_ARGUMENT", 401: "UNAUTHENTICATED", 403: "PERMISSION_DENIED", 404: "NOT_FOUND",
          409: "ALREADY_EXISTS", 412: "FAILED_PRECONDITION", 501: "UNIMPLEMENTED", 503: "UNAVAILABLE"}
# Operation.httpErrorMessage uses the upper-case reason phrase (api-samples.md §4.7).
PHRASE = {400: "BAD REQUEST", 403: "FORBIDDEN", 404: "NOT FOUND", 409: "CONFLICT", 412: "PRECONDITION FAILED"}


class GcpError(Exception):
    """One Compute error; ``op_code`` is the code it carries when it surfaces inside an Operation."""

    def __init__(self, http: int, reason: str, message: str, op_code: str | None = None,
                 item_message: str | None = None, status: str | None = None, **extra):
        super().__init__(message)
        self.http, self.reason, self.message = http, reason, message
        self.item_message = item_message or message  # errors[0].message, shorter for auth errors
        self.status = status or STATUS.get(http, "UNKNOWN")
        self.op_code = op_code or reason.upper()
        self.extra = extra  # e.g. location / locationType of errors[0]

    def envelope(self, method_id: str | None) -> dict:
        if method_id and not method_id.startswith("compute."):
            # Cloud Resource Manager v1 and Serverless VPC Access v1 answer {code, message, status}
            # (GoogleCloudPlatform/deploymentmanager-samples #332, a cloudresourcemanager-v1 setIamPolicy error).
            return {"error": {"code": self.http, "message": self.message, "status": self.status}}
        error = {"code": self.http, "message": self.message,
                 "errors": [{"message": self.item_message, "domain": "global",
                             "reason": self.reason, **self.extra}],
                 "status": self.status}
        if method_id:
            # ErrorInfo detail as in the 2025 capture (api-samples.md §5.1): compute.v1.<Resource>Service.<Verb>.
            _, collection, verb = method_id.split(".")
            error["details"] = [{"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": self.reason,
                                 "domain": "googleapis.com",
                                 "metadata": {"service": "compute.googleapis.com",
                                              "method": f"compute.v1.{collection[0].upper()}{collection[1:]}Service."
                                                        f"{verb[0].upper()}{verb[1:]}"}}]
        return {"error": error}

    def operation_error(self) -> dict:
        """The fields an Operation gets when this error is found asynchronously (api-samples.md §4.7)."""
        return {"error": {"errors": [{"code": self.op_code, "message": self.message}]},
                "httpErrorStatusCode": self.http, "httpErrorMessage": PHRASE.get(self.http, "ERROR")}


def not_found(path: str) -> GcpError:
    # api-samples.md §5.2; e.g. "googleapi: Error 404: The resource 'projects/P/zones/Z/disks/D' was not found".
    return GcpError(404, "notFound", f"The resource '{path}' was not found")


def already_exists(path: str) -> GcpError:
    # GoogleCloudPlatform/magic-modules #4781 (api-samples.md §5.2).
    return GcpError(409, "alreadyExists", f"The resource '{path}' already exists")


def invalid(field: str, value, detail: str) -> GcpError:
    return GcpError(400, "invalid", f"Invalid value for field '{field}': '{value}'. {detail}")


def required(field: str) -> GcpError:
    return GcpError(400, "required", f"Required field '{field}' not specified")


def in_use(word: str, path: str, user: str) -> GcpError:
    # terraform-google-modules/terraform-google-vpn #23 (api-samples.md §5.2).
    return GcpError(400, "resourceInUseByAnotherResource",
                    f"The {word} resource '{path}' is already being used by '{user}'",
                    op_code="RESOURCE_IN_USE_BY_ANOTHER_RESOURCE")


def invalid_usage(message: str) -> GcpError:
    # Shared VPC misuse, e.g. gke-enterprise-mt #20 (api-samples.md §5.4).
    return GcpError(400, "invalidResourceUsage", f"Invalid resource usage: '{message}'.", op_code="INVALID_USAGE")


def precondition(message: str) -> GcpError:
    # 412 conditionNotMet on the If-Match header: googleapis/google-cloud-go #7802 (setLabels).
    return GcpError(412, "conditionNotMet", message, location="If-Match", locationType="header")
