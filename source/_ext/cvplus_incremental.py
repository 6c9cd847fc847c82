"""Correct incremental builds.

Sphinx re-writes only the pages whose source changed. With sphinx-needs,
that leaves other pages stale: a table or flow that filters needs, the
incoming links shown on a need, a ``{need}`` reference's title. After
reading, this extension compares a fingerprint of every need with the last
build's; when any need changed, it asks Sphinx to re-write (not re-read) the
pages that show other pages' needs: pages with a sphinx-needs filter node
(tables, flows, lists), pages that reference a changed need by ID, and pages
holding needs that link to or from a changed need. Re-writing is
cheap: resolution happens at write time, against the current needs.

Other extensions whose pages depend on the needs do not read a digest left
on the environment by whichever handler ran first: they connect to the event
``cvplus-needs-digest`` (``handler(app, env, digest) -> pages``), which this
extension emits after it has fingerprinted every need, and the pages they
return are re-written too (cvplus_coverage does). What is remembered
between builds lives in the page state (cvplus_pagestate).
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from docutils import nodes
from sphinx.application import Sphinx

from cvplus_pagestate import page_state

# nodes whose output depends on any need: re-written whenever a need changed
FILTER_NODES = ("Needtable", "Needlist", "Needflow", "NeedflowGraphiz", "NeedflowPlantuml", "Needpie", "Needbar",
                "Needsequence", "Needgantt", "Needuml", "Needextract", "NeedCount", "NeedFunc", "checklist_placeholder")
# nodes that show one need (its title, its links): re-written when that need changed
REF_NODES = ("NeedRef", "NeedIncoming", "NeedOutgoing")


def _fingerprint(need: Any) -> str:
    data = {key: need[key] for key in sorted(need.keys()) if key not in ("lineno_content",)}
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()


def _record(app: Sphinx, doctree: nodes.document) -> None:
    env = app.env
    found = False
    refs: set[str] = set()
    for node in doctree.findall(nodes.Element):
        kind = type(node).__name__
        if kind in FILTER_NODES:
            found = True
        elif kind in REF_NODES and node.get("reftarget"):
            refs.add(str(node["reftarget"]).split(".")[0])
    state = page_state(env)
    state.filter_docs.discard(env.docname)
    if found:
        state.filter_docs.add(env.docname)
    state.need_refs[env.docname] = refs


def _purge_before_reading(app: Sphinx, env: Any, docnames: list[str]) -> None:
    """Forget the needs of every page about to be read, before reading any.

    Sphinx purges each page just before it reads it, so a need moved from
    page B to page A looks like a duplicate while A is read before B."""
    from sphinx_needs.data import SphinxNeedsData

    data = SphinxNeedsData(env)
    for docname in docnames:
        data.remove_doc(docname)


DIGEST_EVENT = "cvplus-needs-digest"


def _rewrite(app: Sphinx, env: Any) -> list[str]:
    """Pages to re-write: those showing a changed need, then those the
    handlers of ``cvplus-needs-digest`` name. One handler, in this order,
    because those handlers need the digest computed here first."""
    from sphinx_needs.data import SphinxNeedsData

    needs = SphinxNeedsData(env).get_needs_mutable()
    prints = {need_id: _fingerprint(need) for need_id, need in needs.items()}
    pages = _changed_pages(app, env, needs, prints)
    digest = hashlib.sha256(json.dumps(sorted(prints.items())).encode()).hexdigest()
    for more in app.emit(DIGEST_EVENT, env, digest):
        pages |= set(more or [])
    return sorted(p for p in pages if p and p in env.all_docs)


def _changed_pages(app: Sphinx, env: Any, needs: Any, prints: dict[str, str]) -> set[str]:
    state = page_state(env)
    before, state.need_prints = state.need_prints, prints
    if before is None:
        return set()  # a first build writes everything anyway
    changed = {i for i in prints.keys() | before.keys() if prints.get(i) != before.get(i)}
    if not changed:
        return set()
    link_fields = list(app.config.cvplus_metamodel["links"]) + ["links"]
    pages = set(state.filter_docs)
    pages |= {doc for doc, refs in state.need_refs.items() if refs & changed}
    for need_id, need in needs.items():
        targets = set()
        for field in link_fields:
            value = need.get(field) or []
            targets.update(value if isinstance(value, (list, tuple)) else [value])
        if need_id in changed or targets & changed:
            pages.add(need["docname"])
            pages.update(needs[t]["docname"] for t in targets if t in needs)
    return pages


def setup(app: Sphinx) -> dict[str, Any]:
    app.setup_extension("cvplus_pagestate")  # purges and merges what _record keeps
    app.add_event(DIGEST_EVENT)
    app.connect("env-before-read-docs", _purge_before_reading)
    app.connect("doctree-read", _record)
    app.connect("env-updated", _rewrite)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
