"""Firebase Rules v1: test a source, create rulesets, point releases at them."""

from __future__ import annotations

from cloudsim.errors import ApiError

API = "firebaserules"


def test(ctx):
    files = (((ctx.body or {}).get("source") or {}).get("files")) or []
    if not files:
        raise ApiError(400, f"{ctx.method.id}: source.files is empty")
    for item in files:
        if "service " not in item.get("content", ""):
            return {"issues": [{"sourcePosition": {"fileName": item.get("name", ""), "line": 1, "column": 1},
                                "description": "Unexpected input: no service declaration", "severity": "ERROR"}]}
    return {}


def create_ruleset(ctx):
    name = f"{ctx.params['name']}/rulesets/{ctx.world.new_id()}"
    ruleset = {"name": name, "source": (ctx.body or {}).get("source", {}), "createTime": ctx.world.now()}
    return ctx.world.put(API, name, ruleset)


def _release_body(ctx) -> dict:
    body = ctx.body or {}
    release = body.get("release", body)
    if ctx.world.get(API, release.get("rulesetName", "")) is None:
        raise ApiError(400, f"{ctx.method.id}: rulesetName {release.get('rulesetName')!r} is not a ruleset")
    return release


def patch_release(ctx):
    release = _release_body(ctx)
    name = ctx.params["name"]
    old = ctx.world.get(API, name) or {"createTime": ctx.world.now()}
    new = {"name": name, "rulesetName": release["rulesetName"], "createTime": old["createTime"],
           "updateTime": ctx.world.now()}
    return ctx.world.put(API, name, new)


def create_release(ctx):
    release = _release_body(ctx)
    name = release.get("name", "")
    if ctx.world.get(API, name) is not None:
        raise ApiError(409, f"Release {name} already exists")
    ctx.params["name"] = name
    return patch_release(ctx)


HANDLERS = {"firebaserules.projects.test": test, "firebaserules.projects.rulesets.create": create_ruleset,
            "firebaserules.projects.releases.patch": patch_release,
            "firebaserules.projects.releases.create": create_release}
