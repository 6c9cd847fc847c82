"""The evidence ledger and its one verify command, with fault tests: a
tampered record, a result changed after the fact, and a consistent rewrite
of the whole chain are each detected against the anchors. Operating
evidence enters only through the import command, never from the sandbox."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

import cvplus_ledger as ledger
from cvplus_handoff import LedgerRecord, Result, read_results, write_results
import evidence_ledger as cli
from cvplus_operating import record_problems, summarise


def _record(i: int, outcome: str = "passed") -> LedgerRecord:
    return LedgerRecord(run="R1", shard="gw0", procedure="PROC_T_X", controls=["CTRL_A_B"], snippet=f"p:{i}",
                        source=f"source/p.md:{i}", sha256=f"{i:064x}", commit="abc", environment="sandbox",
                        provenance="harness", time=f"2026-11-29T00:00:{i:02d}+00:00", result=outcome)


@pytest.fixture
def world(tmp_path: Path) -> dict:
    """A ledger of three records, results.json naming them, a JUnit file
    and a committed release anchor, as make test and a release leave them."""
    path = tmp_path / "ledger.jsonl"
    entries = ledger.append(path, [_record(i) for i in range(1, 4)])
    write_results(tmp_path / "results.json", [
        Result(e.record.snippet, "passed", need=e.record.procedure, sha256=e.record.sha256, source="source/p.md",
               line=int(e.record.snippet.split(":")[1]), finished=e.record.time, run="R1", shard="gw0",
               provenance="harness", ledger=e.hash) for e in entries])
    (tmp_path / "junit.xml").write_text(
        '<testsuites><testsuite name="pytest"><properties>'
        f'<property name="ledger_records" value="3"/><property name="ledger_head" value="{entries[-1].hash}"/>'
        "</properties></testsuite></testsuites>")
    anchors = tmp_path / "anchors"
    assert cli.main(["--ledger", str(path), "--anchors", str(anchors), "anchor", "--release", "2026.11"]) == 0
    return {"dir": tmp_path, "ledger": path, "anchors": anchors}


def _verify(world: dict, capsys) -> tuple[int, str]:
    d = world["dir"]
    code = cli.main(["--ledger", str(world["ledger"]), "--anchors", str(world["anchors"]), "verify",
                     "--results", str(d / "results.json"), "--junit", str(d / "junit.xml"),
                     "--pdf", str(d / "none.pdf"), "--release", "2026.11"])
    return code, capsys.readouterr().out


def test_an_untouched_ledger_verifies(world: dict, capsys) -> None:
    code, out = _verify(world, capsys)
    assert code == 0, out
    assert "3 records, 2 anchors agree" in out


def test_a_tampered_record_is_detected(world: dict, capsys) -> None:
    lines = world["ledger"].read_text().splitlines()
    entry = json.loads(lines[1])
    entry["record"]["result"] = "failed"
    lines[1] = json.dumps(entry)
    world["ledger"].write_text("\n".join(lines) + "\n")
    code, out = _verify(world, capsys)
    assert code == 1
    assert ":2: record does not match its hash (altered)" in out


def test_a_result_changed_after_the_fact_is_detected(world: dict, capsys) -> None:
    path = world["dir"] / "results.json"
    data = json.loads(path.read_text())
    data["results"][0]["outcome"] = "failed"
    path.write_text(json.dumps(data))
    code, out = _verify(world, capsys)
    assert code == 1
    assert "outcome 'failed' differs from ledger record" in out and "altered after the fact" in out


def test_a_consistent_rewrite_of_the_whole_chain_is_detected_by_the_anchors(world: dict, capsys) -> None:
    world["ledger"].unlink()
    rewritten = ledger.append(world["ledger"], [_record(1), _record(2, "failed"), _record(3)])
    assert ledger.verify_chain(ledger.read(world["ledger"])) == []  # the chain alone looks fine
    path = world["dir"] / "results.json"
    write_results(path, [replace(result, outcome=entry.record.result, ledger=entry.hash)
                         for result, entry in zip(read_results(path), rewritten)])
    code, out = _verify(world, capsys)
    assert code == 1
    assert "anchor junit" in out and "the chain was rewritten" in out
    assert "anchors" in out and "2026.11.json" in out


def test_a_truncated_ledger_is_detected(world: dict, capsys) -> None:
    lines = world["ledger"].read_text().splitlines()
    world["ledger"].write_text("\n".join(lines[:2]) + "\n")
    code, out = _verify(world, capsys)
    assert code == 1
    assert "names record 3, the ledger holds 2" in out


def test_a_chain_with_no_anchor_proves_nothing(tmp_path: Path, capsys) -> None:
    path = tmp_path / "ledger.jsonl"
    ledger.append(path, [_record(1)])
    code = cli.main(["--ledger", str(path), "--anchors", str(tmp_path / "none"), "verify", "--results",
                     str(tmp_path / "none.json"), "--junit", str(tmp_path / "none.xml"), "--pdf", str(tmp_path / "none.pdf")])
    assert code == 1
    assert "no anchor found" in capsys.readouterr().out


def test_the_pdf_anchor_pattern_reads_what_the_build_prints() -> None:
    digest = "ab" * 32
    assert ledger.PDF_ANCHOR.search(f"Ledger head after 12 records: {digest}").groups() == ("12", digest)


# -- operating evidence ----------------------------------------------------

def _import(tmp_path: Path, artefact: Path, *extra: str) -> int:
    register = tmp_path / "register.yaml"
    return cli.main(["import", "--control", "CTRL_A_B", "--artefact", str(artefact), "--location",
                     "ticket SEC-1", "--collected-at", "2026-11-02T10:00:00+00:00", "--collector", "security-lead",
                     "--register", str(register), "--known-controls", "CTRL_A_B", *extra])


def test_import_records_a_real_environment_artefact(tmp_path: Path) -> None:
    artefact = tmp_path / "iam-policy-prod.json"
    artefact.write_text('{"bindings": []}')
    assert _import(tmp_path, artefact, "--environment", "prod") == 0
    import yaml

    records = yaml.safe_load((tmp_path / "register.yaml").read_text())["records"]
    assert records[0]["environment"] == "prod" and len(records[0]["sha256"]) == 64
    status = summarise(records, {"CTRL_A_B"}, date(2026, 10, 1), date(2027, 3, 31))
    assert status["CTRL_A_B"]["status"] == "collected"
    assert summarise(records, {"CTRL_A_B"}, date(2027, 4, 1), date(2027, 9, 30))["CTRL_A_B"]["status"] == "missing"


def test_no_sandbox_result_can_become_operating_evidence(tmp_path: Path, capsys) -> None:
    """The sandbox environment, a results file and anything the tests or
    the build wrote are refused; the register stays empty."""
    plain = tmp_path / "export.json"
    plain.write_text("{}")
    assert _import(tmp_path, plain, "--environment", "sandbox") == 2
    assert "not a real environment" in capsys.readouterr().err
    results = tmp_path / "results.json"
    results.write_text(json.dumps({"results": [{"outcome": "passed", "environment": "sandbox"}]}))
    assert _import(tmp_path, results, "--environment", "prod") == 2
    assert "test-suite result" in capsys.readouterr().err
    built = cli.ROOT / "build" / "evidence"
    built.mkdir(parents=True, exist_ok=True)
    inside = built / "test-import-probe.txt"
    inside.write_text("x")
    try:
        assert _import(tmp_path, inside, "--environment", "prod") == 2
        assert "build/" in capsys.readouterr().err
    finally:
        inside.unlink()
    assert not (tmp_path / "register.yaml").exists()


def test_register_records_are_checked() -> None:
    bad = {"control": "CTRL_NOPE", "environment": "sandbox", "sha256": "xyz", "location": "l",
           "collected_at": "yesterday", "collector": "wizard", "result": "ok"}
    problems = " | ".join(record_problems(bad, {"CTRL_A_B"}, {"security-lead"}))
    for expected in ("unknown control", "not a real environment", "sha256", "collector 'wizard'",
                     "result 'ok'", "not an ISO date"):
        assert expected in problems
