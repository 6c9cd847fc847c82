"""Traceability: coverage matrix, coverage figures and auditor exports.

Status is computed, never typed: a control's status follows from the
procedures that carry it out (``:implements:`` links) and from the latest
snippet-test evidence for those procedures (``build/evidence/results.json``,
written by the test suite). Directives:

``{coverage-matrix}``   one table per framework (``:framework: soc2``)
``{coverage-summary}``  figures per need type and per framework, with pies
``{coverage-gaps}``     controls not proven by a passing test, and why
``{evidence-run}``      the test run whose results this build shows, and
                        the evidence ledger's head (its anchor in the PDF)

At the end of every build the same data is written next to needs.json as
``traceability.csv``, ``coverage.csv`` and ``coverage.json``. The pages that
hold these directives are re-written on every build so they are never stale.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.application import Sphinx
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective
from sphinx.util.nodes import make_refnode

from cvplus_checks import plain_needs, split_list
from cvplus_handoff import read_results
from cvplus_pagestate import page_state
from cvplus_tables import table as _table_node

logger = logging.getLogger(__name__)

FRAMEWORKS = {"soc2": "SOC 2", "gdpr": "GDPR", "pci": "PCI DSS"}
# Design: is the procedure verified in the sandbox? Never evidence that the
# control operated in the real environment.
PROCEDURE_STATES = ["passed", "failed", "stale", "manual", "not-run"]
DESIGN_STATES = ["verified", "exception-open", "manual", "not-run", "failed", "stale", "uncovered"]
# Operation: evidence collected in the real environment for the audit period,
# set only by `scripts/evidence_ledger.py import` (see cvplus_operating).
OPERATING_STATES = ["collected", "exception", "missing"]
STATE_COLOURS = {
    "verified": "#2e7d32", "passed": "#2e7d32", "manual": "#c49000",
    "not-run": "#9e9e9e", "failed": "#c62828", "stale": "#ef6c00",
    "uncovered": "#6a1b9a", "exception-open": "#ad1457", "linked": "#2e7d32", "unlinked": "#c62828",
    "collected": "#2e7d32", "exception": "#ad1457", "missing": "#9e9e9e",
}


# -- evidence --------------------------------------------------------------

def load_results(path: Path) -> dict[str, list[dict[str, Any]]]:
    """Snippet results per procedure id; empty when the tests have not run."""
    by_need: dict[str, list[dict[str, Any]]] = {}
    for result in read_results(path):  # cvplus_handoff: a file of another shape stops the build, named
        by_need.setdefault(result.need, []).append(result.to_dict())
    return by_need


def procedure_status(need: dict[str, Any], results: dict[str, list[dict[str, Any]]],
                     current_hashes: dict[str, set[str]], manual_needs: set[str] = frozenset(),
                     finding_hashes: dict[str, set[str]] | None = None) -> dict[str, Any]:
    """Design status of one procedure: status, date and run of the newest
    result, and whether a passing block reproduced a recorded finding.

    passed: every runnable snippet passed at its current text, and none of
    its snippets is marked not-run; failed / stale (the text changed since
    it passed) / not-run (runnable, no result yet); manual otherwise.
    """
    shown = current_hashes.get(need["id"], set())
    findings = (finding_hashes or {}).get(need["id"], set())
    # the newest result for each snippet text the page shows now: an older
    # failure, or a result for text that is gone, no longer counts
    newest_by_text: dict[str, dict[str, Any]] = {}
    for r in results.get(need["id"], []):
        if r.get("outcome") in ("passed", "failed") and r.get("sha256") in shown:
            if r.get("finished", "") >= newest_by_text.get(r["sha256"], {}).get("finished", ""):
                newest_by_text[r["sha256"]] = r

    def out(status: str, date: str = "", run: str = "") -> dict[str, Any]:
        finding = any(h in findings and r["outcome"] == "passed" for h, r in newest_by_text.items())
        return {"status": status, "date": date, "run": run, "finding": finding}

    if newest_by_text:
        latest = max(newest_by_text.values(), key=lambda r: r.get("finished", ""))
        newest, run = latest.get("finished", ""), latest.get("run", "")
        if any(r["outcome"] == "failed" for r in newest_by_text.values()):
            return out("failed", newest, run)
        if set(newest_by_text) != shown:
            return out("stale", newest, run)
        return out("manual" if need["id"] in manual_needs else "passed", newest, run)
    if shown and any(r.get("sha256") not in shown for r in results.get(need["id"], [])):
        latest = max(results[need["id"]], key=lambda r: r.get("finished", ""))
        return out("stale", latest.get("finished", ""), latest.get("run", ""))
    if shown:
        return out("not-run")
    # no runnable snippet: the build has checked that it states a reason
    return out("manual")


def procedure_runs(need: dict[str, Any], results: dict[str, list[dict[str, Any]]],
                   current_hashes: dict[str, set[str]]) -> dict[str, Any]:
    """What the procedure's current snippets ran against (tools) and the simulated
    Google APIs' request-log summary, merged over their newest results."""
    shown = current_hashes.get(need["id"], set())
    newest: dict[str, dict[str, Any]] = {}
    for r in results.get(need["id"], []):
        if r.get("outcome") in ("passed", "failed") and r.get("sha256") in shown:
            if r.get("finished", "") >= newest.get(r["sha256"], {}).get("finished", ""):
                newest[r["sha256"]] = r
    tools: list[str] = []
    endpoints: dict[str, int] = {}
    documents: set[str] = set()
    exceptions: set[str] = set()
    requests = 0
    for r in newest.values():
        tools += [t for t in r.get("ran_against", []) if t not in tools]
        cloud = r.get("cloud") or {}
        requests += cloud.get("requests", 0)
        for name, count in cloud.get("endpoints", {}).items():
            endpoints[name] = endpoints.get(name, 0) + count
        documents.update(cloud.get("documents", []))
        exceptions.update(cloud.get("exceptions", []))
    return {"ran_against": tools, "cloud": {"requests": requests, "endpoints": dict(sorted(endpoints.items())),
                                            "documents": sorted(documents), "exceptions": sorted(exceptions)}}


def control_status(proc_states: list[str], finding: bool = False) -> str:
    """Design status of a control from its procedures' design statuses.

    A procedure that passed while reproducing a recorded finding makes the
    control "exception-open": the check works, the control does not hold.
    """
    if not proc_states:
        return "uncovered"
    for bad in ("failed", "stale", "not-run"):
        if bad in proc_states:
            return bad
    if finding:
        return "exception-open"
    if all(s == "passed" for s in proc_states):
        return "verified"
    return "manual"


def compute(needs: dict[str, dict[str, Any]], results: dict[str, list[dict[str, Any]]],
            current_hashes: dict[str, set[str]] | None = None,
            manual_needs: set[str] = frozenset(),
            finding_hashes: dict[str, set[str]] | None = None,
            operating: dict[str, dict[str, Any]] | None = None) -> dict[str, Any]:
    """Everything the matrix, the figures and the exports show.

    ``operating`` (control id -> operating record, from cvplus_operating) is
    the only input to a control's operating status; sandbox ``results``
    never reach it.
    """
    current_hashes = current_hashes or {}
    operating = operating or {}
    carried_by: dict[str, list[str]] = {}
    for need in needs.values():
        for target in split_list(need.get("implements")):
            carried_by.setdefault(target, []).append(need["id"])
    procs = {
        nid: {**procedure_status(n, results, current_hashes, manual_needs, finding_hashes),
              **procedure_runs(n, results, current_hashes)}
        for nid, n in needs.items() if n["type"] == "procedure"
    }
    rows = []
    for nid, need in sorted(needs.items()):
        if need["type"] not in ("control", "checklist"):
            continue
        proc_ids = sorted(p for p in carried_by.get(nid, []) if p in procs)
        states = [procs[p]["status"] for p in proc_ids]
        finding = any(procs[p]["finding"] for p in proc_ids)
        op = operating.get(nid) or {"status": "missing", "records": []}
        rows.append({
            "id": nid,
            "type": need["type"],
            "title": need["title"],
            "owner": need.get("owner") or "",
            "frequency": need.get("frequency") or "",
            "phase": need.get("phase") or "",
            "refs": framework_refs(need, needs),
            "procedures": [{"id": p, **procs[p]} for p in proc_ids],
            "evidence": split_list(need.get("evidenced_by")),
            "design": control_status(states, finding),
            "operating": op["status"],
            "operating_records": op["records"],
            "last_result": max((procs[p]["date"] for p in proc_ids), default=""),
            "to_confirm": need.get("status") == "to-confirm",
        })
    used_evidence = {e for n in needs.values()
                     for e in split_list(n.get("evidenced_by")) + split_list(n.get("mitigated_by"))}
    per_type = {}
    for type_name in sorted({n["type"] for n in needs.values()}):
        of_type = [n for n in needs.values() if n["type"] == type_name]
        linked = [n for n in of_type if _is_linked(n, used_evidence, carried_by)]
        per_type[type_name] = {"total": len(of_type), "linked": len(linked)}
    per_framework = {}
    for fw in FRAMEWORKS:
        fw_rows = [r for r in rows if r["refs"][fw]]
        counts = {state: sum(1 for r in fw_rows if r["design"] == state) for state in DESIGN_STATES}
        op_counts = {f"operating-{state}": sum(1 for r in fw_rows if r["operating"] == state)
                     for state in OPERATING_STATES}
        per_framework[fw] = {"total": len(fw_rows), **counts, **op_counts}
    proc_counts = {s: sum(1 for p in procs.values() if p["status"] == s) for s in PROCEDURE_STATES}
    return {"rows": rows, "procedures": procs, "per_type": per_type,
            "per_framework": per_framework, "procedure_counts": proc_counts}


def framework_refs(need: dict[str, Any], needs: dict[str, dict[str, Any]]) -> dict[str, list[str]]:
    """Official criterion ids per framework that a control addresses
    (through its ``:addresses:`` links to requirement needs)."""
    refs: dict[str, list[str]] = {fw: [] for fw in FRAMEWORKS}
    for target in split_list(need.get("addresses")):
        crit = needs.get(target)
        if crit and crit.get("framework") in refs:
            refs[crit["framework"]].append(crit.get("ref") or target)
    return refs


def _is_linked(need: dict[str, Any], used_evidence: set[str], carried_by: dict[str, list[str]]) -> bool:
    """A need is linked when the link its type is judged by exists."""
    t = need["type"]
    if t in ("control", "checklist"):
        return bool(carried_by.get(need["id"]))
    if t == "criterion":
        return bool(split_list(need.get("evidenced_by")))
    if t == "risk":
        return bool(split_list(need.get("mitigated_by")))
    if t == "procedure":
        return bool(split_list(need.get("implements")))
    if t == "deliverable":
        return bool(split_list(need.get("delivers")))
    if t == "evidence":
        return need["id"] in used_evidence
    return False


# -- nodes and directives ------------------------------------------------

class coverage_placeholder(nodes.General, nodes.Element):
    pass


class CoverageMatrix(SphinxDirective):
    option_spec = {"framework": directives.unchanged_required}

    def run(self) -> list[nodes.Node]:
        framework = self.options.get("framework", "all")
        if framework not in (*FRAMEWORKS, "all", "checklist"):
            raise self.error(f"coverage-matrix: unknown framework '{framework}' (use {', '.join(FRAMEWORKS)}, checklist or all)")
        node = coverage_placeholder(kind="matrix", framework=framework)
        node["ids"] = [f"matrix-{framework}"]
        return [node]


class CoverageSummary(SphinxDirective):
    def run(self) -> list[nodes.Node]:
        return [coverage_placeholder(kind="summary")]


class EvidenceRun(SphinxDirective):
    def run(self) -> list[nodes.Node]:
        return [coverage_placeholder(kind="run")]


class CoverageGaps(SphinxDirective):
    """Controls not proven by a passing test, and anything still to confirm."""

    option_spec = {"framework": directives.unchanged_required}

    def run(self) -> list[nodes.Node]:
        framework = self.options.get("framework", "all")
        if framework not in (*FRAMEWORKS, "all"):
            raise self.error(f"coverage-gaps: unknown framework '{framework}' (use {', '.join(FRAMEWORKS)} or all)")
        return [coverage_placeholder(kind="gaps", framework=framework)]


def _status(state: str) -> nodes.inline:
    return nodes.inline(text=state, classes=[f"cvplus-status-{state}"])


def _need_ref(app: Sphinx, fromdocname: str, need: dict[str, Any] | None, need_id: str) -> nodes.Node:
    if need is None or not need.get("docname"):
        return nodes.literal(text=need_id)
    return make_refnode(app.builder, fromdocname, need["docname"], need_id, nodes.literal(text=need_id), need_id)


def _matrix(app: Sphinx, fromdocname: str, data: dict[str, Any], needs: dict[str, Any], framework: str) -> list[nodes.Node]:
    if framework == "checklist":
        rows = [r for r in data["rows"] if r["type"] == "checklist"]
    elif framework == "all":
        rows = [r for r in data["rows"] if r["type"] == "control"]
    else:
        rows = [r for r in data["rows"] if r["type"] == "control" and r["refs"][framework]]
    if not rows:
        return [nodes.paragraph(text="No needs of this kind exist yet.")]
    table_rows = []
    for r in rows:
        if framework in FRAMEWORKS:
            ref_cell: Any = ", ".join(r["refs"][framework])
        elif framework == "checklist":
            ref_cell = r["phase"]
        else:
            ref_cell = "; ".join(f"{FRAMEWORKS[f]} {', '.join(v)}" for f, v in r["refs"].items() if v)
        procs: list[nodes.Node] = []
        for p in r["procedures"]:
            procs.append(nodes.line("", "", _need_ref(app, fromdocname, needs.get(p["id"]), p["id"]),
                                    nodes.Text(" "), _status(p["status"])))
            if p.get("ran_against"):
                procs.append(nodes.line("", "", nodes.emphasis(text="ran against: " + "; ".join(p["ran_against"]))))
        evidence = [nodes.line("", "", _need_ref(app, fromdocname, needs.get(e), e)) for e in r["evidence"]]
        status_cell = nodes.line_block("", nodes.line("", "", _status(r["design"])))
        if r["to_confirm"]:
            status_cell += nodes.line("", "", nodes.emphasis(text="to confirm"))
        table_rows.append([
            ref_cell,
            [_need_ref(app, fromdocname, needs.get(r["id"]), r["id"])],
            nodes.line_block("", *procs) if procs else [nodes.emphasis(text="none")],
            nodes.line_block("", *evidence) if evidence else [nodes.emphasis(text="none")],
            r["last_result"][:10] or "never",
            status_cell,
            [_status(r["operating"])],
        ])
    first = "Phase" if framework == "checklist" else ("Reference" if framework in FRAMEWORKS else "Frameworks")
    headers = [first, "Control" if framework != "checklist" else "Checklist item",
               "Carried out by (sandbox result)", "Evidence", "Last sandbox run", "Design",
               "Operating"]
    return [_table_node(headers, table_rows, ["cvplus-matrix", f"cvplus-matrix-{framework}"], [9, 22, 27, 18, 8, 8, 8])]


GAP_REASONS = {
    "manual": "only manual evidence: carried out by people, not proven by a test",
    "exception-open": "its check passes by reproducing an open finding: the control does not hold yet",
    "not-run": "testable, but no test result yet",
    "failed": "its latest test failed",
    "stale": "its procedure changed since the test that passed",
    "uncovered": "no procedure carries it out",
}


def gap_rows(data: dict[str, Any], needs: dict[str, Any], framework: str) -> list[dict[str, Any]]:
    """Controls with a gap, and why; shared by the page and the tests."""
    rows = []
    for r in data["rows"]:
        if r["type"] != "control" or (framework != "all" and not r["refs"][framework]):
            continue
        reasons = []
        if r["design"] in GAP_REASONS:
            reasons.append(GAP_REASONS[r["design"]])
        if r["to_confirm"]:
            reasons.append("the control itself is marked to confirm")
        unsure = [e for e in r["evidence"] if (needs.get(e) or {}).get("status") in ("to-confirm", "planned")]
        if unsure:
            reasons.append(f"evidence {', '.join(unsure)} is planned or to confirm")
        if reasons:
            rows.append({**r, "reasons": reasons})
    return rows


def _gaps(app: Sphinx, fromdocname: str, data: dict[str, Any], needs: dict[str, Any], framework: str) -> list[nodes.Node]:
    rows = gap_rows(data, needs, framework)
    total = len([r for r in data["rows"] if r["type"] == "control" and (framework == "all" or r["refs"][framework])])
    intro = nodes.paragraph(text=f"{len(rows)} of {total} controls have a gap.")
    if not rows:
        return [intro]
    table_rows = [[[_need_ref(app, fromdocname, needs.get(r["id"]), r["id"])], r["title"], [_status(r["design"])],
                   "; ".join(r["reasons"])] for r in rows]
    return [intro, _table_node(["Control", "Title", "Design", "Gap"], table_rows, ["cvplus-matrix", "cvplus-gaps"], [20, 30, 10, 40])]


def _run_block(app: Sphinx, data: dict[str, Any]) -> list[nodes.Node]:
    """Which run the results come from, and the ledger anchor."""
    from cvplus_ledger import head

    path = _results_path(app)
    results = [r.to_dict() for r in read_results(path)]
    counts = ", ".join(f"{c} {s}" for s, c in data["procedure_counts"].items() if c)
    if not results:
        return [nodes.paragraph(text="No test run is recorded for this build: procedures read not-run or "
                                     f"manual ({counts}). make test records one before it builds the PDF.")]
    runs: dict[str, int] = {}
    for r in results:
        runs[r.get("run") or "unrecorded"] = runs.get(r.get("run") or "unrecorded", 0) + 1
    newest = max(runs, key=lambda run: (run != "unrecorded", run))
    records, digest = head(path.with_name("ledger.jsonl"))
    out = [nodes.paragraph(text=f"Procedures by design status (sandbox): {counts}. Results come from test run "
                                f"{newest} ({runs[newest]} of {len(results)} snippet results)"
                                + (f"; {len(results) - runs[newest]} were reused from earlier runs, each naming "
                                   "its own run." if len(runs) > 1 else "."))]
    anchor = nodes.paragraph(classes=["cvplus-ledger-anchor"])
    anchor += nodes.Text(f"Ledger head after {records} records: ")
    anchor += nodes.literal(text=digest)
    out.append(anchor)
    return out


def _pie(title: str, counts: dict[str, int]) -> nodes.raw:
    total = sum(counts.values())
    parts = []
    angle = -math.pi / 2
    if total == 0:
        parts.append('<circle cx="50" cy="50" r="45" fill="#e0e0e0"/>')
    for state, count in counts.items():
        if not count:
            continue
        if count == total:
            parts.append(f'<circle cx="50" cy="50" r="45" fill="{STATE_COLOURS[state]}"/>')
            break
        sweep = 2 * math.pi * count / total
        x1, y1 = 50 + 45 * math.cos(angle), 50 + 45 * math.sin(angle)
        angle += sweep
        x2, y2 = 50 + 45 * math.cos(angle), 50 + 45 * math.sin(angle)
        large = 1 if sweep > math.pi else 0
        parts.append(f'<path d="M50,50 L{x1:.2f},{y1:.2f} A45,45 0 {large} 1 {x2:.2f},{y2:.2f} Z" fill="{STATE_COLOURS[state]}"><title>{state}: {count}</title></path>')
    legend = " · ".join(f'<span style="color:{STATE_COLOURS[s]}">■</span> {s} {c}' for s, c in counts.items() if c)
    html = (f'<figure class="cvplus-pie"><svg viewBox="0 0 100 100" width="140" height="140" role="img" '
            f'aria-label="{title}">{"".join(parts)}</svg><figcaption><strong>{title}</strong><br/>{legend or "none yet"}</figcaption></figure>')
    return nodes.raw("", html, format="html")


def _summary(data: dict[str, Any], metamodel: dict[str, Any]) -> list[nodes.Node]:
    titles = {t["directive"]: t["title"] for t in metamodel["types"]}
    out: list[nodes.Node] = []
    rows = []
    for type_name, figures in data["per_type"].items():
        pct = 100 * figures["linked"] / figures["total"] if figures["total"] else 0
        rows.append([titles.get(type_name, type_name), str(figures["total"]), str(figures["linked"]), f"{pct:.0f} %"])
    out.append(nodes.rubric(text="Per need type"))
    out.append(_table_node(["Need type", "Needs", "Linked as the metamodel requires", "Linked"], rows, ["cvplus-matrix", "cvplus-coverage-types"]))
    rows = []
    for fw, fig in data["per_framework"].items():
        total = fig["total"]
        carried = total - fig["uncovered"]
        verified_pct = 100 * fig["verified"] / total if total else 0
        carried_pct = 100 * carried / total if total else 0
        rows.append([FRAMEWORKS[fw], str(total), f"{carried_pct:.0f} %", f"{verified_pct:.0f} %",
                     str(fig["exception-open"]), str(fig["manual"]), str(fig["not-run"]),
                     str(fig["failed"] + fig["stale"]), str(fig["operating-collected"])])
    out.append(nodes.rubric(text="Per framework"))
    out.append(_table_node(["Framework", "Controls", "Carried out by a procedure",
                            "Design verified in the sandbox", "Exception open", "Manual only", "Not run",
                            "Failed or stale", "Operating evidence collected"],
                           rows, ["cvplus-matrix", "cvplus-coverage-frameworks"]))
    out.append(nodes.rubric(text="At a glance"))
    out.append(_pie("Procedures (design)", data["procedure_counts"]))
    for fw, fig in data["per_framework"].items():
        out.append(_pie(f"{FRAMEWORKS[fw]} (design)", {s: fig[s] for s in DESIGN_STATES}))
    return out


# -- build hooks ---------------------------------------------------------

def _results_path(app: Sphinx) -> Path:
    return Path(app.confdir) / app.config.cvplus_evidence_file


def _data(app: Sphinx) -> tuple[dict[str, Any], dict[str, Any]]:
    cache = getattr(app, "_cvplus_coverage", None)
    if cache is None:
        needs = plain_needs(app)
        from cvplus_operating import operating_status
        from cvplus_snippets import current_hashes, finding_hashes, partly_manual

        cache = (needs, compute(needs, load_results(_results_path(app)), current_hashes(app.env),
                                partly_manual(app.env), finding_hashes(app.env), operating_status(app)))
        app._cvplus_coverage = cache  # type: ignore[attr-defined]
    return cache


def _status_line(app: Sphinx, fromdocname: str, need: dict[str, Any], data: dict[str, Any],
                 rows: dict[str, dict[str, Any]]) -> nodes.paragraph | None:
    """The evidence line shown under a procedure, control or checklist item."""
    para = nodes.paragraph(classes=["cvplus-evidence-line"])
    if need["type"] == "procedure":
        proc = data["procedures"].get(need["id"])
        if proc is None:
            return None
        para += nodes.Text("Design (sandbox): ")
        para += _status(proc["status"])
        if proc["date"]:
            para += nodes.Text(" (run ")
            para += nodes.literal(text=proc["run"] or "unrecorded")
            para += nodes.Text(f", {proc['date'][:16].replace('T', ' ')} UTC)")
        if proc["finding"]:
            para += nodes.Text(" · reproduces an open finding")
        if proc.get("ran_against"):
            para += nodes.Text(" · ran against: " + "; ".join(proc["ran_against"]))
        cloud = proc.get("cloud") or {}
        if cloud.get("requests"):
            para += nodes.Text(
                f" · simulated Google APIs: {cloud['requests']} requests to {len(cloud['endpoints'])} endpoints"
                f" ({', '.join(cloud['endpoints'])}), checked against {', '.join(cloud['documents']) or 'no document'}"
                + (f"; named exceptions: {', '.join(cloud['exceptions'])}" if cloud["exceptions"] else ""))
    else:
        row = rows.get(need["id"])
        if row is None:
            return None
        para += nodes.Text("Design: ")
        para += _status(row["design"])
        if row["type"] == "control":
            para += nodes.Text(" · Operating: ")
            para += _status(row["operating"])
    docs = sorted(page_state(app.env).coverage_docs)
    matrix_doc = "traceability/matrix" if "traceability/matrix" in docs else next(iter(docs), None)
    if matrix_doc:
        para += nodes.Text(" · ")
        para += make_refnode(app.builder, fromdocname, matrix_doc, "", nodes.inline(text="coverage matrix"))
    return para


def _annotate_needs(app: Sphinx, doctree: nodes.document, fromdocname: str) -> None:
    from sphinx_needs.nodes import Need

    targets = [n for n in doctree.findall(Need)]
    if not targets:
        return
    needs, data = _data(app)
    rows = {r["id"]: r for r in data["rows"]}
    for node in targets:
        need = needs.get(node["ids"][0]) if node.get("ids") else None
        if need is None or need["type"] not in ("procedure", "control", "checklist"):
            continue
        line = _status_line(app, fromdocname, need, data, rows)
        if line is not None and node.parent is not None:
            node.parent.insert(node.parent.index(node) + 1, line)


def _resolve(app: Sphinx, doctree: nodes.document, fromdocname: str) -> None:
    placeholders = list(doctree.findall(coverage_placeholder))
    if not placeholders:
        return
    needs, data = _data(app)
    for node in placeholders:
        if node["kind"] == "matrix":
            new = _matrix(app, fromdocname, data, needs, node["framework"])
            container = nodes.container(ids=node["ids"], classes=["cvplus-matrix-wrap"])
            container.extend(new)
            node.replace_self(container)
        elif node["kind"] == "criteria":
            from cvplus_criteria import render

            container = nodes.container(ids=node["ids"], classes=["cvplus-matrix-wrap"])
            container.extend(render(app, fromdocname, needs, data, node["framework"]))
            node.replace_self(container)
        elif node["kind"] == "run":
            node.replace_self(_run_block(app, data))
        elif node["kind"] == "gaps":
            node.replace_self(_gaps(app, fromdocname, data, needs, node["framework"]))
        else:
            node.replace_self(_summary(data, app.config.cvplus_metamodel))


def _record_pages(app: Sphinx, doctree: nodes.document) -> None:
    from sphinx_needs.nodes import Need

    env = app.env
    state = page_state(env)
    if next(iter(doctree.findall(coverage_placeholder)), None) is not None:
        state.coverage_docs.add(env.docname)
    if next(iter(doctree.findall(Need)), None) is not None:
        state.need_docs.add(env.docname)


def _rewrite(app: Sphinx, env: Any, need_digest: str) -> list[str]:
    """Pages to re-write (not re-read): the coverage pages whenever their
    inputs changed (needs, snippet texts, test results), and the pages that
    show evidence under their needs when the results changed. Called by
    cvplus_incremental with the digest of every need, once it has one."""
    import hashlib

    from cvplus_snippets import current_hashes

    from cvplus_operating import REGISTER

    path = _results_path(app)
    stamp = path.stat().st_mtime if path.is_file() else 0.0
    # the operating register changes what the same pages show, like results
    stamp += REGISTER.stat().st_mtime if REGISTER.is_file() else 0.0
    digest = hashlib.sha256(json.dumps(
        [need_digest, sorted((n, sorted(h)) for n, h in current_hashes(env).items()), stamp]
    ).encode()).hexdigest()
    state = page_state(env)
    pages: set[str] = set()
    if digest != state.coverage_digest:
        state.coverage_digest = digest
        pages |= state.coverage_docs
    if stamp != state.results_stamp:
        state.results_stamp = stamp
        pages |= state.need_docs
    return sorted(p for p in pages if p in env.all_docs)


def _export(app: Sphinx, exception: Exception | None) -> None:
    if exception is not None:
        return
    from cvplus_exports import write_exports

    needs, data = _data(app)
    write_exports(Path(app.outdir), needs, data)


def setup(app: Sphinx) -> dict[str, Any]:
    app.setup_extension("cvplus_checks")
    app.setup_extension("cvplus_incremental")  # emits cvplus-needs-digest, which _rewrite answers
    app.add_config_value("cvplus_evidence_file", "build/evidence/results.json", "env", types=[str])
    app.add_node(coverage_placeholder)
    app.add_directive("coverage-matrix", CoverageMatrix)
    app.add_directive("coverage-summary", CoverageSummary)
    app.add_directive("coverage-gaps", CoverageGaps)
    app.add_directive("evidence-run", EvidenceRun)
    app.connect("doctree-read", _record_pages)  # page state: purged and merged by cvplus_pagestate
    app.connect("cvplus-needs-digest", _rewrite)
    # before sphinx-needs (500) replaces need nodes with their rendered form
    app.connect("doctree-resolved", _annotate_needs, priority=450)
    app.connect("doctree-resolved", _resolve)
    app.connect("build-finished", _export)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
