"""Generic create/get/list/patch/delete, driven by the discovery method.

A method without a custom handler in ``apis/<api>.py`` is served here when
its verb is one of create, get, list, patch, delete, getIamPolicy,
setIamPolicy or testIamPermissions; any other verb is an error naming the
method, so a call the simulation has not modelled fails loudly.
"""

from __future__ import annotations

import re

from cloudsim.errors import ApiError

OPERATION_SCHEMAS = {"Operation", "GoogleLongrunningOperation"}


def path_param(method, params: dict, *names: str) -> str:
    for name in names:
        if name in params:
            return params[name]
    raise ApiError(500, f"{method.id}: path {method.path} has none of {names}")


def collection_of(method) -> str:
    """The literal collection segment after ``{+parent}/`` in the method path."""
    match = re.search(r"\}/([A-Za-z]+)(?::\w+)?$", method.path)
    if not match:
        raise ApiError(500, f"{method.id}: cannot tell the collection from {method.path}")
    return match.group(1)


def id_parameter(method) -> str | None:
    ids = [n for n, p in method.parameters.items() if p.get("location") == "query" and n.endswith("Id")]
    return ids[0] if len(ids) == 1 else None


def not_found(name: str) -> ApiError:
    return ApiError(404, f"Resource '{name}' was not found")


def operation_name(resource_name: str, world) -> str:
    # Firestore names a database's operations under it (projects/P/databases/D/operations/X)
    match = re.match(r"(projects/[^/]+(?:/locations/[^/]+)?(?:/databases/[^/]+)?)", resource_name)
    base = match.group(1) if match else "operations"
    return f"{base}/operations/{world.new_id('op')}"


def respond(ctx, resource: dict | None, name: str, type_url: str | None = None, metadata: dict | None = None):
    """The method's answer: the resource itself, or a long-running operation yielding it."""
    if ctx.method.response in OPERATION_SCHEMAS:
        result = None if resource is None else {"@type": type_url or f"type.googleapis.com/{ctx.method.api}", **resource}
        return ctx.world.operation(ctx.api, operation_name(name, ctx.world), result, metadata)
    if resource is None:
        return {}  # discovery "Empty" answer (delete)
    return resource


def create(ctx):
    parent = path_param(ctx.method, ctx.params, "parent")
    collection = collection_of(ctx.method)
    id_param = id_parameter(ctx.method)
    rid = ctx.query.get(id_param) if id_param else None
    if id_param and not rid and ctx.method.parameters[id_param].get("required"):
        raise ApiError(400, f"{ctx.method.id}: missing required query parameter {id_param}")
    rid = rid or ctx.world.new_id()
    name = f"{parent}/{collection}/{rid}"
    if ctx.world.get(ctx.api, name) is not None:
        raise ApiError(409, f"Resource '{name}' already exists")
    resource = {**(ctx.body or {}), "name": name}
    schema = ctx.method.doc.schemas.get(ctx.method.request or "", {}).get("properties", {})
    for stamp in ("createTime", "updateTime"):
        if stamp in schema:
            resource[stamp] = ctx.world.now()
    ctx.world.put(ctx.api, name, resource)
    return respond(ctx, resource, name)


def get(ctx):
    name = path_param(ctx.method, ctx.params, "name", "resource")
    if "/operations/" in name or ctx.method.collection.endswith("operations"):
        op = ctx.world.read_operation(name)
        if op is None:
            raise not_found(name)
        return op
    found = ctx.world.get(ctx.api, name)
    if found is None:
        raise not_found(name)
    return found


def list_(ctx):
    parent = path_param(ctx.method, ctx.params, "parent", "name")
    collection = collection_of(ctx.method)
    response = ctx.method.doc.schemas.get(ctx.method.response or "", {}).get("properties", {})
    arrays = [k for k, v in response.items() if v.get("type") == "array" and "$ref" in v.get("items", {})]
    if len(arrays) != 1:
        raise ApiError(500, f"{ctx.method.id}: cannot tell the list field of {ctx.method.response}")
    items = ctx.world.children(ctx.api, parent, collection)
    return {arrays[0]: items} if items else {}


def patch(ctx):
    name = path_param(ctx.method, ctx.params, "name")
    found = ctx.world.get(ctx.api, name)
    if found is None:
        if ctx.query.get("allowMissing") == "true":
            found = {"name": name}
        else:
            raise not_found(name)
    mask = ctx.query.get("updateMask") or ctx.query.get("update_mask")
    body = ctx.body or {}
    # a mask may name fields as in the proto (notification_channels, gcloud's alert policy update)
    # or in lowerCamelCase (the JSON body's names)
    fields = [re.sub(r"_([a-z])", lambda m: m.group(1).upper(), f.strip()) for f in mask.split(",")] if mask \
        else list(body)
    for path in fields:
        head = path.split(".")[0]
        if head in body:
            found[head] = body[head]
        else:
            found.pop(head, None)
    if "updateTime" in ctx.method.doc.schemas.get(ctx.method.request or "", {}).get("properties", {}):
        found["updateTime"] = ctx.world.now()
    ctx.world.put(ctx.api, name, found)
    return respond(ctx, found, name)


def delete(ctx):
    name = path_param(ctx.method, ctx.params, "name")
    if ctx.world.delete(ctx.api, name) is None:
        raise not_found(name)
    return respond(ctx, None, name)


def get_iam_policy(ctx):
    resource = path_param(ctx.method, ctx.params, "resource")
    return ctx.world.get(ctx.api, f"iam:{resource}") or {"version": 1, "etag": "BwYAAAAAAAA="}


def set_iam_policy(ctx):
    resource = path_param(ctx.method, ctx.params, "resource")
    policy = dict((ctx.body or {}).get("policy") or {})
    policy["etag"] = "BwY" + ctx.world.new_id()[:9] + "="
    ctx.world.put(ctx.api, f"iam:{resource}", policy)
    return policy


def test_iam_permissions(ctx):
    """The asked permissions the simulated caller holds (cloudsim/iam.py: the running procedure's grant)."""
    from cloudsim import iam
    permissions = iam.test_permissions(ctx.grant, (ctx.body or {}).get("permissions", []))
    return {"permissions": permissions} if permissions else {}


GENERIC = {"create": create, "get": get, "list": list_, "patch": patch, "delete": delete,
           "getIamPolicy": get_iam_policy, "setIamPolicy": set_iam_policy,
           "testIamPermissions": test_iam_permissions}


GENERIC_HTTP = {"create": "POST", "get": "GET", "list": "GET", "patch": "PATCH", "delete": "DELETE",
                "getIamPolicy": "GET|POST", "setIamPolicy": "POST", "testIamPermissions": "POST"}


def generic_handler(method):
    """The generic handler for a method of the usual shape (verb and HTTP method), else None."""
    expected = GENERIC_HTTP.get(method.verb)
    if expected is None or method.http_method not in expected.split("|"):
        return None
    return GENERIC[method.verb]
