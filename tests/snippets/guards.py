"""Destructive commands are guarded: a visible warning and a check come first.

``unguarded(snippet, page)`` returns ``source/page.md:LINE: ...`` for each
``firebase``/``gcloud`` command in a shown block (tested or not) that
deletes, destroys, prunes, removes, imports into a database or passes
``--force``, unless, between the start of its procedure (the ``:id:`` line
of its need, else the heading above it) and the command:

- a warning admonition (``{warning}``, ``{danger}``, ``{caution}``) stands
  in the page, and
- a check runs first: an earlier command of the procedure that reads the
  same kind of thing (``list``, ``describe``, ``get``, ``ls``, ``access``),
  or a guard that stops (``exit``/``return`` with a status, ``&&`` after a
  test). Some actions need a specific check (RULES): destroying a secret
  version needs the functions bound to it; an import into the live
  ``(default)`` database needs a guard that stops; an import into another
  database needs that database created (or cloned, restored) first, in the
  same block (an earlier block may be an alternative path not taken).

It also fails a backup chosen by its position in a list (``sed -n 2p``,
``head``, ``tail``, ``awk 'NR==...'``) rather than by its ``snapshotTime``.
tests/snippets/test_guards.py fails on any finding.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from aim import commands
from lint import script_of

ADMONITION = re.compile(r"^\s*(`{3,}|:{3,})\{(warning|danger|caution)\}")
HEADING = re.compile(r"^#{1,6} ")
READ = re.compile(r"^(firebase\s+\S*:(get|list|access|describe)\b|gcloud\s+(\S+\s+)*?(list|describe|ls|get-iam-policy)\b)")
# a guard that stops: exit/return with a failure, `|| exit`, `[ test ] &&` / `|| {` before the action, awk's END {exit bad}
STOP = re.compile(r"\b(exit|return)\s+[1-9]|\|\|\s*(exit|return|\{[^}]*\bfalse\b)|\]\s*&&|END\s*\{\s*exit\s+\w")


@dataclass(frozen=True)
class Rule:
    name: str            # what the command does, for the message
    command: re.Pattern  # matches the command text (from the tool name)
    checks: tuple = ()   # specific checks that must all come first (none: any read or a stop)
    check_says: str = ""


RULES = [
    Rule("destroys secret versions", re.compile(r"^firebase\s+functions:secrets:(destroy|prune)\b"),
         (re.compile(r"secretEnvironmentVariables|secret_users|firebase\s+functions:list"), STOP),
         "list the functions bound to the secret version first, and stop if any still is"),
    Rule("imports into the live (default) database",
         re.compile(r"^gcloud\s+(alpha\s+|beta\s+)?firestore\s+import\b(?!.*--database[= ]['\"]?(?!\(default\))[\w$\"-])"),
         (STOP,), "put a guard that stops (exit/return 1) unless the reader confirmed the live import"),
    Rule("deletes", re.compile(r"^firebase\s+\S*(delete|remove|disable)\b|^gcloud\s+(\S+\s+)*?(delete|destroy|prune|rm|purge)\b")),
    Rule("passes --force", re.compile(r"(^|\s)--force\b")),
]
SCRATCH_IMPORT = re.compile(r"^gcloud\s+(alpha\s+|beta\s+)?firestore\s+import\b.*--database[= ]['\"]?([\w$\"{}-]+)")
CREATED = r"(databases\s+(create|clone|restore)\b[^\n]*(--database|--destination-database)[= ]['\"]?{name}\b)"
POSITIONAL_PICK = re.compile(r"backups\s+list\b(?![^\n]*(--sort-by|sort_by\(\.snapshotTime))[^\n]*\|\s*"
                             r"(sed\s+-n\s+'?\d+p|head\b|tail\b|awk\s+'NR\s*==)")


def procedure_start(snippet: dict, lines: list[str]) -> int:
    """1-based line where the snippet's procedure (else its section) starts."""
    if snippet.need:
        for number, line in enumerate(lines, start=1):
            if line.strip() == f":id: {snippet.need}":
                return number
    for number in range(snippet.line, 0, -1):
        if HEADING.match(lines[number - 1]):
            return number
    return 1


def _earlier(snippet: dict, page_snippets: list[dict]) -> str:
    """Text of the blocks of the same procedure shown before this one."""
    same = [s for s in page_snippets if s.line < snippet.line and
            (s.need == snippet.need if snippet.need else True)]
    return "\n".join(script_of(s)[0] for s in same)


def _has_check(rule: Rule, before_cmds: list[str], before_text: str) -> bool:
    if rule.checks:
        return all(check.search(before_text) for check in rule.checks)
    return any(READ.match(c) for c in before_cmds) or STOP.search(before_text) is not None


def unguarded(snippet: dict, page_snippets: list[dict], page_lines: list[str]) -> list[str]:
    """Findings as ``source/page.md:LINE: message``."""
    script, origin = script_of(snippet)
    start = procedure_start(snippet, page_lines)
    warned = any(ADMONITION.match(line) for line in page_lines[start - 1:snippet.line])
    earlier = _earlier(snippet, page_snippets)
    earlier_cmds = [c for _, _, c in commands(earlier)] if earlier else []
    found = commands(script)
    findings = []
    for position, (index, tool, command) in enumerate(found):
        where = f"{snippet.source}:{snippet.line + (origin[index] if index < len(origin) else 1)}"
        text = re.sub(r"\s+", " ", command.strip())
        before_cmds = earlier_cmds + [c for _, _, c in found[:position]]
        before_text = earlier + "\n" + "\n".join(script.splitlines()[:index]) + "\n" + script.splitlines()[index][
            :script.splitlines()[index].find(tool)]
        scratch = SCRATCH_IMPORT.match(text)
        if scratch and not scratch.group(2).strip("'\"").startswith("(default)"):
            name = re.escape(scratch.group(2).strip("'\""))
            if not re.search(CREATED.format(name=name), script[:script.find(command)]):
                findings.append(f"{where}: imports into database {scratch.group(2)} that its block does not create "
                                f"first (create, clone or restore it in the same block, before the import): {text}")
        for rule in RULES:
            if not rule.command.search(text):
                continue
            missing = []
            if not warned:
                missing.append("a visible warning ({warning} admonition) before it in the procedure")
            if not _has_check(rule, before_cmds, before_text):
                missing.append("a check that comes first (" + (rule.check_says or
                               "an earlier list/describe/get of what it removes, or a guard that stops") + ")")
            if missing:
                findings.append(f"{where}: {rule.name} without " + " and ".join(missing) + f": {text}")
            break
    for number, line in enumerate(script.splitlines()):
        if POSITIONAL_PICK.search(line):
            findings.append(f"{snippet.source}:{snippet.line + origin[number]}: picks a backup by its position "
                            "in a list; choose it by snapshotTime (--sort-by or jq sort_by(.snapshotTime))")
    return findings
