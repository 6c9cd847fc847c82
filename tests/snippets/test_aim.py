"""Every firebase and gcloud command of the manual names its project, and
no hidden setup block selects one for the reader (tests/snippets/aim.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from aim import hidden_selection, unaimed
from evidence import load_manifest, snippet_test_id
from manual_build import ROOT
from cvplus_handoff import Snippet

MANIFEST = load_manifest()
SNIPPETS = MANIFEST.snippets
VISIBLE: dict[str, str] = {}
for _s in SNIPPETS:
    VISIBLE[_s.docname] = VISIBLE.get(_s.docname, "") + _s.text + "\n"


@pytest.mark.parametrize("snippet", SNIPPETS, ids=[snippet_test_id(s) for s in SNIPPETS])
def test_every_command_names_its_project(snippet: dict) -> None:
    findings = unaimed(snippet, VISIBLE[snippet.docname])
    assert not findings, "\n".join(findings)


def test_no_hidden_setup_selects_a_project() -> None:
    findings = [f for page in sorted((ROOT / "source").rglob("*.md"))
                for f in hidden_selection(page, str(page.relative_to(ROOT)))]
    assert not findings, "\n".join(findings)


def _snippet(text: str, mode: str = "console") -> Snippet:
    return Snippet("demo", 10, source="source/demo.md", mode=mode, text=text)


# -- fault tests: each bad case is named with its file and line ---------------

@pytest.mark.parametrize("text, line, tool", [
    ("$ echo ok\nok\n$ firebase deploy --only hosting\n", 13, "firebase"),
    ("$ gcloud run revisions list --region us-central1 --format=json | jq length\n3\n", 11, "gcloud"),
    ("$ VERSION=$(firebase functions:secrets:get KEY | tail -1)\n", 11, "firebase"),
    ("$ for f in a b; do firebase deploy --only \"functions:$f\"; done\n", 11, "firebase"),
    ("$ gcloud firestore import gs://b/x \\\n>   --database=scratch\n", 11, "gcloud"),
    ("$ gcloud run services describe api --format='value(status.url)' -P prod\n", 11, "gcloud"),  # -P is firebase's
])
def test_unaimed_command_fails_at_its_line(text: str, line: int, tool: str) -> None:
    findings = unaimed(_snippet(text), text)
    assert len(findings) == 1 and findings[0].startswith(f"source/demo.md:{line}: {tool} command names no project"), findings


def test_unaimed_command_in_a_script_block() -> None:
    text = "set -euo pipefail\nPROJECT=cvplus-staging\nfirebase functions:list\n"
    assert [f.split(": ")[0] for f in unaimed(_snippet(text, "script"), text)] == ["source/demo.md:13"]


def test_project_variable_set_by_no_visible_block_fails() -> None:
    text = '$ firebase deploy --only hosting -P "$PROJECT"\n'
    findings = unaimed(_snippet(text), text)
    assert findings and findings[0].startswith("source/demo.md:11: firebase command's project $PROJECT is set by no"), findings
    assert unaimed(_snippet(text), "$ export PROJECT=cvplus-staging\n" + text) == []


@pytest.mark.parametrize("text", [
    "$ firebase deploy --only hosting -P staging\n",
    "$ firebase deploy --project=cvplus-staging --only hosting\n",
    "$ gcloud run services describe api --project cvplus-staging --format='value(status.url)'\n",
    "$ gcloud firestore import gs://b/x --database=scratch \\\n>   --project cvplus-staging\n",
    "$ echo \"then run firebase deploy yourself\"\n",
    "$ jq -r '.gcloud | select(.firebase)' f.json\n",
    "$ firebase --version\n",
    "$ firebase use staging\n",
    "$ gcloud auth application-default login\n",
    "$ gcloud projects describe cvplus-staging --format='value(projectNumber)'\n",
    "$ ls node_modules/.bin/firebase\n",
    "$ firebase functions:secrets:access KEY -P staging | head -c 4\n",
])
def test_aimed_or_projectless_commands_pass(text: str) -> None:
    assert unaimed(_snippet(text), text) == []


def test_hidden_selection_fails_at_its_line(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text("# Page\n\n```{snippet-setup}\ncvplus-fixture >/dev/null && cd cvplus\nfirebase use staging >/dev/null\n"
                    "```\n\n```console\n$ firebase use prod\n```\n", encoding="utf-8")
    findings = hidden_selection(page, "source/page.md")
    assert len(findings) == 1 and findings[0].startswith("source/page.md:5: hidden setup selects the project"), findings


def test_unaimed_command_in_hidden_setup_fails_at_its_line(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text("# Page\n\n```{snippet-setup}\ncvplus-fixture >/dev/null && cd cvplus\n"
                    "firebase deploy -P staging --only hosting\nprintf x | firebase functions:secrets:set K --data-file -\n"
                    "```\n", encoding="utf-8")
    findings = hidden_selection(page, "source/page.md")
    assert len(findings) == 1 and findings[0].startswith("source/page.md:6: hidden setup: firebase command names no"), \
        findings
