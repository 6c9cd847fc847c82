"""The API lesson's request and answer fields against the function sources.

``onboarding.api_examples.contracts`` gives, per function, the file that
defined it at ``onboarding.api_examples.commit`` and the fields the lesson
shows. At that commit: the request fields must be exactly those the code
reads from the call's data (destructured from ``data``/``request.data``,
defaults included, or read as ``data.<field>``); every answer field shown
must be a key of an object the function returns (answers may hold more).
For a function marked ``same_at_real_commit``, the same comparison runs on
its definition at the checkout's commit (found by the functions inventory,
in the module that defines it). The source is read as text; a commit or
file that is missing makes the fact absent.
"""

from __future__ import annotations

import re

from .sources import Found

P = "onboarding.api_examples"


def _balanced(text: str, start: int) -> str:
    depth = 0
    for i in range(start, len(text)):
        if text[i] in "{([":
            depth += 1
        elif text[i] in "})]":
            depth -= 1
            if depth == 0:
                return text[start:i + 1]
    return text[start:]


def _keys(obj: str) -> list[str]:
    """The top-level keys of an object literal or destructuring pattern."""
    parts, depth, cur = [], 0, ""
    for c in obj[1:-1]:
        depth += c in "{(["
        depth -= c in "})]"
        if c == "," and depth == 0:
            parts.append(cur)
            cur = ""
        else:
            cur += c
    parts.append(cur)
    keys = []
    for part in parts:
        m = re.match(r"\s*([A-Za-z_]\w*)\s*(?::|=|\?|$)", part.strip() or "-")
        if m and not part.strip().startswith("..."):
            keys.append(m.group(1))
    return keys


def request_fields(text: str) -> list[str]:
    out = set()
    for m in re.finditer(r"\b(?:const|let)\s*(\{)", text):
        obj = _balanced(text, m.start(1))
        if re.match(r"\s*=\s*(?:request\.)?data\b", text[m.start(1) + len(obj):]):
            out.update(_keys(obj))
    out.update(re.findall(r"\b(?:request\.)?data\??\.(\w+)", text))
    return sorted(out)


def answer_fields(text: str) -> list[str]:
    out: list[str] = []
    for m in re.finditer(r"\breturn\s*(\{)", text):
        out += [k for k in _keys(_balanced(text, m.start(1))) if k not in out]
    return out


def check(chk) -> None:
    contracts = chk.facts.get(f"{P}.contracts")
    if not isinstance(contracts, dict):
        return
    rev = str(chk.facts.get(f"{P}.commit"))
    old = chk.co.at(rev) if chk.co.commit else None
    for name, spec in contracts.items():
        key = f"{P}.contracts.{name}"
        rel = spec.get("file") if isinstance(spec, dict) else None
        if not rel or "request" not in spec or "answer" not in spec:
            from .checks import CheckError
            raise CheckError(f"{chk.facts.where(key)}: {key} needs file, request and answer")
        text = old.read(rel) if old is not None else None
        why = f"commit {rev[:7]} is not in the checkout's history" if old is None else f"no {rel} at {rev[:7]}"
        where = f"{rel}@{rev[:7]}"
        chk.compare(f"{key}.file", Found(rel, where) if text is not None else None, why)
        if text is None:
            chk.compare(f"{key}.request", None, why)
            chk.compare(f"{key}.answer", None, why)
        else:
            request, answer = fields(spec, text)
            chk.compare(f"{key}.request", Found(request, where), value=sorted(spec["request"]))
            chk.compare(f"{key}.answer", Found(answer, where), note="each shown field is returned",
                        value=list(spec["answer"]))
        if "same_at_real_commit" in spec:
            text, where, why = _current(chk, name)
            if text is None:
                chk.compare(f"{key}.same_at_real_commit", None, why)
                continue
            request, answer = fields(spec, text)
            same = request == sorted(spec["request"]) and answer == list(spec["answer"])
            chk.compare(f"{key}.same_at_real_commit", Found(same, where),
                        note="" if same else f"request {request}, answer {answer}")


def fields(spec: dict, text: str) -> tuple[list[str], list[str]]:
    """The request fields the code reads, and the shown answer fields with
    ``(not returned)`` after those no return statement holds."""
    returned = answer_fields(text)
    return request_fields(text), [f if f in returned else f"{f} (not returned)" for f in spec["answer"]]


def _current(chk, name: str) -> tuple[str | None, str, str]:
    d = chk.inv.definitions.get(name)
    if d is None:
        miss = chk.inv.missing.get(name)
        return None, "", miss.reason if miss else f"{name} is not exported at the checkout's commit"
    path = d.where.rsplit(":", 1)[0]
    m = re.match(r"packages/([^/]+)/(.+)$", path)
    if m:
        module, how = chk.co.module(m.group(1))
        if module is None:
            return None, "", f"module {m.group(1)} {how}"
        return module.read(m.group(2)), d.where, ""
    return chk.co.read(path), d.where, ""
