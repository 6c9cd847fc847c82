"""The snippet manifest and the evidence file the next build reads."""

from __future__ import annotations

import json
import os
from datetime import datetime, timezone
from pathlib import Path

import pytest

from manual_build import ROOT, run_build

RESULTS = ROOT / "build" / "evidence" / "results.json"
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


def record(entry: dict) -> None:
    entry["finished"] = datetime.now(timezone.utc).isoformat(timespec="seconds")
    _results.append(entry)
