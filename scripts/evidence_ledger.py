#!/usr/bin/env python3
"""Evidence ledger and operating evidence, from the command line.

  verify   check the ledger chain, that every result in results.json says
           what its ledger record says, and every anchor (JUnit properties
           of the run, the PDF, the committed release anchors under
           evidence/anchors/); exit 1 naming each problem
  anchor   write evidence/anchors/<release>.json with the ledger head, to
           commit with the release
  export   the ledger records of a period as CSV (--since, --until)
  import   record an artefact collected in the REAL environment as
           operating evidence for a control (the only way an operating
           status is set); refuses anything the sandbox or the test suite
           produced

Bad input exits 2 with a message naming the file (and line where there is one).
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import sys
from dataclasses import asdict
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "source" / "_ext"))

import cvplus_ledger as ledger  # noqa: E402

EVIDENCE = ROOT / "build" / "evidence"
ANCHORS = ROOT / "evidence" / "anchors"
PDF = ROOT / "build" / "latex" / "cvplus-operations-manual.pdf"


def verify(args: argparse.Namespace) -> int:
    entries = ledger.read(args.ledger)
    if not entries:
        print(f"{args.ledger}: no ledger (run the tests first)", file=sys.stderr)
        return 1
    problems = ledger.verify_chain(entries, str(args.ledger))
    if args.results.is_file():
        problems += ledger.verify_results(entries, ledger.read_results(args.results))
    anchors = 0
    for name, found in (("junit", ledger.junit_anchor(args.junit)), ("pdf", ledger.pdf_anchor(args.pdf))):
        if found is not None:
            anchors += 1
            problems += ledger.verify_anchor(entries, found[0], found[1], f"{name} ({args.junit if name == 'junit' else args.pdf})")
    for path in sorted(args.anchors.glob("*.json")) if args.anchors.is_dir() else []:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("genesis") != entries[0].hash:
            if args.release and path.stem == args.release:
                problems.append(f"{path}: anchors another ledger (first record {data.get('genesis', '')[:12]})")
            continue
        anchors += 1
        problems += ledger.verify_anchor(entries, int(data["records"]), data["head"], str(path))
    if args.release and not (args.anchors / f"{args.release}.json").is_file():
        problems.append(f"{args.anchors / (args.release + '.json')}: no anchor for release {args.release}")
    if anchors == 0:
        problems.append("no anchor found (JUnit, PDF or release): a chain alone proves nothing")
    for problem in problems:
        print(problem)
    if not problems:
        print(f"ledger verified: {len(entries)} records, {anchors} anchors agree, head {entries[-1].hash}")
    return 1 if problems else 0


def anchor(args: argparse.Namespace) -> int:
    entries = ledger.read(args.ledger)
    if not entries:
        print(f"{args.ledger}: no ledger to anchor", file=sys.stderr)
        return 2
    args.anchors.mkdir(parents=True, exist_ok=True)
    path = args.anchors / f"{args.release}.json"
    path.write_text(json.dumps({"release": args.release, "records": len(entries), "head": entries[-1].hash,
                                "genesis": entries[0].hash, "run": entries[-1].record.run,
                                "created": datetime.now(timezone.utc).isoformat(timespec="seconds")},
                               indent=1) + "\n", encoding="utf-8")
    print(f"{path}: commit it with the release")
    return 0


def export(args: argparse.Namespace) -> int:
    writer = csv.writer(sys.stdout)
    writer.writerow(["seq", "hash", *ledger.RECORD_FIELDS])
    for entry in ledger.read(args.ledger):
        record = asdict(entry.record)
        if args.since and record["time"][:10] < args.since or args.until and record["time"][:10] > args.until:
            continue
        writer.writerow([entry.seq, entry.hash, *(
            " ".join(record.get(f) or []) if isinstance(record.get(f), list) else record.get(f, "")
            for f in ledger.RECORD_FIELDS)])
    return 0


def _sandbox_made(path: Path) -> str:
    """Why the artefact comes from the sandbox or the tests ('' if it does not)."""
    resolved = path.resolve()
    for inside in (ROOT / "build", ROOT / "tests"):
        if resolved.is_relative_to(inside.resolve()):
            return f"it lies under {inside.relative_to(ROOT)}/, which the build and the tests write"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, OSError):
        return ""
    text = json.dumps(data)
    if '"environment": "sandbox"' in text or (isinstance(data, dict) and "results" in data):
        return "it is a test-suite result (environment sandbox)"
    return ""


def import_(args: argparse.Namespace) -> int:
    import yaml

    from cvplus_operating import REGISTER, record_problems

    artefact = Path(args.artefact)
    if not artefact.is_file():
        print(f"{artefact}: no such file", file=sys.stderr)
        return 2
    why = _sandbox_made(artefact)
    if why:
        print(f"{artefact}: refused as operating evidence: {why}", file=sys.stderr)
        return 2
    record = {"control": args.control, "environment": args.environment,
              "sha256": hashlib.sha256(artefact.read_bytes()).hexdigest(), "location": args.location,
              "collected_at": args.collected_at, "collector": args.collector, "result": args.result,
              "note": args.note or ""}
    platform = yaml.safe_load((ROOT / "source" / "_data" / "platform.yaml").read_text(encoding="utf-8"))
    controls = set(args.known_controls.split(",")) if args.known_controls else _controls()
    problems = record_problems(record, controls, set(platform["roles"]))
    if problems:
        print(f"{artefact}: refused: " + "; ".join(problems), file=sys.stderr)
        return 2
    register = Path(args.register) if args.register else REGISTER
    text = register.read_text(encoding="utf-8") if register.is_file() else "records: []\n"
    data = yaml.safe_load(text) or {}
    data.setdefault("records", [])
    data["records"] = (data["records"] or []) + [record]
    header = "".join(line + "\n" for line in text.splitlines() if line.startswith("#"))
    register.write_text(header + yaml.safe_dump({"records": data["records"]}, sort_keys=False, allow_unicode=True),
                        encoding="utf-8")
    print(f"{register}: recorded {artefact.name} for {args.control} (sha256 {record['sha256'][:12]}...)")
    return 0


def merge(args: argparse.Namespace) -> int:
    folders = [Path(f) for f in args.shards]
    try:
        count = ledger.merge_folders(folders, args.ledger.parent)
    except ledger.LedgerError as exc:
        print(f"merge: {exc}", file=sys.stderr)
        return 2
    print(f"merge: {count} results from {len(folders)} shard(s) into {args.ledger.parent}")
    return 0


def _controls() -> set[str]:
    needs_json = ROOT / "build" / "html" / "needs.json"
    if not needs_json.is_file():
        raise SystemExit("build/html/needs.json is missing: run make html first (it names the controls)")
    data = json.loads(needs_json.read_text(encoding="utf-8"))
    needs = data["versions"][data["current_version"]]["needs"]
    return {nid for nid, n in needs.items() if n["type"] == "control"}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ledger", type=Path, default=EVIDENCE / "ledger.jsonl")
    parser.add_argument("--anchors", type=Path, default=ANCHORS)
    sub = parser.add_subparsers(dest="command", required=True)
    v = sub.add_parser("verify")
    v.add_argument("--results", type=Path, default=EVIDENCE / "results.json")
    v.add_argument("--junit", type=Path, default=EVIDENCE / "junit.xml")
    v.add_argument("--pdf", type=Path, default=PDF)
    v.add_argument("--release", help="require the committed anchor of this release")
    a = sub.add_parser("anchor")
    a.add_argument("--release", required=True)
    e = sub.add_parser("export")
    e.add_argument("--since")
    e.add_argument("--until")
    i = sub.add_parser("import")
    i.add_argument("--control", required=True)
    i.add_argument("--artefact", required=True, help="the file collected in the real environment")
    i.add_argument("--location", required=True, help="where the artefact is kept (ticket, bucket path)")
    i.add_argument("--collected-at", required=True, help="ISO date and time of collection")
    i.add_argument("--collector", required=True, help="the role that collected it")
    i.add_argument("--environment", required=True, choices=["dev", "staging", "prod", "sandbox"],
                   help="where it was collected; sandbox is refused")
    i.add_argument("--result", default="collected", choices=["collected", "exception"])
    i.add_argument("--note")
    i.add_argument("--register", help=argparse.SUPPRESS)
    i.add_argument("--known-controls", help=argparse.SUPPRESS)
    m = sub.add_parser("merge", help="fold shard evidence folders (make test SHARD=K/N) into the ledger's folder")
    m.add_argument("shards", nargs="+", help="shard folders, e.g. build/evidence/shard-1-of-2")
    args = parser.parse_args(argv)
    try:
        return {"merge": merge, "verify": verify, "anchor": anchor, "export": export, "import": import_}[args.command](args)
    except (ledger.LedgerError, ledger.HandoffError) as exc:  # a file of the wrong shape, named with its line
        print(f"{args.command}: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
