"""Console links built from the facts: ``{console}`NAME``` and ``{console}`NAME <env>```.

``consoles.pages.NAME`` of source/_data/platform.yaml gives the console
(``cloud`` or ``firebase``), the path and the link text; the project is
``envs.<env>.project_id`` (prod unless named): in the path where it says
``{project}``, else as ``?project=`` (the Cloud console's form). An unknown
page or environment is a warning at the page and line, so the strict build
fails.
"""

from __future__ import annotations

import re
from typing import Any

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util import logging
from sphinx.util.docutils import SphinxRole

logger = logging.getLogger(__name__)
FORM = re.compile(r"^\s*([a-z_-]+)\s*(?:<\s*([a-z]+)\s*>)?\s*$")


def console_url(facts: dict[str, Any], name: str, env: str = "prod") -> tuple[str, str]:
    """(address, link text) of a console page; KeyError names what is unknown."""
    consoles = facts["consoles"]
    if name not in consoles["pages"]:
        raise KeyError(f"unknown console page '{name}' (known: {', '.join(sorted(consoles['pages']))})")
    if env not in facts["envs"]:
        raise KeyError(f"unknown environment '{env}' (known: {', '.join(facts['envs'])})")
    page = consoles["pages"][name]
    project = facts["envs"][env]["project_id"]
    path = page["path"]
    if "{project}" in path:
        url = consoles[page["base"]] + path.replace("{project}", project)
    else:
        url = f"{consoles[page['base']]}{path}?project={project}"
    return url, page["label"]


class ConsoleRole(SphinxRole):
    def run(self) -> tuple[list[nodes.Node], list[nodes.system_message]]:
        match = FORM.match(self.text)
        try:
            if not match:
                raise KeyError(f"expected {{console}}`NAME` or {{console}}`NAME <env>`, got '{self.text}'")
            url, label = console_url(self.config.cvplus_platform, match.group(1), match.group(2) or "prod")
        except KeyError as exc:
            logger.warning("console link: %s", exc.args[0], location=self.get_location(), type="cvplus",
                           subtype="console")
            return [nodes.Text(self.text)], []
        env = match.group(2) or "prod"
        text = f"{label}, {self.config.cvplus_platform['envs'][env]['project_id']}"
        return [nodes.reference(self.rawtext, text, refuri=url, classes=["cvplus-console"])], []


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_role("console", ConsoleRole())
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
