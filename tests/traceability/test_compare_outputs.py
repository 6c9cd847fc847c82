"""scripts/compare_outputs.py reports identical outputs as identical and any byte of difference as different."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _script():
    spec = importlib.util.spec_from_file_location("compare_outputs", ROOT / "scripts" / "compare_outputs.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_compare_finds_one_byte(tmp_path: Path, capsys) -> None:
    compare = _script()
    base, head = tmp_path / "base", tmp_path / "head"
    for folder in (base, head):
        folder.mkdir()
        for name in compare.OUTPUTS:
            (folder / name).write_text(f"{name}\nsame\n", encoding="utf-8")
    assert compare.compare(base, head) is True
    (head / "coverage.csv").write_text("coverage.csv\nsame \n", encoding="utf-8")
    assert compare.compare(base, head) is False
    out = capsys.readouterr().out
    assert "DIFFERENT  coverage.csv" in out and "identical  needs.json" in out
