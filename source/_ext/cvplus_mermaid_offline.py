"""Mermaid that renders with no network, from a web server or from disk.

sphinxcontrib-mermaid loads Mermaid as an ES module (from a CDN by default),
and browsers refuse ES modules from ``file://``. This extension replaces its
script injection with two classic scripts served by the build itself: the
UMD build of Mermaid installed from npm (``node_modules/mermaid``, pinned in
package-lock.json) and a small start-up script. Only pages that contain a
diagram load them.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from sphinx.application import Sphinx
from sphinx.errors import ExtensionError

MERMAID_JS = Path(__file__).resolve().parents[2] / "node_modules" / "mermaid" / "dist" / "mermaid.min.js"

INIT_JS = """\
// Render every Mermaid diagram on the page once the DOM is ready.
document.addEventListener("DOMContentLoaded", function () {
  if (!window.mermaid) { return; }
  var dark = document.body.dataset.theme === "dark";
  window.mermaid.initialize({ startOnLoad: false, securityLevel: "strict",
                              theme: dark ? "dark" : "default" });
  window.mermaid.run({ querySelector: ".mermaid" });
});
"""


def _drop_module_loader(app: Sphinx) -> None:
    from sphinxcontrib import mermaid as upstream

    listeners = app.events.listeners.get("html-page-context", [])
    for listener in list(listeners):
        if listener.handler is upstream.install_js:
            app.disconnect(listener.id)


def _check_source(app: Sphinx) -> None:
    if app.builder.format == "html" and not MERMAID_JS.is_file():
        raise ExtensionError(
            f"{MERMAID_JS} is missing: run 'make setup' (npm ci installs the "
            "pinned Mermaid build the manual serves offline)"
        )
    _drop_module_loader(app)


def _add_scripts(app: Sphinx, pagename: str, templatename: str, context: dict, doctree: Any) -> None:
    from sphinxcontrib.mermaid import mermaid as mermaid_node

    if doctree is None or doctree.next_node(mermaid_node) is None:
        return
    app.add_js_file("mermaid/mermaid.min.js", priority=400)
    app.add_js_file("mermaid/cvplus-mermaid-init.js", priority=401)


def _copy(app: Sphinx, exception: Exception | None) -> None:
    if exception is not None or app.builder.format != "html":
        return
    target = Path(app.outdir) / "_static" / "mermaid"
    target.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(MERMAID_JS, target / "mermaid.min.js")
    (target / "cvplus-mermaid-init.js").write_text(INIT_JS, encoding="utf-8")


def setup(app: Sphinx) -> dict[str, Any]:
    app.setup_extension("sphinxcontrib.mermaid")
    app.connect("builder-inited", _check_source)
    app.connect("html-page-context", _add_scripts)
    app.connect("build-finished", _copy)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
