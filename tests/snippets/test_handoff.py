"""The build<->test hand-off files (source/_ext/cvplus_handoff.py): the
records round-trip through their files unchanged, and a file of another
shape or format is refused naming the file (fault tests, one per way)."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from cvplus_handoff import (HandoffError, LedgerRecord, Manifest, PageHooks, Result, Session, Snippet,
                            append_ledger, merge_results, read_ledger, read_manifest, read_results,
                            read_sessions, write_manifest, write_results, write_sessions)

SNIPPET = Snippet("ops/page", 12, source="source/ops/page.md", need="PROC_A", text="$ true\n", sha256="s1")
MANIFEST = Manifest([SNIPPET, Snippet("ops/page", 30, source="source/ops/page.md", not_run="a person")],
                    {"ops/page": PageHooks(["cd /tmp"], [])}, {"PROC_A": ["none"]}, "digest")
RESULT = Result.of(SNIPPET, "passed", finished="2026-11-30T00:00:00+00:00", run="R1", shard="gw0",
                   provenance="harness", seconds=0.5)


def test_records_round_trip_through_their_files(tmp_path: Path) -> None:
    write_manifest(tmp_path / "snippets.json", MANIFEST)
    assert read_manifest(tmp_path / "snippets.json") == MANIFEST
    write_results(tmp_path / "results.json", [RESULT])
    assert read_results(tmp_path / "results.json") == [RESULT]
    write_sessions(tmp_path / "sessions.json", {"ops/page": Session("f", "R1")})
    assert read_sessions(tmp_path / "sessions.json") == {"ops/page": Session("f", "R1")}
    record = LedgerRecord.of(RESULT, ["CTRL_A"], "abc")
    written = append_ledger(tmp_path / "ledger.jsonl", [record, replace(record, result="failed")])
    assert read_ledger(tmp_path / "ledger.jsonl") == written and written[1].prev == written[0].hash


def test_the_built_manifest_is_rewritten_byte_for_byte(built, tmp_path: Path) -> None:
    """What cvplus_snippets wrote is what the record writer writes: no field is lost or added."""
    manifest = built.outdir / "snippets.json"
    write_manifest(tmp_path / "again.json", read_manifest(manifest))
    assert (tmp_path / "again.json").read_bytes() == manifest.read_bytes()


def test_a_snippet_id_and_test_id_follow_its_page_and_line() -> None:
    assert SNIPPET.id == "ops/page:12" and SNIPPET.test_id == "ops/page::PROC_A::L12"
    assert MANIFEST.snippets[1].test_id == "ops/page::page::L30"


def test_merging_results_replaces_only_what_ran() -> None:
    other = replace(RESULT, id="ops/page:30", outcome="manual")
    fresh = replace(RESULT, outcome="failed")
    assert merge_results([RESULT, other], [fresh]) == [fresh, other]


# -- fault tests: each bad file is refused, naming it ---------------------------

def _manifest(**change) -> dict:
    data = json.loads(json.dumps({"pages": {}, "snippets": [{
        "id": "p:1", "docname": "p", "source": "source/p.md", "line": 1, "language": "console", "mode": "console",
        "need": "", "text": "$ true\n", "sha256": "x", "not_run": "", "finding": ""}], "requires": {}, "sources": ""}))
    data["snippets"][0].update(change)
    return data


@pytest.mark.parametrize("name, data, message", [
    ("missing field", _manifest(), "snippet 1: missing field(s) text"),
    ("unknown field", _manifest(colour="red"), "snippet 1: unknown field(s) colour"),
    ("other format", {**_manifest(), "format": 2}, "format 2, this build reads format 1"),
])
def test_fault_a_manifest_of_another_shape_is_refused(tmp_path: Path, name: str, data: dict, message: str) -> None:
    if name == "missing field":
        del data["snippets"][0]["text"]
    path = tmp_path / "snippets.json"
    path.write_text(json.dumps(data))
    with pytest.raises(HandoffError) as caught:
        read_manifest(path)
    assert str(caught.value).startswith(str(path)) and message in str(caught.value)


def test_fault_results_that_are_not_json_or_lack_a_field_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "results.json"
    path.write_text('{"results": [\n{"id": "p:1",}]}')
    with pytest.raises(HandoffError, match=rf"^{path}:2: not JSON"):
        read_results(path)
    path.write_text(json.dumps({"results": [{"id": "p:1", "outcome": "passed"}]}))
    with pytest.raises(HandoffError, match=r"result 1 \(p:1\): missing field\(s\) need, sha256.*remove .* make test"):
        read_results(path)
    path.write_text(json.dumps({"outcomes": []}))
    with pytest.raises(HandoffError, match=r'expected \{"results"'):
        read_results(path)


def test_fault_a_ledger_line_of_another_shape_names_its_line(tmp_path: Path) -> None:
    path = tmp_path / "ledger.jsonl"
    append_ledger(path, [LedgerRecord.of(RESULT, [], "abc")])
    line = json.loads(path.read_text())
    del line["record"]["commit"]
    path.write_text(path.read_text() + json.dumps(line) + "\n")
    with pytest.raises(HandoffError, match=rf"^{path}:2: record: missing field\(s\) commit"):
        read_ledger(path)


def test_fault_a_session_without_its_fingerprint_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "sessions.json"
    path.write_text(json.dumps({"ops/page": {"run": "R1"}}))
    with pytest.raises(HandoffError, match="page ops/page: missing field"):
        read_sessions(path)
