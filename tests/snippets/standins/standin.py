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
import subprocess
import sys
import time
import urllib.error
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


def configstore_project() -> str | None:
    """The real CLI's active project: configstore ``activeProjects``, the
    nearest folder up from the working directory (lib/command.js
    configstoreProject)."""
    store = Path(os.environ.get("HOME", "/")) / ".config" / "configstore" / "firebase-tools.json"
    if not store.is_file():
        return None
    active = json.loads(store.read_text()).get("activeProjects") or {}
    for folder in (Path.cwd(), *Path.cwd().parents):
        if str(folder) in active:
            return active[str(folder)]
    return None


def refuse_trap(project: str | None) -> None:
    """The sandbox's default project (world.TRAP_PROJECT) refuses every call."""
    trap = os.environ.get("CVPLUS_TRAP_PROJECT")
    if trap and project == trap:
        raise Failed(f"{trap} is the sandbox's default project, a trap: this command named no project. "
                     "Pass --project (firebase also -P); a procedure never relies on the active project.")


GCLOUD_PROJECTLESS = re.compile(r"((alpha|beta) )?(auth|config|version|components|info|help|topic|organizations|billing|projects)\b")


def aim_gcloud(name: str, options: dict) -> None:
    """A gcloud command that acts on a project and names none takes gcloud's
    core/project (``CLOUDSDK_CORE_PROJECT``), as the real gcloud does; the
    sandbox sets that to its trap, which refuses."""
    if GCLOUD_PROJECTLESS.match(name):
        return
    if not isinstance(opt(options, "--project"), str) and os.environ.get("CLOUDSDK_CORE_PROJECT"):
        options["--project"] = os.environ["CLOUDSDK_CORE_PROJECT"]
    refuse_trap(opt(options, "--project"))


def resolve_project(state: dict, options: dict) -> str:
    chosen = opt(options, "-P", "--project")
    root = str(project_root() or Path.cwd())
    if isinstance(chosen, str):
        project = aliases().get(chosen, chosen)
    elif root in state["active"]:
        project = state["active"][root]
    elif configstore_project():
        project = aliases().get(configstore_project(), configstore_project())
    elif "default" in aliases():
        project = aliases()["default"]
    else:
        raise Failed("No currently active project.\nTo run this command, select a project with 'firebase use' "
                     "or pass the --project flag.")
    refuse_trap(project)
    return project


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


FACTS = HERE.parents[2] / "source" / "_data" / "platform.yaml"
FIREBASE_TOOLS = HERE.parents[2] / "node_modules" / "firebase-tools"


def facts() -> dict:
    return yaml.safe_load(FACTS.read_text(encoding="utf-8"))


def site_of(project: str) -> str:
    """The default Hosting site of a project, as the facts file names it
    (production serves the site ``cvplus``, not the project ID)."""
    for env in facts()["envs"].values():
        if env["project_id"] == project:
            return env["hosting_site"]
    return project


def run_real_node(script: str, *args: str) -> subprocess.CompletedProcess:
    """Run a few lines of node against the installed firebase-tools, so the
    stand-in prints what the real code computes (messages, tables)."""
    return subprocess.run(["node", "-e", script, "--", str(FIREBASE_TOOLS), *args], capture_output=True, text=True,
                          timeout=60, env={"PATH": "/usr/bin:/bin", "NO_COLOR": "1", "FORCE_COLOR": "0"})


# The real CLI's own lifecycle check (deploy/functions/runtimes/supported):
# it throws "Runtime ... was decommissioned on ...", warns when deprecated.
RUNTIME_GUARD = """
const [root, runtime] = process.argv.slice(1);
const supported = require(root + "/lib/deploy/functions/runtimes/supported");
const { RUNTIMES } = require(root + "/lib/deploy/functions/runtimes/supported/types");
if (!RUNTIMES[runtime]) { console.log("UNKNOWN"); process.exit(0); }
const { deprecationDate, decommissionDate, friendly } = RUNTIMES[runtime];
try { supported.guardVersionSupport(runtime); } catch (e) { console.log("ERROR " + e.message); process.exit(0); }
const now = new Date();
if (now >= new Date(deprecationDate)) {
  console.log("WARN Runtime " + friendly + " was deprecated on " + deprecationDate + " and will be decommissioned on "
    + decommissionDate + ", after which you will not be able to deploy without upgrading. Consider upgrading now "
    + "to avoid disruption. See https://cloud.google.com/functions/docs/runtime-support for full details on the "
    + "lifecycle policy");
}
console.log("OK");
"""


def functions_runtime(root: Path, config: dict) -> str:
    """firebase.json's functions.runtime, else functions/package.json engines.node."""
    runtime = (config.get("functions") or {}).get("runtime")
    if runtime:
        return runtime
    package = root / "functions" / "package.json"
    node = json.loads(package.read_text()).get("engines", {}).get("node", "") if package.is_file() else ""
    return f"nodejs{node}" if node else ""


def guard_runtime(root: Path, config: dict) -> None:
    runtime = functions_runtime(root, config)
    verdict = run_real_node(RUNTIME_GUARD, runtime).stdout.strip().splitlines()
    for line in verdict:
        if line.startswith("ERROR "):
            raise Failed(line[len("ERROR "):])
        if line.startswith("WARN "):
            print(f"\u26a0  functions: {line[len('WARN '):]}")
        if line == "UNKNOWN":
            raise Failed(f"Runtime {runtime} is not a valid runtime for this version of the Firebase CLI")


def trigger_kind(root: Path, name: str) -> str:
    """https / callable / scheduled, from the trigger the source uses."""
    source = (root / "functions" / "index.js").read_text() if root else ""
    match = re.search(rf"^exports\.{re.escape(name)}\s*=\s*(\w+)\(", source, re.M)
    return {"onRequest": "https", "onCall": "callable", "onSchedule": "scheduled"}.get(match.group(1) if match else "",
                                                                                       "https")


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
    kinds = list(dict.fromkeys(t.split(":")[0] for t in targets))
    print(f"i  deploying {', '.join(kinds)}")
    if "functions" in kinds:  # the CLI's prepare step, which a dry run runs too
        guard_runtime(root, config)
    if opt(options, "--dry-run"):
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
                fn["secrets"] = bound_secrets(proj, root, name)
                fn["env"] = deployed_env(root, project)
                print(f"{OK} functions[{name}(us-central1)] Successful {'update' if len(fn['revisions']) > 1 else 'create'} operation.")
                deployed.append(f"functions:{name}")
        elif kind == "hosting":
            site = detail or site_of(project)
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
    site = site_of(project)
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
    site = site_of(project)
    host = project_state(state, project)["hosting"].get(site, {"channels": {}})
    print("Channel ID\tURL")
    for channel in sorted(host["channels"]):
        host_name = site if channel == "live" else f"{site}--{channel}-{short_hash(site, channel)[:8]}"
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


def bound_secrets(proj: dict, root: Path, name: str) -> dict[str, int]:
    """The secret versions a deploy binds the function to: the newest
    enabled version of each secret its options name."""
    source = (root / "functions" / "index.js").read_text() if root else ""
    match = re.search(rf"^exports\.{re.escape(name)}\s*=\s*\w+\(\s*\{{[^}}]*secrets\s*:\s*\[([^\]]*)\]", source, re.M)
    bound = {}
    for key in re.findall(r"[A-Z][A-Z0-9_]+", match.group(1) if match else ""):
        versions = proj["secrets"].get(key, [])
        enabled = [i + 1 for i, v in enumerate(versions) if v["state"] == "ENABLED"]
        if enabled:
            bound[key] = enabled[-1]
    return bound


def deployed_env(root: Path | None, project: str) -> dict[str, str]:
    """The user environment a functions deploy sends, as firebase-tools 15.34.2
    builds it (lib/functions/env.js findEnvfiles, loadUserEnvs): functions/.env,
    then .env.<projectId>, then .env.<alias>, later files overriding earlier
    ones; plus GCLOUD_PROJECT (loadFirebaseEnvs). FIREBASE_CONFIG is left out:
    its value comes from the project's web-app config, which the sandbox lacks."""
    env: dict[str, str] = {}
    names = [".env", f".env.{project}"] + [f".env.{a}" for a, p in aliases().items() if p == project][:1]
    for name in names:
        path = root / "functions" / name if root else None
        if path and path.is_file():
            for line in path.read_text(encoding="utf-8").splitlines():
                key, sep, value = line.partition("=")
                if sep and key.strip() and not key.lstrip().startswith("#"):
                    env[key.strip()] = value.strip().strip("\"'")
    env["GCLOUD_PROJECT"] = project
    return env


def fb_secret_destroy(state, options, args):
    """As firebase-tools' functions-secrets-destroy: a secret used by any
    deployed function (any version: the CLI checks the secret, not the
    version) is refused with a warning unless -f/--force, and the refusal
    exits 0. --force skips that guard."""
    project = resolve_project(state, options)
    versions, index = _secret_version(state, options, args[0])
    key = args[0].partition("@")[0]
    shown = args[0].partition("@")[2] or "latest"
    if versions[index - 1]["state"] == "DESTROYED":
        print(f"i  Secret {key}@{shown} is already destroyed. Nothing to do.")
        return
    users = [f"{name}[gcfv2]({facts()['region']})" for name, fn in sorted(project_state(state, project)["functions"].items())
             if key in fn.get("secrets", {})]
    if users:
        print(f"\u26a0  Secret {key}@{shown} is currently in use by following functions:\n\t" + "\t\n".join(users),
              file=sys.stderr)
        if not opt(options, "-f", "--force"):
            print("\u26a0  Refusing to destroy secret in use. Use -f to destroy the secret anyway.", file=sys.stderr)
            return
    versions[index - 1]["state"] = "DESTROYED"
    save_state(state)
    print(f"i  Destroyed secret version {key}@{index}")


def fb_secret_get(state, options, args):
    project = resolve_project(state, options)
    versions = project_state(state, project)["secrets"].get(args[0])
    if not versions:
        raise Failed(f"Secret {args[0]} not found in project {project}")
    print("Version\tState")
    for number, version in enumerate(versions, 1):
        print(f"{number}\t{version['state']}")


FUNCTIONS_TABLE = """
const [root, rows] = process.argv.slice(1);
const Table = require(require.resolve("cli-table3", { paths: [root] }));
const table = new Table({ head: ["Function", "Version", "Trigger", "Location", "Memory", "Runtime"],
                          style: { head: [] } });
for (const row of JSON.parse(rows)) table.push(row);
console.log(table.toString());
"""
MEMORY_MB = {"128MiB": 128, "256MiB": 256, "512MiB": 512, "1GiB": 1024, "2GiB": 2048, "4GiB": 4096, "8GiB": 8192}


def fb_functions_list(state, options, args):
    """The columns of firebase-tools' functions-list (Function, Version,
    Trigger, Location, Memory, Runtime), drawn by the same cli-table3. No
    revision column: the CLI shows none."""
    project = resolve_project(state, options)
    functions = project_state(state, project)["functions"]
    if not functions:
        print(f"No functions found in project {project}.")
        return
    root = project_root()
    source = (root / "functions" / "index.js").read_text() if root and (root / "functions" / "index.js").is_file() else ""
    runtime = functions_runtime(root, json.loads((root / "firebase.json").read_text())) if root else ""
    rows = []
    for name in sorted(functions):
        match = re.search(rf"^exports\.{re.escape(name)}\s*=\s*\w+\(\s*\{{[^}}]*memory\s*:\s*[\"']([^\"']+)", source, re.M)
        rows.append([name, "v2", trigger_kind(root, name), facts()["region"],
                     MEMORY_MB.get(match.group(1), "---") if match else 256, runtime])
    table = run_real_node(FUNCTIONS_TABLE, json.dumps(rows))
    if table.returncode:
        raise Failed(table.stderr.strip())
    print(table.stdout, end="")


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


def seeded_order(items: list, *seed: object) -> list:
    """The API promises no order: answer in a fixed order that is neither
    newest-first nor oldest-first, so "take the first line" is caught."""
    return sorted(items, key=lambda item: short_hash(*seed, json.dumps(item, sort_keys=True)))


def _revision_resource(project: str, service: str, revision: str, number: int, serving: bool) -> dict:
    """A Cloud Run (v1, Knative) Revision, the fields the manual reads."""
    created = time.strftime("%Y-%m-%dT%H:%M:%S.000000Z", time.gmtime(1_700_000_000 + number * 3600))
    return {"apiVersion": "serving.knative.dev/v1", "kind": "Revision",
            "metadata": {"name": revision, "namespace": project, "creationTimestamp": created,
                         "labels": {"serving.knative.dev/service": service}},
            "status": {"conditions": [{"type": "Ready", "status": "True"}]},
            "REVISION": revision, "SERVICE": service, "ACTIVE": "yes" if serving else ""}


def gc_revisions_list(state, options, args):
    """``gcloud run revisions list``: with its default format the rows are
    sorted newest first; an explicit --format drops that sort (real gcloud),
    so without --sort-by the rows come in the API's unspecified order. A
    column label of the default format (REVISION, SERVICE, ACTIVE) is also a
    key, as in real gcloud."""
    emit, sort_rows = behaviour("runbooks").emit, behaviour("runbooks").sort_rows
    proj = gc_project(state, options)
    project = opt(options, "--project")
    service = opt(options, "--service")
    names = [service] if isinstance(service, str) else [service_name(n) for n in proj["functions"]]
    rows = []
    for name in names:
        fn = _service(proj, name)
        for number, revision in enumerate(fn["revisions"], 1):
            rows.append(_revision_resource(project, name, revision, number, _serving(fn) == revision))
    fmt = opt(options, "--format")
    sort_by = opt(options, "--sort-by")
    if isinstance(sort_by, str):
        rows = sort_rows(rows, sort_by)
    elif fmt is None:
        rows = sort_rows(rows, "~metadata.creationTimestamp")
    else:
        rows = seeded_order(rows, project, "revisions")
    limit = opt(options, "--limit")
    if isinstance(limit, str) and limit.isdigit():
        rows = rows[:int(limit)]
    if fmt is None:
        for row in rows:
            print(f"{row['REVISION']}\t{row['SERVICE']}\t{row['ACTIVE']}")
        return
    emit(rows, fmt, sys.modules[__name__])


def _serving(fn) -> str:
    return fn["revisions"][-1] if fn["traffic"] == "latest" else fn["traffic"]


def _traffic_lines(fn) -> list[str]:
    """How gcloud prints a service's traffic (ops-facts, verified with real
    gcloud): ``100% LATEST (currently REV)`` when following the latest
    revision, ``100% REV`` when pinned. Never "(pinned)"."""
    if fn["traffic"] == "latest":
        return [f"  100% LATEST (currently {_serving(fn)})"]
    return [f"  100% {fn['traffic']}"]


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
    print("\n".join(_traffic_lines(fn)))


def gc_services_describe(state, options, args):
    """A Cloud Run (v1) Service resource; the manual reads it with --format.
    Its traffic: spec.traffic[] says what was asked (latestRevision: true, or
    a revisionName), status.traffic[] what serves."""
    emit = behaviour("runbooks").emit
    proj = gc_project(state, options)
    project = opt(options, "--project")
    fn = _service(proj, args[0])
    fmt = opt(options, "--format")
    if fmt is None:
        raise Unsimulated("the human-readable describe layout; read fields with --format "
                          "(e.g. 'value(status.traffic[0].revisionName)')")
    spec_traffic = ({"percent": 100, "latestRevision": True} if fn["traffic"] == "latest"
                    else {"percent": 100, "revisionName": fn["traffic"]})
    status_traffic = {"percent": 100, "revisionName": _serving(fn)}
    if fn["traffic"] == "latest":
        status_traffic["latestRevision"] = True
    resource = {"apiVersion": "serving.knative.dev/v1", "kind": "Service",
                "metadata": {"name": args[0], "namespace": project},
                "spec": {"traffic": [spec_traffic]},
                "status": {"latestReadyRevisionName": fn["revisions"][-1], "traffic": [status_traffic],
                           "url": f"https://{args[0]}-sandbox-{facts()['region'][:2]}.a.run.app"}}
    emit(resource, fmt, sys.modules[__name__])


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
    database = opt(options, "--database", default="(default)")
    if database != "(default)" and database not in proj.get("rb_databases", {}):  # behaviours/runbooks.py
        raise Failed(f"NOT_FOUND: Database projects/{opt(options, '--project')}/databases/{database} not found.")
    if any(r["database"] == database and r["kind"] != "delete" and r["reads"] < 2
           for r in proj.get("rb_operations", {}).values()):  # runbooks.OPERATION_READS: not usable before done
        raise Failed(f"FAILED_PRECONDITION: Database {database} is not ready yet: its operation is still running.")
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


def gc_version(state, options, args):
    """The first line of ``gcloud version``: the SDK version whose grammar the stand-in records
    (make gcloud-diff compares it with that real gcloud); the component lines are left out."""
    print(f"Google Cloud SDK {facts()['preconditions']['tested']['gcloud']}")


def gc_print_access_token(state, options, args):
    """A made-up bearer token for the sandbox's signed-in account; the simulated APIs accept any."""
    print("cloudsim-" + short_hash("access-token", os.environ.get("HOME", ""))[:32])


GCLOUD = {
    "version": gc_version, "auth print-access-token": gc_print_access_token,
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


EVENTS = STATE.parent / "stripe-events.jsonl"


def _listen_time() -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime())


def st_listen(state, options, args):
    """Like ``stripe listen --forward-to``: prints the signing secret, then
    forwards every event a ``stripe trigger`` creates, signed, and logs each
    delivery in the CLI's own two formats (stripe-cli pkg/proxy:
    "%s   --> %s [%s]" and "%s  <--  [%d] %s %s [%s]")."""
    secret = _stripe_secret(state)
    if opt(options, "--print-secret"):
        print(secret)
        return
    target = opt(options, "--forward-to", "-f")
    if not isinstance(target, str):
        raise Failed("stand-in: pass --forward-to URL")
    target = target if "://" in target else "http://" + target
    state["stripe"]["forward_to"] = target
    save_state(state)
    print(f"> Ready! Your webhook signing secret is {secret} (^C to quit)", flush=True)
    seen = EVENTS.stat().st_size if EVENTS.is_file() else 0
    while True:  # like the real CLI: forwards until interrupted
        if EVENTS.is_file() and EVENTS.stat().st_size > seen:
            with EVENTS.open(encoding="utf-8") as handle:
                handle.seek(seen)
                lines = handle.read().splitlines()
                seen = handle.tell()
            for line in lines:
                _forward(json.loads(line), target, secret)
        time.sleep(0.1)


def _forward(event: dict, target: str, secret: str) -> None:
    print(f"{_listen_time()}   --> {event['type']} [{event['id']}]", flush=True)
    body = json.dumps(event).encode()
    stamp = int(time.time())
    signature = hmac.new(secret.encode(), f"{stamp}.".encode() + body, hashlib.sha256).hexdigest()
    request = urllib.request.Request(target, data=body, method="POST", headers={
        "Content-Type": "application/json", "Stripe-Signature": f"t={stamp},v1={signature}"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            status = response.status
    except urllib.error.HTTPError as exc:
        status = exc.code
    except OSError as exc:
        print(f"{_listen_time()}            [ERROR] Failed to POST: {exc}", flush=True)
        return
    print(f"{_listen_time()}  <--  [{status}] POST {target} [{event['id']}]", flush=True)


def st_trigger(state, options, args):
    """Like ``stripe trigger EVENT``: runs the event's fixture in test mode
    and says "Trigger succeeded!" whether or not any endpoint accepted the
    event (stripe-cli trigger.go): delivery shows only in the ``stripe
    listen`` log. The fixture's request names are the object's type here;
    the real fixtures may name several requests, so pages glob these lines."""
    event_type = args[0]
    stamp = int(time.time())
    obj = event_type.rsplit(".", 1)[0]
    event = {"id": "evt_sandbox_" + short_hash(stamp, event_type, time.monotonic())[:12], "object": "event",
             "type": event_type, "api_version": "2024-06-20", "created": stamp, "livemode": False,
             "data": {"object": {"id": "obj_sandbox_" + short_hash(event_type)[:10], "object": obj}}}
    print(f"Setting up fixture for: {obj}")
    print(f"Running fixture for: {obj}")
    EVENTS.parent.mkdir(parents=True, exist_ok=True)
    with EVENTS.open("a", encoding="utf-8") as handle:
        handle.write(json.dumps(event) + "\n")
    print("Trigger succeeded! Check dashboard for event details.")


STRIPE = {"listen": st_listen, "trigger": st_trigger}
HANDLERS = {"firebase": FIREBASE, "gcloud": GCLOUD, "stripe": STRIPE}


def behaviour(area: str):
    """A loaded behaviours module (``behaviours/<area>.py``)."""
    return sys.modules[f"standin_behaviours_{area}"]


def load_behaviours() -> None:
    """Add the handlers of ``behaviours/*.py``: each module may define
    FIREBASE, GCLOUD and STRIPE dicts of command -> handler(state, options,
    args), using the helpers of this module (imported as ``standin``)."""
    import importlib.util

    sys.modules.setdefault("standin", sys.modules[__name__])
    for path in sorted((HERE / "behaviours").glob("*.py")):
        spec = importlib.util.spec_from_file_location(f"standin_behaviours_{path.stem}", path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module
        spec.loader.exec_module(module)
        for tool, table in (("firebase", "FIREBASE"), ("gcloud", "GCLOUD"), ("stripe", "STRIPE")):
            for name, handler in getattr(module, table, {}).items():
                if name in HANDLERS[tool]:
                    raise SystemExit(f"stand-in: behaviours/{path.name} redefines '{tool} {name}'")
                HANDLERS[tool][name] = handler


def note_call(tool: str, argv: list[str]) -> None:
    """Append the call to ``$CVPLUS_CTL/standin-calls.log`` (the sandbox's
    control folder): the record mode (tests/snippets/record.py) writes no
    expected output for a block whose output came from a stand-in."""
    ctl = os.environ.get("CVPLUS_CTL")
    if ctl:
        with open(Path(ctl) / "standin-calls.log", "a", encoding="utf-8") as log:
            log.write(json.dumps([tool, *argv]) + "\n")


def main(tool: str, argv: list[str]) -> int:
    if tool == "gcloud" and os.environ.get("CVPLUS_REAL_GCLOUD"):
        import real_gcloud  # the developer's own gcloud, against the same simulation
        real_gcloud.exec_real(argv)
    if tool == "firebase" and REAL_FIREBASE and {"-h", "--help"} & set(argv):
        # Help needs no cloud: the real CLI prints its own usage (exit 0).
        os.execv(REAL_FIREBASE, [REAL_FIREBASE, *argv])
    load_behaviours()
    grammar = load_grammar(tool)
    try:
        name, options, args = parse_call(tool, argv, grammar)
        if tool == "gcloud":
            aim_gcloud(name, options)
        if tool == "firebase" and name in PASS_THROUGH:
            if not REAL_FIREBASE:
                raise Unsimulated("the real firebase-tools is not on this sandbox")
            os.execv(REAL_FIREBASE, [REAL_FIREBASE, *argv])
        note_call(tool, argv)
        if tool == "gcloud" and os.environ.get("CVPLUS_GCLOUD_REST") and os.environ.get("CVPLUS_CLOUDSIM_ENDPOINTS"):
            import gcloud_rest  # the REST client of the simulated Google APIs
            if name in gcloud_rest.load_table():
                return gcloud_rest.run(name, options, args)
            if name not in gcloud_rest.local_commands():
                # one truth: with the simulation running, a command that reaches a Google API must
                # read and change the simulation, never the stand-in's own state
                raise Unsimulated(f"'gcloud {name}' as a REST client of the simulated Google APIs "
                                  "(no row in tests/snippets/standins/gcloud_commands.yaml)")
        handler = HANDLERS[tool].get(name)
        if handler is None:
            raise Unsimulated(f"'{tool} {name}'")
        handler(load_state(), options, args)
        return 0
    except Refused as exc:
        note_call(tool, argv)
        print(f"stand-in {tool}: REFUSED: {exc}", file=sys.stderr)
        return 2
    except Unsimulated as exc:
        note_call(tool, argv)
        print(f"stand-in {tool}: {exc} is valid grammar but not simulated in the sandbox; "
              "mark the block {not-run} with a reason", file=sys.stderr)
        return 3
    except Failed as exc:
        sys.stdout.flush()
        print(f"Error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    if sys.argv[1] == "sandbox-cloud":
        note_call("sandbox-cloud", sys.argv[2:])
        sys.exit(sandbox_report(sys.argv[2:]))
    sys.exit(main(sys.argv[1], sys.argv[2:]))
