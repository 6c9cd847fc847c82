"""One test per shell snippet of the built manual, run in its page's sandbox.

Test ids read ``page::NEED_ID::Lline``. Evidence for the coverage matrix is
recorded per snippet with its sha256, and as JUnit properties.
"""

from __future__ import annotations

import pytest

from evidence import load_manifest, ran_against, record, snippet_test_id
import world
from runner import Sessions, run_snippet

MANIFEST = load_manifest()
SNIPPETS = MANIFEST["snippets"]


@pytest.fixture(scope="session")
def sessions(tmp_path_factory: pytest.TempPathFactory):
    sessions = Sessions(tmp_path_factory.mktemp("sandboxes"), MANIFEST["pages"],
                        world.path_dirs(), world.sandbox_env(), standin_pages=world.standin_pages(),
                        standin_path_dirs=world.path_dirs(real_firebase=False), prepare_home=world.trap_home)
    yield sessions
    sessions.close()


@pytest.mark.parametrize(
    "snippet",
    [pytest.param(s, id=snippet_test_id(s)) for s in SNIPPETS],  # one worker per page: tests/conftest.py
)
def test_snippet(snippet: dict, sessions: Sessions, record_property) -> None:
    record_property("need", snippet["need"])
    record_property("sha256", snippet["sha256"])
    record_property("source", f"{snippet['source']}:{snippet['line']}")
    record_property("environment", "sandbox")
    base = {"id": snippet["id"], "need": snippet["need"], "sha256": snippet["sha256"],
            "source": snippet["source"], "line": snippet["line"], "finding": snippet.get("finding", "")}
    if snippet["not_run"]:
        record({**base, "outcome": "manual", "reason": snippet["not_run"]})
        pytest.skip(f"not run: {snippet['not_run']}")
    box = sessions.get(snippet["docname"])
    if snippet["docname"] in sessions.setup_failures:
        record({**base, "outcome": "failed"})
        pytest.fail(sessions.setup_failures[snippet["docname"]])
    verdict = run_snippet(snippet, box)
    ran = {"ran_against": ran_against(snippet["text"], verdict.cloud,
                                      standin=snippet["docname"] in sessions.standin_pages)}
    if verdict.cloud:
        ran["cloud"] = verdict.cloud
    record({**base, "outcome": "passed" if verdict.passed else "failed", **ran})
    if not verdict.passed:
        pytest.fail(verdict.message, pytrace=False)
