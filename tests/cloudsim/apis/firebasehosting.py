"""Firebase Hosting (v1beta1 and v1): sites, channels, versions, files, releases, clone.

Resources are kept under ``sites/<site>/...`` whichever form the caller
uses (``projects/<p>/sites/<site>/...`` is the same resource, as in the
API). A site's own record is ``sites/<site>`` with ``name:
projects/<number>/sites/<site>``; its project is ``siteproject:<site>``.
"""

from __future__ import annotations

import re

from cloudsim import crud
from cloudsim.errors import ApiError

API = "firebasehosting"
UPLOAD_HOST = "upload-firebasehosting.googleapis.com"


def _site_key(name: str) -> str:
    return re.sub(r"^projects/[^/]+/(sites/)", r"\1", name)


def _project_of(world, site: str) -> str | None:
    rec = world.get(API, f"siteproject:{site}")
    return rec["project"] if rec else None


def _number(world, project: str) -> str:
    rec = world.get("cloudresourcemanager", f"projects/{project}")
    return rec["projectNumber"] if rec else project


def _site_of(key: str) -> str:
    return key.split("/")[1]


def require_site(world, site: str) -> None:
    if world.get(API, f"sites/{site}") is None:
        raise ApiError(404, f"Requested entity was not found: site {site}")


def new_version(world, site: str, status: str, config: dict | None = None, files: dict | None = None) -> dict:
    name = f"sites/{site}/versions/{world.new_id()}"
    version = {"name": name, "status": status, "config": config or {}, "createTime": world.now(),
               "createUser": {"email": _operator()}, "labels": {"deployment-tool": "cli-firebase"}}
    if status == "FINALIZED":
        version.update(finalizeTime=world.now(), finalizeUser={"email": _operator()},
                       fileCount=str(len(files or {})), versionBytes="0")
    world.put(API, name, version)
    world.put(API, f"files:{name}", {"files": files or {}})
    return version


def _after(world, ttl: str) -> str:
    """The world clock's now plus a protobuf duration such as ``259200s``."""
    import time
    from cloudsim.state import CLOCK_START
    seconds = float(ttl.rstrip("s"))
    return time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(CLOCK_START + world.ticks + seconds))


def _operator() -> str:
    from cloudsim.world import OPERATOR
    return OPERATOR


def new_release(world, site: str, channel: str, version: dict, kind: str = "DEPLOY", message: str | None = None) -> dict:
    name = f"sites/{site}/channels/{channel}/releases/{world.new_id()}"
    release = {"name": name, "version": version, "type": kind, "releaseTime": world.now(),
               "releaseUser": {"email": _operator()}}
    if message:
        release["message"] = message
    world.put(API, name, release)
    chan = world.get(API, f"sites/{site}/channels/{channel}")
    if chan is not None:
        chan["release"] = release
        chan["updateTime"] = release["releaseTime"]
        world.put(API, chan["name"], chan)
    return release


def seed_site(world, project: str, site: str, default: bool) -> None:
    number = _number(world, project)
    world.put(API, f"sites/{site}", {"name": f"projects/{number}/sites/{site}", "defaultUrl": f"https://{site}.web.app",
                                     "type": "DEFAULT_SITE" if default else "USER_SITE", "appId": ""})
    world.put(API, f"siteproject:{site}", {"project": project})
    world.put(API, f"sites/{site}/channels/live", {"name": f"sites/{site}/channels/live",
                                                   "url": f"https://{site}.web.app", "createTime": world.now(),
                                                   "updateTime": world.now(), "retainedReleaseCount": 10})
    version = new_version(world, site, "FINALIZED", {"rewrites": [{"glob": "**", "path": "/index.html"}]},
                          {"/index.html": "0" * 64})
    new_release(world, site, "live", version)


# --- sites -----------------------------------------------------------------
def sites_list(ctx):
    project = ctx.params["parent"].split("/")[1]
    out = [ctx.world.get(API, f"sites/{k.split(':', 1)[1]}") for k in sorted(ctx.world.table(API))
           if k.startswith("siteproject:") and ctx.world.get(API, k)["project"] == project]
    return {"sites": out} if out else {}


def sites_get(ctx):
    site = ctx.params["name"].rsplit("/", 1)[-1]
    require_site(ctx.world, site)
    return ctx.world.get(API, f"sites/{site}")


def sites_create(ctx):
    project = ctx.params["parent"].split("/")[1]
    site = ctx.query.get("siteId") or ""
    if ctx.world.get(API, f"sites/{site}") is not None:
        raise ApiError(409, f"Site {site} already exists")
    seed_site(ctx.world, project, site, default=False)
    return ctx.world.get(API, f"sites/{site}")


# --- channels, versions, releases -------------------------------------------
def _normalised(ctx) -> None:
    for key in ("parent", "name"):
        if key in ctx.params:
            ctx.params[key] = _site_key(ctx.params[key])
            require_site(ctx.world, _site_of(ctx.params[key]))


def channels_create(ctx):
    _normalised(ctx)
    site = _site_of(ctx.params["parent"])
    cid = ctx.query.get("channelId")
    name = f"sites/{site}/channels/{cid}"
    if ctx.world.get(API, name):
        raise ApiError(409, f"Channel {cid} already exists")
    body = dict(ctx.body or {})
    chan = {**body, "name": name, "url": f"https://{site}--{cid}-{ctx.world.new_id()[:8]}.web.app",
            "createTime": ctx.world.now(), "updateTime": ctx.world.now(), "retainedReleaseCount": 1}
    if body.get("ttl"):
        chan["expireTime"] = _after(ctx.world, body["ttl"])
    return ctx.world.put(API, name, chan)


def channels_patch(ctx):
    _normalised(ctx)
    chan = crud.patch(ctx)
    if (ctx.body or {}).get("ttl"):
        chan["expireTime"] = _after(ctx.world, ctx.body["ttl"])
        ctx.world.put(API, chan["name"], chan)
    return chan


def versions_create(ctx):
    _normalised(ctx)
    site = _site_of(ctx.params["parent"])
    body = ctx.body or {}
    version = new_version(ctx.world, site, body.get("status", "CREATED"), body.get("config"))
    if body.get("labels"):
        version["labels"] = body["labels"]
        ctx.world.put(API, version["name"], version)
    return version


def versions_patch(ctx):
    _normalised(ctx)
    version = crud.get(ctx)
    body = ctx.body or {}
    mask = ctx.query.get("updateMask") or ",".join(body)
    for field in mask.split(","):
        if field in body:
            version[field] = body[field]
    if body.get("status") == "FINALIZED":
        files = ctx.world.get(API, f"files:{version['name']}")["files"]
        version.update(finalizeTime=ctx.world.now(), finalizeUser={"email": _operator()},
                       fileCount=str(len(files)), versionBytes=str(sum(len(h) for h in files.values())))
    return ctx.world.put(API, version["name"], version)


def populate_files(ctx):
    _normalised(ctx)
    name = ctx.params["parent"]
    version = ctx.world.get(API, name)
    if version is None:
        raise crud.not_found(name)
    if version["status"] != "CREATED":
        raise ApiError(412, f"Version {name} is {version['status']}; files can only be added while CREATED")
    files = ctx.world.get(API, f"files:{name}")["files"]
    uploaded = ctx.world.get(API, "uploaded") or {}
    required = sorted({h for h in (ctx.body or {}).get("files", {}).values() if h not in uploaded})
    files.update((ctx.body or {}).get("files", {}))
    ctx.world.put(API, f"files:{name}", {"files": files})
    answer = {"uploadUrl": f"{ctx.url(UPLOAD_HOST)}/upload/{name}/files"}
    if required:
        answer["uploadRequiredHashes"] = required
    return answer


def upload_file(ctx):
    """Named exception hosting-file-upload: the gzipped file, keyed by its sha256."""
    digest = ctx.path.rsplit("/", 1)[-1]
    uploaded = ctx.world.get(API, "uploaded") or {}
    uploaded[digest] = len(ctx.raw)
    ctx.world.put(API, "uploaded", uploaded)
    return {}


def releases_create(ctx):
    _normalised(ctx)
    parent = ctx.params["parent"]
    site = _site_of(parent)
    channel = parent.split("/")[3] if "/channels/" in parent else "live"
    version_name = _site_key(ctx.query.get("versionName", ""))
    body = ctx.body or {}
    if body.get("type") == "SITE_DISABLE" or (not version_name and body.get("type")):
        raise ApiError(501, f"{ctx.method.id}: release type {body.get('type')} is not simulated", "UNIMPLEMENTED")
    version = ctx.world.get(API, version_name)
    if version is None:
        raise ApiError(400, f"versionName {version_name!r} does not name a version of site {site}")
    if version["status"] != "FINALIZED":
        raise ApiError(400, f"Version {version_name} is {version['status']}, not FINALIZED")
    return new_release(ctx.world, site, channel, version, message=body.get("message"))


def releases_list(ctx):
    _normalised(ctx)
    parent = ctx.params["parent"]
    if "/channels/" not in parent:
        parent = f"{parent}/channels/live"
    items = ctx.world.children(API, parent, "releases")
    return {"releases": items} if items else {}


def releases_get(ctx):
    _normalised(ctx)
    name = ctx.params["name"]
    if "/channels/" not in name:
        site, rid = _site_of(name), name.rsplit("/", 1)[-1]
        name = f"sites/{site}/channels/live/releases/{rid}"
    found = ctx.world.get(API, name)
    if found is None:
        raise crud.not_found(name)
    return found


def versions_clone(ctx):
    _normalised(ctx)
    site = _site_of(ctx.params["parent"])
    source = _site_key((ctx.body or {}).get("sourceVersion", ""))
    original = ctx.world.get(API, source)
    if original is None or original["status"] != "FINALIZED":
        raise ApiError(400, f"sourceVersion {source!r} is not a finalized version")
    files = ctx.world.get(API, f"files:{source}")["files"]
    status = "FINALIZED" if (ctx.body or {}).get("finalize") else "CREATED"
    version = new_version(ctx.world, site, status, original.get("config"), files)
    project = _project_of(ctx.world, site)
    return ctx.world.operation(API, f"projects/{project}/operations/{ctx.world.new_id('clone')}",
                               {"@type": "type.googleapis.com/google.firebase.hosting.v1beta1.Version", **version})


def generic(verb):
    def handler(ctx):
        _normalised(ctx)
        return crud.GENERIC[verb](ctx)
    return handler


HANDLERS = {}
for _prefix in ("firebasehosting.sites", "firebasehosting.projects.sites"):
    HANDLERS.update({
        f"{_prefix}.channels.create": channels_create,
        f"{_prefix}.channels.get": generic("get"), f"{_prefix}.channels.list": generic("list"),
        f"{_prefix}.channels.patch": channels_patch, f"{_prefix}.channels.delete": generic("delete"),
        f"{_prefix}.versions.create": versions_create, f"{_prefix}.versions.patch": versions_patch,
        f"{_prefix}.versions.get": generic("get"), f"{_prefix}.versions.list": generic("list"),
        f"{_prefix}.versions.delete": generic("delete"), f"{_prefix}.versions.populateFiles": populate_files,
        f"{_prefix}.versions.clone": versions_clone,
        f"{_prefix}.releases.create": releases_create, f"{_prefix}.channels.releases.create": releases_create,
        f"{_prefix}.releases.list": releases_list, f"{_prefix}.channels.releases.list": releases_list,
        f"{_prefix}.releases.get": releases_get, f"{_prefix}.channels.releases.get": releases_get,
    })
HANDLERS.update({"firebasehosting.projects.sites.list": sites_list, "firebasehosting.projects.sites.get": sites_get,
                 "firebasehosting.projects.sites.create": sites_create})
