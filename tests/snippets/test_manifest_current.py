"""The tests never judge an older build: a manifest built from other
sources than those on disk is rebuilt first (fault tests included)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import evidence
from cvplus_sources import sources_digest


def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    (root / "source" / "ops").mkdir(parents=True)
    (root / "conf.py").write_text("project = 'x'\n")
    (root / "source" / "ops" / "page.md").write_text("$ echo hi\nhi\n")
    return root


def write_manifest(built: Path, root: Path) -> Path:
    built.mkdir(parents=True, exist_ok=True)
    manifest = built / "snippets.json"
    manifest.write_text(json.dumps({"pages": {}, "snippets": [], "sources": sources_digest(root)}))
    return manifest


def test_edit_after_build_makes_the_manifest_stale(tmp_path: Path) -> None:
    root = project(tmp_path)
    manifest = write_manifest(tmp_path / "html", root)
    assert evidence.manifest_is_current(manifest, root)
    (root / "source" / "ops" / "page.md").write_text("$ echo hi\nhello\n")  # the writer changes the expected output
    assert not evidence.manifest_is_current(manifest, root)


def test_a_new_file_or_conf_edit_makes_it_stale(tmp_path: Path) -> None:
    root = project(tmp_path)
    manifest = write_manifest(tmp_path / "html", root)
    (root / "source" / "new.md").write_text("# new\n")
    assert not evidence.manifest_is_current(manifest, root)
    manifest = write_manifest(tmp_path / "html", root)
    (root / "conf.py").write_text("project = 'y'\n")
    assert not evidence.manifest_is_current(manifest, root)


def test_a_manifest_without_digest_is_stale(tmp_path: Path) -> None:
    root = project(tmp_path)
    (tmp_path / "html").mkdir()
    (tmp_path / "html" / "snippets.json").write_text('{"pages": {}, "snippets": []}')
    assert not evidence.manifest_is_current(tmp_path / "html" / "snippets.json", root)


def test_stale_manifest_is_rebuilt_before_tests_read_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = project(tmp_path)
    built = tmp_path / "html"
    write_manifest(built, root)
    (root / "source" / "ops" / "page.md").write_text("changed\n")
    calls = []

    def fake_build(r, out, doctrees=None):
        calls.append((out, doctrees))
        write_manifest(out, root)
        return type("B", (), {"returncode": 0, "output": ""})()

    monkeypatch.setenv("CVPLUS_BUILT", str(built))
    monkeypatch.setattr(evidence, "ROOT", root)
    monkeypatch.setattr(evidence, "run_build", fake_build)
    monkeypatch.setattr(evidence, "manifest_is_current",
                        lambda m, r=root: json.loads(m.read_text()).get("sources") == sources_digest(root)
                        if m.is_file() else False)
    assert evidence.manifest_path() == built / "snippets.json"
    assert calls == [(built, tmp_path / "doctrees")]  # the Makefile's environment: an incremental build
    assert evidence.manifest_path() == built / "snippets.json"
    assert len(calls) == 1  # current now: no second build
