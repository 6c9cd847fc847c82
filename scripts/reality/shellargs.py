"""The options a shell script handles, read from its argument loop.

Finds every ``case`` statement over the arguments (``case $1 in``,
``case "$arg" in``, ``case $opt in`` after ``getopts``) and returns, per
arm, the patterns (``-q|--quick``, ``--age-limit=*``), the line range and
what the arm does: variables it sets, ``shift`` count, ``exit`` status and
commands it runs. It reads the text only; the script is never executed.
Other ``case`` statements (over a mode variable, say) are returned by
``case_arms(text, subject)`` for a named subject.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

ARG_SUBJECTS = {"$1", '"$1"', "${1}", '"${1}"', "$arg", '"$arg"', "$opt", '"$opt"', "$option", '"$option"',
                "$key", '"$key"'}


@dataclass
class Arm:
    patterns: list[str]
    line: int  # the pattern line
    end: int  # the ;; line
    sets: dict[str, str] = field(default_factory=dict)
    shift: int = 0
    exit: int | None = None
    commands: list[str] = field(default_factory=list)

    def handles(self, option: str) -> bool:
        return any(p == option or (p.endswith("*") and option.startswith(p[:-1])) for p in self.patterns)


def _unquote(v: str) -> str:
    v = v.strip()
    if len(v) >= 2 and v[0] == v[-1] and v[0] in "'\"":
        return v[1:-1]
    return v


def case_arms(text: str, subjects: set[str] | None = None) -> list[Arm]:
    """Arms of the case statements whose subject is in ``subjects``
    (default: the argument subjects)."""
    subjects = subjects or ARG_SUBJECTS
    lines = text.splitlines()
    arms: list[Arm] = []
    i = 0
    while i < len(lines):
        m = re.match(r"\s*case\s+(.+?)\s+in\s*$", lines[i])
        if not m or m.group(1) not in subjects:
            i += 1
            continue
        depth, i = 1, i + 1
        current: Arm | None = None
        while i < len(lines) and depth:
            raw = lines[i]
            stripped = raw.strip()
            if re.match(r"case\s+.+?\s+in\s*$", stripped):
                depth += 1
            elif stripped == "esac" or stripped.startswith("esac"):
                depth -= 1
                if depth == 0:
                    break
            if depth == 1:
                pm = re.match(r"\s*\(?([^()\s][^()]*)\)\s*(.*)$", raw)
                if current is None and pm and not stripped.startswith("#"):
                    pats = [_unquote(p) for p in pm.group(1).split("|")]
                    current = Arm(pats, i + 1, i + 1)
                    rest = pm.group(2)
                    if rest:
                        _effects(current, rest)
                    if rest.rstrip().endswith(";;"):
                        current.end = i + 1
                        arms.append(current)
                        current = None
                elif current is not None:
                    _effects(current, stripped)
                    if stripped.endswith(";;"):
                        current.end = i + 1
                        arms.append(current)
                        current = None
            elif current is not None:
                _effects(current, stripped)
            i += 1
        i += 1
    return arms


def _effects(arm: Arm, stmt: str) -> None:
    for part in re.split(r";;|;|&&|\|\|", stmt):
        part = part.strip()
        if not part or part.startswith("#"):
            continue
        m = re.match(r"(?:export\s+)?([A-Z_][A-Z0-9_]*)=(\"[^\"]*\"|'[^']*'|\S*)$", part)
        if m:
            arm.sets[m.group(1)] = _unquote(m.group(2))
            continue
        m = re.match(r"shift(?:\s+(\d+))?$", part)
        if m:
            arm.shift = max(arm.shift, int(m.group(1) or 1))
            continue
        m = re.match(r"exit(?:\s+(\d+))?$", part)
        if m:
            arm.exit = int(m.group(1) or 0)
            continue
        if "]]" in part or "[[" in part or part in ("}", "{", "fi", "else", "then") or part.startswith(("if ", "then", "elif ")):
            continue
        arm.commands.append(part)


def options(text: str) -> list[Arm]:
    """Arms of the argument loop(s), in order."""
    return case_arms(text)
