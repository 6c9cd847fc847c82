"""Incremental builds give the same needs.json, matrix and figures as a
clean build after a need changes on one page (sphinx-needs alone leaves
tables on other pages stale)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from manual_build import run_build
from cvplus_handoff import Result, read_manifest, write_results

pytestmark = pytest.mark.slow
GUIDE = "source/deployment/master-deployment-guide.md"
PAGES = ["traceability/matrix", "traceability/coverage", "traceability/criteria", "traceability/evidence",
         "reference/glossary"]


def _text(html: str) -> str:
    """The page's main content without markup, for comparison."""
    main = html.split('<article', 1)[-1].split('</article>', 1)[0]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", main))


def _needs(out: Path) -> dict:
    data = json.loads((out / "needs.json").read_text())
    return data["versions"][data["current_version"]]["needs"]


def _edit_need(root: Path) -> None:
    """Change a deliverable on one page; a table on another page lists it."""
    path = root / "source/reference/contacts.md"
    text = path.read_text()
    assert "Emergency contact lists and escalation procedures" in text
    text = text.replace("Emergency contact lists and escalation procedures", "Escalation roles and contact routes")
    text = text.replace(":delivers: SC_OR_INCIDENT_RESPONSE", ":delivers: SC_OR_INCIDENT_RESPONSE, SC_QA_ACCESSIBLE")
    path.write_text(text)


def test_incremental_build_matches_clean_build(project_copy: Path, tmp_path: Path) -> None:
    glossary = project_copy / "source/reference/glossary.md"
    glossary.write_text(glossary.read_text() + "\nEscalation is described in {need}`DEL_ESCALATION_CONTACTS`.\n")
    incremental = tmp_path / "incremental"
    first = run_build(project_copy, incremental)
    assert first.returncode == 0, first.output
    _edit_need(project_copy)
    second = run_build(project_copy, incremental)
    assert second.returncode == 0, second.output
    clean = tmp_path / "clean"
    assert run_build(project_copy, clean).returncode == 0
    assert _needs(incremental) == _needs(clean)
    assert json.loads((incremental / "coverage.json").read_text()) == json.loads((clean / "coverage.json").read_text())
    assert (incremental / "traceability.csv").read_text() == (clean / "traceability.csv").read_text()
    for page in PAGES:
        inc = _text((incremental / f"{page}.html").read_text())
        cln = _text((clean / f"{page}.html").read_text())
        assert inc == cln, f"{page} differs after an incremental build"
    assert "Escalation roles and contact routes" in (incremental / "traceability/criteria.html").read_text()
    assert "Escalation roles and contac" in (incremental / "reference/glossary.html").read_text()  # titles are cut at 30


def test_new_test_results_reach_pages_on_an_incremental_build(project_copy: Path, tmp_path: Path) -> None:
    out = tmp_path / "html"
    assert run_build(project_copy, out).returncode == 0
    page = (out / "reference/templates.html").read_text()
    assert 'Design (sandbox): <span class="cvplus-status-not-run">not-run</span>' in page
    manifest = read_manifest(out / "snippets.json")
    runnable = [s for s in manifest.snippets if s.need == "PROC_DOCS_FIREBASERC_ALIASES" and not s.not_run]
    results = project_copy / "build/evidence/results.json"
    results.parent.mkdir(parents=True, exist_ok=True)
    write_results(results, [Result.of(s, "passed", finished="2026-11-27T09:00:00+00:00") for s in runnable])
    assert run_build(project_copy, out).returncode == 0
    page = (out / "reference/templates.html").read_text()
    assert 'Design (sandbox): <span class="cvplus-status-passed">passed</span>' in page
    coverage = json.loads((out / "coverage.json").read_text())
    assert coverage["procedures"]["PROC_DOCS_FIREBASERC_ALIASES"]["status"] == "passed"


def test_moving_a_need_between_pages(project_copy: Path, tmp_path: Path) -> None:
    """Sphinx reads changed pages one by one; the need must not look duplicated."""
    out = tmp_path / "html"
    assert run_build(project_copy, out).returncode == 0
    source = project_copy / "source/traceability/criteria.md"
    target = project_copy / "source/reference/glossary.md"  # read before criteria.md
    text = source.read_text()
    block = re.search(r"```\{procedure\} Review pages on their cycle.*?```\n", text, re.S).group(0)
    source.write_text(text.replace(block, ""))
    target.write_text(target.read_text() + "\n" + block)
    moved = run_build(project_copy, out)
    assert moved.returncode == 0, moved.output
    assert _needs(out)["PROC_DOCS_REVIEW_CYCLE"]["docname"] == "reference/glossary"
