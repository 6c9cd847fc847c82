"""The snippet manifest, the evidence file the next build reads, and the
evidence ledger each run appends to. Their records and files belong to
cvplus_handoff (Snippet, Result, LedgerRecord); this module decides when
they are read and written during a pytest session.

A result record carries ``run`` (the id of the pytest session that
produced it, shared by all xdist shards), ``shard``, ``environment``
("sandbox": design evidence, never operating evidence) and ``provenance``
(which tool answered; a result may bring its own, else the harness's),
then, once merged, ``ledger`` (the hash of its ledger record). The
controller appends the fresh results to ``build/evidence/ledger.jsonl``
(cvplus_ledger) and writes the ledger head into the JUnit properties.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import subprocess
from datetime import datetime, timezone
from pathlib import Path

import pytest

from cvplus_handoff import (HandoffError, LedgerRecord, Manifest, Result, Snippet, manifest_sources,
                            merge_results, read_manifest, read_results, read_sessions, write_results,
                            write_sessions)
from manual_build import ROOT, run_build

RESULTS = Path(os.environ.get("CVPLUS_EVIDENCE", ROOT / "build" / "evidence" / "results.json"))
LEDGER = RESULTS.with_name("ledger.jsonl")
HARNESS_PROVENANCE = "sandbox harness tests/snippets (bubblewrap); CLI answers per tests/snippets/world.py"
_results: list[Result] = []


def run_id() -> str:
    """The id of this test run: set once on the controller (or lone run),
    inherited by the xdist workers through the environment."""
    if not os.environ.get("CVPLUS_RUN_ID"):
        stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
        os.environ["CVPLUS_RUN_ID"] = f"{stamp}-{secrets.token_hex(3)}"
    return os.environ["CVPLUS_RUN_ID"]


def commit() -> str:
    proc = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    if proc.returncode != 0:
        return "unknown (not a git checkout)"
    dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT,
                           capture_output=True, text=True).stdout.strip()
    return proc.stdout.strip() + ("+uncommitted" if dirty else "")


def manifest_is_current(manifest: Path, root: Path = ROOT) -> bool:
    """True when ``manifest`` was built from the sources now on disk."""
    from cvplus_sources import sources_digest

    try:
        recorded = manifest_sources(manifest)
    except HandoffError:  # a manifest of another shape: rebuilt like an old one
        return False
    return recorded is not None and recorded == sources_digest(root)


def manifest_path() -> Path:
    """The manifest of the build under test. A missing manifest, or one
    built from other sources than those on disk (a page edited after the
    build), is rebuilt first: the tests never judge an older text."""
    built = Path(os.environ.get("CVPLUS_BUILT", ROOT / "build" / "html"))
    manifest = built / "snippets.json"
    if manifest_is_current(manifest):
        return manifest
    import fcntl

    built.parent.mkdir(parents=True, exist_ok=True)
    with open(built.parent / f".{built.name}.lock", "w") as lock:  # xdist workers collect at once
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not manifest_is_current(manifest):
            result = run_build(ROOT, built, doctrees=built.parent / "doctrees")  # the Makefile's
            if result.returncode != 0:
                raise pytest.UsageError(f"the manual does not build:\n{result.output}")
            if not manifest_is_current(manifest):
                raise pytest.UsageError(f"{manifest}: not built from the sources on disk, even after a rebuild")
    return manifest


def load_manifest() -> Manifest:
    try:
        return read_manifest(manifest_path())
    except HandoffError as exc:
        raise pytest.UsageError(str(exc)) from None


def snippet_test_id(snippet: Snippet) -> str:
    return snippet.test_id


def firebase_tools_version() -> str:
    package = ROOT / "node_modules" / "firebase-tools" / "package.json"
    return json.loads(package.read_text(encoding="utf-8"))["version"] if package.is_file() else "?"


TOOL_PATTERNS = [  # what a snippet ran against, from its text: (pattern, label)
    (r"(?<![\w./-])firebase\s+emulators:", "Firebase emulators (real, offline)"),
    (r"(?<![\w./-])gcloud\s", "gcloud"),  # labelled by gcloud_label()
    (r"(?<![\w./-])stripe\s", "stripe CLI (stand-in)"),
]


def gcloud_label() -> str:
    """The real gcloud's version when the sandbox ran it (CVPLUS_REAL_GCLOUD), else
    the stand-in with the date of the differential report it was last compared in."""
    real = os.environ.get("CVPLUS_REAL_GCLOUD")
    if real:
        from gcloud_diff import gcloud_version
        return f"gcloud {gcloud_version(real)} (real, simulated Google APIs)"
    report = ROOT / "tests" / "snippets" / "standins" / "gcloud-diff-report.json"
    date = json.loads(report.read_text(encoding="utf-8"))["date"] if report.is_file() else "none"
    return f"gcloud (stand-in, differential report {date})"


def ran_against(text: str, cloud: dict | None, standin: bool = False) -> list[str]:
    """Labels of the tools a snippet ran against. The real firebase CLI counts
    when the snippet names it or when the simulated Google APIs were called
    (a fixture script running firebase); on a page still listed in
    firebase_standin_pages.yaml it is the stand-in."""
    labels = [gcloud_label() if label == "gcloud" else label
              for pattern, label in TOOL_PATTERNS if re.search(pattern, text)]
    calls_cli = re.search(r"(?<![\w./-])firebase\s+(?!emulators:)\S", text)
    if standin:
        if calls_cli:
            labels.insert(0, "firebase (stand-in; page listed in tests/snippets/firebase_standin_pages.yaml)")
    elif calls_cli or (cloud or {}).get("requests"):
        labels.insert(0, f"firebase-tools {firebase_tools_version()} (real CLI, simulated Google APIs)")
    return labels


def record(result: Result) -> None:
    result.finished = datetime.now(timezone.utc).isoformat(timespec="seconds")
    result.run = run_id()
    result.shard = os.environ.get("PYTEST_XDIST_WORKER", "main")
    result.environment = result.environment or "sandbox"
    result.provenance = result.provenance or HARNESS_PROVENANCE
    _results.append(result)


def session_start() -> None:
    """Forget parts of an earlier run (controller or lone run only)."""
    run_id()
    if "PYTEST_XDIST_WORKER" not in os.environ:
        for part in RESULTS.parent.glob("results.*.json"):
            part.unlink()


def _controls_of(procedure: str) -> list[str]:
    """Controls and checklist items the procedure carries out (needs.json)."""
    needs = _needs()
    value = (needs.get(procedure) or {}).get("implements") or []
    return sorted(value if isinstance(value, list) else [v.strip() for v in str(value).split(",") if v.strip()])


_NEEDS: dict = {}


def _needs() -> dict:
    if not _NEEDS:
        built = Path(os.environ.get("CVPLUS_BUILT", ROOT / "build" / "html")) / "needs.json"
        if built.is_file():
            data = json.loads(built.read_text(encoding="utf-8"))
            _NEEDS.update(data["versions"][data["current_version"]]["needs"])
    return _NEEDS


def ledger_record(result: Result, commit_id: str) -> LedgerRecord:
    return LedgerRecord.of(result, _controls_of(result.need), commit_id)


def session_finish(logxml=None) -> None:
    """Workers write their part; the controller (or a lone run) merges the
    parts into results.json, replacing only the snippets that ran now,
    appends the fresh results to the ledger and, with --junitxml, writes the
    ledger head into the run's JUnit properties."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    if _results:
        write_results(RESULTS.with_name(f"results.{worker or 'main'}.json"), _results, sort=False)
    if worker:
        return
    fresh = [r for part in sorted(RESULTS.parent.glob("results.*.json")) for r in read_results(part)]
    if not fresh:
        return
    from cvplus_ledger import append, head

    commit_id = commit()
    fresh.sort(key=lambda r: (r.id, r.finished))
    for result, entry in zip(fresh, append(LEDGER, [ledger_record(r, commit_id) for r in fresh])):
        result.ledger = entry.hash
    if logxml is not None:
        count, digest = head(LEDGER)
        logxml.add_global_property("run", run_id())
        logxml.add_global_property("ledger_records", str(count))
        logxml.add_global_property("ledger_head", digest)
    write_results(RESULTS, merge_results(read_results(RESULTS), fresh))
    for part in RESULTS.parent.glob("results.*.json"):
        part.unlink()
    import incremental

    sessions_file = RESULTS.with_name("sessions.json")
    sessions = incremental.after_run(load_manifest(), read_sessions(sessions_file), fresh,
                                     incremental.world_digest(), run_id())
    write_sessions(sessions_file, sessions)
