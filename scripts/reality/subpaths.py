"""Module imports of the functions entry that Node cannot load, and
module dependencies that npm would take from the registry.

``unexported_subpaths``: every ``@cvplus/<module>/<subpath>`` the functions
entry imports or re-exports (comments blanked) is looked up in the
module's package.json the way Node resolves a package subpath: with an
``exports`` map the subpath must be a key (or match a ``./x/*`` pattern),
else Node fails with ERR_PACKAGE_PATH_NOT_EXPORTED; without one a file
``<subpath>.js``, ``<subpath>/index.js`` or ``<subpath>/package.json``
must be committed. ``backend_loadable`` lists the modules all of whose
imported subpaths load. TypeScript still compiles these imports (the functions'
tsconfig maps ``@cvplus/<m>/*`` to the module's ``src``), so the failure
only shows when the built functions load. ``registry_deps``: per present
module, the ``@cvplus/*`` dependencies whose version is not a ``file:``
path. Modules that are not present are named in the note.
"""

from __future__ import annotations

import re

from .sources import Found, load_json
from .tsexports import strip_comments

P = "onboarding.real"
SPEC = re.compile(r"\bfrom\s*['\"]@cvplus/([\w-]+)/([^'\"]+)['\"]")


def check(chk) -> None:
    if chk.facts.has(f"{P}.unexported_subpaths"):
        unexported(chk)
    if chk.facts.has(f"{P}.registry_deps"):
        registry(chk)


def loadable(module, subpath: str) -> bool:
    pkg, _ = load_json(module, "package.json")
    exports = (pkg or {}).get("exports")
    if isinstance(exports, dict) and any(k.startswith(".") for k in exports):
        want = f"./{subpath}"
        for key in exports:
            if key == want or ("*" in key and want.startswith(key.split("*")[0])
                               and want.endswith(key.split("*", 1)[1])):
                return True
        return False
    return any(module.exists(f"{subpath}{tail}") for tail in (".js", "/index.js", "/package.json"))


def unexported(chk) -> None:
    co = chk.co
    entry = str(chk.facts.get(f"{P}.functions_entry", "functions/src/index.ts"))
    key = f"{P}.unexported_subpaths"
    text = co.read(entry)
    if text is None:
        for k in (key, f"{P}.backend_loadable"):
            if chk.facts.has(k):
                chk.compare(k, None, f"{entry} not in the checkout")
        return
    code = strip_comments(text)
    found, unread, first, fine = [], set(), None, {}
    for m in SPEC.finditer(code):
        name, sub = m.group(1), m.group(2)
        module, _ = co.module(name)
        if module is None:
            unread.add(name)
            continue
        ok = loadable(module, sub)
        fine.setdefault(name, (True, code.count("\n", 0, m.start()) + 1))
        if not ok:
            fine[name] = (False, 0)
            if f"{name}/{sub}" not in found:
                found.append(f"{name}/{sub}")
                first = first or code.count("\n", 0, m.start()) + 1
    note = f"modules not present, not checked: {', '.join(sorted(unread))}" if unread else ""
    chk.compare(key, Found(sorted(found), co.where(entry, first)), note=note,
                value=sorted(chk.facts.get(key) or []))
    if chk.facts.has(f"{P}.backend_loadable"):
        good = sorted(n for n, (ok, _) in fine.items() if ok)
        line = min((ln for n, (ok, ln) in fine.items() if ok), default=None)
        chk.compare(f"{P}.backend_loadable", Found(good, co.where(entry, line)), note=note,
                    value=sorted(chk.facts.get(f"{P}.backend_loadable") or []))


def registry(chk) -> None:
    co = chk.co
    listed = chk.facts.get(f"{P}.registry_deps") or {}
    for name in (chk.facts.get(f"{P}.modules") or {}):
        key = f"{P}.registry_deps.{name}" if name in listed else f"{P}.registry_deps"
        module, how = co.module(name)
        if module is None:
            if name in listed:
                chk.compare(key, None, f"module {name} {how}")
            continue
        pkg, _ = load_json(module, "package.json")
        deps = {k: v for section in ("dependencies", "devDependencies", "peerDependencies") for k, v in ((pkg or {}).get(section) or {}).items()
                if k.startswith("@cvplus/") and not str(v).startswith("file:")}
        found = sorted(deps)
        if name in listed:
            chk.compare(key, Found(found, module.where("package.json")), value=sorted(listed[name] or []))
        elif found:
            chk.results.append(chk.result("contradicted", key, f"(no entry for {name})", module.where("package.json"),
                                          found, "a module with registry dependencies the facts lack"))
