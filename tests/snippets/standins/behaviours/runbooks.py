"""Stand-in behaviours for the runbooks (source/deployment/runbooks/).

gcloud commands (grammar: ``../gcloud.yaml`` and ``../grammar.d/gcloud-runbooks.yaml``):

- ``scheduler jobs describe|run|pause|resume|list``: the Cloud Scheduler job
  Firebase creates for each scheduled function, named
  ``firebase-schedule-<function>-<region>`` (firebase-tools
  ``backend.scheduleIdForFunction``). A job exists once its function has been
  deployed to the simulated project; schedule and time zone come from the
  facts file.
- ``firestore databases list|create|clone|restore|delete`` and ``firestore backups
  list``: databases created empty, by a point-in-time clone or a backup restore. A
  clone checks the snapshot time the way Firestore does (a whole minute, not
  in the future, inside the point-in-time recovery window: 7 days when PITR is
  on, 1 hour when it is off).
- ``functions describe NAME --region R [--v2]``: the deployed function's
  ``serviceConfig``, read from the options the fixture's functions/index.js
  gives that function (timeout, memory, instances, concurrency, secrets).

A command another area's module already defines is left to that module (the
core loads modules in name order and refuses a second definition).

Run as a script, the module also serves a small model of the provider APIs
the runbooks probe (Anthropic Messages, ElevenLabs), answering with the
documented response and error shapes from a scenario file, and seeds backups
into the simulated cloud for a page's hidden setup:

    python runbooks.py provider-model HOST:PORT SCENARIOS.json
    python runbooks.py seed-backups PROJECT DAYS
"""

from __future__ import annotations

import json
import re
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
FACTS = HERE.parents[3] / "source" / "_data" / "platform.yaml"
UTC = timezone.utc


def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _facts() -> dict:
    return yaml.safe_load(FACTS.read_text(encoding="utf-8"))


# -- output ------------------------------------------------------------------

def _field(item: object, dotted: str) -> object:
    value = item
    for part in dotted.split("."):
        if part == "basename()":
            value = str(value).rsplit("/", 1)[-1]
            continue
        if part.endswith("[]"):
            key = part[:-2]
            value = value.get(key, []) if isinstance(value, dict) else []
            continue
        indexed = re.fullmatch(r"(\w+)\[(\d+)\]", part)
        if indexed:
            items = value.get(indexed.group(1), []) if isinstance(value, dict) else []
            position = int(indexed.group(2))
            value = items[position] if isinstance(items, list) and position < len(items) else ""
            continue
        if isinstance(value, list):
            value = [v.get(part, "") if isinstance(v, dict) else "" for v in value]
        elif isinstance(value, dict):
            value = value.get(part, "")
        else:
            return ""
    return value


def _text(value: object) -> str:
    if isinstance(value, list):
        return ";".join(_text(v) for v in value)
    if isinstance(value, bool):
        return "True" if value else "False"
    return "" if value is None else str(value)


def sort_rows(rows: list, spec: str) -> list:
    """``--sort-by``: comma-separated keys, ``~`` for descending (gcloud)."""
    for key in reversed([k.strip() for k in spec.split(",") if k.strip()]):
        rows = sorted(rows, key=lambda row, k=key.lstrip("~"): _text(_field(row, k)), reverse=key.startswith("~"))
    return rows


def emit(data: object, fmt: object, standin) -> None:
    """Print like gcloud: YAML by default, ``json``, ``value(a,b.c)`` or
    ``yaml(a,b)``. Lists print one item per line (value) or as documents."""
    items = data if isinstance(data, list) else [data]
    if fmt in (None, "yaml"):
        docs = [yaml.safe_dump(item, default_flow_style=False, sort_keys=True).rstrip("\n") for item in items]
        if docs:
            print("\n---\n".join(docs))
        return
    if fmt == "json":
        print(json.dumps(data, indent=2, sort_keys=True))
        return
    match = re.fullmatch(r"(value|yaml)\((.*)\)", str(fmt))
    if match is None:
        raise standin.Unsimulated(f"--format={fmt}")
    fields = [f.strip() for f in match.group(2).split(",") if f.strip()]
    for item in items:
        if match.group(1) == "value":
            print("\t".join(_text(_field(item, f)) for f in fields))
        else:
            subset: dict = {}
            for f in fields:
                parts = f.split(".")
                node = subset
                for part in parts[:-1]:
                    node = node.setdefault(part, {})
                node[parts[-1]] = _field(item, f)
            print(yaml.safe_dump(subset, default_flow_style=False, sort_keys=False).rstrip("\n"))


# -- Cloud Scheduler -----------------------------------------------------------

def _scheduled_functions(facts: dict) -> dict[str, dict]:
    return {name: spec for name, spec in facts["functions"].items() if spec.get("trigger") == "schedule"}


def _jobs(standin, state, options) -> tuple[str, dict]:
    proj = standin.gc_project(state, options)
    project = standin.opt(options, "--project")
    facts = _facts()
    region = facts["region"]
    jobs = proj.setdefault("rb_jobs", {})
    for name, spec in _scheduled_functions(facts).items():
        job_id = f"firebase-schedule-{name}-{region}"
        if name in proj["functions"] and job_id not in jobs:
            jobs[job_id] = {
                "function": name, "schedule": spec.get("schedule", ""), "timeZone": spec.get("time_zone", "UTC"),
                "state": "ENABLED", "status": {}, "created": _stamp(_now()), "lastAttemptTime": None}
    standin.save_state(state)
    return project, jobs


def _job(standin, state, options, args) -> tuple[str, str, dict, dict]:
    location = standin.opt(options, "--location")
    ref = args[0]
    match = re.fullmatch(r"projects/([^/]+)/locations/([^/]+)/jobs/([^/]+)", ref)
    if match:
        options = {**options, "--project": match.group(1)}
        location, ref = match.group(2), match.group(3)
    project, jobs = _jobs(standin, state, options)
    region = _facts()["region"]
    if location != region or ref not in jobs:
        where = location if isinstance(location, str) else "(no --location)"
        raise standin.Failed(f"(gcloud.scheduler.jobs) NOT_FOUND: Job projects/{project}/locations/{where}/jobs/"
                             f"{ref} not found.")
    return project, ref, jobs[ref], jobs


def _job_resource(project: str, job_id: str, job: dict, region: str) -> dict:
    name = job["function"]
    resource = {
        "name": f"projects/{project}/locations/{region}/jobs/{job_id}",
        "schedule": job["schedule"],
        "timeZone": job["timeZone"],
        "state": job["state"],
        "status": job["status"],
        "attemptDeadline": "180s",
        "httpTarget": {
            "httpMethod": "POST",
            "uri": f"https://{name.lower()}-sandbox-{region[:2]}.a.run.app",
            "oidcToken": {"serviceAccountEmail": f"sandbox-compute@{project}.iam.gserviceaccount.com"},
        },
        "userUpdateTime": job["created"],
    }
    if job["lastAttemptTime"]:
        resource["lastAttemptTime"] = job["lastAttemptTime"]
    return resource


def scheduler_describe(state, options, args):
    import standin
    project, job_id, job, _ = _job(standin, state, options, args)
    emit(_job_resource(project, job_id, job, _facts()["region"]), standin.opt(options, "--format"), standin)


def scheduler_list(state, options, args):
    import standin
    project, jobs = _jobs(standin, state, options)
    region = _facts()["region"]
    if standin.opt(options, "--location") != region:
        jobs = {}
    rows = [_job_resource(project, job_id, job, region) for job_id, job in sorted(jobs.items())]
    fmt = standin.opt(options, "--format")
    if fmt is None:
        if not rows:
            print("Listed 0 items.", file=sys.stderr)
            return
        width = max(len(row["name"].rsplit("/", 1)[-1]) for row in rows) + 2
        print(f"{'ID':<{width}}{'LOCATION':<13}{'SCHEDULE (TZ)':<30}{'TARGET_TYPE':<13}STATE")
        for row in rows:
            print(f"{row['name'].rsplit('/', 1)[-1]:<{width}}{region:<13}"
                  f"{row['schedule'] + ' (' + row['timeZone'] + ')':<30}{'HTTP':<13}{row['state']}")
        return
    emit(rows, fmt, standin)


def scheduler_run(state, options, args):
    import standin
    _, _, job, _ = _job(standin, state, options, args)
    job["lastAttemptTime"] = _stamp(_now())
    job["status"] = {}
    standin.save_state(state)


def scheduler_pause(state, options, args):
    import standin
    _, _, job, _ = _job(standin, state, options, args)
    job["state"] = "PAUSED"
    standin.save_state(state)
    print("Job has been paused.")


def scheduler_resume(state, options, args):
    import standin
    _, _, job, _ = _job(standin, state, options, args)
    job["state"] = "ENABLED"
    standin.save_state(state)
    print("Job has been resumed.")


# -- Firestore databases and backups ----------------------------------------------

DATABASE_ID = re.compile(r"^[a-z][a-z0-9-]{2,61}[a-z0-9]$")


def _databases(proj: dict) -> dict:
    return proj.setdefault("rb_databases", {})


def _database_resource(project: str, db_id: str, proj: dict, origin: dict | None) -> dict:
    pitr = proj.get("pitr", False) if db_id == "(default)" else False
    resource = {
        "name": f"projects/{project}/databases/{db_id}",
        "locationId": _facts()["region"],
        "type": "FIRESTORE_NATIVE",
        "pointInTimeRecoveryEnablement": f"POINT_IN_TIME_RECOVERY_{'ENABLED' if pitr else 'DISABLED'}",
    }
    if origin and origin.get("snapshot"):
        resource["sourceInfo"] = {"operation": origin["operation"]}
    return resource


# Create, clone, restore and delete answer at once with a long-running operation
# (ops-facts: real gcloud 578); the operation is done after a fixed number of
# reads, never by wall time, and the new database is not usable before then.
OPERATION_READS = 2
METADATA_TYPES = {"clone": "CloneDatabaseMetadata", "restore": "RestoreDatabaseMetadata",
                  "delete": "DeleteDatabaseMetadata", "create": "CreateDatabaseMetadata"}


def _operations(proj: dict) -> dict:
    return proj.setdefault("rb_operations", {})


def start_operation(standin, proj: dict, project: str, database: str, kind: str, detail: dict) -> dict:
    op_id = standin.short_hash(project, database, kind, len(_operations(proj)))[:16]
    name = f"projects/{project}/databases/{database}/operations/{op_id}"
    record = {"kind": kind, "database": database, "reads": 0, "started": _stamp(_now()), "detail": detail}
    _operations(proj)[name] = record
    return _operation_resource(name, record)


def _operation_resource(name: str, record: dict) -> dict:
    done = record["reads"] >= OPERATION_READS
    metadata = {"@type": f"type.googleapis.com/google.firestore.admin.v1.{METADATA_TYPES[record['kind']]}"}
    if record["kind"] != "delete":
        metadata |= {"database": f"{name.split('/operations/')[0]}", "startTime": record["started"],
                     "operationState": "SUCCESSFUL" if done else "PROCESSING", **record["detail"]}
        if done:
            metadata["endTime"] = record.get("ended", record["started"])
    resource = {"name": name, "metadata": metadata}
    if done:
        resource["done"] = True
        resource["response"] = {"@type": "type.googleapis.com/google.firestore.admin.v1.Database",
                                "name": name.split("/operations/")[0]}
    return resource


def operation_pending(proj: dict, database: str) -> bool:
    return any(r["database"] == database and r["kind"] != "delete" and r["reads"] < OPERATION_READS
               for r in _operations(proj).values())


def operations_describe(state, options, args):
    import standin
    proj = standin.gc_project(state, options)
    record = _operations(proj).get(args[0])
    if record is None:
        raise standin.Failed(f"NOT_FOUND: Operation {args[0]} not found.")
    record["reads"] += 1
    if record["reads"] == OPERATION_READS:
        record["ended"] = _stamp(_now())
    standin.save_state(state)
    emit(_operation_resource(args[0], record), standin.opt(options, "--format"), standin)


def databases_list(state, options, args):
    import standin
    proj = standin.gc_project(state, options)
    project = standin.opt(options, "--project")
    rows = [_database_resource(project, "(default)", proj, None)]
    rows += [_database_resource(project, db_id, proj, origin) for db_id, origin in sorted(_databases(proj).items())]
    emit(rows, standin.opt(options, "--format"), standin)


def _parse_snapshot(standin, value: object) -> datetime:
    if not isinstance(value, str):
        raise standin.Failed("argument --snapshot-time: Must be specified.")
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise standin.Failed(f"argument --snapshot-time: Failed to parse date/time: {value}") from exc
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment


def _new_database(standin, proj: dict, dest: object) -> str:
    if not isinstance(dest, str):
        raise standin.Failed("argument --destination-database: Must be specified.")
    if dest != "(default)" and not DATABASE_ID.match(dest):
        raise standin.Failed(f"INVALID_ARGUMENT: Database ID '{dest}' is not valid: 4-63 characters, lower-case "
                             "letters, digits and hyphens, starting with a letter.")
    if dest == "(default)" or dest in _databases(proj):
        raise standin.Failed(f"ALREADY_EXISTS: Database '{dest}' already exists. Restores and clones always go to "
                             "a new database.")
    return dest


def databases_clone(state, options, args):
    import standin
    proj = standin.gc_project(state, options)
    project = standin.opt(options, "--project")
    source = standin.opt(options, "--source-database")
    if source != f"projects/{project}/databases/(default)":
        raise standin.Failed(f"NOT_FOUND: source database {source} not found (the sandbox project has only "
                             f"projects/{project}/databases/(default))")
    moment = _parse_snapshot(standin, standin.opt(options, "--snapshot-time"))
    if moment.second or moment.microsecond:
        raise standin.Failed("INVALID_ARGUMENT: snapshot_time must be a whole minute.")
    now = datetime.now(UTC)
    if moment > now:
        raise standin.Failed("INVALID_ARGUMENT: snapshot_time is in the future.")
    window = timedelta(days=7) if proj.get("pitr") else timedelta(hours=1)
    if now - moment > window:
        raise standin.Failed(
            "FAILED_PRECONDITION: snapshot_time is older than the earliest version the database keeps "
            f"({'7 days: point-in-time recovery is on' if proj.get('pitr') else '1 hour: point-in-time recovery is off'}).")
    dest = _new_database(standin, proj, standin.opt(options, "--destination-database"))
    operation = start_operation(standin, proj, project, dest, "clone",
                                {"pitrSnapshot": {"database": source, "snapshotTime": _stamp(moment)}})
    _databases(proj)[dest] = {"snapshot": _stamp(moment), "operation": operation["name"]}
    standin.save_state(state)
    emit(operation, standin.opt(options, "--format"), standin)


def _backups(proj: dict) -> list:
    return proj.setdefault("rb_backups", [])


def databases_restore(state, options, args):
    import standin
    proj = standin.gc_project(state, options)
    project = standin.opt(options, "--project")
    source = standin.opt(options, "--source-backup")
    names = {b["name"] for b in _backups(proj)}
    if source not in names:
        raise standin.Failed(f"NOT_FOUND: Backup {source} not found.")
    dest = _new_database(standin, proj, standin.opt(options, "--destination-database"))
    operation = start_operation(standin, proj, project, dest, "restore", {"backup": source})
    _databases(proj)[dest] = {"backup": source, "operation": operation["name"]}
    standin.save_state(state)
    emit(operation, standin.opt(options, "--format"), standin)


def databases_create(state, options, args):
    """An empty database, what a scratch import needs first. Like clone and
    restore it answers at once with a long-running operation (real gcloud 528
    against tests/cloudsim printed the operation's name, not the database's:
    tests/snippets/standins/gcloud-diff-report.json)."""
    import standin
    proj = standin.gc_project(state, options)
    project = standin.opt(options, "--project")
    location = standin.opt(options, "--location")
    if not isinstance(location, str):
        raise standin.Failed("argument --location: Must be specified.")
    db_id = standin.opt(options, "--database", default="(default)")
    dest = _new_database(standin, proj, db_id)
    operation = start_operation(standin, proj, project, dest, "create", {})
    _databases(proj)[dest] = {"created": location, "operation": operation["name"]}
    standin.save_state(state)
    emit(operation, standin.opt(options, "--format"), standin)


def databases_delete(state, options, args):
    import standin
    proj = standin.gc_project(state, options)
    project = standin.opt(options, "--project")
    db_id = standin.opt(options, "--database")
    if db_id == "(default)":
        raise standin.Unsimulated("deleting the (default) database")
    if db_id not in _databases(proj):
        raise standin.Failed(f"NOT_FOUND: Database projects/{project}/databases/{db_id} not found.")
    del _databases(proj)[db_id]
    operation = start_operation(standin, proj, project, db_id, "delete", {})
    standin.save_state(state)
    emit(operation, standin.opt(options, "--format"), standin)


def backups_list(state, options, args):
    import standin
    proj = standin.gc_project(state, options)
    location = standin.opt(options, "--location", default=_facts()["region"])
    rows = [b for b in _backups(proj) if f"/locations/{location}/" in b["name"]]
    sort_by = standin.opt(options, "--sort-by")
    # Not sorted by gcloud, and the API promises no order (ops-facts).
    rows = sort_rows(rows, sort_by) if isinstance(sort_by, str) else standin.seeded_order(rows, "backups")
    limit = standin.opt(options, "--limit")
    if isinstance(limit, str) and limit.isdigit():
        rows = rows[:int(limit)]
    emit(rows, standin.opt(options, "--format"), standin)


def seed_backups(project: str, days: int) -> None:
    """Daily backups at 02:00 UTC for the last DAYS days (hidden setup)."""
    sys.path.insert(0, str(HERE.parent))
    import standin  # noqa: F401  (the core module, as a library)

    state = standin.load_state()
    proj = standin.project_state(state, project)
    region = _facts()["region"]
    midnight = _now().replace(hour=2, minute=0, second=0)
    if midnight > _now():
        midnight -= timedelta(days=1)
    for day in range(days):
        taken = midnight - timedelta(days=day)
        backup_id = standin.short_hash(project, _stamp(taken))[:8] + "-" + standin.short_hash(taken)[:4]
        _backups(proj).append({
            "name": f"projects/{project}/locations/{region}/backups/{backup_id}",
            "database": f"projects/{project}/databases/(default)",
            "snapshotTime": _stamp(taken),
            "expireTime": _stamp(taken + timedelta(days=7)),
            "state": "READY",
        })
    standin.save_state(state)


# -- Cloud Functions describe --------------------------------------------------------

MEMORY = {"128MiB": "128Mi", "256MiB": "256Mi", "512MiB": "512Mi", "1GiB": "1Gi", "2GiB": "2Gi", "4GiB": "4Gi",
          "8GiB": "8Gi", "16GiB": "16Gi", "32GiB": "32Gi"}


def _options_of(source: str, name: str) -> dict:
    """The literal options object of ``exports.NAME = onX({...}, ...)``."""
    match = re.search(rf"^exports\.{re.escape(name)}\s*=\s*\w+\(\s*(\{{[^}}]*\}})?", source, re.M)
    if match is None:
        return {}
    text = match.group(1) or ""
    found: dict = {}
    for key, value in re.findall(r"(\w+)\s*:\s*(\"[^\"]*\"|'[^']*'|\[[^\]]*\]|[\w.]+)", text):
        found[key] = value
    return found


def _global_options(source: str) -> dict:
    match = re.search(r"setGlobalOptions\(\s*(\{[^}]*\})", source)
    return dict(re.findall(r"(\w+)\s*:\s*(\"[^\"]*\"|'[^']*'|[\w.]+)", match.group(1))) if match else {}


def functions_describe(state, options, args):
    import standin
    proj = standin.gc_project(state, options)
    project = standin.opt(options, "--project")
    name = args[0]
    region = standin.opt(options, "--region")
    root = standin.project_root()
    source = (root / "functions" / "index.js").read_text(encoding="utf-8") if root else ""
    if region != _facts()["region"] or name not in proj["functions"]:
        raise standin.Failed(f"(gcloud.functions.describe) NOT_FOUND: Resource 'projects/{project}/locations/"
                             f"{region}/functions/{name}' was not found")
    opts = {**_global_options(source), **_options_of(source, name)}

    def number(key: str, default: int | None) -> int | None:
        value = opts.get(key)
        return int(value) if value and value.isdigit() else default

    memory = MEMORY.get(opts.get("memory", "").strip("\"'"), "256Mi")
    config = {
        "availableMemory": memory,
        "maxInstanceCount": number("maxInstances", 100),
        "maxInstanceRequestConcurrency": number("concurrency", 80),
        "minInstanceCount": number("minInstances", 0),
        "revision": proj["functions"][name]["revisions"][-1],
        "service": f"projects/{project}/locations/{region}/services/{standin.service_name(name)}",
        "timeoutSeconds": number("timeoutSeconds", 60),
        "uri": f"https://{standin.service_name(name)}-sandbox-{region[:2]}.a.run.app",
    }
    deployed = proj["functions"][name]
    if "env" in deployed:
        # What the deploy sent (standin.deployed_env), plus the two variables
        # the Firebase CLI's Cloud Functions v2 client adds to every function
        # (firebase-tools lib/gcp/cloudfunctionsv2.js).
        config["environmentVariables"] = {**deployed["env"], "FUNCTION_TARGET": name, "LOG_EXECUTION_ID": "true"}
    secrets = re.findall(r"[A-Z][A-Z0-9_]+", opts.get("secrets", ""))
    if secrets:
        # The Firebase CLI binds the version number current at deploy time.
        bound = proj["functions"][name].get("secrets", {})
        config["secretEnvironmentVariables"] = [
            {"key": s, "projectId": project, "secret": s, "version": str(bound.get(s, "latest"))} for s in secrets]
    resource = {
        "buildConfig": {"entryPoint": name, "runtime": _facts()["runtime"]},
        "environment": "GEN_2",
        "name": f"projects/{project}/locations/{region}/functions/{name}",
        "serviceConfig": config,
        "state": "ACTIVE",
    }
    emit(resource, standin.opt(options, "--format"), standin)


# -- registration (a command another area defines stays with that area) ----------------

_MINE = {
    "scheduler jobs describe": scheduler_describe,
    "scheduler jobs list": scheduler_list,
    "scheduler jobs run": scheduler_run,
    "scheduler jobs pause": scheduler_pause,
    "scheduler jobs resume": scheduler_resume,
    "firestore databases list": databases_list,
    "firestore databases clone": databases_clone,
    "firestore databases restore": databases_restore,
    "firestore databases delete": databases_delete,
    "firestore databases create": databases_create,
    "firestore backups list": backups_list,
    "firestore operations describe": operations_describe,
    "functions describe": functions_describe,
}


def _free(tool: str, table: dict) -> dict:
    core = sys.modules.get("standin")
    taken = core.HANDLERS.get(tool, {}) if core is not None and hasattr(core, "HANDLERS") else {}
    return {name: handler for name, handler in table.items() if name not in taken}


GCLOUD = _free("gcloud", _MINE)


# -- provider model (run as a script) ------------------------------------------------------

def provider_model(address: str, scenario_path: str) -> None:
    """Answer like the Anthropic Messages API and the ElevenLabs API, one
    scenario per request from SCENARIOS (a JSON object of route -> list;
    the last entry repeats). Shapes follow the providers' documentation;
    the numbers are the scenario's, not real limits."""
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    queues = json.loads(Path(scenario_path).read_text(encoding="utf-8"))
    counter = {"n": 0}

    def next_case(route: str) -> dict:
        queue = queues.get(route) or [{"case": "ok"}]
        case = queue.pop(0) if len(queue) > 1 else queue[0]
        return case if isinstance(case, dict) else {"case": case}

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            return

        def reply(self, status: int, body: dict | bytes, headers: dict | None = None) -> None:
            data = body if isinstance(body, bytes) else json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "audio/mpeg" if isinstance(body, bytes) else "application/json")
            for key, value in (headers or {}).items():
                self.send_header(key, str(value))
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def body(self) -> dict:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            try:
                return json.loads(raw or b"{}")
            except json.JSONDecodeError:
                return {}

        def anthropic(self) -> None:
            request = self.body()
            counter["n"] += 1
            request_id = f"req_sandbox_{counter['n']:04d}"
            reset = _stamp(_now() + timedelta(seconds=20))
            limits = {"request-id": request_id, "anthropic-ratelimit-requests-limit": 50,
                      "anthropic-ratelimit-requests-remaining": 49, "anthropic-ratelimit-requests-reset": reset}
            if not self.headers.get("x-api-key"):
                return self.reply(401, {"type": "error", "error": {"type": "authentication_error",
                                        "message": "x-api-key header is required"}, "request_id": request_id},
                                  {"request-id": request_id})
            if not self.headers.get("anthropic-version"):
                return self.reply(400, {"type": "error", "error": {"type": "invalid_request_error",
                                        "message": "anthropic-version: header is required"},
                                        "request_id": request_id}, {"request-id": request_id})
            case = next_case("anthropic")
            kind = case["case"]
            if kind == "rate_limit":
                headers = {**limits, "anthropic-ratelimit-requests-remaining": 0,
                           "retry-after": case.get("retry_after", 20)}
                return self.reply(429, {"type": "error", "error": {"type": "rate_limit_error",
                                        "message": "Number of requests has exceeded your rate limit."},
                                        "request_id": request_id}, headers)
            if kind == "overloaded":
                return self.reply(529, {"type": "error", "error": {"type": "overloaded_error",
                                        "message": "Overloaded"}, "request_id": request_id},
                                  {"request-id": request_id})
            if kind == "auth":
                return self.reply(401, {"type": "error", "error": {"type": "authentication_error",
                                        "message": "invalid x-api-key"}, "request_id": request_id},
                                  {"request-id": request_id})
            return self.reply(200, {"id": f"msg_sandbox_{counter['n']:04d}", "type": "message", "role": "assistant",
                                    "model": request.get("model", ""), "content": [{"type": "text", "text": "OK"}],
                                    "stop_reason": "max_tokens",
                                    "usage": {"input_tokens": 9, "output_tokens": 1}}, limits)

        def elevenlabs(self, route: str) -> None:
            self.body()
            if not self.headers.get("xi-api-key"):
                return self.reply(401, {"detail": {"status": "invalid_api_key",
                                                   "message": "Invalid API key"}})
            case = next_case(route)
            kind = case["case"]
            if route == "elevenlabs_subscription":
                return self.reply(200, {"tier": case.get("tier", "creator"),
                                        "character_count": case.get("used", 0),
                                        "character_limit": case.get("limit", 100000),
                                        "next_character_count_reset_unix": int(_now().timestamp()) + 86400 * 9,
                                        "status": "active"})
            if kind == "concurrency":
                return self.reply(429, {"detail": {"status": "too_many_concurrent_requests", "message":
                                        "Too many concurrent requests for your subscription."}})
            if kind == "busy":
                return self.reply(429, {"detail": {"status": "system_busy", "message":
                                        "The system is experiencing heavy traffic, please try again."}})
            if kind == "quota":
                return self.reply(401, {"detail": {"status": "quota_exceeded", "message":
                                        "This request exceeds your quota."}})
            return self.reply(200, b"ID3sandbox-audio")

        def do_GET(self) -> None:
            if self.path == "/v1/user/subscription":
                return self.elevenlabs("elevenlabs_subscription")
            self.reply(404, {"detail": {"status": "not_found", "message": self.path}})

        def do_POST(self) -> None:
            if self.path == "/v1/messages":
                return self.anthropic()
            if self.path.startswith("/v1/text-to-speech/"):
                return self.elevenlabs("elevenlabs_tts")
            self.reply(404, {"detail": {"status": "not_found", "message": self.path}})

    host, _, port = address.rpartition(":")
    ThreadingHTTPServer((host or "127.0.0.1", int(port)), Handler).serve_forever()


if __name__ == "__main__":
    if sys.argv[1:2] == ["provider-model"] and len(sys.argv) == 4:
        provider_model(sys.argv[2], sys.argv[3])
    elif sys.argv[1:2] == ["seed-backups"] and len(sys.argv) == 4:
        seed_backups(sys.argv[2], int(sys.argv[3]))
    else:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
