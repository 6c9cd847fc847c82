"""One test per shell snippet of the built manual, run in its page's sandbox.

Test ids read ``page::NEED_ID::Lline``. Evidence for the coverage matrix is
recorded per snippet with its sha256, and as JUnit properties. A selection
(``-k``) that skips earlier blocks of a page runs them first, unrecorded, so
a selected block is judged in the state its page leaves it in; when one of
them fails, the selected block fails and nothing is recorded for it.
"""

from __future__ import annotations

import time

import pytest

from evidence import load_manifest, ran_against, record, snippet_test_id
import world
from runner import Sessions, run_snippet

MANIFEST = load_manifest()
SNIPPETS = MANIFEST["snippets"]
REQUIRES = MANIFEST.get("requires", {})  # procedure -> the IAM permissions the simulation grants it
PAGE_SNIPPETS: dict[str, list[dict]] = {}
for _s in SNIPPETS:
    PAGE_SNIPPETS.setdefault(_s["docname"], []).append(_s)


@pytest.fixture(scope="session")
def sessions(tmp_path_factory: pytest.TempPathFactory):
    sessions = world.page_sessions(tmp_path_factory.mktemp("sandboxes"), MANIFEST["pages"])
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
    earlier = sessions.catch_up(snippet, PAGE_SNIPPETS[snippet["docname"]], REQUIRES)
    if earlier:
        pytest.fail(f"{snippet['source']}:{snippet['line']}: not judged (nothing recorded): an earlier block of "
                    f"{snippet['docname']}, run first because the selection skipped it, failed:\n{earlier}",
                    pytrace=False)
    started = time.monotonic()
    verdict = run_snippet(snippet, box, requires=REQUIRES)
    seconds = round(time.monotonic() - started, 2)  # shards are balanced by these (tests/snippets/shards.py)
    sessions.mark_ran(snippet)
    ran = {"seconds": seconds, "ran_against": ran_against(snippet["text"], verdict.cloud,
                                      standin=snippet["docname"] in sessions.standin_pages)}
    if verdict.cloud:
        ran["cloud"] = verdict.cloud
    record({**base, "outcome": "passed" if verdict.passed else "failed", **ran})
    if not verdict.passed:
        pytest.fail(verdict.message, pytrace=False)
