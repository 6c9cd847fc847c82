"""`make page`: the page's snippet and lint tests are selected by their ids,
in page order; an unknown page is refused with the closest names."""

from __future__ import annotations

import page_test
from cvplus_handoff import Manifest, Snippet, write_manifest

MANIFEST = Manifest([
    Snippet("deployment/runbooks/troubleshooting", 12, need="PROC_A"),
    Snippet("deployment/runbooks/troubleshooting", 40),
    Snippet("reference/templates", 7, need="PROC_B"),
])


def test_a_path_or_a_docname_names_the_page() -> None:
    assert page_test.docname_of("source/deployment/runbooks/troubleshooting.md") == "deployment/runbooks/troubleshooting"
    assert page_test.docname_of("deployment/runbooks/troubleshooting") == "deployment/runbooks/troubleshooting"


def test_only_that_page_in_page_order_snippets_then_lints() -> None:
    ids = page_test.node_ids("deployment/runbooks/troubleshooting", MANIFEST)
    assert ids == [
        "tests/snippets/test_manual_snippets.py::test_snippet[deployment/runbooks/troubleshooting::PROC_A::L12]",
        "tests/snippets/test_manual_snippets.py::test_snippet[deployment/runbooks/troubleshooting::page::L40]",
        "tests/snippets/test_lint.py::test_shellcheck[deployment/runbooks/troubleshooting::PROC_A::L12]",
        "tests/snippets/test_lint.py::test_shellcheck[deployment/runbooks/troubleshooting::page::L40]",
        "tests/snippets/test_aim.py::test_every_command_names_its_project[deployment/runbooks/troubleshooting::PROC_A::L12]",
        "tests/snippets/test_aim.py::test_every_command_names_its_project[deployment/runbooks/troubleshooting::page::L40]",
        "tests/snippets/test_guards.py::test_destructive_commands_are_guarded[deployment/runbooks/troubleshooting::PROC_A::L12]",
        "tests/snippets/test_guards.py::test_destructive_commands_are_guarded[deployment/runbooks/troubleshooting::page::L40]",
    ]


def test_unknown_page_is_refused_with_suggestions(tmp_path, monkeypatch, capsys) -> None:
    write_manifest(tmp_path / "snippets.json", MANIFEST)
    monkeypatch.setenv("CVPLUS_BUILT", str(tmp_path))
    assert page_test.main(["runbooks/trouble"]) == 2
    err = capsys.readouterr().err
    assert "no page 'runbooks/trouble'" in err and "deployment/runbooks/troubleshooting" in err
