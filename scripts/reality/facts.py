"""The manual's side of the comparison: facts with the line they sit on.

``load(path)`` reads a YAML file (the facts file or the fixture's
provenance file) keeping, for every key, the line it is written on, so a
report line can say ``platform.yaml:LINE``. ``Facts.to_confirm(key)`` is
true when the key, or one of its parents, is listed under ``to_confirm``.
A file that is not valid YAML raises ``FactsError`` naming file and line.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml


class FactsError(Exception):
    """The facts or provenance file cannot be read."""


def _walk(node: yaml.Node, data, prefix: str, out: dict[str, tuple[object, int]]) -> None:
    """Pair each node with its loaded value (walked in parallel)."""
    if isinstance(node, yaml.MappingNode) and isinstance(data, dict):
        values = list(data.values())
        for (key_node, value_node), value in zip(node.value, values):
            key = f"{prefix}.{key_node.value}" if prefix else str(key_node.value)
            out[key] = (value, key_node.start_mark.line + 1)
            _walk(value_node, value, key, out)
    elif isinstance(node, yaml.SequenceNode) and isinstance(data, list):
        for i, (item, value) in enumerate(zip(node.value, data)):
            key = f"{prefix}[{i}]"
            out[key] = (value, item.start_mark.line + 1)
            _walk(item, value, key, out)


@dataclass
class Facts:
    """A YAML file flattened to dotted keys with their lines."""

    path: Path
    data: dict
    lines: dict[str, tuple[object, int]]

    def get(self, key: str, default=None):
        return self.lines.get(key, (default, 0))[0]

    def line(self, key: str) -> int:
        return self.lines.get(key, (None, 0))[1]

    def where(self, key: str) -> str:
        return f"{self.path.name}:{self.line(key)}"

    def has(self, key: str) -> bool:
        return key in self.lines

    def to_confirm(self, key: str) -> bool:
        pending = self.data.get("to_confirm") or {}
        parts = key.split(".")
        return any(".".join(parts[:i]) in pending for i in range(1, len(parts) + 1))


def load(path: str | Path) -> Facts:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
        root = yaml.compose(text)
    except OSError as exc:
        raise FactsError(f"{path}: {exc.strerror}") from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else 0
        raise FactsError(f"{path}:{line}: not valid YAML: {getattr(exc, 'problem', exc)}") from exc
    data = yaml.safe_load(text) or {}
    if not isinstance(data, dict):
        raise FactsError(f"{path}:1: expected a mapping at the top")
    lines: dict[str, tuple[object, int]] = {}
    if root is not None:
        _walk(root, data, "", lines)
    return Facts(path, data, lines)
