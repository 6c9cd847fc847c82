"""The CVPlus world the manual's snippets act on.

- ``cvplus-fixture [DIR]`` (on the sandbox PATH) lays out a fixture checkout
  of CVPlus: firebase.json and .firebaserc generated from the facts file,
  the reference functions codebase, rules, a built frontend, and models of
  the deployment scripts with exactly the real scripts' flags.
- ``firebase`` on PATH is the real, pinned firebase-tools
  (node_modules/.bin/firebase), talking to the simulated Google APIs the
  sandbox runs on loopback (tests/cloudsim); ``firebase emulators:*`` runs
  the real emulators offline (Functions, Hosting, Auth).
  Pages listed in firebase_standin_pages.yaml (each with its reason) still
  run the grammar-checking firebase stand-in, without the simulation.
- ``gcloud`` and ``stripe`` on PATH are the grammar-checking, stateful
  stand-ins.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

_ROOT = Path(__file__).resolve().parents[2]
for _path in (_ROOT / "source" / "_ext", _ROOT / "tests"):
    if str(_path) not in sys.path:  # also run as a script by cvplus-fixture
        sys.path.insert(0, str(_path))

import cvplus_data  # noqa: E402
from cvplus_facts import substitute  # noqa: E402
from manual_build import ROOT  # noqa: E402

HERE = Path(__file__).resolve().parent
STANDIN_BIN = HERE / "standins" / "bin"
FIXTURE = HERE / "fixture" / "cvplus"
GRAMMAR_DIR = ROOT / "build" / "grammar"
REAL_FIREBASE = ROOT / "node_modules" / ".bin" / "firebase"
TOOLS_DIR = ROOT / "build" / "sandbox-tools"
REAL_FIREBASE_DIR = TOOLS_DIR / "real-firebase"
STANDIN_PAGES_FILE = HERE / "firebase_standin_pages.yaml"
# The sandbox's default project: what a command that names no project reaches
# (firebase's active project, gcloud's core/project). No world has it; the
# simulated APIs (tests/cloudsim/trap.py) and the stand-ins refuse it.
TRAP_PROJECT = "cvplus-default-trap"


def firebase_grammar() -> Path:
    """Dump firebase-tools' grammar (again when the lockfile changed)."""
    target = GRAMMAR_DIR / "firebase.json"
    lock = ROOT / "package-lock.json"
    if not target.is_file() or target.stat().st_mtime < lock.stat().st_mtime:
        GRAMMAR_DIR.mkdir(parents=True, exist_ok=True)
        dump = subprocess.run(["node", str(HERE / "standins" / "firebase_grammar.js")], cwd=ROOT,
                              capture_output=True, text=True, check=True,
                              env={"PATH": "/usr/bin:/bin", "FIREBASE_CLI_DISABLE_UPDATE_CHECK": "1"})
        target.write_text(dump.stdout, encoding="utf-8")
    return target


def firebase_config(facts: dict) -> dict:
    ports = facts["emulators"]
    return {
        "hosting": {
            "public": "frontend/dist",
            "ignore": ["firebase.json", "**/.*", "**/node_modules/**"],
            "rewrites": [{"source": "**", "destination": "/index.html"}],
            "headers": [{"source": "**/*.@(js|css)", "headers": [{"key": "Cache-Control", "value": "max-age=31536000"}]}],
        },
        "functions": {"source": "functions", "runtime": facts["runtime"]},
        "firestore": {"rules": "firestore.rules", "indexes": "firestore.indexes.json"},
        "storage": {"rules": "storage.rules"},
        "emulators": {name: {"port": ports[name], "host": "127.0.0.1"}
                      for name in ("auth", "functions", "firestore", "hosting", "storage", "pubsub")}
                     | {"ui": {"enabled": False}, "singleProjectMode": True},
    }


def upgrade_runtime(dest: Path, runtime: str) -> None:
    """What the manual's runtime-upgrade procedure changes, for pages whose
    tested run starts after it: firebase.json's functions runtime and
    functions/package.json's engines.node."""
    match = re.fullmatch(r"nodejs(\d+)", runtime)
    if match is None:
        raise ValueError(f"cvplus-fixture: --runtime takes nodejsNN, not {runtime!r}")
    config_path = dest / "firebase.json"
    config = json.loads(config_path.read_text(encoding="utf-8"))
    config["functions"]["runtime"] = runtime
    config_path.write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")
    package_path = dest / "functions" / "package.json"
    package = json.loads(package_path.read_text(encoding="utf-8"))
    package["engines"] = {"node": match.group(1)}
    package_path.write_text(json.dumps(package, indent=2) + "\n", encoding="utf-8")


def lay_out_fixture(dest: Path, runtime: str | None = None) -> None:
    facts = cvplus_data.load_platform()
    shutil.copytree(FIXTURE, dest, symlinks=True)
    for path in dest.rglob("*.sh"):
        text, unknown = substitute(path.read_text(encoding="utf-8"), facts)
        if unknown:
            raise ValueError(f"{path}: unknown substitution(s) {unknown}")
        path.write_text(text, encoding="utf-8")
    (dest / "firebase.json").write_text(json.dumps(firebase_config(facts), indent=2) + "\n", encoding="utf-8")
    projects = {name: env["project_id"] for name, env in facts["envs"].items()}
    (dest / ".firebaserc").write_text(json.dumps({"projects": {"default": projects["dev"], **projects}}, indent=2) + "\n",
                                      encoding="utf-8")
    (dest / "functions" / "node_modules").symlink_to(ROOT / "node_modules")
    if runtime:
        upgrade_runtime(dest, runtime)


def standin_pages() -> dict[str, str]:
    """Pages whose snippets still run the firebase stand-in: docname -> why."""
    import yaml
    data = yaml.safe_load(STANDIN_PAGES_FILE.read_text(encoding="utf-8")) or {}
    for docname, reason in data.items():
        if not (ROOT / "source" / f"{docname}.md").is_file() or not str(reason or "").strip():
            raise ValueError(f"{STANDIN_PAGES_FILE}: {docname!r} needs an existing page and a reason")
    return data


# Stand-in pages that also run the simulated Google APIs (docname -> why): their firebase and
# gcloud are still the stand-ins, but a command that calls a Google API directly (curl) reaches
# the simulation, under the same per-procedure IAM grant as every other page.
STANDIN_PAGES_WITH_SIMULATION: dict[str, str] = {}


def path_dirs(real_firebase: bool = True) -> list[Path]:
    """PATH folders: the real ``firebase`` (unless a page still runs the
    stand-in), one holding ``cvplus-fixture``, then the stand-ins."""
    TOOLS_DIR.mkdir(parents=True, exist_ok=True)
    REAL_FIREBASE_DIR.mkdir(parents=True, exist_ok=True)
    firebase = REAL_FIREBASE_DIR / "firebase"
    if not firebase.is_symlink():
        link = firebase.with_name(f".firebase.{os.getpid()}")
        link.unlink(missing_ok=True)
        link.symlink_to(REAL_FIREBASE)
        link.replace(firebase)
    _write_tool(TOOLS_DIR / "cvplus-fixture",
                "# Lay out a fixture checkout of CVPlus: cvplus-fixture [--runtime nodejsNN] [DIR]",
                Path(__file__))
    _write_tool(TOOLS_DIR / "cvplus-snippet",
                "# Print the one block of the manual that defines each shell function named",
                HERE / "shared_blocks.py")
    return [REAL_FIREBASE_DIR, TOOLS_DIR, STANDIN_BIN] if real_firebase else [STANDIN_BIN, TOOLS_DIR]


def _write_tool(tool: Path, comment: str, script: Path) -> None:
    """A sandbox command that runs ``script`` with this Python; written aside
    and renamed, since another worker may be running the old one."""
    text = f'#!/bin/sh\n{comment}\nexec "{sys.executable}" "{script}" "$@"\n'
    if not tool.is_file() or tool.read_text(encoding="utf-8") != text:
        fresh = tool.with_name(f".{tool.name}.{os.getpid()}")
        fresh.write_text(text, encoding="utf-8")
        fresh.chmod(0o755)
        fresh.replace(tool)


def sandbox_env() -> dict[str, str]:
    firebase_grammar()
    # FUNCTIONS_DISCOVERY_TIMEOUT: firebase-tools waits 10 s for the functions SDK to describe the
    # codebase (lib/deploy/functions/runtimes/discovery/index.js); a loaded test machine needs longer.
    return {"CVPLUS_GRAMMAR_DIR": str(GRAMMAR_DIR), "CVPLUS_REAL_FIREBASE": str(REAL_FIREBASE),
            "CVPLUS_PYTHON": sys.executable, "CVPLUS_FIXTURE_BATCH_PAUSE": "0", "FUNCTIONS_DISCOVERY_TIMEOUT": "60",
            "CVPLUS_TRAP_PROJECT": TRAP_PROJECT, "CLOUDSDK_CORE_PROJECT": TRAP_PROJECT,
            # the build under test's snippets, for cvplus-snippet (helpers defined once, on one page)
            "CVPLUS_SNIPPETS": str(Path(os.environ.get("CVPLUS_BUILT", ROOT / "build" / "html")).resolve() / "snippets.json"),
            # the developer's real gcloud instead of the stand-in (tests/snippets/standins/real_gcloud.py)
            **({"CVPLUS_REAL_GCLOUD": os.environ["CVPLUS_REAL_GCLOUD"]} if os.environ.get("CVPLUS_REAL_GCLOUD") else {})}


def page_sessions(root: Path, pages: dict):
    """The page sandboxes the snippet tests use (``runner.Sessions``), for the
    tests and for the writer's record mode and shell (``pages``: the manifest's
    hidden setup and cleanup per page): same PATH, stand-in
    pages, simulation and trap default project."""
    from runner import Sessions
    return Sessions(root, pages, path_dirs(), sandbox_env(), standin_pages=standin_pages(),
                    standin_path_dirs=path_dirs(real_firebase=False), prepare_home=trap_home,
                    simulated_standin_pages=set(STANDIN_PAGES_WITH_SIMULATION))


def trap_home(home: Path) -> None:
    """Make the trap the firebase CLI's active project for every folder of
    the sandbox (configstore ``activeProjects``, looked up from the working
    directory upwards: node_modules/firebase-tools/lib/command.js
    configstoreProject). A visible ``firebase use`` in a folder below still
    wins there, as it does for a reader."""
    store = home / ".config" / "configstore" / "firebase-tools.json"
    store.parent.mkdir(parents=True, exist_ok=True)
    data = json.loads(store.read_text(encoding="utf-8")) if store.is_file() else {}
    data["activeProjects"] = {**data.get("activeProjects", {}), "/": TRAP_PROJECT}
    store.write_text(json.dumps(data, indent=2), encoding="utf-8")


def main(argv: list[str]) -> int:
    """``cvplus-fixture [--runtime nodejsNN] [DIR]``: the checkout as CVPlus
    has it (runtime from the facts file), or, with --runtime, as it is after
    the manual's runtime upgrade."""
    runtime = None
    if argv[:1] == ["--runtime"]:
        if len(argv) < 2:
            raise SystemExit("cvplus-fixture: --runtime needs a value (nodejsNN)")
        runtime, argv = argv[1], argv[2:]
    target = Path(argv[0] if argv else "cvplus").resolve()
    if target.exists():
        raise SystemExit(f"cvplus-fixture: {target} exists already")
    lay_out_fixture(target, runtime)
    print(f"CVPlus fixture checkout in {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))


def fixture_sandbox(folder: Path, real_firebase: bool = True, trap: bool = False):
    """A sandbox in ``folder`` (the simulated cloud with the real firebase,
    else the stand-ins), inside a fresh fixture checkout; with ``trap``, its
    home's default project is the trap. Fails when the checkout cannot be laid out."""
    from sandbox import Sandbox

    box = Sandbox(folder, path_dirs(real_firebase=real_firebase), sandbox_env(), cloud=real_firebase)
    if trap:
        trap_home(box.home)
    setup = box.run("cvplus-fixture fx >/dev/null && cd fx", timeout=120)
    assert setup.status == 0, setup.output
    return box

