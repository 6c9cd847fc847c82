"""Cloud Functions exported by a CVPlus functions codebase.

Starting at ``functions/src/index.ts`` this follows every export: local
definitions (``export const name = onRequest({...}, ...)`` and the other
firebase-functions triggers), named re-exports (``export { a, b as c }
from '...'``) and star re-exports (``export * from '...'``), relative or
into the ``@cvplus/<module>`` packages. A module that is not present in
the checkout is not guessed at: each name exported from it is reported
absent with the reason. A name a present module does not export is
reported unresolved (a broken re-export in CVPlus).

For every definition it records the kind (https, callable, schedule,
event), the options written in the trigger call (timeoutSeconds, memory,
maxInstances, minInstances, region, secrets, schedule, timeZone) and the
file and line. Comments are blanked (line numbers kept) before parsing,
so commented-out exports do not count.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .checkout import Checkout

ROOT_INDEX = "functions/src/index.ts"

TRIGGERS = [
    (re.compile(r"\bonRequest\s*(?:<[^>(]*>)?\s*\("), "https"),
    (re.compile(r"\.https\.onRequest\s*\("), "https"),
    (re.compile(r"\bonCall\s*(?:<[^>(]*>)?\s*\("), "callable"),
    (re.compile(r"\.https\.onCall\s*\("), "callable"),
    (re.compile(r"\bonSchedule\s*\("), "schedule"),
    (re.compile(r"\.pubsub\.schedule\s*\("), "schedule"),
    (re.compile(r"\b(?:onDocument\w*|onObject\w*|onMessagePublished|onTaskDispatched|onCustomEventPublished|"
                r"beforeUser\w*|beforeSign\w*|onValue\w*)\s*\("), "event"),
    (re.compile(r"\.(?:firestore|storage|auth|database|pubsub)\.\w+\([^)]*\)\.on\w+\s*\("), "event"),
]
EXPORT_CONST = re.compile(r"\bexport\s+(?:const|let|var)\s+(\w+)\s*(?::[^=]+)?=")
EXPORT_NAMED = re.compile(r"\bexport\s*(?:type\s*)?\{([^}]*)\}\s*(?:from\s*['\"]([^'\"]+)['\"])?")
EXPORT_STAR = re.compile(r"\bexport\s*\*\s*(?:as\s+\w+\s*)?from\s*['\"]([^'\"]+)['\"]")
LOCAL_CONST = r"\b(?:const|let|var)\s+{name}\s*(?::[^=]+)?="
DEFINE_SECRET = re.compile(r"\b(\w+)\s*=\s*defineSecret\(\s*['\"]([A-Z0-9_]+)['\"]")
OPTION_KEYS = {"timeoutSeconds", "memory", "maxInstances", "minInstances", "region", "secrets",
               "schedule", "timeZone", "concurrency", "cpu", "cors"}


def strip_comments(text: str) -> str:
    """Blank // and /* */ comments, keeping strings and line numbers."""
    out, i, n = [], 0, len(text)
    while i < n:
        c = text[i]
        if c in "'\"`":
            j = i + 1
            while j < n and text[j] != c:
                j += 2 if text[j] == "\\" else 1
            out.append(text[i:j + 1])
            i = j + 1
        elif text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i))
            i = j
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append(re.sub(r"[^\n]", " ", text[i:j]))
            i = j
        else:
            out.append(c)
            i += 1
    return "".join(out)


def _line(text: str, pos: int) -> int:
    return text.count("\n", 0, pos) + 1


def _after_string(text: str, i: int) -> int:
    """The index just past the quoted string that starts at ``text[i]``
    (backslash escapes skipped)."""
    quote, j = text[i], i + 1
    while j < len(text) and text[j] != quote:
        j += 2 if text[j] == "\\" else 1
    return j + 1


def _balanced(text: str, start: int) -> str:
    """The bracketed text starting at ``text[start]`` (one of ``{[(``)."""
    pairs = {"{": "}", "[": "]", "(": ")"}
    stack, i = [], start
    while i < len(text):
        c = text[i]
        if c in "'\"`":
            i = _after_string(text, i)
            continue
        if c in pairs:
            stack.append(pairs[c])
        elif stack and c == stack[-1]:
            stack.pop()
            if not stack:
                return text[start:i + 1]
        i += 1
    return text[start:]


def _value(raw: str, secrets_by_var: dict[str, str]):
    raw = raw.strip().rstrip(",").strip()
    if raw.startswith("["):
        items = [x.strip() for x in raw[1:-1].split(",") if x.strip()]
        return [_value(x, secrets_by_var) for x in items]
    m = re.fullmatch(r"(['\"`])(.*)\1", raw, re.S)
    if m:
        return m.group(2)
    if re.fullmatch(r"-?\d+(\.\d+)?", raw):
        return int(raw) if "." not in raw else float(raw)
    if raw in secrets_by_var:
        return secrets_by_var[raw]
    if raw in ("true", "false"):
        return raw == "true"
    return raw


def parse_options(obj: str, secrets_by_var: dict[str, str]) -> dict[str, object]:
    """Top-level ``key: value`` pairs of an object literal we care about."""
    opts, depth, i, body = {}, 0, 0, obj[1:-1]
    start = 0
    parts = []
    while i < len(body):
        c = body[i]
        if c in "'\"`":
            i = _after_string(body, i)
            continue
        if c in "{[(":
            depth += 1
        elif c in "}])":
            depth -= 1
        elif c == "," and depth == 0:
            parts.append(body[start:i])
            start = i + 1
        i += 1
    parts.append(body[start:])
    for part in parts:
        m = re.match(r"\s*['\"]?(\w+)['\"]?\s*:\s*(.*)$", part, re.S)
        if m and m.group(1) in OPTION_KEYS:
            opts[m.group(1)] = _value(m.group(2), secrets_by_var)
    return opts


@dataclass
class Definition:
    name: str
    kind: str
    options: dict
    where: str  # "<label><path>:<line>"
    via: list[str] = field(default_factory=list)


@dataclass
class Missing:
    name: str
    where: str  # the re-export that names it
    reason: str
    absent_module: bool


@dataclass
class Inventory:
    definitions: dict[str, Definition] = field(default_factory=dict)
    missing: dict[str, Missing] = field(default_factory=dict)
    root_exports: dict[str, int] = field(default_factory=dict)  # exported name -> line in index.ts
    total_constant: tuple[int, int] | None = None  # (value, line) of TOTAL_FUNCTIONS_COUNT
    modules: dict[str, str] = field(default_factory=dict)  # module -> how it was found / why absent
    secret_uses: dict[str, list[str]] = field(default_factory=dict)  # secret -> places


class _Resolver:
    def __init__(self, root: Checkout, inv: Inventory):
        self.root = root
        self.inv = inv
        self.cache: dict[tuple[int, str], str | None] = {}

    def text(self, co: Checkout, path: str) -> str | None:
        key = (id(co), path)
        if key not in self.cache:
            raw = co.read(path)
            self.cache[key] = strip_comments(raw) if raw is not None else None
            if raw is not None:
                for m in re.finditer(r"defineSecret\(\s*['\"]([A-Z0-9_]+)['\"]", self.cache[key]):
                    self.inv.secret_uses.setdefault(m.group(1), []).append(co.where(path, _line(raw, m.start())))
        return self.cache[key]

    def locate(self, co: Checkout, base: str, spec: str) -> tuple[Checkout | None, str | None, str]:
        """(checkout, file) a module specifier points at, or why not."""
        if spec.startswith("."):
            folder = base.rsplit("/", 1)[0] if "/" in base else ""
            parts = [p for p in f"{folder}/{spec}".split("/") if p and p != "."]
            stack: list[str] = []
            for p in parts:
                if p == "..":
                    stack and stack.pop()
                else:
                    stack.append(p)
            found = self._file(co, "/".join(stack))
            return co, found, "" if found else f"{co.where('/'.join(stack))}(.ts|/index.ts) not found"
        m = re.match(r"@cvplus/([\w-]+)(?:/(.*))?$", spec)
        if not m:
            return None, None, f"{spec} is not a CVPlus module"
        name, sub = m.group(1), m.group(2) or ""
        mod, how = self.root.module(name)
        self.inv.modules.setdefault(name, how if mod else f"absent: {how}")
        if mod is None:
            return None, None, f"module {name} absent ({how})"
        target = f"src/{sub}" if sub else "src/index"
        found = self._file(mod, target) or (self._file(mod, sub) if sub else None)
        return mod, found, "" if found else f"{mod.where(target)}(.ts|/index.ts) not found"

    def _file(self, co: Checkout, stem: str) -> str | None:
        stem = re.sub(r"\.(js|ts)$", "", stem)
        for cand in (f"{stem}.ts", f"{stem}/index.ts", f"{stem}.js", f"{stem}/index.js", f"{stem}.tsx"):
            if self.text(co, cand) is not None:
                return cand
        return None

    def resolve(self, co: Checkout, path: str, name: str, seen: set) -> Definition | Missing | None:
        """Find where ``name`` exported by ``path`` is defined."""
        key = (id(co), path, name)
        if key in seen:
            return None
        seen.add(key)
        text = self.text(co, path)
        if text is None:
            return None
        here = lambda pos: co.where(path, _line(text, pos))  # noqa: E731
        for m in EXPORT_CONST.finditer(text):
            if m.group(1) == name:
                return self.define(co, path, text, name, m.end())
        for m in EXPORT_NAMED.finditer(text):
            for local, exported in _names(m.group(1)):
                if exported != name:
                    continue
                if m.group(2) is None:  # export { a } of a local
                    lm = re.search(LOCAL_CONST.format(name=re.escape(local)), text)
                    return self.define(co, path, text, name, lm.end()) if lm else None
                mod, target, why = self.locate(co, path, m.group(2))
                if target is None:
                    return Missing(name, here(m.start()), why, mod is None)
                found = self.resolve(mod, target, local, seen)
                if found is None:
                    return Missing(name, here(m.start()), f"{mod.where(target)} does not export {local}", False)
                if isinstance(found, Definition):
                    found.via.insert(0, here(m.start()))
                return found
        absent = None
        for m in EXPORT_STAR.finditer(text):
            mod, target, why = self.locate(co, path, m.group(1))
            if target is None:
                absent = absent or Missing(name, here(m.start()), why, mod is None)
                continue
            found = self.resolve(mod, target, name, seen)
            if isinstance(found, Definition):
                found.via.insert(0, here(m.start()))
                return found
            if isinstance(found, Missing):
                absent = absent or found
        return absent

    def define(self, co: Checkout, path: str, text: str, name: str, pos: int) -> Definition | None:
        head = text[pos:pos + 400]
        best = None
        for rx, kind in TRIGGERS:
            m = rx.search(head)
            if m and (best is None or m.start() < best[0].start()):
                best = (m, kind)
        if best is None:
            return None  # exported, but not a Cloud Function (a constant, a service)
        m, kind = best
        secrets_by_var = {v: s for v, s in DEFINE_SECRET.findall(text)}
        call_open = pos + m.end() - 1
        args = _balanced(text, call_open)
        options: dict = {}
        first = args[1:].lstrip()
        if first.startswith("{"):
            options = parse_options(_balanced(args, args.index("{")), secrets_by_var)
        elif first[:1] in "'\"`" and kind == "schedule":
            options = {"schedule": _value(re.match(r"(['\"`]).*?\1", first).group(0), {})}
        runwith = re.search(r"runWith\s*\(", head)
        if runwith:
            inner = _balanced(head, runwith.end() - 1)
            if "{" in inner:
                options = {**parse_options(_balanced(inner, inner.index("{")), secrets_by_var), **options}
        for secret in options.get("secrets", []) if isinstance(options.get("secrets"), list) else []:
            if isinstance(secret, str) and re.fullmatch(r"[A-Z0-9_]+", secret):
                self.inv.secret_uses.setdefault(secret, []).append(co.where(path, _line(text, pos)))
        return Definition(name, kind, options, co.where(path, _line(text, pos)))


def _names(block: str) -> list[tuple[str, str]]:
    out = []
    for item in block.split(","):
        item = item.strip()
        m = re.fullmatch(r"(?:type\s+)?(\w+)(?:\s+as\s+(\w+))?", item)
        if m:
            out.append((m.group(1), m.group(2) or m.group(1)))
    return out


def inventory(root: Checkout) -> Inventory:
    """Every function the root index exports, resolved as far as possible."""
    inv = Inventory()
    res = _Resolver(root, inv)
    text = res.text(root, ROOT_INDEX)
    if text is None:
        return inv
    for m in EXPORT_CONST.finditer(text):
        inv.root_exports[m.group(1)] = _line(text, m.start())
    for m in EXPORT_NAMED.finditer(text):
        for _, exported in _names(m.group(1)):
            inv.root_exports.setdefault(exported, _line(text, m.start()))
    tm = re.search(r"TOTAL_FUNCTIONS_COUNT\s*=\s*(\d+)", text)
    if tm:
        inv.total_constant = (int(tm.group(1)), _line(text, tm.start()))
    for name in list(inv.root_exports):
        found = res.resolve(root, ROOT_INDEX, name, set())
        if isinstance(found, Definition):
            inv.definitions[name] = found
        elif isinstance(found, Missing):
            inv.missing[name] = found
        elif name in {m.group(1) for m in EXPORT_CONST.finditer(text)}:
            del inv.root_exports[name]  # a constant such as the version string
        else:
            inv.missing[name] = Missing(name, root.where(ROOT_INDEX, inv.root_exports[name]),
                                        "not defined as a Cloud Function where it is exported", False)
    return inv
