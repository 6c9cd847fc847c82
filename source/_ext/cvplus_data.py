"""Load the manual's two data files: platform facts and the metamodel.

One concern: reading YAML from ``source/_data`` and reporting bad input as
``file:line: message``. Sphinx extensions, scripts and tests all read the
data through this module, so there is exactly one parser.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

DATA_DIR = Path(__file__).resolve().parent.parent / "_data"
PLATFORM_FILE = DATA_DIR / "platform.yaml"
METAMODEL_FILE = DATA_DIR / "metamodel.yaml"
PERMISSIONS_FILE = DATA_DIR / "permissions.yaml"
# libyaml's parser when PyYAML has it (the wheels do): the same documents,
# loaded about twenty times faster, on every build (issue 18, build speed).
YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def parse_yaml(text: str) -> Any:
    """``yaml.safe_load`` through :data:`YAML_LOADER`; raises ``yaml.YAMLError``."""
    return yaml.load(text, Loader=YAML_LOADER)  # noqa: S506 (a safe loader)


class DataError(Exception):
    """A data file is malformed; the message names ``file:line``."""


def _load(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise DataError(f"{path}: cannot read: {exc.strerror}") from exc
    try:
        data = parse_yaml(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 1
        problem = getattr(exc, "problem", None) or str(exc)
        raise DataError(f"{path}:{line}: invalid YAML: {problem}") from exc
    if not isinstance(data, dict):
        raise DataError(f"{path}:1: expected a mapping at the top level")
    return data


def line_of(path: Path, key: str) -> int:
    """Best-effort line number of the first line that starts ``key:``."""
    needle = key.split(".")[-1] + ":"
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip().startswith(needle):
            return number
    return 1


def split_list(value: Any) -> list[str]:
    """A need field's values: a list as given, or a comma-separated string split and stripped."""
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return [str(v).strip() for v in value if str(v).strip()]
    return [part.strip() for part in str(value).split(",") if part.strip()]


def lookup(data: dict[str, Any], dotted: str) -> Any:
    """Return ``data[a][b]`` for ``"a.b"``; KeyError if any part is missing."""
    value: Any = data
    for part in dotted.split("."):
        if not isinstance(value, dict) or part not in value:
            raise KeyError(dotted)
        value = value[part]
    return value


def load_platform(path: Path = PLATFORM_FILE) -> dict[str, Any]:
    data = _load(path)
    for key in ("product", "region", "runtime", "envs", "roles", "to_confirm"):
        if key not in data:
            raise DataError(f"{path}:1: required key '{key}' is missing")
    for dotted in data["to_confirm"]:
        try:
            lookup(data, dotted)
        except KeyError:
            raise DataError(
                f"{path}:{line_of(path, dotted)}: to_confirm names '{dotted}', "
                "which is not a key of this file"
            ) from None
    return data


def load_permissions(path: Path = PERMISSIONS_FILE) -> dict[str, Any]:
    """The IAM permissions of API methods and of the manual's commands (permissions.yaml)."""
    data = _load(path)
    for key in ("methods", "exceptions", "commands"):
        if not isinstance(data.get(key), dict):
            raise DataError(f"{path}:1: required mapping '{key}' is missing")
    return data


def load_metamodel(path: Path = METAMODEL_FILE) -> dict[str, Any]:
    """The metamodel, checked, with each field's ``enum_of`` resolved.

    ``enum_of: frameworks`` takes the keys of ``frameworks``, ``enum_of:
    release_phases`` its items (``enum_extra`` appends values), so a
    framework or phase is written once.
    """
    data = _load(path)
    for key in ("id_regex", "types", "fields", "links", "type_fields", "rules", "frameworks", "release_phases"):
        if key not in data:
            raise DataError(f"{path}:1: required key '{key}' is missing")
    for name, spec in data["fields"].items():
        if "enum_of" in spec:
            source = data.get(spec["enum_of"])
            if not isinstance(source, (dict, list)):
                raise DataError(f"{path}:{line_of(path, name)}: field '{name}' takes its values from "
                                f"'{spec['enum_of']}', which is not a list or mapping of this file")
            spec["enum"] = [str(v) for v in source] + list(spec.get("enum_extra", []))
    directives = {t["directive"] for t in data["types"]}
    for type_spec in data["types"]:
        for end, link_names in (type_spec.get("coverage") or {}).items():
            unknown = [n for n in link_names if n not in data["links"]] if end in ("incoming", "outgoing") else [end]
            if unknown:
                line = next((n for n, text in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
                             if text.strip().endswith(f"directive: {type_spec['directive']}")), 1)
                raise DataError(f"{path}:{line}: type "
                                f"'{type_spec['directive']}' coverage names unknown "
                                f"{'link' if end in ('incoming', 'outgoing') else 'end'} '{unknown[0]}'")
    for name, link in data["links"].items():
        for end in ("from", "to"):
            for type_name in link.get(end, []):
                if type_name not in directives:
                    raise DataError(
                        f"{path}:{line_of(path, name)}: link '{name}' names "
                        f"unknown need type '{type_name}'"
                    )
    for type_name, spec in data["type_fields"].items():
        if type_name not in directives:
            raise DataError(f"{path}:{line_of(path, type_name)}: unknown need type '{type_name}'")
        for field in spec.get("required", []) + spec.get("optional", []):
            if field not in data["fields"] and field != "status":
                raise DataError(
                    f"{path}:{line_of(path, type_name)}: type '{type_name}' uses "
                    f"undeclared field '{field}'"
                )
    return data


def frameworks(metamodel: dict[str, Any]) -> dict[str, str]:
    """Framework key -> display title, in the metamodel's order."""
    return {key: str((spec or {}).get("title") or key) for key, spec in metamodel["frameworks"].items()}


def free_text_fields(metamodel: dict[str, Any]) -> set[str]:
    """Fields whose value is prose (commas included), never a list or an enum."""
    return {name for name, spec in metamodel["fields"].items() if spec.get("free_text")}


def field_enum(metamodel: dict[str, Any], platform: dict[str, Any], name: str) -> list[str] | None:
    """The allowed values of a field, resolving ``enum_from`` against facts."""
    spec = metamodel["fields"][name]
    if "enum" in spec:
        return list(spec["enum"])
    if "enum_from" in spec:
        return list(lookup(platform, spec["enum_from"]))
    return None


def sphinx_needs_config(metamodel: dict[str, Any], platform: dict[str, Any]) -> dict[str, Any]:
    """Translate the metamodel into sphinx-needs configuration values,
    schema validation included (cvplus_needs_schema generates it)."""
    from cvplus_needs_schema import field_schema, schema_definitions

    def field(name: str, spec: dict[str, Any]) -> dict[str, Any]:
        out = {"description": spec.get("description", name), "nullable": True}
        schema = field_schema(metamodel, platform, name)
        return out | ({"schema": schema} if schema else {})

    return {
        "needs_types": [
            {
                "directive": t["directive"],
                "title": t["title"],
                "prefix": t["prefix"],
                "color": t.get("color", "#FFFFFF"),
                "style": "node",
            }
            for t in metamodel["types"]
        ],
        "needs_fields": {name: field(name, spec) for name, spec in metamodel["fields"].items()}
        | {
            "status": {
                "description": "Lifecycle status of the need.",
                "nullable": True,
                "schema": {"type": "string", "enum": list(metamodel["statuses"])},
            }
        },
        "needs_links": {
            name: {"outgoing": spec["outgoing"], "incoming": spec["incoming"]}
            for name, spec in metamodel["links"].items()
        },
        "needs_id_regex": metamodel["id_regex"],
        "needs_id_required": True,
        "needs_schema_definitions": schema_definitions(metamodel),
    }


def substitutions(platform: dict[str, Any]) -> dict[str, Any]:
    """The MyST substitution context: every top-level key of the facts file.

    Pages write ``{{ region }}`` or ``{{ envs.prod.project_id }}``.
    """
    return {key: value for key, value in platform.items() if key != "to_confirm"}
