"""A page printed from the browser (the print stylesheet in cvplus.css):
content without navigation, need IDs with where they lead, and code that
wraps instead of being cut at the paper's edge. Pages are printed to PDF by
headless Chromium with the network off, and read back with pdftotext."""

from __future__ import annotations

import html
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from cdp import print_to_pdf

pytestmark = pytest.mark.slow
PAGES = ["reference/release-checklist", "deployment/runbooks/troubleshooting"]
# labels that only furo's navigation and the copy buttons carry
NAVIGATION = ["Skip to content", "Back to top", "Toggle site navigation sidebar", "Toggle table of contents sidebar",
              "Toggle Light / Dark / Auto color theme", "Copy to clipboard"]


def printed(outdir: Path, page: str, workdir: Path) -> str:
    pdf = workdir / (page.replace("/", "-") + ".pdf")
    print_to_pdf((outdir / f"{page}.html").as_uri(), pdf, workdir)
    return subprocess.run(["pdftotext", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout


def squeezed(text: str) -> str:
    """Text without white space and hyphens: pdftotext may join a line that
    wraps after a hyphen and drop that hyphen."""
    return re.sub(r"[\s\-\u00ad]+", "", text)


def longest_code_line(page_html: str) -> str:
    blocks = re.findall(r'<div class="highlight"><pre[^>]*>(.*?)</pre>', page_html, re.S)
    lines = [html.unescape(re.sub(r"<[^>]+>", "", line)) for block in blocks for line in block.split("\n")]
    return max(lines, key=len, default="")


def print_problems(outdir: Path, page: str, workdir: Path) -> list[str]:
    text = printed(outdir, page, workdir)
    flat, dense = " ".join(text.split()), squeezed(text)
    source = (outdir / f"{page}.html").read_text(encoding="utf-8")
    problems = [f"{page}: navigation printed: {label!r}" for label in NAVIGATION if label in flat]
    title = re.search(r"<h1>(.*?)<a", source, re.S).group(1)
    if squeezed(html.unescape(re.sub(r"<[^>]+>", "", title))) not in dense:
        problems.append(f"{page}: the page title is not printed")
    targets = re.findall(r'<a class="reference internal" href="[^"#]+\.html#([A-Z][A-Z0-9_]+)"'
                         r'[^>]*data-target-page="([^"]+)"', source)
    # table cells come back from pdftotext in reading order, so a cell that wraps
    # may interleave with its neighbour: count the printed targets
    printed_targets = dense.count("(\u2192")
    if not targets or printed_targets < len(targets):
        problems.append(f"{page}: need-ID links without their target on paper: {len(targets)} links, "
                        f"{printed_targets} targets printed")
    line = longest_code_line(source)
    if page == "reference/release-checklist" and not line:
        pass  # the checklist holds no code
    elif len(line) < 90:
        problems.append(f"{page}: no code line long enough to test wrapping ({len(line)} characters)")
    elif squeezed(line) not in dense:
        problems.append(f"{page}: code cut at the paper's edge: {line!r}")
    return problems


@pytest.mark.parametrize("page", PAGES)
def test_printed_page_shows_content_need_targets_and_whole_code(built, page: str, tmp_path: Path) -> None:
    assert not print_problems(built.outdir, page, tmp_path)


def test_without_the_print_stylesheet_the_check_fails(built, tmp_path: Path) -> None:
    site = tmp_path / "site"
    shutil.copytree(built.outdir, site, ignore=shutil.ignore_patterns("_sources", ".doctrees"))
    css = site / "_static" / "cvplus.css"
    text = css.read_text(encoding="utf-8")
    start = text.index("/* ---- Printing a page from the browser")
    css.write_text(text[:start], encoding="utf-8")
    problems = print_problems(site, "deployment/runbooks/troubleshooting", tmp_path / "run")
    assert any("navigation printed" in p for p in problems), problems
    assert any("without their target" in p for p in problems), problems
    assert any("code cut" in p for p in problems), problems
