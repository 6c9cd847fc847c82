"""Run one snippet from the manifest in its page's sandbox and judge it."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from cloudsim import log as cloudlog
from cvplus_handoff import PageHooks, Snippet
from cvplus_transcript import matches, parse, diff
from sandbox import Sandbox

DEFAULT_TIMEOUT = float(os.environ.get("CVPLUS_SNIPPET_TIMEOUT", "60"))
# a hidden setup is one step of many commands (several real firebase calls, a deploy)
SETUP_TIMEOUT = 5 * DEFAULT_TIMEOUT


@dataclass
class Verdict:
    passed: bool
    message: str = ""
    cloud: dict | None = None   # the simulated Google APIs' request-log summary for this snippet


def grant_of(snippet: Snippet, requires: dict[str, list[str]]) -> list[str]:
    """The IAM permissions the simulated caller holds while the snippet runs: its procedure's
    ``:requires:`` (nothing for a block outside any procedure, nothing for ``none``)."""
    return [p for p in requires.get(snippet.need, []) if p != "none"] if snippet.need else []


def run_snippet(snippet: Snippet, sandbox: Sandbox, timeout: float = DEFAULT_TIMEOUT,
                requires: dict[str, list[str]] | None = None) -> Verdict:
    """Run and judge one snippet; note which simulated endpoints it reached.

    With ``requires`` (procedure id -> its ``:requires:``, from the manifest) the simulated caller
    holds exactly its procedure's permissions while it runs; without, the grant is left as it is.
    """
    if requires is not None:
        sandbox.grant(snippet.need or None, grant_of(snippet, requires))
    start = cloudlog.lines(sandbox.cloud_log)
    verdict = _run(snippet, sandbox, timeout)
    verdict.cloud = cloudlog.summary(sandbox.cloud_log, start) or None
    if verdict.cloud and verdict.cloud.get("errors") and not verdict.passed:
        verdict.message += "\n--- simulated Google APIs answered errors\n" + "\n".join(verdict.cloud["errors"])
    return verdict


def where(snippet: Snippet, offset: int = 1) -> str:
    """``source/page.md:LINE`` of a line of the snippet (1 = first code line)."""
    return snippet.where(offset)


def _run(snippet: Snippet, sandbox: Sandbox, timeout: float) -> Verdict:
    if snippet.mode == "script":
        result = sandbox.run(snippet.text, timeout=timeout)
        if result.timed_out:
            return Verdict(False, f"{where(snippet)}: script timed out after {timeout:g} s\n{snippet.text}\n--- output\n{result.output}")
        if result.status != 0:
            return Verdict(False, f"{where(snippet)}: script exited {result.status}, expected 0\n"
                                  f"{snippet.text}\n--- output\n{result.output}")
        return Verdict(True)
    for step in parse(snippet.text):
        result = sandbox.run(step.command, timeout=timeout)
        place = where(snippet, step.line)
        if result.timed_out:
            return Verdict(False, f"{place}: command timed out after {timeout:g} s (process group killed)\n$ {step.command}")
        actual = result.output.splitlines()
        if not matches(step.expected, actual):
            status = "" if result.status == step.status else f" and exit status {result.status}, expected {step.status}"
            return Verdict(False, f"{place}: output differs{status}\n$ {step.command}\n{diff(step.expected, actual)}")
        if result.status != step.status:
            return Verdict(False, f"{place}: exit status {result.status}, expected {step.status}\n$ {step.command}\n"
                                  f"--- output\n{result.output}")
    return Verdict(True)


class Sessions:
    """One sandbox per page, created on first use with the page's setup."""

    def __init__(self, root: Path, pages: dict[str, PageHooks], path_dirs: list[Path] | None = None,
                 extra_env: dict[str, str] | None = None, cloud: bool = True,
                 standin_pages: dict[str, str] | None = None, standin_path_dirs: list[Path] | None = None,
                 simulated_standin_pages: set[str] | None = None, prepare_home=None):
        self.cloud = cloud
        self.simulated_standin_pages = simulated_standin_pages or set()
        self.standin_pages = standin_pages or {}
        self.standin_path_dirs = standin_path_dirs or path_dirs or []
        self.root = root
        self.pages = pages
        self.path_dirs = path_dirs or []
        self.extra_env = extra_env or {}
        self.open: dict[str, Sandbox] = {}
        self.setup_failures: dict[str, str] = {}
        self.prepare_home = prepare_home  # e.g. world.trap_home: the default project every sandbox starts with
        self.ran: dict[str, set[str]] = {}   # docname -> ids of the blocks run in its sandbox

    def get(self, docname: str) -> Sandbox:
        if docname not in self.open:
            real = docname not in self.standin_pages
            simulated = real or docname in self.simulated_standin_pages
            box = Sandbox(self.root / docname.replace("/", "__"), self.path_dirs if real else self.standin_path_dirs,
                          self.extra_env, self.cloud and simulated)
            self.open[docname] = box
            if self.prepare_home:
                self.prepare_home(box.home)
            for code in hooks.setup if (hooks := self.pages.get(docname)) else []:
                result = box.run(code, timeout=SETUP_TIMEOUT)
                if result.status != 0:
                    self.setup_failures[docname] = f"hidden setup of {docname} exited {result.status}:\n{result.output}"
        return self.open[docname]

    def mark_ran(self, snippet: Snippet) -> None:
        self.ran.setdefault(snippet.docname, set()).add(snippet.id)

    def catch_up(self, snippet: Snippet, page_snippets: list[Snippet], requires: dict[str, list[str]] | None = None) -> str:
        """Run, in page order and without judging them as tests, the blocks
        of the page before ``snippet`` that this session has not run (a
        ``-k`` selection skipped them), so the block runs in the state its
        page leaves it in. Returns why an earlier block failed, else ""."""
        return self.run_above(snippet.docname, snippet.line, page_snippets, requires)

    def run_above(self, docname: str, line: int, page_snippets: list[Snippet],
                  requires: dict[str, list[str]] | None = None) -> str:
        """Run, in page order and unjudged, the page's blocks above source
        ``line`` that this session has not run (``catch_up``; the writer's
        shell with ``UPTO``). Returns why one failed, else ""."""
        box = self.get(docname)
        done = self.ran.setdefault(docname, set())
        for earlier in page_snippets:
            if earlier.line >= line:
                break
            if earlier.id in done or earlier.not_run:
                continue
            verdict = run_snippet(earlier, box, requires=requires)
            done.add(earlier.id)
            if not verdict.passed:
                return verdict.message
        return ""

    def close(self) -> None:
        for docname, box in self.open.items():
            box.grant(None, "*")  # the hidden cleanup, like the setup, is the harness's, not the reader's
            for code in hooks.cleanup if (hooks := self.pages.get(docname)) else []:
                box.run(code, timeout=DEFAULT_TIMEOUT)
            box.close()
