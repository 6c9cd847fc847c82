#!/usr/bin/env python3
"""Render the configuration templates in this folder with the facts file.

Usage (from the manual's repository, with its virtual environment):

    .venv/bin/python source/reference/config/render.py OUTPUT_DIR

Writes each template (alert policies, budget and backup settings, the
release gate, the emulator ports) into OUTPUT_DIR with every fact filled in
from source/_data/platform.yaml, exactly as the manual shows it. An unknown
placeholder stops the run with the file's name.
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1] / "_ext"))

import cvplus_data  # noqa: E402
from cvplus_facts import substitute  # noqa: E402

SUFFIXES = {".yaml", ".env", ".sh", ".json"}


def templates() -> list[Path]:
    return sorted(p for p in HERE.iterdir() if p.suffix in SUFFIXES)


def render(path: Path, facts: dict | None = None) -> str:
    text, unknown = substitute(path.read_text(encoding="utf-8"), facts or cvplus_data.load_platform())
    if unknown:
        raise ValueError(f"{path.name}: unknown placeholder(s) {', '.join(unknown)}")
    return text


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    out = Path(argv[0])
    out.mkdir(parents=True, exist_ok=True)
    facts = cvplus_data.load_platform()
    for path in templates():
        target = out / path.name
        target.write_text(render(path, facts), encoding="utf-8")
        if path.suffix == ".sh":
            target.chmod(0o755)
        print(target)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
