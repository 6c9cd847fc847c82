"""Secret Manager v1: secrets and versions (add, access, enable, disable, destroy).

Names are kept with the project NUMBER, as the API answers them; a caller
may name the project by ID or number. Payloads are kept apart from the
version (``payload:<version name>``) and only ``:access`` returns them.
"""

from __future__ import annotations

import base64
import zlib

from cloudsim import crud
from cloudsim.errors import ApiError

API = "secretmanager"


def _canonical(ctx, name: str) -> str:
    parts = name.split("/")
    if len(parts) > 1 and parts[0] == "projects":
        rec = ctx.world.get("cloudresourcemanager", f"projects/{parts[1]}")
        if rec:
            parts[1] = rec["projectNumber"]
    return "/".join(parts)


def _normalise(ctx) -> None:
    for key in ("parent", "name", "resource"):
        if key in ctx.params:
            ctx.params[key] = _canonical(ctx, ctx.params[key])


def _versions(ctx, secret: str) -> list[dict]:
    table = ctx.world.table(API)
    prefix = f"{secret}/versions/"
    return [ctx.world.get(API, n) for n in table if n.startswith(prefix) and "/" not in n[len(prefix):]]


def _version(ctx, name: str) -> dict:
    secret, _, vid = name.partition("/versions/")
    if ctx.world.get(API, secret) is None:
        raise ApiError(404, f"Secret [{secret}] not found or has no versions.")
    if vid == "latest":
        enabled = [v for v in _versions(ctx, secret) if v["state"] == "ENABLED"]
        if not enabled:
            raise ApiError(404, f"Secret [{secret}] not found or has no versions.")
        return max(enabled, key=lambda v: int(v["name"].rsplit("/", 1)[1]))
    found = ctx.world.get(API, name)
    if found is None:
        raise ApiError(404, f"Secret Version [{name}] not found.")
    return found


def add_version(ctx):
    _normalise(ctx)
    secret = ctx.params["parent"]
    if ctx.world.get(API, secret) is None:
        raise ApiError(404, f"Secret [{secret}] not found.")
    data = ((ctx.body or {}).get("payload") or {}).get("data")
    if data is None:
        raise ApiError(400, f"{ctx.method.id}: payload.data is required")
    number = max([int(v["name"].rsplit("/", 1)[1]) for v in _versions(ctx, secret)] or [0]) + 1
    name = f"{secret}/versions/{number}"
    version = {"name": name, "state": "ENABLED", "createTime": ctx.world.now()}
    ctx.world.put(API, name, version)
    ctx.world.put(API, f"payload:{name}", {"data": base64.b64decode(data).decode("utf-8", "replace")})
    return version


def access(ctx):
    _normalise(ctx)
    version = _version(ctx, ctx.params["name"])
    if version["state"] != "ENABLED":
        raise ApiError(412, f"Secret Version [{version['name']}] is in {version['state']} state.")
    raw = ctx.world.get(API, f"payload:{version['name']}")["data"].encode()
    return {"name": version["name"], "payload": {"data": base64.b64encode(raw).decode(),
                                                  "dataCrc32c": str(zlib.crc32(raw))}}


def _set_state(state: str):
    def handler(ctx):
        _normalise(ctx)
        version = _version(ctx, ctx.params["name"])
        if version["state"] == "DESTROYED":
            raise ApiError(400, f"Secret Version [{version['name']}] is destroyed.")
        version["state"] = state
        if state == "DESTROYED":
            version["destroyTime"] = ctx.world.now()
            ctx.world.delete(API, f"payload:{version['name']}")
        return ctx.world.put(API, version["name"], version)
    return handler


def get_version(ctx):
    _normalise(ctx)
    return _version(ctx, ctx.params["name"])


def list_versions(ctx):
    _normalise(ctx)
    if ctx.world.get(API, ctx.params["parent"]) is None:
        raise ApiError(404, f"Secret [{ctx.params['parent']}] not found.")
    items = ctx.world.children(API, ctx.params["parent"], "versions")
    wanted = (ctx.query.get("filter") or "").replace(" ", "")
    if wanted.startswith("state:"):
        items = [v for v in items if v["state"] == wanted.split(":", 1)[1]]
    elif wanted:
        raise ApiError(501, f"{ctx.method.id}: filter {wanted!r} is not simulated", "UNIMPLEMENTED")
    return {"versions": items, "totalSize": len(items)} if items else {}


def list_secrets(ctx):
    _normalise(ctx)
    items = ctx.world.children(API, ctx.params["parent"], "secrets")
    wanted = ctx.query.get("filter")
    if wanted:
        key, _, value = wanted.replace(" ", "").partition("=")
        if not key.startswith("labels."):
            raise ApiError(501, f"{ctx.method.id}: filter {wanted!r} is not simulated", "UNIMPLEMENTED")
        items = [s for s in items if (s.get("labels") or {}).get(key[7:]) == value]
    return {"secrets": items, "totalSize": len(items)} if items else {}


def generic(verb):
    def handler(ctx):
        _normalise(ctx)
        return crud.GENERIC[verb](ctx)
    return handler


def delete_secret(ctx):
    _normalise(ctx)
    name = ctx.params["name"]
    for version in _versions(ctx, name):
        ctx.world.delete(API, version["name"])
        ctx.world.delete(API, f"payload:{version['name']}")
    return crud.delete(ctx)


P = "secretmanager.projects.secrets"
HANDLERS = {f"{P}.addVersion": add_version, f"{P}.versions.access": access,
            f"{P}.versions.disable": _set_state("DISABLED"), f"{P}.versions.enable": _set_state("ENABLED"),
            f"{P}.versions.destroy": _set_state("DESTROYED"), f"{P}.versions.get": get_version,
            f"{P}.versions.list": list_versions, f"{P}.list": list_secrets, f"{P}.create": generic("create"),
            f"{P}.get": generic("get"), f"{P}.patch": generic("patch"), f"{P}.delete": delete_secret,
            f"{P}.getIamPolicy": generic("getIamPolicy"), f"{P}.setIamPolicy": generic("setIamPolicy")}
