"""Firestore Admin v1: databases, composite indexes and field overrides.

``collectionGroups/-`` lists across every collection group, as the API
does. An index create is a long-running operation yielding the index.
"""

from __future__ import annotations

from cloudsim import crud
from cloudsim.errors import ApiError

API = "firestore"
INDEX_TYPE = "type.googleapis.com/google.firestore.admin.v1.Index"


def _database(ctx, name: str) -> str:
    database = "/".join(name.split("/")[:4])
    if ctx.world.get(API, database) is None:
        raise ApiError(404, f"The database {database.split('/')[-1]} does not exist for project {name.split('/')[1]}")
    return database


def _under(ctx, parent: str, kind: str) -> list[dict]:
    database = _database(ctx, parent)
    group = parent.split("/")[5] if len(parent.split("/")) > 5 else "-"
    found = []
    for name in sorted(ctx.world.table(API)):
        parts = name.split("/")
        if name.startswith(database + "/collectionGroups/") and len(parts) == 8 and parts[6] == kind \
                and group in ("-", parts[5]):
            found.append(ctx.world.get(API, name))
    return found


def list_indexes(ctx):
    items = _under(ctx, ctx.params["parent"], "indexes")
    return {"indexes": items} if items else {}


def list_fields(ctx):
    items = _under(ctx, ctx.params["parent"], "fields")
    return {"fields": items} if items else {}


def create_index(ctx):
    parent = ctx.params["parent"]
    _database(ctx, parent)
    body = dict(ctx.body or {})
    for index in _under(ctx, parent, "indexes"):
        if index.get("fields") == body.get("fields") and index.get("queryScope") == body.get("queryScope"):
            raise ApiError(409, "index already exists")
    name = f"{parent}/indexes/{ctx.world.new_id('CICAg')}"
    index = {**body, "name": name, "state": "READY"}
    ctx.world.put(API, name, index)
    return ctx.world.operation(API, f"{_database(ctx, parent)}/operations/{ctx.world.new_id()}",
                               {"@type": INDEX_TYPE, **index},
                               {"@type": "type.googleapis.com/google.firestore.admin.v1.IndexOperationMetadata",
                                "index": name, "state": "SUCCESSFUL", "startTime": ctx.world.now()})


def patch_field(ctx):
    name = ctx.params["name"]
    _database(ctx, name)
    field = {**(ctx.body or {}), "name": name}
    ctx.world.put(API, name, field)
    return ctx.world.operation(API, f"{_database(ctx, name)}/operations/{ctx.world.new_id()}",
                               {"@type": "type.googleapis.com/google.firestore.admin.v1.Field", **field})


P = "firestore.projects.databases.collectionGroups"
HANDLERS = {f"{P}.indexes.list": list_indexes, f"{P}.fields.list": list_fields,
            f"{P}.indexes.create": create_index, f"{P}.fields.patch": patch_field,
            f"{P}.indexes.delete": lambda ctx: crud.delete(ctx)}
