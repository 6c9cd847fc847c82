"""Differential runs: CVPlus's real deployment scripts against the fixture's models.

``run_pair(invocation, checkout)`` lays out two project roots, one with the
real scripts (and firebase.json, package files) read from a CVPlus checkout
(work tree or bare git directory, without its submodules) and one with the
fixture (``world.lay_out_fixture``); then runs the same script with the
same arguments in each, inside bubblewrap (host read-only, only the root
writable, private /tmp, no network, own PID namespace, cleared
environment). On the PATH, recording stubs stand in for the build steps
(``npm``, ``npx``, ``tsc``, ``sleep``) and for the cloud (``firebase``,
``gcloud``): each appends its name and arguments to a log and exits 0, so
nothing is built; the cloud tools are recording wrappers around the
sandbox's firebase and gcloud stand-ins (the simulated cloud), so nothing
leaves the machine. ``node`` is the real Node.js behind a recording
wrapper, so the real scripts' node modules run and their calls to
``firebase`` are recorded too. Both roots get the fixture's ``.firebaserc``
(CVPlus commits none; an operator adds one with ``firebase use --add``)
and its built web app in ``frontend/dist`` (Hosting's folder, as the
manual's release preparation leaves it), so both start in the same state;
an invocation's ``remove`` list deletes paths from both roots (a fresh
clone has no ``frontend/``).

A run gives the exit status, the build commands and the cloud calls, in
order, with the root replaced by ``<root>``. ``compare`` says where two
runs disagree. ``inputs_digest`` hashes the models, the provenance table,
the invocation list and this harness: the committed report names it, and
a test fails when the inputs changed after the report.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
INVOCATIONS = HERE / "differential.yaml"
REPORT = HERE / "differential-report.json"
FIXTURE_SCRIPTS = HERE / "fixture" / "cvplus" / "scripts"
PROVENANCE = HERE / "fixture" / "provenance.yaml"
BUILD_TOOLS = ("npm", "npx", "tsc", "sleep")
CLOUD_TOOLS = ("firebase", "gcloud")
TIMEOUT_S = 120

sys.path.insert(0, str(ROOT / "scripts"))
from reality.checkout import Checkout  # noqa: E402


@dataclass
class Run:
    status: int
    build: list[str] = field(default_factory=list)
    cloud: list[str] = field(default_factory=list)
    node: list[str] = field(default_factory=list)
    output_tail: list[str] = field(default_factory=list)


def inputs() -> list[Path]:
    files = sorted(p for p in FIXTURE_SCRIPTS.rglob("*") if p.is_file())
    return files + [PROVENANCE, INVOCATIONS, Path(__file__)]


def input_hashes() -> dict[str, str]:
    return {str(p.relative_to(ROOT)): hashlib.sha256(p.read_bytes()).hexdigest() for p in inputs()}


def inputs_digest() -> str:
    h = hashlib.sha256()
    for rel, digest in sorted(input_hashes().items()):
        h.update(f"{rel}\0{digest}\0".encode())
    return h.hexdigest()


def load_invocations() -> list[dict]:
    data = yaml.safe_load(INVOCATIONS.read_text(encoding="utf-8")) or {}
    return data.get("invocations") or []


def lay_out_real(checkout: Checkout, dest: Path, firebaserc: Path) -> None:
    """The checkout's files (no submodules, no docs), as a fresh clone has them."""
    if checkout.gitdir is not None:
        archive = subprocess.run(["git", f"--git-dir={checkout.gitdir}", "archive", checkout.commit],
                                 capture_output=True, check=True).stdout
        subprocess.run(["tar", "-x", "-C", str(dest), "--exclude=docs"], input=archive, check=True)
    else:
        shutil.copytree(checkout.path, dest, dirs_exist_ok=True, symlinks=True,
                        ignore=shutil.ignore_patterns(".git", "node_modules", "docs"))
    shutil.copy(firebaserc, dest / ".firebaserc")


def lay_out_model(dest: Path) -> None:
    from world import lay_out_fixture
    lay_out_fixture(dest)


def _stubs(bin_dir: Path, log: Path) -> None:
    from world import STANDIN_BIN
    bin_dir.mkdir(parents=True, exist_ok=True)
    for tool in BUILD_TOOLS:
        stub = bin_dir / tool
        stub.write_text(f'#!/bin/sh\nprintf \'%s\\n\' "{tool} $*" >> "{log}"\nexit 0\n', encoding="utf-8")
        stub.chmod(0o755)
    for tool in CLOUD_TOOLS:
        stub = bin_dir / tool
        stub.write_text(f'#!/bin/sh\nprintf \'%s\\n\' "{tool} $*" >> "{log}"\nexec "{STANDIN_BIN / tool}" "$@"\n',
                        encoding="utf-8")
        stub.chmod(0o755)
    node = shutil.which("node") or "/usr/bin/node"
    wrapper = bin_dir / "node"
    wrapper.write_text(f'#!/bin/sh\nprintf \'%s\\n\' "node $*" >> "{log}"\nexec "{node}" "$@"\n', encoding="utf-8")
    wrapper.chmod(0o755)


def run_one(project: Path, script: str, args: list[str], env: dict[str, str]) -> Run:
    """Run ``script`` (relative to ``project``) with ``args`` in bubblewrap."""
    work = project.parent
    bin_dir, log = work / "bin", work / "calls.log"
    _stubs(bin_dir, log)
    log.write_text("", encoding="utf-8")
    home = work / "home"
    home.mkdir(exist_ok=True)
    from world import sandbox_env
    base_env = {"PATH": f"{bin_dir}:/usr/bin:/bin", "HOME": str(home), "LANG": "C.UTF-8", "TERM": "dumb",
                "TZ": "UTC", "FIREBASE_CLI_DISABLE_UPDATE_CHECK": "1", **sandbox_env(), **env}
    cmd = [shutil.which("bwrap") or "bwrap", "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc",
           "--tmpfs", "/tmp", "--bind", str(work), str(work), "--unshare-net", "--unshare-pid",
           "--die-with-parent", "--chdir", str(project), "--clearenv"]
    for k, v in base_env.items():
        cmd += ["--setenv", k, v]
    # Select the default alias first, as an operator does once per checkout;
    # that call goes straight to the stand-in and is not recorded.
    from world import STANDIN_BIN
    prelude = f'"{STANDIN_BIN / "firebase"}" use default >/dev/null 2>&1; exec "$@"'
    cmd += ["timeout", "-k", "2", str(TIMEOUT_S), "bash", "-c", prelude, "prelude", "bash", script, *args]
    proc = subprocess.run(cmd, capture_output=True, text=True, stdin=subprocess.DEVNULL)
    calls = [line.replace(str(project), "<root>") for line in log.read_text(encoding="utf-8").splitlines()]
    out = (proc.stdout + proc.stderr).replace(str(project), "<root>").splitlines()
    return Run(
        status=proc.returncode,
        build=[c for c in calls if c.split(" ", 1)[0] in BUILD_TOOLS],
        cloud=[c for c in calls if c.split(" ", 1)[0] in CLOUD_TOOLS],
        node=[c for c in calls if c.startswith("node ")],
        output_tail=out[-int(os.environ.get("DIFF_TAIL", "8")):],
    )


def run_pair(inv: dict, checkout: Checkout, tmp: Path) -> tuple[Run, Run]:
    real_root, model_root = tmp / "real" / "cvplus", tmp / "model" / "cvplus"
    model_root.parent.mkdir(parents=True)
    lay_out_model(model_root)
    real_root.mkdir(parents=True)
    lay_out_real(checkout, real_root, model_root / ".firebaserc")
    shutil.copytree(model_root / "frontend", real_root / "frontend", dirs_exist_ok=True)
    for rel in inv.get("remove") or []:
        for root in (real_root, model_root):
            target = root / rel
            if target.is_dir() and not target.is_symlink():
                shutil.rmtree(target)
            elif target.exists():
                target.unlink()
    for rel, text in (inv.get("files") or {}).items():
        for root in (real_root, model_root):
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            (root / rel).write_text(str(text), encoding="utf-8")
    env = {str(k): str(v) for k, v in (inv.get("env") or {}).items()}
    args = [str(a) for a in inv.get("args") or []]
    return run_one(real_root, inv["script"], args, env), run_one(model_root, inv["script"], args, env)


def compare(real: Run, model: Run) -> list[str]:
    """What differs between the two runs (empty when they agree)."""
    diffs = []
    if real.status != model.status:
        diffs.append(f"exit status: real {real.status}, model {model.status}")
    if real.build != model.build:
        diffs.append(f"build commands: real {real.build}, model {model.build}")
    if real.cloud != model.cloud:
        diffs.append(f"cloud calls: real {real.cloud}, model {model.cloud}")
    return diffs


def as_record(inv: dict, real: Run, model: Run) -> dict:
    return {"id": inv["id"], "script": inv["script"], "args": inv.get("args") or [],
            "agree": not compare(real, model), "differences": compare(real, model),
            "real": asdict(real), "model": asdict(model)}
