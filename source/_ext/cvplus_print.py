"""The printed manual (LaTeX/PDF): what HTML shows, on paper.

- Mermaid diagrams are rendered to vector PDF by mermaid-cli (pinned in
  package-lock.json) driving Debian's Chromium; a diagram that fails to
  render is a warning, so the strict build fails.
- sphinx-needs draws graphviz needflows for HTML only; for other builders
  this extension resolves them the same way and hands the dot code to
  sphinx.ext.graphviz, which renders PDF for LaTeX.
- Matrix and need tables become long tables that break across pages.
- ``{release-checklist}`` prints the checklist items with a box to tick.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.application import Sphinx
from sphinx.ext.graphviz import graphviz
from sphinx.util.docutils import SphinxDirective
from sphinx.util.nodes import make_refnode

import cvplus_tables as tables

ROOT = Path(__file__).resolve().parents[2]
MMDC = ROOT / "node_modules" / ".bin" / "mmdc"


class checkbox(nodes.Inline, nodes.Element):
    pass


def _html_box(self: Any, node: checkbox) -> None:
    self.body.append('<span class="cvplus-box" role="img" aria-label="to tick">&#9744;</span>')
    raise nodes.SkipNode


def _latex_box(self: Any, node: checkbox) -> None:
    self.body.append(r"\fbox{\rule{0pt}{0.7em}\hspace{0.7em}}")
    raise nodes.SkipNode


def _text_box(self: Any, node: checkbox) -> None:
    self.add_text("[ ]")
    raise nodes.SkipNode


class checklist_placeholder(nodes.General, nodes.Element):
    pass


class ReleaseChecklist(SphinxDirective):
    """A printable table of checklist needs, grouped by phase, with boxes:
    the release phases (``release_phases`` of the metamodel, in order), or
    the one ``:phase:`` named (e.g. incident)."""

    option_spec = {"environment": directives.unchanged, "phase": directives.unchanged}

    def run(self) -> list[nodes.Node]:
        return [checklist_placeholder(environment=self.options.get("environment", ""),
                                      phase=self.options.get("phase", ""))]


def _checklists(app: Sphinx, doctree: nodes.document, fromdocname: str) -> None:
    placeholders = list(doctree.findall(checklist_placeholder))
    if not placeholders:
        return
    from cvplus_checks import plain_needs, split_list

    needs = plain_needs(app)
    release_phases = list(app.config.cvplus_metamodel["release_phases"])
    carried: dict[str, list[str]] = {}
    for need in needs.values():
        for target in split_list(need.get("implements")):
            carried.setdefault(target, []).append(need["id"])
    for node in placeholders:
        env_filter = node["environment"]
        phases = [node["phase"]] if node.get("phase") else release_phases
        items = [n for n in needs.values() if n["type"] == "checklist" and n.get("phase") in phases
                 and (not env_filter or not split_list(n.get("environment")) or env_filter in split_list(n.get("environment")))]
        rows = []
        for item in sorted(items, key=lambda n: (release_phases.index(n["phase"]) if n.get("phase") in release_phases else 99, n["id"])):
            ref = make_refnode(app.builder, fromdocname, item["docname"], item["id"], nodes.literal(text=item["id"]), item["id"])
            procs = [make_refnode(app.builder, fromdocname, needs[p]["docname"], p, nodes.literal(text=p), p)
                     for p in sorted(carried.get(item["id"], []))]
            rows.append([checkbox(), item.get("phase") or "", ref, item["title"], procs])
        table = tables.table(["Done", "Phase", "Item", "Check", "Procedure"], rows,
                             ["cvplus-checklist", "longtable"], [6, 13, 30, 21, 30])
        node.replace_self(table)


def _needflows_for_print(app: Sphinx, doctree: nodes.document, fromdocname: str) -> None:
    """Resolve needflows as sphinx-needs does for HTML, then hand the dot
    code to sphinx.ext.graphviz (which renders for LaTeX too)."""
    if app.builder.format == "html":
        return
    from sphinx_needs.directives.needflow._graphviz import process_needflow_graphviz
    from sphinx_needs.directives.needflow._directive import NeedflowGraphiz

    found = list(doctree.findall(NeedflowGraphiz))
    if not found:
        return
    builder_format = app.builder.format
    app.builder.format = "html"  # the resolver only runs for HTML builders
    try:
        process_needflow_graphviz(app, doctree, fromdocname, found)
    finally:
        app.builder.format = builder_format
    for node in found:
        code = node.get("resolved_content")
        if code and node.parent is not None:
            replacement = graphviz()
            replacement["code"] = code
            replacement["options"] = {"docname": fromdocname}
            replacement["alt"] = node.get("alt") or "needflow"
            node.replace_self(replacement)


def _long_tables(app: Sphinx, doctree: nodes.document, fromdocname: str) -> None:
    """Every table may break across pages; our wide ID tables keep their
    column widths and use a smaller font so IDs fit their cells."""
    if app.builder.format != "latex":
        return
    for table in list(doctree.findall(nodes.table)):
        if "longtable" not in table["classes"]:
            table["classes"].append("longtable")
        ours = {"cvplus-matrix", "cvplus-checklist"} & set(table["classes"])
        needs_table = any(c.upper().startswith("NEEDS") for c in table["classes"])
        if (ours or needs_table) and table.parent is not None:
            if ours:
                table["classes"].append("colwidths-given")
            parent = table.parent
            index = parent.index(table)
            parent.insert(index + 1, nodes.raw("", "\\endgroup\n", format="latex"))
            parent.insert(index, nodes.raw("", "\\begingroup\\footnotesize\n", format="latex"))


def _configure(app: Sphinx, config: Any) -> None:
    if not config.mermaid_cmd or config.mermaid_cmd == "mmdc":
        config.mermaid_cmd = str(MMDC)
    if not config.mermaid_params:
        config.mermaid_params = ["-p", str(ROOT / "scripts" / "puppeteer-config.json"), "-q", "-b", "white"]


def setup(app: Sphinx) -> dict[str, Any]:
    app.setup_extension("sphinx.ext.graphviz")
    app.add_node(checkbox, html=(_html_box, None), latex=(_latex_box, None), text=(_text_box, None))
    app.add_node(checklist_placeholder)
    app.add_directive("release-checklist", ReleaseChecklist)
    app.connect("config-inited", _configure, priority=900)
    app.connect("doctree-resolved", _needflows_for_print, priority=400)
    app.connect("doctree-resolved", _checklists)
    app.connect("doctree-resolved", _long_tables, priority=900)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
