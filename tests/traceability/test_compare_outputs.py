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


def test_compare_html_masks_only_the_random_ids(tmp_path: Path, capsys) -> None:
    compare = _script()
    for side, text in (("base", '<div id="SNCB-1a2b3c4d">Owner: x</div>'), ("head", '<div id="SNCB-9f8e7d6c">Owner: x</div>')):
        (tmp_path / side / "html").mkdir(parents=True)
        (tmp_path / side / "html" / "page.html").write_text(text, encoding="utf-8")
    assert compare.compare_html(tmp_path / "base", tmp_path / "head") is True
    (tmp_path / "head" / "html" / "page.html").write_text('<div id="SNCB-9f8e7d6c">Owner: y</div>', encoding="utf-8")
    assert compare.compare_html(tmp_path / "base", tmp_path / "head") is False
    assert "DIFFERENT  html/page.html" in capsys.readouterr().out
