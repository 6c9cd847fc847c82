"""One procedure per action: no procedure body is written out twice.

``duplicated(snippets)`` compares the shown shell blocks of the manual
(tested or not) by their commands: a run of ``MIN_RUN`` consecutive
substantive command lines (whitespace collapsed; lines such as ``done``,
``fi``, ``}`` or a lone ``else`` do not count) that appears in two blocks of
different procedures is a second copy of one procedure. Each copy after the
first is reported as ``source/page.md:LINE: ... also at source/other.md:LINE``
so the writer keeps one and links to it. tests/snippets/test_duplicates.py
fails on any finding.
"""

from __future__ import annotations

import re

from lint import script_of

MIN_RUN = 3
TRIVIAL = re.compile(r"^(done|fi|\}|\{|else|then|do|esac|;;|\)|set -euo pipefail|[A-Z_]+=\S*|cd \S+)$")


def _lines(snippet: dict) -> list[tuple[str, int]]:
    """Substantive command lines with their page line."""
    script, origin = script_of(snippet)
    out = []
    for index, line in enumerate(script.splitlines()):
        text = re.sub(r"\s+", " ", line.split(" # ")[0]).strip()
        if not text or text.startswith("#") or TRIVIAL.match(text):
            continue
        out.append((text, snippet.line + (origin[index] if index < len(origin) else 1)))
    return out


def _owner(snippet: dict) -> str:
    return snippet.need or f"{snippet.source}:{snippet.line}"


def duplicated(snippets: list[dict]) -> list[str]:
    seen: dict[tuple[str, ...], tuple[str, str, int]] = {}
    findings: list[str] = []
    reported: set[tuple[str, str]] = set()
    for snippet in sorted(snippets, key=lambda s: (s.source, s.line)):
        lines = _lines(snippet)
        for start in range(len(lines) - MIN_RUN + 1):
            run = tuple(text for text, _ in lines[start:start + MIN_RUN])
            here = (_owner(snippet), snippet.source, lines[start][1])
            first = seen.setdefault(run, here)
            if first[0] == here[0]:
                continue
            key = (first[0], here[0])
            if key in reported:
                continue
            reported.add(key)
            findings.append(f"{here[1]}:{here[2]}: repeats the procedure body at {first[1]}:{first[2]} "
                            f"({first[0]}); keep one and link to it: {run[0]}")
    return findings
