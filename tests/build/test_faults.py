"""Bad input: each fault, injected into a copy of the project, fails the
build with a message that names the file and the line."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from manual_build import FAULT_PAGE, append_fault, assert_fails_at, run_build

PAGE = FAULT_PAGE
append = append_fault  # the fault page of a project copy; returns the fault's first line


FAULTS = {
    "dangling need link": (
        "```{procedure} Points nowhere\n:id: PROC_FAULT_DANGLING\n:owner: docs-maintainer\n"
        ":manual_reason: fault injection\n:implements: CTRL_DOES_NOT_EXIST\n```\n",
        4, r"unknown need 'CTRL_DOES_NOT_EXIST'"),
    "mistyped need link names its option line and the nearest id": (
        "```{procedure} Typo\n:id: PROC_FAULT_TYPO\n:owner: docs-maintainer\n"
        ":manual_reason: fault injection\n:implements: CHK_PRE_RUNTIME_SUPORTED\n```\n",
        4, r"unknown need 'CHK_PRE_RUNTIME_SUPORTED'; did you mean 'CHK_PRE_RUNTIME_SUPPORTED'\?"),
    "control with no procedure": (
        "```{control} Orphan control\n:id: CTRL_SOC2_CC6_1_FAULT_ORPHAN\n:owner: security-lead\n"
        ":frequency: quarterly\n:control_type: preventive\n:nature: manual\n:addresses: REQ_SOC2_CC6_1\n"
        ":evidenced_by: EVD_NITPICKY_BUILD\n```\n",
        0, r"carried out by at least one procedure"),
    "risk without mitigation": (
        "```{risk} Unmitigated\n:id: RISK_FAULT_UNMITIGATED\n:owner: docs-maintainer\n:severity: sev3\n```\n",
        0, r"every risk has a mitigation"),
    "criterion without evidence": (
        "```{criterion} Unproven\n:id: SC_FAULT_UNPROVEN\n:owner: docs-maintainer\n:category: quality-assurance\n```\n",
        0, r"points at the evidence"),
    "malformed directive option": (
        "```{procedure} Bad option\n:id: PROC_FAULT_OPTION\n:owner: docs-maintainer\n:bogus: 1\n```\n",
        0, r"Unknown option 'bogus'"),
    "malformed directive argument": (
        "```{coverage-matrix}\n:framework: hipaa\n```\n",
        0, r"unknown framework 'hipaa'"),
    "unknown substitution in prose": (
        "The project is {{ envs.prod.projectid }}.\n", 0, r"has no attribute 'projectid'"),
    "unknown substitution in a code block": (
        "```json\n{\"project\": \"{{ envs.production.project_id }}\"}\n```\n",
        0, r"unknown substitution 'envs.production.project_id'"),
    "field value outside the metamodel": (
        "```{procedure} Unknown owner\n:id: PROC_FAULT_OWNER\n:owner: chief-wizard\n:manual_reason: fault injection\n```\n",
        0, r"':owner: chief-wizard' is not one of"),
    "malformed id": (
        "```{procedure} Lower case\n:id: PROC_lower\n:owner: docs-maintainer\n```\n",
        0, r"does not match configured regex"),
    "id with the wrong prefix": (
        "```{procedure} Wrong prefix\n:id: CTRL_FAULT_PREFIX\n:owner: docs-maintainer\n:manual_reason: fault injection\n```\n",
        0, r"must start with 'PROC_'"),
    "procedure with neither a test nor a reason": (
        "```{procedure} Untested\n:id: PROC_FAULT_UNTESTED\n:owner: docs-maintainer\n```\n",
        0, r"needs a runnable shell snippet or a ':manual_reason:'"),
    "malformed console transcript": (
        "```console\nls without a prompt\n```\n", 1, r"malformed console transcript: text before the first"),
    "criterion id that is not in criteria.yaml": (
        "```{control} Names a criterion that does not exist\n:id: CTRL_FAULT_BAD_CRITERION\n:owner: security-lead\n"
        ":frequency: quarterly\n:control_type: preventive\n:nature: manual\n:addresses: REQ_SOC2_CC6_9\n"
        ":evidenced_by: EVD_NITPICKY_BUILD\n```\n",
        6, r"unknown need 'REQ_SOC2_CC6_9'"),
    "control that addresses no criterion": (
        "```{control} Addresses nothing\n:id: CTRL_FAULT_NO_CRITERION\n:owner: security-lead\n"
        ":frequency: quarterly\n:control_type: preventive\n:nature: manual\n"
        ":evidenced_by: EVD_NITPICKY_BUILD\n```\n",
        0, r"addresses at least one framework criterion"),
    "FINDING printed outside a finding block": (
        "```console\n$ echo 'FINDING: x'\nFINDING: x\n```\n", 0, r"records a FINDING"),
    "dangling cross-reference": (
        "See {doc}`/deployment/no-such-page`.\n", 0, r"unknown document"),
    "intelligent-deploy.sh shown with arguments": (
        "```console\n$ scripts/deployment/intelligent-deploy.sh --dry-run\n```\n",
        1, r"intelligent-deploy.sh ignores its arguments and runs a full deployment"),
    "functions deploy on a page without the runtime warning": (
        "```console\n$ firebase deploy -P dev --only functions:healthCheck\n```\n",
        1, r"deploys functions but has no \{runtime-blocker\}"),
    "console link to an unknown page": (
        "See {console}`nowhere <prod>`.\n", 0, r"console link: unknown console page 'nowhere'"),
    "threshold panel from an unknown fact": (
        "```{threshold-panel} Latency\n:normal: thresholds.api_msec\n```\n",
        0, r"threshold panel 'Latency': unknown fact 'thresholds.api_msec'"),
    "procedure without requires": (
        "```{procedure} Undeclared\n:id: PROC_FAULT_NO_REQUIRES\n:owner: docs-maintainer\n:manual_reason: fault injection\n```\n",
        0, r"a procedure needs the field ':requires:'"),
    "procedure requiring an unknown permission": (
        "```{procedure} Typo\n:id: PROC_FAULT_BAD_PERMISSION\n:owner: docs-maintainer\n:manual_reason: fault injection\n"
        ":requires: cloudfunctions.functions.fly\n```\n",
        0, r"':requires: cloudfunctions.functions.fly' is not a permission source/_data/permissions.yaml knows"),
    "procedure declaring less than its commands need": (
        "::::{procedure} Under-declared\n:id: PROC_FAULT_UNDER_DECLARED\n:owner: docs-maintainer\n"
        ":requires: cloudfunctions.functions.get\n\n```console\n$ gcloud functions list --project cvplus-dev\n```\n::::\n",
        0, r"`gcloud functions list` \(.*\) needs cloudfunctions.functions.list, which ':requires:' does not declare"),
    # rules sphinx-needs' schema validation checks (generated from metamodel.yaml), re-emitted at file:line
    "field the type does not take": (
        "```{control} Phase on a control\n:id: CTRL_FAULT_PHASE\n:owner: security-lead\n:frequency: quarterly\n"
        ":control_type: preventive\n:nature: manual\n:phase: deployment\n:addresses: REQ_SOC2_CC6_1\n"
        ":evidenced_by: EVD_NITPICKY_BUILD\n```\n",
        0, r"field ':phase:' is not allowed on a control"),
    "link the type may not use": (
        "```{evidence} Evidence that implements\n:id: EVD_FAULT_IMPLEMENTS\n:kind: export\n"
        ":implements: CHK_PRE_RUNTIME_SUPPORTED\n```\n",
        3, r"a evidence may not use ':implements:' \(allowed from: procedure\)"),
    "link to a need of the wrong type": (
        "```{procedure} Implements a risk\n:id: PROC_FAULT_TARGET_TYPE\n:owner: docs-maintainer\n:requires: none\n"
        ":manual_reason: fault injection\n:implements: RISK_DOC_ACCURACY\n```\n",
        5, r"':implements: RISK_DOC_ACCURACY' points at a risk; allowed: control, checklist"),
    "out-of-scope criterion without a reason": (
        "```{requirement} X.9: Out of scope\n:id: REQ_SOC2_FAULT_X_9\n:framework: soc2\n:ref: X.9\n"
        ":scope: out-of-scope\n```\n",
        0, r"an out-of-scope criterion needs ':scope_reason:' saying why"),
    "empty free-text field": (
        "```{procedure} Empty reason\n:id: PROC_FAULT_EMPTY_REASON\n:owner: docs-maintainer\n:requires: none\n"
        ":manual_reason:\n```\n",
        0, r"':manual_reason:' is empty"),
    "list field with a value outside the metamodel": (
        "```{procedure} Unknown environment\n:id: PROC_FAULT_ENVIRONMENT\n:owner: docs-maintainer\n:requires: none\n"
        ":manual_reason: fault injection\n:environment: dev, qa\n```\n",
        0, r"':environment: qa' is not one of dev, staging, prod"),
    "single-valued field with two values": (
        "```{requirement} X.8: Two refs\n:id: REQ_SOC2_FAULT_X_8\n:framework: soc2\n:ref: X.8, X.9\n"
        ":scope: in-scope\n```\n",
        0, r"field ':ref:' takes one value, got 2"),
}


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(FAULTS))
def test_fault_fails_build_with_file_and_line(name: str, project_copy: Path, tmp_path: Path) -> None:
    assert_fails_at(project_copy, tmp_path / "out", name, *FAULTS[name])


@pytest.mark.slow
def test_duplicate_id_names_both_places(project_copy: Path, tmp_path: Path) -> None:
    line = append(project_copy, "```{criterion} Again\n:id: SC_QA_REVIEW_CYCLE\n:category: quality-assurance\n"
                                ":owner: docs-maintainer\n:evidenced_by: EVD_NITPICKY_BUILD\n```\n")
    result = run_build(project_copy, tmp_path / "out")
    assert result.returncode != 0
    lines = [l for l in result.output.splitlines() if "SC_QA_REVIEW_CYCLE" in l and "already exists" in l]
    assert lines, result.output
    # one side is named as file:line, the other as docname:line
    assert re.search(r"\.md:\d+", lines[0]) and re.search(r"(glossary|criteria):\d+", lines[0]), lines[0]
    assert "reference/glossary" in lines[0] or f"glossary.md:{line}" in lines[0]


@pytest.mark.slow
def test_page_without_review_metadata(project_copy: Path, tmp_path: Path) -> None:
    path = project_copy / PAGE
    text = path.read_text(encoding="utf-8")
    body = text.split("---\n", 2)[2]
    path.write_text(body, encoding="utf-8")
    result = run_build(project_copy, tmp_path / "out")
    assert result.returncode != 0
    assert re.search(rf"{re.escape(PAGE)}:1: .*no 'owner'", result.output), result.output
    assert re.search(rf"{re.escape(PAGE)}:1: .*no 'last_reviewed'", result.output), result.output


@pytest.mark.slow
def test_bad_facts_file_names_file_and_line(project_copy: Path, tmp_path: Path) -> None:
    facts = project_copy / "source/_data/platform.yaml"
    lines = facts.read_text(encoding="utf-8").splitlines()
    index = next(i for i, l in enumerate(lines) if l.startswith("region:"))
    lines[index] = "region: [us-central1"
    facts.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = run_build(project_copy, tmp_path / "out")
    assert result.returncode != 0
    assert re.search(r"platform\.yaml:\d+: invalid YAML", result.output), result.output
