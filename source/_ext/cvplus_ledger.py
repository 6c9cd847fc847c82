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

No Sphinx import here: the test suite and scripts/evidence_ledger.py use
it too.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any, Iterable

GENESIS = "0" * 64
RECORD_FIELDS = ("run", "shard", "procedure", "controls", "snippet", "source", "sha256", "commit",
                 "environment", "provenance", "time", "result", "finding")
PDF_ANCHOR = re.compile(r"Ledger head after (\d+) records?: ([0-9a-f]{64})")


class LedgerError(Exception):
    """The ledger, a result or an anchor does not verify."""


def canonical(record: dict[str, Any]) -> str:
    return json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def chain_hash(prev: str, record: dict[str, Any]) -> str:
    return hashlib.sha256((prev + canonical(record)).encode()).hexdigest()


def read(path: Path) -> list[dict[str, Any]]:
    if not path.is_file():
        return []
    lines = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            try:
                lines.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise LedgerError(f"{path}:{number}: not JSON: {exc.msg}") from None
    return lines


def head(path: Path) -> tuple[int, str]:
    """(number of records, hash of the last) ; (0, GENESIS) when empty."""
    entries = read(path)
    return (len(entries), entries[-1]["hash"]) if entries else (0, GENESIS)


def append(path: Path, records: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Append records (opened in append mode: nothing earlier is rewritten);
    return the entries written, each with its seq and hash."""
    count, prev = head(path)
    written = []
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as handle:
        for record in records:
            count += 1
            digest = chain_hash(prev, record)
            entry = {"seq": count, "prev": prev, "hash": digest, "record": record}
            handle.write(canonical(entry) + "\n")
            written.append(entry)
            prev = digest
    return written


def verify_chain(entries: list[dict[str, Any]], where: str = "ledger") -> list[str]:
    problems = []
    prev = GENESIS
    for index, entry in enumerate(entries, 1):
        if entry.get("seq") != index:
            problems.append(f"{where}:{index}: seq {entry.get('seq')} where {index} was expected")
        if entry.get("prev") != prev:
            problems.append(f"{where}:{index}: prev does not name the hash of the record before")
        if chain_hash(entry.get("prev", ""), entry.get("record", {})) != entry.get("hash"):
            problems.append(f"{where}:{index}: record does not match its hash (altered)")
        prev = entry.get("hash", "")
    return problems


def verify_results(entries: list[dict[str, Any]], results: list[dict[str, Any]]) -> list[str]:
    """Every result naming a ledger record must say what that record says."""
    by_hash = {e["hash"]: e["record"] for e in entries}
    problems = []
    for result in results:
        ref = result.get("ledger")
        if not ref:
            problems.append(f"results.json {result.get('id')}: names no ledger record")
            continue
        record = by_hash.get(ref)
        if record is None:
            problems.append(f"results.json {result.get('id')}: ledger record {ref[:12]} is not in the ledger")
            continue
        for key, rkey in (("outcome", "result"), ("sha256", "sha256"), ("finished", "time"), ("run", "run")):
            if result.get(key) != record.get(rkey):
                problems.append(f"results.json {result.get('id')}: {key} '{result.get(key)}' differs from "
                                f"ledger record {ref[:12]} ('{record.get(rkey)}'): altered after the fact")
    return problems


def verify_anchor(entries: list[dict[str, Any]], records: int, digest: str, name: str) -> list[str]:
    if records < 1 or records > len(entries):
        return [f"anchor {name}: names record {records}, the ledger holds {len(entries)}"]
    if entries[records - 1]["hash"] != digest:
        return [f"anchor {name}: record {records} has hash {entries[records - 1]['hash'][:12]}, "
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

    fresh: dict[str, tuple[dict, dict]] = {}
    for folder in shard_dirs:
        results_file = folder / "results.json"
        if not results_file.is_file():
            raise LedgerError(f"{results_file}: no results (did that shard run?)")
        by_hash = {e["hash"]: e["record"] for e in read(folder / "ledger.jsonl")}
        for result in json.loads(results_file.read_text(encoding="utf-8"))["results"]:
            record = by_hash.get(result.get("ledger", ""))
            if record is None:
                raise LedgerError(f"{results_file}: {result['id']} names no record of {folder / 'ledger.jsonl'}")
            if result["id"] not in fresh or result["finished"] > fresh[result["id"]][0]["finished"]:
                fresh[result["id"]] = (result, record)
    target.mkdir(parents=True, exist_ok=True)
    ordered = sorted(fresh.values(), key=lambda pair: (pair[0]["finished"], pair[0]["id"]))
    entries = append(target / "ledger.jsonl", [record for _, record in ordered])
    merged = []
    for (result, _), entry in zip(ordered, entries):
        merged.append({**result, "ledger": entry["hash"]})
    results_file = target / "results.json"
    old = json.loads(results_file.read_text(encoding="utf-8"))["results"] if results_file.is_file() else []
    ids = {r["id"] for r in merged}
    combined = [r for r in old if r["id"] not in ids] + merged
    results_file.write_text(json.dumps({"results": sorted(combined, key=lambda r: r["id"])}, indent=1),
                            encoding="utf-8")
    return len(merged)
