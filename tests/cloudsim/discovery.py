"""The Google APIs' discovery documents: routing and schema checks.

The documents are those shipped by the pinned google-api-python-client
(``googleapiclient/discovery_cache/documents/<api>.<version>.json``). A
request is routed to the discovery method whose HTTP method and flat path
template match it; its query parameters, its body and the simulation's
answer are checked against the method's parameters and schemas. Anything
the document does not describe is an :class:`~cloudsim.errors.ApiError`
naming the method and path, never a silent ``{}``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import googleapiclient

from cloudsim.errors import ApiError

DOCUMENTS = Path(googleapiclient.__file__).resolve().parent / "discovery_cache" / "documents"


@dataclass
class Method:
    api: str
    version: str
    id: str                     # e.g. firebasehosting.sites.versions.create
    http_method: str
    path: str                   # e.g. v1beta1/{+parent}/versions
    flat_regex: re.Pattern
    path_regex: re.Pattern
    loose_regex: re.Pattern
    parameters: dict
    request: str | None         # schema name of the body
    response: str | None        # schema name of the answer
    doc: "Document" = field(repr=False)

    @property
    def verb(self) -> str:
        return self.id.rsplit(".", 1)[-1]

    @property
    def collection(self) -> str:
        """``sites.versions`` for ``firebasehosting.sites.versions.create``."""
        return self.id.split(".", 1)[1].rsplit(".", 1)[0]


def _template_regex(template: str, flat: bool, loose_last: bool = False) -> re.Pattern:
    """``{x}`` matches one segment in a flat path, ``{+x}`` any; with
    ``loose_last`` the last parameter of a flat path may hold slashes (ids
    such as Rules' ``firebase.storage/<bucket>`` release)."""
    out, pos = "", 0
    params = list(re.finditer(r"\{(\+?)([^}]+)\}", template))
    for index, match in enumerate(params):
        out += re.escape(template[pos:match.start()])
        name = re.sub(r"\W", "_", match.group(2))
        wide = (match.group(1) and not flat) or (loose_last and index == len(params) - 1)
        out += f"(?P<{name}>.+?)" if wide else f"(?P<{name}>[^/:]+)"
        pos = match.end()
    out += re.escape(template[pos:])
    return re.compile("^" + out + "$")


class Document:
    def __init__(self, api: str, version: str):
        self.api, self.version = api, version
        self.file = DOCUMENTS / f"{api}.{version}.json"
        data = json.loads(self.file.read_text(encoding="utf-8"))
        self.revision = data.get("revision", "?")
        self.schemas: dict = data.get("schemas", {})
        self.global_parameters: dict = data.get("parameters", {})
        self.methods: list[Method] = []
        self._walk(data.get("resources", {}))

    def _walk(self, resources: dict) -> None:
        for resource in resources.values():
            for method in resource.get("methods", {}).values():
                flat = method.get("flatPath", method["path"])
                self.methods.append(Method(
                    self.api, self.version, method["id"], method["httpMethod"], method["path"],
                    _template_regex(flat, True), _template_regex(method["path"], False),
                    _template_regex(flat, True, loose_last=True),
                    method.get("parameters", {}), (method.get("request") or {}).get("$ref"),
                    (method.get("response") or {}).get("$ref"), self))
            self._walk(resource.get("resources", {}))

    @property
    def label(self) -> str:
        return f"{self.api}.{self.version} revision {self.revision}"


@lru_cache(maxsize=None)
def document(api: str, version: str) -> Document:
    return Document(api, version)


def versions(api: str) -> list[str]:
    return sorted(p.name[len(api) + 1:-5] for p in DOCUMENTS.glob(f"{api}.*.json")
                  if p.name.count(".") == 2)


def route(api: str, http_method: str, path: str) -> tuple[Method, dict]:
    """The discovery method serving ``http_method path`` (path without query)."""
    rel = path.lstrip("/")
    version = rel.split("/", 1)[0]
    if version not in versions(api):
        # a path that does not start with the version (Cloud Run v1's Knative
        # paths, apis/serving.knative.dev/v1/namespaces/...): the document
        # whose methods have it
        holders = [v for v in versions(api) if any(m.http_method == http_method and m.flat_regex.match(rel)
                                                  for m in document(api, v).methods)]
        if not holders:
            raise ApiError(404, f"{http_method} {path}: no discovery document {api}.{version} "
                                f"(have {', '.join(versions(api)) or 'none'})")
        version = "v1" if "v1" in holders else holders[0]
    doc = document(api, version)
    candidates = [m for m in doc.methods if m.http_method == http_method and m.flat_regex.match(rel)]
    if not candidates:
        candidates = [m for m in doc.methods if m.http_method == http_method and m.loose_regex.match(rel)]
    if not candidates:
        raise ApiError(404, f"{http_method} {path}: no method of {doc.label} has this path")
    # the most literal template wins (fewest parameters)
    method = min(candidates, key=lambda m: m.flat_regex.pattern.count("(?P<"))
    match = method.path_regex.match(rel)
    params = {} if match is None else {k: v for k, v in match.groupdict().items()}
    return method, params


def check_query(method: Method, query: dict[str, list[str]]) -> None:
    known = {**method.doc.global_parameters, **method.parameters}
    for name in query:
        spec = known.get(name)
        if spec is None or spec.get("location") == "path":
            raise ApiError(400, f"{method.http_method} {method.path} ({method.id}): unknown query parameter "
                                f"{name!r} (not in {method.doc.label})")


def validate(doc: Document, schema: dict | str, value, where: str) -> list[str]:
    """Problems of ``value`` against a discovery schema, each naming its field path."""
    if isinstance(schema, str):
        schema = {"$ref": schema}
    if "$ref" in schema:
        ref = schema["$ref"]
        if ref not in doc.schemas:
            return [f"{where}: schema {ref} is not in {doc.label}"]
        schema = doc.schemas[ref]
    kind = schema.get("type", "any")
    if kind == "any" or value is None:
        return []  # proto3 JSON: null is the field's default, accepted for every type
    if kind == "object":
        if not isinstance(value, dict):
            return [f"{where}: expected an object, got {type(value).__name__}"]
        problems: list[str] = []
        props = schema.get("properties")
        extra = schema.get("additionalProperties")
        for key, item in value.items():
            if props and key in props:
                problems += validate(doc, props[key], item, f"{where}.{key}")
            elif extra is not None:
                problems += validate(doc, extra, item, f"{where}.{key}")
            elif props is None and extra is None:
                continue  # a free-form object
            else:
                problems.append(f"{where}.{key}: unknown field (not in schema {schema.get('id', '?')} of {doc.label})")
        return problems
    if kind == "array":
        if not isinstance(value, list):
            return [f"{where}: expected an array, got {type(value).__name__}"]
        return [p for i, item in enumerate(value) for p in validate(doc, schema.get("items", {}), item, f"{where}[{i}]")]
    if kind == "string":
        if not isinstance(value, str):
            return [f"{where}: expected a string, got {type(value).__name__} {value!r}"]
        if "enum" in schema and value not in schema["enum"]:
            return [f"{where}: {value!r} is not one of {schema['enum']}"]
        return []
    if kind == "integer":
        return [] if isinstance(value, int) and not isinstance(value, bool) else [f"{where}: expected an integer, got {value!r}"]
    if kind == "number":
        return [] if isinstance(value, (int, float)) and not isinstance(value, bool) else [f"{where}: expected a number, got {value!r}"]
    if kind == "boolean":
        return [] if isinstance(value, bool) else [f"{where}: expected a boolean, got {value!r}"]
    return [f"{where}: schema type {kind!r} unknown to the simulation"]
