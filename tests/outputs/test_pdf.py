"""The PDF manual as a reader gets it: every chapter, the diagrams, the
matrix's control IDs, internal links, and no empty pages."""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import pytest

from manual_build import ROOT

pytestmark = pytest.mark.slow
PDF_NAME = "cvplus-operations-manual.pdf"


@pytest.fixture(scope="session")
def pdf() -> Path:
    """make test builds the PDF first; a lone pytest run builds it here."""
    path = Path(os.environ.get("CVPLUS_PDF", ROOT / "build" / "latex" / PDF_NAME))
    if not path.is_file():
        proc = subprocess.run(["make", "-s", "pdf"], cwd=ROOT, capture_output=True, text=True, timeout=1800)
        assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return path


@pytest.fixture(scope="session")
def pages(pdf: Path) -> list[str]:
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    return text.split("\f")[:-1] if text.endswith("\f") else text.split("\f")


def flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def test_title_page_names_manual_version_and_date(pages: list[str]) -> None:
    first = flat(pages[0])
    assert "CVPlus Operations Manual" in first
    assert re.search(r"Version 20\d\d\.\d+", first)
    assert re.search(r"20\d\d-\d\d-\d\d", first)


def test_every_chapter_is_in_the_pdf(pages: list[str]) -> None:
    text = flat(" ".join(pages))
    for chapter in ["Deployment and operations", "Master deployment guide", "Technical operations manual",
                    "Business operations guide", "Operational runbooks", "Developer onboarding",
                    "Workflow diagrams", "Reference", "Traceability", "Coverage matrix",
                    "Printable release checklist"]:
        assert chapter.lower() in text.lower(), chapter


def test_table_of_contents_and_page_numbers(pages: list[str]) -> None:
    toc = flat(" ".join(pages[1:6]))
    assert re.search(r"Coverage matrix[ .]+\d+", toc), toc[:1500]
    numbered = [p for p in pages[4:] if re.search(r"^\s*\d+\s*$|\s\d+\s*$", p.strip().splitlines()[-1] if p.strip() else "")]
    assert len(numbered) > len(pages) // 2, "pages carry no page numbers"


def test_no_empty_pages(pages: list[str]) -> None:
    empty = [number for number, text in enumerate(pages, 1) if not text.strip()]
    assert not empty, f"empty pages: {empty}"


def test_diagrams_are_on_their_pages(pages: list[str]) -> None:
    """Diagram labels are text in the vector PDF that mermaid-cli made."""
    text = flat(" ".join(pages))
    for label in ["metamodel.yaml", "snippet tests", "coverage matrix"]:
        assert label in text, label
    diagrams = ROOT / "source" / "diagrams"
    for source in sorted(diagrams.glob("*.mmd")):
        words = re.findall(r'\[\s*"?([A-Za-z][A-Za-z ]{6,30})', source.read_text())
        assert words, f"{source.name}: no node label to look for"
        assert any(w.strip() in text for w in words), f"{source.name}: none of {words[:5]} in the PDF"


def test_matrix_control_ids_are_in_the_pdf(built, pages: list[str]) -> None:
    text = re.sub(r"\s+", "", " ".join(pages))
    controls = [n["id"] for n in built.needs.values() if n["type"] == "control"]
    assert controls
    missing = [c for c in controls if c not in text]
    assert not missing, missing


def test_internal_links_between_needs(pdf: Path) -> None:
    from pypdf import PdfReader

    reader = PdfReader(str(pdf))
    internal = 0
    for page in reader.pages:
        for annot in page.get("/Annots") or []:
            obj = annot.get_object()
            if obj.get("/Subtype") == "/Link" and ("/Dest" in obj or ("/A" in obj and obj["/A"].get("/S") == "/GoTo")):
                internal += 1
    assert internal > 50, f"only {internal} internal links"


def test_checklist_has_boxes_to_tick(built, pages: list[str]) -> None:
    start = next(i for i, p in enumerate(pages) if re.search(r"^\s*[\d.]+\s+Printable release checklist\s*$", p, re.M))
    text = flat(" ".join(pages[start:start + 4]))
    assert re.search(r"Done Phase Item Check Procedure", text), text[:800]
    # the release checklist prints the release phases; the incident checklist
    # (phase "incident") is printed with the first-five-minutes procedure
    items = [n["id"] for n in built.needs.values() if n["type"] == "checklist" and n.get("phase") != "incident"]
    assert items and all(i in text for i in items), [i for i in items if i not in text]
    incident = [n["id"] for n in built.needs.values() if n["type"] == "checklist" and n.get("phase") == "incident"]
    everything = flat(" ".join(pages))
    assert incident and all(i in everything for i in incident), [i for i in incident if i not in everything]


def test_pdf_shows_the_results_and_ledger_head_of_the_run_it_ships_with(pdf: Path, pages: list[str]) -> None:
    """make test builds the PDF after the snippet tests: every procedure
    that passed in results.json reads "passed" with its run in the PDF, and
    the PDF's ledger anchor is the ledger's head."""
    from cvplus_ledger import head, pdf_anchor

    evidence = Path(os.environ.get("CVPLUS_EVIDENCE", ROOT / "build" / "evidence" / "results.json"))
    if not evidence.is_file():
        pytest.fail("no results.json: run the snippet tests before building the PDF (make test does)")
    text = flat(" ".join(pages))
    coverage = json.loads((Path(os.environ.get("CVPLUS_BUILT", ROOT / "build" / "html")) / "coverage.json").read_text())
    passed = {pid: p for pid, p in coverage["procedures"].items() if p["status"] == "passed"}
    assert passed, "no procedure passed: the PDF was built before the tests ran"
    shown = re.findall(r"Design \(sandbox\): passed \(run (\S+?),", text)
    assert len(shown) >= len(passed), f"{len(shown)} passed results in the PDF, {len(passed)} in coverage.json"
    assert {p["run"] for p in passed.values()} <= set(shown)
    records, digest = head(evidence.with_name("ledger.jsonl"))
    assert pdf_anchor(pdf) == (records, digest), "the PDF's ledger anchor is not the ledger's head"
