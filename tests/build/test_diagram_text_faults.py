"""Diagrams keep a text version (source/_ext/cvplus_diagram_text.py): each
fault, injected into a copy of the project, fails the build at file:line."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from manual_build import run_build
from test_faults import PAGE, append

DIAGRAMS = "source/diagrams/index.md"


@pytest.mark.slow
def test_inline_diagram_fails_the_build(project_copy: Path, tmp_path: Path) -> None:
    line = append(project_copy, "```{mermaid}\nflowchart LR\n  a --> b\n```\n")
    result = run_build(project_copy, tmp_path / "out")
    assert result.returncode != 0, result.output
    assert re.search(rf"{re.escape(PAGE)}:{line}: .*inline diagram", result.output), result.output


@pytest.mark.slow
def test_diagram_without_a_section_on_the_diagrams_page_fails(project_copy: Path, tmp_path: Path) -> None:
    (project_copy / "source/diagrams/orphan.mmd").write_text("flowchart LR\n  a --> b\n", encoding="utf-8")
    line = append(project_copy, "```{mermaid} /diagrams/orphan.mmd\n:caption: Orphan.\n:alt: Orphan.\n```\n")
    result = run_build(project_copy, tmp_path / "out")
    assert result.returncode != 0, result.output
    assert re.search(rf"{re.escape(PAGE)}:{line}: .*cvplus-diagram-orphan", result.output), result.output


@pytest.mark.slow
def test_diagram_section_without_text_fails(project_copy: Path, tmp_path: Path) -> None:
    path = project_copy / DIAGRAMS
    text = path.read_text(encoding="utf-8")
    (project_copy / "source/diagrams/silent.mmd").write_text("flowchart LR\n  a --> b\n", encoding="utf-8")
    line = text.count("\n") + 6
    path.write_text(text + "\n## Silent\n\nBelongs to nothing.\n\n```{mermaid} /diagrams/silent.mmd\n"
                    ":caption: Silent.\n:alt: Silent.\n```\n", encoding="utf-8")
    result = run_build(project_copy, tmp_path / "out")
    assert result.returncode != 0, result.output
    assert re.search(rf"{re.escape(DIAGRAMS)}:\d+: .*silent.mmd has no text version", result.output), result.output
