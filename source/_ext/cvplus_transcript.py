r"""Console transcripts: parse them and match actual output against them.

The rules are the ones cram and prysk made familiar (this is our own code):

- ``$ cmd`` starts a command; ``> more`` continues it on the next line.
- The lines after a command, up to the next ``$``, are its expected output
  (stdout and stderr together), matched exactly by default.
- A line ending in `` (re)`` is a Python regular expression (full match);
  one ending in `` (glob)`` is a glob where only ``*`` and ``?`` are
  wildcards (``\*`` is a literal star; brackets are literal).
- A line ``...`` matches any number of lines, including none.
- A last line ``[N]`` expects exit status N; without it the command must
  exit 0.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field


class TranscriptError(ValueError):
    """A malformed transcript; ``line`` is 1-based within the block."""

    def __init__(self, line: int, message: str):
        super().__init__(f"line {line} of the block: {message}")
        self.line = line
        self.message = message


@dataclass
class Step:
    command: str
    line: int  # 1-based line of the "$ " within the block
    expected: list[str] = field(default_factory=list)
    status: int = 0


STATUS = re.compile(r"^\[(\d{1,3})\]$")


def parse(text: str) -> list[Step]:
    steps: list[Step] = []
    current: Step | None = None
    in_output = False
    for number, raw in enumerate(text.splitlines(), 1):
        if raw.startswith("$ ") or raw == "$":
            current = Step(command=raw[2:], line=number)
            steps.append(current)
            in_output = False
            continue
        if current is None:
            if raw.strip():
                raise TranscriptError(number, "text before the first '$ ' command")
            continue
        if raw.startswith("> ") and not in_output:
            current.command += "\n" + raw[2:]
            continue
        if raw == ">" and not in_output:
            current.command += "\n"
            continue
        in_output = True
        current.expected.append(raw)
    for step in steps:
        while step.expected and not step.expected[-1].strip():
            step.expected.pop()
        if step.expected and STATUS.match(step.expected[-1]):
            step.status = int(STATUS.match(step.expected.pop()).group(1))
        for offset, line in enumerate(step.expected):
            if STATUS.match(line):
                raise TranscriptError(step.line + offset + 1, f"'{line}' must be the last line of a command's output")
            if line.endswith(" (re)"):
                try:
                    re.compile(line[:-5])
                except re.error as exc:
                    raise TranscriptError(step.line + offset + 1, f"bad regular expression: {exc}") from None
        if not step.command.strip():
            raise TranscriptError(step.line, "empty command")
    if not steps:
        raise TranscriptError(1, "a console block needs at least one '$ ' command")
    return steps


def glob_regex(pattern: str) -> str:
    """``*`` and ``?`` are wildcards, ``\\*`` a literal star; nothing else is special."""
    out = []
    index = 0
    while index < len(pattern):
        char = pattern[index]
        if char == "\\" and index + 1 < len(pattern) and pattern[index + 1] in "*?\\":
            out.append(re.escape(pattern[index + 1]))
            index += 2
            continue
        out.append(".*" if char == "*" else "." if char == "?" else re.escape(char))
        index += 1
    return "".join(out)


def _line_matches(pattern: str, actual: str) -> bool:
    if pattern.endswith(" (re)"):
        return re.fullmatch(pattern[:-5], actual) is not None
    if pattern.endswith(" (glob)"):
        return re.fullmatch(glob_regex(pattern[:-7]), actual) is not None
    return pattern == actual


def matches(expected: list[str], actual: list[str]) -> bool:
    """Whether ``actual`` lines satisfy ``expected`` patterns (with ``...``)."""
    memo: dict[tuple[int, int], bool] = {}

    def go(i: int, j: int) -> bool:
        key = (i, j)
        if key in memo:
            return memo[key]
        if i == len(expected):
            result = j == len(actual)
        elif expected[i] == "...":
            result = any(go(i + 1, k) for k in range(j, len(actual) + 1))
        else:
            result = j < len(actual) and _line_matches(expected[i], actual[j]) and go(i + 1, j + 1)
        memo[key] = result
        return result

    return go(0, 0)


def diff(expected: list[str], actual: list[str]) -> str:
    return "\n".join(difflib.unified_diff(expected, actual, "expected", "actual", lineterm=""))
