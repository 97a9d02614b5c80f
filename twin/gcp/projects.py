"""Projects, Shared VPC (XPN) host and service projects, and regions (api-samples.md §5.4)."""

from __future__ import annotations

from twin.gcp import operations, store
from twin.gcp.api import Request, handles, page
from twin.gcp.errors import GcpError, invalid, invalid_usage


def project_json(project_id: str) -> dict:
    # Discovery Project: xpnProjectStatus HOST or UNSPECIFIED_XPN_PROJECT_STATUS; defaultNetworkTier
    # "Initially ... PREMIUM". Other Project fields (quotas, metadata) are not modelled.
    project = store.state.projects[project_id]
    # commonInstanceMetadata: Metadata {kind, fingerprint, items}; items omitted when empty (discovery Metadata).
    metadata = {"kind": "compute#metadata", "fingerprint": store.fingerprint(
        {i["key"]: i["value"] for i in project.metadata}), **({"items": project.metadata} if project.metadata else {})}
    return {"kind": "compute#project", "id": project.number, "name": project.id,
            "commonInstanceMetadata": metadata,
            "xpnProjectStatus": "HOST" if project.xpn_host else "UNSPECIFIED_XPN_PROJECT_STATUS",
            "defaultNetworkTier": "PREMIUM", "selfLink": f"{store.LINK_BASE}projects/{project.id}"}


@handles("compute.projects.get")
def get(req: Request):
    return 200, project_json(req.project)


def _xpn_change(req: Request, operation_type: str):
    return 200, operations.start(req.project, "global", operation_type, f"{store.LINK_BASE}projects/{req.project}")


def _services(host: str) -> list:
    return sorted(p.id for p in store.state.projects.values() if p.host == host)


@handles("compute.projects.setCommonInstanceMetadata")
def set_metadata(req: Request):
    project = store.state.projects[req.project]
    current = project_json(req.project)["commonInstanceMetadata"]["fingerprint"]
    link = f"{store.LINK_BASE}projects/{req.project}"
    if req.body.get("fingerprint") != current:
        # The mismatch surfaces in the Operation: "Google Operation '…' finished with an error: Supplied fingerprint
        # does not match current metadata fingerprint." (cloudfoundry/bosh-google-cpi-release #159); nothing changes.
        return 200, operations.start(req.project, "global", "setCommonInstanceMetadata", link, GcpError(
            412, "conditionNotMet", "Supplied fingerprint does not match current metadata fingerprint.",
            op_code="CONDITION_NOT_MET"))
    project.metadata = [{"key": i["key"], "value": i.get("value", "")} for i in req.body.get("items", [])]
    return _xpn_change(req, "setCommonInstanceMetadata")


@handles("compute.projects.enableXpnHost")
def enable_host(req: Request):
    # Enabling an enabled host is idempotent (no public error text; api-samples.md §5.4).
    store.state.projects[req.project].xpn_host = True
    return _xpn_change(req, "enableXpnHost")


@handles("compute.projects.disableXpnHost")
def disable_host(req: Request):
    if _services(req.project):
        # Twin wording: service projects must be detached first (https://cloud.google.com/vpc/docs/deprovisioning-shared-vpc).
        raise invalid_usage(f"'projects/{req.project}' still has attached service projects.")
    store.state.projects[req.project].xpn_host = False
    return _xpn_change(req, "disableXpnHost")


def _service_project(req: Request) -> store.Project:
    resource = req.body.get("xpnResource") or {}
    if resource.get("type", "PROJECT") != "PROJECT":
        raise invalid("xpnResource.type", resource["type"], "Only PROJECT resources can be attached.")  # twin wording
    return store.state.projects[store.project_of(resource.get("id", ""))]


@handles("compute.projects.enableXpnResource")
def enable_resource(req: Request):
    host = store.state.projects[req.project]
    if not host.xpn_host:
        # GoogleCloudPlatform gke-enterprise-mt #20 (api-samples.md §5.4).
        raise invalid_usage(f"'projects/{host.id}' is not a shared VPC host project.")
    service = _service_project(req)
    if service.id == host.id or service.host not in (None, host.id):
        # Twin wording: a project attaches to one host, never to itself.
        raise invalid_usage(f"'projects/{service.id}' cannot be attached to 'projects/{host.id}'.")
    service.host = host.id
    return _xpn_change(req, "enableXpnResource")


@handles("compute.projects.disableXpnResource")
def disable_resource(req: Request):
    service = _service_project(req)
    if service.host != req.project:
        # 400 invalidResourceUsage, which terraform reads as "already detached" (api-samples.md §5.4); twin text.
        raise invalid_usage(f"'projects/{service.id}' is not a service project of 'projects/{req.project}'.")
    service.host = None
    return _xpn_change(req, "disableXpnResource")


@handles("compute.projects.getXpnHost")
def get_host(req: Request):
    # A project that is not attached gets an empty Project (twin choice; no capture found).
    host = store.state.projects[req.project].host
    return 200, project_json(host) if host else {}


@handles("compute.projects.getXpnResources")
def get_resources(req: Request):
    body = {"kind": "compute#projectsGetXpnResources"}
    services = [{"id": p, "type": "PROJECT"} for p in _services(req.project)]
    return 200, {**body, "resources": services} if services else body


def _region(project: str, name: str) -> dict:
    return {"kind": "compute#region", "id": str(1000 + store.REGIONS.index(name)), "name": name,
            "description": name, "status": "UP", "selfLink": store.region_link(project, name)}


@handles("compute.regions.get")
def get_region(req: Request):
    return 200, _region(req.project, req.params["region"])


@handles("compute.regions.list")
def list_regions(req: Request):
    items = [_region(req.project, name) for name in store.REGIONS]
    return 200, page(req, "compute#regionList", f"{store.LINK_BASE}projects/{req.project}/regions", items)
