"""Stand-in behaviours for the release and operations pages.

Master deployment guide, technical operations manual, dashboards and the
configuration templates (source/reference/config/). Each handler acts on the
simulated cloud of ``standin`` and prints what the real tool prints, in
shape; where the sandbox cannot know something (real log lines, real index
builds) it says so in the docstring.

firebase: firestore:indexes, functions:log, functions:secrets:prune,
          hosting:channel:delete
gcloud:   alpha monitoring policies create/list/update, monitoring uptime create/list-configs,
          billing accounts list,
          billing budgets create/list, firestore backups schedules create/list

The release pages also use the runbooks module's ``functions describe``,
``scheduler jobs *``, ``firestore databases clone/restore`` and ``firestore
backups list``. New gcloud commands are recorded in
../grammar.d/gcloud-release.yaml.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import yaml

import standin
from standin import Failed, gc_project, opt, project_state, resolve_project, save_state

OK = standin.OK
def _area(proj: dict) -> dict:
    """This module's part of a simulated project."""
    return proj.setdefault("release", {"policies": [], "schedules": []})


def _project_id(options: dict) -> str:
    return str(opt(options, "--project"))


def _argv_values(flag: str) -> list[str]:
    """Every value of a repeatable flag (the core parser keeps only the last)."""
    values: list[str] = []
    argv = sys.argv[2:]
    for index, token in enumerate(argv):
        if token == flag and index + 1 < len(argv):
            values.append(argv[index + 1])
        elif token.startswith(flag + "="):
            values.append(token.split("=", 1)[1])
    return values


def _format_value(fmt, record: dict) -> str | None:
    """``--format='value(a.b,c.basename())'``: tab-separated fields; None for
    any other format."""
    match = re.fullmatch(r"value\((.*)\)", str(fmt or ""))
    if not match:
        return None
    fields = []
    for path in [p.strip() for p in match.group(1).split(",") if p.strip()]:
        basename = path.endswith(".basename()")
        value = record
        for part in path.removesuffix(".basename()").split("."):
            value = value.get(part, "") if isinstance(value, dict) else ""
        text = "" if value is None else str(value).lower() if isinstance(value, bool) else str(value)
        fields.append(text.rsplit("/", 1)[-1] if basename else text)
    return "\t".join(fields)


def _filter_matches(expression, record: dict) -> bool:
    """The simple filters the pages use: ``field="value"`` joined by AND."""
    if not isinstance(expression, str) or not expression.strip():
        return True
    for clause in re.split(r"\s+AND\s+", expression.strip()):
        match = re.fullmatch(r"([\w.]+)\s*(=|:)\s*\"?(.*?)\"?", clause.strip())
        if not match:
            raise Failed(f"the sandbox understands only field=\"value\" filters, got: {clause}")
        field, op, wanted = match.groups()
        value = record
        for part in field.split("."):
            value = value.get(part, "") if isinstance(value, dict) else ""
        text = str(value).lower() if isinstance(value, bool) else str(value)
        if op == "=" and text != wanted or op == ":" and wanted not in text:
            return False
    return True


def _free(tool: str, table: dict) -> dict:
    """Commands a module loaded earlier already defines stay with it."""
    taken = standin.HANDLERS.get(tool, {})
    return {name: handler for name, handler in table.items() if name not in taken}


# -- firebase ----------------------------------------------------------------------

def fb_firestore_indexes(state, options, args):
    """Prints the deployed index spec. The sandbox records only *that* rules
    and indexes were deployed, so it prints the checkout's
    ``firestore.indexes.json`` once Firestore has been deployed to the
    project, and an empty spec before."""
    root, config = standin.firebase_json()
    project = resolve_project(state, options)
    proj = project_state(state, project)
    deployed = any(target in ("firestore", "firestore:indexes") for target in proj["rules"])
    spec = {"indexes": [], "fieldOverrides": []}
    path = root / config.get("firestore", {}).get("indexes", "firestore.indexes.json")
    if deployed and path.is_file():
        spec = json.loads(path.read_text(encoding="utf-8"))
    print(json.dumps(spec, indent=2 if opt(options, "--pretty") else None))


def fb_functions_log(state, options, args):
    """The sandbox has no log entries; it checks the project and names."""
    project = resolve_project(state, options)
    proj = project_state(state, project)
    only = opt(options, "--only")
    for name in (only.split(",") if isinstance(only, str) else []):
        if name not in proj["functions"]:
            raise Failed(f"No function named {name} is deployed to {project}")
    lines = opt(options, "-n", "--lines", default="35")
    if not str(lines).isdigit():
        raise Failed(f"--lines must be a number, got '{lines}'")


def fb_secrets_prune(state, options, args):
    """As firebase-tools' functions-secrets-prune: project-wide, every
    version that is not destroyed and that no deployed function is bound to
    is "unused", the newest version included. Without a terminal the CLI's
    confirmation takes its default (yes), so it destroys without --force
    too (prompt.js guard(); command.js sets nonInteractive when stdin is not
    a TTY)."""
    project = resolve_project(state, options)
    proj = project_state(state, project)
    bound = {(key, number) for fn in proj["functions"].values() for key, number in fn.get("secrets", {}).items()}
    print("i  Loading secrets...")
    unused = [(key, number) for key, versions in sorted(proj["secrets"].items())
              for number, version in enumerate(versions, 1)
              if version["state"] != "DESTROYED" and (key, number) not in bound]
    if not unused:
        print("i  All secrets are in use. Nothing to prune today.")
        return
    print(f"i  Found {len(unused)} unused active secret versions:\n\t"
          + "\n\t".join(f"{key}@{number}" for key, number in unused))
    if not (opt(options, "-f", "--force") or not sys.stdin.isatty()):
        raise standin.Unsimulated("the interactive confirmation of functions:secrets:prune")
    for key, number in unused:
        proj["secrets"][key][number - 1]["state"] = "DESTROYED"
    save_state(state)
    print(f"{OK} Destroyed all unused secrets!")


def fb_channel_delete(state, options, args):
    project = resolve_project(state, options)
    site = opt(options, "--site", default=standin.site_of(project))
    host = project_state(state, project)["hosting"].get(site, {"channels": {}})
    channel = args[0]
    if channel == "live":
        raise Failed("the live channel cannot be deleted")
    if channel not in host["channels"]:
        raise Failed(f"could not find channel {channel} in site {site}")
    if not opt(options, "-f", "--force"):
        raise standin.Unsimulated("the confirmation prompt of hosting:channel:delete; pass --force")
    del host["channels"][channel]
    save_state(state)
    print(f"{OK} Successfully deleted channel {channel}.")


FIREBASE = _free("firebase", {
    "firestore:indexes": fb_firestore_indexes,
    "functions:log": fb_functions_log,
    "functions:secrets:prune": fb_secrets_prune,
    "hosting:channel:delete": fb_channel_delete,
})


# -- gcloud: monitoring ---------------------------------------------------------------

_CONDITION_KINDS = {"conditionThreshold", "conditionAbsent", "conditionMatchedLog",
                    "conditionMonitoringQueryLanguage", "conditionPrometheusQueryLanguage", "conditionSql"}
_POLICY_FIELDS = {"displayName", "documentation", "userLabels", "conditions", "combiner", "enabled",
                  "validity", "notificationChannels", "alertStrategy", "severity"}
_DURATION = re.compile(r"^\d+(\.\d+)?s$")


def validate_policy(policy) -> list[str]:
    """What the Monitoring API would reject in an AlertPolicy (a subset of
    its rules: fields, condition kinds, durations, PromQL brackets)."""
    problems = []
    if not isinstance(policy, dict):
        return ["the file does not hold an AlertPolicy object"]
    for field in sorted(set(policy) - _POLICY_FIELDS):
        problems.append(f"Invalid JSON payload received. Unknown name \"{field}\"")
    if not policy.get("displayName"):
        problems.append("displayName is required")
    if policy.get("combiner", "OR") not in ("AND", "OR", "AND_WITH_MATCHING_RESOURCE"):
        problems.append(f"combiner must be AND, OR or AND_WITH_MATCHING_RESOURCE, not {policy.get('combiner')}")
    if policy.get("severity", "ERROR") not in ("CRITICAL", "ERROR", "WARNING"):
        problems.append(f"severity must be CRITICAL, ERROR or WARNING, not {policy.get('severity')}")
    conditions = policy.get("conditions")
    if not isinstance(conditions, list) or not conditions:
        problems.append("at least one condition is required")
        conditions = []
    for index, condition in enumerate(conditions):
        kinds = sorted(_CONDITION_KINDS & set(condition or {}))
        if len(kinds) != 1:
            problems.append(f"condition {index}: exactly one condition type is required, found {kinds or 'none'}")
            continue
        if not condition.get("displayName"):
            problems.append(f"condition {index}: displayName is required")
        body = condition[kinds[0]] or {}
        for key in ("duration", "evaluationInterval"):
            if key in body and not _DURATION.match(str(body[key])):
                problems.append(f"condition {index}: {key} must be a duration such as 300s, not {body[key]}")
        if kinds[0] == "conditionPrometheusQueryLanguage":
            query = str(body.get("query", ""))
            if not query.strip():
                problems.append(f"condition {index}: query is required")
            for open_, close in ("()", "[]", "{}"):
                if query.count(open_) != query.count(close):
                    problems.append(f"condition {index}: unbalanced '{open_}{close}' in the PromQL query")
    documentation = policy.get("documentation") or {}
    if documentation and documentation.get("mimeType", "text/markdown") != "text/markdown":
        problems.append("documentation.mimeType must be text/markdown")
    for key in ("autoClose",):
        value = (policy.get("alertStrategy") or {}).get(key)
        if value is not None and not _DURATION.match(str(value)):
            problems.append(f"alertStrategy.{key} must be a duration such as 1800s")
    return problems


def gc_policies_create(state, options, args):
    proj = gc_project(state, options)
    path = opt(options, "--policy-from-file")
    if not isinstance(path, str):
        raise Failed("--policy-from-file is required by the sandbox (flags-only policies are not simulated)")
    try:
        policy = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise Failed(f"Unable to read file [{path}]") from None
    except yaml.YAMLError as exc:
        raise Failed(f"Failed to parse YAML from [{path}]: {exc}") from None
    problems = validate_policy(policy)
    if problems:
        raise Failed("INVALID_ARGUMENT: " + "; ".join(problems))
    area = _area(proj)
    number = 1000 + len(area["policies"]) + 1
    name = f"projects/{_project_id(options)}/alertPolicies/{number}"
    area["policies"].append({**policy, "name": name, "enabled": policy.get("enabled", True),
                             "notificationChannels": policy.get("notificationChannels", [])})
    save_state(state)
    print(f"Created alert policy [{name}].")


def gc_policies_list(state, options, args):
    proj = gc_project(state, options)
    shown = [p for p in _area(proj)["policies"] if _filter_matches(opt(options, "--filter"), p)]
    for policy in shown:
        value = _format_value(opt(options, "--format"), policy)
        if value is not None:
            print(value)
        else:
            print(f"---\ndisplayName: {policy['displayName']}\nenabled: {str(policy['enabled']).lower()}\n"
                  f"name: {policy['name']}")


def gc_policies_update(state, options, args):
    proj = gc_project(state, options)
    name = args[0]
    if "/" not in name:
        name = f"projects/{_project_id(options)}/alertPolicies/{name}"
    policy = next((p for p in _area(proj)["policies"] if p["name"] == name), None)
    if policy is None:
        raise Failed(f"NOT_FOUND: alert policy [{name}] does not exist")
    channel_pattern = re.compile(r"^projects/[^/]+/notificationChannels/\d+$")
    for channel in _argv_values("--add-notification-channels"):
        for item in channel.split(","):
            if not channel_pattern.match(item):
                raise Failed(f"INVALID_ARGUMENT: '{item}' is not projects/PROJECT/notificationChannels/ID")
            if item not in policy["notificationChannels"]:
                policy["notificationChannels"].append(item)
    if options.get("--enabled"):
        policy["enabled"] = True
    if options.get("enabled") is False:  # --no-enabled
        policy["enabled"] = False
    save_state(state)
    print(f"Updated alert policy [{name}].")


# -- gcloud: billing ------------------------------------------------------------------

SANDBOX_BILLING_ACCOUNT = "0A1B2C-3D4E5F-6A7B8C"
_ACCOUNT = re.compile(r"^(billingAccounts/)?[0-9A-F]{6}-[0-9A-F]{6}-[0-9A-F]{6}$")


def gc_billing_accounts_list(state, options, args):
    record = {"name": f"billingAccounts/{SANDBOX_BILLING_ACCOUNT}", "displayName": "CVPlus (sandbox)", "open": True}
    if not _filter_matches(opt(options, "--filter"), record):
        return
    value = _format_value(opt(options, "--format"), record)
    if value is not None:
        print(value)
        return
    print("ACCOUNT_ID            NAME              OPEN   MASTER_ACCOUNT_ID")
    print(f"{SANDBOX_BILLING_ACCOUNT}  CVPlus (sandbox)  True")


def _billing(state) -> list:
    return state.setdefault("release_billing", {}).setdefault("budgets", [])


def gc_budgets_create(state, options, args):
    account = str(opt(options, "--billing-account", default=""))
    if not _ACCOUNT.match(account):
        raise Failed(f"INVALID_ARGUMENT: billing account '{account}' is not of the form XXXXXX-XXXXXX-XXXXXX")
    account = account.rsplit("/", 1)[-1]
    if account != SANDBOX_BILLING_ACCOUNT:
        raise Failed(f"PERMISSION_DENIED: billing account {account} not found or not accessible")
    amount = str(opt(options, "--budget-amount", default=""))
    if not re.fullmatch(r"\d+(\.\d+)?[A-Z]{3}", amount):
        raise Failed(f"--budget-amount must look like 100.75USD, got '{amount}'")
    rules = []
    for rule in _argv_values("--threshold-rule"):
        parts = dict(item.split("=", 1) for item in rule.split(",") if "=" in item)
        percent = parts.get("percent", "")
        if not re.fullmatch(r"\d+(\.\d+)?", percent) or float(percent) <= 0:
            raise Failed(f"--threshold-rule percent must be a positive fraction (0.8 means 80 %), got '{percent}'")
        if float(percent) > 10:
            raise Failed(f"--threshold-rule percent={percent}: a fraction is expected (0.8 means 80 %)")
        basis = parts.get("basis", "current-spend")
        if basis not in ("current-spend", "forecasted-spend"):
            raise Failed(f"--threshold-rule basis must be current-spend or forecasted-spend, got '{basis}'")
        rules.append({"thresholdPercent": float(percent), "spendBasis": basis.upper().replace("-", "_")})
    budgets = _billing(state)
    name = f"billingAccounts/{account}/budgets/sandbox-budget-{len(budgets) + 1}"
    budgets.append({"name": name, "displayName": opt(options, "--display-name", default=""),
                    "amount": amount, "thresholdRules": rules})
    save_state(state)
    print(f"Created budget [{name}].")


def gc_budgets_list(state, options, args):
    account = str(opt(options, "--billing-account", default="")).rsplit("/", 1)[-1]
    for budget in _billing(state):
        if budget["name"].split("/")[1] != account:
            continue
        value = _format_value(opt(options, "--format"), budget)
        if value is not None:
            print(value)
            continue
        print(f"---\ndisplayName: {budget['displayName']}\namount: {budget['amount']}\nthresholdRules:")
        for rule in budget["thresholdRules"]:
            print(f"- spendBasis: {rule['spendBasis']}\n  thresholdPercent: {rule['thresholdPercent']}")


# -- gcloud: Firestore backups, restores and clones ------------------------------------

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def _seconds(duration: str) -> int:
    match = re.fullmatch(r"(\d+)([smhdw])", duration or "")
    if not match:
        raise Failed(f"INVALID_ARGUMENT: retention must be a duration such as 7d or 14w, got '{duration}'")
    return int(match.group(1)) * _UNITS[match.group(2)]


def _database(options) -> str:
    return str(opt(options, "--database", default="(default)"))


def gc_schedules_create(state, options, args):
    proj = gc_project(state, options)
    recurrence = str(opt(options, "--recurrence", default="")).lower()
    retention = _seconds(str(opt(options, "--retention", default="")))
    day = opt(options, "--day-of-week")
    if recurrence not in ("daily", "weekly"):
        raise Failed("INVALID_ARGUMENT: --recurrence must be daily or weekly")
    if recurrence == "weekly" and not day:
        raise Failed("INVALID_ARGUMENT: a weekly schedule needs --day-of-week")
    if recurrence == "daily" and day:
        raise Failed("INVALID_ARGUMENT: --day-of-week applies to weekly schedules only")
    limit = 7 * 86400 if recurrence == "daily" else 14 * 604800
    if retention > limit:
        raise Failed(f"INVALID_ARGUMENT: retention of a {recurrence} schedule is at most "
                     f"{'7 days' if recurrence == 'daily' else '14 weeks'}")
    days = {"MON": "MONDAY", "TUE": "TUESDAY", "WED": "WEDNESDAY", "THU": "THURSDAY", "FRI": "FRIDAY",
            "SAT": "SATURDAY", "SUN": "SUNDAY"}
    if day and str(day).upper()[:3] not in days:
        raise Failed(f"INVALID_ARGUMENT: --day-of-week must be one of {', '.join(days)}")
    area = _area(proj)
    database = _database(options)
    if any(s["database"] == database and s["recurrence"] == recurrence for s in area["schedules"]):
        raise Failed(f"ALREADY_EXISTS: database {database} already has a {recurrence} backup schedule")
    project = _project_id(options)
    schedule_id = f"sandbox-{recurrence}-{len(area['schedules']) + 1}"
    record = {"name": f"projects/{project}/databases/{database}/backupSchedules/{schedule_id}",
              "database": database, "recurrence": recurrence, "retention": f"{retention}s"}
    if day:
        record["weeklyRecurrence"] = {"day": days[str(day).upper()[:3]]}
    else:
        record["dailyRecurrence"] = {}
    area["schedules"].append(record)
    save_state(state)
    _print_schedule(record)


def _print_schedule(record: dict) -> None:
    shown = {k: v for k, v in record.items() if k not in ("database", "recurrence")}
    print(yaml.safe_dump(shown, sort_keys=True).rstrip())


def gc_schedules_list(state, options, args):
    proj = gc_project(state, options)
    database = _database(options)
    for record in _area(proj)["schedules"]:
        if record["database"] == database:
            print("---")
            _print_schedule(record)


_UPTIME_PERIODS = {"1": "60s", "5": "300s", "10": "600s", "15": "900s"}
_STATUS_CLASSES = {"1xx", "2xx", "3xx", "4xx", "5xx", "any"}


def _pairs(text) -> dict:
    """KEY=VALUE,... as gcloud's dict flags take them."""
    pairs = {}
    for item in [i for i in str(text or "").split(",") if i]:
        if "=" not in item:
            raise Failed(f"Bad syntax for dict arg: [{item}]")
        key, value = item.split("=", 1)
        pairs[key] = value
    return pairs


def gc_uptime_create(state, options, args):
    """An UptimeCheckConfig built from the flags, as gcloud builds it: the
    uptime-url resource needs host and project_id, the period is in minutes
    (1, 5, 10 or 15), the timeout 1 to 60 seconds."""
    proj = gc_project(state, options)
    if len(args) != 1:
        raise Failed("argument DISPLAY_NAME: Must be specified.")
    resource_type = opt(options, "--resource-type")
    labels = _pairs(opt(options, "--resource-labels"))
    if resource_type != "uptime-url" or set(labels) != {"host", "project_id"}:
        raise Failed("the sandbox simulates uptime-url checks only, with --resource-labels=host=...,project_id=...")
    period = str(opt(options, "--period", default="1"))
    if period not in _UPTIME_PERIODS:
        raise Failed(f"argument --period: Invalid choice: '{period}'.")
    timeout = int(opt(options, "--timeout", default=60))
    if not 1 <= timeout <= 60:
        raise Failed("INVALID_ARGUMENT: timeout must be between 1 and 60 seconds")
    classes = [c for c in str(opt(options, "--status-classes", default="2xx")).split(",") if c]
    if set(classes) - _STATUS_CLASSES:
        raise Failed(f"argument --status-classes: Invalid choice: '{sorted(set(classes) - _STATUS_CLASSES)[0]}'.")
    protocol = str(opt(options, "--protocol", default="http"))
    check = {"displayName": args[0],
             "monitoredResource": {"type": "uptime_url", "labels": labels},
             "httpCheck": {"path": opt(options, "--path", default="/"), "useSsl": protocol == "https",
                           "port": int(opt(options, "--port", default=443 if protocol == "https" else 80)),
                           "requestMethod": str(opt(options, "--request-method", default="get")).upper(),
                           "validateSsl": str(opt(options, "--validate-ssl", default="false")).lower() == "true",
                           "acceptedResponseStatusCodes": [{"statusClass": f"STATUS_CLASS_{c.upper()}"} for c in classes]},
             "period": _UPTIME_PERIODS[period], "timeout": f"{timeout}s",
             "userLabels": _pairs(opt(options, "--user-labels"))}
    if opt(options, "--matcher-content") is not None:
        check["contentMatchers"] = [{"content": opt(options, "--matcher-content"),
                                     "matcher": str(opt(options, "--matcher-type", default="contains-string"))
                                     .upper().replace("-", "_")}]
    area = _area(proj)
    uptime = area.setdefault("uptime", [])
    check["name"] = f"projects/{_project_id(options)}/uptimeCheckConfigs/sandbox-{len(uptime) + 1:04d}"
    uptime.append(check)
    save_state(state)
    print(f"Created uptime [{check['name']}].", file=sys.stderr)


def gc_uptime_list(state, options, args):
    proj = gc_project(state, options)
    for check in _area(proj).get("uptime", []):
        if not _filter_matches(opt(options, "--filter"), check):
            continue
        value = _format_value(opt(options, "--format"), check)
        print(value if value is not None else yaml.safe_dump(check, sort_keys=True).rstrip())


_MINE = {
    "alpha monitoring policies create": gc_policies_create,
    "alpha monitoring policies list": gc_policies_list,
    "alpha monitoring policies update": gc_policies_update,
    "monitoring uptime create": gc_uptime_create,
    "monitoring uptime list-configs": gc_uptime_list,
    "billing accounts list": gc_billing_accounts_list,
    "billing budgets create": gc_budgets_create,
    "billing budgets list": gc_budgets_list,
    "firestore backups schedules create": gc_schedules_create,
    "firestore backups schedules list": gc_schedules_list,
}


GCLOUD = _free("gcloud", _MINE)
