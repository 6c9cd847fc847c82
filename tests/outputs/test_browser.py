"""The HTML manual in a real browser with the network off: diagrams render
from disk and from a local server, and no page asks for anything remote."""

from __future__ import annotations

import re
import subprocess
import zipfile
from pathlib import Path

import pytest

from browser import dump_dom, leaves_machine

pytestmark = pytest.mark.slow
DIAGRAM_PAGES = ["traceability/index", "diagrams/index"]


def rendered_diagrams(dom: str) -> int:
    """Mermaid containers that hold a rendered SVG."""
    return len(re.findall(r'<pre[^>]*class="mermaid[^"]*"[^>]*data-processed="true"[^>]*>\s*<svg', dom))


@pytest.mark.parametrize("page", DIAGRAM_PAGES)
def test_diagrams_render_from_disk(built, page: str, tmp_path: Path) -> None:
    dom, requests = dump_dom((built.outdir / f"{page}.html").as_uri(), tmp_path)
    assert rendered_diagrams(dom) >= 1, dom[:2000]
    assert "Syntax error" not in dom
    assert not [r for r in requests if leaves_machine(r)], requests


@pytest.mark.parametrize("page", DIAGRAM_PAGES)
def test_diagrams_render_from_a_local_server(built, page: str, tmp_path: Path) -> None:
    dom, requests = dump_dom(f"{page}.html", tmp_path, serve=built.outdir)
    assert rendered_diagrams(dom) >= 1, dom[:2000]
    assert requests, "the server saw no request: the check itself is broken"
    assert not [r for r in requests if leaves_machine(r)], requests


def test_search_index_loads_from_disk(built, tmp_path: Path) -> None:
    dom, _ = dump_dom((built.outdir / "search.html").as_uri() + "?q=rollback", tmp_path)
    assert re.search(r"Search finished, found \d+ page", dom) or "search-summary" in dom, dom[-3000:]


def test_detector_catches_a_remote_request(tmp_path: Path) -> None:
    page = tmp_path / "leaky.html"
    page.write_text('<html><body><img src="http://192.0.2.1/pixel.png"></body></html>')
    _, requests = dump_dom(page.as_uri(), tmp_path / "run")
    assert [r for r in requests if leaves_machine(r)], "a remote image went unnoticed"


def test_offline_bundle_works_from_disk(tmp_path: Path) -> None:
    from manual_build import ROOT

    bundle = ROOT / "build" / "cvplus-manual-html.zip"
    if not bundle.is_file():
        subprocess.run(["make", "-s", "offline"], cwd=ROOT, check=True, capture_output=True, timeout=900)
    with zipfile.ZipFile(bundle) as archive:
        archive.extractall(tmp_path / "unzipped")
    index = tmp_path / "unzipped" / "cvplus-manual" / "traceability" / "index.html"
    dom, requests = dump_dom(index.as_uri(), tmp_path / "run")
    assert rendered_diagrams(dom) >= 1
    assert not [r for r in requests if leaves_machine(r)], requests
