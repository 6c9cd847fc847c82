#!/usr/bin/env python3
"""Stand-ins for the cloud CLIs (firebase, gcloud, stripe) in the sandbox.

Each call is first checked against the real tool's grammar: firebase's is
dumped from the installed firebase-tools package, gcloud's and stripe's are
recorded as data from their reference docs. A command or flag the real tool
lacks is refused (exit 2) with the reason. Valid calls then act on a small
simulated cloud kept in ``$HOME/.cvplus-cloud/state.json``, so a later step
sees what an earlier one did (deploy to a preview channel, clone to live,
roll back, pin Cloud Run traffic, rotate a secret...). A valid call the
sandbox does not simulate exits 3 and says so: the writer then marks the
block ``{not-run}`` with a reason.

Output follows the shape of the real tools' messages; values come from the
simulated state.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import sys
import time
import urllib.request
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
STATE = Path(os.environ.get("HOME", "/tmp")) / ".cvplus-cloud" / "state.json"
REAL_FIREBASE = os.environ.get("CVPLUS_REAL_FIREBASE", "")
PASS_THROUGH = {"emulators:start", "emulators:exec", "emulators:export", "help"}
OK = "\u2714 "


class Refused(Exception):
    """The real tool would reject this call (exit 2)."""


class Unsimulated(Exception):
    """Valid grammar, but the sandbox does not simulate it (exit 3)."""


class Failed(Exception):
    """The simulated cloud says no (exit 1), like the real tool would."""


# -- grammar -----------------------------------------------------------------

def load_grammar(tool: str) -> dict:
    """firebase: dumped from the installed package. gcloud, stripe: the
    recorded ``<tool>.yaml`` merged with ``grammar.d/<tool>-*.yaml``."""
    if tool == "firebase":
        path = Path(os.environ.get("CVPLUS_GRAMMAR_DIR", HERE)) / "firebase.json"
        if not path.is_file():
            raise SystemExit(f"stand-in: {path} is missing; the test setup generates it from firebase-tools")
        return json.loads(path.read_text())
    grammar = yaml.safe_load((HERE / f"{tool}.yaml").read_text())
    for extra in sorted((HERE / "grammar.d").glob(f"{tool}-*.yaml")):
        more = yaml.safe_load(extra.read_text()) or {}
        for name, spec in (more.get("commands") or {}).items():
            if name in grammar["commands"]:
                raise SystemExit(f"stand-in: {extra.name} redefines '{tool} {name}'")
            grammar["commands"][name] = spec
    return grammar


def option_table(specs: list[str]) -> dict[str, str | None]:
    """Flag name -> 'required' / 'optional' value, or None for a switch."""
    table: dict[str, str | None] = {}
    for spec in specs:
        takes: str | None = None
        if "<" in spec or re.search(r"=[A-Z]", spec):
            takes = "required"
        elif "[" in spec:
            takes = "optional"
        for part in re.split(r",\s*", spec):
            name = re.split(r"[\s=]", part.strip(), maxsplit=1)[0]
            if name.startswith("-"):
                table[name] = takes
    return table


def positional_spec(usage: str, tool: str) -> tuple[int, int | None]:
    """(minimum, maximum or None for unbounded) positional arguments."""
    words = usage.split()[1:] if tool == "firebase" else usage.split()
    if tool != "firebase":
        words = [w for w in words if w not in ("gcloud", "stripe") and not re.fullmatch(r"[a-z][a-z-]*", w)]
    low, high = 0, 0
    for word in words:
        if word.endswith("...]") or word.endswith("...>") or word.endswith("..."):
            high = None
            low += 1 if word.startswith("<") else 0
            continue
        if word.startswith("[") :
            high = None if high is None else high + 1
        else:
            low += 1
            high = None if high is None else high + 1
    return low, high


def parse_call(tool: str, argv: list[str], grammar: dict) -> tuple[str, dict[str, str | bool], list[str]]:
    commands = grammar["commands"]
    globals_ = option_table(grammar.get("global", []))
    words = [a for a in argv if not a.startswith("-")]
    if tool == "firebase":
        name = next((w for w in argv if not w.startswith("-") and (w in commands or _alias(w, commands))), None)
        if name is None:
            first = words[0] if words else ""
            if not first or argv[:1] in (["--version"], ["-V"]):
                return "--version", {}, []
            raise Refused(f"'{first}' is not a command of firebase-tools {grammar['version']}")
        name = _alias(name, commands) or name
    else:
        name = ""
        for size in range(len(words), 0, -1):
            candidate = " ".join(words[:size])
            if candidate in commands and argv[:size] == words[:size]:
                name = candidate
                break
        if not name:
            raise Refused(f"'{tool} {' '.join(words[:3])}' is not a command in the recorded {tool} grammar")
    spec = commands[name]
    table = {**globals_, **option_table(spec["options"])}
    options: dict[str, str | bool] = {}
    positionals: list[str] = []
    rest = list(argv)
    consumed_name = False
    while rest:
        token = rest.pop(0)
        if token == "--":
            positionals.extend(rest)
            break
        if token.startswith("-") and token != "-":
            flag, eq, value = token.partition("=")
            if flag not in table and flag.startswith("--no-") and "--" + flag[5:] in table:
                options[flag[5:]] = False
                continue
            if flag not in table:
                raise Refused(f"unknown option '{flag}' for '{tool} {name}' (the real tool has: "
                              f"{', '.join(sorted(table)) or 'none'})")
            takes = table[flag]
            if takes is None:
                if eq:
                    raise Refused(f"option '{flag}' of '{tool} {name}' takes no value")
                options[flag] = True
            elif eq:
                options[flag] = value
            elif rest and (rest[0] == "-" or not rest[0].startswith("-")):
                options[flag] = rest.pop(0)
            elif takes == "optional":
                options[flag] = True
            else:
                raise Refused(f"option '{flag}' of '{tool} {name}' needs a value")
            continue
        if not consumed_name:
            if tool == "firebase" and (token == name or _alias(token, commands) == name):
                consumed_name = True
                continue
            if tool != "firebase" and token == name.split()[0]:
                for _ in name.split()[1:]:
                    rest.pop(0)
                consumed_name = True
                continue
        positionals.append(token)
    low, high = positional_spec(spec["usage"], tool)
    if len(positionals) < low or (high is not None and len(positionals) > high):
        raise Refused(f"'{tool} {name}' takes {low}{'' if high == low else '+' if high is None else f'-{high}'} "
                      f"argument(s) ({spec['usage']}), got {len(positionals)}")
    return name, options, positionals


def _alias(word: str, commands: dict) -> str | None:
    for name, spec in commands.items():
        if word in spec.get("aliases", []):
            return name
    return None


def opt(options: dict, *names: str, default=None):
    for name in names:
        if name in options:
            return options[name]
    return default


# -- simulated cloud -----------------------------------------------------------

def load_state() -> dict:
    if STATE.is_file():
        return json.loads(STATE.read_text())
    return {"active": {}, "projects": {}, "stripe": {}}


def save_state(state: dict) -> None:
    STATE.parent.mkdir(parents=True, exist_ok=True)
    STATE.write_text(json.dumps(state, indent=1, sort_keys=True))


def short_hash(*parts: object) -> str:
    return hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()


def project_root() -> Path | None:
    here = Path.cwd()
    for folder in (here, *here.parents):
        if (folder / "firebase.json").is_file() or (folder / ".firebaserc").is_file():
            return folder
    return None


def aliases() -> dict[str, str]:
    root = project_root()
    if root and (root / ".firebaserc").is_file():
        return json.loads((root / ".firebaserc").read_text()).get("projects", {})
    return {}


def resolve_project(state: dict, options: dict) -> str:
    chosen = opt(options, "-P", "--project")
    if isinstance(chosen, str):
        return aliases().get(chosen, chosen)
    root = str(project_root() or Path.cwd())
    if root in state["active"]:
        return state["active"][root]
    if "default" in aliases():
        return aliases()["default"]
    raise Failed("No currently active project.\nTo run this command, select a project with 'firebase use' "
                 "or pass the --project flag.")


def project_state(state: dict, project: str) -> dict:
    return state["projects"].setdefault(project, {
        "hosting": {}, "functions": {}, "secrets": {}, "deploys": [], "rules": {}, "exports": [],
        "pitr": False})


def service_name(function: str) -> str:
    return function.lower().replace("_", "-")


def function_names(root: Path) -> list[str]:
    source = root / "functions" / "index.js"
    if not source.is_file():
        return []
    return re.findall(r"^exports\.(\w+)\s*=", source.read_text(), re.M)


def firebase_json() -> tuple[Path, dict]:
    root = project_root()
    if root is None or not (root / "firebase.json").is_file():
        raise Failed("Not in a Firebase app directory (could not locate firebase.json)")
    return root, json.loads((root / "firebase.json").read_text())


# -- firebase ----------------------------------------------------------------------

def fb_use(state, options, args):
    root = str(project_root() or Path.cwd())
    if args:
        target = args[0]
        known = aliases()
        state["active"][root] = known.get(target, target)
        save_state(state)
        if target in known:
            print(f"Now using alias {target} ({known[target]})")
        else:
            print(f"Now using project {target}")
        return
    project = state["active"].get(root)
    if project is None:
        raise Failed("No active project")
    print(project)


def fb_deploy(state, options, args):
    root, config = firebase_json()
    project = resolve_project(state, options)
    only = opt(options, "--only")
    targets = only.split(",") if isinstance(only, str) else [k for k in ("firestore", "storage", "functions", "hosting") if k in config]
    known = {"hosting", "functions", "firestore", "storage", "database", "remoteconfig", "extensions", "dataconnect",
             "apphosting"}
    for target in targets:
        if target.split(":")[0] not in known:
            raise Failed(f"Invalid target '{target}' in --only")
        if target.split(":")[0] not in config:
            raise Failed(f"Could not find configuration for '{target.split(':')[0]}' in firebase.json")
    print(f"\n=== Deploying to '{project}'...\n")
    if opt(options, "--dry-run"):
        print(f"i  deploying {', '.join(t.split(':')[0] for t in targets)}")
        print(f"{OK} Dry run complete!")
        return
    proj = project_state(state, project)
    stamp = len(proj["deploys"]) + 1
    deployed = []
    for target in targets:
        kind, _, detail = target.partition(":")
        if kind == "functions":
            names = function_names(root)
            wanted = names if not detail else [n for n in detail.split(",") if n]
            for name in wanted:
                if name not in names:
                    raise Failed(f"No function matches given --only filters: functions:{name}")
                fn = proj["functions"].setdefault(name, {"revisions": [], "traffic": "latest"})
                revision = f"{service_name(name)}-{len(fn['revisions']) + 1:05d}-{short_hash(project, name, stamp)[:3]}"
                fn["revisions"].append(revision)
                print(f"{OK} functions[{name}(us-central1)] Successful {'update' if len(fn['revisions']) > 1 else 'create'} operation.")
                deployed.append(f"functions:{name}")
        elif kind == "hosting":
            site = detail or project
            host = proj["hosting"].setdefault(site, {"versions": [], "channels": {}})
            version = short_hash(project, site, stamp, time.time())[:16]
            host["versions"].append(version)
            host["channels"]["live"] = version
            print(f"{OK} hosting[{site}]: release complete")
            deployed.append(f"hosting:{site}")
        else:
            proj["rules"][target] = stamp
            print(f"{OK} {target}: released")
            deployed.append(target)
    proj["deploys"].append({"n": stamp, "targets": deployed, "message": opt(options, "-m", "--message", default="")})
    save_state(state)
    print(f"\n{OK} Deploy complete!")


def fb_channel_deploy(state, options, args):
    firebase_json()
    project = resolve_project(state, options)
    proj = project_state(state, project)
    channel = args[0] if args else "preview-" + short_hash(time.time())[:6]
    expires = opt(options, "-e", "--expires", default="7d")
    if not re.fullmatch(r"\d+[hdm]", str(expires)):
        raise Failed(f"expires should be a duration like 12h or 7d, got '{expires}'")
    site = project
    host = proj["hosting"].setdefault(site, {"versions": [], "channels": {}})
    version = short_hash(project, channel, len(host["versions"]), time.time())[:16]
    host["versions"].append(version)
    new = channel not in host["channels"]
    host["channels"][channel] = version
    save_state(state)
    if new:
        print(f"{OK} hosting:channel: Channel {channel} has been created on site {site}.")
    url = f"https://{site}--{channel}-{short_hash(site, channel)[:8]}.web.app"
    print(f"{OK} hosting:channel: Channel URL ({site}): {url} [expires in {expires}]")


def fb_channel_list(state, options, args):
    project = resolve_project(state, options)
    host = project_state(state, project)["hosting"].get(project, {"channels": {}})
    print("Channel ID\tURL")
    for channel in sorted(host["channels"]):
        host_name = project if channel == "live" else f"{project}--{channel}-{short_hash(project, channel)[:8]}"
        print(f"{channel}\thttps://{host_name}.web.app")


def fb_clone(state, options, args):
    source, target = args
    src_site, src_sep, src_ref = re.split(r"([:@])", source, maxsplit=1) if re.search(r"[:@]", source) else (source, "", "")
    tgt_site, _, tgt_channel = target.partition(":")
    if not src_sep or not tgt_channel:
        raise Failed("source must be SITE:CHANNEL or SITE@VERSION and target SITE:CHANNEL")
    for project, proj in state["projects"].items():
        if src_site in proj["hosting"]:
            host = proj["hosting"][src_site]
            break
    else:
        raise Failed(f"could not find site {src_site}")
    if src_sep == ":":
        if src_ref not in host["channels"]:
            raise Failed(f"could not find channel {src_ref} in site {src_site}")
        version = host["channels"][src_ref]
    else:
        if src_ref not in host["versions"]:
            raise Failed(f"could not find version {src_ref} in site {src_site}")
        version = src_ref
    if tgt_site != src_site:
        raise Failed("the sandbox simulates cloning within one site only")
    if host["channels"].get(tgt_channel) == version:
        print(f"{OK} Channels {src_ref} and {tgt_channel} are serving identical versions. No need to clone.")
        return
    host["channels"][tgt_channel] = version
    save_state(state)
    kind = "channel" if src_sep == ":" else "version"
    print(f"{OK} Site {src_site} {kind} {src_ref} has been cloned to site {tgt_site} channel {tgt_channel}.")


def fb_secret_set(state, options, args):
    project = resolve_project(state, options)
    key = args[0]
    data_file = opt(options, "--data-file")
    if data_file in (None, True):
        raise Unsimulated("interactive secret prompt; pass --data-file <path> or --data-file -")
    value = sys.stdin.read() if data_file == "-" else Path(data_file).read_text()
    versions = project_state(state, project)["secrets"].setdefault(key, [])
    versions.append({"value": value.rstrip("\n"), "state": "ENABLED"})
    save_state(state)
    print(f"{OK} Created a new secret version projects/{project}/secrets/{key}/versions/{len(versions)}")


def _secret_version(state, options, ref) -> tuple[list, int]:
    project = resolve_project(state, options)
    key, _, version = ref.partition("@")
    versions = project_state(state, project)["secrets"].get(key)
    if not versions:
        raise Failed(f"Secret {key} not found in project {project}")
    index = int(version) if version and version != "latest" else max(
        (i + 1 for i, v in enumerate(versions) if v["state"] == "ENABLED"), default=0)
    if not 0 < index <= len(versions):
        raise Failed(f"Secret {key} has no version {version}")
    return versions, index


def fb_secret_access(state, options, args):
    versions, index = _secret_version(state, options, args[0])
    if versions[index - 1]["state"] != "ENABLED":
        raise Failed(f"version {index} is {versions[index - 1]['state']}")
    print(versions[index - 1]["value"])


def fb_secret_destroy(state, options, args):
    versions, index = _secret_version(state, options, args[0])
    versions[index - 1]["state"] = "DESTROYED"
    save_state(state)
    print(f"{OK} Destroyed secret version {args[0].partition('@')[0]}@{index}")


def fb_secret_get(state, options, args):
    project = resolve_project(state, options)
    versions = project_state(state, project)["secrets"].get(args[0])
    if not versions:
        raise Failed(f"Secret {args[0]} not found in project {project}")
    print("Version\tState")
    for number, version in enumerate(versions, 1):
        print(f"{number}\t{version['state']}")


def fb_functions_list(state, options, args):
    project = resolve_project(state, options)
    functions = project_state(state, project)["functions"]
    print("Function\tRegion\tRevisions")
    for name, fn in sorted(functions.items()):
        print(f"{name}\tus-central1\t{len(fn['revisions'])}")


def fb_login_list(state, options, args):
    print("Logged in as sandbox-operator@example.com")


def sandbox_report(argv: list[str]) -> int:
    """``sandbox-cloud hosting-version SITE CHANNEL``: test scaffolding only.

    Real Firebase shows version IDs in the console's release history, not in
    the CLI; hidden setup and checks read them from the simulated cloud.
    """
    state = load_state()
    if argv[:1] == ["hosting-version"] and len(argv) == 3:
        for proj in state["projects"].values():
            if argv[1] in proj["hosting"]:
                print(proj["hosting"][argv[1]]["channels"].get(argv[2], ""))
                return 0
        return 1
    print("usage: sandbox-cloud hosting-version SITE CHANNEL", file=sys.stderr)
    return 2


def fb_version(state, options, args):
    print(load_grammar("firebase")["version"])


FIREBASE = {
    "--version": fb_version, "use": fb_use, "deploy": fb_deploy,
    "hosting:channel:deploy": fb_channel_deploy, "hosting:channel:list": fb_channel_list,
    "hosting:clone": fb_clone, "functions:secrets:set": fb_secret_set,
    "functions:secrets:access": fb_secret_access, "functions:secrets:destroy": fb_secret_destroy,
    "functions:secrets:get": fb_secret_get, "functions:list": fb_functions_list, "login:list": fb_login_list,
}


# -- gcloud ------------------------------------------------------------------------

def gc_project(state, options) -> dict:
    project = opt(options, "--project")
    if not isinstance(project, str):
        raise Failed("The required property [project] is not currently set. Pass --project.")
    if project not in state["projects"]:
        raise Failed(f"[{project}] not found or permission denied")
    return state["projects"][project]


def _service(proj, service) -> dict:
    for name, fn in proj["functions"].items():
        if service_name(name) == service:
            return fn
    raise Failed(f"Cannot find service [{service}]")


def gc_revisions_list(state, options, args):
    proj = gc_project(state, options)
    service = opt(options, "--service")
    names = [service] if isinstance(service, str) else [service_name(n) for n in proj["functions"]]
    fmt = opt(options, "--format", default="")
    for name in names:
        fn = _service(proj, name)
        for revision in reversed(fn["revisions"]):
            if fmt.startswith("value("):
                print(revision)
            else:
                serving = "yes" if _serving(fn) == revision else ""
                print(f"{revision}\t{name}\t{serving}")


def _serving(fn) -> str:
    return fn["revisions"][-1] if fn["traffic"] == "latest" else fn["traffic"]


def gc_update_traffic(state, options, args):
    proj = gc_project(state, options)
    fn = _service(proj, args[0])
    if opt(options, "--to-latest"):
        fn["traffic"] = "latest"
    else:
        spec = opt(options, "--to-revisions")
        if not isinstance(spec, str):
            raise Failed("one of --to-revisions, --to-latest or --to-tags is required")
        revision, _, percent = spec.rpartition("=")
        if percent != "100":
            raise Unsimulated("split traffic (only 100 % to one revision is simulated)")
        if revision not in fn["revisions"]:
            raise Failed(f"Revision [{revision}] not found")
        fn["traffic"] = revision
    save_state(state)
    print("Traffic:")
    print(f"  100% {_serving(fn)}{' (LATEST)' if fn['traffic'] == 'latest' else ''}")


def gc_services_describe(state, options, args):
    proj = gc_project(state, options)
    fn = _service(proj, args[0])
    print(f"Service {args[0]} in region {opt(options, '--region', default='us-central1')}")
    print(f"Traffic: 100% {_serving(fn)}{' (LATEST)' if fn['traffic'] == 'latest' else ' (pinned)'}")


def gc_firestore_export(state, options, args):
    proj = gc_project(state, options)
    prefix = args[0]
    if not prefix.startswith("gs://"):
        raise Failed("OUTPUT_URI_PREFIX must start with gs://")
    proj["exports"].append(prefix.rstrip("/"))
    save_state(state)
    print(f"outputUriPrefix: {prefix.rstrip('/')}")


def gc_firestore_import(state, options, args):
    proj = gc_project(state, options)
    if args[0].rstrip("/") not in proj["exports"]:
        raise Failed(f"NOT_FOUND: no export at {args[0]}")
    print(f"inputUriPrefix: {args[0].rstrip('/')}")


def gc_databases_update(state, options, args):
    proj = gc_project(state, options)
    if opt(options, "--enable-pitr"):
        proj["pitr"] = True
    if "enable-pitr" in options:  # --no-enable-pitr
        proj["pitr"] = False
    save_state(state)
    print(f"pointInTimeRecoveryEnablement: POINT_IN_TIME_RECOVERY_{'ENABLED' if proj['pitr'] else 'DISABLED'}")


def gc_databases_describe(state, options, args):
    proj = gc_project(state, options)
    print(f"name: projects/{opt(options, '--project')}/databases/{opt(options, '--database', default='(default)')}")
    print(f"pointInTimeRecoveryEnablement: POINT_IN_TIME_RECOVERY_{'ENABLED' if proj['pitr'] else 'DISABLED'}")


def gc_logging_read(state, options, args):
    gc_project(state, options)
    print("[]" if opt(options, "--format") == "json" else "")


GCLOUD = {
    "run revisions list": gc_revisions_list, "run services update-traffic": gc_update_traffic,
    "run services describe": gc_services_describe, "firestore export": gc_firestore_export,
    "firestore import": gc_firestore_import, "firestore databases update": gc_databases_update,
    "firestore databases describe": gc_databases_describe, "logging read": gc_logging_read,
}


# -- stripe -----------------------------------------------------------------------

def _stripe_secret(state) -> str:
    stripe = state.setdefault("stripe", {})
    if "secret" not in stripe:
        # obviously not a live key: the secret scan must not flag it
        stripe["secret"] = "whsec_sandbox_" + short_hash(STATE)[:12]
        save_state(state)
    return stripe["secret"]


def st_listen(state, options, args):
    secret = _stripe_secret(state)
    if opt(options, "--print-secret"):
        print(secret)
        return
    target = opt(options, "--forward-to", "-f")
    if not isinstance(target, str):
        raise Failed("stand-in: pass --forward-to URL")
    state["stripe"]["forward_to"] = target if "://" in target else "http://" + target
    save_state(state)
    print(f"> Ready! Your webhook signing secret is {secret}", flush=True)
    while True:  # like the real CLI: forwards until interrupted
        time.sleep(3600)


def st_trigger(state, options, args):
    event_type = args[0]
    target = state.get("stripe", {}).get("forward_to")
    if not target:
        raise Failed("stand-in: no 'stripe listen --forward-to' is running in this session")
    stamp = int(time.time())
    event = {"id": "evt_sandbox_" + short_hash(stamp, event_type)[:12], "object": "event", "type": event_type,
             "api_version": "2024-06-20", "created": stamp, "livemode": False,
             "data": {"object": {"id": "obj_sandbox_" + short_hash(event_type)[:10], "object": event_type.split(".")[0]}}}
    body = json.dumps(event).encode()
    signature = hmac.new(_stripe_secret(state).encode(), f"{stamp}.".encode() + body, hashlib.sha256).hexdigest()
    request = urllib.request.Request(target, data=body, method="POST", headers={
        "Content-Type": "application/json", "Stripe-Signature": f"t={stamp},v1={signature}"})
    print(f"Setting up fixture for: {event_type}")
    with urllib.request.urlopen(request, timeout=30) as response:
        print(f"--> {event_type} [{event['id']}] <-- [{response.status}]")
    print("Trigger succeeded! Check dashboard for event details.")


STRIPE = {"listen": st_listen, "trigger": st_trigger}
HANDLERS = {"firebase": FIREBASE, "gcloud": GCLOUD, "stripe": STRIPE}


def load_behaviours() -> None:
    """Add the handlers of ``behaviours/*.py``: each module may define
    FIREBASE, GCLOUD and STRIPE dicts of command -> handler(state, options,
    args), using the helpers of this module (imported as ``standin``)."""
    import importlib.util

    sys.modules.setdefault("standin", sys.modules[__name__])
    for path in sorted((HERE / "behaviours").glob("*.py")):
        spec = importlib.util.spec_from_file_location(f"standin_behaviours_{path.stem}", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        for tool, table in (("firebase", "FIREBASE"), ("gcloud", "GCLOUD"), ("stripe", "STRIPE")):
            for name, handler in getattr(module, table, {}).items():
                if name in HANDLERS[tool]:
                    raise SystemExit(f"stand-in: behaviours/{path.name} redefines '{tool} {name}'")
                HANDLERS[tool][name] = handler


def main(tool: str, argv: list[str]) -> int:
    if tool == "gcloud" and os.environ.get("CVPLUS_REAL_GCLOUD"):
        import real_gcloud  # the developer's own gcloud, against the same simulation
        real_gcloud.exec_real(argv)
    load_behaviours()
    grammar = load_grammar(tool)
    try:
        name, options, args = parse_call(tool, argv, grammar)
        if tool == "firebase" and name in PASS_THROUGH:
            if not REAL_FIREBASE:
                raise Unsimulated("the real firebase-tools is not on this sandbox")
            os.execv(REAL_FIREBASE, [REAL_FIREBASE, *argv])
        if tool == "gcloud" and os.environ.get("CVPLUS_CLOUDSIM_ENDPOINTS"):
            import gcloud_rest  # the REST client of the simulated Google APIs
            if name in gcloud_rest.load_table():
                return gcloud_rest.run(name, options, args)
        handler = HANDLERS[tool].get(name)
        if handler is None:
            raise Unsimulated(f"'{tool} {name}'")
        handler(load_state(), options, args)
        return 0
    except Refused as exc:
        print(f"stand-in {tool}: REFUSED: {exc}", file=sys.stderr)
        return 2
    except Unsimulated as exc:
        print(f"stand-in {tool}: {exc} is valid grammar but not simulated in the sandbox; "
              "mark the block {not-run} with a reason", file=sys.stderr)
        return 3
    except Failed as exc:
        print(f"Error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    if sys.argv[1] == "sandbox-cloud":
        sys.exit(sandbox_report(sys.argv[2:]))
    sys.exit(main(sys.argv[1], sys.argv[2:]))
