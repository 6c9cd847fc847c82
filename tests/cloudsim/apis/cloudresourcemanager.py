"""Resource Manager v1/v3: projects by ID, their IAM policy."""

from __future__ import annotations

from cloudsim import crud
from cloudsim.errors import ApiError

API = "cloudresourcemanager"


def _project(ctx) -> str:
    pid = ctx.params.get("projectId") or ctx.params.get("resource") or ctx.params.get("name", "")
    return pid.split("/")[-1]


def get(ctx):
    found = ctx.world.get(API, f"projects/{_project(ctx)}")
    if found is None:
        raise ApiError(403, f"The caller does not have permission (project {_project(ctx)} is not in the simulated world)",
                       "PERMISSION_DENIED")
    if ctx.method.version == "v1":
        return found
    return {"name": f"projects/{found['projectNumber']}", "projectId": found["projectId"],
            "displayName": found["name"], "state": "ACTIVE", "createTime": found["createTime"]}


def get_iam_policy(ctx):
    ctx.params["resource"] = f"projects/{_project(ctx)}"
    return crud.get_iam_policy(ctx)


def set_iam_policy(ctx):
    ctx.params["resource"] = f"projects/{_project(ctx)}"
    return crud.set_iam_policy(ctx)


HANDLERS = {"cloudresourcemanager.projects.get": get, "cloudresourcemanager.projects.getIamPolicy": get_iam_policy,
            "cloudresourcemanager.projects.setIamPolicy": set_iam_policy,
            "cloudresourcemanager.projects.testIamPermissions": crud.test_iam_permissions}
