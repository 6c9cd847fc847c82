"""Every ``{{ name }}`` substitution of the manual is rendered in the HTML.

A substitution whose Jinja filter sits in a Markdown table cell
(``{{ list | join(', ') }}``) is cut at the ``|`` by the table parser and
reaches the page as literal text, without any build warning; the cure is
``\\|`` inside the braces. ``leftovers`` finds literal ``{{`` in a page's
prose and tables (code blocks are left out: GitHub Actions expressions
such as ``${{ secrets.X }}`` belong there). The fault test feeds it the
HTML such a broken cell produces.
"""

from __future__ import annotations

import re
from pathlib import Path

from bs4 import BeautifulSoup


def leftovers(html: str) -> list[str]:
    """Literal ``{{ ... }}`` text outside code in the page's article."""
    soup = BeautifulSoup(html, "html.parser")
    article = soup.find("article") or soup
    for code in article.find_all(["pre", "code"]):
        code.decompose()
    text = article.get_text(" ", strip=True)
    return [m.group(0) for m in re.finditer(r"\{\{[^}]{0,80}\}?\}?", text)]


def test_no_page_shows_an_unrendered_substitution(built) -> None:
    found = {}
    for page in sorted(Path(built.outdir).rglob("*.html")):
        if "_static" in page.parts:
            continue
        hits = leftovers(page.read_text(encoding="utf-8"))
        if hits:
            found[str(page.relative_to(built.outdir))] = hits[:3]
    assert not found, f"substitutions left as text (escape | as \\| inside a table cell): {found}"


def test_a_filter_cut_by_a_table_cell_is_found() -> None:
    """Fault test: the HTML of ``| {{ ports | join(', ') }} |`` in a table."""
    broken = ("<article><table><tr><td>{{ onboarding.real.emu.ports</td><td>join(\u2019, \u2018) }}</td>"
              "</tr></table><pre>run: echo ${{ secrets.TOKEN }}</pre></article>")
    assert leftovers(broken) == ["{{ onboarding.real.emu.ports join(\u2019, \u2018) }}"]
    assert leftovers("<article><p>4000, 5001</p><code>${{ env.X }}</code></article>") == []
