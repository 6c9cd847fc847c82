"""Unit tests of the local and graph checks and of the coverage status
logic, on small hand-made need sets (no Sphinx build)."""

from __future__ import annotations

import cvplus_data
from cvplus_checks import graph_findings, local_findings
from cvplus_coverage_model import compute, control_status

META = cvplus_data.load_metamodel()
FACTS = cvplus_data.load_platform()


def need(nid: str, type_: str, **fields: str) -> dict:
    return {"id": nid, "type": type_, "title": nid.title(), "docname": "x", "lineno": 1, **fields}


def test_valid_control_has_no_local_findings() -> None:
    ctrl = need("CTRL_GDPR_33_BREACH_NOTICE", "control", owner="data-protection-officer",
                frequency="on-event", control_type="corrective", nature="manual",
                addresses="REQ_GDPR_33, REQ_SOC2_CC7_4")
    assert list(local_findings(ctrl, META, FACTS)) == []


def test_local_findings_name_each_problem() -> None:
    bad = need("CTRL_X_Y", "control", owner="wizard", frequency="sometimes", control_type="deterrent",
               nature="manual", phase="deployment")
    found = "\n".join(local_findings(bad, META, FACTS))
    assert "':owner: wizard' is not one of" in found
    assert "':frequency: sometimes'" in found
    assert "':control_type: deterrent' is not one of" in found
    assert "':phase:' is not allowed on a control" in found


def test_required_fields_and_prefix() -> None:
    found = list(local_findings(need("PROC_OK_ID", "control"), META, FACTS))
    assert any("must start with 'CTRL_'" in f for f in found)
    assert any("needs the field ':owner:'" in f for f in found)
    assert any("needs the field ':frequency:'" in f for f in found)


def test_graph_rules() -> None:
    needs = {
        "CTRL_A_B": need("CTRL_A_B", "control", owner="security-lead", frequency="yearly", evidenced_by="EVD_E"),
        "CHK_A_B": need("CHK_A_B", "checklist", owner="release-manager", phase="deployment"),
        "PROC_A_B": need("PROC_A_B", "procedure", owner="release-manager", implements="CHK_A_B, RISK_R_X"),
        "RISK_R_X": need("RISK_R_X", "risk", owner="release-manager", severity="sev2"),
        "EVD_E": need("EVD_E", "evidence", kind="export"),
        "SC_S_X": need("SC_S_X", "criterion", owner="docs-maintainer", category="quality-assurance",
                       evidenced_by="EVD_GONE"),
    }
    found = "\n".join(f for _, f, _ in graph_findings(needs, META))
    assert "CTRL_A_B: every compliance control is carried out" in found
    assert "CHK_A_B: every checklist item" not in found
    assert "points at a risk; allowed: control, checklist" in found
    assert "RISK_R_X: every risk has a mitigation" in found
    assert "unknown need 'EVD_GONE'" in found
    assert "SC_S_X: every success criterion points at the evidence" in found


def test_control_status_is_computed() -> None:
    assert control_status([]) == "uncovered"
    assert control_status(["passed", "passed"]) == "verified"
    assert control_status(["passed", "passed"], finding=True) == "exception-open"
    assert control_status(["passed", "failed"], finding=True) == "failed"
    assert control_status(["passed", "manual"]) == "manual"
    assert control_status(["passed", "not-run"]) == "not-run"
    assert control_status(["manual", "failed"]) == "failed"
    assert control_status(["passed", "stale"]) == "stale"


def test_compute_uses_results_and_hashes() -> None:
    needs = {
        "CTRL_A_B": need("CTRL_A_B", "control", owner="security-lead", frequency="yearly", addresses="REQ_SOC2_CC6_1"),
        "REQ_SOC2_CC6_1": need("REQ_SOC2_CC6_1", "requirement", framework="soc2", ref="CC6.1", scope="in-scope"),
        "PROC_T_X": need("PROC_T_X", "procedure", owner="security-lead", implements="CTRL_A_B"),
        "PROC_M_X": need("PROC_M_X", "procedure", owner="security-lead", implements="CTRL_A_B",
                         manual_reason="needs a human"),
    }
    results = {"PROC_T_X": [{"need": "PROC_T_X", "outcome": "passed", "sha256": "aa", "finished": "2026-11-27T10:00:00"}]}
    data = compute(needs, results, {"PROC_T_X": {"aa"}})
    assert data["procedures"]["PROC_T_X"]["status"] == "passed"
    assert data["procedures"]["PROC_M_X"]["status"] == "manual"
    assert data["rows"][0]["design"] == "manual"
    assert data["per_framework"]["soc2"]["manual"] == 1
    unrun = compute(needs, {}, {"PROC_T_X": {"aa"}})
    assert unrun["procedures"]["PROC_T_X"]["status"] == "not-run"
    assert unrun["rows"][0]["design"] == "not-run"
    stale = compute(needs, results, {"PROC_T_X": {"bb"}})
    assert stale["procedures"]["PROC_T_X"]["status"] == "stale"
    assert stale["rows"][0]["design"] == "stale"
    partly = compute(needs, results, {"PROC_T_X": {"aa"}}, {"PROC_T_X"})
    assert partly["procedures"]["PROC_T_X"]["status"] == "manual"
    failed = compute(needs, {"PROC_T_X": [{**results["PROC_T_X"][0], "outcome": "failed"}]}, {"PROC_T_X": {"aa"}})
    assert failed["procedures"]["PROC_T_X"]["status"] == "failed"


def test_gaps_name_each_reason() -> None:
    from cvplus_coverage_model import gap_rows

    needs = {
        "CTRL_A_B": need("CTRL_A_B", "control", owner="security-lead", frequency="yearly",
                         addresses="REQ_SOC2_CC6_1", evidenced_by="EVD_SURE"),
        "CTRL_C_D": need("CTRL_C_D", "control", owner="security-lead", frequency="yearly", addresses="REQ_GDPR_30",
                         evidenced_by="EVD_UNSURE", status="to-confirm"),
        "REQ_SOC2_CC6_1": need("REQ_SOC2_CC6_1", "requirement", framework="soc2", ref="CC6.1", scope="in-scope"),
        "REQ_GDPR_30": need("REQ_GDPR_30", "requirement", framework="gdpr", ref="30", scope="in-scope"),
        "PROC_T_X": need("PROC_T_X", "procedure", owner="security-lead", implements="CTRL_A_B"),
        "PROC_M_X": need("PROC_M_X", "procedure", owner="security-lead", implements="CTRL_C_D", manual_reason="people"),
        "EVD_SURE": need("EVD_SURE", "evidence", kind="export"),
        "EVD_UNSURE": need("EVD_UNSURE", "evidence", kind="review-record", status="to-confirm"),
    }
    results = {"PROC_T_X": [{"need": "PROC_T_X", "outcome": "passed", "sha256": "aa", "finished": "2026-11-27"}]}
    data = compute(needs, results, {"PROC_T_X": {"aa"}})
    gaps = gap_rows(data, needs, "all")
    assert [g["id"] for g in gaps] == ["CTRL_C_D"]
    assert gaps[0]["reasons"] == ["only manual evidence: carried out by people, not proven by a test",
                                  "the control itself is marked to confirm",
                                  "evidence EVD_UNSURE is planned or to confirm"]
    assert gap_rows(data, needs, "soc2") == []


def test_newest_result_per_snippet_text_wins() -> None:
    needs = {"PROC_T_X": need("PROC_T_X", "procedure", owner="security-lead")}
    old_fail = {"need": "PROC_T_X", "outcome": "failed", "sha256": "aa", "finished": "2026-11-27T08:00:00"}
    new_pass = {"need": "PROC_T_X", "outcome": "passed", "sha256": "aa", "finished": "2026-11-27T09:00:00"}
    gone_fail = {"need": "PROC_T_X", "outcome": "failed", "sha256": "zz", "finished": "2026-11-27T10:00:00"}
    data = compute(needs, {"PROC_T_X": [old_fail, new_pass, gone_fail]}, {"PROC_T_X": {"aa"}})
    status = {k: data["procedures"]["PROC_T_X"][k] for k in ("status", "date", "run", "finding")}
    assert status == {"status": "passed", "date": "2026-11-27T09:00:00", "run": "", "finding": False}
    data = compute(needs, {"PROC_T_X": [new_pass, {**old_fail, "finished": "2026-11-27T11:00:00"}]}, {"PROC_T_X": {"aa"}})
    assert data["procedures"]["PROC_T_X"]["status"] == "failed"
    data = compute(needs, {"PROC_T_X": [new_pass]}, {"PROC_T_X": {"aa", "bb"}})
    assert data["procedures"]["PROC_T_X"]["status"] == "stale"


def test_a_passing_check_that_reproduces_a_finding_opens_an_exception() -> None:
    needs = {
        "CTRL_A_B": need("CTRL_A_B", "control", owner="security-lead", frequency="yearly"),
        "PROC_T_X": need("PROC_T_X", "procedure", owner="security-lead", implements="CTRL_A_B"),
    }
    passed = {"PROC_T_X": [{"need": "PROC_T_X", "outcome": "passed", "sha256": "aa", "finished": "2026-11-27",
                            "run": "R1"}]}
    data = compute(needs, passed, {"PROC_T_X": {"aa"}}, finding_hashes={"PROC_T_X": {"aa"}})
    assert data["procedures"]["PROC_T_X"]["finding"] is True
    assert data["procedures"]["PROC_T_X"]["run"] == "R1"
    assert data["rows"][0]["design"] == "exception-open"
    clean = compute(needs, passed, {"PROC_T_X": {"aa"}}, finding_hashes={})
    assert clean["rows"][0]["design"] == "verified"


def test_no_sandbox_result_sets_an_operating_status() -> None:
    """Operating status comes only from the operating register: every
    sandbox result passing, with any extra field, leaves it missing."""
    needs = {
        "CTRL_A_B": need("CTRL_A_B", "control", owner="security-lead", frequency="yearly"),
        "PROC_T_X": need("PROC_T_X", "procedure", owner="security-lead", implements="CTRL_A_B"),
    }
    forged = {"PROC_T_X": [{"need": "PROC_T_X", "outcome": "passed", "sha256": "aa", "finished": "2026-11-27",
                            "environment": "prod", "operating": "collected", "status": "collected",
                            "control": "CTRL_A_B", "result": "collected"}]}
    data = compute(needs, forged, {"PROC_T_X": {"aa"}})
    assert data["rows"][0]["design"] == "verified"
    assert data["rows"][0]["operating"] == "missing"
    assert data["per_framework"]["soc2"]["operating-collected"] == 0
