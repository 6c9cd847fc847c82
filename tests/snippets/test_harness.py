"""The harness itself: each fault in a snippet is caught and reported with
the page and line, and the sandbox holds."""

from __future__ import annotations

from pathlib import Path

import pytest

from runner import run_snippet
from sandbox import Sandbox
from cvplus_handoff import Snippet


def snippet(text: str, mode: str = "console", line: int = 40) -> Snippet:
    return Snippet("demo", line, source="source/demo.md", language="console" if mode == "console" else "bash",
                   mode=mode, need="PROC_DEMO", text=text, sha256="x")


@pytest.fixture
def box(tmp_path: Path):
    sandbox = Sandbox(tmp_path / "box")
    yield sandbox
    sandbox.close()


def test_passing_transcript(box: Sandbox) -> None:
    text = "$ echo hello\nhello\n$ printf 'a\\nb\\nc\\n'\na\n...\n$ echo v1.2.3\nv* (glob)\n$ echo 42\n\\d+ (re)\n$ false\n[1]\n"
    assert run_snippet(snippet(text), box).passed


def test_state_carries_between_commands_and_snippets(box: Sandbox) -> None:
    assert run_snippet(snippet("$ export GREETING=hi\n$ mkdir sub && cd sub\n$ shout() { echo \"$1!\"; }\n"), box).passed
    verdict = run_snippet(snippet("$ echo $GREETING $(basename $PWD)\nhi sub\n$ shout ok\nok!\n", line=60), box)
    assert verdict.passed, verdict.message


def test_failing_command_reports_page_line_and_status(box: Sandbox) -> None:
    verdict = run_snippet(snippet("$ true\n$ ls /no/such/dir\n"), box)
    assert not verdict.passed
    assert verdict.message.startswith("source/demo.md:42: ")
    assert "ls /no/such/dir" in verdict.message


def test_wrong_output_shows_a_diff(box: Sandbox) -> None:
    verdict = run_snippet(snippet("$ echo actual\nexpected\n"), box)
    assert not verdict.passed
    assert "source/demo.md:41: output differs" in verdict.message
    assert "-expected" in verdict.message and "+actual" in verdict.message


def test_wrong_exit_status(box: Sandbox) -> None:
    verdict = run_snippet(snippet("$ exit 3\n[2]\n"), box)
    assert not verdict.passed and "exit status 3, expected 2" in verdict.message


def test_script_must_exit_zero(box: Sandbox) -> None:
    assert run_snippet(snippet("set -e\necho fine\n", mode="script"), box).passed
    verdict = run_snippet(snippet("set -e\nfalse\necho unreachable\n", mode="script"), box)
    assert not verdict.passed and "script exited 1" in verdict.message


def test_hanging_command_is_killed_with_its_children(box: Sandbox, tmp_path: Path) -> None:
    text = "$ (sleep 300 &) ; sleep 300\n"
    verdict = run_snippet(snippet(text), box, timeout=1)
    assert not verdict.passed
    assert "source/demo.md:41: command timed out after 1 s" in verdict.message
    import subprocess
    left = subprocess.run(["pgrep", "-f", "sleep 300"], capture_output=True, text=True).stdout.split()
    assert not left, f"processes survived the timeout: {left}"


def test_network_is_unreachable_but_loopback_works(box: Sandbox) -> None:
    outside = "$ python3 -c 'import socket; socket.create_connection((\"192.0.2.1\", 80), timeout=2)'\n...\n[1]\n"
    assert run_snippet(snippet(outside), box).passed
    loopback = ("$ python3 -c 'import socket; s = socket.socket(); s.bind((\"127.0.0.1\", 0)); s.listen(); "
                "c = socket.create_connection(s.getsockname()); print(\"ok\")'\nok\n")
    verdict = run_snippet(snippet(loopback), box)
    assert verdict.passed, verdict.message


def test_a_snippet_reaching_the_network_fails(box: Sandbox) -> None:
    verdict = run_snippet(snippet("$ python3 -c 'import socket; socket.create_connection((\"192.0.2.1\", 80), timeout=2)'\n"), box)
    assert not verdict.passed and "source/demo.md:41" in verdict.message


def test_writing_outside_the_sandbox_fails(box: Sandbox) -> None:
    import uuid

    target = Path(__file__).resolve().parents[2] / "build" / f"leak-{uuid.uuid4().hex}.txt"
    target.parent.mkdir(exist_ok=True)
    verdict = run_snippet(snippet(f"$ echo leak > {target}\n"), box)
    assert not verdict.passed
    assert "Read-only file system" in verdict.message
    assert not target.exists()


def test_private_tmp_does_not_reach_the_host(box: Sandbox) -> None:
    import uuid

    name = f"/tmp/cvplus-{uuid.uuid4().hex}"
    assert run_snippet(snippet(f"$ echo x > {name} && cat {name}\nx\n"), box).passed
    assert not Path(name).exists()


def test_environment_is_allow_listed(box: Sandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CVPLUS_LEAK_CHECK", "secret-value")
    verdict = run_snippet(snippet("$ echo \"[${CVPLUS_LEAK_CHECK:-}]\" \"$HOME\"\n[] */home (glob)\n"), box)
    assert verdict.passed, verdict.message
