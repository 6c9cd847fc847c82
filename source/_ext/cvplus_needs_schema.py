"""sphinx-needs' own schema validation, generated from the metamodel.

No Sphinx here: plain functions from ``source/_data/metamodel.yaml`` (and
the roles of platform.yaml) to sphinx-needs 9.1 configuration, and back
from its findings to a sentence in the manual's words.

- ``field_schema``: the ``schema`` of each field in ``needs_fields``: an
  enum, a comma list of enum values (list fields are stored as text), one
  value only, or any text that is not blank (``free_text``).
- ``schema_definitions``: ``needs_schema_definitions``, one entry per rule:
  the ID prefix of each type; which fields and links a type must or may
  carry (``required``, ``unevaluatedProperties: false``); which types each
  link may point at (``network`` ``items``); the metamodel's ``rules``, over
  outgoing links (``network``) or incoming ones (``network_back``), with
  ``minContains``; and a conditional ``required`` (``when``).
- ``describe``: one finding of sphinx-needs' report (``schema_violations.json``)
  as ``(sentence, option)``; cvplus_checks logs it at the need's file:line.

How the build fails: sphinx-needs runs these schemas on every build;
cvplus_checks re-emits each violation as a warning at the need's location,
and ``make html`` runs with ``-W``.
"""

from __future__ import annotations

import re
from typing import Any

from cvplus_data import field_enum, free_text_fields, split_list

# links every need may carry whatever the metamodel says (sphinx-needs' own)
NEUTRAL_LINKS = ("links", "parent_needs")


def _list_pattern(values: list[str]) -> str:
    one = "(" + "|".join(re.escape(v) for v in values) + ")"
    return rf"^\s*{one}(\s*,\s*{one})*\s*$"


def field_schema(metamodel: dict[str, Any], platform: dict[str, Any], name: str) -> dict[str, Any] | None:
    """The JSON schema of one field's value, or None when any value goes."""
    spec = metamodel["fields"][name]
    if name in free_text_fields(metamodel):
        return {"type": "string", "pattern": r"\S"}
    enum = field_enum(metamodel, platform, name)
    if spec.get("list"):
        return {"type": "string", "pattern": _list_pattern(enum)} if enum is not None else None
    if enum is not None:
        return {"type": "string", "enum": enum}
    return {"type": "string", "pattern": spec.get("pattern") or r"^[^,]*$"}


def _select(types: list[str], when: dict[str, str] | None = None) -> dict[str, Any]:
    props: dict[str, Any] = {"type": {"enum": list(types)}}
    props.update({field: {"const": value} for field, value in (when or {}).items()})
    return {"properties": props, "required": ["type", *(when or {})]}


def schema_definitions(metamodel: dict[str, Any]) -> dict[str, Any]:
    """``needs_schema_definitions``; each entry's ``id`` names what it checks
    (``prefix:TYPE``, ``fields:TYPE``, ``targets:TYPE:LINK`` or a rule id)."""
    schemas: list[dict[str, Any]] = []
    links = metamodel["links"]
    for spec in metamodel["types"]:
        type_name = spec["directive"]
        schemas.append({"id": f"prefix:{type_name}", "select": _select([type_name]),
                        "validate": {"local": {"properties": {"id": {"pattern": "^" + re.escape(spec["prefix"])}}}}})
        fields = metamodel["type_fields"].get(type_name, {})
        allowed = [*fields.get("required", []), *fields.get("optional", []), "status"]
        from_here = [name for name, link in links.items() if type_name in link["from"]]
        local = {"properties": {name: {} for name in dict.fromkeys([*allowed, *from_here, *NEUTRAL_LINKS])},
                 "unevaluatedProperties": False}
        if fields.get("required"):
            local["required"] = list(fields["required"])
        schemas.append({"id": f"fields:{type_name}", "select": _select([type_name]), "validate": {"local": local}})
        for link_name in from_here:
            schemas.append({
                "id": f"targets:{type_name}:{link_name}", "select": _select([type_name]),
                "validate": {"network": {link_name: {"items": {"local": {
                    "properties": {"type": {"enum": list(links[link_name]["to"])}}, "required": ["type"]}}}}},
            })
    for rule in metamodel["rules"]:
        entry: dict[str, Any] = {"id": rule["id"], "message": rule["message"],
                                 "select": _select(rule["types"], rule.get("when"))}
        if "required" in rule:
            entry["validate"] = {"local": {"required": list(rule["required"])}}
        else:
            direction, link_name = ("network_back", rule["incoming"]) if "incoming" in rule else ("network", rule["outgoing"])
            # any resolved need counts (its type is checked by targets:...)
            entry["validate"] = {direction: {link_name: {
                "contains": {"local": {"properties": {"id": {"type": "string"}}}}, "minContains": rule["min"]}}}
        schemas.append(entry)
    return {"schemas": schemas}


_REQUIRED = re.compile(r'^"([^"]+)" is a required property')
_UNEXPECTED = re.compile(r"\('?([^)]*?)'? (?:was|were) unexpected\)")


def describe(finding: dict[str, Any], need: dict[str, Any], needs: dict[str, dict[str, Any]],
             metamodel: dict[str, Any], platform: dict[str, Any]) -> list[tuple[str, str | None]]:
    """One finding of sphinx-needs' report as sentences, each with the option
    whose line to report (None: the need's first line). ``finding`` is an
    entry of ``schema_violations.json``'s ``validation_warnings``."""
    details = finding.get("details", {})
    message = details.get("validation_msg", "")
    need_id = need["id"]
    type_name = need["type"]
    schema = (details.get("schema_path") or "").split(" > ")[0].rsplit("[", 1)[0]
    if finding.get("subtype") == "field_fail":
        field = details.get("field", "")
        if field in metamodel["fields"]:
            value = need.get(field)
            if field in free_text_fields(metamodel):
                return [(f"{need_id}: ':{field}:' is empty; say why", None)]
            enum = field_enum(metamodel, platform, field)
            values = split_list(value)
            if enum is not None:
                bad = [v for v in values if v not in enum] or [str(value)]
                return [(f"{need_id}: ':{field}: {v}' is not one of {', '.join(enum)}", None) for v in bad]
            if len(values) > 1:
                return [(f"{need_id}: field ':{field}:' takes one value, got {len(values)}", None)]
        return [(f"{need_id}: ':{field}: {need.get(field)}': {message}", None)]
    if schema.startswith("prefix:"):
        spec = next(t for t in metamodel["types"] if t["directive"] == type_name)
        return [(f"{need_id}: a {spec['title'].lower()} ID must start with '{spec['prefix']}'", None)]
    if schema.startswith("fields:"):
        if match := _REQUIRED.search(message):
            return [(f"{need_id}: a {type_name} needs the field ':{match.group(1)}:'", None)]
        if match := _UNEXPECTED.search(message):
            out = []
            for name in [n.strip(" '") for n in match.group(1).split(",")]:
                if name in metamodel["links"]:
                    allowed = ", ".join(metamodel["links"][name]["from"])
                    out.append((f"{need_id}: a {type_name} may not use ':{name}:' (allowed from: {allowed})", name))
                else:
                    out.append((f"{need_id}: field ':{name}:' is not allowed on a {type_name}", None))
            return out
    if schema.startswith("targets:"):
        link_name = schema.split(":")[2]
        allowed = ", ".join(metamodel["links"][link_name]["to"])
        # sphinx-needs reports the target that failed as the last step of the need path
        path = (details.get("need_path") or "").split(" > ")
        bad = [c["need_id"] for c in finding.get("children", [])] + (path[-1:] if len(path) > 2 else [])
        return [(f"{need_id}: ':{link_name}: {t}' points at a {needs.get(t, {}).get('type')}; allowed: {allowed}", link_name)
                for t in dict.fromkeys(bad)] or [(f"{need_id}: ':{link_name}:' {message}", link_name)]
    rule = next((r for r in metamodel["rules"] if r["id"] == schema), None)
    if rule is not None:
        return [(f"{need_id}: {rule['message']} (rule {rule['id']})", None)]
    return [(f"{need_id}: schema {schema}: {message}", None)]
