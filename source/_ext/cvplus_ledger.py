"""The evidence ledger: an append-only, hash-chained log of test results.

Each line of ``build/evidence/ledger.jsonl`` is one record of one snippet
result: ``{"seq", "prev", "hash", "record"}`` where ``hash`` is the sha256 of
``prev`` and the record's canonical JSON, and ``prev`` the hash of the line
before (64 zeros for the first). A record names the run and shard that
produced it, the procedure, the controls it carries out, the snippet and its
sha256, the commit, the environment, tool provenance, time and result.

A chain alone proves nothing: anyone can rewrite it consistently. So its
head is anchored where a rewrite shows: the JUnit properties of the run
(``ledger_head``, ``ledger_records``), the PDF (the ``{evidence-run}``
block prints ``Ledger head after N records: <hash>``), and a committed file
per release (``evidence/anchors/<release>.json``). ``verify`` checks the
chain, that every result in results.json matches the ledger record it names,
and that every anchor names a hash the chain really has at that position.

Reuse: results.json keeps, for a snippet an incremental run did not re-run,
the entry of the run that produced it, whose ``run`` and ``ledger`` fields
point at that run's ledger record; shards of a parallel run share one run
id and each record names its ``shard`` (the xdist worker).

The shape of a ledger line and of a result, and reading and appending
them, belong to cvplus_handoff; this module checks the chain and its
anchors. No Sphinx import here: the test suite and
scripts/evidence_ledger.py use it too.
"""

from __future__ import annotations

import re
from pathlib import Path

from cvplus_handoff import (GENESIS, RECORD_FIELDS, HandoffError, LedgerEntry, LedgerRecord, Result,  # noqa: F401
                            append_ledger, chain_hash, merge_results, read_ledger, read_results, write_results)

PDF_ANCHOR = re.compile(r"Ledger head after (\d+) records?: ([0-9a-f]{64})")


class LedgerError(Exception):
    """The ledger, a result or an anchor does not verify."""


def read(path: Path) -> list[LedgerEntry]:
    """The ledger's entries (cvplus_handoff.read_ledger); a bad line is a LedgerError naming file:line."""
    try:
        return read_ledger(path)
    except HandoffError as exc:
        raise LedgerError(str(exc)) from None


def head(path: Path) -> tuple[int, str]:
    """(number of records, hash of the last) ; (0, GENESIS) when empty."""
    entries = read(path)
    return (len(entries), entries[-1].hash) if entries else (0, GENESIS)


def append(path: Path, records: list[LedgerRecord]) -> list[LedgerEntry]:
    """Append records (nothing earlier is rewritten); return the entries written."""
    return append_ledger(path, records)


def verify_chain(entries: list[LedgerEntry], where: str = "ledger") -> list[str]:
    problems = []
    prev = GENESIS
    for index, entry in enumerate(entries, 1):
        if entry.seq != index:
            problems.append(f"{where}:{index}: seq {entry.seq} where {index} was expected")
        if entry.prev != prev:
            problems.append(f"{where}:{index}: prev does not name the hash of the record before")
        if chain_hash(entry.prev, entry.record) != entry.hash:
            problems.append(f"{where}:{index}: record does not match its hash (altered)")
        prev = entry.hash
    return problems


def verify_results(entries: list[LedgerEntry], results: list[Result]) -> list[str]:
    """Every result naming a ledger record must say what that record says."""
    by_hash = {e.hash: e.record for e in entries}
    problems = []
    for result in results:
        ref = result.ledger
        if not ref:
            problems.append(f"results.json {result.id}: names no ledger record")
            continue
        record = by_hash.get(ref)
        if record is None:
            problems.append(f"results.json {result.id}: ledger record {ref[:12]} is not in the ledger")
            continue
        for key, rkey in (("outcome", "result"), ("sha256", "sha256"), ("finished", "time"), ("run", "run")):
            if getattr(result, key) != getattr(record, rkey):
                problems.append(f"results.json {result.id}: {key} '{getattr(result, key)}' differs from "
                                f"ledger record {ref[:12]} ('{getattr(record, rkey)}'): altered after the fact")
    return problems


def verify_anchor(entries: list[LedgerEntry], records: int, digest: str, name: str) -> list[str]:
    if records < 1 or records > len(entries):
        return [f"anchor {name}: names record {records}, the ledger holds {len(entries)}"]
    if entries[records - 1].hash != digest:
        return [f"anchor {name}: record {records} has hash {entries[records - 1].hash[:12]}, "
                f"the anchor says {digest[:12]}: the chain was rewritten"]
    return []


def junit_anchor(path: Path) -> tuple[int, str] | None:
    import xml.etree.ElementTree as ET

    if not path.is_file():
        return None
    props = {p.get("name"): p.get("value") for p in ET.parse(path).getroot().iter("property")
             if p.get("name") in ("ledger_head", "ledger_records")}
    if "ledger_head" not in props:
        return None
    return int(props["ledger_records"]), props["ledger_head"]


def pdf_anchor(path: Path) -> tuple[int, str] | None:
    import subprocess

    if not path.is_file():
        return None
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    match = PDF_ANCHOR.search(re.sub(r"\s+", " ", text))
    return (int(match.group(1)), match.group(2)) if match else None


def merge_folders(shard_dirs: list[Path], target: Path) -> int:
    """Fold shard evidence folders (``make test SHARD=K/N``) into ``target``:
    for each snippet the newest result wins (as within one run), its ledger
    record is appended to the target ledger (one chain, in time order) and
    results.json points at the new entry, so ``verify`` checks the merged
    evidence like any other. Returns how many results were merged."""
    from dataclasses import replace

    fresh: dict[str, tuple[Result, LedgerRecord]] = {}
    for folder in shard_dirs:
        results_file = folder / "results.json"
        if not results_file.is_file():
            raise LedgerError(f"{results_file}: no results (did that shard run?)")
        by_hash = {e.hash: e.record for e in read(folder / "ledger.jsonl")}
        try:
            results = read_results(results_file)
        except HandoffError as exc:
            raise LedgerError(str(exc)) from None
        for result in results:
            record = by_hash.get(result.ledger or "")
            if record is None:
                raise LedgerError(f"{results_file}: {result.id} names no record of {folder / 'ledger.jsonl'}")
            if result.id not in fresh or result.finished > fresh[result.id][0].finished:
                fresh[result.id] = (result, record)
    target.mkdir(parents=True, exist_ok=True)
    ordered = sorted(fresh.values(), key=lambda pair: (pair[0].finished, pair[0].id))
    entries = append(target / "ledger.jsonl", [record for _, record in ordered])
    merged = [replace(result, ledger=entry.hash) for (result, _), entry in zip(ordered, entries)]
    results_file = target / "results.json"
    write_results(results_file, merge_results(read_results(results_file), merged))
    return len(merged)
