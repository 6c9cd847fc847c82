"""Unit tests of the schema generated from the metamodel, of how its findings
are phrased, of the dangling-link check and of the coverage status logic, on
small hand-made need sets (no Sphinx build)."""

from __future__ import annotations

import cvplus_data
from cvplus_checks import dangling_links
from cvplus_coverage_model import compute, control_status
from cvplus_needs_schema import describe, field_schema, schema_definitions

META = cvplus_data.load_metamodel()
FACTS = cvplus_data.load_platform()


def need(nid: str, type_: str, **fields: str) -> dict:
    return {"id": nid, "type": type_, "title": nid.title(), "docname": "x", "lineno": 1, **fields}


def test_field_schemas_follow_the_metamodel() -> None:
    """Each field's generated schema takes what the metamodel allows and refuses the rest."""
    import jsonschema_rs

    def ok(field: str, value: str) -> bool:
        schema = field_schema(META, FACTS, field)
        return schema is None or jsonschema_rs.validator_for(schema).is_valid(value)

    assert ok("owner", "security-lead") and not ok("owner", "wizard")
    assert ok("frequency", "on-event") and not ok("frequency", "sometimes")
    assert ok("environment", "staging, prod") and not ok("environment", "dev, qa")
    assert ok("framework", "pci") and not ok("framework", "hipaa")
    assert ok("phase", "incident") and ok("phase", "sign-off") and not ok("phase", "later")
    assert ok("ref", "28(3)") and not ok("ref", "CC6.1, CC6.2")
    assert ok("manual_reason", "needs a human, and a key") and not ok("manual_reason", "  ")
    assert field_schema(META, FACTS, "requires") is None  # checked against permissions.yaml by cvplus_iam


def test_type_schemas_follow_the_metamodel() -> None:
    schemas = {s["id"]: s for s in schema_definitions(META)["schemas"]}
    for spec in META["types"]:
        name = spec["directive"]
        assert schemas[f"prefix:{name}"]["validate"]["local"]["properties"]["id"]["pattern"].startswith("^")
        local = schemas[f"fields:{name}"]["validate"]["local"]
        assert local.get("required", []) == META["type_fields"][name].get("required", [])
        assert local["unevaluatedProperties"] is False
    targets = schemas["targets:procedure:implements"]["validate"]["network"]["implements"]["items"]["local"]
    assert targets["properties"]["type"]["enum"] == ["control", "checklist"]
    carried = schemas["control-carried-out"]["validate"]["network_back"]["implements"]
    assert carried["minContains"] == 1
    assert schemas["risk-mitigated"]["validate"]["network"]["mitigated_by"]["minContains"] == 1
    assert schemas["out-of-scope-has-reason"]["validate"]["local"]["required"] == ["scope_reason"]


def test_findings_are_phrased_in_the_manuals_words() -> None:
    """sphinx-needs' findings (as its report writes them) become our sentences and name the option."""
    needs = {
        "PROC_A_B": need("PROC_A_B", "procedure", owner="wizard", implements="RISK_R_X", environment="dev, qa"),
        "RISK_R_X": need("RISK_R_X", "risk", owner="release-manager", severity="sev2"),
        "CTRL_A_B": need("CTRL_A_B", "control", phase="deployment"),
    }

    def said(need_id: str, subtype: str, **details: str) -> list[tuple[str, str | None]]:
        return describe({"subtype": subtype, "details": details}, needs[need_id], needs, META, FACTS)

    assert said("PROC_A_B", "field_fail", field="owner")[0][0].startswith("PROC_A_B: ':owner: wizard' is not one of ")
    assert said("PROC_A_B", "field_fail", field="environment")[0][0].startswith("PROC_A_B: ':environment: qa' is not one of")
    assert said("PROC_A_B", "network_local_fail", need_path="PROC_A_B > implements > RISK_R_X",
                schema_path="targets:procedure:implements[14] > validate") == [
        ("PROC_A_B: ':implements: RISK_R_X' points at a risk; allowed: control, checklist", "implements")]
    assert said("CTRL_A_B", "local_fail", schema_path="fields:control[7] > local > required",
                validation_msg='"owner" is a required property') == [("CTRL_A_B: a control needs the field ':owner:'", None)]
    assert said("CTRL_A_B", "local_fail", schema_path="fields:control[7] > local > unevaluatedProperties",
                validation_msg="Unevaluated properties are not allowed ('phase' was unexpected)") == [
        ("CTRL_A_B: field ':phase:' is not allowed on a control", None)]
    assert said("CTRL_A_B", "network_contains_too_few", schema_path="control-carried-out[40] > validate") == [
        ("CTRL_A_B: every compliance control is carried out by at least one procedure (rule control-carried-out)", None)]
    assert said("PROC_A_B", "local_fail", schema_path="prefix:procedure[1] > local") == [
        ("PROC_A_B: a procedure ID must start with 'PROC_'", None)]


def test_dangling_links_name_the_nearest_id() -> None:
    needs = {
        "CHK_PRE_RUNTIME_SUPPORTED": need("CHK_PRE_RUNTIME_SUPPORTED", "checklist"),
        "PROC_A_B": need("PROC_A_B", "procedure", implements="CHK_PRE_RUNTIME_SUPORTED, CTRL_NOWHERE"),
    }
    found = list(dangling_links(needs, META))
    assert found == [
        ("PROC_A_B", "PROC_A_B: ':implements:' points at unknown need 'CHK_PRE_RUNTIME_SUPORTED'; "
                     "did you mean 'CHK_PRE_RUNTIME_SUPPORTED'?", "implements"),
        ("PROC_A_B", "PROC_A_B: ':implements:' points at unknown need 'CTRL_NOWHERE'", "implements")]


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
