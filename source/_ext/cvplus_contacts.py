"""Escalation contacts rendered from the roles in platform.yaml.

``{contact-roles}`` shows every role with its rotation, how to reach it and
the paging rotation that pages it (``escalation.paging``; a role with none
is not paged, and the table says so); ``:roles: a, b`` narrows the table.
Contacts are roles and rotations, never named people, so the list does not
rot when people change. An unknown role fails the build at the directive.
"""

from __future__ import annotations

from typing import Any

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective

import cvplus_tables as tables


class ContactRoles(SphinxDirective):
    option_spec = {"roles": directives.unchanged}

    def run(self) -> list[nodes.Node]:
        roles = self.config.cvplus_platform["roles"]
        wanted = [r.strip() for r in self.options.get("roles", "").split(",") if r.strip()] or list(roles)
        unknown = [r for r in wanted if r not in roles]
        if unknown:
            raise self.error(f"contact-roles: unknown role(s) {', '.join(unknown)}; known: {', '.join(roles)}")
        paging = (self.config.cvplus_platform.get("escalation") or {}).get("paging") or {}
        rows = [[roles[r]["title"], nodes.literal(text=r), roles[r]["rotation"], roles[r]["reach"],
                 paging.get(r, "not paged (business hours)")] for r in wanted]
        table = tables.table(["Role", "Role id", "Rotation", "How to reach", "Paged through"], rows,
                             ["cvplus-contacts"], [14, 12, 28, 22, 24])
        return [table]


def setup(app: Sphinx) -> dict[str, Any]:
    app.setup_extension("cvplus_facts")
    app.add_directive("contact-roles", ContactRoles)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
