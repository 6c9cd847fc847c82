"""The drift report: one line per fact, counts, and the exit status.

Line format::

    STATUS  platform.yaml:LINE key = value  |  <cvplus path>:LINE: found  (note)

Absent lines name the reason instead of a CVPlus place; uncheckable
lines say why no checkout can settle the fact. The summary gives
the checkout, its commit and the counts; ``exit_status`` is 1 when any
fact is contradicted, else 0.
"""

from __future__ import annotations

from collections import Counter

from .checks import Result

ORDER = ("contradicted", "settled", "confirmed", "absent", "uncheckable")


def _show(v) -> str:
    s = str(v)
    return s if len(s) <= 70 else s[:67] + "..."


def line(r: Result) -> str:
    left = f"{r.ours} {r.key} = {_show(r.value)}"
    if r.status == "absent":
        right = f"absent from the checkout: {r.theirs}"
    elif r.status == "uncheckable":
        right = f"no checkout settles it: {r.theirs}"
    else:
        right = f"{r.theirs}: {_show(r.found)}"
    note = f"  ({r.note})" if r.note else ""
    return f"{r.status:<12}  {left}  |  {right}{note}"


def render(results: list[Result], header: list[str]) -> str:
    counts = Counter(r.status for r in results)
    out = list(header)
    out.append("counts: " + ", ".join(f"{s} {counts.get(s, 0)}" for s in ORDER))
    out.append("")
    for status in ORDER:
        out.extend(line(r) for r in results if r.status == status)
    return "\n".join(out) + "\n"


def exit_status(results: list[Result]) -> int:
    return 1 if any(r.status == "contradicted" for r in results) else 0
