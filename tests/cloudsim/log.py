"""Summarise the simulation's request log for a snippet's evidence."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path


def lines(path: Path | None) -> int:
    if path is None or not path.is_file():
        return 0
    with path.open(encoding="utf-8") as handle:
        return sum(1 for _ in handle)


def summary(path: Path | None, start: int = 0) -> dict:
    """Endpoints hit (method id or named exception, with counts), documents, errors, from line ``start`` on."""
    if path is None or not path.is_file():
        return {}
    entries = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()[start:] if line.strip()]
    if not entries:
        return {}
    hits = Counter(e.get("method") or f"exception:{e.get('exception')}" if (e.get("method") or e.get("exception"))
                   else f"unrouted:{e['http']}" for e in entries)
    return {"requests": len(entries),
            "endpoints": dict(sorted(hits.items())),
            "documents": sorted({e["doc"] for e in entries if e.get("doc")}),
            "exceptions": sorted({e["exception"] for e in entries if e.get("exception")}),
            "errors": [f"{e['status']} {e['http']}: {e['error']}" for e in entries if e.get("error")]}
