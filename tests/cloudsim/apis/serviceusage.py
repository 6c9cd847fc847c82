"""Service Usage v1/v1beta1: services are kept by project number; ID or number both work."""

from __future__ import annotations

from cloudsim.errors import ApiError

API = "serviceusage"


def _number(ctx, project: str) -> str:
    rec = ctx.world.get("cloudresourcemanager", f"projects/{project}")
    return rec["projectNumber"] if rec else project


def get(ctx):
    _, project, _, service = ctx.params["name"].split("/", 3)
    name = f"projects/{_number(ctx, project)}/services/{service}"
    found = ctx.world.get(API, name)
    if found is None:
        return {"name": name, "parent": f"projects/{_number(ctx, project)}", "config": {"name": service},
                "state": "DISABLED"}
    return found


def enable(ctx):
    _, project, _, service = ctx.params["name"].split("/", 3)
    number = _number(ctx, project)
    name = f"projects/{number}/services/{service}"
    rec = {"name": name, "parent": f"projects/{number}", "config": {"name": service}, "state": "ENABLED"}
    ctx.world.put(API, name, rec)
    return ctx.world.operation(API, f"operations/{ctx.world.new_id('acf.')}",
                               {"@type": "type.googleapis.com/google.api.serviceusage.v1.EnableServiceResponse",
                                "service": rec})


def generate_service_identity(ctx):
    _, project, _, service = ctx.params["parent"].split("/", 3)
    number = _number(ctx, project)
    short = service.split(".")[0]
    return ctx.world.operation(API, f"operations/{ctx.world.new_id('gsi.')}", {
        "@type": "type.googleapis.com/google.api.serviceusage.v1beta1.ServiceIdentity",
        "email": f"service-{number}@gcp-sa-{short}.iam.gserviceaccount.com", "uniqueId": number})


def operations_get(ctx):
    op = ctx.world.read_operation(ctx.params["name"])
    if op is None:
        raise ApiError(404, f"Operation {ctx.params['name']} not found")
    return op


HANDLERS = {"serviceusage.services.get": get, "serviceusage.services.enable": enable,
            "serviceusage.services.generateServiceIdentity": generate_service_identity,
            "serviceusage.operations.get": operations_get}
