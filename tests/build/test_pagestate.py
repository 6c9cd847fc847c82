"""The page state (source/_ext/cvplus_pagestate.py): one store, purged and
merged in one place for every per-page field, and the coverage pages learn
the need digest from the event cvplus_incremental emits, not from handler
order."""

from __future__ import annotations

from types import SimpleNamespace

import cvplus_pagestate as ps
from cvplus_handoff import PageHooks, Snippet


def _env(*docnames: str) -> SimpleNamespace:
    env = SimpleNamespace()
    state = ps.page_state(env)
    for d in docnames:
        state.snippets[d] = [Snippet(d, 1)]
        state.hooks[d] = PageHooks([f"setup {d}"], [])
        state.need_refs[d] = {f"NEED_{d.upper()}"}
        state.filter_docs.add(d)
        state.coverage_docs.add(d)
        state.need_docs.add(d)
    return env


def test_every_per_page_field_is_a_declared_map_or_set() -> None:
    """A field added to PageState without saying how it is purged fails here."""
    import dataclasses

    per_page = set(ps.PageState.PER_PAGE_MAPS) | set(ps.PageState.PER_PAGE_SETS)
    build_wide = {"need_prints", "coverage_digest", "results_stamp"}
    assert {f.name for f in dataclasses.fields(ps.PageState)} == per_page | build_wide


def test_purging_a_page_forgets_it_everywhere_and_keeps_the_others() -> None:
    env = _env("a", "b")
    ps._purge(None, env, "a")
    state = ps.page_state(env)
    for name in ps.PageState.PER_PAGE_MAPS + ps.PageState.PER_PAGE_SETS:
        assert "a" not in getattr(state, name) and "b" in getattr(state, name), name


def test_a_parallel_read_merges_what_the_worker_learnt_about_its_pages() -> None:
    main, worker = _env("a", "b"), _env("b", "c")
    ps.page_state(worker).coverage_docs.discard("b")  # the worker re-read b: no coverage directive any more
    ps._purge(None, main, "b")
    ps._merge(None, main, {"b", "c"}, worker)
    state = ps.page_state(main)
    assert set(state.snippets) == {"a", "b", "c"} and state.hooks["c"].setup == ["setup c"]
    assert state.coverage_docs == {"a", "c"} and state.filter_docs == {"a", "b", "c"}


def test_coverage_answers_the_digest_event_and_is_not_wired_to_env_updated() -> None:
    import cvplus_coverage
    import cvplus_incremental

    connected: list[tuple[str, object]] = []
    events: list[str] = []
    fake = SimpleNamespace(connect=lambda event, fn, priority=500: connected.append((event, fn)),
                           add_event=events.append, setup_extension=lambda name: None)
    for name in ("add_config_value", "add_node", "add_directive"):
        setattr(fake, name, lambda *a, **k: None)
    cvplus_incremental.setup(fake)  # type: ignore[arg-type]
    cvplus_coverage.setup(fake)  # type: ignore[arg-type]
    assert events == [cvplus_incremental.DIGEST_EVENT]
    assert (cvplus_incremental.DIGEST_EVENT, cvplus_coverage._rewrite) in connected
    # one env-updated handler, which computes the digest and then emits the event
    # (the real build is exercised by tests/build/test_incremental.py)
    assert [fn for event, fn in connected if event == "env-updated"] == [cvplus_incremental._rewrite]
