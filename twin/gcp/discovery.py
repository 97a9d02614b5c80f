"""Routing and request validation driven by the discovery documents that ship with google-api-python-client
(api-samples.md source M-gce for Compute v1; Cloud Resource Manager v1 and Serverless VPC Access v1 the same
way): the same files the clients are generated from."""

from __future__ import annotations

import functools
import json
import re
from pathlib import Path

import googleapiclient

from twin.gcp.errors import GcpError

DOC_DIR = Path(googleapiclient.__file__).parent / "discovery_cache" / "documents"
COMPUTE = "compute.v1"
# API host -> discovery document served there (each document's rootUrl; www.googleapis.com is where
# Compute's selfLinks point).
HOSTS = {"compute.googleapis.com": COMPUTE, "www.googleapis.com": COMPUTE,
         "cloudresourcemanager.googleapis.com": "cloudresourcemanager.v1", "vpcaccess.googleapis.com": "vpcaccess.v1"}


@functools.cache
def document(api: str = COMPUTE) -> dict:
    return json.loads((DOC_DIR / f"{api}.json").read_text(encoding="utf-8"))


def service_path(api: str = COMPUTE) -> str:
    """The URL path every method of ``api`` is below, e.g. /compute/v1/ or / (the methods' paths then start v1/)."""
    return "/" + document(api)["servicePath"]


def _methods(resources: dict):
    for resource in resources.values():
        yield from resource.get("methods", {}).values()
        yield from _methods(resource.get("resources", {}))


@functools.cache
def _routes(api: str) -> list[tuple[str, re.Pattern, dict]]:
    routes = []
    for method in _methods(document(api)["resources"]):
        template = method.get("flatPath", method["path"])
        pattern = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(template))
        routes.append((method["httpMethod"], re.compile(pattern), method))
    return routes


def route(http_method: str, path: str, api: str = COMPUTE) -> tuple[dict, dict] | None:
    """(discovery method, path parameters) for a request path below ``api``'s service path, or None."""
    for verb, pattern, method in _routes(api):
        match = pattern.fullmatch(path)
        if verb == http_method and match:
            return method, match.groupdict()
    return None


def check_path_params(method: dict, params: dict) -> None:
    """Path parameters must match the discovery ``pattern`` (the regex the API reports back)."""
    for name, value in params.items():
        # flatPath segments such as {projectsId} have no parameter of their own (they are parts of {+name}).
        pattern = method["parameters"].get(name, {}).get("pattern")
        if pattern and not re.fullmatch(pattern, value):
            raise invalid_name(name, value, pattern)


NAME_PATTERN = "(?:[a-z](?:[-a-z0-9]{0,61}[a-z0-9])?)"


def invalid_name(field: str, value: str, pattern: str = NAME_PATTERN) -> GcpError:
    # DefangLabs/defang #1665 (api-samples.md §5.2).
    return GcpError(400, "invalid",
                    f"Invalid value for field '{field}': '{value}'. Must be a match of regex '{pattern}'")


def output_only(prop: dict) -> bool:
    # The discovery document marks server-set fields with readOnly or in the description ("[Output Only] ...").
    return prop.get("readOnly", False) or prop.get("description", "").lstrip().lower().startswith(
        ("[output only]", "output only"))


# Protobuf field types named in ESF's "Invalid value at" message (proto3 JSON mapping).
_PROTO_TYPE = {"int32": "TYPE_INT32", "uint32": "TYPE_UINT32", "int64": "TYPE_INT64", "uint64": "TYPE_UINT64",
               "double": "TYPE_DOUBLE", "float": "TYPE_FLOAT", "byte": "TYPE_BYTES"}


def _type_error(where: str, prop: dict, value) -> GcpError:
    kind = _PROTO_TYPE.get(prop.get("format"), {"boolean": "TYPE_BOOL", "string": "TYPE_STRING",
                                                 "integer": "TYPE_INT32", "number": "TYPE_DOUBLE"}.get(
        prop.get("type"), "TYPE_MESSAGE"))
    if "enum" in prop:
        kind = "TYPE_ENUM"
    return GcpError(400, "invalid", f"Invalid value at '{where}' ({kind}), {json.dumps(value)}")


def _is_int(value) -> bool:
    # proto3 JSON accepts integers as numbers or decimal strings.
    return (isinstance(value, int) and not isinstance(value, bool)) or (
        isinstance(value, str) and re.fullmatch(r"-?\d+", value) is not None)


def _clean(value, prop: dict, where: str, schemas: dict):
    if "$ref" in prop:
        schema = schemas[prop["$ref"]]
        if not isinstance(value, dict):
            raise _type_error(where, prop, value)
        out = {}
        for key, item in value.items():
            field = schema.get("properties", {}).get(key)
            if field is None:
                # ESF wording (api-samples.md §5.2, google-cloud-ruby #26951).
                raise GcpError(400, "invalid", f'Invalid JSON payload received. Unknown name "{key}" '
                                               f"at '{where}': Cannot find field.")
            if item is not None and not output_only(field):
                out[key] = _clean(item, field, f"{where}.{key}", schemas)
        return out
    kind = prop.get("type")
    ok = {"string": lambda v: isinstance(v, str) or (prop.get("format") in ("int64", "uint64") and _is_int(v)),
          "integer": _is_int,
          "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
          "boolean": lambda v: isinstance(v, bool),
          "array": lambda v: isinstance(v, list),
          "object": lambda v: isinstance(v, dict)}.get(kind, lambda v: True)
    if not ok(value) or ("enum" in prop and value not in prop["enum"]):
        raise _type_error(where, prop, value)
    if kind == "integer":
        return int(value)
    if kind == "array":
        return [_clean(item, prop["items"], f"{where}[{i}]", schemas) for i, item in enumerate(value)]
    if kind == "object" and "additionalProperties" in prop:
        return {k: _clean(v, prop["additionalProperties"], f"{where}.{k}", schemas) for k, v in value.items()}
    return value


def clean_body(method: dict, raw: bytes, api: str = COMPUTE) -> dict | None:
    """The request body checked against the method's request schema, output-only fields dropped."""
    if "request" not in method:
        return None
    if not raw.strip():
        if api != COMPUTE:
            return {}  # ESF-fronted APIs read an empty body as an empty message (proto3 JSON mapping)
        # googleapis/google-api-python-client #608 (api-samples.md §5.2).
        raise GcpError(400, "required", "Required field 'resource' not specified")
    try:
        body = json.loads(raw)
    except ValueError as exc:
        raise GcpError(400, "invalid", f"Invalid JSON payload received. {exc}") from None
    return _clean(body, method["request"], "resource", document(api)["schemas"])
