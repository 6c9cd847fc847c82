"""Stand-in behaviours for the compliance pages: IAM policies, service
accounts and their keys.

Each project the fixture knows (its ``.firebaserc`` aliases, or any project
the simulated cloud already holds) starts with a seeded IAM policy built
from the access model in ``platform.yaml`` (``compliance.iam``), plus the
Google-managed service agents every real project has, plus ONE binding the
model does not allow: a legacy deploy service account holding Editor, with
a user-managed key more than a year old. The quarterly access review on
the compliance pages is written to find exactly that drift, and the
remediation steps remove it, so the review's diff runs against a realistic
policy in the sandbox.

Commands (grammar: ``../gcloud.yaml`` and ``../grammar.d/gcloud-compliance.yaml``):

- ``gcloud projects get-iam-policy PROJECT_ID`` (YAML, or ``--format=json``),
  with ``auditConfigs`` turning on Data Access logs for Secret Manager
- ``gcloud projects remove-iam-policy-binding PROJECT_ID --member= --role=``
- ``gcloud iam service-accounts list --project=`` (table, json, ``value(email)``)
- ``gcloud iam service-accounts keys list --iam-account= [--managed-by=] [--created-before=]``
- ``gcloud iam service-accounts keys delete KEY_ID --iam-account=``
"""

from __future__ import annotations

import json
import re
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import yaml

import standin

FACTS = Path(__file__).resolve().parents[4] / "source" / "_data" / "platform.yaml"
NO_EXPIRY = "9999-12-31T23:59:59Z"


def _facts() -> dict:
    return yaml.safe_load(FACTS.read_text(encoding="utf-8"))


def _stamp(days_ago: int) -> str:
    moment = datetime.now(timezone.utc) - timedelta(days=days_ago)
    return moment.replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def project_number(project: str) -> str:
    """A stable, made-up twelve-digit project number for the sandbox."""
    return str(int(standin.short_hash("number", project)[:12], 16) % 10**12).rjust(12, "1")


def _key_id(*parts: object) -> str:
    return standin.short_hash("key", *parts)[:40]


def seed(project: str, facts: dict) -> dict:
    """The access model as bindings, plus service agents and one drift."""
    iam = facts["compliance"]["iam"]
    number = project_number(project)
    prod = project == facts["envs"]["prod"]["project_id"]
    deployer = f"serviceAccount:{iam['deployer_account']}@{project}.iam.gserviceaccount.com"
    runtime = f"serviceAccount:{number}-compute@developer.gserviceaccount.com"
    legacy = f"serviceAccount:legacy-deploy@{project}.iam.gserviceaccount.com"
    bindings = {
        "roles/owner": [f"group:{iam['breakglass_group']}"],
        "roles/firebase.viewer" if prod else "roles/firebase.developAdmin": [f"group:{iam['engineers_group']}"],
        "roles/iam.securityReviewer": [f"group:{iam['security_group']}"],
        "roles/logging.privateLogViewer": [f"group:{iam['security_group']}"],
        "roles/secretmanager.viewer": [f"group:{iam['security_group']}"],
        "roles/firebase.admin": [deployer],
        "roles/iam.serviceAccountUser": [deployer],
        "roles/secretmanager.secretAccessor": [runtime],
        "roles/cloudfunctions.serviceAgent": [f"serviceAccount:service-{number}@gcf-admin-robot.iam.gserviceaccount.com"],
        "roles/run.serviceAgent": [f"serviceAccount:service-{number}@serverless-robot-prod.iam.gserviceaccount.com"],
        "roles/editor": [f"serviceAccount:{number}@cloudservices.gserviceaccount.com", legacy],
    }
    accounts = {
        deployer.split(":", 1)[1]: {"displayName": "GitHub Actions deploy", "keys": [
            {"id": _key_id(project, "deployer", 1), "type": "USER_MANAGED", "created": _stamp(31)},
            {"id": _key_id(project, "deployer", "system"), "type": "SYSTEM_MANAGED", "created": _stamp(3)}]},
        legacy.split(":", 1)[1]: {"displayName": "Legacy deploy (pre-CI)", "keys": [
            {"id": _key_id(project, "legacy", 1), "type": "USER_MANAGED", "created": _stamp(412)}]},
        runtime.split(":", 1)[1]: {"displayName": "Default compute service account", "keys": [
            {"id": _key_id(project, "runtime", "system"), "type": "SYSTEM_MANAGED", "created": _stamp(9)}]},
    }
    # Data Access logs for Secret Manager, as the audit-logging control asks.
    audit = [{"auditLogConfigs": [{"logType": "DATA_READ"}], "service": "secretmanager.googleapis.com"}]
    return {"bindings": bindings, "audit": audit, "version": 1, "serial": 1, "accounts": accounts}


def _known(state: dict, project: str) -> bool:
    return project in state["projects"] or project in standin.aliases().values()


def iam_state(state: dict, project: str) -> dict:
    if not _known(state, project):
        raise standin.Failed(f"(gcloud.projects) User does not have permission to access projects instance "
                             f"[{project}] (or it may not exist)")
    proj = standin.project_state(state, project)
    if "iam" not in proj:
        proj["iam"] = seed(project, _facts())
        standin.save_state(state)
    return proj["iam"]


def _policy(project: str, iam: dict) -> dict:
    bindings = [{"members": sorted(members), "role": role}
                for role, members in sorted(iam["bindings"].items()) if members]
    etag = "BwY" + standin.short_hash(project, iam["serial"])[:9]
    policy = {"bindings": bindings, "etag": etag, "version": iam["version"]}
    if iam.get("audit"):
        policy["auditConfigs"] = iam["audit"]
    return policy


def _print(data: object, fmt: object) -> None:
    if fmt == "json":
        print(json.dumps(data, indent=2, sort_keys=True))
    elif fmt == "none":
        return
    elif isinstance(fmt, str) and fmt.startswith("value("):
        fields = [f.strip() for f in fmt[len("value("):-1].split(",")]
        for item in data if isinstance(data, list) else [data]:
            print("\t".join(_field(item, f) for f in fields))
    elif fmt in (None, "yaml"):
        print(yaml.safe_dump(data, default_flow_style=False, sort_keys=True).rstrip("\n"))
    else:
        raise standin.Unsimulated(f"--format={fmt}")


def _field(item: dict, spec: str) -> str:
    basename = spec.endswith(".basename()")
    name = spec[: -len(".basename()")] if basename else spec
    value = item.get(name, "")
    value = "" if value is None else str(value)
    return value.rsplit("/", 1)[-1] if basename else value


def get_iam_policy(state, options, args):
    project = args[0]
    _print(_policy(project, iam_state(state, project)), standin.opt(options, "--format"))


def remove_binding(state, options, args):
    project = args[0]
    iam = iam_state(state, project)
    member, role = standin.opt(options, "--member"), standin.opt(options, "--role")
    if not isinstance(member, str) or not isinstance(role, str):
        raise standin.Failed("argument --member and --role are required")
    if standin.opt(options, "--condition", "--condition-from-file"):
        raise standin.Unsimulated("conditional role bindings")
    if member not in iam["bindings"].get(role, []):
        raise standin.Failed("(gcloud.projects.remove-iam-policy-binding) Policy binding with the specified "
                             "principal, role, and any condition not found!")
    iam["bindings"][role].remove(member)
    iam["serial"] += 1
    standin.save_state(state)
    print(f"Updated IAM policy for project [{project}].", file=sys.stderr)
    _print(_policy(project, iam), standin.opt(options, "--format"))


def _project_option(state, options) -> tuple[str, dict]:
    project = standin.opt(options, "--project")
    if not isinstance(project, str):
        raise standin.Failed("The required property [project] is not currently set. Pass --project.")
    return project, iam_state(state, project)


def _account(state, email: str) -> tuple[str, dict]:
    match = re.fullmatch(r"[^@]+@(?P<project>[a-z][a-z0-9-]+)\.iam\.gserviceaccount\.com|"
                         r"(?P<number>\d+)-compute@developer\.gserviceaccount\.com", email)
    if match is None:
        raise standin.Failed(f"NOT_FOUND: Unknown service account [{email}]")
    candidates = [match["project"]] if match["project"] else [
        p for p in {*state["projects"], *standin.aliases().values()} if project_number(p) == match["number"]]
    for project in candidates:
        if project and _known(state, project):
            account = iam_state(state, project)["accounts"].get(email)
            if account is not None:
                return project, account
    raise standin.Failed(f"PERMISSION_DENIED: Permission 'iam.serviceAccountKeys.list' denied on resource "
                         f"(or it may not exist): [{email}]")


def accounts_list(state, options, args):
    project, iam = _project_option(state, options)
    rows = [{"displayName": a["displayName"], "email": email, "disabled": False,
             "name": f"projects/{project}/serviceAccounts/{email}"}
            for email, a in sorted(iam["accounts"].items())]
    fmt = standin.opt(options, "--format")
    if fmt is None:
        width = max(len(r["displayName"]) for r in rows) + 2
        print(f"{'DISPLAY NAME':<{width}}EMAIL  DISABLED")
        for r in rows:
            print(f"{r['displayName']:<{width}}{r['email']}  False")
        return
    _print(rows, fmt)


def _parse_time(value: str) -> datetime:
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise standin.Failed(f"argument --created-before: Failed to parse date/time: {value}") from exc


def keys_list(state, options, args):
    email = standin.opt(options, "--iam-account")
    if not isinstance(email, str):
        raise standin.Failed("argument --iam-account: Must be specified.")
    _, account = _account(state, email)
    managed = standin.opt(options, "--managed-by", default="any")
    if managed not in ("user", "system", "any"):
        raise standin.Failed(f"argument --managed-by: Invalid choice: '{managed}'.")
    before = standin.opt(options, "--created-before")
    cutoff = _parse_time(before) if isinstance(before, str) else None
    rows = []
    for key in account["keys"]:
        if managed != "any" and key["type"] != f"{managed.upper()}_MANAGED":
            continue
        if cutoff is not None and _parse_time(key["created"]) >= cutoff:
            continue
        rows.append({"keyAlgorithm": "KEY_ALG_RSA_2048", "keyOrigin": "GOOGLE_PROVIDED", "keyType": key["type"],
                     "name": f"projects/-/serviceAccounts/{email}/keys/{key['id']}",
                     "validAfterTime": key["created"], "validBeforeTime": NO_EXPIRY})
    fmt = standin.opt(options, "--format")
    if fmt is None:
        if not rows:
            print("Listed 0 items.", file=sys.stderr)
            return
        print(f"{'KEY_ID':<42}{'CREATED_AT':<22}EXPIRES_AT")
        for r in rows:
            print(f"{r['name'].rsplit('/', 1)[-1]:<42}{r['validAfterTime']:<22}{r['validBeforeTime']}")
        return
    _print(rows, fmt)


def keys_delete(state, options, args):
    email = standin.opt(options, "--iam-account")
    if not isinstance(email, str):
        raise standin.Failed("argument --iam-account: Must be specified.")
    _, account = _account(state, email)
    for key in account["keys"]:
        if key["id"] == args[0]:
            if key["type"] != "USER_MANAGED":
                raise standin.Failed("FAILED_PRECONDITION: System managed key cannot be deleted.")
            account["keys"].remove(key)
            standin.save_state(state)
            print(f"deleted key [{args[0]}] for service account [{email}]", file=sys.stderr)
            return
    raise standin.Failed(f"NOT_FOUND: Service account key {args[0]} does not exist.")


_MINE = {
    "projects get-iam-policy": get_iam_policy,
    "projects remove-iam-policy-binding": remove_binding,
    "iam service-accounts list": accounts_list,
    "iam service-accounts keys list": keys_list,
    "iam service-accounts keys delete": keys_delete,
}


def _free(tool: str, table: dict) -> dict:
    """Only the commands no module loaded earlier has claimed, so that two
    areas defining the same command never stop the stand-in from loading."""
    taken = getattr(standin, "HANDLERS", {}).get(tool, {})
    return {name: handler for name, handler in table.items() if name not in taken}


GCLOUD = _free("gcloud", _MINE)
