"""Faults injected into a copy of the manual's pages are caught by the
snippet pipeline with the page and line where a writer can fix them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import world
from lint import shellcheck
from manual_build import run_build
from runner import Sessions, run_snippet
from secret_scan import scan_text
from cvplus_handoff import Result, read_manifest, write_results
from dataclasses import replace

pytestmark = pytest.mark.slow
PAGE = "source/reference/glossary.md"

FAULTS = {
    "failing command": ("$ ls /no/such/directory\n", "exit status 2, expected 0"),
    "wrong expected output": ("$ echo actual\nexpected\n", "output differs"),
    "hanging command": ("$ sleep 600\n", "timed out"),
    "reaches the network": ("$ curl -sS --max-time 5 http://192.0.2.10/\n", "curl: (7)"),
    "writes outside the sandbox": ("$ echo leak > /etc/cvplus-leak\n", "Read-only file system"),
    "flag the real tool lacks": ("$ firebase deploy --only hosting --emergency\n", "unknown option '--emergency'"),
    # the real firebase CLI against the simulated Google APIs
    "output the real CLI does not print": (
        "$ cvplus-fixture >/dev/null && cd cvplus && firebase hosting:channel:list --project {{ envs.dev.project_id }}"
        " --site {{ envs.dev.hosting_site }} | grep live\nlive  (current release)\n", "output differs"),
    "endpoint the simulation lacks": (
        "$ firebase apps:list --project {{ envs.dev.project_id }}\n",
        "firebase.projects.searchApps): the simulation does not implement this method"),
}
SLOW = {"flag the real tool lacks", "output the real CLI does not print", "endpoint the simulation lacks"}


def _requires(body: str) -> str:
    """What the block's firebase/gcloud commands need (source/_data/permissions.yaml), so the
    injected procedure passes the build's :requires: check and fails only on its own fault."""
    import cvplus_data
    from cvplus_iam import commands_of, needed
    table = cvplus_data.load_permissions()
    perms = set().union(*(needed(tool, words, table, body)[1] for tool, words in commands_of(body, "console")))
    return ", ".join(sorted(perms)) or "none"


def _inject(root: Path, blocks: dict[str, str]) -> dict[str, int]:
    """Append one procedure per fault; return the line of each block's first command."""
    path = root / PAGE
    text = path.read_text(encoding="utf-8").rstrip("\n") + "\n"
    lines: dict[str, int] = {}
    for index, (name, body) in enumerate(blocks.items()):
        head = (f"\n::::{{procedure}} Fault {index}\n:id: PROC_FAULT_{index}\n:owner: docs-maintainer\n"
                f":requires: {_requires(body)}\n\n```console\n")
        lines[name] = text.count("\n") + head.count("\n") + 1
        text += head + body + "```\n::::\n"
    path.write_text(text, encoding="utf-8")
    return lines


@pytest.fixture(scope="module")
def faulty_manual(tmp_path_factory: pytest.TempPathFactory):
    from manual_build import COPY_IGNORE, ROOT
    import shutil

    root = tmp_path_factory.mktemp("faulty") / "project"
    shutil.copytree(ROOT, root, ignore=COPY_IGNORE)
    (root / "node_modules").symlink_to(ROOT / "node_modules")
    secret = "sk_" + "live_" + "Zx9" * 9
    lines = _inject(root, {**{n: b for n, (b, _) in FAULTS.items()},
                           "secret": f"$ export STRIPE_SECRET_KEY={secret}\n",
                           "lint": "$ for f in $(ls *.md); do echo $f; done\n"})
    build = run_build(root, root / "build" / "html")
    assert build.returncode == 0, build.output
    manifest = read_manifest(root / "build/html/snippets.json")
    by_line = {s.line + 1: s for s in manifest.snippets if s.source == PAGE}
    return lines, by_line, manifest


@pytest.mark.parametrize("name", sorted(FAULTS))
def test_fault_is_caught_at_page_and_line(name: str, faulty_manual, tmp_path: Path) -> None:
    lines, by_line, manifest = faulty_manual
    snippet = by_line[lines[name]]
    sessions = Sessions(tmp_path, manifest.pages, world.path_dirs(), world.sandbox_env())
    try:
        verdict = run_snippet(snippet, sessions.get(snippet.docname), timeout=120 if name in SLOW else 3)
    finally:
        sessions.close()
    assert not verdict.passed
    assert verdict.message.startswith(f"{PAGE}:{lines[name]}: "), verdict.message
    assert FAULTS[name][1] in verdict.message, verdict.message


def test_secret_in_a_snippet_is_caught(faulty_manual) -> None:
    lines, by_line, _ = faulty_manual
    snippet = by_line[lines["secret"]]
    hits = [f"{snippet.source}:{snippet.line + n}: {kind}" for n, kind in scan_text(snippet.text)]
    assert hits == [f"{PAGE}:{lines['secret']}: Stripe secret or restricted key"]


def test_lint_finding_is_caught(faulty_manual) -> None:
    lines, by_line, _ = faulty_manual
    findings = shellcheck(by_line[lines["lint"]])
    assert findings and all(f.startswith(f"{PAGE}:{lines['lint']}: SC") for f in findings), findings


def test_stale_evidence_shows_in_matrix_and_on_the_procedure(project_copy: Path, tmp_path: Path) -> None:
    """A pass recorded for an older text of the snippet no longer counts."""
    from manual_build import ROOT

    results = project_copy / "build" / "evidence" / "results.json"
    results.parent.mkdir(parents=True)
    built = run_build(project_copy, tmp_path / "first")
    manifest = read_manifest(tmp_path / "first/snippets.json")
    runnable = [s for s in manifest.snippets if s.need == "PROC_DOCS_FIREBASERC_ALIASES" and not s.not_run]
    assert runnable and built.returncode == 0
    fresh = [Result.of(s, "passed", finished="2026-11-27T10:00:00+00:00",
                       ran_against=["firebase-tools 15.34.2 (real CLI, simulated Google APIs)"],
                       cloud={"requests": 3, "endpoints": {"firebase.projects.get": 3},
                              "documents": ["firebase.v1beta1 revision 20260615"], "exceptions": ["oauth-token"]})
             for s in runnable]
    write_results(results, fresh)
    passed = run_build(project_copy, tmp_path / "passed")
    assert passed.returncode == 0
    page = (tmp_path / "passed/reference/templates.html").read_text()
    assert 'Design (sandbox): <span class="cvplus-status-passed">passed</span>' in page
    assert "ran against: firebase-tools 15.34.2 (real CLI, simulated Google APIs)" in page
    assert "simulated Google APIs: " in page and "firebase.v1beta1 revision 20260615" in page
    write_results(results, [replace(r, sha256="0" * 64) for r in fresh])
    rebuilt = run_build(project_copy, tmp_path / "stale")
    page = (tmp_path / "stale/reference/templates.html").read_text()
    assert 'Design (sandbox): <span class="cvplus-status-stale">stale</span>' in page
    coverage = json.loads((tmp_path / "stale/coverage.json").read_text())
    assert coverage["procedures"]["PROC_DOCS_FIREBASERC_ALIASES"]["status"] == "stale"
