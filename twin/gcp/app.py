"""The Google API WSGI app (Compute v1, Cloud Resource Manager v1, Serverless VPC Access v1): auth, routing by
the Host header and the API's discovery document, validation, dispatch, JSON errors."""

from __future__ import annotations

import contextlib
import json
import re

from werkzeug.wrappers import Request as HttpRequest
from werkzeug.wrappers import Response

from twin import middleware, permissions
from twin.config import settings
from twin.gcp import discovery, store
from twin.gcp.api import BLOCKING, HANDLERS, Request
from twin.gcp.errors import GcpError

# Google's 401 answers (google-api-php-client #2479 capture; wording shared by every Google API).
_CREDENTIAL_HELP = ("Expected OAuth 2 access token, login cookie or other valid authentication credential. "
                    "See https://developers.google.com/identity/sign-in/web/devconsole-project.")
MISSING_CREDENTIALS = GcpError(401, "required", f"Request is missing required authentication credential. "
                               f"{_CREDENTIAL_HELP}", item_message="Login Required.",
                               location="Authorization", locationType="header")
INVALID_CREDENTIALS = GcpError(401, "authError", f"Request had invalid authentication credentials. {_CREDENTIAL_HELP}",
                               item_message="Invalid Credentials", location="Authorization", locationType="header")


def _authenticate(http: HttpRequest) -> dict:
    """The principal (seed ``gcp.principals``) whose access token the request carries."""
    scheme, _, token = http.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise MISSING_CREDENTIALS
    principal = next((p for p in settings.seed.get("gcp", {}).get("principals", []) if p["token"] == token), None)
    if principal is None:
        raise INVALID_CREDENTIALS
    return principal


_PROJECT_IN_PATH = re.compile(r"projects/([^/:]+)")


# Compute methods whose permission is not <service>.<collection>.<verb> with insert -> create, patch -> update
# (Compute IAM permissions reference, https://cloud.google.com/compute/docs/reference/rest/v1 "Authorization
# requires the following IAM permission"); operations.wait and getRouterStatus need the resource's get.
_COMPUTE_VERBS = {"insert": "create", "patch": "update", "wait": "get", "getRouterStatus": "get",
                  "aggregatedList": "list"}
_XPN = {"enableXpnHost": "compute.organizations.enableXpnHost",
        "disableXpnHost": "compute.organizations.disableXpnHost",
        "enableXpnResource": "compute.organizations.enableXpnResource",
        "disableXpnResource": "compute.organizations.disableXpnResource",
        "getXpnHost": "compute.projects.get", "getXpnResources": "compute.projects.get"}


def permission_of(method_id: str) -> str:
    """The IAM permission a method needs: compute.vpnTunnels.insert -> compute.vpnTunnels.create,
    cloudresourcemanager.projects.getIamPolicy -> resourcemanager.projects.getIamPolicy,
    vpcaccess.projects.locations.connectors.create -> vpcaccess.connectors.create."""
    parts = method_id.split(".")
    if parts[0] == "compute":
        _, collection, verb = parts
        return _XPN.get(verb) or f"compute.{collection}.{_COMPUTE_VERBS.get(verb, verb)}"
    if parts[0] == "cloudresourcemanager":
        return "resourcemanager." + ".".join(parts[1:])
    return f"{parts[0]}.{parts[-2]}.{parts[-1]}"  # vpcaccess.projects.locations.<collection>.<verb>


def _authorize(principal: dict, method_id: str, path: str) -> None:
    """403 PERMISSION_DENIED for a project the principal has no role in, or a permission outside its set
    (twin/permissions.py). Compute names the permission and the resource, reason forbidden: "Google Compute Engine:
    Required 'compute.networks.get' permission for 'projects/p/global/networks/default'."
    (hashicorp/terraform-provider-google #8262 response body; an insert needs '...create': hashicorp/terraform
    #18873). Resource Manager and Serverless VPC Access answer "Permission '<permission>' denied on resource
    '<name>' (or it may not exist)." (google.rpc PERMISSION_DENIED, https://cloud.google.com/apis/design/errors;
    wording as Google's newer APIs give it). A project the twin does not hold is left to the handler (404)."""
    found = _PROJECT_IN_PATH.search(path)
    if not found:
        return
    try:
        project = store.project_of(found.group(1))
    except GcpError:
        return
    permission = permission_of(method_id)
    if project in principal.get("projects", []) and permissions.permitted(principal["email"], permission):
        return
    resource = path[path.index("projects/"):]
    if method_id.startswith("compute."):
        raise GcpError(403, "forbidden", f"Google Compute Engine: Required '{permission}' permission for '{resource}'.")
    if project not in principal.get("projects", []):
        raise GcpError(403, "forbidden", "The caller does not have permission")
    raise GcpError(403, "forbidden",
                   f"Permission '{permission}' denied on resource '{resource}' (or it may not exist).")


def _json(status: int, payload) -> Response:
    if payload is None:
        return Response(status=status)
    return Response(json.dumps(payload), status=status, content_type="application/json; charset=UTF-8")


def _serve(environ: dict) -> Response:
    http = HttpRequest(environ)
    # Requests straight to the app's loopback port (no API host) are Compute's, as before the other APIs.
    api = discovery.HOSTS.get(http.host.rpartition(":")[0] if ":" in http.host else http.host, discovery.COMPUTE)
    found = None
    prefix = discovery.service_path(api)
    if http.path.startswith(prefix):
        found = discovery.route(http.method, http.path[len(prefix):], api)
    if found is None:
        # Google's front end answers unknown URLs with an HTML 404 page ("Error 404 (Not Found)!!1" in
        # ansible-collections/google.cloud #568); the twin's page is shortened.
        return Response("Not Found", status=404, content_type="text/html; charset=UTF-8")
    method, params = found
    # Counts the call; may raise a throttling Fault, or ask for this mutation's Operation to fail.
    failed_operation = middleware.admit(environ, method["id"], _answers_operation(api, method))
    try:
        principal = _authenticate(http)
        discovery.check_path_params(method, params)
        _authorize(principal, method["id"], http.path)
        if api == discovery.COMPUTE:  # the other APIs name projects their own way: their handlers resolve them
            params["project"] = store.project_of(params["project"])
            if "region" in params:
                store.check_region(params["region"])
        handler = HANDLERS.get(method["id"])
        if handler is None:
            # Twin invention: the real API serves every discovery method; 501 marks what the twin lacks.
            raise GcpError(501, "notImplemented", f"Method {method['id']} is not implemented by the twin.")
        body = discovery.clean_body(method, http.get_data(), api)
        # One request at a time reads or changes the store (the server is threaded).
        with contextlib.nullcontext() if method["id"] in BLOCKING else store.state.lock:
            if failed_operation:
                return _json(200, _failed_operation(method, params, body))
            return _json(*handler(Request(method["id"], params, dict(http.args), body)))
    except GcpError as error:
        return _json(error.http, error.envelope(method["id"]))


def _answers_operation(api, method: dict) -> bool:
    """A Compute mutation: it answers an Operation (operations.wait answers one too, and changes nothing)."""
    return (api == discovery.COMPUTE and method.get("response", {}).get("$ref") == "Operation"
            and not method["id"].split(".")[1].endswith("Operations"))


# An Operation accepted and then failed with nothing changed: Compute's RESOURCE_OPERATION_RATE_EXCEEDED, HTTP 403,
# "Operation rate exceeded for resource '...'. Too frequent operations from the source resource."
# (kubernetes-sigs/gcp-compute-persistent-disk-csi-driver #1847, googleapis/python-compute #279).
def _failed_operation(method: dict, params: dict, body: dict | None) -> dict:
    from twin.gcp import operations  # late: operations registers handlers on import

    project, scope = params["project"], params.get("region", "global")
    collection, last = method["id"].split(".")[1], method.get("parameterOrder", [])[-1]
    if collection == "projects":  # e.g. setCommonInstanceMetadata, enableXpnResource: the project is the target
        target = f"projects/{project}"
    else:
        name = (body or {}).get("name") if last in ("project", "region") else params.get(last)
        target = store.path(project, scope, collection, name)
    error = GcpError(403, "resourceOperationRateExceeded", f"Operation rate exceeded for resource '{target}'. "
                     "Too frequent operations from the source resource.", op_code="RESOURCE_OPERATION_RATE_EXCEEDED")
    return operations.start(project, scope, method["id"].rsplit(".", 1)[1], store.LINK_BASE + target, error)


def application(environ, start_response):
    return _serve(environ)(environ, start_response)


def build_app():
    """The Compute WSGI app, its store reset to the seed."""
    from twin.gcp import projects, resource_manager, resources, routers, vpcaccess  # noqa: F401  (handlers register)

    store.reset()
    return application
