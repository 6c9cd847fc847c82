"""Docutils tables for the directives of our extensions.

One concern: build a table node from headers and rows. A cell may be a
string, a node, a list of inline nodes (joined with ", "), or a body
element such as a line block (placed as it is).
"""

from __future__ import annotations

from typing import Any, Sequence

from docutils import nodes

Cell = Any


def _entry(cell: Cell) -> nodes.entry:
    entry = nodes.entry()
    if isinstance(cell, str):
        entry += nodes.paragraph(text=cell)
    elif isinstance(cell, (nodes.line_block, nodes.paragraph, nodes.bullet_list)):
        entry += cell
    elif isinstance(cell, (list, tuple)):
        para = nodes.paragraph()
        for index, part in enumerate(cell):
            if index:
                para += nodes.Text(", ")
            para += part
        entry += para
    else:
        entry += nodes.paragraph("", "", cell)
    return entry


def table(headers: Sequence[str], rows: Sequence[Sequence[Cell]], classes: Sequence[str] = (),
          widths: Sequence[int] | None = None, title: str | None = None) -> nodes.table:
    node = nodes.table(classes=list(classes))
    if title:
        node += nodes.title(text=title)
    group = nodes.tgroup(cols=len(headers))
    node += group
    for width in widths or [1] * len(headers):
        group += nodes.colspec(colwidth=width)
    head = nodes.thead()
    row = nodes.row()
    for text in headers:
        row += nodes.entry("", nodes.paragraph(text=text))
    head += row
    group += head
    body = nodes.tbody()
    for cells in rows:
        row = nodes.row()
        for cell in cells:
            row += _entry(cell)
        body += row
    group += body
    return node
