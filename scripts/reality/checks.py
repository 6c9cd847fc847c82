"""The comparisons: one ``Result`` per fact of the manual.

Each check reads a fact (facts file or fixture provenance, with its line)
and the CVPlus source that settles it (with its line) and gives:

- ``confirmed``: the checkout says the same;
- ``settled``: the same, for a value listed under ``to_confirm``;
- ``contradicted``: the checkout says something else (fails the command);
- ``absent``: the checkout does not say (file missing, module not present);
- ``uncheckable``: no checkout can settle it (``uncheckable.yaml``, with why).

Checks: project IDs and Hosting sites (.firebaserc, CI workflows), the
simple values listed in ``anchors.yaml``, functions (existence, kind,
timeout, memory, instances, schedule, region) and their total, secrets,
npm scripts, the web app folder, and the fixture's provenance tables
(functions and deployment-script options, checked against the scripts'
argument handling). The real track's facts (``onboarding.real``) are
checked by ``onboarding``, ``emu``, ``modulemap``, ``subpaths`` and
``ciworkflows``; ``contracts`` compares the API lesson's request and
answer fields with the function sources;
``uncheckable`` reports the facts no checkout settles. A malformed anchor or provenance entry raises
``CheckError`` naming its file and line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from .checkout import Checkout
from .facts import Facts
from .shellargs import options as script_options
from .sources import Found, find, json_value, load_json, workflow_env_values, workflow_matches
from .tsexports import Inventory

ANCHORS = Path(__file__).with_name("anchors.yaml")
KIND_WORDS = {"https": "https", "callable": "callable", "schedule": "schedule", "event": "event"}
FUNCTION_FIELDS = {"timeout_s": "timeoutSeconds", "memory": "memory", "max_instances": "maxInstances",
                   "schedule": "schedule", "time_zone": "timeZone", "region": "region"}


class CheckError(Exception):
    """An anchor or provenance entry is malformed."""


@dataclass
class Result:
    status: str
    ours: str  # "platform.yaml:LINE"
    key: str
    value: object
    theirs: str = ""  # "<cvplus path>:LINE" or the reason it is absent
    found: object = None
    note: str = ""


def keyed_table(path: Path) -> list[tuple[str, object, int]]:
    """(key, value, line) for each top-level entry of a YAML table of facts
    keys; bad YAML raises CheckError naming path:line."""
    text = path.read_text(encoding="utf-8")
    try:
        table = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise CheckError(f"{path}:{mark.line + 1 if mark else 0}: not valid YAML") from exc
    lines = text.splitlines()
    return [(key, value, next((i for i, ln in enumerate(lines, 1) if ln.startswith(f"{key}:")), 0))
            for key, value in table.items()]


def _same(a, b) -> bool:
    def norm(v):
        if isinstance(v, (int, float)) or (isinstance(v, str) and re.fullmatch(r"-?\d+(\.\d+)?", v)):
            return float(v)
        return str(v).strip()
    return norm(a) == norm(b)


class Checker:
    def __init__(self, co: Checkout, facts: Facts, inv: Inventory, provenance: Facts | None,
                 anchors: Path = ANCHORS, uncheckable: Path | None = None):
        self.co, self.facts, self.inv, self.prov = co, facts, inv, provenance
        self.anchors_path = anchors
        self.uncheckable_path = uncheckable or Path(__file__).with_name("uncheckable.yaml")
        self.results: list[Result] = []
        self._older: dict[str, Inventory] = {}

    # -- recording -----------------------------------------------------------
    def compare(self, key: str, found: Found | None, why_absent: str = "", note: str = "",
                facts: Facts | None = None, value=None) -> None:
        facts = facts or self.facts
        ours = facts.where(key)
        value = facts.get(key) if value is None else value
        if found is None:
            self.results.append(Result("absent", ours, key, value, why_absent, None, note))
            return
        same = _same(value, found.value)
        status = "contradicted" if not same else ("settled" if facts.to_confirm(key) else "confirmed")
        self.results.append(Result(status, ours, key, value, found.where, found.value, note))

    def result(self, status: str, key: str, value, theirs: str, found=None, note: str = "") -> Result:
        """A result recorded as is (not a value comparison)."""
        return Result(status, self.facts.where(key), key, value, theirs, found, note)

    # -- checks --------------------------------------------------------------
    def run(self) -> list[Result]:
        from . import ciworkflows, contracts, emu, modulemap, onboarding, subpaths, uncheckable
        self.envs()
        self.anchors()
        onboarding.check(self)
        emu.check(self)
        modulemap.check(self)
        subpaths.check(self)
        ciworkflows.check(self)
        contracts.check(self)
        uncheckable.check(self, self.uncheckable_path)
        self.functions()
        self.secrets()
        self.npm_scripts()
        self.web_app()
        if self.prov is not None:
            self.provenance_functions()
            self.provenance_scripts()
        return self.results

    def envs(self) -> None:
        firebaserc, _ = load_json(self.co, ".firebaserc")
        projects = workflow_env_values(self.co, "FIREBASE_PROJECT")
        urls = workflow_env_values(self.co, "HOSTING_URL")
        for env, data in (self.facts.get("envs") or {}).items():
            name = data.get("name", env)
            key = f"envs.{env}.project_id"
            if firebaserc is not None:
                self.compare(key, json_value(self.co, ".firebaserc", ["projects", env]),
                             f".firebaserc has no alias {env}")
            else:
                self.results.append(Result("absent", self.facts.where(key), key, data.get("project_id"),
                                           ".firebaserc is not committed", None, "alias"))
            for f in projects.get(name, []) or [None]:
                self.compare(key, f, f"no CI workflow names the {name} project")
            key = f"envs.{env}.hosting_site"
            for f in urls.get(name, []) or [None]:
                site = Found(re.sub(r"^https://([^.]+)\.(web\.app|firebaseapp\.com).*$", r"\1", f.value), f.where) if f else None
                self.compare(key, site, f"no CI workflow names the {name} Hosting URL")
        hosting = json_value(self.co, "firebase.json", ["hosting"])
        if hosting is not None and isinstance(hosting.value, dict):
            for field_ in ("site", "target"):
                if field_ in hosting.value:
                    self.results.append(Result("contradicted", "platform.yaml:0", f"firebase.json hosting.{field_}",
                                               None, hosting.where, hosting.value[field_],
                                               "firebase.json names a Hosting site/target the facts file does not model"))

    def anchors(self) -> None:
        path = self.anchors_path
        for key, spec, line in keyed_table(path):
            if not isinstance(spec, dict) or "file" not in spec or not ({"json", "find"} & spec.keys()):
                raise CheckError(f"{path}:{line}: {key}: needs file and json or find")
            if not self.facts.has(key):
                raise CheckError(f"{path}:{line}: {key} is not in {self.facts.path.name}")
            if "json" in spec:
                found = json_value(self.co, spec["file"], [str(k) for k in spec["json"]])
            else:
                found = find(self.co, spec["file"], spec["find"])
            if found is not None and "scale" in spec:
                found = Found(round(float(found.value) * float(spec["scale"]), 6), found.where)
            why = f"{spec['file']} not in the checkout" if not self.co.exists(spec["file"]) else f"{spec['file']} does not say"
            self.compare(key, found, why)

    def functions(self) -> None:
        inv = self.inv
        if inv.total_constant:
            value, line = inv.total_constant
            self.compare("total_functions", Found(value, self.co.where("functions/src/index.ts", line)),
                         note="a constant in the code")
        if self.facts.has("exported_functions"):
            n = len(inv.root_exports)
            first = min(inv.root_exports.values()) if n else 0
            self.compare("exported_functions", Found(n, self.co.where("functions/src/index.ts", first)) if n else None,
                         "functions/src/index.ts not in the checkout", note="names exported by the index")
        regions = {d.options.get("region") for d in inv.definitions.values() if d.options.get("region")}
        for r in sorted(regions):
            d = next(d for d in inv.definitions.values() if d.options.get("region") == r)
            self.compare("region", Found(r, d.where), note="region option of a function")
        index_present = self.co.exists("functions/src/index.ts")
        for name, fact in (self.facts.get("functions") or {}).items():
            key = f"functions.{name}"
            if not index_present:
                self.compare(key, None, "functions/src/index.ts not in the checkout", value="exported")
                continue
            older = fact.get("only_before")
            d = inv.definitions.get(name)
            if older:
                where = d.where if d else self.co.where("functions/src/index.ts")
                status_found = Found("exported" if (d or name in inv.root_exports) else f"not exported", where)
                self.compare(f"{key}.only_before", status_found, value="not exported",
                             note=f"exported only at older commits ({older})")
                self.older_function(name, fact, str(older))
                continue
            if fact.get("unresolved"):
                miss = inv.missing.get(name)
                found = (Found("unresolved", miss.where) if miss and not miss.absent_module else
                         Found("resolves" if d else "absent", d.where if d else self.co.where("functions/src/index.ts")))
                self.compare(f"{key}.unresolved", None if (miss and miss.absent_module) else found,
                             miss.reason if miss else "", value="unresolved", note=str(fact["unresolved"]))
                continue
            if d is None:
                miss = inv.missing.get(name)
                if miss is not None and miss.absent_module:
                    self.compare(key, None, f"{miss.where}: {miss.reason}")
                elif miss is not None:
                    self.compare(key, Found(f"unresolved: {miss.reason}", miss.where), value="a function")
                else:
                    self.compare(key, Found("not exported", self.co.where("functions/src/index.ts")),
                                 value="exported")
                continue
            self.compare(f"{key}.trigger", Found(d.kind, d.where))
            for ours, theirs in FUNCTION_FIELDS.items():
                if ours in fact:
                    self.compare(f"{key}.{ours}",
                                 Found(d.options[theirs], d.where) if theirs in d.options else
                                 Found("(not set: platform default)", d.where))

    def older_function(self, name: str, fact: dict, rev: str) -> None:
        """Check a function's values at the older commit that exported it."""
        key = f"functions.{name}"
        old = self.co.at(rev)
        if old is None:
            self.compare(f"{key}.only_before", None, f"commit {rev} is not in the checkout's history",
                         value=f"exported at {rev}")
            return
        if rev not in self._older:
            from .tsexports import inventory
            self._older[rev] = inventory(old)
        d = self._older[rev].definitions.get(name)
        where = f"{d.where}@{rev}" if d else f"functions/src/index.ts@{rev}"
        self.compare(f"{key}.only_before", Found(f"exported at {rev}" if d else "not exported", where),
                     value=f"exported at {rev}")
        if d is None:
            return
        self.compare(f"{key}.trigger", Found(d.kind, where))
        for ours, theirs in FUNCTION_FIELDS.items():
            if ours in fact:
                self.compare(f"{key}.{ours}", Found(d.options.get(theirs, "(not set: platform default)"), where))

    def secrets(self) -> None:
        for i, name in enumerate(self.facts.get("secrets", {}).get("functions") or []):
            key = f"secrets.functions[{i}]"
            uses = self.inv.secret_uses.get(name)
            self.compare(key, Found(name, uses[0]) if uses else None,
                         f"declared by no function in the sources present (absent modules: "
                         f"{', '.join(sorted(m for m, how in self.inv.modules.items() if how.startswith('absent'))) or 'none'})")
        uses = workflow_matches(self.co, r"secrets\.([A-Z0-9_]+)")
        for i, name in enumerate(self.facts.get("secrets", {}).get("ci") or []):
            key = f"secrets.ci[{i}]"
            self.compare(key, uses[name][0] if name in uses else None, "no CI workflow reads this secret")

    def npm_scripts(self) -> None:
        for where, scripts in (self.facts.get("npm_scripts") or {}).items():
            rel = "package.json" if where == "root" else f"{where}/package.json"
            for script in scripts:
                key = f"npm_scripts.{where}.{script}"
                self.compare(key, json_value(self.co, rel, ["scripts", script]),
                             f"{rel} has no script {script}" if self.co.exists(rel) else f"no {rel}")

    def web_app(self) -> None:
        if not self.facts.has("web_app_dir"):
            return
        rel = self.facts.get("web_app_dir")
        pin = self.co.gitlink(rel)
        parent = rel.rsplit("/", 1)[0] if "/" in rel else ""
        if parent and not self.co.exists(parent):
            self.compare("web_app_dir", None, f"no {parent}/ in the checkout")
        elif self.co.exists(rel):
            how = f"submodule pinned at {pin[:7]}" if pin else "folder"
            self.compare("web_app_dir", Found(rel, self.co.where(rel)), note=how)
        else:
            self.compare("web_app_dir", Found("(no such folder)", self.co.where(".")))

    # -- the fixture's provenance -------------------------------------------
    def provenance_functions(self) -> None:
        for name in (self.prov.get("functions") or {}):
            key = f"functions.{name}"
            cited = self.prov.get(f"{key}.cvplus")
            kind = self.prov.get(f"{key}.kind")
            if not cited or not kind:
                raise CheckError(f"{self.prov.where(key)}: {key} needs cvplus (path:line) and kind")
            d = self.inv.definitions.get(name)
            if d is None:
                miss = self.inv.missing.get(name)
                self.compare(f"{key}.cvplus", None, miss.reason if miss else "not exported", facts=self.prov)
                continue
            self.compare(f"{key}.cvplus", Found(d.where, d.where), facts=self.prov)
            self.compare(f"{key}.kind", Found(d.kind, d.where), facts=self.prov)

    def provenance_scripts(self) -> None:
        for sid, spec in (self.prov.get("scripts") or {}).items():
            key = f"scripts.{sid}"
            rel = spec.get("cvplus") if isinstance(spec, dict) else None
            if not rel:
                raise CheckError(f"{self.prov.where(key)}: {key} needs cvplus (the script's path)")
            text = self.co.read(rel)
            if text is None:
                self.compare(f"{key}.cvplus", None, f"{rel} not in the checkout", facts=self.prov)
                continue
            arms = script_options(text)
            modelled = []
            for i, opt in enumerate(spec.get("options") or []):
                okey = f"{key}.options[{i}]"
                if not isinstance(opt, dict) or "option" not in opt or "lines" not in opt:
                    raise CheckError(f"{self.prov.where(okey)}: {okey} needs option and lines")
                patterns = str(opt["option"]).split("|")
                modelled.extend(patterns)
                arm = next((a for a in arms if a.patterns == patterns), None)
                if arm is None:
                    self.compare(f"{okey}.option", Found("(no such case arm)", self.co.where(rel)), facts=self.prov)
                    continue
                self.compare(f"{okey}.lines", Found(f"{arm.line}-{arm.end}", self.co.where(rel, arm.line)),
                             facts=self.prov)
                for var, val in (opt.get("sets") or {}).items():
                    self.compare(f"{okey}.sets.{var}", Found(arm.sets.get(var, "(not set)"), self.co.where(rel, arm.line)),
                                 facts=self.prov)
                if "exit" in opt:
                    self.compare(f"{okey}.exit", Found(arm.exit if arm.exit is not None else "(none)",
                                                       self.co.where(rel, arm.line)), facts=self.prov)
            lines = text.splitlines()
            for i, beh in enumerate(spec.get("behaviour") or []):
                bkey = f"{key}.behaviour[{i}]"
                m = re.fullmatch(r"(\d+)-(\d+)", str(beh.get("lines", ""))) if isinstance(beh, dict) else None
                if not m or "contains" not in beh:
                    raise CheckError(f"{self.prov.where(bkey)}: {bkey} needs lines (A-B) and contains")
                a, b = int(m.group(1)), int(m.group(2))
                hit = next((n for n in range(a, min(b, len(lines)) + 1)
                            if re.search(beh["contains"], lines[n - 1])), None)
                self.compare(f"{bkey}.lines", Found(beh["lines"] if hit else f"(/{beh['contains']}/ not in {a}-{b})",
                                                    self.co.where(rel, hit or a)), facts=self.prov)
            if spec.get("arguments") == "ignored":
                self.compare(f"{key}.arguments", Found("ignored" if not arms else f"{len(arms)} case arms",
                                                       self.co.where(rel)), facts=self.prov)
            for arm in arms:
                missing = [p for p in arm.patterns if p not in modelled]
                if missing and spec.get("arguments") != "ignored":
                    self.results.append(Result("contradicted", self.prov.where(key), f"{key}.options", "(not modelled)",
                                               self.co.where(rel, arm.line), "|".join(arm.patterns),
                                               "the script handles an option the table lacks"))
