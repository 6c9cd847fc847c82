"""The compliance section (source/deployment/compliance/): the control
catalogue an auditor reads, the procedures that carry it out, the auditor
view, and the sandbox world its tested procedures run against."""

from __future__ import annotations

import datetime
import importlib.util
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

import cvplus_data
from cvplus_checks import split_list
from cvplus_coverage_model import gap_rows
from manual_build import ROOT, run_build
from cvplus_handoff import Manifest, read_manifest

FACTS = cvplus_data.load_platform()
SECTION = "deployment/compliance/"
STANDINS = ROOT / "tests" / "snippets" / "standins"

# The IDs other pages and the matrix already linked to before the catalogue grew.
ORIGINAL_CONTROLS = {
    "CTRL_SOC2_CC6_1_ACCESS_REVIEW", "CTRL_SOC2_CC8_1_CHANGE_APPROVAL", "CTRL_SOC2_A1_2_BACKUP_RECOVERY",
    "CTRL_SOC2_CC7_MONITOR_AND_RESPOND", "CTRL_GDPR_28_PROCESSOR_AGREEMENTS", "CTRL_GDPR_12_DSAR_RESPONSE",
    "CTRL_GDPR_33_BREACH_NOTICE", "CTRL_PCI_SAQ_A_SCOPE",
}
# What the issue asks the catalogue to answer, at least.
SOC2_REQUIRED = {"CC6.1", "CC6.2", "CC6.3", "CC7.2", "CC7.3", "CC7.4", "CC7.5", "CC8.1", "A1.2", "A1.3"}
GDPR_REQUIRED = {5, 12, 15, 16, 17, 18, 19, 20, 21, 22, 25, 28, 30, 32, 33, 34, 35}
# Procedures whose commands exist and run in the sandbox: they must stay tested.
TESTED = {
    "PROC_COMP_IAM_BASELINE", "PROC_COMP_ACCESS_REVIEW", "PROC_COMP_BASIC_ROLE_CHECK", "PROC_COMP_REMOVE_BINDING",
    "PROC_COMP_IAM_CHANGE_SAMPLE", "PROC_COMP_SA_KEY_REVIEW", "PROC_COMP_SA_KEY_DELETE",
    "PROC_COMP_SECRET_ROTATION_REVIEW", "PROC_COMP_AUDIT_LOG_CONFIG", "PROC_COMP_RULES_REVIEW",
    "PROC_COMP_SECRET_SWEEP", "PROC_COMP_RUNTIME_SUPPORT_CHECK", "PROC_COMP_BACKUP_EVIDENCE",
    "PROC_COMP_INVENTORY_CHECK", "PROC_COMP_RETENTION_CHECK", "PROC_COMP_DSAR_INTAKE", "PROC_COMP_BREACH_CLOCK",
    "PROC_COMP_EVIDENCE_PRESERVATION", "PROC_COMP_PCI_SCOPE_CHECK",
}


def _of_type(needs: dict, type_name: str) -> dict:
    return {nid: n for nid, n in needs.items() if n["type"] == type_name}


def _manifest(built) -> Manifest:
    return read_manifest(built.outdir / "snippets.json")


def test_catalogue_has_thirty_controls_and_keeps_the_original_ids(built) -> None:
    controls = _of_type(built.needs, "control")
    assert len(controls) >= 30, len(controls)
    assert ORIGINAL_CONTROLS <= set(controls)
    assert all(c["docname"] == SECTION + "control-catalogue" for c in controls.values())


def test_every_control_is_complete(built) -> None:
    needs = built.needs
    problems = []
    for nid, control in _of_type(needs, "control").items():
        criteria = split_list(control.get("addresses"))
        if not criteria or any(needs.get(c, {}).get("type") != "requirement" for c in criteria):
            problems.append(f"{nid}: no framework criterion, or one that is not a requirement need")
        if not control.get("control_type") or not control.get("nature"):
            problems.append(f"{nid}: control type or nature missing")
        if not control.get("owner") or not control.get("frequency"):
            problems.append(f"{nid}: owner or frequency missing")
        evidence = control.get("evidenced_by") or []
        if not evidence or any(needs.get(e, {}).get("type") != "evidence" for e in evidence):
            problems.append(f"{nid}: evidence missing or not an evidence need")
        if not control.get("implements_back"):
            problems.append(f"{nid}: carried out by no procedure")
    assert not problems, "\n".join(problems)


def test_catalogue_answers_the_frameworks_the_issue_names(built) -> None:
    needs = built.needs
    refs: dict[str, set[str]] = {fw: set() for fw in cvplus_data.load_metamodel()["frameworks"]}
    for control in _of_type(needs, "control").values():
        for target in split_list(control.get("addresses")):
            refs[needs[target]["framework"]].add(needs[target]["ref"])
    gdpr = {int(ref.split("(")[0]) for ref in refs["gdpr"]}
    assert SOC2_REQUIRED <= refs["soc2"], SOC2_REQUIRED - refs["soc2"]
    assert GDPR_REQUIRED <= gdpr, GDPR_REQUIRED - gdpr
    assert {"12.8.1", "12.10.1", "11.3.2", "8.3.1"} <= refs["pci"], refs["pci"]
    # requirements SAQ A v4.0.1 does not contain for a redirect are out of scope, with a reason
    for ref in ("6.4.3", "11.6.1", "12.3.1"):
        crit = needs[f"REQ_PCI_{ref.replace('.', '_')}"]
        assert crit["scope"] == "out-of-scope" and crit["scope_reason"], ref
        assert not crit.get("addresses_back") and ref not in refs["pci"], ref


def test_uncertain_facts_are_marked_to_confirm(built) -> None:
    """The questionnaire type is unconfirmed, so every PCI control is; so are
    the processor agreements, the impact assessment and the retention."""
    needs = built.needs
    pci = {nid for nid, n in needs.items() if n["type"] == "requirement" and n["framework"] == "pci"}
    assert pci and all(needs[nid]["status"] == "to-confirm" for nid in pci)
    for nid, control in _of_type(needs, "control").items():
        criteria = set(split_list(control.get("addresses")))
        if criteria and criteria <= pci:
            assert control.get("status") in ("to-confirm", "planned"), nid
    for nid in ("CTRL_GDPR_28_PROCESSOR_AGREEMENTS", "CTRL_GDPR_35_DPIA", "CTRL_GDPR_5_RETENTION",
                "CTRL_GDPR_44_TRANSFERS", "CTRL_SOC2_CC7_1_RUNTIME_SUPPORT"):
        assert needs[nid]["status"] == "to-confirm", nid
    for nid in ("EVD_SAQ_ATTESTATION", "EVD_PROCESSOR_REGISTER", "EVD_DPIA", "EVD_RETENTION_SCHEDULE"):
        assert needs[nid]["status"] == "to-confirm", nid
    privacy = built.page(SECTION + "data-privacy")
    assert privacy.count("to confirm") >= 10


def test_procedures_with_a_command_are_tested(built) -> None:
    needs = built.needs
    snippets = _manifest(built).snippets
    runnable = {s.need for s in snippets if s.need and not s.not_run}
    not_run = {s.need for s in snippets if s.need and s.not_run}
    for nid in TESTED:
        assert needs[nid]["type"] == "procedure", nid
        assert not needs[nid].get("manual_reason"), f"{nid} claims a manual reason"
        assert nid in runnable and nid not in not_run, f"{nid} has no runnable snippet, or one marked not-run"
    compliance_procs = {nid for nid, n in _of_type(needs, "procedure").items() if n["docname"].startswith(SECTION)}
    for nid in compliance_procs - TESTED:
        assert needs[nid].get("manual_reason") or nid in not_run, f"{nid}: neither tested nor says why"
    assert len(TESTED & compliance_procs) >= 15


def test_auditor_view_shows_every_framework_with_its_gaps(built) -> None:
    html = built.page(SECTION + "auditor-view")
    for framework in cvplus_data.load_metamodel()["frameworks"]:
        assert f"cvplus-matrix-{framework}" in html, framework
    assert html.count("cvplus-gaps") >= 4  # one gap table per framework, and one for all
    assert "cvplus-coverage-frameworks" in html
    for nid, control in _of_type(built.needs, "control").items():
        assert nid in html, f"{nid} missing from the auditor view"


def test_gaps_list_manual_and_unconfirmed_controls(built) -> None:
    needs = built.needs
    data = json.loads((built.outdir / "coverage.json").read_text(encoding="utf-8"))
    gaps = {r["id"]: r["reasons"] for r in gap_rows(data, needs, "all")}
    for row in data["rows"]:
        if row["type"] != "control":
            continue
        if row["design"] == "manual":
            assert any("manual" in reason for reason in gaps[row["id"]]), row["id"]
        if row["to_confirm"]:
            assert any("to confirm" in reason for reason in gaps[row["id"]]), row["id"]
    page = built.page(SECTION + "auditor-view")
    for nid in gaps:
        assert nid in page


def test_breach_diagram_agrees_with_the_facts() -> None:
    text = (ROOT / "source" / "diagrams" / "breach-notification.mmd").read_text(encoding="utf-8")
    hours = FACTS["compliance"]["breach"]["authority_hours"]
    assert text.startswith("flowchart TD") and "accDescr:" in text
    numbers = {int(n) for n in re.findall(r"(\d+)[- ]hour", text)}
    assert numbers == {hours}, numbers
    for duty in ("processor", "plain language", "reasons", "public notice", "Stripe", "register"):
        assert duty.lower() in text.lower(), duty


def test_dsar_deadlines_on_the_page_follow_the_law() -> None:
    """Independent of the page's calculator: the transcript's dates must be
    the month-end and day-count results the facts imply."""
    page = (ROOT / "source" / "deployment" / "compliance" / "data-privacy.md").read_text(encoding="utf-8")
    assert "GDPR due           2027-02-28" in page  # received 31 January; no 31 February: last day of the month
    assert "GDPR if extended   2027-04-30" in page
    dsar = FACTS["compliance"]["dsar"]
    assert dsar["gdpr_total_months"] == dsar["gdpr_months"] + dsar["gdpr_extension_months"]
    assert dsar["ccpa_total_days"] == dsar["ccpa_days"] + dsar["ccpa_extension_days"]
    assert dsar["internal_target_days"] < 28  # before the shortest possible month
    base = datetime.date(2026, 11, 27)
    assert f"CCPA due           {base + datetime.timedelta(days=dsar['ccpa_days'])}" in page
    assert f"CCPA if extended   {base + datetime.timedelta(days=dsar['ccpa_total_days'])}" in page
    assert f"internal target    {base + datetime.timedelta(days=dsar['internal_target_days'])}" in page


def _load_behaviour():
    sys.path.insert(0, str(STANDINS))
    try:
        import standin  # noqa: F401
    finally:
        sys.path.pop(0)
    sys.modules.setdefault("standin", standin)
    spec = importlib.util.spec_from_file_location("compliance_behaviour_under_test", STANDINS / "behaviours" / "compliance.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_seeded_policy_differs_from_the_page_baseline_only_by_the_drift(built) -> None:
    """The access model on the page, the facts and the stand-in agree: the
    seeded staging policy is the baseline plus the one legacy binding the
    review is written to find."""
    behaviour = _load_behaviour()
    project = FACTS["envs"]["staging"]["project_id"]
    seeded = behaviour.seed(project, FACTS)
    lines = set()
    for role, members in seeded["bindings"].items():
        for member in members:
            if re.match(r"^serviceAccount:(service-)?[0-9]+@", member):
                continue
            lines.add(f"{role} {re.sub(r'^serviceAccount:[0-9]+-compute@', 'serviceAccount:PROJECT_NUMBER-compute@', member)}")
    snippet = next(s for s in _manifest(built).snippets if s.need == "PROC_COMP_IAM_BASELINE" and "<<EOF" in s.text)
    body = snippet.text.split("<<EOF\n", 1)[1].split("\n> EOF", 1)[0]
    baseline = {line[2:].replace("$PROJECT", project) for line in body.splitlines()}
    assert lines - baseline == {f"roles/editor serviceAccount:legacy-deploy@{project}.iam.gserviceaccount.com"}
    assert baseline <= lines


@pytest.fixture
def cloud(tmp_path: Path) -> dict:
    subprocess.run([sys.executable, str(ROOT / "tests" / "snippets" / "world.py"), str(tmp_path / "cvplus")],
                   check=True, capture_output=True)
    env = {"HOME": str(tmp_path / "home"), "PATH": f"{STANDINS / 'bin'}:/usr/bin:/bin",
           "CVPLUS_PYTHON": sys.executable, "LC_ALL": "C.UTF-8"}
    return {"cwd": tmp_path / "cvplus", "env": env}


def _gcloud(cloud: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["gcloud", *args], cwd=cloud["cwd"], env=cloud["env"], capture_output=True, text=True,
                          timeout=60)


@pytest.mark.parametrize("args, reason", [
    (["iam", "service-accounts", "keys", "list", "--iam-acount=x"], "unknown option '--iam-acount'"),
    (["projects", "remove-iam-policy-binding", "p", "--member=m", "--role=r", "--gen2"], "unknown option '--gen2'"),
    (["iam", "service-accounts", "keys", "rotate"], "not a command in the recorded gcloud grammar"),
])
def test_stand_in_refuses_what_gcloud_lacks(cloud: dict, args: list[str], reason: str) -> None:
    result = _gcloud(cloud, *args)
    assert result.returncode == 2 and "REFUSED" in result.stderr and reason in result.stderr


def test_stand_in_iam_world_is_stateful(cloud: dict) -> None:
    project = FACTS["envs"]["staging"]["project_id"]
    member = f"serviceAccount:legacy-deploy@{project}.iam.gserviceaccount.com"
    policy = json.loads(_gcloud(cloud, "projects", "get-iam-policy", project, "--format=json").stdout)
    assert member in next(b["members"] for b in policy["bindings"] if b["role"] == "roles/editor")
    removed = _gcloud(cloud, "projects", "remove-iam-policy-binding", project, f"--member={member}",
                      "--role=roles/editor", "--format=none")
    assert removed.returncode == 0 and f"Updated IAM policy for project [{project}]." in removed.stderr
    again = _gcloud(cloud, "projects", "remove-iam-policy-binding", project, f"--member={member}", "--role=roles/editor")
    assert again.returncode == 1 and "not found" in again.stderr
    policy = json.loads(_gcloud(cloud, "projects", "get-iam-policy", project, "--format=json").stdout)
    assert all(member not in b["members"] for b in policy["bindings"])
    assert policy["etag"] and policy["auditConfigs"][0]["service"] == "secretmanager.googleapis.com"
    unknown = _gcloud(cloud, "projects", "get-iam-policy", "no-such-project")
    assert unknown.returncode == 1


def test_stand_in_keys_honour_age_and_deletion(cloud: dict) -> None:
    project = FACTS["envs"]["staging"]["project_id"]
    legacy = f"legacy-deploy@{project}.iam.gserviceaccount.com"
    limit = datetime.timedelta(days=FACTS["compliance"]["iam"]["key_max_age_days"])
    cutoff = "--created-before=" + (datetime.datetime.now(datetime.timezone.utc) - limit).strftime("%Y-%m-%dT%H:%M:%SZ")
    old = _gcloud(cloud, "iam", "service-accounts", "keys", "list", f"--iam-account={legacy}", "--managed-by=user",
                  cutoff, "--format=value(name.basename())").stdout.split()
    assert len(old) == 1
    system = _gcloud(cloud, "iam", "service-accounts", "keys", "list",
                     f"--iam-account={FACTS['compliance']['iam']['deployer_account']}@{project}.iam.gserviceaccount.com",
                     "--managed-by=system", "--format=json")
    assert [k["keyType"] for k in json.loads(system.stdout)] == ["SYSTEM_MANAGED"]
    deleted = _gcloud(cloud, "iam", "service-accounts", "keys", "delete", old[0], f"--iam-account={legacy}", "--quiet")
    assert deleted.returncode == 0
    left = _gcloud(cloud, "iam", "service-accounts", "keys", "list", f"--iam-account={legacy}", "--managed-by=user")
    assert left.stdout == "" and "Listed 0 items." in left.stderr


@pytest.mark.slow
def test_build_fails_when_a_compliance_control_loses_its_procedure(project_copy: Path) -> None:
    """Taking every procedure away from a catalogue control fails the
    build, naming the control at its file and line."""
    control = "CTRL_SOC2_CC6_1_USER_DATA_RULES"
    removed = 0
    for page in (project_copy / "source").rglob("*.md"):
        lines = page.read_text(encoding="utf-8").splitlines(keepends=True)
        kept = []
        for line in lines:
            if line.startswith(":implements:") and control in line:
                targets = [t.strip() for t in line.split(":", 2)[2].split(",") if t.strip() != control]
                removed += 1
                if targets:
                    kept.append(":implements: " + ", ".join(targets) + "\n")
                continue
            kept.append(line)
        page.write_text("".join(kept), encoding="utf-8")
    assert removed >= 1
    result = run_build(project_copy, project_copy / "build" / "html")
    assert result.returncode != 0
    assert re.search(r"control-catalogue\.md:\d+: WARNING: CTRL_SOC2_CC6_1_USER_DATA_RULES: every compliance "
                     r"control is carried out by at least one procedure", result.output), result.output[-3000:]
