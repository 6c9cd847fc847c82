"""With pytest-xdist, the workers' results reach results.json (the
controller merges them), keyed by snippet with its sha256."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from cvplus_handoff import read_results
from evidence import load_manifest, manifest_path
from manual_build import ROOT

pytestmark = pytest.mark.slow


def test_two_workers_write_one_merged_evidence_file(tmp_path: Path) -> None:
    results = tmp_path / "results.json"
    env = {**os.environ, "CVPLUS_EVIDENCE": str(results), "CVPLUS_BUILT": str(manifest_path().parent)}
    env.pop("PYTEST_XDIST_WORKER", None)
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-n", "2",
                           "tests/snippets/test_manual_snippets.py", "-k", "reference/templates"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-2000:]
    recorded = read_results(results)
    expected = {s.id: s.sha256 for s in load_manifest().snippets if s.docname == "reference/templates"}
    assert {r.id: r.sha256 for r in recorded} == expected
    assert {r.outcome for r in recorded} <= {"passed", "manual"}
    assert not list(tmp_path.glob("results.*.json")), "worker parts were left behind"
    # shards of one run share its id, each result names its shard and the
    # ledger record it was appended as; the chain verifies
    from cvplus_ledger import read, verify_chain, verify_results

    assert len({r.run for r in recorded}) == 1
    assert {r.shard for r in recorded} <= {"gw0", "gw1"}
    entries = read(tmp_path / "ledger.jsonl")
    assert len(entries) == len(recorded)
    assert verify_chain(entries) == [] and verify_results(entries, recorded) == []
    assert all(r.environment == "sandbox" and r.provenance for r in recorded)
