"""scripts/review_due.py: the writers' "what is due" command."""

from __future__ import annotations

from datetime import date

import review_due


def test_nothing_due_today(capsys) -> None:
    assert review_due.main(["--today", "2026-11-29", "--within", "0"]) == 0
    assert "No page is due" in capsys.readouterr().out


def test_pages_become_overdue(capsys) -> None:
    assert review_due.main(["--today", "2027-12-31", "--within", "0"]) == 1
    out = capsys.readouterr().out
    assert "OVERDUE" in out and "source/index.md" in out


def test_invalid_metadata_is_reported(tmp_path, capsys) -> None:
    (tmp_path / "page.md").write_text("---\nowner: nobody\nlast_reviewed: 2026-13-01\n---\n# Page\n")
    assert review_due.main(["--source", str(tmp_path), "--today", date(2026, 11, 27).isoformat()]) == 2
    err = capsys.readouterr().err
    assert "page.md:1: owner 'nobody'" in err and "not a date" in err


def test_check_mode_only_validates(tmp_path) -> None:
    (tmp_path / "ok.md").write_text("---\nowner: docs-maintainer\nlast_reviewed: 2020-01-01\n---\n# Old\n")
    assert review_due.main(["--source", str(tmp_path), "--check"]) == 0
    (tmp_path / "bad.md").write_text("# No front matter\n")
    assert review_due.main(["--source", str(tmp_path), "--check"]) == 2
