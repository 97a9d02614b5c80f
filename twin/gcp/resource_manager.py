"""Cloud Resource Manager v1: a project's IAM policy (projects.getIamPolicy / setIamPolicy), served on
cloudresourcemanager.googleapis.com from its discovery document."""

from __future__ import annotations

from twin.gcp import iam, store
from twin.gcp.api import Request, handles
from twin.gcp.errors import GcpError


def _project(req: Request) -> store.Project:
    try:
        return store.state.projects[store.project_of(req.params["resource"])]
    except GcpError:
        # Resource Manager does not tell a missing project from one the caller may not see: 403
        # "The caller does not have permission" (google.rpc PERMISSION_DENIED) [wording recalled, unconfirmed].
        raise GcpError(403, "forbidden", "The caller does not have permission") from None


@handles("cloudresourcemanager.projects.getIamPolicy")
def get_iam_policy(req: Request):
    return 200, _project(req).iam


@handles("cloudresourcemanager.projects.setIamPolicy")
def set_iam_policy(req: Request):
    project = _project(req)
    policy = req.body.get("policy") or {}
    # Any predefined or custom role name is accepted at project level (the twin keeps no role catalogue).
    project.iam = iam.set_policy(project.iam, policy, policy.get("etag"), lambda role: True)
    return 200, project.iam
