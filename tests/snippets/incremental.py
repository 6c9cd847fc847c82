"""Incremental snippet runs: a page session re-runs only when what it
depends on changed.

A page's fingerprint hashes its snippets (ids, sha256, not-run reasons), its
hidden setup and cleanup, and the world it runs in: the fixture, the
stand-ins and their grammar data, the simulated Google APIs, the sandbox
harness and the transcript judge, the facts file, the pinned packages
(package-lock.json, pyproject.toml), the versions of Node.js, bash, jq,
bubblewrap and of a real gcloud when one is used, and today's UTC date (real tools read the clock: the Firebase CLI
refuses a runtime after its decommission date). ``build/evidence/
sessions.json`` keeps, per page, the fingerprint of its last run in which
every block passed (or was not run, with its reason). With
``CVPLUS_INCREMENTAL=1`` (``make test`` without ``FULL=1``) the snippet
tests of a page whose fingerprint is unchanged are deselected; their
results stay in results.json, marked with the run that produced them. A
page with a failure, or one that ran only in part, is always run again.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
from dataclasses import asdict
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path

from cvplus_handoff import OK_OUTCOMES, Manifest, Result, Session

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
WORLD_PATHS = [
    HERE / "fixture", HERE / "standins", ROOT / "tests" / "cloudsim",
    HERE / "sandbox.py", HERE / "runner.py", HERE / "world.py", HERE / "firebase_standin_pages.yaml",
    HERE / "test_manual_snippets.py", ROOT / "source" / "_ext" / "cvplus_transcript.py",
    ROOT / "source" / "_data" / "platform.yaml", ROOT / "source" / "_data" / "permissions.yaml",
    ROOT / "package-lock.json", ROOT / "pyproject.toml",
]


def _files(path: Path) -> list[Path]:
    if path.is_file():
        return [path]
    return sorted(p for p in path.rglob("*") if p.is_file() and "__pycache__" not in p.parts)


def _version(cmd: list[str]) -> str:
    try:
        return subprocess.run(cmd, capture_output=True, text=True, timeout=60).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "absent"


def world_inputs(today: str | None = None) -> dict[str, str]:
    """What every page session depends on, as name -> digest or version."""
    inputs = {}
    for base in WORLD_PATHS:
        for path in _files(base):
            inputs[str(path.relative_to(ROOT))] = hashlib.sha256(path.read_bytes()).hexdigest()
    for tool, cmd in (("node", ["node", "--version"]), ("bash", ["bash", "--version"]),
                      ("jq", ["jq", "--version"]), ("bwrap", ["bwrap", "--version"])):
        inputs[f"tool:{tool}"] = _version(cmd).split("\n", 1)[0]
    real_gcloud = os.environ.get("CVPLUS_REAL_GCLOUD")
    if real_gcloud:
        inputs["tool:gcloud"] = _version([real_gcloud, "--version"])
    inputs["date"] = today or datetime.now(timezone.utc).strftime("%Y-%m-%d")
    return inputs


@lru_cache(maxsize=1)
def world_digest() -> str:
    h = hashlib.sha256()
    for name, value in sorted(world_inputs().items()):
        h.update(f"{name}\0{value}\0".encode())
    return h.hexdigest()


def page_fingerprint(docname: str, manifest: Manifest, world: str) -> str:
    page = manifest.pages.get(docname)
    h = hashlib.sha256(world.encode())
    h.update(json.dumps(asdict(page) if page else {}, sort_keys=True).encode())
    for s in manifest.of_page(docname):
        h.update(f"{s.id}\0{s.sha256}\0{s.not_run}\0".encode())
        # the IAM permissions the simulation grants while the block runs (its procedure's :requires:)
        h.update(json.dumps(manifest.requires.get(s.need) if s.need else None).encode())
    return h.hexdigest()


def unchanged_pages(manifest: Manifest, sessions: dict[str, Session], results: list[Result], world: str) -> set[str]:
    """Pages whose last complete, all-passing run had today's fingerprint and
    whose results are all still in results.json."""
    by_id = {r.id: r for r in results}
    keep = set()
    for docname, entry in sessions.items():
        ids = [s.id for s in manifest.of_page(docname)]
        if not ids or entry.fingerprint != page_fingerprint(docname, manifest, world):
            continue
        if all(i in by_id and by_id[i].outcome in OK_OUTCOMES for i in ids):
            keep.add(docname)
    return keep


def after_run(manifest: Manifest, sessions: dict[str, Session], fresh: list[Result], world: str,
              run: str) -> dict[str, Session]:
    """sessions.json after a run: a page that ran completely and passed gets
    its fingerprint; a page with any failure, or run only in part, loses it."""
    ran: dict[str, dict[str, str]] = {}
    for r in fresh:
        ran.setdefault(r.docname, {})[r.id] = r.outcome
    updated = dict(sessions)
    for docname, outcomes in ran.items():
        ids = {s.id for s in manifest.of_page(docname)}
        if ids and ids <= set(outcomes) and all(outcomes[i] in OK_OUTCOMES for i in ids):
            updated[docname] = Session(page_fingerprint(docname, manifest, world), run)
        else:
            updated.pop(docname, None)
    return updated
