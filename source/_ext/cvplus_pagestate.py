"""Page state: what our extensions remember about the pages between builds.

One typed store (``PageState``) on the build environment replaces the loose
``env.cvplus_*`` attributes each extension used to set. Its per-page fields
are forgotten for a page Sphinx is about to read again (``env-purge-doc``)
and copied back from the worker processes of a parallel read
(``env-merge-info``), both here, once, for every field; its build-wide
fields are set on the main process after reading (``env-updated``).

Writers of a field: ``cvplus_snippets`` (snippets, hooks),
``cvplus_incremental`` (filter_docs, need_refs, need_prints),
``cvplus_coverage`` (coverage_docs, need_docs, coverage_digest,
results_stamp). A change of the fields bumps ``ENV_VERSION``, which makes
Sphinx read every page again instead of unpickling a store of another shape.
Nothing here fails the build.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sphinx.application import Sphinx

from cvplus_handoff import PageHooks, Snippet

ENV_VERSION = 1


@dataclass
class PageState:
    # per page (purged and merged here)
    snippets: dict[str, list[Snippet]] = field(default_factory=dict)     # docname -> its shell blocks
    hooks: dict[str, PageHooks] = field(default_factory=dict)            # docname -> hidden setup/cleanup
    filter_docs: set[str] = field(default_factory=set)      # pages with a sphinx-needs filter (table, flow, ...)
    need_refs: dict[str, set[str]] = field(default_factory=dict)         # docname -> need ids it references
    coverage_docs: set[str] = field(default_factory=set)    # pages with a coverage directive
    need_docs: set[str] = field(default_factory=set)        # pages holding needs
    # build-wide (set after reading, on the main process)
    need_prints: dict[str, str] | None = None   # need id -> fingerprint, as of the last build
    coverage_digest: str | None = None          # inputs of the coverage pages, as of the last build
    results_stamp: float | None = None          # results and register mtimes, as of the last build

    PER_PAGE_MAPS = ("snippets", "hooks", "need_refs")
    PER_PAGE_SETS = ("filter_docs", "coverage_docs", "need_docs")


def page_state(env: Any) -> PageState:
    """The store of ``env``, created on first use."""
    state = getattr(env, "cvplus_state", None)
    if state is None:
        state = env.cvplus_state = PageState()
    return state


def _purge(app: Sphinx, env: Any, docname: str) -> None:
    state = page_state(env)
    for name in PageState.PER_PAGE_MAPS:
        getattr(state, name).pop(docname, None)
    for name in PageState.PER_PAGE_SETS:
        getattr(state, name).discard(docname)


def _merge(app: Sphinx, env: Any, docnames: set[str], other: Any) -> None:
    """Take from a worker's store what it learnt about the pages it read."""
    mine, theirs = page_state(env), page_state(other)
    for name in PageState.PER_PAGE_MAPS:
        source = getattr(theirs, name)
        getattr(mine, name).update({d: source[d] for d in docnames if d in source})
    for name in PageState.PER_PAGE_SETS:
        setattr(mine, name, (getattr(mine, name) - set(docnames)) | (getattr(theirs, name) & set(docnames)))


def setup(app: Sphinx) -> dict[str, Any]:
    app.connect("env-purge-doc", _purge)
    app.connect("env-merge-info", _merge)
    return {"version": "1.0", "env_version": ENV_VERSION, "parallel_read_safe": True, "parallel_write_safe": True}
