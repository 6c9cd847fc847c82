"""Destructive commands of the manual come after a visible warning and a
check (tests/snippets/guards.py); each bad case fails at its file:line."""

from __future__ import annotations

from pathlib import Path

import pytest

from evidence import load_manifest, snippet_test_id
from guards import unguarded
from manual_build import ROOT
from cvplus_handoff import Snippet

SNIPPETS = load_manifest().snippets
BY_PAGE: dict[str, list[dict]] = {}
for _s in SNIPPETS:
    BY_PAGE.setdefault(_s.docname, []).append(_s)


@pytest.mark.parametrize("snippet", SNIPPETS, ids=[snippet_test_id(s) for s in SNIPPETS])
def test_destructive_commands_are_guarded(snippet: dict) -> None:
    lines = (ROOT / snippet.source).read_text(encoding="utf-8").splitlines()
    findings = unguarded(snippet, BY_PAGE[snippet.docname], lines)
    assert not findings, "\n".join(findings)


# -- fault tests on a small page: procedure at line 3, blocks after it --------

WARNING = ":::{warning}\nCannot be undone.\n:::\n"
CHECK = ("```console\n$ gcloud functions describe fn --v2 --project p --format=json "
         "| jq -r '.serviceConfig.secretEnvironmentVariables[].version' > bound.txt\n```\n")


def _page(*parts: str) -> tuple[list[str], list[dict]]:
    """A page: heading, procedure with :id: at line 3, then the parts;
    every console block becomes a snippet of PROC_X (its fence line)."""
    text = "# Page\n\n:id: PROC_X\n\n" + "".join(parts)
    lines, snippets, start = text.splitlines(), [], None
    for number, line in enumerate(lines, start=1):
        if line == "```console":
            start = number
        elif line == "```" and start:
            snippets.append(Snippet("demo", start, source="source/demo.md", need="PROC_X",
                                    text="\n".join(lines[start:number - 1]) + "\n"))
            start = None
    return lines, snippets


def _findings(*parts: str) -> list[str]:
    lines, snippets = _page(*parts)
    return [f for s in snippets for f in unguarded(s, snippets, lines)]


DESTROY = "```console\n$ awk '$1 == 1 {bad = 1} END {exit bad}' bound.txt && firebase functions:secrets:destroy K@1 --force -P p\n```\n"


def test_guarded_destroy_passes() -> None:
    assert _findings(CHECK, WARNING, DESTROY) == []


def test_fault_destroy_without_warning_fails_at_its_line() -> None:
    findings = _findings(CHECK, DESTROY)
    assert len(findings) == 1 and findings[0].startswith("source/demo.md:9: destroys secret versions without a visible "
                                                         "warning"), findings


def test_fault_destroy_without_bound_functions_check_fails() -> None:
    findings = _findings(WARNING, "```console\n$ firebase functions:secrets:destroy K@1 --force -P p\n```\n")
    assert len(findings) == 1 and "source/demo.md:9: destroys secret versions without a check that comes first" \
        in findings[0], findings


def test_fault_destroy_whose_check_does_not_stop_fails() -> None:
    findings = _findings(CHECK, WARNING, "```console\n$ firebase functions:secrets:destroy K@1 --force -P p\n```\n")
    assert len(findings) == 1 and findings[0].startswith("source/demo.md:12: destroys secret versions without a check"), \
        findings


def test_fault_prune_fails() -> None:
    findings = _findings(WARNING, "```console\n$ firebase functions:secrets:prune --force -P p\n```\n")
    assert findings and findings[0].startswith("source/demo.md:9: destroys secret versions"), findings


def test_fault_live_import_without_guard_fails_and_with_guard_passes() -> None:
    bare = "```console\n$ gcloud firestore import gs://b/x --collection-ids=users --project p\n```\n"
    findings = _findings(WARNING, bare)
    assert len(findings) == 1 and findings[0].startswith("source/demo.md:9: imports into the live (default) database "
                                                         "without a check"), findings
    explicit = "```console\n$ gcloud firestore import gs://b/x --database='(default)' --project p\n```\n"
    assert _findings(WARNING, explicit)[0].startswith("source/demo.md:9: imports into the live (default) database")
    guarded = ("```console\n$ [ \"$CONFIRM_LIVE_IMPORT\" = \"p/(default)\" ] && gcloud firestore import gs://b/x "
               "--project p\n```\n")
    assert _findings(WARNING, guarded) == []


def test_fault_import_into_a_database_never_created_fails() -> None:
    findings = _findings("```console\n$ gcloud firestore import gs://b/x --database=scratch --project p\n```\n")
    assert len(findings) == 1 and findings[0].startswith("source/demo.md:6: imports into database scratch that its "
                                                         "block does not create first"), findings
    created = ("```console\n$ gcloud firestore databases create --database=scratch --location=nam5 --project p\n"
               "$ gcloud firestore import gs://b/x --database=scratch --project p\n```\n")
    assert _findings(created) == []


def test_fault_delete_without_check_fails_and_after_a_listing_passes() -> None:
    delete = "```console\n$ gcloud iam service-accounts keys delete KEY --iam-account sa --project p --quiet\n```\n"
    findings = _findings(WARNING, delete)
    assert len(findings) == 1 and findings[0].startswith("source/demo.md:9: deletes without a check"), findings
    listed = "```console\n$ gcloud iam service-accounts keys list --iam-account sa --project p\n```\n"
    assert _findings(listed, WARNING, delete) == []


def test_fault_force_flag_alone_counts_as_destructive() -> None:
    findings = _findings("```console\n$ firebase deploy --only hosting --force -P p\n```\n")
    assert findings and findings[0].startswith("source/demo.md:6: passes --force without a visible warning"), findings


@pytest.mark.parametrize("pick", ["sed -n 2p", "head -1", "tail -n 1", "awk 'NR==2'"])
def test_fault_backup_picked_by_position_fails(pick: str) -> None:
    block = f"```console\n$ B=$(gcloud firestore backups list --project p --format='value(name)' | {pick})\n```\n"
    findings = _findings(block)
    assert findings and findings[0].startswith("source/demo.md:6: picks a backup by its position"), findings
    by_time = ("```console\n$ B=$(gcloud firestore backups list --project p --format='value(name)' "
               "--sort-by=~snapshotTime --limit=1)\n```\n")
    assert _findings(by_time) == []
