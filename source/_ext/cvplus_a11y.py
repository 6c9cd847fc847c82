"""Accessible markup for what the theme and sphinx-needs render (WCAG 2.2 AA).

We do not own furo's, Sphinx's or sphinx-needs' templates, so this extension
corrects their HTML as each page is written (``html-page-context``, after
furo has built its navigation):

- toctree captions (sidebar and pages) carry ``role="heading"`` without the
  ``aria-level`` that role requires: they get ``aria-level="2"``;
- code blocks and wide tables scroll sideways inside their box; a keyboard
  cannot scroll a box it cannot focus, so each gets ``tabindex="0"``,
  ``role="region"`` and a name saying what it holds;
- task-list check boxes (read-only) are named after their item;
- links to a need on another page name that page (``data-target-page``),
  which the print stylesheet prints after the need ID;
- ``cvplus-a11y.js`` (added to every page) makes the show/hide-details
  toggle of need boxes a keyboard button, and ``cvplus.css`` holds the
  contrast, target-size, focus and print rules.

The browser test (tests/outputs/test_accessibility.py, axe-core) fails on
any WCAG A/AA violation; a page whose markup this extension no longer
recognises fails there, not here.
"""

from __future__ import annotations

import html
import posixpath
import re
from pathlib import Path
from typing import Any

from sphinx.application import Sphinx

STATIC = Path(__file__).resolve().parent.parent / "_static"

CAPTION = re.compile(r'(<p class="caption" role="heading")(?![^>]*aria-level)')
CODE = re.compile(r'<div class="highlight-(?P<lang>[\w+-]+) notranslate"(?: id="[^"]*")?>(?P<caption>)'
                  r'<div class="highlight"><pre>')
CODE_WITH_CAPTION = re.compile(
    r'<div class="code-block-caption"><span class="caption-text">(?P<caption>.*?)</span>.*?</div>\s*'
    r'<div class="highlight-(?P<lang>[\w+-]+) notranslate"(?: id="[^"]*")?><div class="highlight"><pre>', re.S)
TABLE_WRAPPER = re.compile(r'<div class="table-wrapper(?P<rest>[^"]*)"(?P<attrs>(?![^>]*tabindex)[^>]*)>')
TABLE_CAPTION = re.compile(r'<caption>.*?<span class="caption-text">(?P<caption>.*?)</span>', re.S)
TAG = re.compile(r"<[^>]+>")
TASK_BOX = re.compile(r'(?P<box><input class="task-list-item-checkbox"[^>]*type="checkbox"(?![^>]*aria-label)[^>]*>)'
                      r'(?P<item>.*?)(?=</p>|<ul|<ol|</li>)', re.S)
NEED_LINK = re.compile(r'<a class="reference internal" href="(?P<page>[^"#]*)\.html#(?P<id>[A-Z]+(?:_[A-Z0-9]+)+)"')

LANGUAGES = {"console": "Shell session", "bash": "Shell script", "sh": "Shell script", "text": "Text",
             "json": "JSON", "yaml": "YAML", "ts": "TypeScript", "js": "JavaScript", "python": "Python"}


def _text(fragment: str) -> str:
    return html.escape(html.unescape(TAG.sub("", fragment)).strip(), quote=True)


def captions(markup: str) -> str:
    """Give every toctree caption heading its level."""
    return CAPTION.sub(r'\1 aria-level="2"', markup)


def code_blocks(body: str) -> str:
    """Make every code block focusable and named (its caption, else its language)."""
    def named(match: re.Match, caption: str | None) -> str:
        lang = match.group("lang")
        kind = LANGUAGES.get(lang, f"{lang} code")
        name = f"{kind}: {caption}" if caption else kind
        return match.group(0)[: -len("<pre>")] + f'<pre tabindex="0" role="region" aria-label="{name}">'

    body = CODE_WITH_CAPTION.sub(lambda m: named(m, _text(m.group("caption"))), body)
    return CODE.sub(lambda m: named(m, None), body)


def table_wrappers(body: str) -> str:
    """Make the scrolling box around each table focusable, named after the table's caption."""
    out, last, count = [], 0, 0
    for match in TABLE_WRAPPER.finditer(body):
        count += 1
        end = body.find("</table>", match.end())
        caption = TABLE_CAPTION.search(body, match.end(), end if end != -1 else len(body))
        name = f"Table: {_text(caption.group('caption'))}" if caption else f"Table {count}"
        out.append(body[last:match.start()])
        out.append(f'<div class="table-wrapper{match.group("rest")}"{match.group("attrs")} tabindex="0" role="region" '
                   f'aria-label="{name}">')
        last = match.end()
    out.append(body[last:])
    return "".join(out)


def task_boxes(body: str) -> str:
    """Name the read-only check boxes of task lists after their item."""
    def named(match: re.Match) -> str:
        name = _text(match.group("item"))[:150] or "Item"
        return match.group("box")[:-1] + f' aria-label="{name}">' + match.group("item")
    return TASK_BOX.sub(named, body)


def need_link_targets(body: str, pagename: str, titles: dict[str, str]) -> str:
    """Name the page each link to a need on another page leads to, for print
    (``data-target-page``; the print stylesheet shows it after the ID)."""
    def named(match: re.Match) -> str:
        docname = posixpath.normpath(posixpath.join(posixpath.dirname(pagename), match.group("page")))
        title = titles.get(docname)
        if not title:
            return match.group(0)
        return match.group(0) + f' data-target-page="{html.escape(title, quote=True)}"'
    return NEED_LINK.sub(named, body)


def _fix_page(app: Sphinx, pagename: str, templatename: str, context: dict, doctree: Any) -> None:
    for key in ("furo_navigation_tree", "toctree_html"):
        if isinstance(context.get(key), str):
            context[key] = captions(context[key])
    if isinstance(context.get("body"), str):
        titles = {doc: title.astext() for doc, title in app.env.titles.items()}
        body = task_boxes(table_wrappers(code_blocks(captions(context["body"]))))
        context["body"] = need_link_targets(body, pagename, titles)


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_js_file("cvplus-a11y.js", priority=600)
    # after furo (500), which computes the navigation tree in its own handler
    app.connect("html-page-context", _fix_page, priority=900)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
