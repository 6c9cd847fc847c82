"""Identity Toolkit v2 config: the authorized domains Hosting channels add themselves to."""

from __future__ import annotations

from cloudsim.errors import ApiError

API = "identitytoolkit"


def _config(ctx) -> dict:
    project = ctx.params["name"].split("/")[1]
    if ctx.world.get("cloudresourcemanager", f"projects/{project}") is None:
        raise ApiError(404, f"CONFIGURATION_NOT_FOUND: project {project}")
    return ctx.world.get(API, f"projects/{project}/config") or {
        "name": f"projects/{project}/config",
        "authorizedDomains": ["localhost", f"{project}.firebaseapp.com", f"{project}.web.app"]}


def get_config(ctx):
    return _config(ctx)


def update_config(ctx):
    config = _config(ctx)
    for field in (ctx.query.get("updateMask") or ",".join(ctx.body or {})).split(","):
        if field in (ctx.body or {}):
            config[field] = ctx.body[field]
    return ctx.world.put(API, config["name"], config)


HANDLERS = {"identitytoolkit.projects.getConfig": get_config, "identitytoolkit.projects.updateConfig": update_config}
