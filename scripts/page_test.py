"""The writer's loop: test one page of the manual in seconds.

``make page PAGE=deployment/runbooks/troubleshooting`` (a docname, or the
page's path under ``source/``) builds the manual incrementally (strict:
any warning of the page fails it, at file:line), then runs that page's
snippets in page order in one sandbox session and their lints (shellcheck,
every command names its project, destructive steps are guarded),
and prints each failure as ``source/page.md:LINE`` with the difference.
The results are recorded as evidence like any other run. Exits 2 on an
unknown page, naming the closest pages.
"""

from __future__ import annotations

import difflib
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SNIPPET_TESTS = ("tests/snippets/test_manual_snippets.py::test_snippet",)
LINTS = ("tests/snippets/test_lint.py::test_shellcheck",                 # shellcheck
         "tests/snippets/test_aim.py::test_every_command_names_its_project",  # names its project
         "tests/snippets/test_guards.py::test_destructive_commands_are_guarded")  # guarded destruction


def docname_of(page: str) -> str:
    page = page.strip().removeprefix("./").removeprefix("source/")
    return page[:-3] if page.endswith(".md") else page


def unknown_page(docname: str, manifest: dict) -> str:
    """Why ``docname`` cannot be tested (no shell snippets), naming the closest pages; else ""."""
    pages = sorted({s["docname"] for s in manifest["snippets"]})
    if docname in pages:
        return ""
    close = difflib.get_close_matches(docname, pages, n=3, cutoff=0.3)
    return (f"no page '{docname}' has shell snippets" + (f"; did you mean: {', '.join(close)}?" if close else "")
            + f" ({len(pages)} pages have some)")


def resolve(prog: str, page: str) -> tuple[str, dict] | None:
    """The page's docname and the built manifest; None (reason on stderr) for a page with no snippets."""
    built = Path(os.environ.get("CVPLUS_BUILT", ROOT / "build" / "html"))
    manifest = json.loads((built / "snippets.json").read_text(encoding="utf-8"))
    docname = docname_of(page)
    problem = unknown_page(docname, manifest)
    if problem:
        print(f"{prog}: {problem}", file=sys.stderr)
        return None
    return docname, manifest


def node_ids(docname: str, manifest: dict) -> list[str]:
    ids = [f"{s['docname']}::{s['need'] or 'page'}::L{s['line']}" for s in manifest["snippets"]
           if s["docname"] == docname]
    return [f"{test}[{i}]" for test in (*SNIPPET_TESTS, *LINTS) for i in ids]


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: make page PAGE=deployment/runbooks/troubleshooting", file=sys.stderr)
        return 2
    resolved = resolve("make page", argv[0])
    if resolved is None:
        return 2
    docname, manifest = resolved
    ids = node_ids(docname, manifest)
    start = time.monotonic()
    status = subprocess.call([sys.executable, "-m", "pytest", "-n", "0", "-q", "-rf", "--no-header",
                              "-p", "no:cacheprovider", *ids], cwd=ROOT)
    print(f"make page: {docname}: {len(ids) // (1 + len(LINTS))} snippets and their lints in {time.monotonic() - start:.1f} s")
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
