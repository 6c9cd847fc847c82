"""Sharding: a deterministic, balanced partition of the page sessions, and
a merge of shard evidence that equals one full run (run locally here: two
shards one after the other against one run of the same pages)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import shards
from cvplus_handoff import Manifest, Result, Snippet, read_results
from cvplus_ledger import LedgerError, merge_folders, read, verify_chain, verify_results
from evidence import load_manifest, snippet_test_id
from manual_build import ROOT

WEIGHTS = {"a": 40.0, "b": 30.0, "c": 20.0, "d": 10.0, "e": 10.0, "f": 5.0}


def test_every_page_lands_in_exactly_one_shard() -> None:
    for n in (1, 2, 3, 4, 8):
        split = shards.assign(WEIGHTS, n)
        assert sorted(p for shard in split for p in shard) == sorted(WEIGHTS)


def test_the_split_is_balanced_and_the_same_on_every_machine() -> None:
    split = shards.assign(WEIGHTS, 2)
    assert split == shards.assign(dict(reversed(list(WEIGHTS.items()))), 2)
    loads = [sum(WEIGHTS[p] for p in shard) for shard in split]
    assert max(loads) - min(loads) <= 5.0


def test_weights_come_from_recorded_seconds_else_snippet_counts() -> None:
    manifest = Manifest([Snippet("a", 3), Snippet("a", 9), Snippet("b", 1)])
    assert shards.page_weights(manifest, []) == {"a": 2.0, "b": 1.0}
    recorded = [Result("a:3", "passed", seconds=7.5), Result("a:9", "passed", seconds=1.0)]
    assert shards.page_weights(manifest, recorded) == {"a": 8.5, "b": 1.0}


@pytest.mark.parametrize("spec", ["3", "0/2", "3/2", "a/b", "1/0"])
def test_a_bad_shard_spec_is_refused(spec: str) -> None:
    with pytest.raises(shards.ShardError, match="SHARD="):
        shards.parse(spec)


def test_other_test_modules_are_spread_round_robin() -> None:
    modules = ["t/b.py", "t/a.py", "t/c.py", "t/a.py"]
    assert [shards.module_shard(m, modules, 2) for m in ("t/a.py", "t/b.py", "t/c.py")] == [1, 2, 1]


def test_merge_refuses_a_shard_without_results(tmp_path: Path) -> None:
    (tmp_path / "shard-1-of-2").mkdir()
    with pytest.raises(LedgerError, match="no results"):
        merge_folders([tmp_path / "shard-1-of-2"], tmp_path / "evidence")


def _run(ids: list[str], evidence: Path, shard: str = "") -> None:
    env = {**os.environ, "CVPLUS_EVIDENCE": str(evidence / "results.json"), "CVPLUS_INCREMENTAL": "0"}
    env.pop("PYTEST_XDIST_WORKER", None)
    env.pop("CVPLUS_RUN_ID", None)
    if shard:
        env["CVPLUS_SHARD"] = shard
    evidence.mkdir(parents=True)
    subprocess.run([sys.executable, "-m", "pytest", "-q", "-n", "0", "-p", "no:cacheprovider", *ids],
                   cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)


def test_two_shards_one_after_the_other_equal_one_full_run(tmp_path: Path) -> None:
    manifest = load_manifest()
    weights = shards.page_weights(manifest, read_results(ROOT / "build" / "evidence" / "results.json"))
    count = {p: sum(s.docname == p for s in manifest.snippets) for p in weights}
    # the smallest page of each shard, as the conftest's split assigns them
    pages = [min(shard, key=lambda p: (count[p], p)) for shard in shards.assign(weights, 2)]
    ids = [f"tests/snippets/test_manual_snippets.py::test_snippet[{snippet_test_id(s)}]"
           for s in manifest.snippets if s.docname in pages]
    _run(ids, tmp_path / "full")
    _run(ids, tmp_path / "shard-1-of-2", "1/2")
    _run(ids, tmp_path / "shard-2-of-2", "2/2")
    merged = tmp_path / "merged"
    merge_folders([tmp_path / "shard-1-of-2", tmp_path / "shard-2-of-2"], merged)

    def outcomes(folder: Path) -> dict[str, tuple[str, str]]:
        return {r.id: (r.outcome, r.sha256) for r in read_results(folder / "results.json")}

    full = outcomes(tmp_path / "full")
    assert len(full) == len(ids)
    assert outcomes(merged) == full
    entries = read(merged / "ledger.jsonl")
    assert not verify_chain(entries)
    assert not verify_results(entries, read_results(merged / "results.json"))
