"""Schema rules of the metamodel, enforced on every build.

Local checks look at one need: its ID form and prefix, which fields its type
must or may carry, enumerations and patterns. Graph checks look at resolved
links: targets exist and have an allowed type, and the rules of
``metamodel.yaml`` (every control carried out by a procedure, every risk
mitigated, ...) hold. Every finding is a warning at the need's ``file:line``;
``make html`` runs with ``-W``, so any finding fails the build.
"""

from __future__ import annotations

import difflib
import re
from collections import defaultdict
from pathlib import Path
from typing import Any, Iterable

from sphinx.application import Sphinx
from sphinx.util import logging

import cvplus_data

logger = logging.getLogger(__name__)
FREE_TEXT = ("manual_reason", "source_ref", "scope_reason")


def split_list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return [str(v).strip() for v in value if str(v).strip()]
    return [part.strip() for part in str(value).split(",") if part.strip()]


def local_findings(need: dict[str, Any], metamodel: dict[str, Any], platform: dict[str, Any]) -> Iterable[str]:
    """Findings about one need on its own."""
    type_name = need["type"]
    types = {t["directive"]: t for t in metamodel["types"]}
    need_id = need["id"]
    if not re.match(metamodel["id_regex"], need_id):
        yield f"{need_id}: ID is not of the form PREFIX_WORDS (upper case, digits, '_')"
    prefix = types[type_name]["prefix"]
    if not need_id.startswith(prefix):
        yield f"{need_id}: a {types[type_name]['title'].lower()} ID must start with '{prefix}'"
    spec = metamodel["type_fields"].get(type_name, {})
    allowed = set(spec.get("required", [])) | set(spec.get("optional", [])) | {"status"}
    for field in spec.get("required", []):
        if not split_list(need.get(field)):
            yield f"{need_id}: a {type_name} needs the field ':{field}:'"
    for field, fspec in metamodel["fields"].items():
        values = split_list(need.get(field))
        if not values:
            continue
        if field not in allowed:
            yield f"{need_id}: field ':{field}:' is not allowed on a {type_name}"
            continue
        if not fspec.get("list") and len(values) > 1 and field not in FREE_TEXT:
            yield f"{need_id}: field ':{field}:' takes one value, got {len(values)}"
        enum = cvplus_data.field_enum(metamodel, platform, field)
        pattern = fspec.get("pattern")
        for value in values if field not in FREE_TEXT else []:
            if enum is not None and value not in enum:
                yield f"{need_id}: ':{field}: {value}' is not one of {', '.join(enum)}"
            if pattern and not re.match(pattern, value):
                yield f"{need_id}: ':{field}: {value}' does not match {pattern}"
    if type_name == "requirement" and need.get("scope") == "out-of-scope" and not split_list(need.get("scope_reason")):
        yield f"{need_id}: an out-of-scope criterion needs ':scope_reason:' saying why"
    if type_name == "procedure" and need.get("manual_reason") is not None and not str(need.get("manual_reason")).strip():
        yield f"{need_id}: ':manual_reason:' is empty; say why the procedure cannot be run"


def graph_findings(needs: dict[str, dict[str, Any]],
                   metamodel: dict[str, Any]) -> Iterable[tuple[str, str, str | None]]:
    """(need id, finding, option) triples about links between needs; the
    option is the link field at fault (its line is the one to report), or
    None for a rule about the need as a whole."""
    incoming: dict[tuple[str, str], list[str]] = defaultdict(list)
    for need in needs.values():
        for link_name, link in metamodel["links"].items():
            for target in split_list(need.get(link_name)):
                if target not in needs:
                    close = difflib.get_close_matches(target, list(needs), n=1, cutoff=0.75)
                    hint = f"; did you mean '{close[0]}'?" if close else ""
                    yield need["id"], f"{need['id']}: ':{link_name}:' points at unknown need '{target}'{hint}", link_name
                    continue
                if need["type"] not in link["from"]:
                    yield need["id"], (
                        f"{need['id']}: a {need['type']} may not use ':{link_name}:' "
                        f"(allowed from: {', '.join(link['from'])})"
                    ), link_name
                target_type = needs[target]["type"]
                if target_type not in link["to"]:
                    yield need["id"], (
                        f"{need['id']}: ':{link_name}: {target}' points at a {target_type}; "
                        f"allowed: {', '.join(link['to'])}"
                    ), link_name
                incoming[(target, link_name)].append(need["id"])
    for rule in metamodel["rules"]:
        for need in needs.values():
            if need["type"] not in rule["types"]:
                continue
            if "incoming" in rule:
                count = len(incoming[(need["id"], rule["incoming"])])
            else:
                count = len([t for t in split_list(need.get(rule["outgoing"])) if t in needs])
            if count < rule["min"]:
                yield need["id"], f"{need['id']}: {rule['message']} (rule {rule['id']})", None


def option_line(path: Path, lineno: int, option: str) -> int:
    """The line of ``:option:`` in the directive that starts at ``lineno`` of
    ``path`` (its options follow the first line), else ``lineno``."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError:
        return lineno
    for index in range(lineno, min(len(lines), lineno + 40)):  # lineno is 1-based: start after the first line
        text = lines[index].strip()
        if not text.startswith(":"):
            break
        if text.startswith(f":{option}:"):
            return index + 1
    return lineno


def plain_needs(app: Sphinx) -> dict[str, dict[str, Any]]:
    """The resolved needs as plain dicts. sphinx-needs locks its view once the
    needs are resolved, so the copy is made once per view and shared by every
    caller of the build (seven handlers): callers must not change it."""
    from sphinx_needs.api import get_needs_view

    view = get_needs_view(app)
    cached = getattr(app, "_cvplus_plain_needs", None)
    if cached is None or cached[0] is not view:
        cached = (view, {need_id: dict(need) for need_id, need in view.items()})
        app._cvplus_plain_needs = cached
    return cached[1]


def _run(app: Sphinx, builder: Any = None) -> None:
    metamodel = app.config.cvplus_metamodel
    platform = app.config.cvplus_platform
    needs = plain_needs(app)

    def warn(need_id: str, message: str, subtype: str, option: str | None = None) -> None:
        need = needs.get(need_id, {})
        location = (need["docname"], need.get("lineno")) if need.get("docname") else None
        if location and option and need.get("lineno"):
            path = next((p for p in (Path(app.srcdir) / f"{need['docname']}{suffix}" for suffix in app.config.source_suffix)
                         if p.is_file()), Path(app.env.doc2path(need["docname"])))
            location = f"{path}:{option_line(path, int(need['lineno']), option)}"
        logger.warning(message, location=location, type="cvplus", subtype=subtype)

    for need_id, need in sorted(needs.items()):
        if need.get("is_external"):
            continue
        for finding in local_findings(need, metamodel, platform):
            warn(need_id, finding, "schema-local")
    for need_id, finding, option in graph_findings(needs, metamodel):
        warn(need_id, finding, "schema-graph", option)


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_config_value("cvplus_metamodel", {}, "env", types=[dict])
    app.connect("write-started", _run, priority=600)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
