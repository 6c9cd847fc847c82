r"""Platform facts in pages: code-block substitution and the to-confirm list.

MyST substitutes ``{{ name }}`` in prose. Code is literal in MyST, so this
extension substitutes the same names inside code blocks and inline code too (a reader
copies the real project ID, and the snippet tests run exactly what is
shown). ``${{ ... }}`` (GitHub Actions syntax) is left alone, and
``\{{ name }}`` shows the placeholder itself. An unknown
name fails the build with the page and line.

``{facts-to-confirm}`` lists the values in platform.yaml that are defaults
chosen by the documentation team rather than facts found in CVPlus.
"""

from __future__ import annotations

import re
from typing import Any

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.application import Sphinx
from sphinx.transforms import SphinxTransform
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

import cvplus_data

logger = logging.getLogger(__name__)

PLACEHOLDER = re.compile(r"(\\)?(?<!\$)\{\{\s*([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z0-9_-]+)*)\s*\}\}")


def render_value(value: Any) -> str:
    if isinstance(value, list):
        return " ".join(str(v) for v in value)
    return str(value)


def substitute(text: str, data: dict[str, Any]) -> tuple[str, list[str]]:
    """Replace ``{{ a.b }}`` in ``text``; return the text and unknown names."""
    unknown: list[str] = []

    def repl(match: re.Match[str]) -> str:
        if match.group(1):  # \{{ name }} shows the placeholder itself
            return match.group(0)[1:]
        name = match.group(2)
        try:
            return render_value(cvplus_data.lookup(data, name))
        except KeyError:
            unknown.append(name)
            return match.group(0)

    return PLACEHOLDER.sub(repl, text), unknown


class CodeBlockFacts(SphinxTransform):
    """Substitute platform facts inside code blocks and inline code."""

    default_priority = 400

    def apply(self, **kwargs: Any) -> None:
        data = self.config.cvplus_platform
        for node in list(self.document.findall(lambda n: isinstance(n, (nodes.literal_block, nodes.literal)))):
            text = node.astext()
            if "{{" not in text:
                continue
            new, unknown = substitute(text, data)
            for name in unknown:
                logger.warning(
                    "unknown substitution '%s' in code (not a key of "
                    "source/_data/platform.yaml)",
                    name,
                    location=node,
                    type="cvplus",
                    subtype="substitution",
                )
            if new != text:
                node["cvplus_template"] = text
                node.clear()
                node += nodes.Text(new)
                if isinstance(node, nodes.literal_block):
                    node.rawsource = new


class FactsToConfirm(SphinxDirective):
    """List defaults that still need confirming, optionally under a prefix."""

    has_content = False
    option_spec = {"prefix": directives.unchanged}

    def run(self) -> list[nodes.Node]:
        data = self.config.cvplus_platform
        prefix = self.options.get("prefix", "")
        rows = [(k, v) for k, v in data["to_confirm"].items() if k.startswith(prefix)]
        if not rows:
            logger.warning(
                "facts-to-confirm: no entry in platform.yaml starts with '%s'",
                prefix,
                location=self.get_location(),
                type="cvplus",
                subtype="facts",
            )
            return []
        admonition = nodes.admonition(classes=["cvplus-to-confirm", "attention"])
        admonition += nodes.title(text="Defaults to confirm")
        admonition += nodes.paragraph(
            text="These values are the manual's chosen defaults, not facts found "
            "in the CVPlus sources. Confirm them with the owner role and "
            "update source/_data/platform.yaml; every page follows."
        )
        items = nodes.bullet_list()
        for key, reason in rows:
            value = cvplus_data.lookup(data, key)
            shown = "(see the contact list)" if isinstance(value, dict) else render_value(value)
            para = nodes.paragraph()
            para += nodes.literal(text=key)
            para += nodes.Text(" = ")
            para += nodes.strong(text=shown)
            para += nodes.Text(f": {reason}")
            items += nodes.list_item("", para)
        admonition += items
        return [admonition]


def _load(app: Sphinx, config: Any) -> None:
    if not config.cvplus_platform:
        config.cvplus_platform = cvplus_data.load_platform()


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_config_value("cvplus_platform", {}, "env", types=[dict])
    app.connect("config-inited", _load)
    app.add_transform(CodeBlockFacts)
    app.add_directive("facts-to-confirm", FactsToConfirm)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
