"""Cloud Logging: ``entries.list`` over the log entries the world holds.

The world keeps a project's entries under ``entries:projects/P`` (a list of
LogEntry objects, v2 schema); world.py seeds none, so a read answers an
empty list until something writes entries (the simulation's own tests do).
``entries.list`` evaluates the request's ``filter`` on each entry of the
``resourceNames`` projects and orders by ``timestamp`` (``orderBy``
``timestamp desc`` or ``asc``), then answers ``pageSize`` entries at most.

The filter evaluator knows the subset of the Logging query language the
manual's commands use: comparisons joined by ``AND``, each ``FIELD OP
VALUE`` with ``=``, ``!=``, ``:`` (has: substring, ``:*`` presence), ``>=``,
``>``, ``<=``, ``<``; a field is a dotted path whose segments may be quoted
(``labels."goog-managed-by"``), a value a quoted string or a bare word.
Anything else (``OR``, ``NOT``, parentheses, functions) is a 400 naming the
text, never a guess.
"""

from __future__ import annotations

import re

from cloudsim.errors import ApiError

API = "logging"
_TERM = re.compile(r'\s*((?:[A-Za-z_][\w]*|"[^"]*")(?:\.(?:[A-Za-z_][\w]*|"[^"]*"))*)\s*(>=|<=|!=|=|:|>|<)\s*'
                   r'("(?:[^"\\]|\\.)*"|\*|[^\s"()]+)\s*')


def parse(text: str) -> list[tuple[list[str], str, str]]:
    """``a.b="x" AND c:*`` -> [(['a', 'b'], '=', 'x'), (['c'], ':', '*')]."""
    terms, pos, text = [], 0, text or ""
    while pos < len(text):
        match = _TERM.match(text, pos)
        if not match:
            raise ApiError(400, f"filter {text!r}: the simulation cannot read {text[pos:]!r} (it knows "
                                "FIELD OP VALUE comparisons joined by AND)", "INVALID_ARGUMENT")
        path = [s.strip('"') for s in re.findall(r'"[^"]*"|[^.]+', match.group(1))]
        value = match.group(3)
        value = value[1:-1].replace('\\"', '"') if value.startswith('"') else value
        terms.append((path, match.group(2), value))
        pos = match.end()
        rest = re.match(r"AND\s+", text[pos:])
        if rest:
            pos += rest.end()
        elif pos < len(text):
            raise ApiError(400, f"filter {text!r}: the simulation knows AND only, not {text[pos:]!r}",
                           "INVALID_ARGUMENT")
    return terms


def lookup(entry: dict, path: list[str]):
    value = entry
    for key in path:
        if not isinstance(value, dict) or key not in value:
            return None
        value = value[key]
    return value


def holds(entry: dict, term: tuple[list[str], str, str]) -> bool:
    path, op, wanted = term
    value = lookup(entry, path)
    if op == ":" and wanted == "*":
        return value is not None
    if value is None:
        return op == "!="
    text = str(value).lower() if isinstance(value, bool) else str(value)
    if op == "=":
        return text == wanted
    if op == "!=":
        return text != wanted
    if op == ":":
        return wanted.lower() in text.lower()
    return {">=": text >= wanted, ">": text > wanted, "<=": text <= wanted, "<": text < wanted}[op]


def list_entries(ctx):
    body = ctx.body or {}
    names = body.get("resourceNames") or []
    if not names:
        raise ApiError(400, "resourceNames: at least one resource name is required", "INVALID_ARGUMENT")
    terms = parse(body.get("filter", ""))
    order = (body.get("orderBy") or "timestamp asc").strip().lower()
    if order not in ("timestamp asc", "timestamp desc"):
        raise ApiError(400, f"orderBy {order!r}: only 'timestamp asc' or 'timestamp desc'", "INVALID_ARGUMENT")
    found = []
    for name in names:
        if not re.fullmatch(r"projects/[^/]+", name):
            raise ApiError(400, f"resourceNames: {name!r} is not projects/PROJECT_ID (the simulation's subset)",
                           "INVALID_ARGUMENT")
        stored = ctx.world.get(API, f"entries:{name}") or {"entries": []}
        found += [e for e in stored["entries"] if all(holds(e, t) for t in terms)]
    found.sort(key=lambda e: e.get("timestamp", ""), reverse=order.endswith("desc"))
    size = int(body.get("pageSize") or 1000)
    found = found[:min(size, 1000)]
    return {"entries": found} if found else {}


HANDLERS = {"logging.entries.list": list_entries}
