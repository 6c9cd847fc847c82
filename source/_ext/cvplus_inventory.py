"""The Cloud Functions inventory, rendered from the functions in platform.yaml.

``{functions-inventory}`` prints one table per function group (health,
payments, ai, media, scheduled, in the order the facts file first names
them) with each function's trigger, timeout, memory, concurrency and
instance limits. A setting the facts file does not give for a function is
shown as the platform default it falls back to, marked "default", so the
table never invents a CVPlus value. ``:group: NAME`` narrows it to one
group; an unknown group fails the build.
"""

from __future__ import annotations

from typing import Any

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective

import cvplus_tables as tables

# What Cloud Functions 2nd gen (through firebase-functions) uses when a
# function sets nothing; shown as "default (...)". Sources: firebase-functions
# src/v2/options.ts and firebase-tools validate.ts (timeout 60 s, 256 MiB,
# concurrency 80 with one CPU, no minimum instances). The maximum depends on
# the codebase's setGlobalOptions, so it is shown as "default" only.
DEFAULTS = {
    "timeout_s": "default (60 s)",
    "memory": "default (256MiB)",
    "concurrency": "default (80)",
    "min_instances": "default (0)",
    "max_instances": "default",
}
COLUMNS = [
    ("Function", None),
    ("Trigger", "trigger"),
    ("Timeout", "timeout_s"),
    ("Memory", "memory"),
    ("Concurrency", "concurrency"),
    ("Min instances", "min_instances"),
    ("Max instances", "max_instances"),
]


def groups(functions: dict[str, dict]) -> dict[str, list[str]]:
    """Group name -> function names, in the order the facts file lists them."""
    result: dict[str, list[str]] = {}
    for name, spec in functions.items():
        result.setdefault(spec.get("group", "other"), []).append(name)
    return result


def cell(spec: dict, key: str) -> str:
    if key not in spec:
        return DEFAULTS.get(key, "")
    value = spec[key]
    if key == "timeout_s":
        return f"{value} s"
    if key == "trigger" and spec.get("schedule"):
        return f"{value} ({spec['schedule']} {spec.get('time_zone', '')})".replace(" )", ")")
    return str(value)


class FunctionsInventory(SphinxDirective):
    option_spec = {"group": directives.unchanged}

    def run(self) -> list[nodes.Node]:
        functions = self.config.cvplus_platform["functions"]
        by_group = groups(functions)
        wanted = self.options.get("group", "").strip()
        if wanted and wanted not in by_group:
            raise self.error(f"functions-inventory: unknown group '{wanted}'; known: {', '.join(by_group)}")
        output: list[nodes.Node] = []
        for group_name, names in by_group.items():
            if wanted and group_name != wanted:
                continue
            rows = [[nodes.literal(text=name), *(cell(functions[name], key) for _label, key in COLUMNS[1:])]
                    for name in names]
            table = tables.table([label for label, _key in COLUMNS], rows, ["cvplus-inventory"],
                                 title=f"Group {group_name}: {len(names)} function(s)")
            output.append(table)
        return output


def setup(app: Sphinx) -> dict[str, Any]:
    app.setup_extension("cvplus_facts")
    app.add_directive("functions-inventory", FunctionsInventory)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
