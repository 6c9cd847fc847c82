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
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from docutils import nodes
from sphinx.application import Sphinx

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
    pages = getattr(env, "cvplus_filter_docs", set())
    pages.discard(env.docname)
    if found:
        pages.add(env.docname)
    env.cvplus_filter_docs = pages
    if not hasattr(env, "cvplus_need_refs"):
        env.cvplus_need_refs = {}
    env.cvplus_need_refs[env.docname] = refs


def _merge(app: Sphinx, env: Any, docnames: set[str], other: Any) -> None:
    mine = getattr(env, "cvplus_filter_docs", set()) - set(docnames)
    env.cvplus_filter_docs = mine | (getattr(other, "cvplus_filter_docs", set()) & set(docnames))
    if not hasattr(env, "cvplus_need_refs"):
        env.cvplus_need_refs = {}
    for docname in docnames:
        if docname in getattr(other, "cvplus_need_refs", {}):
            env.cvplus_need_refs[docname] = other.cvplus_need_refs[docname]


def _purge(app: Sphinx, env: Any, docname: str) -> None:
    getattr(env, "cvplus_filter_docs", set()).discard(docname)
    getattr(env, "cvplus_need_refs", {}).pop(docname, None)


def _purge_before_reading(app: Sphinx, env: Any, docnames: list[str]) -> None:
    """Forget the needs of every page about to be read, before reading any.

    Sphinx purges each page just before it reads it, so a need moved from
    page B to page A looks like a duplicate while A is read before B."""
    from sphinx_needs.data import SphinxNeedsData

    data = SphinxNeedsData(env)
    for docname in docnames:
        data.remove_doc(docname)


def _changed_pages(app: Sphinx, env: Any) -> list[str]:
    from sphinx_needs.data import SphinxNeedsData

    needs = SphinxNeedsData(env).get_needs_mutable()
    prints = {need_id: _fingerprint(need) for need_id, need in needs.items()}
    before = getattr(env, "cvplus_need_prints", None)
    env.cvplus_need_prints = prints
    # one digest of every need, for other handlers (the coverage pages)
    env.cvplus_need_digest = hashlib.sha256(json.dumps(sorted(prints.items())).encode()).hexdigest()
    if before is None:
        return []  # a first build writes everything anyway
    changed = {i for i in prints.keys() | before.keys() if prints.get(i) != before.get(i)}
    if not changed:
        return []
    link_fields = list(app.config.cvplus_metamodel["links"]) + ["links"]
    pages = set(getattr(env, "cvplus_filter_docs", set()))
    pages |= {doc for doc, refs in getattr(env, "cvplus_need_refs", {}).items() if refs & changed}
    for need_id, need in needs.items():
        targets = set()
        for field in link_fields:
            value = need.get(field) or []
            targets.update(value if isinstance(value, (list, tuple)) else [value])
        if need_id in changed or targets & changed:
            pages.add(need["docname"])
            pages.update(needs[t]["docname"] for t in targets if t in needs)
    return sorted(p for p in pages if p and p in env.all_docs)


def setup(app: Sphinx) -> dict[str, Any]:
    app.connect("env-before-read-docs", _purge_before_reading)
    app.connect("doctree-read", _record)
    app.connect("env-merge-info", _merge)
    app.connect("env-purge-doc", _purge)
    app.connect("env-updated", _changed_pages, priority=400)  # before cvplus_coverage reads the digest
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
