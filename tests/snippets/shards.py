"""Sharding the snippet suite over several machines, and merging their evidence.

``make test SHARD=K/N`` runs shard K of N: the page sessions are split by
``assign`` (longest first onto the least-loaded shard, by the durations the
last results recorded, else by snippet count; ties by name, so every
machine computes the same split), and every other test module goes to one
shard, round robin over the sorted module paths. Each shard writes its own
evidence folder (``build/evidence/shard-K-of-N``: results.json and its own
ledger). ``cvplus_ledger.merge_folders`` (``scripts/evidence_ledger.py
merge``, ``make test-merge``) folds them into one. A shard spec that is not K/N with 1 <= K <= N stops the
run with an error.
"""

from __future__ import annotations

from cvplus_handoff import Manifest, Result


class ShardError(ValueError):
    pass


def parse(spec: str) -> tuple[int, int]:
    try:
        k, n = (int(x) for x in spec.split("/"))
    except ValueError:
        raise ShardError(f"SHARD={spec!r}: expected K/N, e.g. SHARD=2/4") from None
    if not 1 <= k <= n:
        raise ShardError(f"SHARD={spec!r}: K must be between 1 and N")
    return k, n


def page_weights(manifest: Manifest, results: list[Result]) -> dict[str, float]:
    """Seconds each page took in the recorded results, else its snippet count."""
    seconds: dict[str, float] = {}
    counts: dict[str, int] = {}
    for s in manifest.snippets:
        counts[s.docname] = counts.get(s.docname, 0) + 1
    for r in results:
        if r.seconds is not None:
            seconds[r.docname] = seconds.get(r.docname, 0.0) + float(r.seconds)
    return {page: seconds.get(page, float(count)) for page, count in counts.items()}


def assign(weights: dict[str, float], n: int) -> list[list[str]]:
    """Pages per shard (index 0 is shard 1), balanced and deterministic."""
    shards: list[list[str]] = [[] for _ in range(n)]
    loads = [0.0] * n
    for page in sorted(weights, key=lambda p: (-weights[p], p)):
        target = min(range(n), key=lambda i: (loads[i], i))
        shards[target].append(page)
        loads[target] += weights[page]
    return shards


def module_shard(module: str, modules: list[str], n: int) -> int:
    """Shard (1-based) of a non-snippet test module."""
    return sorted(set(modules)).index(module) % n + 1
