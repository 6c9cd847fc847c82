"""The gcloud stand-in's output engine: ``--format``, ``--filter``, ``--sort-by``.

Evaluates gcloud's resource projection and filter languages (as documented
by ``gcloud topic formats``, ``gcloud topic projections``, ``gcloud topic
filters``) on plain JSON resources, the subset the manual and the stand-in's
default formats use:

- formats ``value``, ``table``, ``csv``, ``json``, ``yaml``, ``get``,
  ``none``, with ``[no-heading]``, keys such as ``a.b``, ``a[0]``, labels,
  ``:sort=N``, ``:reverse``, and the transforms in ``TRANSFORMS``;
- a column label of the command's default format is also a key (an alias),
  as in real gcloud: ``--format 'value(REVISION)'``;
- an explicit ``--format`` drops the default format's ``:sort`` attributes;
- ``--sort-by`` keys with ``~`` for descending;
- filters with ``AND``, ``OR``, ``NOT``, ``-``, parentheses, implicit AND
  and the operators ``: = != < <= > >= ~ !~``.

A key the resource lacks evaluates to nothing (an empty value), never an
error. Anything outside the subset raises ``FormatError`` with the
offending text, so a snippet using it fails loudly instead of printing
something gcloud would not.
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import yaml


class FormatError(ValueError):
    """A projection, filter or sort key outside the supported subset."""


_MISSING = object()


# -- keys and values ------------------------------------------------------------

def parse_path(text: str) -> list:
    """``a.b[0].c`` -> ['a', 'b', 0, 'c']; ``a[]`` keeps the list."""
    parts: list = []
    for piece in re.findall(r"[^.\[\]]+|\[\d*\]", text):
        if piece.startswith("["):
            if piece != "[]":
                parts.append(int(piece[1:-1]))
        else:
            parts.append(piece)
    if not parts:
        raise FormatError(f"empty key in '{text}'")
    return parts


def lookup(resource: Any, path: list) -> Any:
    value = resource
    for part in path:
        if isinstance(part, int):
            if not isinstance(value, list) or not -len(value) <= part < len(value):
                return _MISSING
            value = value[part]
        elif isinstance(value, dict):
            if part not in value:
                return _MISSING
            value = value[part]
        elif isinstance(value, list):  # a key applied to a list maps over it
            value = [v.get(part) for v in value if isinstance(v, dict) and part in v]
        else:
            return _MISSING
    return value


def scalar_text(value: Any, sep: str = ";") -> str:
    """How gcloud's value/csv/table printers show one cell."""
    if value is _MISSING or value is None:
        return ""
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, list):
        return sep.join(scalar_text(v, sep) for v in value)
    if isinstance(value, dict):
        return sep.join(f"{k}={scalar_text(v, sep)}" for k, v in value.items())
    return str(value)


# -- transforms -----------------------------------------------------------------

def _t_basename(value, *args):
    return _MISSING if value is _MISSING else str(value).rstrip("/").rsplit("/", 1)[-1]


def _t_segment(value, index="-1", *args):
    if value is _MISSING:
        return _MISSING
    parts = str(value).split("/")
    try:
        return parts[int(index)]
    except (IndexError, ValueError):
        return _MISSING


def _t_scope(value, *names):
    if value is _MISSING:
        return _MISSING
    parts = str(value).split("/")
    for name in names:
        if name in parts:
            return "/".join(parts[parts.index(name) + 1:])
    return _MISSING


def _t_yesno(value, *args, **kwargs):
    """gcloud's TransformYesNo (core/resource/resource_transform.py): ``yes``, or the
    value itself when ``yes`` is not given, for a non-empty value; else ``no`` ("No")."""
    truthy = value is not _MISSING and bool(value)
    if truthy:
        return kwargs.get("yes", args[0] if args else value)
    return kwargs.get("no", args[1] if len(args) > 1 else "No")


def _t_date(value, fmt="%Y-%m-%dT%H:%M:%S", *args, **kwargs):
    if value is _MISSING or value in (None, ""):
        return _MISSING
    text = str(value)
    try:
        moment = datetime.fromisoformat(re.sub(r"(\.\d{6})\d+", r"\1", text).replace("Z", "+00:00"))
    except ValueError:
        return text
    fmt = kwargs.get("format", fmt)
    return moment.strftime(fmt.replace("%Z", "UTC" if moment.utcoffset() is not None and
                                       not moment.utcoffset().total_seconds() else "%Z"))


def _t_len(value, *args):
    return 0 if value is _MISSING or value is None else len(value)


def _t_join(value, sep=",", *args):
    if value is _MISSING:
        return _MISSING
    return sep.join(scalar_text(v) for v in value) if isinstance(value, list) else scalar_text(value)


TRANSFORMS = {"basename": _t_basename, "segment": _t_segment, "scope": _t_scope, "yesno": _t_yesno,
              "date": _t_date, "len": _t_len, "join": _t_join}


# -- projections ----------------------------------------------------------------

@dataclass
class Key:
    path: list | None
    transforms: list[tuple[str, list, dict]] = field(default_factory=list)
    label: str | None = None
    sort: int | None = None
    reverse: bool = False
    template: tuple[str, list["Key"]] | None = None  # format("{0} ({1})", a, b)

    def heading(self) -> str:
        if self.label is not None:
            return self.label
        if self.path is None:
            return ""
        names = [p for p in self.path if isinstance(p, str)]
        return "_".join(re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", n) for n in names).upper()

    def evaluate(self, resource: Any, aliases: dict[str, "Key"]) -> Any:
        if self.template is not None:
            text, keys = self.template
            return text.format(*(scalar_text(k.evaluate(resource, aliases)) for k in keys))
        path = self.path or []
        if path and isinstance(path[0], str) and path[0] in aliases and aliases[path[0]] is not self:
            base = aliases[path[0]]
            value = base.evaluate(resource, aliases)
            value = lookup(value, path[1:]) if len(path) > 1 else value
        else:
            value = lookup(resource, path)
        for name, args, kwargs in self.transforms:
            value = TRANSFORMS[name](value, *args, **kwargs)
        return value


@dataclass
class Projection:
    name: str
    attrs: dict[str, str | bool]
    keys: list[Key]
    aliases: dict[str, Key]


def _split_top(text: str, sep: str = ",") -> list[str]:
    """Split on ``sep`` outside parentheses and quotes."""
    parts, depth, quote, current = [], 0, "", []
    for char in text:
        if quote:
            current.append(char)
            if char == quote:
                quote = ""
            continue
        if char in "\"'":
            quote = char
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == sep and depth == 0:
            parts.append("".join(current))
            current = []
            continue
        current.append(char)
    if quote or depth:
        raise FormatError(f"unbalanced quotes or parentheses in '{text}'")
    parts.append("".join(current))
    return [p.strip() for p in parts if p.strip()]


def _unquote(text: str) -> str:
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
        return text[1:-1]
    return text


def _call_args(text: str) -> tuple[list, dict]:
    args, kwargs = [], {}
    for part in _split_top(text):
        name, eq, value = part.partition("=")
        if eq and re.fullmatch(r"[A-Za-z_]\w*", name.strip()):
            kwargs[name.strip()] = _unquote(value)
        else:
            args.append(_unquote(part))
    return args, kwargs


def parse_key(text: str) -> Key:
    """``name.basename():label=NAME:sort=1:reverse`` -> Key."""
    body, attrs = text, []
    pieces = _split_top(text, ":")
    if pieces:
        body, attrs = pieces[0], pieces[1:]
    template = None
    match = re.fullmatch(r"format\((.*)\)", body.strip(), re.S)
    if match:
        parts = _split_top(match.group(1))
        template = (_unquote(parts[0]), [parse_key(p) for p in parts[1:]])
        key = Key(path=None, template=template)
    else:
        segments = _split_top(body, ".")
        path_text, transforms = [], []
        for segment in segments:
            call = re.fullmatch(r"(\w+)\((.*)\)", segment, re.S)
            if call:
                if call.group(1) not in TRANSFORMS:
                    raise FormatError(f"transform '{call.group(1)}()' is not supported by the stand-in (in '{text}')")
                transforms.append((call.group(1), *_call_args(call.group(2))))
            else:
                if transforms:
                    raise FormatError(f"a key after a transform is not supported (in '{text}')")
                path_text.append(segment)
        key = Key(path=parse_path(".".join(path_text)) if path_text else [], transforms=transforms)
    for attr in attrs:
        name, eq, value = attr.partition("=")
        if name == "label":
            key.label = _unquote(value)
        elif name == "sort":
            key.sort = int(value)
        elif name == "reverse":
            key.reverse = True
        elif name in ("align", "width", "wrap", "optional"):
            continue
        else:
            raise FormatError(f"key attribute ':{name}' is not supported by the stand-in (in '{text}')")
    return key


FORMATS = {"value", "table", "csv", "json", "yaml", "get", "none", "default", "list"}


def parse_projection(text: str) -> Projection:
    """``table[no-heading](a, b:label=B):(alias=c)`` -> Projection."""
    text = text.strip()
    match = re.fullmatch(r"([a-z]+)\s*(\[[^\]]*\])?\s*(\((.*?)\))?\s*(:\s*\((.*)\))?\s*", text, re.S)
    if not match:
        raise FormatError(f"cannot parse --format '{text}'")
    name = match.group(1)
    if name not in FORMATS:
        raise FormatError(f"format '{name}' is not supported by the stand-in")
    attrs: dict[str, str | bool] = {}
    for attr in _split_top((match.group(2) or "[]")[1:-1]):
        key, eq, value = attr.partition("=")
        attrs[key.strip()] = _unquote(value) if eq else True
    keys = [parse_key(k) for k in _split_top(match.group(4) or "")]
    aliases: dict[str, Key] = {}
    for item in _split_top(match.group(6) or ""):
        alias, _, target = item.partition("=")
        aliases[alias.strip()] = parse_key(target)
    for key in keys:
        if key.label:
            aliases.setdefault(key.label, key)
    return Projection(name, attrs, keys, aliases)


# -- printing -------------------------------------------------------------------

def _nested(resource: Any, keys: list[Key], aliases: dict[str, Key]) -> dict:
    """``json(a.b, c)``: a resource holding only the projected keys."""
    out: dict = {}
    for key in keys:
        value = key.evaluate(resource, aliases)
        names = [p for p in (key.path or []) if isinstance(p, str)] or [key.heading().lower()]
        node = out
        for depth, part in enumerate(names[:-1]):
            if lookup(resource, names[:depth + 1]) is _MISSING:
                break
            node = node.setdefault(part, {})
        else:
            if value is not _MISSING:
                node[names[-1]] = value
    return out


def _yaml(value: Any) -> str:
    return yaml.safe_dump(value, default_flow_style=False, sort_keys=True, allow_unicode=True, width=80)


def render(resources: list, projection: Projection, single: bool = False) -> str:
    """The text gcloud prints for ``resources`` (a list) under ``projection``.

    ``single`` is a describe (one resource, no list markers)."""
    name, keys = projection.name, projection.keys
    aliases = projection.aliases
    if name == "none":
        return ""
    if name in ("json", "yaml", "default", "list"):
        data = [_nested(r, keys, aliases) if keys else r for r in resources]
        if name == "json":
            payload = data[0] if single else data
            if not single and not data:
                return "[]\n"
            return json.dumps(payload, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
        if single:
            return _yaml(data[0]) if data else ""
        return "".join("---\n" + _yaml(item) for item in data)
    rows = [[k.evaluate(r, aliases) for k in keys] for r in resources]
    if name in ("value", "get"):
        return "".join("\t".join(scalar_text(v) for v in row) + "\n" for row in rows)
    if name == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        if not projection.attrs.get("no-heading"):
            writer.writerow([k.heading().lower() if k.label is None else k.label for k in keys])
        for row in rows:
            writer.writerow([scalar_text(v) for v in row])
        return out.getvalue()
    # table
    cells = [[_table_cell(v) for v in row] for row in rows]
    if not cells:
        return ""
    header = [] if projection.attrs.get("no-heading") else [[k.heading() for k in keys]]
    table = header + cells
    widths = [max(len(row[i]) for row in table) for i in range(len(keys))]
    lines = []
    for row in table:
        line = "  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row))
        lines.append(line.rstrip() + "\n")
    return "".join(lines)


def _table_cell(value: Any) -> str:
    if isinstance(value, dict):
        return repr(value)
    return scalar_text(value)


# -- sorting --------------------------------------------------------------------

def _sort_value(value: Any):
    if value is _MISSING or value is None:
        return (0, 0, "")
    if isinstance(value, bool):
        return (1, int(value), "")
    if isinstance(value, (int, float)):
        return (1, value, "")
    return (2, 0, scalar_text(value))


def apply_sort(resources: list, keys: list[tuple[Key, bool]], aliases: dict[str, Key]) -> list:
    """Stable sort by the keys, last key first; each (key, descending)."""
    result = list(resources)
    for key, descending in reversed(keys):
        result.sort(key=lambda r, k=key: _sort_value(k.evaluate(r, aliases)), reverse=descending)
    return result


def sort_by_keys(text: str) -> list[tuple[Key, bool]]:
    keys = []
    for part in _split_top(text):
        descending = part.startswith("~")
        keys.append((parse_key(part.lstrip("~")), descending))
    return keys


# -- filters --------------------------------------------------------------------

_TOKEN = re.compile(r"""\s*(?:(?P<lp>\()|(?P<rp>\))|(?P<op>!=|<=|>=|!~|[:=<>~])|"""
                    r"""(?P<q>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')|(?P<word>[^\s():=<>~!"']+|!))""")


def _tokens(text: str) -> list[tuple[str, str]]:
    tokens, pos = [], 0
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        match = _TOKEN.match(text, pos)
        if not match or match.end() == pos:
            raise FormatError(f"cannot parse --filter at '{text[pos:]}'")
        kind = match.lastgroup
        value = match.group(kind)
        if kind == "q":
            value = re.sub(r"\\(.)", r"\1", value[1:-1])
        tokens.append((kind, value))
        pos = match.end()
    return tokens


class _FilterParser:
    def __init__(self, text: str):
        self.text = text
        self.tokens = _tokens(text)
        self.pos = 0

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self) -> tuple[str, str]:
        token = self.peek()
        if token is None:
            raise FormatError(f"unexpected end of --filter '{self.text}'")
        self.pos += 1
        return token

    def parse(self):
        node = self.conjunction()
        if self.peek() is not None:
            raise FormatError(f"unexpected '{self.peek()[1]}' in --filter '{self.text}'")
        return node

    def conjunction(self):  # implicit AND: lowest precedence
        nodes = [self.disjunction()]
        while self.peek() is not None and self.peek()[0] != "rp":
            if self.peek() == ("word", "AND"):
                self.take()
            nodes.append(self.disjunction())
        return ("and", nodes) if len(nodes) > 1 else nodes[0]

    def disjunction(self):
        nodes = [self.unary()]
        while self.peek() == ("word", "OR"):
            self.take()
            nodes.append(self.unary())
        return ("or", nodes) if len(nodes) > 1 else nodes[0]

    def unary(self):
        token = self.peek()
        if token == ("word", "NOT"):
            self.take()
            return ("not", self.unary())
        if token and token[0] == "word" and token[1].startswith("-") and len(token[1]) > 1:
            self.tokens[self.pos] = ("word", token[1][1:])
            return ("not", self.unary())
        if token and token[0] == "lp":
            self.take()
            node = self.conjunction()
            if self.take()[0] != "rp":
                raise FormatError(f"missing ')' in --filter '{self.text}'")
            return node
        return self.term()

    def term(self):
        kind, key = self.take()
        if kind not in ("word", "q"):
            raise FormatError(f"expected a key, got '{key}' in --filter '{self.text}'")
        op = self.peek()
        if op is None or op[0] != "op":  # a bare word: global restriction, unsupported
            raise FormatError(f"'{key}' has no operator in --filter '{self.text}' (the stand-in "
                              "supports key OP value terms only)")
        self.take()
        if self.peek() and self.peek()[0] == "lp":
            self.take()
            values = []
            while self.peek() and self.peek()[0] != "rp":
                values.append(self.take()[1].strip(","))
            self.take()
            return ("term", parse_key(key), op[1], [v for v in values if v])
        vkind, value = self.take()
        if vkind not in ("word", "q"):
            raise FormatError(f"expected a value after '{key}{op[1]}' in --filter '{self.text}'")
        return ("term", parse_key(key), op[1], value)


def _number(text: str):
    try:
        return float(text)
    except (TypeError, ValueError):
        return None


def _has(value: Any, pattern: str) -> bool:
    if pattern == "*":
        return value is not _MISSING and value is not None
    text = scalar_text(value).lower()
    pattern = pattern.lower()
    if "*" in pattern:
        return re.fullmatch(".*".join(re.escape(p) for p in pattern.split("*")), text) is not None
    return pattern in text


def _equal(value: Any, wanted: str) -> bool:
    if isinstance(value, list):
        return any(_equal(v, wanted) for v in value)
    if isinstance(value, bool):
        return wanted.lower() == ("true" if value else "false")
    if isinstance(value, (int, float)) and _number(wanted) is not None:
        return float(value) == _number(wanted)
    return scalar_text(value) == wanted


def _compare(value: Any, op: str, wanted: str) -> bool:
    if value is _MISSING or value is None:
        return False
    left, right = _number(scalar_text(value)), _number(wanted)
    if left is None or right is None:
        left, right = scalar_text(value), wanted
    return {"<": left < right, "<=": left <= right, ">": left > right, ">=": left >= right}[op]


def _evaluate(node, resource: Any, aliases: dict[str, Key]) -> bool:
    kind = node[0]
    if kind == "and":
        return all(_evaluate(n, resource, aliases) for n in node[1])
    if kind == "or":
        return any(_evaluate(n, resource, aliases) for n in node[1])
    if kind == "not":
        return not _evaluate(node[1], resource, aliases)
    _, key, op, wanted = node
    value = key.evaluate(resource, aliases)
    if isinstance(wanted, list):
        test = {"=": _equal, ":": _has}.get(op)
        if test is None:
            raise FormatError(f"operator '{op}' does not take a list")
        return any(test(value, w) for w in wanted)
    if op == ":":
        return _has(value, wanted)
    if op == "=":
        return value is not _MISSING and _equal(value, wanted)
    if op == "!=":
        return not (value is not _MISSING and _equal(value, wanted))
    if op in ("~", "!~"):
        found = value is not _MISSING and re.search(wanted, scalar_text(value)) is not None
        return found if op == "~" else not found
    return _compare(value, op, wanted)


def compile_filter(text: str):
    return _FilterParser(text).parse() if text and text.strip() else None


def matches(tree, resource: Any, aliases: dict[str, Key]) -> bool:
    return tree is None or _evaluate(tree, resource, aliases)


# -- the whole display step -----------------------------------------------------

def display(resources: list | dict, *, default_format: str, user_format: str | None = None,
            filter_text: str | None = None, sort_by: str | None = None, limit: int | None = None,
            single: bool = False) -> str:
    """Filter, sort, limit and print like gcloud's display step.

    The default format's column labels (and its ``:(alias=key)`` list) are
    keys everywhere. Its ``:sort`` attributes apply only when it is the
    format in use: an explicit ``user_format`` drops them."""
    default = parse_projection(default_format)
    projection = parse_projection(user_format) if user_format else default
    aliases = {**default.aliases, **projection.aliases}
    projection.aliases = aliases
    items = [resources] if single else list(resources)
    tree = compile_filter(filter_text or "")
    items = [r for r in items if matches(tree, r, aliases)]
    if sort_by:
        items = apply_sort(items, sort_by_keys(sort_by), aliases)
    elif projection is default:
        ordered = sorted((k for k in default.keys if k.sort is not None), key=lambda k: k.sort)
        if ordered:
            items = apply_sort(items, [(k, k.reverse) for k in ordered], aliases)
    if limit is not None:
        items = items[:limit]
    return render(items, projection, single=single)
