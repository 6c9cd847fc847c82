"""Every diagram keeps its text version, and every diagram links to it.

Diagrams live in ``source/diagrams/*.mmd``; the diagrams page
(``diagrams/index``) holds each one in a section of its own followed by a
text version that says the same thing in words. This extension:

- records which file each ``{mermaid}`` block draws;
- on the diagrams page, gives each diagram's section the label
  ``cvplus-diagram-<file stem>``, and warns when the section has no text
  version (no list and no paragraph of its own besides the "Belongs to" line);
- on every other page, puts a "Text version of this diagram" link under the
  diagram, to that label.

A diagram written inline (not from a file), a diagram file with no section
on the diagrams page (the link does not resolve) and a section without text
are warnings, so the strict build fails at the page and line.
"""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import Any

from docutils import nodes
from sphinx import addnodes
from sphinx.application import Sphinx
from sphinx.util import logging
from sphinxcontrib.mermaid import Mermaid, mermaid

logger = logging.getLogger(__name__)
DIAGRAMS_PAGE = "diagrams/index"
LABEL = "cvplus-diagram-{}"


class DiagramFromFile(Mermaid):
    """sphinxcontrib-mermaid's directive, remembering the file it drew."""

    def run(self, **kwargs):
        result = super().run(**kwargs)
        for node in result:
            for diagram in node.findall(mermaid) if isinstance(node, nodes.Element) else []:
                diagram["cvplus_source"] = self.arguments[0] if self.arguments else ""
                diagram.source, diagram.line = self.state_machine.get_source_and_line(self.lineno)
        return result


def label_for(source: str) -> str:
    return LABEL.format(PurePosixPath(source).stem)


def _has_text_version(section: nodes.section, diagram_holder: nodes.Node) -> bool:
    blocks = [child for child in section.children if child is not diagram_holder
              and not isinstance(child, (nodes.title, nodes.target, nodes.section))]
    lists = [b for b in blocks if isinstance(b, (nodes.bullet_list, nodes.enumerated_list, nodes.definition_list))]
    return bool(lists) or len([b for b in blocks if isinstance(b, nodes.paragraph)]) >= 2


def _holder(diagram: mermaid) -> nodes.Element:
    """The diagram, or the figure that carries its caption."""
    return diagram.parent if isinstance(diagram.parent, nodes.figure) else diagram


def _label_sections(app: Sphinx, doctree: nodes.document) -> None:
    std = app.env.get_domain("std")
    for diagram in doctree.findall(mermaid):
        source = diagram.get("cvplus_source")
        section = diagram.parent
        while section is not None and not isinstance(section, nodes.section):
            section = section.parent
        if not source or section is None:
            logger.warning("diagram on the diagrams page outside a section of its own, or not from a file",
                           location=diagram)
            continue
        if not _has_text_version(section, _holder(diagram)):
            logger.warning(f"diagram {source} has no text version in its section (a list or paragraphs "
                           "saying in words what it draws)", location=diagram)
        name = label_for(source)
        title = section.next_node(nodes.title).astext()
        std.anonlabels[name] = (app.env.docname, section["ids"][0])
        std.labels[name] = (app.env.docname, section["ids"][0], title)


def _link_to_text(app: Sphinx, doctree: nodes.document) -> None:
    for diagram in list(doctree.findall(mermaid)):
        source = diagram.get("cvplus_source")
        if not source:
            logger.warning(f"inline diagram: keep it in source/diagrams/<name>.mmd and give it a text version "
                           f"on the diagrams page ({DIAGRAMS_PAGE})", location=diagram)
            continue
        ref = addnodes.pending_xref("", nodes.inline("", "Text version of this diagram"),
                                    refdomain="std", reftype="ref", reftarget=label_for(source),
                                    refexplicit=True, refwarn=True, refdoc=app.env.docname)
        para = nodes.paragraph("", "", ref, classes=["cvplus-diagram-text"])
        para.source, para.line = diagram.source, diagram.line
        ref.source, ref.line = diagram.source, diagram.line
        holder = _holder(diagram)
        holder.parent.insert(holder.parent.index(holder) + 1, para)


def _doctree_read(app: Sphinx, doctree: nodes.document) -> None:
    if app.env.docname == DIAGRAMS_PAGE:
        _label_sections(app, doctree)
    else:
        _link_to_text(app, doctree)


def setup(app: Sphinx) -> dict[str, Any]:
    app.setup_extension("sphinxcontrib.mermaid")
    app.add_directive("mermaid", DiagramFromFile, override=True)
    app.connect("doctree-read", _doctree_read)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
