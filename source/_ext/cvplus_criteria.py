"""Framework criteria as needs, from ``source/_data/criteria.yaml``.

``{framework-criteria}`` with ``:framework: soc2`` (or gdpr, pci) turns
every criterion of that framework into a ``requirement`` need with the id
``REQ_<FRAMEWORK>_<ref>`` (``CC7.3`` -> ``REQ_SOC2_CC7_3``, ``28(3)`` ->
``REQ_GDPR_28_3``), its official id in ``:ref:`` and its scope. Controls
point at them with ``:addresses:``, so the list in the data file is the
list of valid references: anything else is a dangling link and fails the
build.

``{criteria-matrix}`` with ``:framework:`` shows every criterion of the
framework first, with the controls that address it, their procedures and
both statuses, or "not covered" / "out of scope, because ...".

A malformed data file (missing ref or title, a duplicate, an out-of-scope
group without a reason) fails the build with ``criteria.yaml:line``.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml
from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective

import cvplus_data

CRITERIA_FILE = Path(__file__).resolve().parent.parent / "_data" / "criteria.yaml"


def frameworks() -> list[str]:
    """The frameworks of the metamodel (source/_data/metamodel.yaml)."""
    return list(cvplus_data.frameworks(cvplus_data.load_metamodel()))


class CriteriaError(Exception):
    """criteria.yaml is malformed; the message names file:line."""


def need_id(framework: str, ref: str) -> str:
    return f"REQ_{framework.upper()}_" + "_".join(p for p in re.split(r"[^A-Za-z0-9]+", ref.upper()) if p)


def load(path: Path = CRITERIA_FILE, known: list[str] | None = None) -> dict[str, dict[str, Any]]:
    """Per framework: name, source and criteria (ref, title, id, scope, reason, line).
    ``known``: the metamodel's frameworks (read from the file when not given)."""
    text = path.read_text(encoding="utf-8")
    try:
        data = cvplus_data.parse_yaml(text) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise CriteriaError(f"{path}:{mark.line + 1 if mark else 1}: invalid YAML") from exc
    lines = text.splitlines()

    def line_of(ref: str) -> int:
        pattern = re.compile(rf"ref:\s*['\"]?{re.escape(ref)}['\"]?\s*(,|$|}})")
        return next((n for n, line in enumerate(lines, 1) if pattern.search(line)), 1)

    out: dict[str, dict[str, Any]] = {}
    seen: set[str] = set()
    known = known if known is not None else frameworks()
    for framework in data:
        if framework not in known:
            raise CriteriaError(f"{path}:{next((n for n, l in enumerate(lines, 1) if l.startswith(framework + ':')), 1)}: "
                                f"'{framework}' is not a framework of source/_data/metamodel.yaml ({', '.join(known)})")
    # a framework of the metamodel that this file does not list has its
    # requirement needs written by hand
    for framework in (f for f in known if f in data):
        spec = data.get(framework)
        if not isinstance(spec, dict) or not spec.get("criteria"):
            raise CriteriaError(f"{path}:1: framework '{framework}' has no criteria")
        group = spec.get("out_of_scope") or {}
        if group.get("criteria") and not str(group.get("reason") or "").strip():
            raise CriteriaError(f"{path}:1: {framework}: out_of_scope criteria need a reason")
        entries = [(c, c.get("out_of_scope")) for c in spec["criteria"]]
        entries += [(c, group.get("reason")) for c in group.get("criteria") or []]
        criteria = []
        for entry, reason in entries:
            ref, title = str(entry.get("ref") or "").strip(), str(entry.get("title") or "").strip()
            if not ref or not title:
                raise CriteriaError(f"{path}:{line_of(ref) if ref else 1}: {framework}: a criterion needs ref and title")
            nid = need_id(framework, ref)
            if nid in seen:
                raise CriteriaError(f"{path}:{line_of(ref)}: {framework}: criterion {ref} is listed twice")
            seen.add(nid)
            criteria.append({"ref": ref, "title": title, "id": nid, "line": line_of(ref),
                             "scope": "out-of-scope" if reason else "in-scope",
                             "reason": " ".join(str(reason or "").split())})
        out[framework] = {"name": spec.get("name", framework), "source": " ".join(str(spec.get("source", "")).split()),
                          "status": spec.get("status") or "", "criteria": criteria}
    return out


class FrameworkCriteria(SphinxDirective):
    """Emit one requirement need per criterion of a framework."""

    option_spec = {"framework": directives.unchanged_required}

    def run(self) -> list[nodes.Node]:
        framework = self.options.get("framework", "")
        try:
            data = load(known=list(cvplus_data.frameworks(self.config.cvplus_metamodel)))
        except CriteriaError as exc:
            raise self.error(str(exc)) from None
        if framework not in data:
            raise self.error(f"framework-criteria: unknown framework '{framework}' (use {', '.join(data)})")
        self.env.note_dependency(str(CRITERIA_FILE))
        spec = data[framework]
        blocks = [spec["source"], ""]
        for c in spec["criteria"]:
            title = c["title"].replace("\n", " ")
            block = [f"```{{requirement}} {c['ref']}: {title}", f":id: {c['id']}", f":framework: {framework}",
                     f":ref: {c['ref']}", f":scope: {c['scope']}"]
            if c["reason"]:
                block.append(f":scope_reason: {c['reason']}")
            if spec["status"]:
                block.append(f":status: {spec['status']}")
            block += [":collapse: true", "```", ""]
            blocks += block
        return self.parse_text_to_nodes("\n".join(blocks))


class CriteriaMatrix(SphinxDirective):
    option_spec = {"framework": directives.unchanged_required}

    def run(self) -> list[nodes.Node]:
        from cvplus_coverage import coverage_placeholder

        framework = self.options.get("framework", "")
        known = list(cvplus_data.frameworks(self.config.cvplus_metamodel))
        if framework not in known:
            raise self.error(f"criteria-matrix: unknown framework '{framework}' (use {', '.join(known)})")
        node = coverage_placeholder(kind="criteria", framework=framework)
        node["ids"] = [f"criteria-{framework}"]
        return [node]


def render(app: Sphinx, fromdocname: str, needs: dict[str, Any], data: dict[str, Any], framework: str) -> list[nodes.Node]:
    """The criterion-first table of one framework."""
    import cvplus_tables as tables
    from cvplus_data import split_list
    from cvplus_coverage import _need_ref, _status

    rows_by_id = {r["id"]: r for r in data["rows"]}
    addressed_by: dict[str, list[str]] = {}
    for nid, need in needs.items():
        for target in split_list(need.get("addresses")):
            addressed_by.setdefault(target, []).append(nid)
    criteria = sorted((n for n in needs.values() if n["type"] == "requirement" and n.get("framework") == framework),
                      key=lambda n: (n.get("lineno") or 0))
    table_rows = []
    counts = {"covered": 0, "not covered": 0, "out of scope": 0}
    for crit in criteria:
        controls = sorted(c for c in addressed_by.get(crit["id"], []) if c in rows_by_id)
        ref = [_need_ref(app, fromdocname, crit, crit["id"])]
        if crit.get("scope") == "out-of-scope":
            counts["out of scope"] += 1
            cell: Any = [nodes.emphasis(text=f"out of scope, because {crit.get('scope_reason')}")]
            table_rows.append([crit.get("ref", ""), ref, crit["title"].split(": ", 1)[-1], cell, "", ""])
            continue
        if not controls:
            counts["not covered"] += 1
            table_rows.append([crit.get("ref", ""), ref, crit["title"].split(": ", 1)[-1],
                               [nodes.strong(text="not covered")], "", ""])
            continue
        counts["covered"] += 1
        ctrl_lines, design, operating = [], [], []
        for c in controls:
            row = rows_by_id[c]
            procs = ", ".join(f"{p['id']} ({p['status']})" for p in row["procedures"])
            ctrl_lines.append(nodes.line("", "", _need_ref(app, fromdocname, needs.get(c), c), nodes.Text(f": {procs}")))
            design.append(nodes.line("", "", _status(row["design"])))
            operating.append(nodes.line("", "", _status(row["operating"])))
        table_rows.append([crit.get("ref", ""), ref, crit["title"].split(": ", 1)[-1],
                           nodes.line_block("", *ctrl_lines), nodes.line_block("", *design),
                           nodes.line_block("", *operating)])
    intro = nodes.paragraph(text=f"{len(criteria)} criteria: {counts['covered']} addressed by a control, "
                                 f"{counts['not covered']} not covered, {counts['out of scope']} out of scope.")
    table = tables.table(["Ref", "Criterion", "Short title", "Controls: procedures (sandbox result)", "Design", "Operating"],
                         table_rows, ["cvplus-matrix", f"cvplus-criteria-{framework}"], [7, 17, 22, 34, 10, 10])
    return [intro, table]


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_directive("framework-criteria", FrameworkCriteria)
    app.add_directive("criteria-matrix", CriteriaMatrix)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
