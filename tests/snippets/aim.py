"""Every ``firebase`` and ``gcloud`` command of the manual names its project.

``unaimed(snippet, page_text)`` returns ``source/page.md:LINE: ...`` for each
command in command position (start of a line, after ``;``, ``&&``, ``||``,
``|``, ``$(``, ``then``, ``do``, ...) that passes no ``--project`` (firebase
also ``-P``), except the few that act on no project (``firebase use``,
``login``, ``--version``; ``gcloud auth``, ``config``, ``version``;
``gcloud projects VERB ID`` names it as an argument). A project given as a
variable (``"$PROJECT"``) counts only when a visible block of the same page
assigns that variable. ``hidden_selection(path)`` returns one finding per
``firebase use`` or ``gcloud config set project`` inside a
``{snippet-setup}`` block: the reader never sees it, so it must not pick the
project for them. tests/snippets/test_aim.py fails on any finding.
"""

from __future__ import annotations

import re
from pathlib import Path

from lint import script_of

TOOL = re.compile(r"(?<![\w./$-])(firebase|gcloud)(?![\w.:/-])")
# what may stand right before a command word (after stripping blanks)
COMMAND_START = re.compile(r"(^|[;&|({`!]|\$\(|\b(then|do|else|elif|if|while|until|time|exec|xargs|command|sudo|env)"
                           r"|\b\w+=(\S*))$")
ASSIGN = r"(?:^|[\s;&|(]|export\s+|local\s+|declare\s+(?:-\w+\s+)?)({name})="
NO_PROJECT = {
    "firebase": re.compile(r"(use|login(:\S*)?|logout|help|init|projects:list|setup:emulators:\S+)\b|--version\b|-V\b|--help\b"),
    # billing accounts and budgets belong to a billing account, named by --billing-account
    "gcloud": re.compile(r"((alpha|beta)\s+)?(auth|config|version|components|info|help|topic|organizations|billing|"
                         r"projects\s+(list|create|describe|add-iam-policy-binding|get-iam-policy|"
                         r"remove-iam-policy-binding|delete|undelete))\b|--version\b|--help\b"),
}
FLAG = {"firebase": re.compile(r"(?:^|\s)(?:--project|-P)(?:=|\s+)(\S+)"),
        "gcloud": re.compile(r"(?:^|\s)--project(?:=|\s+)(\S+)")}
VARIABLE = re.compile(r"""^["']?\$\{?(\w+)\}?["']?$""")


def _segment(text: str, start: int) -> str:
    """The simple command starting at ``start``: up to an unquoted
    ``;``, ``&``, ``|``, ``)`` (at depth 0), newline or backquote."""
    depth, quote, i = 0, "", start
    while i < len(text):
        ch = text[i]
        if quote == "'":
            quote = "" if ch == "'" else quote
        elif ch == "\\":
            i += 1
        elif ch == "'" and not quote:
            quote = "'"
        elif ch == '"':
            quote = "" if quote == '"' else '"'
        elif text.startswith("$(", i):
            depth += 1
            i += 1
        elif ch == "(" and quote:
            depth += 1
        elif ch == ")":
            if depth == 0 and not quote:
                break
            depth = max(depth - 1, 0)
        elif not quote and depth == 0 and ch in ";&|\n`":
            break
        i += 1
    return text[start:i]


def commands(script: str) -> list[tuple[int, str, str]]:
    """(script line index, tool, command text) for each firebase/gcloud command."""
    joined = script.replace("\\\n", "  ")  # continuation lines: keep offsets, lose the break
    found = []
    for match in TOOL.finditer(joined):
        before = joined[:match.start()].rstrip(" \t")
        if not COMMAND_START.search(before.split("\n")[-1]):
            continue
        # inside a single-quoted string (an awk or jq program, a message): not a command
        if joined[:match.start()].split("\n")[-1].count("'") % 2:
            continue
        line = script[:match.start()].count("\n")
        found.append((line, match.group(1), _segment(joined, match.start())))
    return found


def _assigned(name: str, text: str) -> bool:
    return re.search(ASSIGN.format(name=re.escape(name)), text, re.M) is not None or \
        re.search(rf"\b(for|read)\s+(-\w+\s+)*{re.escape(name)}\b", text) is not None


def problem(tool: str, command: str, page_text: str) -> str | None:
    """Why this command is not aimed, or None."""
    rest = command[len(tool):].strip()
    if NO_PROJECT[tool].match(rest):
        return None
    flag = FLAG[tool].search(" " + rest)
    if flag is None:
        option = "--project or -P" if tool == "firebase" else "--project"
        return f"{tool} command names no project (pass {option}; the default project is never assumed)"
    variable = VARIABLE.match(flag.group(1))
    if variable and not _assigned(variable.group(1), page_text):
        return (f"{tool} command's project ${variable.group(1)} is set by no visible block of this page "
                "(set it from the facts where the reader sees it)")
    return None


def unaimed(snippet: dict, page_text: str) -> list[str]:
    """Findings as ``source/page.md:LINE: message``; ``page_text`` is every
    visible block of the snippet's page, joined."""
    script, origin = script_of(snippet)
    findings = []
    for index, tool, command in commands(script):
        why = problem(tool, command, page_text)
        if why:
            offset = origin[index] if index < len(origin) else 1
            findings.append(f"{snippet.source}:{snippet.line + offset}: {why}: {command.strip()}")
    return findings


HIDDEN_SELECTION = re.compile(r"(?<![\w./-])(firebase\s+use\b|gcloud\s+config\s+set\s+(core/)?project\b)")


def hidden_selection(path: Path, relative: str) -> list[str]:
    """In every ``{snippet-setup}`` block (hidden from the reader): a project
    selected for the reader, or a command that names no project (it would
    reach the trap default project)."""
    findings, fence, block = [], None, []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        opened = re.match(r"^\s*(`{3,}|:{3,})\{snippet-setup\}", line)
        if fence is None and opened:
            fence, block = opened.group(1), []
        elif fence is not None and line.strip() == fence:
            fence = None
            script = "\n".join(text for _, text in block) + "\n"
            for index, tool, command in commands(script):
                why = problem(tool, command, script)
                if why:
                    findings.append(f"{relative}:{block[index][0]}: hidden setup: {why}: {command.strip()}")
        elif fence is not None:
            block.append((number, line))
            if HIDDEN_SELECTION.search(line):
                findings.append(f"{relative}:{number}: hidden setup selects the project for the reader "
                                f"({HIDDEN_SELECTION.search(line).group(1)}); aim each command instead")
    return findings
