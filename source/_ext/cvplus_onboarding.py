"""The real track's module map and build order, from the facts file.

One concern: render ``onboarding.real.modules`` and
``onboarding.real.build_layers`` of platform.yaml as tables, so that the
real-track lesson states only what the facts file holds (and what the
reality check compares with a checkout).

``{onboarding-modules}``       module, repository, pinned commit, language, test runner, CI, exports functions
``{onboarding-build-layers}``  the build layers in order

A module without one of the fields, or a build layer naming a module the
map does not have, fails the build with the facts file named.
"""

from __future__ import annotations

from typing import Any

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective

import cvplus_tables as tables

FIELDS = ("commit", "language", "test", "exports_functions", "ci_workflow")


def module_rows(facts: dict) -> list[list[str]]:
    """One row per module; ValueError naming the facts key when a field is missing."""
    real = facts.get("onboarding", {}).get("real", {})
    modules = real.get("modules")
    if not isinstance(modules, dict) or not modules:
        raise ValueError("platform.yaml: onboarding.real.modules is missing or empty")
    rows = []
    for name, spec in modules.items():
        missing = [f for f in FIELDS if f not in (spec or {})]
        if missing:
            raise ValueError(f"platform.yaml: onboarding.real.modules.{name} lacks {', '.join(missing)}")
        rows.append([f"packages/{name}", f"cvplus-{name}", str(spec["commit"]), str(spec["language"]),
                     str(spec["test"]), "yes" if spec["exports_functions"] else "no",
                     "none" if spec["ci_workflow"] == "none" else f"root {spec['ci_workflow']}"])
    return rows


def layer_rows(facts: dict) -> list[list[str]]:
    real = facts.get("onboarding", {}).get("real", {})
    modules = set(real.get("modules") or {})
    rows = []
    for index, layer in enumerate(real.get("build_layers") or []):
        unknown = [m for m in layer if m not in modules]
        if unknown:
            raise ValueError(f"platform.yaml: onboarding.real.build_layers names {', '.join(unknown)}, "
                             "which onboarding.real.modules does not have")
        rows.append([str(index), ", ".join(layer)])
    if not rows:
        raise ValueError("platform.yaml: onboarding.real.build_layers is missing or empty")
    return rows


class _FactsTable(SphinxDirective):
    has_content = False

    def rows(self) -> list[list[str]]:
        raise NotImplementedError

    def table(self, headers: list[str], widths: list[int]) -> list[nodes.Node]:
        try:
            rows = self.rows()
        except ValueError as exc:
            raise self.error(str(exc)) from None
        return [tables.table(headers, rows, ["cvplus-onboarding"], widths)]


class OnboardingModules(_FactsTable):
    def rows(self) -> list[list[str]]:
        return module_rows(self.config.cvplus_platform)

    def run(self) -> list[nodes.Node]:
        return self.table(["Module", "Repository", "Pinned commit", "Language", "Test runner",
                           "Exports functions", "CI"], [18, 20, 12, 12, 12, 10, 16])


class OnboardingBuildLayers(_FactsTable):
    def rows(self) -> list[list[str]]:
        return layer_rows(self.config.cvplus_platform)

    def run(self) -> list[nodes.Node]:
        return self.table(["Layer", "Modules built in it"], [15, 85])


def setup(app: Sphinx) -> dict[str, Any]:
    app.setup_extension("cvplus_facts")
    app.add_directive("onboarding-modules", OnboardingModules)
    app.add_directive("onboarding-build-layers", OnboardingBuildLayers)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
