"""One procedure per action: no procedure body is written out twice in the
manual (tests/snippets/duplicates.py), and a helper defined once can be run
by another page's session from its one block (tests/snippets/shared_blocks.py)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from cvplus_handoff import Manifest, Snippet, write_manifest
from duplicates import duplicated
from evidence import load_manifest
from shared_blocks import defining_blocks

HERE = Path(__file__).resolve().parent
SNIPPETS = load_manifest().snippets
HELPERS = ["deploy_batches", "anthropic_probe", "elevenlabs_probe", "elevenlabs_quota", "webhook_delivery",
           "secret_users"]


def test_no_procedure_body_is_written_twice() -> None:
    findings = duplicated(SNIPPETS)
    assert not findings, "\n".join(findings)


def test_each_shared_helper_is_defined_by_exactly_one_block() -> None:
    where = {name: [f"{b.source}:{b.line}" for b in defining_blocks(SNIPPETS, name)] for name in HELPERS}
    assert all(len(found) == 1 for found in where.values()), where


BATCH = ("deploy_all() {\n  local first=1 batch\n  while read -r batch; do\n    [ \"$first\" = 1 ] || sleep 60\n"
         "    first=0\n    firebase deploy -P \"$PROJECT\" --only \"$batch\"\n  done < names.txt\n}\n")


def _block(source: str, line: int, need: str, text: str, mode: str = "script") -> Snippet:
    return Snippet(Path(source).stem, line, id=f"{source}:{line}", source=source, need=need, mode=mode, text=text,
                   language="console" if mode == "console" else "bash")


def test_fault_a_copied_helper_fails_at_the_copy() -> None:
    first = _block("source/a.md", 10, "PROC_A", BATCH)
    copy = _block("source/b.md", 40, "PROC_B", BATCH.replace("deploy_all", "deploy_every"))
    findings = duplicated([copy, first])
    assert len(findings) == 1 and findings[0].startswith("source/b.md:42: repeats the procedure body at "
                                                         "source/a.md:12 (PROC_A)"), findings


def test_fault_a_copied_transcript_fails_and_whitespace_does_not_hide_it() -> None:
    steps = "$ gcloud run revisions list --project p\n$ gcloud run services describe api --project p\n" \
            "$ gcloud run services update-traffic api --to-latest --project p\n"
    first = _block("source/a.md", 5, "PROC_A", steps, "console")
    copy = _block("source/b.md", 7, "PROC_B", steps.replace(" --project", "   --project"), "console")
    findings = duplicated([first, copy])
    assert len(findings) == 1 and findings[0].startswith("source/b.md:8: repeats"), findings


def test_different_procedures_sharing_two_lines_pass() -> None:
    a = _block("source/a.md", 5, "PROC_A", "cd cvplus\nnpm ci\nnpm test\nnpm run build\n")
    b = _block("source/b.md", 5, "PROC_B", "npm ci\nnpm test\nnpm run lint\n")
    assert duplicated([a, b]) == []


def _run_shared(tmp_path: Path, snippets: list[Snippet], *names: str) -> subprocess.CompletedProcess:
    manifest = tmp_path / "snippets.json"
    write_manifest(manifest, Manifest(snippets))
    return subprocess.run([sys.executable, str(HERE / "shared_blocks.py"), *names], capture_output=True, text=True,
                          env={**os.environ, "CVPLUS_SNIPPETS": str(manifest)})


def test_shared_block_prints_the_one_definition(tmp_path: Path) -> None:
    done = _run_shared(tmp_path, [_block("source/a.md", 10, "PROC_A", BATCH)], "deploy_all")
    assert done.returncode == 0 and done.stdout.startswith("deploy_all() {"), done


def test_fault_shared_block_defined_twice_or_never_fails(tmp_path: Path) -> None:
    twice = _run_shared(tmp_path, [_block("source/a.md", 10, "PROC_A", BATCH), _block("source/b.md", 3, "PROC_B", BATCH)],
                        "deploy_all")
    assert twice.returncode == 1 and "found: source/a.md:10, source/b.md:3" in twice.stderr, twice
    never = _run_shared(tmp_path, [], "deploy_all")
    assert never.returncode == 1 and "deploy_all() must be defined by exactly one shown block" in never.stderr, never
