"""Traceability pages: coverage matrix, coverage figures and gaps.

Renders what the status model (cvplus_coverage_model) computes from the
needs and the test evidence; writes nothing by hand. Directives:

``{coverage-matrix}``   one table per framework (``:framework: soc2``; the
                        frameworks of ``metamodel.yaml``), ``checklist`` or ``all``
``{coverage-summary}``  figures per need type and per framework, with pies
``{coverage-gaps}``     controls not proven by a passing test, and why
``{evidence-run}``      the test run whose results this build shows, and
                        the evidence ledger's head (its anchor in the PDF)

It also puts each procedure's, control's and checklist item's status line
under the need. At the end of every build cvplus_exports writes the same
data next to needs.json. The pages that hold these directives are
re-written whenever their inputs change, so they are never stale.

How the build fails: a directive naming a framework the metamodel does not
declare is an error at its file:line (``unknown framework 'hipaa'``).
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

import cvplus_data
from cvplus_checks import plain_needs
from cvplus_coverage_model import DESIGN_STATES, carrier_types, compute, gap_rows, load_results
from cvplus_handoff import read_results
from cvplus_pagestate import page_state
from cvplus_tables import table as _table_node

logger = logging.getLogger(__name__)

STATE_COLOURS = {
    "verified": "#2e7d32", "passed": "#2e7d32", "manual": "#c49000",
    "not-run": "#9e9e9e", "failed": "#c62828", "stale": "#ef6c00",
    "uncovered": "#6a1b9a", "exception-open": "#ad1457", "linked": "#2e7d32", "unlinked": "#c62828",
    "collected": "#2e7d32", "exception": "#ad1457", "missing": "#9e9e9e",
}


# -- nodes and directives ------------------------------------------------

class coverage_placeholder(nodes.General, nodes.Element):
    pass


class CoverageMatrix(SphinxDirective):
    option_spec = {"framework": directives.unchanged_required}

    def run(self) -> list[nodes.Node]:
        framework = self.options.get("framework", "all")
        frameworks = cvplus_data.frameworks(self.config.cvplus_metamodel)
        if framework not in (*frameworks, "all", "checklist"):
            raise self.error(f"coverage-matrix: unknown framework '{framework}' (use {', '.join(frameworks)}, checklist or all)")
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
        frameworks = cvplus_data.frameworks(self.config.cvplus_metamodel)
        if framework not in (*frameworks, "all"):
            raise self.error(f"coverage-gaps: unknown framework '{framework}' (use {', '.join(frameworks)} or all)")
        return [coverage_placeholder(kind="gaps", framework=framework)]


def _status(state: str) -> nodes.inline:
    return nodes.inline(text=state, classes=[f"cvplus-status-{state}"])


def _need_ref(app: Sphinx, fromdocname: str, need: dict[str, Any] | None, need_id: str) -> nodes.Node:
    if need is None or not need.get("docname"):
        return nodes.literal(text=need_id)
    return make_refnode(app.builder, fromdocname, need["docname"], need_id, nodes.literal(text=need_id), need_id)


def _matrix(app: Sphinx, fromdocname: str, data: dict[str, Any], needs: dict[str, Any], framework: str) -> list[nodes.Node]:
    frameworks = cvplus_data.frameworks(app.config.cvplus_metamodel)
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
        if framework in frameworks:
            ref_cell: Any = ", ".join(r["refs"][framework])
        elif framework == "checklist":
            ref_cell = r["phase"]
        else:
            ref_cell = "; ".join(f"{frameworks[f]} {', '.join(v)}" for f, v in r["refs"].items() if v)
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
    first = "Phase" if framework == "checklist" else ("Reference" if framework in frameworks else "Frameworks")
    headers = [first, "Control" if framework != "checklist" else "Checklist item",
               "Carried out by (sandbox result)", "Evidence", "Last sandbox run", "Design",
               "Operating"]
    return [_table_node(headers, table_rows, ["cvplus-matrix", f"cvplus-matrix-{framework}"], [9, 22, 27, 18, 8, 8, 8])]



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
    frameworks = cvplus_data.frameworks(metamodel)
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
        rows.append([frameworks[fw], str(total), f"{carried_pct:.0f} %", f"{verified_pct:.0f} %",
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
        out.append(_pie(f"{frameworks[fw]} (design)", {s: fig[s] for s in DESIGN_STATES}))
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
                                partly_manual(app.env), finding_hashes(app.env), operating_status(app),
                                app.config.cvplus_metamodel))
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
    shown = {"procedure", *carrier_types(app.config.cvplus_metamodel)}
    for node in targets:
        need = needs.get(node["ids"][0]) if node.get("ids") else None
        if need is None or need["type"] not in shown:
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
