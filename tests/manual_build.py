"""Build the manual the way `make html` does, for tests."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SPHINX_BUILD = Path(sys.executable).parent / "sphinx-build"
COPY_IGNORE = shutil.ignore_patterns(".venv", "node_modules", "build", ".git", "__pycache__", ".pytest_cache")


@dataclass
class Build:
    root: Path
    outdir: Path
    returncode: int
    output: str

    def page(self, docname: str) -> str:
        return (self.outdir / f"{docname}.html").read_text(encoding="utf-8")

    @property
    def needs(self) -> dict:
        data = json.loads((self.outdir / "needs.json").read_text(encoding="utf-8"))
        version = data["current_version"]
        return data["versions"][version]["needs"]


def run_build(root: Path, outdir: Path, builder: str = "html", extra: list[str] | None = None,
              doctrees: Path | None = None) -> Build:
    """Build the manual at ``root`` the way ``make html`` does. ``doctrees``
    defaults to a folder of its own beside ``outdir``; pass ``build/doctrees``
    to share the Makefile's environment (an incremental build)."""
    doctrees = doctrees or outdir.parent / f"{outdir.name}.doctrees"
    cmd = [str(SPHINX_BUILD), "-b", builder, "-W", "--keep-going", "-n", "-q", "-c", str(root),
           "-d", str(doctrees), *(extra or []), str(root / "source"), str(outdir)]
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    proc = subprocess.run(cmd, cwd=root, capture_output=True, text=True, env=env, timeout=600)
    return Build(root, outdir, proc.returncode, proc.stdout + proc.stderr)


# -- fault injection: a page copy gets a bad need, the build must name its line --

FAULT_PAGE = "source/reference/glossary.md"


def append_fault(root: Path, text: str) -> int:
    """Append ``text`` to the fault page of the copy at ``root``; return the line its first line lands on."""
    path = root / FAULT_PAGE
    before = path.read_text(encoding="utf-8")
    if not before.endswith("\n"):
        before += "\n"
    path.write_text(before + "\n" + text, encoding="utf-8")
    return before.count("\n") + 2


def assert_fails_at(root: Path, outdir: Path, name: str, text: str, offset: int, message: str) -> Build:
    """Append the fault, build: the build must fail and name the fault page's
    line (the fault's first line + ``offset``) with ``message`` (a regex)."""
    import re

    line = append_fault(root, text) + offset
    result = run_build(root, outdir)
    assert result.returncode != 0, f"{name}: the build passed:\n{result.output}"
    located = re.compile(rf"{re.escape(FAULT_PAGE)}:{line}(:|\b).*{message}")
    assert any(located.search(out) for out in result.output.splitlines()), (
        f"{name}: expected '{FAULT_PAGE}:{line}' with /{message}/ in:\n{result.output}")
    return result
