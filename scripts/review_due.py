#!/usr/bin/env python3
"""List manual pages whose review is due (or will be within --within days).

Reads each page's front matter (owner, last_reviewed, review_interval_days)
with the same rules the build enforces. Exit status: 0 when nothing is due,
1 when pages are due or overdue, 2 when a page's metadata is invalid.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "source" / "_ext"))

import yaml  # noqa: E402

import cvplus_data  # noqa: E402
from cvplus_review import review_record  # noqa: E402


def front_matter(path: Path) -> dict:
    text = path.read_text(encoding="utf-8")
    if not text.startswith("---\n"):
        return {}
    end = text.find("\n---", 4)
    if end < 0:
        return {}
    # BaseLoader keeps every value a string, so a malformed date is reported
    # by review_record instead of crashing the YAML parser.
    return yaml.load(text[4:end], Loader=yaml.BaseLoader) or {}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--within", type=int, default=14, help="also list pages due within N days (default 14)")
    parser.add_argument("--today", type=date.fromisoformat, default=date.today(), help="pretend today is YYYY-MM-DD")
    parser.add_argument("--source", type=Path, default=ROOT / "source")
    parser.add_argument("--check", action="store_true", help="only validate the metadata (exit 2 if invalid)")
    args = parser.parse_args(argv)
    platform = cvplus_data.load_platform()
    horizon = args.today + timedelta(days=args.within)
    due, invalid = [], []
    for path in sorted(args.source.rglob("*.md")):
        if any(part.startswith("_") for part in path.relative_to(args.source).parts):
            continue
        record, problems = review_record(front_matter(path), platform, args.today)
        rel = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
        for problem in problems:
            invalid.append(f"{rel}:1: {problem}")
        if record and record.due <= horizon:
            state = "OVERDUE" if record.overdue(args.today) else "due soon"
            due.append((record.due, f"{record.due}  {state:8}  {record.owner:24}  {rel}"))
    for line in invalid:
        print(line, file=sys.stderr)
    if args.check:
        return 2 if invalid else 0
    if due:
        print(f"Pages due for review by {horizon} (today {args.today}):")
        for _, line in sorted(due):
            print("  " + line)
    else:
        print(f"No page is due for review by {horizon}.")
    if invalid:
        return 2
    return 1 if due else 0


if __name__ == "__main__":
    sys.exit(main())
