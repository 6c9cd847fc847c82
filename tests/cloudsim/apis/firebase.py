"""Firebase Management v1beta1: the Firebase project and its Admin SDK config."""

from __future__ import annotations

from cloudsim.errors import ApiError

API = "firebase"


def _project(ctx) -> dict:
    pid = ctx.params["name"].split("/")[1]
    found = ctx.world.get(API, f"projects/{pid}")
    if found is None:
        raise ApiError(404, f"Requested entity was not found: project {pid}")
    return found


def get(ctx):
    return _project(ctx)


def admin_sdk_config(ctx):
    project = _project(ctx)
    return {"projectId": project["projectId"], "storageBucket": project["resources"]["storageBucket"],
            "locationId": project["resources"]["locationId"]}


def list_projects(ctx):
    items = [v for k, v in sorted(ctx.world.table(API).items()) if k.startswith("projects/")]
    return {"results": items}


HANDLERS = {"firebase.projects.get": get, "firebase.projects.getAdminSdkConfig": admin_sdk_config,
            "firebase.projects.list": list_projects}
