"""Shared fixtures: build the manual once, or copy the project to break it."""

from __future__ import annotations

import functools
import os
import shutil
from pathlib import Path

import pytest

from manual_build import COPY_IGNORE, ROOT, Build, run_build


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> Build:
    """The real manual, built once per test session."""
    prebuilt = os.environ.get("CVPLUS_BUILT")
    if prebuilt:  # make test built it already with the same strict options
        outdir = Path(prebuilt).resolve()
        assert (outdir / "needs.json").is_file(), f"CVPLUS_BUILT={prebuilt} holds no build"
        return Build(ROOT, outdir, 0, "")
    outdir = tmp_path_factory.mktemp("manual") / "html"
    result = run_build(ROOT, outdir)
    assert result.returncode == 0, f"the manual does not build:\n{result.output}"
    return result


@pytest.fixture
def project_copy(tmp_path: Path) -> Path:
    """A throw-away copy of the project to inject faults into."""
    dest = tmp_path / "project"
    shutil.copytree(ROOT, dest, ignore=COPY_IGNORE)
    (dest / "node_modules").symlink_to(ROOT / "node_modules")
    return dest


def pytest_xdist_make_scheduler(config, log):
    """Send all snippet tests of one page to one worker, in page order (they
    share a shell session); spread every other test one by one. (The
    xdist_group mark is not honoured by the installed pytest-xdist.)"""
    from xdist.scheduler import LoadScopeScheduling

    class PageScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            if "test_manual_snippets.py::" in nodeid and "[" in nodeid:
                return "page:" + nodeid.split("[", 1)[1].split("::", 1)[0]
            return nodeid

    return PageScheduling(config, log)


@functools.lru_cache(maxsize=1)
def _incremental_keep(config) -> tuple[set[str], dict]:
    """Pages left out of an incremental run (CVPLUS_INCREMENTAL=1), and
    their sessions.json entries; see tests/snippets/incremental.py. Read
    once per process (the report header and the collection both ask)."""
    if os.environ.get("CVPLUS_INCREMENTAL") != "1":
        return set(), {}
    import incremental
    from cvplus_handoff import read_results, read_sessions
    from evidence import RESULTS, load_manifest

    sessions = read_sessions(RESULTS.with_name("sessions.json"))
    keep = incremental.unchanged_pages(load_manifest(), sessions, read_results(RESULTS),
                                       incremental.world_digest())
    return keep, {d: sessions[d] for d in keep}


def pytest_report_header(config):
    keep, entries = _incremental_keep(config)
    if os.environ.get("CVPLUS_INCREMENTAL") != "1":
        return None
    runs = sorted({e.run or "?" for e in entries.values()})
    return (f"incremental: {len(keep)} page session(s) unchanged, their snippets not run again "
            f"(evidence kept from run {', '.join(runs) or '-'}); make test FULL=1 runs every page")


def _shard_filter(items) -> "callable | None":
    """With CVPLUS_SHARD=K/N: a predicate keeping this shard's tests
    (tests/snippets/shards.py), else None."""
    spec = os.environ.get("CVPLUS_SHARD")
    if not spec:
        return None
    import shards
    from cvplus_handoff import read_results
    from evidence import load_manifest

    try:
        k, n = shards.parse(spec)
    except shards.ShardError as exc:
        raise pytest.UsageError(str(exc)) from None
    recorded = read_results(ROOT / "build" / "evidence" / "results.json")
    mine = set(shards.assign(shards.page_weights(load_manifest(), recorded), n)[k - 1])
    modules = [item.nodeid.split("::", 1)[0] for item in items]

    def keep(item) -> bool:
        snippet = getattr(item, "callspec", None) and item.callspec.params.get("snippet")
        if "test_manual_snippets.py::" in item.nodeid and snippet:
            return snippet.docname in mine
        return shards.module_shard(item.nodeid.split("::", 1)[0], modules, n) == k
    return keep


def pytest_collection_modifyitems(config, items):
    keep, _ = _incremental_keep(config)
    in_shard = _shard_filter(items)
    if not keep and in_shard is None:
        return
    selected, deselected = [], []
    for item in items:
        snippet = getattr(item, "callspec", None) and item.callspec.params.get("snippet")
        in_kept_page = "test_manual_snippets.py::" in item.nodeid and snippet and snippet.docname in keep
        out_of_shard = in_shard is not None and not in_shard(item)
        (deselected if in_kept_page or out_of_shard else selected).append(item)
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = selected


# Evidence hooks live here, in the root conftest: with xdist the controller
# collects nothing, so it never loads tests/snippets/conftest.py, and it is
# the controller that merges the workers' results into results.json.
def pytest_sessionstart(session: pytest.Session) -> None:
    from evidence import session_start

    session_start()


# tryfirst: the ledger head must reach the JUnit properties before the
# junitxml plugin writes its file in its own sessionfinish.
@pytest.hookimpl(tryfirst=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    from _pytest.junitxml import xml_key

    from evidence import session_finish

    session_finish(session.config.stash.get(xml_key, None))
