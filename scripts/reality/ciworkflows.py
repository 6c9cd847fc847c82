"""The real track's CI facts (``onboarding.real.ci``) against a checkout.

Compares the root workflow files (``.github/workflows/*.yml``, as a set),
the workflows that check out submodules (``submodules: true|recursive``),
and the steps whose failure is swallowed. Each ``ignored_failures`` entry
is ``<workflow>:<line> (<what>)``; the line must end in ``|| true`` or
``|| echo ...``. Any line that swallows the failure of a check command
(``npm test``, ``npm run lint|test|build|type-check``, ``npm audit
--audit-level``, ``npx eslint|tsc``, ``gitleaks detect``, ``firebase
firestore:...``; continuation lines joined) that the list lacks is a
contradiction naming the workflow line. A malformed entry raises
``CheckError`` naming the facts file and line.
"""

from __future__ import annotations

import re

from .sources import Found, workflows

P = "onboarding.real.ci"
SWALLOW = re.compile(r"\|\|\s*(true|echo\b.*)\s*$")
CHECK = re.compile(r"(^|[\s;&(])(npm test|npm run (lint|test|build|type-check)|npm audit --audit-level"
                   r"|npx (eslint|tsc)|gitleaks detect|firebase firestore:)")
ENTRY = re.compile(r"^(\S+\.ya?ml):(\d+) \((.+)\)$")


def check(chk) -> None:
    if not chk.facts.has(P):
        return
    co = chk.co
    files = workflows(co)
    names = sorted(f.rsplit("/", 1)[-1] for f in files)
    why = "no .github/workflows in the checkout"
    if chk.facts.has(f"{P}.workflows"):
        chk.compare(f"{P}.workflows", Found(names, co.where(".github/workflows")) if names else None, why,
                    value=sorted(chk.facts.get(f"{P}.workflows") or []))
    if chk.facts.has(f"{P}.checks_out_submodules"):
        subs = [(f.rsplit("/", 1)[-1], n) for f in files for n, ln in enumerate((co.read(f) or "").splitlines(), 1)
                if re.match(r"\s*submodules:\s*['\"]?(true|recursive)", ln)]
        first = co.where(f".github/workflows/{subs[0][0]}", subs[0][1]) if subs else co.where(".github/workflows")
        chk.compare(f"{P}.checks_out_submodules", Found(sorted({s for s, _ in subs}), first) if names else None, why,
                    value=sorted(chk.facts.get(f"{P}.checks_out_submodules") or []))
    if chk.facts.has(f"{P}.ignored_failures"):
        ignored(chk, files)


def swallowed(text: str) -> list[tuple[int, str]]:
    """(line, logical command) of every check command whose failure is swallowed."""
    out = []
    lines = text.splitlines()
    for n, line in enumerate(lines, 1):
        if not SWALLOW.search(line):
            continue
        start = n
        while start > 1 and lines[start - 2].rstrip().endswith("\\"):
            start -= 1
        logical = " ".join(ln.strip().rstrip("\\") for ln in lines[start - 1:n])
        head = logical[:SWALLOW.search(logical).start()]
        if "$(" not in head and CHECK.search(head):
            out.append((n, logical))
    return out


def ignored(chk, files: list[str]) -> None:
    co, facts = chk.co, chk.facts
    listed: set[tuple[str, int]] = set()
    for i, entry in enumerate(facts.get(f"{P}.ignored_failures") or []):
        key = f"{P}.ignored_failures[{i}]"
        m = ENTRY.match(str(entry))
        if not m:
            from .checks import CheckError
            raise CheckError(f"{facts.where(key)}: {key} must read '<workflow>:<line> (<what>)', not {entry!r}")
        wf, line = m.group(1), int(m.group(2))
        listed.add((wf, line))
        rel = f".github/workflows/{wf}"
        text = co.read(rel)
        if text is None:
            chk.compare(key, None, f"{rel} not in the checkout")
            continue
        lines = text.splitlines()
        hit = line <= len(lines) and SWALLOW.search(lines[line - 1])
        chk.compare(key, Found(entry if hit else f"(line {line} swallows nothing)", co.where(rel, line)))
    for rel in files:
        wf = rel.rsplit("/", 1)[-1]
        for n, logical in swallowed(co.read(rel) or ""):
            if (wf, n) not in listed:
                chk.results.append(chk.result("contradicted", f"{P}.ignored_failures", "(not listed)",
                                              co.where(rel, n), logical[:60],
                                              "a check whose failure is swallowed, missing from the list"))
