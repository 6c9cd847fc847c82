"""CVPlus's configuration read as data, each value with its file and line.

JSON files (firebase.json, .firebaserc, package.json, the deployment
configs) are parsed, and each value's line is found by searching for its
key from the place of its parent, which is exact for the files CVPlus
keeps (one key per line). CI workflows are read as text: shell ``case``
arms per environment (``"production") FIREBASE_PROJECT=...``) and the
``--project``/``secrets.NAME`` uses. A regular-expression anchor finds a
literal in any file (``find``), expanding ``$VAR`` from an assignment in
the same file. A file that is missing gives None; a file that is not
valid JSON raises ``SourceError`` with its path.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from .checkout import Checkout
from .shellargs import case_arms


class SourceError(Exception):
    """A CVPlus file cannot be parsed."""


@dataclass
class Found:
    value: object
    where: str  # "<path>:<line>"


def load_json(co: Checkout, rel: str):
    text = co.read(rel)
    if text is None:
        return None, None
    try:
        return json.loads(text), text
    except json.JSONDecodeError as exc:
        raise SourceError(f"{co.where(rel, exc.lineno)}: not valid JSON: {exc.msg}") from exc


def json_value(co: Checkout, rel: str, path: list[str]) -> Found | None:
    """The value at ``path`` (keys) in a JSON file, with its line."""
    data, text = load_json(co, rel)
    if data is None:
        return None
    pos = 0
    for key in path:
        if not isinstance(data, dict) or key not in data:
            return None
        data = data[key]
        m = re.compile(r'"' + re.escape(key) + r'"\s*:').search(text, pos)
        pos = m.start() if m else pos
    return Found(data, co.where(rel, text.count("\n", 0, pos) + 1))


def find(co: Checkout, rel: str, pattern: str) -> Found | None:
    """The first group of ``pattern`` in ``rel`` (multiline), $VARs
    expanded, with the line the group starts on."""
    text = co.read(rel)
    if text is None:
        return None
    m = re.search(pattern, text, re.M)
    if not m:
        return None
    value = m.group(1) if m.groups() else m.group(0)
    for var in re.findall(r"\$\{?([A-Z_][A-Z0-9_]*)\}?", value):
        vm = re.search(rf"^\s*{var}=[\"']?([^\"'\s]+)", text, re.M)
        if vm:
            value = re.sub(rf"\$\{{?{var}\}}?", vm.group(1), value)
    pos = m.start(1) if m.groups() else m.start()
    return Found(value, co.where(rel, text.count("\n", 0, pos) + 1))


def workflows(co: Checkout) -> list[str]:
    return [f for f in co.files(".github/workflows") if f.endswith((".yml", ".yaml"))]


def workflow_env_values(co: Checkout, variable: str) -> dict[str, list[Found]]:
    """Per environment name, the values workflows give ``variable`` in a
    ``case`` over the target environment."""
    out: dict[str, list[Found]] = {}
    for rel in workflows(co):
        text = co.read(rel) or ""
        subjects = set(re.findall(r"^\s*case\s+(.+?)\s+in\s*$", text, re.M))
        for arm in case_arms(text, subjects):
            if variable in arm.sets:
                for pat in arm.patterns:
                    out.setdefault(pat, []).append(Found(arm.sets[variable], co.where(rel, arm.line)))
    return out


def workflow_matches(co: Checkout, pattern: str) -> dict[str, list[Found]]:
    """Every match of ``pattern`` (one group) in the workflows, by value."""
    out: dict[str, list[Found]] = {}
    for rel in workflows(co):
        text = co.read(rel) or ""
        for m in re.finditer(pattern, text):
            out.setdefault(m.group(1), []).append(Found(m.group(1), co.where(rel, text.count("\n", 0, m.start()) + 1)))
    return out
