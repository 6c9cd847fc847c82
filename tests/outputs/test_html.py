"""The built HTML as a reader gets it: deliverables, routing, offline
assets, review banners, exports."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pytest

import cvplus_data

pytestmark = pytest.mark.slow

DELIVERABLE_PAGES = {
    "DEL_MASTER_DEPLOYMENT_GUIDE": "deployment/master-deployment-guide",
    "DEL_OPERATIONAL_RUNBOOKS": "deployment/runbooks/index",
    "DEL_TECHNICAL_OPERATIONS_MANUAL": "deployment/technical-operations-manual",
    "DEL_DEVELOPER_ONBOARDING": "development/onboarding/index",
    "DEL_BUSINESS_OPERATIONS_GUIDE": "deployment/business-operations-guide",
    "DEL_COMPLIANCE_SECURITY": "deployment/compliance/index",
    "DEL_MERMAID_DIAGRAMS": "diagrams/index",
    "DEL_CONFIGURATION_TEMPLATES": "reference/templates",
    "DEL_DASHBOARD_GUIDES": "deployment/dashboards",
    "DEL_ESCALATION_CONTACTS": "reference/contacts",
}
REMOTE = re.compile(r"""<(?:script|link|img|iframe)\b[^>]*\b(?:src|href)=["'](?:https?:)?//""", re.I)


def test_plan_is_fully_represented(built) -> None:
    needs = built.needs
    by_type: dict[str, list[dict]] = {}
    for need in needs.values():
        by_type.setdefault(need["type"], []).append(need)
    criteria = by_type["criterion"]
    assert len(criteria) == 12
    assert {c["category"] for c in criteria} == {"technical-completeness", "operational-readiness", "quality-assurance"}
    assert len(by_type["risk"]) == 3 and all(r["mitigated_by"] for r in by_type["risk"])
    deliverables = {d["id"]: d for d in by_type["deliverable"]}
    assert set(deliverables) == set(DELIVERABLE_PAGES)
    assert sum(d["kind"] == "primary" for d in deliverables.values()) == 6
    for did, docname in DELIVERABLE_PAGES.items():
        assert deliverables[did]["docname"] == docname, did


def test_home_page_routes_every_reader(built) -> None:
    home = built.page("index")
    for reader, target in [("On-call engineer", "deployment/runbooks/index.html"),
                           ("Release manager", "deployment/master-deployment-guide.html"),
                           ("New developer", "development/onboarding/index.html"),
                           ("Business stakeholder", "deployment/business-operations-guide.html"),
                           ("Auditor", "traceability/matrix.html")]:
        assert reader in home and target in home, reader


def test_facts_reach_pages(built) -> None:
    facts = cvplus_data.load_platform()
    home = built.page("index")
    for env in facts["envs"].values():
        assert env["project_id"] in home
    assert facts["envs"]["prod"]["project_id"] in built.page("reference/templates")


def test_no_page_loads_anything_from_the_network(built) -> None:
    offenders = []
    for page in built.outdir.rglob("*.html"):
        for match in REMOTE.finditer(page.read_text(encoding="utf-8")):
            offenders.append(f"{page.relative_to(built.outdir)}: {match.group(0)}")
    assert not offenders, "\n".join(offenders)


def test_mermaid_served_by_the_build(built) -> None:
    assert (built.outdir / "_static/mermaid/mermaid.min.js").stat().st_size > 1_000_000
    diagrams = built.page("diagrams/index")
    assert 'class="mermaid' in diagrams
    assert "_static/mermaid/mermaid.min.js" in diagrams and "type=\"module\"" not in diagrams
    assert "mermaid.min.js" not in built.page("reference/glossary"), "pages without diagrams load no Mermaid"


def test_every_page_shows_its_review_banner(built) -> None:
    missing = [str(p.relative_to(built.outdir)) for p in built.outdir.rglob("*.html")
               if p.name not in ("genindex.html", "search.html", "permalink.html")
               and "cvplus-review" not in p.read_text(encoding="utf-8")]
    assert not missing, missing


def test_matrix_lists_every_control_with_computed_status(built) -> None:
    matrix = built.page("traceability/matrix")
    controls = [n for n in built.needs.values() if n["type"] == "control"]
    assert controls
    for control in controls:
        assert control["id"] in matrix
    assert re.search(r"cvplus-status-(verified|exception-open|manual|not-run|failed|stale)", matrix)
    assert re.search(r"cvplus-status-(collected|exception|missing)", matrix)
    assert "cvplus-status-tested" not in matrix


def test_auditor_exports_agree_with_needs_json(built) -> None:
    rows = list(csv.DictReader((built.outdir / "traceability.csv").open(encoding="utf-8")))
    needs = built.needs
    exported = {r["control_id"] for r in rows if r["control_id"]}
    expected = {n["id"] for n in needs.values() if n["type"] in ("control", "checklist")}
    assert exported == expected
    for row in rows:
        if not row["control_id"]:  # a criterion no control covers, said so
            assert row["design_status"] in ("not covered", "out of scope"), row
            continue
        assert row["procedure_id"], f"{row['control_id']} has no procedure in the export"
        assert row["control_id"] in needs[row["procedure_id"]]["implements"]
        assert row["design_status"] and (row["operating_status"] or row["control_type_of_need"] == "checklist")
        if row["criterion_id"]:
            assert row["criterion_id"] in needs[row["control_id"]]["addresses"]
    coverage = json.loads((built.outdir / "coverage.json").read_text(encoding="utf-8"))
    assert coverage["per_type"]["control"]["total"] == len([n for n in needs.values() if n["type"] == "control"])
