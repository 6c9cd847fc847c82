"""The hand-off between the build and the tests, as typed records.

The build and the test suite hand each other four files; this module is the
only place that knows their shape, writes, reads and merges them:

``build/html/snippets.json``     the manifest (``Manifest``): every shell block
                                 of the built manual (``Snippet``), each page's
                                 hidden setup and cleanup (``PageHooks``), the
                                 IAM grant of each procedure, and the digest of
                                 the sources it was built from. Written by
                                 cvplus_snippets; read by the snippet tests,
                                 scripts/page_test.py and the benchmark.
``build/evidence/results.json``  one ``Result`` per snippet, the newest run
                                 of each; written by the tests
                                 (tests/snippets/evidence.py), merged from
                                 shards (cvplus_ledger.merge_folders), read by
                                 the coverage pages and the ledger check.
``build/evidence/sessions.json`` per page, the fingerprint of its last
                                 complete passing run (``Session``;
                                 tests/snippets/incremental.py).
``build/evidence/ledger.jsonl``  the evidence ledger: one ``LedgerEntry``
                                 (seq, prev, hash, ``LedgerRecord``) a line;
                                 the chain is checked by cvplus_ledger.

A file that is not JSON, holds a record with a missing or unknown field, or
names a ``format`` other than ``FORMAT`` raises ``HandoffError`` naming the
file (and the line, for the ledger); the build or the test run stops there.
The writers produce the same bytes as before this module existed
(``json.dumps`` with sorted keys for the manifest), so outputs compare
byte for byte.

No Sphinx import here: the test suite and the scripts use it too.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any, Iterable

FORMAT = 1  # a file may say "format": 1; any other value is refused
GENESIS = "0" * 64
OK_OUTCOMES = ("passed", "manual")  # a page whose blocks all ended so needs no new run


class HandoffError(ValueError):
    """A hand-off file is missing, not JSON, or not of the shape this module writes."""


def _load_json(path: Path) -> Any:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise HandoffError(f"{path}:{exc.lineno}: not JSON: {exc.msg}") from None
    if isinstance(data, dict) and data.get("format", FORMAT) != FORMAT:
        raise HandoffError(f"{path}: format {data['format']!r}, this build reads format {FORMAT}")
    return data


def _check(cls: type, data: Any, where: str, required: Iterable[str]) -> dict[str, Any]:
    """``data`` as keyword arguments of ``cls``: a mapping with every required
    field and no field ``cls`` does not have."""
    if not isinstance(data, dict):
        raise HandoffError(f"{where}: expected an object, found {type(data).__name__}")
    known = {f.name for f in fields(cls)}
    missing = [name for name in required if name not in data]
    unknown = sorted(set(data) - known)
    if missing or unknown:
        raise HandoffError(f"{where}: " + "; ".join(
            ([f"missing field(s) {', '.join(missing)}"] if missing else [])
            + ([f"unknown field(s) {', '.join(unknown)}"] if unknown else [])))
    return data


# -- the manifest: build/html/snippets.json ------------------------------------

@dataclass(frozen=True)
class Snippet:
    """One shell block of the built manual, substitutions resolved."""

    docname: str
    line: int
    source: str = ""         # source/page.md, relative to the project
    language: str = "console"
    mode: str = "console"    # "console" (a transcript to judge) or "script"
    need: str = ""           # the procedure it belongs to, "" outside any
    text: str = ""
    sha256: str = ""
    not_run: str = ""        # why it is not run ("" when it runs)
    finding: str = ""        # the finding its expected output records
    id: str = ""             # "docname:line", filled in when empty

    def __post_init__(self) -> None:
        if not self.id:
            object.__setattr__(self, "id", f"{self.docname}:{self.line}")

    @property
    def test_id(self) -> str:
        """The pytest id: ``page::NEED_ID::Lline``."""
        return f"{self.docname}::{self.need or 'page'}::L{self.line}"

    def where(self, offset: int = 0) -> str:
        """``source/page.md:LINE`` of the block's line ``offset`` (0 = the fence)."""
        return f"{self.source}:{self.line + offset}"


@dataclass(frozen=True)
class PageHooks:
    """A page's hidden setup and cleanup shell ({snippet-setup}, {snippet-cleanup})."""

    setup: list[str] = field(default_factory=list)
    cleanup: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Manifest:
    snippets: list[Snippet] = field(default_factory=list)
    pages: dict[str, PageHooks] = field(default_factory=dict)
    requires: dict[str, list[str]] = field(default_factory=dict)  # procedure -> IAM permissions granted
    sources: str = ""        # cvplus_sources.sources_digest of what was built

    def of_page(self, docname: str) -> list[Snippet]:
        return [s for s in self.snippets if s.docname == docname]

    def docnames(self) -> list[str]:
        return sorted({s.docname for s in self.snippets})


def manifest_dict(manifest: Manifest) -> dict[str, Any]:
    return {"pages": {d: asdict(p) for d, p in sorted(manifest.pages.items())},
            "snippets": [asdict(s) for s in manifest.snippets],
            "requires": manifest.requires, "sources": manifest.sources}


def write_manifest(path: Path, manifest: Manifest) -> None:
    path.write_text(json.dumps(manifest_dict(manifest), indent=1, sort_keys=True), encoding="utf-8")


def read_manifest(path: Path) -> Manifest:
    if not path.is_file():
        raise HandoffError(f"{path}: no manifest (build the manual first: make html)")
    data = _load_json(path)
    _check(Manifest, {k: v for k, v in data.items() if k != "format"}, str(path), ("snippets", "pages"))
    required = [f.name for f in fields(Snippet)]
    snippets = [Snippet(**_check(Snippet, s, f"{path}: snippet {i}", required))
                for i, s in enumerate(data["snippets"], 1)]
    pages = {d: PageHooks(**_check(PageHooks, p, f"{path}: page {d}", ("setup", "cleanup")))
             for d, p in data["pages"].items()}
    return Manifest(snippets, pages, data.get("requires", {}), data.get("sources", ""))


def manifest_sources(path: Path) -> str | None:
    """The sources digest a manifest records (None when there is no manifest)."""
    return read_manifest(path).sources if path.is_file() else None


# -- results: build/evidence/results.json ---------------------------------------

@dataclass
class Result:
    """The outcome of one snippet in one run; optional fields left None are
    not written."""

    id: str
    outcome: str             # passed, failed, manual
    need: str = ""
    sha256: str = ""
    source: str = ""
    line: int = 0
    finding: str = ""
    finished: str = ""       # ISO time, UTC
    run: str = ""            # the pytest session (shared by xdist workers)
    shard: str = ""          # the xdist worker, or "main"
    environment: str = "sandbox"
    provenance: str = ""
    reason: str | None = None            # why it is manual
    seconds: float | None = None         # how long it ran (shards are balanced by it)
    ran_against: list[str] | None = None
    cloud: dict[str, Any] | None = None  # the simulated Google APIs' request summary
    ledger: str | None = None            # hash of its ledger record, once appended

    @classmethod
    def of(cls, snippet: Snippet, outcome: str, **extra: Any) -> "Result":
        return cls(id=snippet.id, outcome=outcome, need=snippet.need, sha256=snippet.sha256,
                   source=snippet.source, line=snippet.line, finding=snippet.finding, **extra)

    @property
    def docname(self) -> str:
        return self.id.rsplit(":", 1)[0]

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v is not None}


# what every version of the suite wrote; run, shard, environment, provenance
# and finding came later, and an incremental run keeps older entries
RESULT_REQUIRED = ("id", "outcome", "need", "sha256", "source", "line", "finished")


def read_results(path: Path, required: Iterable[str] = RESULT_REQUIRED) -> list[Result]:
    """The results of ``path`` ([] when there is none yet)."""
    if not path.is_file():
        return []
    data = _load_json(path)
    if not isinstance(data, dict) or not isinstance(data.get("results"), list):
        raise HandoffError(f"{path}: expected {{\"results\": [...]}}")
    try:
        return [Result(**_check(Result, r, f"{path}: result {i} ({r.get('id') if isinstance(r, dict) else '?'})",
                                required))
                for i, r in enumerate(data["results"], 1)]
    except HandoffError as exc:
        raise HandoffError(f"{exc} (not written by this version of the tests: remove {path.parent} and "
                           "run make test to record the evidence again)") from None


def write_results(path: Path, results: Iterable[Result], sort: bool = True) -> None:
    items = sorted(results, key=lambda r: r.id) if sort else list(results)
    path.write_text(json.dumps({"results": [r.to_dict() for r in items]}, indent=1), encoding="utf-8")


def merge_results(old: Iterable[Result], fresh: Iterable[Result]) -> list[Result]:
    """``old`` with every snippet that ran now replaced by its fresh result, sorted by id."""
    fresh = list(fresh)
    ran = {r.id for r in fresh}
    return sorted([r for r in old if r.id not in ran] + fresh, key=lambda r: r.id)


# -- sessions: build/evidence/sessions.json --------------------------------------

@dataclass(frozen=True)
class Session:
    """A page's last complete, all-passing run: its fingerprint and run id."""

    fingerprint: str
    run: str = ""


def read_sessions(path: Path) -> dict[str, Session]:
    if not path.is_file():
        return {}
    data = _load_json(path)
    if not isinstance(data, dict):
        raise HandoffError(f"{path}: expected an object of pages")
    return {d: Session(**_check(Session, s, f"{path}: page {d}", ("fingerprint",)))
            for d, s in data.items() if d != "format"}


def write_sessions(path: Path, sessions: dict[str, Session]) -> None:
    path.write_text(json.dumps({d: asdict(s) for d, s in sessions.items()}, indent=1, sort_keys=True),
                    encoding="utf-8")


# -- the ledger: build/evidence/ledger.jsonl --------------------------------------

@dataclass(frozen=True)
class LedgerRecord:
    """What one ledger line proves about one snippet result."""

    run: str
    shard: str
    procedure: str
    controls: list[str]
    snippet: str
    source: str              # source/page.md:line
    sha256: str
    commit: str
    environment: str
    provenance: str
    time: str
    result: str
    finding: str = ""

    @classmethod
    def of(cls, result: Result, controls: list[str], commit: str) -> "LedgerRecord":
        return cls(run=result.run, shard=result.shard, procedure=result.need, controls=controls,
                   snippet=result.id, source=f"{result.source}:{result.line}", sha256=result.sha256,
                   commit=commit, environment=result.environment, provenance=result.provenance,
                   time=result.finished, result=result.outcome, finding=result.finding)


RECORD_FIELDS = tuple(f.name for f in fields(LedgerRecord))


@dataclass(frozen=True)
class LedgerEntry:
    seq: int
    prev: str
    hash: str
    record: LedgerRecord


def canonical(data: dict[str, Any]) -> str:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def chain_hash(prev: str, record: LedgerRecord | dict[str, Any]) -> str:
    data = asdict(record) if isinstance(record, LedgerRecord) else record
    return hashlib.sha256((prev + canonical(data)).encode()).hexdigest()


def read_ledger(path: Path) -> list[LedgerEntry]:
    """The entries of a ledger ([] when there is none); a line that is not a
    ledger entry raises HandoffError naming ``file:line``."""
    if not path.is_file():
        return []
    entries = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        where = f"{path}:{number}"
        try:
            data = json.loads(line)
        except json.JSONDecodeError as exc:
            raise HandoffError(f"{where}: not JSON: {exc.msg}") from None
        _check(LedgerEntry, data, where, ("seq", "prev", "hash", "record"))
        record = LedgerRecord(**_check(LedgerRecord, data["record"], f"{where}: record",
                                       [f for f in RECORD_FIELDS if f != "finding"]))
        entries.append(LedgerEntry(data["seq"], data["prev"], data["hash"], record))
    return entries


def append_ledger(path: Path, records: Iterable[LedgerRecord]) -> list[LedgerEntry]:
    """Append records to the chain (append mode: nothing earlier is
    rewritten); return the entries written."""
    existing = read_ledger(path)
    count, prev = (len(existing), existing[-1].hash) if existing else (0, GENESIS)
    written = []
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as handle:
        for record in records:
            count += 1
            digest = chain_hash(prev, record)
            entry = LedgerEntry(count, prev, digest, record)
            handle.write(canonical(asdict(entry)) + "\n")
            written.append(entry)
            prev = digest
    return written
