"""The snippet manifest and the evidence file the next build reads."""

from __future__ import annotations

import json
import os
import re
from datetime import datetime, timezone
from pathlib import Path

import pytest

from manual_build import ROOT, run_build

RESULTS = Path(os.environ.get("CVPLUS_EVIDENCE", ROOT / "build" / "evidence" / "results.json"))
_results: list[dict] = []


def manifest_path() -> Path:
    """The manifest of the build under test (make test builds it first)."""
    built = Path(os.environ.get("CVPLUS_BUILT", ROOT / "build" / "html"))
    manifest = built / "snippets.json"
    if not manifest.is_file():
        result = run_build(ROOT, built)
        if result.returncode != 0:
            raise pytest.UsageError(f"the manual does not build:\n{result.output}")
    return manifest


def load_manifest() -> dict:
    return json.loads(manifest_path().read_text(encoding="utf-8"))


def snippet_test_id(snippet: dict) -> str:
    return f"{snippet['docname']}::{snippet['need'] or 'page'}::L{snippet['line']}"


def firebase_tools_version() -> str:
    package = ROOT / "node_modules" / "firebase-tools" / "package.json"
    return json.loads(package.read_text(encoding="utf-8"))["version"] if package.is_file() else "?"


TOOL_PATTERNS = [  # what a snippet ran against, from its text: (pattern, label)
    (r"(?<![\w./-])firebase\s+emulators:", "Firebase emulators (real, offline)"),
    (r"(?<![\w./-])gcloud\s", "gcloud (stand-in)"),
    (r"(?<![\w./-])stripe\s", "stripe CLI (stand-in)"),
]


def ran_against(text: str, cloud: dict | None, standin: bool = False) -> list[str]:
    """Labels of the tools a snippet ran against. The real firebase CLI counts
    when the snippet names it or when the simulated Google APIs were called
    (a fixture script running firebase); on a page still listed in
    firebase_standin_pages.yaml it is the stand-in."""
    labels = [label for pattern, label in TOOL_PATTERNS if re.search(pattern, text)]
    calls_cli = re.search(r"(?<![\w./-])firebase\s+(?!emulators:)\S", text)
    if standin:
        if calls_cli:
            labels.insert(0, "firebase (stand-in; page listed in tests/snippets/firebase_standin_pages.yaml)")
    elif calls_cli or (cloud or {}).get("requests"):
        labels.insert(0, f"firebase-tools {firebase_tools_version()} (real CLI, simulated Google APIs)")
    return labels


def record(entry: dict) -> None:
    entry["finished"] = datetime.now(timezone.utc).isoformat(timespec="seconds")
    _results.append(entry)


def session_start() -> None:
    """Forget parts of an earlier run (controller or lone run only)."""
    if "PYTEST_XDIST_WORKER" not in os.environ:
        for part in RESULTS.parent.glob("results.*.json"):
            part.unlink()


def session_finish() -> None:
    """Workers write their part; the controller (or a lone run) merges the
    parts into results.json, replacing only the snippets that ran now."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    if _results:
        part = RESULTS.with_name(f"results.{worker or 'main'}.json")
        part.write_text(json.dumps({"results": _results}, indent=1), encoding="utf-8")
    if worker:
        return
    fresh = [r for part in sorted(RESULTS.parent.glob("results.*.json"))
             for r in json.loads(part.read_text(encoding="utf-8"))["results"]]
    if not fresh:
        return
    old = json.loads(RESULTS.read_text(encoding="utf-8"))["results"] if RESULTS.is_file() else []
    ran = {r["id"] for r in fresh}
    merged = [r for r in old if r["id"] not in ran] + fresh
    RESULTS.write_text(json.dumps({"results": sorted(merged, key=lambda r: r["id"])}, indent=1), encoding="utf-8")
    for part in RESULTS.parent.glob("results.*.json"):
        part.unlink()
