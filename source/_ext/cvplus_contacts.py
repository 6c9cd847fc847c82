"""Escalation contacts rendered from the roles in platform.yaml.

``{contact-roles}`` shows every role with its rotation and how to reach it;
``:roles: a, b`` narrows the table. Contacts are roles and rotations, never
named people, so the list does not rot when people change.
"""

from __future__ import annotations

from typing import Any

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective


class ContactRoles(SphinxDirective):
    option_spec = {"roles": directives.unchanged}

    def run(self) -> list[nodes.Node]:
        roles = self.config.cvplus_platform["roles"]
        wanted = [r.strip() for r in self.options.get("roles", "").split(",") if r.strip()] or list(roles)
        unknown = [r for r in wanted if r not in roles]
        if unknown:
            raise self.error(f"contact-roles: unknown role(s) {', '.join(unknown)}; known: {', '.join(roles)}")
        table = nodes.table(classes=["cvplus-contacts"])
        group = nodes.tgroup(cols=4)
        table += group
        for width in (16, 14, 36, 34):
            group += nodes.colspec(colwidth=width)
        head = nodes.thead()
        row = nodes.row()
        for text in ("Role", "Role id", "Rotation", "How to reach"):
            row += nodes.entry("", nodes.paragraph(text=text))
        head += row
        group += head
        body = nodes.tbody()
        for role_id in wanted:
            role = roles[role_id]
            row = nodes.row()
            row += nodes.entry("", nodes.paragraph(text=role["title"]))
            row += nodes.entry("", nodes.paragraph("", "", nodes.literal(text=role_id)))
            row += nodes.entry("", nodes.paragraph(text=role["rotation"]))
            row += nodes.entry("", nodes.paragraph(text=role["reach"]))
            body += row
        group += body
        return [table]


def setup(app: Sphinx) -> dict[str, Any]:
    app.setup_extension("cvplus_facts")
    app.add_directive("contact-roles", ContactRoles)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
