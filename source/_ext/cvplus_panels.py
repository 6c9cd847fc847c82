"""Dashboard panels drawn at build time from the facts file's thresholds only.

``{threshold-panel} Title`` draws one panel as an inline SVG: the value axis
with the normal band and, past its limit, the warning and critical bands (or
one "act" band), each limit a fact (``:normal:`` and ``:critical:`` are dotted
names in source/_data/platform.yaml; ``:bad: above`` or ``below`` says which
side is bad; ``:top:`` ends the axis, e.g. 100 for a percentage). No traffic, no line, no sample values are drawn, and every panel says
so ("Illustrative"), so nobody takes a picture for a baseline. The same
bands are written out in a sentence under the picture (the PDF and screen
readers get the text). An unknown fact or a band out of order is a warning
at the page and line, so the strict build fails.
"""

from __future__ import annotations

from html import escape
from typing import Any

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.application import Sphinx
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

logger = logging.getLogger(__name__)
WIDTH, HEIGHT, LEFT, RIGHT, TOP, BAND = 520, 86, 12, 12, 22, 26
COLOURS = {"normal": "#d9ead3", "warning": "#fce5cd", "critical": "#f4cccc", "act": "#f4cccc"}


def fact(facts: dict[str, Any], dotted: str) -> float:
    value: Any = facts
    for part in dotted.split("."):
        if not isinstance(value, dict) or part not in value:
            raise KeyError(f"unknown fact '{dotted}'")
        value = value[part]
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        raise KeyError(f"fact '{dotted}' is not a number: {value!r}")
    return float(value)


def bands(normal: float, critical: float | None, bad: str, top: float | None = None) -> list[tuple[str, float, float]]:
    """(kind, from, to) along the axis, low to high.

    Bad above: normal up to ``normal``, then warning up to ``critical`` and critical beyond
    (without ``critical``: "act" beyond ``normal``). Bad below: the mirror image. The axis runs
    a quarter past the last limit (to ``top`` when given, e.g. 100 for a percentage).
    """
    if critical is not None and (critical <= normal if bad == "above" else critical >= normal):
        raise ValueError(f"the critical limit {number(critical)} is not past the normal limit {number(normal)} "
                         f"on the bad side ({bad})")
    limits = [normal] if critical is None else [normal, critical]
    kinds = ["normal", "act"] if critical is None else ["normal", "warning", "critical"]
    if bad == "above":
        end = top if top is not None else limits[-1] * 1.25
        edges = [0.0, *limits, end]
        return [(kind, edges[i], edges[i + 1]) for i, kind in enumerate(kinds)]
    end = top if top is not None else normal * 1.25
    span = end - limits[-1]
    edges = [max(0.0, limits[-1] - span), *reversed(limits), end]
    return [(kind, edges[i], edges[i + 1]) for i, kind in enumerate(reversed(kinds))]


def number(value: float) -> str:
    return f"{value:g}"


def svg(title: str, unit: str, drawn: list[tuple[str, float, float]]) -> str:
    low, high = drawn[0][1], drawn[-1][2]
    scale = (WIDTH - LEFT - RIGHT) / (high - low)
    x = lambda v: LEFT + (v - low) * scale  # noqa: E731
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {WIDTH} {HEIGHT}" '
             f'width="100%" style="max-width:{WIDTH}px" class="cvplus-panel"><title>{escape(title)}: '
             f'illustrative threshold bands</title>',
             f'<text x="{LEFT}" y="14" font-size="12" fill="#333">Illustrative: bands from the facts file; '
             f'no traffic drawn</text>']
    for kind, start, end in drawn:
        parts.append(f'<rect x="{x(start):.1f}" y="{TOP}" width="{x(end) - x(start):.1f}" height="{BAND}" '
                     f'fill="{COLOURS[kind]}" stroke="#666" stroke-width="0.5"/>')
        parts.append(f'<text x="{(x(start) + x(end)) / 2:.1f}" y="{TOP + 17}" font-size="11" text-anchor="middle" '
                     f'fill="#222">{kind}</text>')
    for _, start, _ in drawn[1:]:
        parts.append(f'<text x="{x(start):.1f}" y="{TOP + BAND + 16}" font-size="11" text-anchor="middle" '
                     f'fill="#222">{escape(number(start))}{escape(unit)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def sentence(title: str, unit: str, drawn: list[tuple[str, float, float]], bad: str) -> str:
    def span(index: int, kind: str, start: float, end: float) -> str:
        if index == 0:
            return f"{kind} below {number(end)}{unit}"
        if index == len(drawn) - 1:
            return f"{kind} from {number(start)}{unit}"
        return f"{kind} {number(start)} to {number(end)}{unit}"
    spans = "; ".join(span(i, *band) for i, band in enumerate(drawn))
    return f"{title}, illustrative (limits from the facts file, no traffic drawn; bad {bad} the limit): {spans}."


class ThresholdPanel(SphinxDirective):
    required_arguments = 1
    final_argument_whitespace = True
    option_spec = {"normal": directives.unchanged_required, "critical": directives.unchanged,
                   "unit": directives.unchanged, "top": directives.unchanged,
                   "bad": lambda v: directives.choice(v, ("above", "below"))}

    def run(self) -> list[nodes.Node]:
        facts = self.config.cvplus_platform
        title = self.arguments[0]
        unit = self.options.get("unit", "")
        bad = self.options.get("bad", "above")
        try:
            if not self.options.get("normal"):
                raise KeyError("the :normal: limit is required")
            critical = fact(facts, self.options["critical"]) if self.options.get("critical") else None
            top = float(self.options["top"]) if self.options.get("top") else None
            drawn = bands(fact(facts, self.options["normal"]), critical, bad, top)
        except (KeyError, ValueError) as exc:
            logger.warning("threshold panel '%s': %s", title, exc.args[0], location=self.get_location(),
                           type="cvplus", subtype="panel")
            return []
        container = nodes.container(classes=["cvplus-threshold-panel"])
        container += nodes.raw("", svg(title, unit, drawn), format="html")
        container += nodes.paragraph(text=sentence(title, unit, drawn, bad), classes=["cvplus-panel-text"])
        return [container]


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_directive("threshold-panel", ThresholdPanel)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
