"""Write the snippet evidence (results.json, read by the next build) when
the session ends."""

from __future__ import annotations

import json
import os

import pytest

from evidence import RESULTS, _results


def pytest_sessionstart(session: pytest.Session) -> None:
    if "PYTEST_XDIST_WORKER" not in os.environ:
        for part in RESULTS.parent.glob("results.*.json"):
            part.unlink()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
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
