"""The transcript format: parsing, matching rules and malformed input."""

from __future__ import annotations

import pytest

from cvplus_transcript import TranscriptError, matches, parse


def test_parse_commands_continuations_output_and_status() -> None:
    steps = parse("$ cat <<'EOF'\n> a\n> EOF\na\n$ false\n[1]\n$ true\n")
    assert [s.command for s in steps] == ["cat <<'EOF'\na\nEOF", "false", "true"]
    assert [s.line for s in steps] == [1, 5, 7]
    assert steps[0].expected == ["a"] and steps[1].status == 1 and steps[2].expected == []


def test_output_line_starting_with_gt_after_output_is_output() -> None:
    steps = parse("$ printf 'x\\n> y\\n'\nx\n> y\n")
    assert steps[0].expected == ["x", "> y"]


@pytest.mark.parametrize("expected, actual, ok", [
    (["a", "b"], ["a", "b"], True),
    (["a"], ["a", "b"], False),
    (["a", "..."], ["a", "b", "c"], True),
    (["...", "c"], ["a", "b", "c"], True),
    (["..."], [], True),
    (["v\\d+ (re)"], ["v12"], True),
    (["v\\d+ (re)"], ["v12x"], False),
    (["[expires in *] (glob)"], ["[expires in 2d]"], True),
    (["a?c (glob)"], ["abc"], True),
    (["a\\*c (glob)"], ["abc"], False),
    (["a\\*c (glob)"], ["a*c"], True),
])
def test_matching_rules(expected: list[str], actual: list[str], ok: bool) -> None:
    assert matches(expected, actual) is ok


@pytest.mark.parametrize("text, line, message", [
    ("echo no prompt\n", 1, "text before the first"),
    ("", 1, "at least one"),
    ("$ ls\n[2]\nmore\n", 2, "must be the last line"),
    ("$ ls\nbad( (re)\n", 2, "bad regular expression"),
    ("$ \n", 1, "empty command"),
])
def test_malformed_transcripts_name_the_line(text: str, line: int, message: str) -> None:
    with pytest.raises(TranscriptError) as info:
        parse(text)
    assert info.value.line == line and message in info.value.message
