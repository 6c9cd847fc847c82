"""The real track's module map and build order against a checkout.

Per module of ``onboarding.real.modules``: the commit the root pins
(the submodule entry ``packages/<name>``), whether the functions entry
re-exports from ``@cvplus/<name>`` (comments blanked), the root workflow
``ci-<name>.yml`` (or ``none``), and, when the module is present (work
tree or ``--modules``), its language (a ``tsconfig.json`` makes it
TypeScript), its test runner (the ``test`` script of its package.json)
and that it has no workflows of its own. A submodule in ``.gitmodules``
that the map lacks, or a module of the map that is no submodule, is a
contradiction. ``build_layers`` is compared with
the root package.json scripts ``build:layer0``, ``build:layer1``...
(the ``--workspace=@cvplus/<name>`` they build, in order).
"""

from __future__ import annotations

import re

from .sources import Found, json_value
from .tsexports import strip_comments

P = "onboarding.real"
RUNNERS = ("vitest", "jest", "mocha", "node --test")


def check(chk) -> None:
    if chk.facts.has(f"{P}.modules"):
        modules(chk)
    if chk.facts.has(f"{P}.build_layers"):
        layers(chk)


def _submodules(chk) -> dict[str, int]:
    """Module name -> line of its ``path = packages/<name>`` in .gitmodules."""
    text = chk.co.read(".gitmodules") or ""
    return {m.group(1): text.count("\n", 0, m.start()) + 1
            for m in re.finditer(r"^\s*path\s*=\s*packages/(\S+)\s*$", text, re.M)}


def runner(script: str) -> str:
    """The test runner a package.json ``test`` script calls."""
    hits = [(script.find(r), r) for r in RUNNERS if re.search(rf"(^|[\s/]){re.escape(r)}\b", script)]
    return min(hits)[1] if hits else f"({script})"


def modules(chk) -> None:
    co, facts = chk.co, chk.facts
    entry = str(facts.get(f"{P}.functions_entry", "functions/src/index.ts"))
    index = co.read(entry)
    code = strip_comments(index) if index is not None else None
    has_workflows = bool(co.files(".github/workflows"))
    listed = facts.get(f"{P}.modules") or {}
    for name, sub in _submodules(chk).items():
        if name not in listed:
            chk.results.append(chk.result("contradicted", f"{P}.modules", "(not in the map)",
                                          co.where(".gitmodules", sub), f"packages/{name}",
                                          "a submodule the module map lacks"))
    for name, fact in listed.items():
        key = f"{P}.modules.{name}"
        rel = f"packages/{name}"
        pin = co.gitlink(rel)
        if "commit" in fact:
            short = str(fact["commit"])
            found = (Found(pin[:len(short)], co.where(rel)) if pin else
                     Found(f"(no submodule {rel})", co.where(".gitmodules")) if co.exists(".gitmodules") else None)
            chk.compare(f"{key}.commit", found, "no .gitmodules: the checkout has no submodules")
        if "exports_functions" in fact:
            m = re.search(rf"\bexport\s*(?:\{{[^}}]*\}}|\*)\s*from\s*['\"]@cvplus/{re.escape(name)}(?:/[^'\"]*)?['\"]",
                          code or "")
            chk.compare(f"{key}.exports_functions",
                        None if code is None else Found(bool(m), co.where(entry, code.count("\n", 0, m.start()) + 1)
                                                        if m else co.where(entry)),
                        f"{entry} not in the checkout")
        if "ci_workflow" in fact:
            wf = f".github/workflows/ci-{name}.yml"
            chk.compare(f"{key}.ci_workflow",
                        Found(f"ci-{name}.yml" if co.exists(wf) else "none", co.where(wf if co.exists(wf) else
                                                                                      ".github/workflows"))
                        if has_workflows else None, "no .github/workflows in the checkout")
        module, how = co.module(name)
        for field in ("language", "test"):
            if field not in fact:
                continue
            if module is None:
                chk.compare(f"{key}.{field}", None, f"module {name} {how}")
            elif field == "language":
                ts = module.exists("tsconfig.json")
                chk.compare(f"{key}.language", Found("TypeScript" if ts else "JavaScript",
                                                     module.where("tsconfig.json" if ts else "package.json")))
            else:
                script = json_value(module, "package.json", ["scripts", "test"])
                chk.compare(f"{key}.test", Found(runner(str(script.value)), script.where) if script else
                            Found("(no test script)", module.where("package.json")))
        if module is not None and "ci_workflow" in fact:
            own = module.files(".github/workflows")
            if own:
                chk.results.append(chk.result("contradicted", f"{key}.ci_workflow", fact["ci_workflow"],
                                              module.where(own[0]), f"{len(own)} workflow file(s) of its own",
                                              "the module map says modules have no CI of their own"))


def layers(chk) -> None:
    co, facts = chk.co, chk.facts
    expected = facts.get(f"{P}.build_layers") or []
    if json_value(co, "package.json", ["scripts"]) is None:
        for i in range(len(expected)):
            chk.compare(f"{P}.build_layers[{i}]", None, "no package.json scripts in the checkout")
        return
    i = 0
    while True:
        script = json_value(co, "package.json", ["scripts", f"build:layer{i}"])
        if script is None and i >= len(expected):
            break
        key = f"{P}.build_layers[{i}]"
        if script is None:
            chk.compare(key, Found("(no such script)", co.where("package.json")))
        elif i >= len(expected):
            chk.results.append(chk.result("contradicted", f"{P}.build_layers", "(no such layer)", script.where,
                                          f"build:layer{i}", "a build layer the facts lack"))
        else:
            names = re.findall(r"--workspace=@cvplus/([\w-]+)", str(script.value))
            chk.compare(key, Found(names, script.where), note=f"build:layer{i}")
        i += 1
