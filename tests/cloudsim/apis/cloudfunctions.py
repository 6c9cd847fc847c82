"""Cloud Functions v2: list across regions, upload URL, create, patch, delete.

A function deployed or updated gets a Cloud Run service revision (the run
API's records), so ``gcloud run revisions list`` and traffic commands see
the deploy. Operations finish after a fixed number of reads (state.py).
"""

from __future__ import annotations

from cloudsim import crud
from cloudsim.errors import ApiError

API = "cloudfunctions"
STORAGE_HOST = "storage.googleapis.com"
UPLOAD_BUCKET = "cloudsim-gcf-uploads"
FUNCTION_TYPE = "type.googleapis.com/google.cloud.functions.v2.Function"
METADATA_TYPE = "type.googleapis.com/google.cloud.functions.v2.OperationMetadata"


def list_functions(ctx):
    if ctx.method.version != "v2":
        return {}  # the world's functions are all 2nd gen (CVPlus functions/src uses firebase-functions/v2)
    project, region = ctx.params["parent"].split("/")[1], ctx.params["parent"].split("/")[3]
    prefix = f"projects/{project}/locations/"
    found = []
    for name in sorted(ctx.world.table(API)):
        parts = name.split("/")
        if name.startswith(prefix) and len(parts) == 6 and parts[4] == "functions" and region in ("-", parts[3]):
            found.append(ctx.world.get(API, name))
    import random
    random.Random(f"{ctx.world.seed}:{ctx.params['parent']}").shuffle(found)
    return {"functions": found} if found else {}


def generate_upload_url(ctx):
    obj = f"{ctx.world.new_id()}.zip"
    return {"uploadUrl": f"{ctx.url(STORAGE_HOST)}/{UPLOAD_BUCKET}/{obj}?GoogleAccessId=cloudsim&Expires=1795003600&Signature=cloudsim",
            "storageSource": {"bucket": UPLOAD_BUCKET, "object": obj}}


def upload_source(ctx):
    """Named exception functions-source-upload: keep the size of the zip the CLI PUT."""
    if not ctx.raw.startswith(b"PK"):
        raise ApiError(400, f"PUT {ctx.path}: the body is not a zip archive")
    ctx.world.put(API, f"upload:{ctx.path}", {"bytes": len(ctx.raw)})
    return {}


def _roll_revision(ctx, fn: dict) -> dict:
    """A new Cloud Run revision serving 100 % of the function's traffic."""
    from cloudsim.world import project_number
    _, project, _, region, _, fid = fn["name"].split("/")
    service_id = fid.lower()
    svc = f"projects/{project}/locations/{region}/services/{service_id}"
    count = sum(1 for n in ctx.world.table("run") if n.startswith(f"{svc}/revisions/")) + 1
    revision = f"{service_id}-{count:05d}-{ctx.world.new_id()[-3:]}"
    number = project_number(project)
    uri = f"https://{service_id}-{number}.{region}.run.app"
    ctx.world.put("run", f"{svc}/revisions/{revision}", {"name": f"{svc}/revisions/{revision}", "service": svc,
                                                         "createTime": ctx.world.now()})
    ctx.world.put("run", svc, {"name": svc, "uri": uri, "latestReadyRevision": f"{svc}/revisions/{revision}",
                               "traffic": [{"type": "TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST", "percent": 100}],
                               "labels": {"goog-managed-by": "cloudfunctions"}})
    config = dict(fn.get("serviceConfig") or {})
    config.update(service=svc, revision=revision, uri=uri)
    fn["serviceConfig"] = config
    fn["url"] = f"https://{region}-{project}.cloudfunctions.net/{fid}"
    return fn


def _operation(ctx, fn: dict, verb: str) -> dict:
    metadata = {"@type": METADATA_TYPE, "target": fn["name"], "verb": verb, "apiVersion": "v2",
                "createTime": ctx.world.now(), "requestResource": {"@type": FUNCTION_TYPE, **fn}}
    name = crud.operation_name(fn["name"], ctx.world)
    return ctx.world.operation(API, name, {"@type": FUNCTION_TYPE, **fn}, metadata)


def _v2_only(ctx) -> None:
    if ctx.method.version != "v2":
        raise ApiError(501, f"{ctx.http_method} {ctx.path} ({ctx.method.id}): Cloud Functions {ctx.method.version} "
                            "is not simulated (the world's functions are 2nd gen)", "UNIMPLEMENTED")


def create(ctx):
    _v2_only(ctx)
    fid = ctx.query.get("functionId")
    if not fid:
        raise ApiError(400, f"{ctx.method.id}: functionId is required")
    name = f"{ctx.params['parent']}/functions/{fid}"
    if ctx.world.get(API, name) is not None:
        raise ApiError(409, f"Function {name} already exists")
    fn = {**(ctx.body or {}), "name": name, "state": "ACTIVE", "environment": "GEN_2", "updateTime": ctx.world.now()}
    fn = _roll_revision(ctx, fn)
    ctx.world.put(API, name, fn)
    return _operation(ctx, fn, "create")


def patch(ctx):
    _v2_only(ctx)
    name = ctx.params["name"]
    fn = ctx.world.get(API, name)
    if fn is None:
        raise crud.not_found(name)
    body = ctx.body or {}
    mask = ctx.query.get("updateMask")
    fields = [f.strip() for f in mask.split(",")] if mask else list(body)
    for path in fields:
        head, _, rest = path.partition(".")
        if rest and isinstance(fn.get(head), dict) and isinstance(body.get(head), dict):
            key = rest.split(".")[0]
            if body[head].get(key) is not None:
                fn[head][key] = body[head][key]
            else:
                fn[head].pop(key, None)
        elif body.get(head) is not None:
            fn[head] = body[head]
        else:
            fn.pop(head, None)
    fn["updateTime"] = ctx.world.now()
    fn = _roll_revision(ctx, fn)
    ctx.world.put(API, name, fn)
    return _operation(ctx, fn, "update")


def delete(ctx):
    _v2_only(ctx)
    name = ctx.params["name"]
    fn = ctx.world.delete(API, name)
    if fn is None:
        raise crud.not_found(name)
    service = (fn.get("serviceConfig") or {}).get("service")
    if service:
        for key in [k for k in ctx.world.table("run") if k == service or k.startswith(service + "/")]:
            ctx.world.delete("run", key)
    return _operation(ctx, fn, "delete")


HANDLERS = {"cloudfunctions.projects.locations.functions.list": list_functions,
            "cloudfunctions.projects.locations.functions.generateUploadUrl": generate_upload_url,
            "cloudfunctions.projects.locations.functions.create": create,
            "cloudfunctions.projects.locations.functions.patch": patch,
            "cloudfunctions.projects.locations.functions.delete": delete}
