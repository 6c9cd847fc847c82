"""Incremental snippet runs keep no stale "passed": any change to a page's
snippets, to the world its session runs in, to a tool version or to the
date runs the page again (fault tests for each)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

import incremental as inc
from cvplus_handoff import Manifest, PageHooks, Result, Session, Snippet

MANIFEST = Manifest(
    pages={"a": PageHooks(["export X=1"], []), "b": PageHooks()},
    snippets=[Snippet("a", 10, sha256="s1"), Snippet("a", 20, sha256="s2", not_run="needs a person"),
              Snippet("b", 5, sha256="s3")],
)
PASSED = [Result("a:10", "passed"), Result("a:20", "manual"), Result("b:5", "passed")]


def sessions_after_full_run(world: str) -> dict[str, Session]:
    return inc.after_run(MANIFEST, {}, PASSED, world, "run-1")


def test_a_full_passing_run_lets_unchanged_pages_be_skipped() -> None:
    sessions = sessions_after_full_run("w")
    assert sessions["a"].run == "run-1"
    assert inc.unchanged_pages(MANIFEST, sessions, PASSED, "w") == {"a", "b"}


def test_a_changed_world_reruns_every_page() -> None:
    sessions = sessions_after_full_run("w")
    assert inc.unchanged_pages(MANIFEST, sessions, PASSED, "w-changed") == set()


def test_an_edited_snippet_or_setup_reruns_only_its_page() -> None:
    sessions = sessions_after_full_run("w")
    edited = replace(MANIFEST, snippets=[replace(MANIFEST.snippets[0], sha256="new"), *MANIFEST.snippets[1:]])
    assert inc.unchanged_pages(edited, sessions, PASSED, "w") == {"b"}
    new_setup = replace(MANIFEST, pages={**MANIFEST.pages, "b": PageHooks(["firebase use dev"], [])})
    assert inc.unchanged_pages(new_setup, sessions, PASSED, "w") == {"a"}


def test_a_failed_or_partial_run_is_never_kept() -> None:
    sessions = sessions_after_full_run("w")
    failed = inc.after_run(MANIFEST, sessions, [Result("b:5", "failed")], "w", "run-2")
    assert "b" not in failed and "a" in failed
    partial = inc.after_run(MANIFEST, sessions, [Result("a:10", "passed")], "w", "run-3")
    assert "a" not in partial
    # evidence that no longer says "passed" is not kept either
    assert inc.unchanged_pages(MANIFEST, sessions, [Result("b:5", "failed")], "w") == set()


def _world(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, node: str = "v20.1.0", today: str = "2026-11-30") -> str:
    monkeypatch.setattr(inc, "ROOT", tmp_path)
    monkeypatch.setattr(inc, "WORLD_PATHS", [tmp_path / "fixture"])
    monkeypatch.setattr(inc, "_version", lambda cmd: node if cmd[0] == "node" else "same")
    return str(sorted(inc.world_inputs(today).items()))


def test_world_inputs_follow_the_fixture_the_tools_and_the_date(monkeypatch, tmp_path) -> None:
    (tmp_path / "fixture").mkdir()
    (tmp_path / "fixture" / "smart-deploy.sh").write_text("echo v1\n")
    base = _world(monkeypatch, tmp_path)
    assert _world(monkeypatch, tmp_path) == base
    assert _world(monkeypatch, tmp_path, node="v22.0.0") != base
    assert _world(monkeypatch, tmp_path, today="2026-12-01") != base
    (tmp_path / "fixture" / "smart-deploy.sh").write_text("echo v2\n")
    assert _world(monkeypatch, tmp_path) != base


def test_kept_pages_are_deselected_and_others_run(monkeypatch) -> None:
    import conftest

    class Item:
        def __init__(self, docname: str):
            self.nodeid = f"tests/snippets/test_manual_snippets.py::test_snippet[{docname}::page::L1]"
            self.callspec = type("C", (), {"params": {"snippet": Snippet(docname, 1)}})()

    class Hook:
        deselected: list = []

        def pytest_deselected(self, items):
            self.deselected.extend(items)

    config = type("Config", (), {"hook": Hook()})()
    monkeypatch.setattr(conftest, "_incremental_keep", lambda c: ({"a"}, {}))
    items = [Item("a"), Item("b")]
    conftest.pytest_collection_modifyitems(config, items)
    assert [i.callspec.params["snippet"].docname for i in items] == ["b"]
    assert [i.callspec.params["snippet"].docname for i in config.hook.deselected] == ["a"]
