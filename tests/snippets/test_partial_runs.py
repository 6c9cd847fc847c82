"""A selection that skips a page's earlier blocks runs them first.

Fault tests: without the catch-up, a block that needs its page's earlier
state fails ("command not found"-style false failures); with it, the block
passes; and a failing earlier block is reported instead of a verdict.
"""

from __future__ import annotations

from pathlib import Path

from runner import Sessions, run_snippet
from cvplus_handoff import Snippet


def block(n: int, text: str, not_run: str = "") -> Snippet:
    return Snippet("page", 10 * n, id=f"page:{n}", source="source/page.md", need="PROC_X", text=text,
                   sha256=str(n), not_run=not_run)


PAGE = [block(1, "$ greet() { echo hello; }\n"),
        block(2, "$ rm -rf /does-not-run\n", not_run="shown only"),
        block(3, "$ export WHO=writer\n"),
        block(4, "$ greet; echo \"$WHO\"\nhello\nwriter\n")]


def sessions(tmp_path: Path) -> Sessions:
    return Sessions(tmp_path / "s", {}, cloud=False)


def test_without_catch_up_the_selected_block_fails(tmp_path: Path) -> None:
    s = sessions(tmp_path)
    try:
        assert not run_snippet(PAGE[3], s.get("page")).passed
    finally:
        s.close()


def test_catch_up_runs_the_skipped_blocks_in_order_but_not_the_not_run_ones(tmp_path: Path) -> None:
    s = sessions(tmp_path)
    try:
        assert s.catch_up(PAGE[3], PAGE) == ""
        assert s.ran["page"] == {"page:1", "page:3"}
        assert run_snippet(PAGE[3], s.get("page")).passed
        s.mark_ran(PAGE[3])
        assert s.catch_up(PAGE[3], PAGE) == ""  # nothing runs twice
    finally:
        s.close()


def test_a_failing_earlier_block_is_reported(tmp_path: Path) -> None:
    page = [block(1, "$ false\n"), PAGE[3]]
    s = sessions(tmp_path)
    try:
        message = s.catch_up(page[1], page)
        assert "source/page.md:11" in message
    finally:
        s.close()


def test_blocks_already_run_are_not_repeated(tmp_path: Path) -> None:
    counter = block(1, "$ echo x >> count\n")
    s = sessions(tmp_path)
    try:
        assert run_snippet(counter, s.get("page")).passed
        s.mark_ran(counter)
        assert s.catch_up(PAGE[3], [counter, PAGE[3]]) == ""
        assert run_snippet(block(9, "$ wc -l < count\n1\n"), s.get("page")).passed
    finally:
        s.close()
