#!/usr/bin/env python3
"""Measure the writer's loop and the snippet harness; print one table.

Run from the project root after `make setup` (or `make test`):
    .venv/bin/python scripts/benchmark.py [--only build|snippets|loop]

Build figures come from a throw-away copy of the project:
- cold HTML build (as `make html`: -j auto), a rebuild with nothing
  changed (the build's own floor, as a share of the cold build), then a
  rebuild after a one-line prose edit and after a need edit, as ratios to
  that floor;
- a cold build of a generated manual with 10x the needs, as a ratio.
Snippet figures: the harness (bubblewrap session per page, state file,
output matching) against plain bash running the same commands, one
firebase command through the real CLI and through the old stand-in, and
the snippet test suite with 1 and 2 pytest workers.
Loop figures, in another copy: a full `make test`; after one block of the
largest page changed, the incremental `make test` (whole, and its snippet
phase: the sum of the snippet tests' times in JUnit) as ratios of the
full one; `make page` for that page as a ratio of the full `make test`; a
10x manual (each page session ten times, with the seconds the full run
recorded per block) split over 1, 2 and 4 shards: the slowest shard's
snippet seconds as a ratio of the unsplit run's (computed with the
shards' own split, not run).
Every figure comes from this one run; the load average at its start and
end is printed with them. Targets are in the README; this script only
measures.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = ROOT / ".venv" / "bin" / "python"
SPHINX = ROOT / ".venv" / "bin" / "sphinx-build"
IGNORE = shutil.ignore_patterns(".venv", "node_modules", "build", ".git", "__pycache__", ".pytest_cache")
for extra in ("source/_ext", "tests", "tests/snippets"):
    sys.path.insert(0, str(ROOT / extra))


def progress(message: str) -> None:
    """One line on stderr per step, so a long benchmark is never silent."""
    print(f"benchmark [{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def timed(argv: list[str], cwd: Path, env: dict | None = None, check: bool = True) -> float:
    what = " ".join(Path(argv[0]).name if i == 0 else a for i, a in enumerate(argv[:6]))
    progress(f"{what}{' ...' if len(argv) > 6 else ''} (in {cwd.name})")
    start = time.perf_counter()
    proc = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, env=env)
    elapsed = time.perf_counter() - start
    progress(f"  took {elapsed:.1f} s" + (f", exit status {proc.returncode}" if proc.returncode else ""))
    if proc.returncode != 0:
        message = f"failed: {' '.join(argv)}\n{proc.stdout[-2000:]}{proc.stderr[-2000:]}"
        if check:
            raise SystemExit(message)
        FAILURES.append(message)
    return elapsed


FAILURES: list[str] = []  # runs that failed where the figure is still reported (make test)


def build(root: Path, out: Path, strict: bool = True) -> float:
    argv = [str(SPHINX), "-b", "html", "-q", "-j", "auto", "-c", str(root), str(root / "source"), str(out)]
    if strict:
        argv[3:3] = ["-W", "--keep-going", "-n"]
    return timed(argv, root)


REV: str | None = None


def copy_project(dest: Path) -> Path:
    """The working tree, or with --rev the committed tree of that revision."""
    if REV:
        dest.mkdir(parents=True)
        archive = subprocess.run(["git", "archive", REV], cwd=ROOT, capture_output=True, check=True).stdout
        subprocess.run(["tar", "-x", "-C", str(dest)], input=archive, check=True)
    else:
        shutil.copytree(ROOT, dest, ignore=IGNORE)
    (dest / "node_modules").symlink_to(ROOT / "node_modules")
    return dest


def multiply_needs(root: Path, factor: int) -> int:
    """Give every page that holds needs factor-1 renamed copies of its body,
    so the needs grow tenfold while the pages (and navigation) stay put."""
    source = root / "source"
    pages = [p for p in source.rglob("*.md") if not p.relative_to(source).parts[0].startswith("_")]
    ids = set(re.findall(r"^:id: (\S+)", "\n".join(p.read_text() for p in pages), re.M))
    pattern = re.compile(r"\b(" + "|".join(sorted(map(re.escape, ids), key=len, reverse=True)) + r")\b")
    for page in pages:
        text = page.read_text()
        if ":id: " not in text:
            continue
        body = text.split("---\n", 2)[2] if text.startswith("---\n") else text
        body = re.sub(r"`{3,}\{(toctree|coverage-matrix|coverage-summary|coverage-gaps|release-checklist|"
                      r"snippet-setup|snippet-cleanup|needflow)\}.*?\n`{3,}\n", "", body, flags=re.S)
        body = "\n".join(line for line in body.splitlines()
                         if not line.startswith("#") and not re.match(r"^\(.+\)=$", line))
        copies = [pattern.sub(lambda m, c=copy: f"{m.group(1)}_B{c}", body) for copy in range(2, factor + 1)]
        page.write_text(text + "\n" + "\n".join(copies) + "\n")
    return len(ids) * factor


def bench_build() -> list[tuple[str, str]]:
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        root = copy_project(Path(tmp) / "project")
        out = Path(tmp) / "html"
        cold = build(root, out)
        rows.append(("cold HTML build", f"{cold:.1f} s"))
        floor = min(build(root, out) for _ in range(2))  # the better of two: the floor, not a hiccup
        rows.append(("rebuild with nothing changed", f"{floor:.1f} s = {100 * floor / cold:.0f} % of cold (target <= 15 %)"))
        page = root / "source/reference/glossary.md"
        page.write_text(page.read_text().replace("A typed object of this manual", "A typed object in this manual"))
        prose = build(root, out)
        rows.append(("rebuild after a one-page prose edit", f"{prose:.1f} s = {prose / floor:.2f}x the no-change rebuild (target <= 1.2x)"))
        page = root / "source/reference/contacts.md"
        page.write_text(page.read_text().replace("Emergency contact lists and escalation procedures",
                                                 "Emergency contacts and escalation"))
        need = build(root, out)
        rows.append(("rebuild after a need edit", f"{need:.1f} s = {need / floor:.2f}x the no-change rebuild (target <= 1.8x)"))
    with tempfile.TemporaryDirectory() as tmp:
        root = copy_project(Path(tmp) / "project")
        base = build(root, Path(tmp) / "base", strict=False)
        count = multiply_needs(root, 10)
        big = build(root, Path(tmp) / "big", strict=False)
        rows.append((f"cold build, 10x needs ({count} needs)", f"{big:.1f} s = {big / base:.1f}x the 1x build ({base:.1f} s)"))
    return rows


def bench_snippets() -> list[tuple[str, str]]:
    import world
    from cvplus_transcript import parse
    from sandbox import Sandbox

    manifest_file = ROOT / "build" / "html" / "snippets.json"
    if not manifest_file.is_file():
        raise SystemExit("build/html/snippets.json is missing: run make html first")
    manifest = json.loads(manifest_file.read_text())
    pages: dict[str, list[str]] = {}
    for snippet in manifest["snippets"]:
        if snippet["not_run"]:
            continue
        steps = [s.command for s in parse(snippet["text"])] if snippet["mode"] == "console" else [snippet["text"]]
        pages.setdefault(snippet["docname"], manifest["pages"].get(snippet["docname"], {}).get("setup", []))
        pages[snippet["docname"]] = pages[snippet["docname"]] + steps
    commands = sum(len(v) for v in pages.values())
    env_extra = world.sandbox_env()
    standin = world.standin_pages()
    path = ":".join(str(p) for p in world.path_dirs(real_firebase=False)) + ":/usr/local/bin:/usr/bin:/bin"
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        for number, (docname, steps) in enumerate(pages.items()):
            progress(f"harness: {docname} ({len(steps)} commands, page {number + 1} of {len(pages)})")
            real = docname not in standin
            box = Sandbox(Path(tmp) / f"h{number}", world.path_dirs(real), env_extra, cloud=real)
            for code in steps:
                box.run(code)
            box.close()
        harness = time.perf_counter() - start
        start = time.perf_counter()
        progress(f"harness: {harness:.0f} s; now the same commands in plain bash")
        for number, (docname, steps) in enumerate(pages.items()):
            home = Path(tmp) / f"p{number}"
            home.mkdir()
            env = {"PATH": path, "HOME": str(home), "LANG": "C.UTF-8", **env_extra}
            # output to a file, not a pipe: background servers the steps start
            # must not hold the run open; they are killed with the group after
            with (home / "output.log").open("w") as log:
                proc = subprocess.Popen(["bash", "-c", "\n".join(steps)], cwd=home, env=env, stdout=log,
                                        stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
                try:
                    proc.wait(timeout=600)
                finally:
                    try:
                        os.killpg(proc.pid, signal.SIGKILL)
                    except ProcessLookupError:
                        pass
        plain = time.perf_counter() - start
    rows = [(f"harness vs plain bash ({commands} commands, {len(pages)} pages)",
             f"{harness:.2f} s vs {plain:.2f} s = {harness / plain:.1f}x, {1000 * (harness - plain) / commands:.0f} ms overhead per command")]
    rows.append(bench_firebase_command())
    env = {**os.environ, "CVPLUS_BUILT": str(ROOT / "build" / "html")}
    suite = [str(PY), "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/snippets/test_manual_snippets.py"]
    one = timed(suite + ["-n", "0"], ROOT, env)
    two = timed(suite + ["-n", "2", "--dist", "loadgroup"], ROOT, env)
    rows.append(("snippet suite, 1 worker / 2 workers", f"{one:.1f} s / {two:.1f} s = {100 * two / one:.0f} %"))
    return rows


FIREBASE_COMMANDS = ["firebase hosting:channel:list --project cvplus-dev --site cvplus-dev",
                     "firebase functions:secrets:get STRIPE_SECRET_KEY --project cvplus-dev",
                     "firebase functions:list --project cvplus-dev"]


def bench_firebase_command(repeat: int = 2) -> tuple[str, str]:
    """Harness cost of one firebase command: the real CLI against the simulated
    Google APIs (including the sandbox's server start, shared by a page's steps),
    next to the old stand-in running the same commands in the same run."""
    import world
    from sandbox import Sandbox

    figures = {}
    with tempfile.TemporaryDirectory() as tmp:
        for real in (True, False):
            start = time.perf_counter()
            box = Sandbox(Path(tmp) / f"fb-{real}", world.path_dirs(real), world.sandbox_env(), cloud=real)
            box.run("true", timeout=120)
            startup = time.perf_counter() - start
            box.run("cvplus-fixture >/dev/null && cd cvplus", timeout=120)  # the CLI wants firebase.json
            if not real:  # the stand-in starts with an empty cloud; the simulation is seeded from the facts
                box.run("printf sk_test_benchmark | firebase functions:secrets:set STRIPE_SECRET_KEY "
                        "--project cvplus-dev --data-file=- >/dev/null", timeout=120)
            times = []
            for _ in range(repeat):
                for command in FIREBASE_COMMANDS:
                    began = time.perf_counter()
                    result = box.run(command, timeout=300)
                    times.append(time.perf_counter() - began)
                    if result.status != 0:
                        raise SystemExit(f"benchmark: {command} failed ({'real CLI' if real else 'stand-in'}):\n{result.output}")
            box.close()
            figures[real] = (sum(times) / len(times), startup, len(times))
    (real_mean, startup, runs), (standin_mean, _, _) = figures[True], figures[False]
    return (f"firebase command: real CLI + simulated APIs / old stand-in ({runs} runs each)",
            f"{real_mean:.2f} s / {standin_mean:.2f} s per command (sandbox with server up: {startup:.2f} s once per page)")


def _junit_seconds(path: Path, module: str) -> float:
    """Sum of the testcase times of one test module in a JUnit file."""
    import xml.etree.ElementTree as ET
    if not path.is_file():
        return 0.0
    return sum(float(case.get("time") or 0) for case in ET.parse(path).iter("testcase")
               if module in (case.get("classname") or "") or module in (case.get("file") or ""))


def _largest_page() -> str:
    manifest = json.loads((ROOT / "build" / "html" / "snippets.json").read_text())
    counts: dict[str, int] = {}
    for snippet in manifest["snippets"]:
        if not snippet["not_run"]:
            counts[snippet["docname"]] = counts.get(snippet["docname"], 0) + 1
    return max(sorted(counts), key=lambda page: counts[page])


def _edit_one_block(root: Path, docname: str) -> str:
    """Append a shell comment to the first one-line command of the page's
    first console block: its text (and fingerprint) change, its output not."""
    page = root / "source" / f"{docname}.md"
    lines = page.read_text().split("\n")
    inside = False
    for number, line in enumerate(lines):
        stripped = line.strip()
        if stripped.startswith("```console"):
            inside = True
        elif stripped.startswith("```"):
            inside = False
        elif inside and stripped.startswith("$ ") and "#" not in stripped and "<<" not in stripped \
                and not stripped.endswith("\\") and number + 1 < len(lines) and not lines[number + 1].strip().startswith(">"):
            lines[number] = line + "  # benchmark edit"
            page.write_text("\n".join(lines))
            return f"{page.relative_to(root)}:{number + 1}"
    raise SystemExit(f"benchmark: no one-line console command to edit on {docname}")


def bench_loop() -> list[tuple[str, str]]:
    """Full make test, incremental make test after a one-block edit, make page, shard split."""
    import shards

    rows = []
    page = _largest_page()
    with tempfile.TemporaryDirectory() as tmp:
        root = copy_project(Path(tmp) / "project")
        (root / ".venv").symlink_to(ROOT / ".venv")
        junit = root / "build" / "evidence" / "junit.xml"
        full = timed(["make", "test", "FULL=1"], root, check=False)
        full_snippets = _junit_seconds(junit, "test_manual_snippets")
        results = json.loads((root / "build" / "evidence" / "results.json").read_text())
        manifest = json.loads((root / "build" / "html" / "snippets.json").read_text())
        where = _edit_one_block(root, page)
        progress(f"edited {where}")
        incremental = timed(["make", "test"], root, check=False)
        incremental_snippets = _junit_seconds(junit, "test_manual_snippets")
        loop = timed(["make", "page", f"PAGE={page}"], root, check=False)
    rows.append(("make test, full (clean copy)", f"{full:.0f} s; snippet phase {full_snippets:.0f} s (sum of snippet test times)"))
    rows.append((f"make test after one block of {page} changed",
                 f"{incremental:.0f} s = {100 * incremental / full:.0f} % of the full run (target <= 50 %); snippet phase "
                 f"{incremental_snippets:.0f} s = {100 * incremental_snippets / max(full_snippets, 1e-9):.0f} % of the full one (target <= 15 %)"))
    rows.append((f"make page PAGE={page} (largest page)", f"{loop:.0f} s = {100 * loop / full:.1f} % of the full make test (target <= 10 %)"))
    weights = shards.page_weights(manifest, results)
    ten = {f"{name}#{copy}": seconds for name, seconds in weights.items() for copy in range(10)}
    unsplit = sum(ten.values())
    split = []
    for n in (1, 2, 4):
        slowest = max(sum(ten[name] for name in shard) for shard in shards.assign(ten, n))
        split.append(f"{n}: {slowest / unsplit:.2f}")
    rows.append((f"10x manual ({len(ten)} page sessions, {unsplit:.0f} s of snippets) over 1/2/4 shards",
                 "slowest shard / unsplit = " + ", ".join(split) + " (computed from the recorded seconds, not run)"))
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=["build", "snippets", "loop"])
    parser.add_argument("--rev", help="measure the committed tree of this git revision instead of the working tree")
    args = parser.parse_args()
    global REV
    REV = args.rev
    rows: list[tuple[str, str]] = [("machine", f"{os.cpu_count()} cores, load average at start {os.getloadavg()[0]:.1f}"),
                                   ("date", time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()))]
    if args.only in (None, "build"):
        rows += bench_build()
    if args.only in (None, "snippets"):
        rows += bench_snippets()
    if args.only in (None, "loop"):
        rows += bench_loop()
    rows.append(("load average at end", f"{os.getloadavg()[0]:.1f}"))
    for failure in FAILURES:
        print(f"benchmark: a measured run failed (its figure is still shown):\n{failure}", file=sys.stderr)
    width = max(len(name) for name, _ in rows)
    for name, value in rows:
        print(f"{name:<{width}}  {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
