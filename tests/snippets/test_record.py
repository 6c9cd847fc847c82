"""The writer's record mode (record.py) and shell (shell.py).

Pure parts on small blocks (locating a block in its source, substitutions
written back, lines the transcript grammar would misread); then whole pages
in a real sandbox: a block that ran under real tools is written, one that
called a stand-in or a model of CVPlus's scripts is shown and left alone, a
source that changed since the build is refused at its line.
"""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import pytest

import record
import shell
from cvplus_handoff import Manifest, Snippet
from cvplus_transcript import matches, parse


def _snippet(source: Path, line: int, text: str, need: str = "") -> Snippet:
    return Snippet("tmp/page", line, source=str(source), text=text, need=need,
                   sha256=hashlib.sha256(text.encode()).hexdigest())


def _manifest(*snippets: Snippet) -> Manifest:
    return Manifest(list(snippets))


def test_locate_finds_an_indented_block_with_substitutions() -> None:
    source = ["# Page", "", "1. Step", "", "   ```console", "   $ firebase use {{ project_prod }}",
              "   Now using project {{ project_prod }}", "   ```"]
    snippet = _snippet(Path("x.md"), 5, "$ firebase use cvplus-prod\nNow using project cvplus-prod")
    located = record.locate(snippet, source)
    assert (located.first, located.indent, located.values) == (5, "   ", {"project_prod": "cvplus-prod"})


def test_locate_refuses_a_block_the_source_no_longer_holds() -> None:
    snippet = _snippet(Path("source/x.md"), 3, "$ echo one\none")
    with pytest.raises(record.RecordError, match=r"source/x.md:3: the block in the source differs"):
        record.locate(snippet, ["", "```console", "$ echo two", "two", "```"])


def test_recorded_lines_escape_what_the_grammar_would_misread_and_match_their_run() -> None:
    output = ["$ not a command", "...", "[3]", "ends (re)", "> quoted", "  ", "cvplus-prod ok", ""]
    run = record.StepRun(parse("$ x\nold")[0], 4, output)
    lines = record.recorded_lines(run, {"project_prod": "cvplus-prod"})
    assert lines[6] == "{{ project_prod }} ok" and lines[-1] == "[4]"
    forward = "\n".join(["$ x", *(line.replace("{{ project_prod }}", "cvplus-prod") for line in lines)])
    step = parse(forward)[0]
    assert matches(step.expected, output) and step.status == 4


def test_rewrite_replaces_only_the_differing_step_and_keeps_the_blank_lines() -> None:
    block = ["$ echo a", "a", "", "$ echo b", "old", "", "$ echo c", "c"]
    steps = parse("\n".join(block))
    runs = [record.StepRun(steps[0], 0, ["a"]), record.StepRun(steps[1], 0, ["b", "more"]),
            record.StepRun(steps[2], 0, ["c"])]
    assert record.rewrite(block, runs, {}) == ["$ echo a", "a", "", "$ echo b", "b", "more", "", "$ echo c", "c"]


def test_record_writes_real_output_and_leaves_stand_in_and_model_blocks(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text("# Page\n\n```console\n$ echo hello; echo there\nbye\n```\n\n"
                    "```console\n$ gcloud no-such-group list --project cvplus-dev\nnothing\n```\n\n"
                    "```console\n$ echo ran smart-deploy.sh\nsomething else\n```\n\n"
                    "```console\n$ echo same\nsame\n```\n", encoding="utf-8")
    manifest = _manifest(_snippet(page, 3, "$ echo hello; echo there\nbye"),
                         _snippet(page, 8, "$ gcloud no-such-group list --project cvplus-dev\nnothing"),
                         _snippet(page, 13, "$ echo ran smart-deploy.sh\nsomething else"),
                         _snippet(page, 18, "$ echo same\nsame"))
    out = io.StringIO()
    assert record.record_page("tmp/page", manifest, tmp_path / "boxes", out=out) == 1
    report = out.getvalue()
    assert f"{page}:4: exit status 0" in report and "+hello" in report
    assert f"{page}:9: not written: it called stand-ins (gcloud)" in report
    assert f"{page}:14: not written: it ran the fixture's models" in report
    assert "1 block(s) written, 2 left for the writer" in report
    text = page.read_text(encoding="utf-8")
    assert "$ echo hello; echo there\nhello\nthere\n```" in text        # written
    assert "list --project cvplus-dev\nnothing\n" in text                # stand-in block untouched
    assert "smart-deploy.sh\nsomething else\n" in text                   # model block untouched
    assert text.endswith("$ echo same\nsame\n```\n")                      # agreeing block untouched


def test_record_dry_run_writes_nothing_and_a_changed_source_is_refused(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    original = "```console\n$ echo new\nold\n```\n"
    page.write_text(original, encoding="utf-8")
    manifest = _manifest(_snippet(page, 1, "$ echo new\nold"))
    out = io.StringIO()
    assert record.record_page("tmp/page", manifest, tmp_path / "a", out=out, write=False) == 0
    assert "would write" in out.getvalue() and page.read_text(encoding="utf-8") == original
    page.write_text("```console\n$ echo edited\nold\n```\n", encoding="utf-8")
    with pytest.raises(record.RecordError, match=rf"{page}:1: the block in the source differs"):
        record.record_page("tmp/page", manifest, tmp_path / "b", out=io.StringIO())


def test_shell_carries_state_between_commands_and_shows_exit_status(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    manifest = _manifest(_snippet(page, 1, "$ export GREETING=hi"), _snippet(page, 5, "$ echo later\nlater"))
    manifest.requires["PROC_X"] = ["firebasehosting.sites.get"]
    stdin = io.StringIO("echo $GREETING-$HOME_SET \\\n  && cd /tmp && pwd\nfalse\n:as PROC_NONE\n:as PROC_X\n")
    out = io.StringIO()
    assert shell.shell("tmp/page", manifest, tmp_path / "boxes", 4, "", stdin, out) == 0
    lines = out.getvalue().splitlines()
    assert "hidden setup and 1 block(s) run" in lines[0] and "default project: cvplus-default-trap" in lines[0]
    assert lines[2:4] == ["hi-", "/tmp"] and lines[4] == "[1]"
    assert "no procedure 'PROC_NONE'" in lines[5] and "PROC_X's :requires: (1 permission(s))" in lines[6]


def test_an_unknown_page_is_refused_with_the_closest_ones(capsys: pytest.CaptureFixture) -> None:
    assert record.main(["runbooks/trouble"]) == 2
    assert shell.main(["runbooks/trouble"]) == 2
    err = capsys.readouterr().err
    assert "make record: no page 'runbooks/trouble' has shell snippets; did you mean:" in err
    assert "make shell: no page 'runbooks/trouble'" in err


def test_make_shell_grants_a_procedure_only_when_asked() -> None:
    """``make shell`` passes ``--as`` only with ``PROC=``: a make variable of
    make's own (``AS`` is its assembler, "as") must not leak in as a procedure."""
    import subprocess

    from manual_build import ROOT

    def plan(*args: str) -> str:
        return subprocess.run(["make", "-n", "shell", "PAGE=deployment/runtime-upgrade", *args], cwd=ROOT,
                              capture_output=True, text=True, timeout=60).stdout

    assert "--as" not in plan()
    assert "--as PROC_RB_DEPLOY_AUTH" in plan("PROC=PROC_RB_DEPLOY_AUTH")
