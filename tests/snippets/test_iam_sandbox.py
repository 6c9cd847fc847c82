"""A procedure runs with exactly the permissions it declares: the real firebase CLI,
the simulated APIs, and the grant the harness writes from the manifest's ``requires``."""

from __future__ import annotations

import pytest

import world
from runner import run_snippet
from cvplus_handoff import Snippet

pytestmark = pytest.mark.slow
PROJECT = "cvplus-dev"
LIST = f"$ firebase functions:list -P {PROJECT} --json | jq -r '.result | length'\n5\n"


def snippet(text: str, need: str) -> Snippet:
    return Snippet("iam-fault", 10, source="source/iam-fault.md", need=need, text=text)


@pytest.fixture(scope="module")
def box(tmp_path_factory):
    sandbox = world.fixture_sandbox(tmp_path_factory.mktemp("iam") / "box")
    yield sandbox
    sandbox.close()


def test_a_procedure_that_declares_what_it_uses_passes(box):
    verdict = run_snippet(snippet(LIST, "PROC_LIST"), box, timeout=120,
                          requires={"PROC_LIST": ["cloudfunctions.functions.list"]})
    assert verdict.passed, verdict.message


def test_fault_a_procedure_declaring_less_than_it_uses_fails(box):
    verdict = run_snippet(snippet(LIST, "PROC_LIST"), box, timeout=120,
                          requires={"PROC_LIST": ["firebase.projects.get"]})
    assert not verdict.passed
    assert "source/iam-fault.md:" in verdict.message
    assert "Permission 'cloudfunctions.functions.list' denied" in verdict.message
    assert "PROC_LIST does not declare it" in verdict.message


def test_fault_a_block_outside_any_procedure_cannot_reach_the_apis(box):
    verdict = run_snippet(snippet(LIST, ""), box, timeout=120, requires={"PROC_LIST": ["cloudfunctions.functions.list"]})
    assert not verdict.passed
    assert "Permission 'cloudfunctions.functions.list' denied" in verdict.message
