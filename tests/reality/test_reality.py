"""The reality check on small synthetic CVPlus checkouts made here.

Each test writes a checkout (work tree or bare git), a facts file, an
anchors file and a provenance table, runs ``python -m reality`` and reads
the drift report: a confirmed fact, a contradicted one (exit 1, with the
facts line and the CVPlus line), a to_confirm value the checkout settles,
a module that is absent, an option table that no longer matches its
script, and bad input (exit 2 naming file and line). A last test checks
that the project's own anchors and provenance name keys that exist, so the
real run cannot fail on our data. No CVPlus checkout is needed.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

INDEX = """\
import { onRequest, onCall } from 'firebase-functions/v2/https';
import { onSchedule } from 'firebase-functions/v2/scheduler';

export { payNow } from '@cvplus/payments/backend';
export { makeCV } from '@cvplus/processing/backend';
// export { oldOne } from './old';

export const healthCheck = onRequest(
  {
    timeoutSeconds: 30,
    memory: '256MiB',
    maxInstances: 10,
  },
  async (req, res) => { res.json({ ok: true }); }
);

export const cleanup = onSchedule({ schedule: '0 2 * * *', timeZone: 'UTC' }, async () => {});
export const TOTAL_FUNCTIONS_COUNT = 7;
"""

PAYMENTS_INDEX = "export * from './functions';\n"
PAYMENTS_FUNCTIONS = """\
import { onCall } from 'firebase-functions/v2/https';
export const payNow = onCall({ secrets: ['STRIPE_SECRET_KEY'] }, async () => ({}));
"""

WORKFLOW = """\
name: deploy
on: push
jobs:
  deploy:
    steps:
      - run: |
          case "${{ env.TARGET }}" in
            "production")
              FIREBASE_PROJECT="acme-prod"
              ;;
            "staging")
              FIREBASE_PROJECT="acme-staging"
              ;;
          esac
      - run: echo ${{ secrets.FIREBASE_SERVICE_ACCOUNT }}
"""

SCRIPT = """\
#!/usr/bin/env bash
set -euo pipefail
MODE=full
while [[ $# -gt 0 ]]; do
    case $1 in
        -q|--quick)
            MODE="quick"
            shift
            ;;
        --dry-run)
            DRY_RUN=true
            shift
            ;;
        *)
            echo "Unknown option: $1"
            exit 1
            ;;
    esac
done
"""

FACTS = """\
region: us-central1
total_functions: 7
runtime: nodejs20
envs:
  staging:
    name: staging
    project_id: acme-staging
  prod:
    name: production
    project_id: acme-prod
functions:
  healthCheck: {trigger: https, timeout_s: 30, memory: 256MiB, max_instances: 10}
  payNow: {trigger: callable}
  makeCV: {trigger: callable}
  cleanup: {trigger: schedule, schedule: "0 2 * * *", time_zone: UTC}
secrets:
  functions: [STRIPE_SECRET_KEY]
  ci: [FIREBASE_SERVICE_ACCOUNT]
to_confirm:
  envs.staging.project_id: our guess
"""

ANCHORS = "runtime: {file: firebase.json, json: [functions, runtime]}\n"

PROVENANCE = """\
scripts:
  deploy:
    cvplus: scripts/deploy.sh
    options:
      - option: -q|--quick
        lines: 6-9
        sets: {MODE: quick}
      - option: --dry-run
        lines: 10-13
        sets: {DRY_RUN: "true"}
      - option: '*'
        lines: 14-17
        exit: 1
"""


def write(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


@pytest.fixture
def world(tmp_path: Path) -> dict:
    """A CVPlus-like work tree with the payments module present and the
    processing module absent, plus the manual-side files."""
    co = tmp_path / "cvplus"
    write(co, {
        "functions/src/index.ts": INDEX,
        "functions/package.json": '{"engines": {"node": "20"}}\n',
        "firebase.json": '{\n  "functions": {\n    "runtime": "nodejs20"\n  }\n}\n',
        "packages/payments/src/backend/index.ts": PAYMENTS_INDEX,
        "packages/payments/src/backend/functions/index.ts": PAYMENTS_FUNCTIONS,
        ".github/workflows/deploy.yml": WORKFLOW,
        "scripts/deploy.sh": SCRIPT,
    })
    (co / "packages/processing").mkdir(parents=True)
    side = tmp_path / "manual"
    write(side, {"platform.yaml": FACTS, "anchors.yaml": ANCHORS, "provenance.yaml": PROVENANCE,
                 "uncheckable.yaml": "# none in this world\n"})
    return {"co": co, "facts": side / "platform.yaml", "anchors": side / "anchors.yaml",
            "prov": side / "provenance.yaml", "uncheckable": side / "uncheckable.yaml", "tmp": tmp_path}


def run(world: dict, checkout: Path | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "scripts")}
    return subprocess.run(
        [sys.executable, "-m", "reality", str(checkout or world["co"]), "--facts", str(world["facts"]),
         "--anchors", str(world["anchors"]), "--provenance", str(world["prov"]),
         "--uncheckable", str(world["uncheckable"])],
        capture_output=True, text=True, env=env, cwd=ROOT)


def fact_line(path: Path, needle: str) -> int:
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if needle in line)


def lines_with(out: str, status: str, key: str) -> list[str]:
    return [ln for ln in out.splitlines() if ln.startswith(status) and f" {key} = " in ln]


def test_matching_checkout_confirms_and_exits_zero(world):
    result = run(world)
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    hc = fact_line(world["facts"], "healthCheck:")
    assert lines_with(out, "confirmed", "functions.healthCheck.timeout_s")[0].startswith(
        f"confirmed     platform.yaml:{hc} ")
    assert "functions/src/index.ts:8: 30" in lines_with(out, "confirmed", "functions.healthCheck.timeout_s")[0]
    assert lines_with(out, "confirmed", "functions.payNow.trigger"), out
    assert "packages/payments/src/backend/functions/index.ts:2" in lines_with(out, "confirmed", "functions.payNow.trigger")[0]
    assert lines_with(out, "confirmed", "functions.cleanup.schedule")
    assert lines_with(out, "confirmed", "total_functions")
    assert lines_with(out, "confirmed", "secrets.functions[0]")
    assert lines_with(out, "confirmed", "secrets.ci[0]")
    assert lines_with(out, "confirmed", "runtime")
    assert lines_with(out, "confirmed", "scripts.deploy.options[0].lines"), out
    assert lines_with(out, "confirmed", "scripts.deploy.options[2].exit")


def test_contradicted_fact_fails_with_both_lines(world):
    facts = world["facts"]
    facts.write_text(facts.read_text().replace("timeout_s: 30", "timeout_s: 60"))
    result = run(world)
    assert result.returncode == 1
    bad = lines_with(result.stdout, "contradicted", "functions.healthCheck.timeout_s")
    assert len(bad) == 1
    assert f"platform.yaml:{fact_line(facts, 'healthCheck:')} " in bad[0]
    assert bad[0].endswith("functions/src/index.ts:8: 30")
    assert re.search(r"counts: contradicted 1,", result.stdout)


def test_to_confirm_value_settled_by_the_checkout(world):
    result = run(world)
    settled = lines_with(result.stdout, "settled", "envs.staging.project_id")
    assert settled and ".github/workflows/deploy.yml:11: acme-staging" in settled[0], result.stdout
    assert lines_with(result.stdout, "confirmed", "envs.prod.project_id")
    # a to_confirm value the checkout contradicts is a contradiction, not settled
    facts = world["facts"]
    facts.write_text(facts.read_text().replace("project_id: acme-staging", "project_id: acme-stage"))
    result = run(world)
    assert result.returncode == 1
    assert lines_with(result.stdout, "contradicted", "envs.staging.project_id")


def test_function_in_an_absent_module_is_absent_with_the_reason(world):
    result = run(world)
    absent = lines_with(result.stdout, "absent", "functions.makeCV")
    assert absent and "module processing absent" in absent[0], result.stdout
    assert "module processing: absent" in result.stdout


def test_commented_out_export_does_not_count(world):
    facts = world["facts"]
    facts.write_text(facts.read_text().replace("  cleanup:", "  oldOne: {trigger: https}\n  cleanup:"))
    result = run(world)
    assert result.returncode == 1
    assert lines_with(result.stdout, "contradicted", "functions.oldOne")


def test_bare_git_directory_is_read_at_its_commit(world):
    co = world["co"]
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid"]
    subprocess.run([*git, "init", "-q", str(co)], check=True)
    subprocess.run([*git, "-C", str(co), "add", "-A"], check=True)
    subprocess.run([*git, "-C", str(co), "commit", "-qm", "c"], check=True)
    commit = subprocess.run(["git", "-C", str(co), "rev-parse", "HEAD"], capture_output=True, text=True).stdout.strip()
    bare = world["tmp"] / "cvplus.git"
    subprocess.run(["git", "clone", "-q", "--bare", str(co), str(bare)], check=True)
    result = run(world, bare)
    assert f"commit {commit}" in result.stdout
    assert lines_with(result.stdout, "confirmed", "functions.healthCheck.memory")
    # the module is a plain folder in this checkout, so the bare copy has it too
    assert lines_with(result.stdout, "confirmed", "functions.payNow.trigger")


def test_option_table_that_no_longer_matches_fails(world):
    script = world["co"] / "scripts/deploy.sh"
    text = script.read_text().replace('            MODE="quick"\n', '            MODE="fast"\n')
    text = text.replace("        *)\n", "        --new)\n            shift\n            ;;\n        *)\n")
    script.write_text(text)
    result = run(world)
    assert result.returncode == 1
    prov = world["prov"]
    sets = lines_with(result.stdout, "contradicted", "scripts.deploy.options[0].sets.MODE")
    assert sets and sets[0].startswith(f"contradicted  provenance.yaml:{fact_line(prov, 'sets: {MODE')} ")
    assert "scripts/deploy.sh:6: fast" in sets[0]
    assert lines_with(result.stdout, "contradicted", "scripts.deploy.options[2].lines")  # moved down
    assert any("scripts/deploy.sh:14: --new" in ln for ln in result.stdout.splitlines()), result.stdout


@pytest.mark.parametrize("target, text, message", [
    ("facts", "region: [unclosed\n", r"platform\.yaml:2: not valid YAML"),
    ("anchors", "runtime: {file: firebase.json}\n", r"anchors\.yaml:1: runtime: needs file and json or find"),
    ("anchors", "nowhere: {file: x, find: y}\n", r"anchors\.yaml:1: nowhere is not in platform\.yaml"),
    ("prov", "scripts:\n  deploy:\n    cvplus: scripts/deploy.sh\n    options:\n      - lines: 1-2\n",
     r"provenance\.yaml:5: scripts\.deploy\.options\[0\] needs option and lines"),
])
def test_bad_input_exits_2_naming_file_and_line(world, target, text, message):
    world[target].write_text(text)
    result = run(world)
    assert result.returncode == 2
    assert re.search(message, result.stderr), result.stderr


def test_not_a_checkout_exits_2(world):
    result = run(world, world["tmp"] / "nothing-here")
    assert result.returncode == 2 and "no such directory" in result.stderr


def test_project_anchors_and_provenance_fit_the_facts_file(tmp_path):
    """Against an empty checkout every fact is absent; the project's own
    anchors and provenance must not raise (a key they name is missing)."""
    empty = tmp_path / "empty"
    empty.mkdir()
    env = {**os.environ, "PYTHONPATH": str(ROOT / "scripts")}
    result = subprocess.run([sys.executable, "-m", "reality", str(empty)], capture_output=True, text=True,
                            env=env, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    assert "counts: contradicted 0, settled 0, confirmed 0," in result.stdout


def test_every_fixture_script_and_function_carries_provenance():
    """Each modelled script in the fixture names its CVPlus file in
    provenance.yaml, and every model path written there exists."""
    import yaml
    fixture = ROOT / "tests/snippets/fixture"
    prov = yaml.safe_load((fixture / "provenance.yaml").read_text(encoding="utf-8"))
    entries = {**prov["scripts"], **prov["functions"]}
    models = {e["model"] for e in entries.values()}
    for model in models:
        if model.startswith("cvplus/"):
            assert (fixture / model).is_file(), f"provenance.yaml names a missing model {model}"
    helpers = {"cvplus/scripts/emergency/_common.sh"}
    for script in sorted((fixture / "cvplus/scripts").rglob("*.sh")):
        rel = str(script.relative_to(fixture))
        assert rel in models or rel in helpers, f"{rel} has no provenance entry"
    for entry in entries.values():
        assert entry.get("cvplus") and entry.get("commit"), entry
