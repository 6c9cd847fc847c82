"""Auditor exports, written beside needs.json at the end of every build.

Long form, one row per link, so that a spreadsheet filter answers "which
controls, procedures and evidence stand behind CC7.3?" and back:

``traceability.csv``  one row per criterion -> control -> procedure ->
                      evidence path; criteria with no control get a row
                      saying "not covered" or "out of scope"; checklist
                      items have no criterion.
``criteria.csv``      one row per framework criterion: scope, the controls
                      that address it and their design and operating status.
``coverage.csv``      counts per framework and status.
``coverage.json``     everything the matrix shows.

Design status (sandbox verification of the procedure) and operating status
(evidence from the real environment) are separate columns, never merged.
Called from cvplus_coverage at build-finished; a build error stops it.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

from cvplus_coverage_model import DESIGN_STATES, OPERATING_STATES
from cvplus_data import split_list

TRACE_COLUMNS = [
    "framework", "criterion_id", "criterion_ref", "criterion_title", "criterion_scope",
    "control_id", "control_type_of_need", "control_text", "owner", "frequency", "control_type", "nature",
    "procedure_id", "procedure_design_status", "procedure_last_run_at", "procedure_run",
    "evidence_id", "evidence_status", "design_status", "operating_status", "exceptions", "to_confirm",
]
CRITERIA_COLUMNS = ["framework", "criterion_id", "criterion_ref", "title", "scope", "scope_reason",
                    "coverage", "controls", "design_statuses", "operating_statuses"]


def criterion_coverage(criterion: dict[str, Any], controls: list[str]) -> str:
    if criterion.get("scope") == "out-of-scope":
        return "out of scope"
    return "covered" if controls else "not covered"


def _exceptions(row: dict[str, Any]) -> str:
    parts = []
    if row["design"] == "exception-open":
        parts.append("design: a check reproduces an open finding")
    for record in row.get("operating_records", []):
        if record.get("result") == "exception":
            parts.append(f"operating: {record.get('note') or record.get('location')}")
    return "; ".join(parts)


def _addressed_by(needs: dict[str, dict[str, Any]]) -> dict[str, list[str]]:
    """Criterion id -> the controls whose ``:addresses:`` names it."""
    addressed_by: dict[str, list[str]] = {}
    for nid, need in needs.items():
        for target in split_list(need.get("addresses")):
            addressed_by.setdefault(target, []).append(nid)
    return addressed_by


def trace_rows(needs: dict[str, dict[str, Any]], data: dict[str, Any]) -> list[dict[str, Any]]:
    rows_by_id = {r["id"]: r for r in data["rows"]}
    addressed_by = _addressed_by(needs)
    out = []

    def paths(criterion: dict[str, Any] | None, row: dict[str, Any]) -> None:
        control = needs.get(row["id"], {})
        procs = row["procedures"] or [{"id": "", "status": "", "date": "", "run": ""}]
        evidence = row["evidence"] or [""]
        for proc in procs:
            for evd in evidence:
                out.append({
                    "framework": (criterion or {}).get("framework") or "",
                    "criterion_id": (criterion or {}).get("id", ""),
                    "criterion_ref": (criterion or {}).get("ref") or "",
                    "criterion_title": ((criterion or {}).get("title") or "").split(": ", 1)[-1],
                    "criterion_scope": (criterion or {}).get("scope") or "",
                    "control_id": row["id"], "control_type_of_need": row["type"],
                    "control_text": row["title"], "owner": row["owner"], "frequency": row["frequency"],
                    "control_type": control.get("control_type") or "", "nature": control.get("nature") or "",
                    "procedure_id": proc["id"], "procedure_design_status": proc["status"],
                    "procedure_last_run_at": proc["date"], "procedure_run": proc.get("run", ""),
                    "evidence_id": evd, "evidence_status": (needs.get(evd) or {}).get("status") or "",
                    "design_status": row["design"],
                    "operating_status": row["operating"] if row["type"] == "control" else "",
                    "exceptions": _exceptions(row), "to_confirm": "yes" if row["to_confirm"] else "",
                })

    for cid, crit in sorted(needs.items(), key=lambda kv: (kv[1].get("framework") or "", kv[0])):
        if crit["type"] != "requirement":
            continue
        controls = sorted(c for c in addressed_by.get(cid, []) if c in rows_by_id)
        if not controls:
            out.append({**{c: "" for c in TRACE_COLUMNS}, "framework": crit.get("framework") or "",
                        "criterion_id": cid, "criterion_ref": crit.get("ref") or "", "criterion_title": crit["title"].split(": ", 1)[-1],
                        "criterion_scope": crit.get("scope") or "",
                        "design_status": criterion_coverage(crit, controls),
                        "exceptions": crit.get("scope_reason") or ""})
        for control in controls:
            paths(crit, rows_by_id[control])
    for row in data["rows"]:
        if row["type"] == "checklist" or not any(row["refs"].values()):
            paths(None, row)
    return out


def criteria_rows(needs: dict[str, dict[str, Any]], data: dict[str, Any]) -> list[dict[str, Any]]:
    rows_by_id = {r["id"]: r for r in data["rows"]}
    addressed_by = _addressed_by(needs)
    out = []
    for cid, crit in sorted(needs.items(), key=lambda kv: (kv[1].get("framework") or "", kv[0])):
        if crit["type"] != "requirement":
            continue
        controls = sorted(c for c in addressed_by.get(cid, []) if c in rows_by_id)
        out.append({
            "framework": crit.get("framework") or "", "criterion_id": cid, "criterion_ref": crit.get("ref") or "",
            "title": crit["title"].split(": ", 1)[-1], "scope": crit.get("scope") or "", "scope_reason": crit.get("scope_reason") or "",
            "coverage": criterion_coverage(crit, controls), "controls": " ".join(controls),
            "design_statuses": " ".join(f"{c}={rows_by_id[c]['design']}" for c in controls),
            "operating_statuses": " ".join(f"{c}={rows_by_id[c]['operating']}" for c in controls),
        })
    return out


def _write(path: Path, columns: list[str], rows: list[dict[str, Any]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)


def write_exports(out: Path, needs: dict[str, dict[str, Any]], data: dict[str, Any]) -> None:
    _write(out / "traceability.csv", TRACE_COLUMNS, trace_rows(needs, data))
    _write(out / "criteria.csv", CRITERIA_COLUMNS, criteria_rows(needs, data))
    with (out / "coverage.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["framework", "controls", *(f"design-{s}" for s in DESIGN_STATES),
                         *(f"operating-{s}" for s in OPERATING_STATES)])
        for fw, fig in data["per_framework"].items():
            writer.writerow([fw, fig["total"], *(fig[s] for s in DESIGN_STATES),
                             *(fig[f"operating-{s}"] for s in OPERATING_STATES)])
    (out / "coverage.json").write_text(json.dumps(data, indent=2, sort_keys=True), encoding="utf-8")
