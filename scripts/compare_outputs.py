#!/usr/bin/env python3
"""Build two revisions of the manual and compare needs.json and the exports byte for byte.

    .venv/bin/python scripts/compare_outputs.py BASE [HEAD]

Each revision is exported with ``git archive`` into its own temporary tree
(HEAD defaults to the work tree as it is now, uncommitted edits included)
and built as ``make html`` does, with the same test evidence
(``build/evidence/``, copied from this checkout) so that the coverage
figures rest on the same results. It then compares needs.json,
traceability.csv, criteria.csv, coverage.csv and coverage.json.

With ``--html`` it also compares every HTML page, after masking the two
values that differ on every build of the same sources: sphinx-needs' random
need-container ids (``SNCB-<uuid>``) and the needflow image names.

Exit status: 0 when every file is byte-identical, 1 when one differs (the
first differing lines are printed), 2 when a build fails (its output is
printed). Built outputs are kept in ``build/compare/<revision>/``; a
revision already built there is not built again (``--rebuild`` forces it).
"""

from __future__ import annotations

import argparse
import difflib
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SPHINX_BUILD = ROOT / ".venv" / "bin" / "sphinx-build"
OUTPUTS = ["needs.json", "traceability.csv", "criteria.csv", "coverage.csv", "coverage.json"]
RANDOM = re.compile(rb"SNCB-[0-9a-f]{8}|needflow-[0-9a-f]{40}")
COPY_IGNORE = shutil.ignore_patterns(".venv", "node_modules", "build", ".git", "__pycache__", ".pytest_cache")


def _git(*args: str) -> str:
    return subprocess.run(["git", *args], cwd=ROOT, check=True, capture_output=True, text=True).stdout.strip()


def _tree(revision: str, dest: Path) -> None:
    """The revision's files in ``dest``; WORKTREE means this checkout as it is."""
    if revision == "WORKTREE":
        shutil.copytree(ROOT, dest, ignore=COPY_IGNORE)
    else:
        dest.mkdir(parents=True)
        archive = subprocess.run(["git", "archive", revision], cwd=ROOT, check=True, capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", str(dest)], input=archive, check=True)
    (dest / "node_modules").symlink_to(ROOT / "node_modules")
    evidence = ROOT / "build" / "evidence"
    if evidence.is_dir():
        shutil.copytree(evidence, dest / "build" / "evidence", ignore=shutil.ignore_patterns("shard-*"))


def build(revision: str, rebuild: bool, html: bool = False) -> Path:
    """Build ``revision`` and return the folder that holds its outputs."""
    name = revision if revision == "WORKTREE" else _git("rev-parse", "--short=12", revision)
    keep = ROOT / "build" / "compare" / name
    if (keep.is_dir() and revision != "WORKTREE" and not rebuild and all((keep / f).is_file() for f in OUTPUTS)
            and (not html or (keep / "html").is_dir())):
        print(f"{revision}: reusing {keep.relative_to(ROOT)}")
        return keep
    with tempfile.TemporaryDirectory(prefix="cvplus-compare-") as tmp:
        tree = Path(tmp) / "tree"
        _tree(revision, tree)
        out = Path(tmp) / "html"
        cmd = [str(SPHINX_BUILD), "-b", "html", "-W", "--keep-going", "-n", "-q", "-c", str(tree),
               "-d", str(Path(tmp) / "doctrees"), str(tree / "source"), str(out)]
        print(f"{revision}: building in {tree}", flush=True)
        proc = subprocess.run(cmd, cwd=tree, capture_output=True, text=True,
                              env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"})
        if proc.returncode != 0:
            print(proc.stdout + proc.stderr, file=sys.stderr)
            print(f"{revision}: the build failed (exit {proc.returncode})", file=sys.stderr)
            sys.exit(2)
        if keep.exists():
            shutil.rmtree(keep)
        keep.mkdir(parents=True)
        for name in OUTPUTS:
            shutil.copy2(out / name, keep / name)
        if html:
            shutil.copytree(out, keep / "html", ignore=shutil.ignore_patterns("*.svg", "*.png", "_static", "_images"))
    return keep


def compare_html(base: Path, head: Path) -> bool:
    """Every HTML page, random ids masked; True when all are identical."""
    pages = sorted({p.relative_to(base / "html") for p in (base / "html").rglob("*.html")}
                   | {p.relative_to(head / "html") for p in (head / "html").rglob("*.html")})
    different = []
    for page in pages:
        a, b = base / "html" / page, head / "html" / page
        if not (a.is_file() and b.is_file()) or RANDOM.sub(b"", a.read_bytes()) != RANDOM.sub(b"", b.read_bytes()):
            different.append(str(page))
    for page in different:
        print(f"DIFFERENT  html/{page}")
    print(f"{'identical ' if not different else 'DIFFERENT '} {len(pages) - len(different)} of {len(pages)} HTML pages"
          " (random ids masked)")
    return not different


def compare(base: Path, head: Path) -> bool:
    same = True
    for name in OUTPUTS:
        a, b = (base / name).read_bytes(), (head / name).read_bytes()
        if a == b:
            print(f"identical  {name} ({len(a)} bytes)")
            continue
        same = False
        print(f"DIFFERENT  {name} ({len(a)} vs {len(b)} bytes)")
        diff = difflib.unified_diff(a.decode("utf-8", "replace").splitlines(), b.decode("utf-8", "replace").splitlines(),
                                    f"{base.name}/{name}", f"{head.name}/{name}", lineterm="", n=1)
        for number, line in enumerate(diff):
            if number >= 40:
                print("   ...")
                break
            print("   " + line)
    return same


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("base", help="git revision before the change")
    parser.add_argument("head", nargs="?", default="WORKTREE", help="git revision after it (default: the work tree)")
    parser.add_argument("--rebuild", action="store_true", help="build again even if build/compare/ has the revision")
    parser.add_argument("--html", action="store_true", help="compare every HTML page too (random ids masked)")
    args = parser.parse_args()
    base, head = build(args.base, args.rebuild, args.html), build(args.head, args.rebuild, args.html)
    same = compare(base, head)
    if args.html:
        same = compare_html(base, head) and same
    print(f"{args.base} vs {args.head}: " + ("byte-identical" if same else "DIFFERENT"))
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
