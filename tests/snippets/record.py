"""Record mode: write what the tools printed into a page's expected output.

``make record PAGE=deployment/runbooks/troubleshooting`` runs the page's
blocks in page order in a sandbox of the same world as the tests (hidden
setup first, each block under its procedure's IAM grant), every command of
a console block even after one differs, and compares each command's output
and exit status with the transcript. Where they differ, it shows the
difference at ``source/page.md:LINE`` and:

- writes the actual output (and ``[N]`` for a non-zero exit status) into
  the page, in place of the old expected lines, when the whole block ran
  under real tools: the pinned firebase-tools against the simulated Google
  APIs, the real emulators, plain shell tools;
- writes nothing for a block that called a stand-in (gcloud, stripe, the
  firebase stand-in of a page listed in firebase_standin_pages.yaml,
  ``sandbox-cloud``; they note each call in ``$CVPLUS_CTL/standin-calls.log``)
  or ran the fixture's models of CVPlus's scripts: their output is ours, not
  a tool's, and must be written and reviewed by hand.

Written lines keep the block's indentation; a fact substituted into the
block (``{{ name }}``) is written back as its substitution; a line the
transcript grammar would misread (``$ ...``, ``...``, ``[N]``, a line
ending in `` (re)`` or `` (glob)``) is written as an escaped regular
expression. A recorded step is checked to match its own output before
anything is written. Nothing is recorded as evidence: the writer reviews
the change with ``git diff`` and runs ``make page``.

Exits 0 when nothing differed or everything that differed was written,
1 when a difference was left for the writer (stand-in block, failed script,
time-out, hidden setup failed), 2 on bad input (unknown page, a block the
source no longer holds: rebuild with ``make html``).
"""

from __future__ import annotations

import argparse
import difflib
import json
import re
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from cvplus_transcript import Step, matches, parse
from manual_build import ROOT
from cvplus_handoff import Manifest, Snippet

# Blocks that run the fixture's models of CVPlus's deployment scripts print
# what our models print, not what a tool prints.
MODELS = re.compile(r"(?:^|[\s/.])(?:smart-deploy\.sh|intelligent-deploy\.sh|engine-model\.sh|"
                    r"validator-model\.sh|health-model\.sh)\b")
SUBSTITUTION = re.compile(r"\{\{\s*([A-Za-z_][\w.]*)\s*\}\}")
STATUS_LINE = re.compile(r"^\[\d{1,3}\]$")


class RecordError(Exception):
    """Bad input: names ``file:line``."""


@dataclass
class StepRun:
    step: Step
    status: int
    output: list[str]
    timed_out: bool = False

    @property
    def agrees(self) -> bool:
        return not self.timed_out and self.status == self.step.status and matches(self.step.expected, self.output)


@dataclass
class Located:
    """Where a manifest block sits in its source: ``first`` is the 0-based
    index of its first code line, ``indent`` the prefix of every line,
    ``values`` each substitution name the block uses -> its built value."""
    first: int
    indent: str
    values: dict[str, str] = field(default_factory=dict)


def _line_pattern(source_line: str) -> tuple[re.Pattern, list[str]]:
    names, parts, pos = [], [], 0
    for match in SUBSTITUTION.finditer(source_line):
        parts.append(re.escape(source_line[pos:match.start()]))
        parts.append("(.*?)")
        names.append(match.group(1))
        pos = match.end()
    parts.append(re.escape(source_line[pos:]))
    return re.compile("".join(parts)), names


def locate(snippet: Snippet, source_lines: list[str]) -> Located:
    """Find the block's code lines near the manifest's line (the fence's
    line may be off by a few in nested directives); a block that no longer
    matches its source is an error naming the fence's line."""
    built = snippet.text.splitlines()
    for first in sorted(range(max(0, snippet.line - 4), snippet.line + 4), key=lambda i: abs(i - snippet.line)):
        found = _match_at(built, source_lines, first)
        if found is not None:
            return found
    raise RecordError(f"{snippet.source}:{snippet.line}: the block in the source differs from the built "
                      "manifest (the page changed since the last build: run make html, or make record rebuilds)")


def _match_at(built: list[str], source_lines: list[str], first: int) -> Located | None:
    if first + len(built) > len(source_lines) or not built:
        return None
    head = source_lines[first]
    indent = head[:len(head) - len(head.lstrip(" "))]
    values: dict[str, str] = {}
    for offset, text in enumerate(built):
        line = source_lines[first + offset]
        if not line.startswith(indent) and line.strip():
            return None
        pattern, names = _line_pattern(line[len(indent):])
        found = pattern.fullmatch(text)
        if found is None:
            return None
        for name, value in zip(names, found.groups()):
            if values.setdefault(name, value) != value:
                return None
    return Located(first, indent, values)


def _escape(line: str) -> str:
    """A recorded output line as transcript text that matches exactly it."""
    if (line.startswith(("$ ", "> ")) or line in ("$", ">", "...") or STATUS_LINE.match(line)
            or line.endswith((" (re)", " (glob)")) or (not line.strip() and line)):
        return re.escape(line).replace("\\ ", " ") + " (re)"
    return line


def _substitute_back(line: str, values: dict[str, str]) -> str:
    for name, value in sorted(values.items(), key=lambda item: -len(item[1])):
        if len(value) >= 4:
            line = re.sub(rf"(?<![\w-]){re.escape(value)}(?![\w-])", lambda _m, n=name: f"{{{{ {n} }}}}", line)
    return line


def recorded_lines(run: StepRun, values: dict[str, str]) -> list[str]:
    """The expected-output lines (and ``[N]``) that match ``run``; checked
    against the run before they are returned."""
    lines = [_substitute_back(_escape(line), values) for line in run.output]
    index = len(lines)
    while index and not run.output[index - 1]:
        index -= 1
        lines[index] = " (re)"  # the parser drops trailing blank lines: an empty pattern keeps them
    if run.status:
        lines.append(f"[{run.status}]")
    step = parse("\n".join(["$ true", *(_forward(line, values) for line in lines)]))[0]
    if not (matches(step.expected, run.output) and step.status == run.status):
        raise RecordError(f"line {run.step.line} of the block: the recorded output would not match itself")
    return lines


def _forward(line: str, values: dict[str, str]) -> str:
    return SUBSTITUTION.sub(lambda m: values.get(m.group(1), m.group(0)), line)


def rewrite(block: list[str], runs: list[StepRun], values: dict[str, str]) -> list[str]:
    """The block's source lines (without indent) with each differing step's
    expected output replaced; blank lines before the next command are kept."""
    starts = [run.step.line for run in runs] + [len(block) + 1]
    out = block[:starts[0] - 1]
    for run, end in zip(runs, starts[1:]):
        command_lines = run.step.command.count("\n") + 1
        out += block[run.step.line - 1:run.step.line - 1 + command_lines]
        body = block[run.step.line - 1 + command_lines:end - 1]
        if run.agrees:
            out += body
        else:
            blank = _trailing_blank(body)
            out += recorded_lines(run, values) + body[len(body) - blank:len(body)]
    return out


def _trailing_blank(body: list[str]) -> int:
    count = 0
    for line in reversed(body):
        if line.strip():
            break
        count += 1
    return count


def apply(source: Path, located: Located, block_len: int, new_block: list[str]) -> None:
    lines = source.read_text(encoding="utf-8").split("\n")
    indented = [located.indent + line if line else line for line in new_block]
    lines[located.first:located.first + block_len] = indented
    source.write_text("\n".join(lines), encoding="utf-8")


# -- running a page ------------------------------------------------------------

def _standin_calls(box) -> list[str]:
    """The stand-in calls of this session so far, each its tool (``standin.note_call``)."""
    log = box.ctl / "standin-calls.log"
    return [json.loads(call)[0] for call in log.read_text(encoding="utf-8").splitlines()] if log.is_file() else []


def record_page(docname: str, manifest: Manifest, root: Path, out=sys.stdout, write: bool = True) -> int:
    from runner import DEFAULT_TIMEOUT, grant_of, where
    import world

    snippets = manifest.of_page(docname)
    requires = manifest.requires
    sessions = world.page_sessions(root, manifest.pages)
    left, written, edits = 0, 0, []
    try:
        box = sessions.get(docname)
        if docname in sessions.setup_failures:
            print(sessions.setup_failures[docname], file=out)
            return 1
        for snippet in snippets:
            if snippet.not_run:
                continue
            box.grant(snippet.need or None, grant_of(snippet, requires))
            before = len(_standin_calls(box))
            if snippet.mode == "script":
                result = box.run(snippet.text, timeout=DEFAULT_TIMEOUT)
                if result.status != 0:
                    left += 1
                    print(f"{where(snippet)}: script exited {result.status} (nothing to record in a script "
                          f"block: fix it by hand)\n{result.output}", file=out)
                continue
            runs = []
            for step in parse(snippet.text):
                result = box.run(step.command, timeout=DEFAULT_TIMEOUT)
                runs.append(StepRun(step, result.status, result.output.splitlines(), result.timed_out))
            differing = [run for run in runs if not run.agrees]
            if not differing:
                continue
            stand_ins = sorted(set(_standin_calls(box)[before:]))
            model = bool(MODELS.search(snippet.text))
            for run in differing:
                shown = f"exit status {run.status}" + ("" if run.status == run.step.status else f", expected {run.step.status}")
                print(f"{where(snippet, run.step.line)}: {'timed out' if run.timed_out else shown}\n$ {run.step.command}",
                      file=out)
                print("\n".join(difflib.unified_diff(run.step.expected, run.output, "expected", "actual", lineterm="")),
                      file=out)
            why = ("timed out" if any(run.timed_out for run in differing)
                   else f"it called stand-ins ({', '.join(stand_ins)}): their output is ours, not a tool's"
                   if stand_ins else "it ran the fixture's models of CVPlus's scripts (our output, not a tool's)"
                   if model else "")
            if why:
                left += 1
                print(f"{where(snippet)}: not written: {why}", file=out)
                continue
            source = ROOT / snippet.source
            source_lines = source.read_text(encoding="utf-8").split("\n")
            located = locate(snippet, source_lines)
            block = [line[len(located.indent):] for line in
                     source_lines[located.first:located.first + len(snippet.text.splitlines())]]
            edits.append((source, located, len(block), rewrite(block, runs, located.values), snippet))
    finally:
        sessions.close()
    for source, located, length, new_block, snippet in sorted(edits, key=lambda e: -e[1].first):
        if write:
            apply(source, located, length, new_block)
        written += 1
        print(f"{where(snippet)}: {'written' if write else 'would write'} (real tools only)", file=out)
    print(f"make record: {docname}: {written} block(s) {'written' if write else 'to write'}, {left} left for the writer"
          + (" (review with git diff, then make page)" if written and write else ""), file=out)
    return 1 if left else 0


def main(argv: list[str]) -> int:
    from page_test import resolve

    parser = argparse.ArgumentParser(prog="make record", description=__doc__.splitlines()[0])
    parser.add_argument("page")
    parser.add_argument("--dry-run", action="store_true", help="show what would be written, write nothing")
    args = parser.parse_args(argv)
    resolved = resolve("make record", args.page)
    if resolved is None:
        return 2
    docname, manifest = resolved
    try:
        with tempfile.TemporaryDirectory(prefix="cvplus-record-") as tmp:
            return record_page(docname, manifest, Path(tmp), write=not args.dry_run)
    except RecordError as exc:
        print(f"make record: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
