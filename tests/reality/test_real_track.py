"""The reality check of the real track (``onboarding.real``) on a synthetic checkout.

The test builds a small CVPlus-like git work tree: a root with submodule
entries (gitlinks), a committed ``emu`` link to its script, a functions
entry with a literal ``...`` in an export list, workflows that swallow
failures, and one module repository (bare, at the commit the root pins)
found through ``--modules``. A facts file written for it must come out
confirmed line by line; then each fault (the checkout changed, or the
facts wrong) must come out ``contradicted``, naming the facts line and the
CVPlus file and line, and make the command exit 1. Facts listed in the
uncheckable table are reported as such, and bad tables exit 2 naming the
file and line. Simple values reuse the project's own anchors (read from
scripts/reality/anchors.yaml), so their regular expressions are tested.
A last test proves every ``onboarding`` fact of the real facts file
reaches the report.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import sys
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))

from reality.__main__ import main  # noqa: E402

GIT = ["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid", "-c", "init.defaultBranch=main"]
DATE = "2025-09-17T12:00:00+00:00"

EMU = """\
#!/bin/bash
set -e
EMULATOR_PORTS=(4000 5001 8080)

check_emulator_status() {
    for port in "${EMULATOR_PORTS[@]}"; do
        if lsof -Pi :$port -sTCP:LISTEN -t >/dev/null 2>&1; then
            return 0
        fi
    done
    return 1
}

kill_emulators() {
    pkill -f "cloud-firestore-emulator" 2>/dev/null || true
    pkill -f "firebase-tools" 2>/dev/null || true
}

start_emulators() {
    firebase emulators:start \\
        --import=./emulator-data \\
        --export-on-exit=./emulator-data
}

case "${1:-}" in
    stop)
        kill_emulators
        ;;
    status)
        check_emulator_status
        echo "ports"
        ;;
    *)
        start_emulators
        ;;
esac
"""

INDEX = """\
import * as admin from 'firebase-admin';
admin.initializeApp({ projectId: process.env.PROJECT_ID || 'demo-fallback' });

export {
  signIn,
  ... auth helpers disabled for deployment
} from '@cvplus/auth/backend';
export { coreThing } from '@cvplus/core/backend';
// export { frontThing } from '@cvplus/frontend';
export const pay = onCall(async (request) => {
  const { userId, priceId = 'price_default' } = request.data;
  return { sessionId: 's', url: 'u' };
});
"""

PAY_BEFORE = """\
import { onCall } from 'firebase-functions/v2/https';
export const pay = onCall(async (request) => {
  const { data } = request;
  const {
    userId,
    priceId = `${process.env.PRICE || 'price_default'}`,
  } = data;
  if (!userId) {
    return { error: 'no user' };
  }
  return {
    sessionId: 's',
    url: 'u',
  };
});
"""

PACKAGE = """\
{
  "name": "cvplus",
  "workspaces": [
    "packages/*",
    "frontend",
    "functions"
  ],
  "scripts": {
    "build:layer0": "npm run build --workspace=@cvplus/core",
    "build:layer1": "npm run build --workspace=@cvplus/auth"
  },
  "devDependencies": {
    "firebase-tools": "^13.29.0"
  },
  "engines": {
    "node": ">=20.0.0"
  }
}
"""

FIREBASE = """\
{
  "hosting": {
    "public": "frontend/dist"
  },
  "functions": {
    "source": "functions",
    "runtime": "nodejs20"
  },
  "firestore": {
    "indexes": "firestore.indexes.json"
  }
}
"""

JEST = """\
module.exports = {
  coverageThreshold: {
    global: {
      branches: 80,
      lines: 85
    }
  }
};
"""

CI_CORE = """\
name: core
on: push
jobs:
  test:
    steps:
      - uses: actions/checkout@v4
        with:
          submodules: recursive
      - run: |
          npm run test 2>/dev/null || true
          COUNT=$(grep -c x file || echo 0)
"""

QUALITY = """\
name: quality
on: push
jobs:
  gate:
    steps:
      - run: |
          npm run lint 2>/dev/null || echo "lint found problems"
          if [ "$QUALITY_SCORE" -lt "0" ]; then
            QUALITY_SCORE=0
          fi
          if [ "$QUALITY_SCORE" -lt "85" ]; then
            echo "Quality score below threshold"
            exit 1
          fi
"""

GITMODULES = """\
[submodule "packages/core"]
\tpath = packages/core
\turl = git@github.com:example/cvplus-core.git
[submodule "packages/auth"]
\tpath = packages/auth
\turl = git@github.com:example/cvplus-auth.git
[submodule "packages/frontend"]
\tpath = packages/frontend
\turl = git@github.com:example/cvplus-frontend.git
"""

MODULE_PACKAGE = """\
{
  "name": "@cvplus/core",
  "scripts": {
    "test": "jest --ci"
  },
  "exports": {
    ".": "./dist/index.js",
    "./backend": "./dist/backend/index.js"
  },
  "dependencies": {
    "@cvplus/logging": "1.0.0"
  }
}
"""

# The project's anchors this world exercises (their lines are copied from
# scripts/reality/anchors.yaml, so a broken regular expression fails here).
ANCHOR_KEYS = ["onboarding.real.node_engine", "onboarding.real.firebase_tools_pin",
               "onboarding.real.firebase_tools_pin_major", "onboarding.real.functions_emulator_project_fallback",
               "onboarding.real.hosting_public", "onboarding.real.workspaces", "onboarding.coverage.lines",
               "onboarding.coverage.branches", "onboarding.quality_score_min"]

FACTS = """\
onboarding:
  coverage: {{lines: 85, branches: 80}}
  quality_score_min: 85
  review:
    approvals: 1
  api_examples:
    commit: "{first}"
    commit_short: "{first_short}"
    commit_date: "2025-09-17"
    contracts:
      pay: {{file: functions/src/functions/pay.ts, request: [userId, priceId], answer: [sessionId, url], same_at_real_commit: true}}
  real:
    repository_url: https://github.com/example/CVPLUS
    commit: "{head}"
    commit_short: "{head_short}"
    commit_date: "2025-09-17"
    node_engine: ">=20.0.0"
    firebase_tools_pin: ^13.29.0
    firebase_tools_pin_major: 13
    functions_entry: functions/src/index.ts
    index_ellipsis_lines: [6]
    functions_emulator_project_fallback: demo-fallback
    hosting_public: frontend/dist
    web_app_path: packages/frontend
    named_but_missing: [frontend]
    workspaces: [packages/*, frontend, functions]
    gitignored: [firestore.indexes.json, lib/]
    ignored_but_named: [firestore.indexes.json]
    emu:
      command: ./emu
      script: scripts/utilities/emu.sh
      ports: [4000, 5001, 8080]
      data_dir: ./emulator-data
      start_command: firebase emulators:start --import=./emulator-data --export-on-exit=./emulator-data
      stops: [cloud-firestore-emulator, firebase-tools]
      subcommands: [stop, status]
      status_when_idle: exits 1 before the port list
    build_layers:
      - [core]
      - [auth]
    modules:
      core: {{commit: "{core_short}", language: TypeScript, test: jest, exports_functions: true, ci_workflow: ci-core.yml}}
      auth: {{commit: {auth_short}, language: TypeScript, test: jest, exports_functions: true, ci_workflow: none}}
      frontend: {{commit: {front_short}, exports_functions: false, ci_workflow: none}}
    unexported_subpaths: []
    backend_loadable: [core]
    registry_deps:
      core: ["@cvplus/logging"]
    ci:
      workflows: [ci-core.yml, quality-gates.yml]
      checks_out_submodules: [ci-core.yml]
      ignored_failures:
        - ci-core.yml:10 (tests)
        - quality-gates.yml:7 (lint)
"""


def write(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def git(*args: str, cwd: Path) -> str:
    env = {**os.environ, "GIT_COMMITTER_DATE": DATE, "GIT_AUTHOR_DATE": DATE}
    return subprocess.run([*GIT, *args], cwd=cwd, check=True, capture_output=True, text=True, env=env).stdout.strip()


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    """The world built once: a root work tree, a bare module repository."""
    base = tmp_path_factory.mktemp("realtrack")
    mod = base / "src-core"
    write(mod, {"package.json": MODULE_PACKAGE, "tsconfig.json": "{}\n", "src/index.ts": "export const x = 1;\n"})
    git("init", "-q", ".", cwd=mod)
    git("add", "-A", cwd=mod)
    git("commit", "-qm", "core", cwd=mod)
    core = git("rev-parse", "HEAD", cwd=mod)
    (base / "modules").mkdir()
    subprocess.run(["git", "clone", "-q", "--bare", str(mod), str(base / "modules/cvplus-core")], check=True)
    co = base / "cvplus"
    write(co, {"README.md": "first\n", "functions/src/functions/pay.ts": PAY_BEFORE})
    git("init", "-q", ".", cwd=co)
    git("add", "-A", cwd=co)
    git("commit", "-qm", "first", cwd=co)
    write(co, {
        "package.json": PACKAGE, "firebase.json": FIREBASE, "functions/src/index.ts": INDEX,
        "functions/src/test/jest.config.js": JEST, ".gitignore": "node_modules/\nlib/\nfirestore.indexes.json\n",
        ".gitmodules": GITMODULES, "scripts/utilities/emu.sh": EMU,
        ".github/workflows/ci-core.yml": CI_CORE, ".github/workflows/quality-gates.yml": QUALITY,
    })
    (co / "emu").symlink_to("scripts/utilities/emu.sh")
    git("add", "-A", cwd=co)
    for name, sha in (("core", core), ("auth", "a" * 40), ("frontend", "f" * 40)):
        git("update-index", "--add", "--cacheinfo", f"160000,{sha},packages/{name}", cwd=co)
    git("commit", "-qm", "second", cwd=co)
    git("remote", "add", "origin", "git@github.com:example/CVPLUS.git", cwd=co)
    return base


@pytest.fixture
def world(template: Path, tmp_path: Path) -> dict:
    base = tmp_path / "w"
    shutil.copytree(template, base, symlinks=True)
    co = base / "cvplus"
    first = git("rev-list", "--max-parents=0", "HEAD", cwd=co)
    head = git("rev-parse", "HEAD", cwd=co)
    core = git("rev-parse", "HEAD", cwd=base / "src-core")
    side = base / "manual"
    anchors = (ROOT / "scripts/reality/anchors.yaml").read_text(encoding="utf-8").splitlines()
    picked = [ln for ln in anchors if ln.split(":", 1)[0] in ANCHOR_KEYS]
    assert len(picked) == len(ANCHOR_KEYS), "an anchor this test reuses left scripts/reality/anchors.yaml"
    write(side, {
        "platform.yaml": FACTS.format(first=first, first_short=first[:7], head=head, head_short=head[:7],
                                      core_short=core[:7], auth_short="a" * 7, front_short="f" * 7),
        "anchors.yaml": "\n".join(picked) + "\n",
        "uncheckable.yaml": "onboarding.review.approvals: A GitHub setting.\n",
        "provenance.yaml": "functions: {}\nscripts: {}\n",
    })
    return {"co": co, "side": side, "facts": side / "platform.yaml", "modules": base / "modules", "base": base}


def run(world: dict, checkout: Path | None = None) -> tuple[int, str, str]:
    side = world["side"]
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main([str(checkout or world["co"]), "--modules", str(world["modules"]),
                     "--facts", str(side / "platform.yaml"), "--anchors", str(side / "anchors.yaml"),
                     "--provenance", str(side / "provenance.yaml"),
                     "--uncheckable", str(side / "uncheckable.yaml")])
    return code, out.getvalue(), err.getvalue()


def fact_line(world: dict, needle: str) -> int:
    return next(i for i, ln in enumerate(world["facts"].read_text().splitlines(), 1) if needle in ln)


def report_line(out: str, status: str, key: str) -> str:
    hits = [ln for ln in out.splitlines() if ln.startswith(status) and f" {key} = " in ln]
    assert hits, f"no {status} line for {key}:\n{out}"
    return hits[0]


def set_fact(world: dict, old: str, new: str) -> None:
    text = world["facts"].read_text()
    assert old in text, old
    world["facts"].write_text(text.replace(old, new, 1))


def edit(world: dict, rel: str, old: str, new: str) -> None:
    path = world["co"] / rel
    text = path.read_text()
    assert old in text, (rel, old)
    path.write_text(text.replace(old, new, 1))


CONFIRMED = {
    "onboarding.real.commit": "cvplus at ",
    "onboarding.real.commit_date": "git log -1 ",
    "onboarding.real.repository_url": "git config remote.origin.url: https://github.com/example/CVPLUS",
    "onboarding.api_examples.commit_date": "git log -1 ",
    "onboarding.real.node_engine": "package.json:16: >=20.0.0",
    "onboarding.real.firebase_tools_pin_major": "package.json:13: 13",
    "onboarding.real.functions_emulator_project_fallback": "functions/src/index.ts:2: demo-fallback",
    "onboarding.coverage.lines": "functions/src/test/jest.config.js:5: 85",
    "onboarding.quality_score_min": ".github/workflows/quality-gates.yml:11: 85",
    "onboarding.real.functions_entry": "firebase.json:6: functions/src/index.ts",
    "onboarding.real.index_ellipsis_lines": "functions/src/index.ts:6: [6]",
    "onboarding.real.web_app_path": "packages/frontend: packages/frontend",
    "onboarding.real.named_but_missing[0]": "firebase.json:3: frontend",
    "onboarding.real.gitignored[0]": ".gitignore:3: firestore.indexes.json",
    "onboarding.real.gitignored[1]": ".gitignore:2: lib/",
    "onboarding.real.ignored_but_named[0]": "firebase.json:10: firestore.indexes.json",
    "onboarding.real.emu.command": "emu: ./emu",
    "onboarding.real.emu.ports": "scripts/utilities/emu.sh:3: [4000, 5001, 8080]",
    "onboarding.real.emu.stops": "scripts/utilities/emu.sh:15: ",
    "onboarding.real.emu.start_command": "scripts/utilities/emu.sh:20: firebase emulators:start --import",
    "onboarding.real.emu.data_dir": "scripts/utilities/emu.sh:20: ./emulator-data",
    "onboarding.real.emu.subcommands": "scripts/utilities/emu.sh:26: ['stop', 'status']",
    "onboarding.real.emu.status_when_idle": "scripts/utilities/emu.sh:29: exits 1 before the port list",
    "onboarding.real.build_layers[1]": "package.json:10: ['auth']",
    "onboarding.real.modules.core.commit": "packages/core: ",
    "onboarding.real.modules.core.language": "packages/core/tsconfig.json: TypeScript",
    "onboarding.real.modules.core.test": "packages/core/package.json:4: jest",
    "onboarding.real.modules.auth.exports_functions": "functions/src/index.ts:4: True",
    "onboarding.real.modules.core.exports_functions": "functions/src/index.ts:8: True",
    "onboarding.real.modules.frontend.exports_functions": "functions/src/index.ts: False",
    "onboarding.real.unexported_subpaths": "functions/src/index.ts: []",
    "onboarding.real.backend_loadable": "functions/src/index.ts:8: ['core']",
    "onboarding.real.registry_deps.core": "packages/core/package.json: ['@cvplus/logging']",
    "onboarding.real.modules.core.ci_workflow": ".github/workflows/ci-core.yml: ci-core.yml",
    "onboarding.real.ci.workflows": ".github/workflows: ['ci-core.yml', 'quality-gates.yml']",
    "onboarding.real.ci.checks_out_submodules": ".github/workflows/ci-core.yml:8: ['ci-core.yml']",
    "onboarding.real.ci.ignored_failures[0]": ".github/workflows/ci-core.yml:10: ",
    "onboarding.real.ci.ignored_failures[1]": ".github/workflows/quality-gates.yml:7: ",
    "onboarding.api_examples.contracts.pay.request": "functions/src/functions/pay.ts@",
    "onboarding.api_examples.contracts.pay.answer": "functions/src/functions/pay.ts@",
    "onboarding.api_examples.contracts.pay.same_at_real_commit": "functions/src/index.ts:10: True",
}


def test_real_track_facts_confirmed_line_by_line(world):
    code, out, err = run(world)
    assert code == 0, out + err
    for key, theirs in CONFIRMED.items():
        line = report_line(out, "confirmed", key)
        assert f"|  {theirs}" in line, (key, line)
    ours = report_line(out, "confirmed", "onboarding.real.emu.ports")
    assert ours.startswith(f"confirmed     platform.yaml:{fact_line(world, 'ports: [4000')} ")
    # the frontend and auth modules are not there: their own fields are absent, with the reason
    assert "module auth" in report_line(out, "absent", "onboarding.real.modules.auth.language")
    line = report_line(out, "uncheckable", "onboarding.review.approvals")
    assert line.startswith(f"uncheckable   platform.yaml:{fact_line(world, 'approvals: 1')} ")
    assert line.endswith("no checkout settles it: A GitHub setting.")
    assert "uncheckable 1" in out


def test_a_bare_copy_reads_the_link_and_the_submodule_pins(world):
    bare = world["base"] / "cvplus.git"
    subprocess.run(["git", "clone", "-q", "--bare", str(world["co"]), str(bare)], check=True)
    subprocess.run(["git", f"--git-dir={bare}", "remote", "set-url", "origin", "git@github.com:example/CVPLUS.git"],
                   check=True)
    code, out, err = run(world, bare)
    assert code == 0, out + err
    for key in ("onboarding.real.emu.command", "onboarding.real.modules.core.commit",
                "onboarding.real.web_app_path", "onboarding.real.index_ellipsis_lines"):
        report_line(out, "confirmed", key)


# Each fault: how to make it, the key that must be contradicted, and the
# CVPlus place (file:line, or the place a git fact is read from) it names.
FAULTS = {
    "commit": (lambda w: set_fact(w, "commit_date: \"2025-09-17\"\n    node", "commit_date: \"2025-09-18\"\n    node"),
               "onboarding.real.commit_date", "git log -1 "),
    "pinned-commit": (lambda w: set_fact(w, "CVPLUS\n    commit: \"", "CVPLUS\n    commit: \"0"),
                      "onboarding.real.commit", "cvplus at "),
    "examples-short": (lambda w: set_fact(w, "    commit_short: \"", "    commit_short: \"{}\"  # ".format(
                           git("rev-parse", "--short=7", "HEAD", cwd=w["co"]))),
                       "onboarding.api_examples.commit_short", "git log -1 "),
    "indexes-committed": (lambda w: (write(w["co"], {"firestore.indexes.json": "{}\n"}),
                                     git("add", "-f", "firestore.indexes.json", cwd=w["co"])),
                          "onboarding.real.gitignored[0]", ".gitignore:3: (ignored, yet firestore.indexes.json is committed)"),
    "remote": (lambda w: git("remote", "set-url", "origin", "git@github.com:other/CVPLUS.git", cwd=w["co"]),
               "onboarding.real.repository_url", "git config remote.origin.url: https://github.com/other/CVPLUS"),
    "anchor": (lambda w: edit(w, "package.json", '"^13.29.0"', '"^14.1.0"'),
               "onboarding.real.firebase_tools_pin_major", "package.json:13: 14"),
    "ellipsis": (lambda w: edit(w, "functions/src/index.ts", "  signIn,\n", "  signIn,\n  ... more disabled\n"),
                 "onboarding.real.index_ellipsis_lines", "functions/src/index.ts:6: [6, 7]"),
    "entry": (lambda w: edit(w, "firebase.json", '"source": "functions"', '"source": "backend"'),
              "onboarding.real.functions_entry", "firebase.json:6: (no functions/src/index.ts under backend/)"),
    "web-app": (lambda w: set_fact(w, "web_app_path: packages/frontend", "web_app_path: packages/web"),
                "onboarding.real.web_app_path", ".: (no packages/web)"),
    "root-frontend": (lambda w: (w["co"] / "frontend").mkdir(),
                      "onboarding.real.named_but_missing[0]", "firebase.json:3: (present: frontend/ exists)"),
    "indexes-unnamed": (lambda w: edit(w, "firebase.json", '"indexes": "firestore.indexes.json"', '"rules": "x.rules"'),
                        "onboarding.real.ignored_but_named[0]", "firebase.json: (not named by firebase.json)"),
    "gitignore": (lambda w: edit(w, ".gitignore", "firestore.indexes.json\n", ""),
                  "onboarding.real.gitignored[0]", ".gitignore: (not in .gitignore)"),
    "emu-link": (lambda w: ((w["co"] / "emu").unlink(), (w["co"] / "emu").write_text("#!/bin/sh\n")),
                 "onboarding.real.emu.command", "emu: (emu is not a link)"),
    "emu-ports": (lambda w: edit(w, "scripts/utilities/emu.sh", "(4000 5001 8080)", "(4000 5001 8081)"),
                  "onboarding.real.emu.ports", "scripts/utilities/emu.sh:3: [4000, 5001, 8081]"),
    "emu-stops": (lambda w: edit(w, "scripts/utilities/emu.sh", '    pkill -f "firebase-tools"', '    pkill -f "node"'),
                  "onboarding.real.emu.stops", "scripts/utilities/emu.sh:15: ['cloud-firestore-emulator', 'node']"),
    "emu-start": (lambda w: edit(w, "scripts/utilities/emu.sh", "emulators:start \\", "emulators:start --project demo-x \\"),
                  "onboarding.real.emu.start_command", "scripts/utilities/emu.sh:20: firebase emulators:start --project demo-x"),
    "emu-data": (lambda w: edit(w, "scripts/utilities/emu.sh", "--export-on-exit=./emulator-data", "--export-on-exit=./out"),
                 "onboarding.real.emu.data_dir", "scripts/utilities/emu.sh:20: ./emulator-data (exports to ./out)"),
    "emu-subcommands": (lambda w: edit(w, "scripts/utilities/emu.sh", "    *)\n", "    restart)\n        main\n        ;;\n    *)\n"),
                        "onboarding.real.emu.subcommands", "scripts/utilities/emu.sh:26: ['stop', 'status', 'restart']"),
    "emu-status": (lambda w: edit(w, "scripts/utilities/emu.sh", "set -e\n", ""),
                   "onboarding.real.emu.status_when_idle", "scripts/utilities/emu.sh:28: lists the ports"),
    "build-layer": (lambda w: edit(w, "package.json", "--workspace=@cvplus/auth", "--workspace=@cvplus/i18n"),
                    "onboarding.real.build_layers[1]", "package.json:10: ['i18n']"),
    "extra-layer": (lambda w: edit(w, "package.json", '"build:layer1"', '"build:layer2": "x",\n    "build:layer1"'),
                    "onboarding.real.build_layers", "package.json:10: build:layer2"),
    "module-commit": (lambda w: set_fact(w, "commit: aaaaaaa", "commit: bbbbbbb"),
                      "onboarding.real.modules.auth.commit", "packages/auth: aaaaaaa"),
    "module-test": (lambda w: set_fact(w, "language: TypeScript, test: jest, exports_functions: true",
                                       "language: TypeScript, test: vitest, exports_functions: true"),
                    "onboarding.real.modules.core.test", "packages/core/package.json:4: jest"),
    "module-language": (lambda w: set_fact(w, "language: TypeScript, test: jest, exports_functions: true",
                                           "language: JavaScript, test: jest, exports_functions: true"),
                        "onboarding.real.modules.core.language", "packages/core/tsconfig.json: TypeScript"),
    "module-exports": (lambda w: edit(w, "functions/src/index.ts", "// export { frontThing }", "export { frontThing }"),
                       "onboarding.real.modules.frontend.exports_functions", "functions/src/index.ts:9: True"),
    "subpath-unexported": (lambda w: write(w["co"], {"packages/core/package.json": MODULE_PACKAGE.replace(
                               '"./backend"', '"./server"')}),
                           "onboarding.real.unexported_subpaths", "functions/src/index.ts:8: ['core/backend']"),
    "backend-loadable": (lambda w: write(w["co"], {"packages/core/package.json": MODULE_PACKAGE.replace(
                             '"./backend"', '"./server"')}),
                         "onboarding.real.backend_loadable", "functions/src/index.ts: []"),
    "registry-dep": (lambda w: write(w["co"], {"packages/core/package.json": MODULE_PACKAGE.replace(
                         '"1.0.0"', '"file:../logging"')}),
                     "onboarding.real.registry_deps.core", "packages/core/package.json: []"),
    "module-ci": (lambda w: set_fact(w, "exports_functions: true, ci_workflow: none",
                                     "exports_functions: true, ci_workflow: ci-auth.yml"),
                  "onboarding.real.modules.auth.ci_workflow", ".github/workflows: none"),
    "module-own-ci": (lambda w: write(w["co"], {"packages/core/package.json": MODULE_PACKAGE,
                                                "packages/core/.github/workflows/ci.yml": "name: x\n"}),
                      "onboarding.real.modules.core.ci_workflow", "packages/core/.github/workflows/ci.yml: 1 workflow"),
    "module-gone": (lambda w: set_fact(w, "      frontend: {", "      front: {"),
                    "onboarding.real.modules.front.commit", ".gitmodules: (no submodule packages/front)"),
    "contract-request": (lambda w: set_fact(w, "request: [userId, priceId]", "request: [userId, price]"),
                         "onboarding.api_examples.contracts.pay.request", "functions/src/functions/pay.ts@"),
    "contract-answer": (lambda w: set_fact(w, "answer: [sessionId, url]", "answer: [sessionId, url, customerId]"),
                        "onboarding.api_examples.contracts.pay.answer", "functions/src/functions/pay.ts@"),
    "contract-now": (lambda w: edit(w, "functions/src/index.ts", "return { sessionId: 's', url: 'u' }",
                                    "return { session: 's', url: 'u' }"),
                     "onboarding.api_examples.contracts.pay.same_at_real_commit", "functions/src/index.ts:10: False"),
    "unmapped-module": (lambda w: edit(w, ".gitmodules", '[submodule "packages/auth"]',
                                       '[submodule "packages/extra"]\n\tpath = packages/extra\n[submodule "packages/auth"]'),
                        "onboarding.real.modules", ".gitmodules:5: packages/extra"),
    "workflows": (lambda w: write(w["co"], {".github/workflows/new.yml": "name: new\n"}),
                  "onboarding.real.ci.workflows", ".github/workflows: ['ci-core.yml', 'new.yml', 'quality-gates.yml']"),
    "submodules": (lambda w: edit(w, ".github/workflows/quality-gates.yml", "    steps:\n",
                                  "    steps:\n      - uses: actions/checkout@v4\n        with:\n          submodules: true\n"),
                   "onboarding.real.ci.checks_out_submodules", ".github/workflows/ci-core.yml:8: ['ci-core.yml', 'quality-gates.yml']"),
    "swallow-moved": (lambda w: edit(w, ".github/workflows/ci-core.yml", "      - run: |\n", "      - run: |\n          echo start\n"),
                      "onboarding.real.ci.ignored_failures[0]", ".github/workflows/ci-core.yml:10: (line 10 swallows nothing)"),
    "swallow-new": (lambda w: edit(w, ".github/workflows/quality-gates.yml", "          if [ \"$QUALITY_SCORE\" -lt \"0\" ]",
                                   "          npm audit --audit-level high || true\n          if [ \"$QUALITY_SCORE\" -lt \"0\" ]"),
                    "onboarding.real.ci.ignored_failures", ".github/workflows/quality-gates.yml:8: npm audit --audit-level high || true"),
}


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_each_checker_reports_a_contradiction_naming_file_and_line(world, fault):
    make, key, theirs = FAULTS[fault]
    code, out, _ = run(world)
    assert code == 0 and "contradicted 0" in out, out  # the world is clean before the fault
    make(world)
    code, out, err = run(world)
    assert code == 1, out + err
    line = report_line(out, "contradicted", key)
    assert re.match(r"contradicted  platform\.yaml:[1-9]\d* ", line), line
    assert f"|  {theirs}" in line, (fault, line)


@pytest.mark.parametrize("target, text, message", [
    ("uncheckable.yaml", "onboarding.nowhere: why\n", r"uncheckable\.yaml:1: onboarding\.nowhere is not in platform\.yaml"),
    ("uncheckable.yaml", "# why none\nonboarding.review.approvals: ''\n",
     r"uncheckable\.yaml:2: onboarding\.review\.approvals: needs the reason"),
])
def test_bad_uncheckable_table_exits_2_naming_file_and_line(world, target, text, message):
    (world["side"] / target).write_text(text)
    code, _, err = run(world)
    assert code == 2 and re.search(message, err), err


def test_malformed_ignored_failure_exits_2_naming_the_facts_line(world):
    set_fact(world, "- quality-gates.yml:7 (lint)", "- quality-gates line 7")
    code, _, err = run(world)
    assert code == 2, err
    assert re.search(rf"platform\.yaml:{fact_line(world, 'quality-gates line 7')}: "
                     r"onboarding\.real\.ci\.ignored_failures\[1\] must read", err), err


def leaves(data, prefix: str):
    """Dotted keys of the scalars and scalar lists under ``prefix``."""
    if isinstance(data, dict):
        for k, v in data.items():
            yield from leaves(v, f"{prefix}.{k}")
    else:
        yield prefix


def test_every_onboarding_fact_reaches_the_report(tmp_path):
    """No ``onboarding`` fact of the real facts file is silently skipped:
    against an empty folder each one is reported (absent, or uncheckable
    with its reason)."""
    facts = yaml.safe_load((ROOT / "source/_data/platform.yaml").read_text(encoding="utf-8"))
    empty = tmp_path / "empty"
    empty.mkdir()
    out = io.StringIO()
    with redirect_stdout(out):
        assert main([str(empty)]) == 0
    keys = {m.group(1) for m in re.finditer(r"^\w+\s+platform\.yaml:\d+ (\S+) = ", out.getvalue(), re.M)}
    missing = [leaf for leaf in leaves(facts["onboarding"], "onboarding")
               if not any(k == leaf or k.startswith((f"{leaf}[", f"{leaf}.")) for k in keys)]
    assert not missing, f"onboarding facts the reality check never reports: {missing}"


def test_a_clone_of_a_local_mirror_leaves_the_url_absent(world):
    """Only a GitHub origin settles the clone URL; a local mirror says where it came from."""
    git("remote", "set-url", "origin", "/srv/mirror/CVPLUS.git", cwd=world["co"])
    code, out, _ = run(world)
    assert code == 0
    line = report_line(out, "absent", "onboarding.real.repository_url")
    assert line.endswith("the checkout was cloned from /srv/mirror/CVPLUS.git, not from GitHub")
