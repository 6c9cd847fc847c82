"""The build's ``:requires:`` check (source/_ext/cvplus_iam.py) on its own: which
commands need which permissions, and each way a declaration can be wrong."""

from __future__ import annotations

import cvplus_data
from cvplus_handoff import Snippet
from cvplus_iam import command_keys, commands_of, findings

TABLE = cvplus_data.load_permissions()


def block(text: str, language: str = "console") -> Snippet:
    return Snippet("x", 7, source="source/x.md", language=language, text=text)


def test_commands_are_found_in_transcripts_and_scripts():
    assert commands_of("$ gcloud run services describe api --project p | head\nout\n", "console") == [
        ("gcloud", ["run", "services", "describe", "api", "--project", "p"])]
    assert commands_of("x=$(firebase functions:list -P p)\n# firebase deploy\n", "bash") == [
        ("firebase", ["functions:list", "-P", "p"])]
    assert commands_of("$ jq .x firebase.json\n", "console") == []


def test_deploy_targets_come_from_only_or_from_the_block():
    assert command_keys("firebase", ["deploy", "-P", "p", "--only", "functions:a,hosting"]) == [
        "firebase deploy:functions", "firebase deploy:hosting"]
    assert command_keys("firebase", ["deploy", "-P", "p", "--only", "$targets"], 'targets="functions:$n"') == [
        "firebase deploy:functions"]
    assert len(command_keys("firebase", ["deploy", "-P", "p"])) == 4


def test_a_declaration_covering_its_commands_passes():
    text = "$ gcloud functions describe api --project p\n"
    assert findings("PROC_X", ["cloudfunctions.functions.get"], [block(text)], TABLE) == []
    assert findings("PROC_X", ["none"], [block("$ ls\n")], TABLE) == []


def test_fault_less_than_the_commands_need():
    [problem] = findings("PROC_X", ["none"], [block("$ gcloud functions describe api --project p\n")], TABLE)
    assert "`gcloud functions describe` (source/x.md:7) needs cloudfunctions.functions.get" in problem


def test_fault_more_than_the_commands_need():
    [problem] = findings("PROC_X", ["cloudfunctions.functions.get", "cloudfunctions.functions.delete"],
                         [block("$ gcloud functions describe api --project p\n")], TABLE)
    assert "cloudfunctions.functions.delete' is declared but no command of the procedure needs it" in problem


def test_fault_unknown_permission_and_unknown_command():
    problems = findings("PROC_X", ["cloudfunctions.functions.fly"], [block("$ gcloud compute instances list\n")], TABLE)
    assert any("cloudfunctions.functions.fly' is not a permission" in p for p in problems)
    assert any("`gcloud compute instances list` (source/x.md:7) is not in" in p for p in problems)


def test_fault_none_next_to_a_permission():
    problems = findings("PROC_X", ["none", "cloudfunctions.functions.get"],
                        [block("$ gcloud functions describe api --project p\n")], TABLE)
    assert any("says none and names permissions" in p for p in problems)
