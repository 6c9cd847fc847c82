"""The runbooks (source/deployment/runbooks/): their computed facts, their
shape, the troubleshooting index, and the stand-in behaviours they rely on.

Every number the runbooks derive from other facts (error budgets, burn
rates, the full-redeploy time) is recomputed here from the facts it comes
from, so a change to an SLO or a deployment setting fails this test until
the runbook facts follow.
"""

from __future__ import annotations

import json
import math
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

import cvplus_data

ROOT = Path(__file__).resolve().parents[2]
RUNBOOKS = ROOT / "source" / "deployment" / "runbooks"
DIAGRAMS = ROOT / "source" / "diagrams"
STANDINS = ROOT / "tests" / "snippets" / "standins"
FACTS = cvplus_data.load_platform()
RB = FACTS["runbooks"]

PAGES = ["system-health-monitoring", "troubleshooting", "performance-optimization",
         "security-incident-response", "business-continuity", "external-services"]

# Need IDs other pages and the matrix link to: they must survive rewrites.
KEPT_IDS = ["DEL_OPERATIONAL_RUNBOOKS", "PROC_RB_HEALTH_TRIAGE", "PROC_RB_DEPLOY_QUOTA_RECOVERY",
            "PROC_RB_DEPLOY_AUTH", "PROC_RB_FUNCTION_ERROR_TRIAGE", "PROC_RB_MISSING_INDEX",
            "PROC_RB_COLD_START_TUNING", "PROC_RB_SLOW_GENERATION", "PROC_RB_WEB_VITALS_REGRESSION",
            "PROC_RB_CONTAIN_LEAKED_SECRET", "PROC_RB_REVOKE_ACCESS", "PROC_RB_SECURITY_TRIAGE",
            "PROC_RB_RESTORE_FIRESTORE_PITR", "PROC_RB_IMPORT_FIRESTORE_EXPORT", "PROC_RB_RESTORE_DRILL",
            "PROC_RB_ANTHROPIC_DEGRADED", "PROC_RB_STRIPE_WEBHOOK_RECOVERY", "PROC_RB_ELEVENLABS_QUOTA"]

# Procedures that stay manual, each for the reason its :manual_reason: gives.
MANUAL_ALLOWED = {"PROC_RB_SLOW_GENERATION", "PROC_RB_SECURITY_TRIAGE", "PROC_RB_REGION_OUTAGE"}


def page(name: str) -> str:
    return (RUNBOOKS / f"{name}.md").read_text(encoding="utf-8")


# -- computed facts ------------------------------------------------------------------

def test_error_budget_is_computed_from_the_slo() -> None:
    slo, days = FACTS["slos"]["availability_percent"], FACTS["slos"]["window_days"]
    budget = RB["error_budget"]
    window = days * 24 * 60
    minutes = (100 - slo) / 100 * window
    assert budget["window_minutes"] == window
    assert budget["budget_minutes"] == pytest.approx(minutes, abs=0.05)
    assert budget["failed_per_million"] == round((100 - slo) / 100 * 1_000_000)
    left = minutes - budget["example_outage_minutes"]
    assert budget["example_left_minutes"] == pytest.approx(left, abs=0.05)
    assert budget["example_left_percent"] == round(left / minutes * 100)


@pytest.mark.parametrize("slo_key, count_key, allowed_key", [
    ("cv_generation_success_percent", "cv_jobs_example", "cv_failures_allowed"),
    ("registration_success_percent", "signups_example", "signup_failures_allowed"),
    ("payment_success_percent", "payments_example", "payment_failures_allowed"),
])
def test_business_budgets_are_computed_from_their_slos(slo_key: str, count_key: str, allowed_key: str) -> None:
    budget = RB["error_budget"]
    expected = (100 - FACTS["slos"][slo_key]) / 100 * budget[count_key]
    assert budget[allowed_key] == pytest.approx(expected, abs=0.5)


@pytest.mark.parametrize("name", sorted(RB["burn_alerts"]))
def test_burn_rate_alerts_are_consistent(name: str) -> None:
    alert = RB["burn_alerts"][name]
    window_hours = FACTS["slos"]["window_days"] * 24
    assert alert["budget_percent"] == pytest.approx(alert["rate"] * alert["window_hours"] / window_hours * 100)
    assert alert["exhausts_in_hours"] == pytest.approx(window_hours / alert["rate"])
    assert alert["route"] in ("page", "ticket")


def test_full_redeploy_time_is_computed_from_the_batches() -> None:
    redeploy = RB["recovery"]["full_redeploy"]
    batches = math.ceil(FACTS["total_functions"] / FACTS["deploy"]["batch_size"])
    pause = (batches - 1) * FACTS["deploy"]["batch_pause_s"] / 60
    assert redeploy["batches"] == batches
    assert redeploy["pause_minutes"] == pytest.approx(pause)
    assert redeploy["total_minutes"] == math.ceil(batches * redeploy["minutes_per_batch"] + pause)


def test_rotation_calendar_covers_every_credential_once() -> None:
    not_secret = {"STRIPE_PUBLISHABLE_KEY", "ELEVENLABS_HOST1_VOICE_ID", "ELEVENLABS_HOST2_VOICE_ID",
                  "GOOGLE_CLIENT_ID", "MICROSOFT_CLIENT_ID"}
    credentials = set(FACTS["secrets"]["functions"]) - not_secret
    listed = [name.strip() for month in RB["rotation_calendar"].values() for name in month.split(",")]
    assert sorted(listed) == sorted(credentials), "each credential is rotated in exactly one month"


def test_recovery_objectives_cover_every_component() -> None:
    assert set(RB["recovery"]["rpo"]) == {"firestore", "firestore_older", "storage", "hosting", "functions",
                                          "auth", "secrets"}
    text = page("business-continuity")
    for key in RB["recovery"]["rpo"]:
        assert f"runbooks.recovery.rpo.{key}" in text, f"RPO '{key}' is not shown in the table"


# -- shape of every runbook -----------------------------------------------------------

@pytest.mark.parametrize("name", PAGES)
def test_runbook_opens_with_severity_owner_and_first_action(name: str) -> None:
    text = page(name)
    body = text.split("---", 2)[2]
    head = body.split("\n## ", 1)[0]
    for field in (":Severity:", ":Owner:", ":First action:"):
        assert field in head, f"{name}: '{field}' must come before the first section"
    assert re.search(r"`(" + "|".join(FACTS["roles"]) + r")`", head.split(":Owner:", 1)[1].split("\n")[0]), \
        f"{name}: the owner line names a role id"
    first_section = re.search(r"^## (.+)$", body, re.M).group(1)
    # The troubleshooting guide starts with its index: searching it is the first action.
    assert first_section in ("First command", "First commands", "Find the error"), \
        f"{name}: the first section is '{first_section}'"


@pytest.mark.parametrize("name", PAGES)
def test_runbook_has_decision_tree_escalation_and_controls(name: str) -> None:
    text = page(name)
    trees = re.findall(r"```\{mermaid\} /diagrams/(runbook-[a-z-]+\.mmd)", text)
    assert trees, f"{name}: no decision tree"
    index = (DIAGRAMS / "index.md").read_text(encoding="utf-8")
    for tree in trees:
        source = (DIAGRAMS / tree).read_text(encoding="utf-8")
        assert "accTitle:" in source and "accDescr:" in source
        assert f"/diagrams/{tree}" in index, f"{tree} has no text version on the diagrams page"
    assert "## Escalate" in text and "{doc}`/reference/contacts`" in text
    assert re.search(r":implements: .*CTRL_", text), f"{name}: no procedure names the control it carries out"


@pytest.mark.parametrize("name", PAGES)
def test_manual_procedures_are_the_allowed_few(name: str) -> None:
    text = page(name)
    for block in re.split(r"\n(?=:{3,4}\{procedure\}|```\{procedure\})", text)[1:]:
        need = re.search(r":id: (\S+)", block).group(1)
        if ":manual_reason:" in block.split("\n\n", 1)[0]:
            assert need in MANUAL_ALLOWED, f"{need} became manual; convert it to a tested snippet"


def test_existing_need_ids_are_kept() -> None:
    text = "\n".join(page(name) for name in [*PAGES, "index"])
    missing = [need for need in KEPT_IDS if f":id: {need}\n" not in text]
    assert not missing, f"need IDs removed: {missing}"


# -- the troubleshooting index ------------------------------------------------------------

def test_troubleshooting_has_twenty_failure_modes_all_reachable_from_the_index() -> None:
    text = page("troubleshooting")
    anchors = re.findall(r"^\((rb-[a-z0-9-]+)\)=$", text, re.M)
    assert len(anchors) >= 20, f"only {len(anchors)} failure modes"
    index = text.split("## Find the error", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in index.splitlines() if line.startswith("| ") and "{ref}" in line]
    linked = {ref for row in rows for ref in re.findall(r"\{ref\}`(rb-[a-z0-9-]+)`", row)}
    assert set(anchors) <= linked, f"not in the index: {sorted(set(anchors) - linked)}"
    for row in rows:
        cells = [cell.strip() for cell in row.strip("|").split("|")]
        assert cells[0] and "{ref}" in cells[-1], row


@pytest.mark.parametrize("text", [
    "Exceeded maximum retries while deploying functions",
    "No signatures found matching the expected signature for payload",
    "Timestamp outside the tolerance zone",
    "has incorrect \"aud\" (audience) claim",
    "The Firebase ID token has been revoked.",
])
def test_indexed_error_texts_are_the_tools_own(text: str) -> None:
    """The exact strings in the index come from the installed tools."""
    sources = {
        "Exceeded maximum retries": "node_modules/firebase-tools/lib/deploy/functions/release/reporter.js",
        "No signatures found": "node_modules/stripe/cjs/Webhooks.js",
        "Timestamp outside": "node_modules/stripe/cjs/Webhooks.js",
        "has incorrect": "node_modules/firebase-admin/lib/auth/token-verifier.js",
        "has been revoked": "node_modules/firebase-admin/lib/utils/error.js",
    }
    path = next(ROOT / p for key, p in sources.items() if key in text)
    if not path.is_file():
        pytest.skip(f"{path} is not installed")
    code = path.read_text(encoding="utf-8").replace('\\"', '"')
    assert text.split(" (")[0].replace('"aud"', "") in code.replace('"aud"', "")
    assert text in " ".join(page("troubleshooting").split()), "the index quotes the tool's text"


def test_scheduler_job_name_matches_firebase_tools() -> None:
    backend = ROOT / "node_modules/firebase-tools/lib/deploy/functions/backend.js"
    if not backend.is_file():
        pytest.skip("firebase-tools is not installed")
    assert "`firebase-schedule-${cloudFunction.id}-${cloudFunction.region}`" in backend.read_text(encoding="utf-8")
    assert "firebase-schedule-cleanupExpiredData-{{ region }}" in page("troubleshooting")


def test_gdpr_clock_is_handed_to_the_compliance_pages() -> None:
    text = page("security-incident-response")
    assert "{{ compliance.breach.authority_hours }}" in text
    assert "{doc}`/deployment/compliance/incident-notification`" in text
    assert "PROC_COMP_BREACH_CLOCK" in text


# -- stand-in behaviours ---------------------------------------------------------------------

def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def provider_model(tmp_path: Path):
    scenarios = tmp_path / "scenarios.json"
    scenarios.write_text(json.dumps({"anthropic": ["rate_limit", "ok"], "elevenlabs_tts": ["concurrency"],
                                     "elevenlabs_subscription": [{"case": "ok", "used": 10, "limit": 20}]}))
    port = _free_port()
    proc = subprocess.Popen([sys.executable, str(STANDINS / "behaviours" / "runbooks.py"), "provider-model",
                             f"127.0.0.1:{port}", str(scenarios)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    proc.terminate()
    proc.wait(timeout=5)


def _call(url: str, headers: dict, body: dict | None = None) -> tuple[int, dict, dict]:
    request = urllib.request.Request(url, data=json.dumps(body).encode() if body is not None else None,
                                     headers=headers, method="POST" if body is not None else "GET")
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, dict(response.headers), json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as err:
        return err.code, dict(err.headers), json.loads(err.read() or b"{}")


def test_provider_model_answers_with_documented_shapes(provider_model: str) -> None:
    headers = {"x-api-key": "k", "anthropic-version": RB["vendor"]["anthropic_version"],
               "content-type": "application/json"}
    status, head, body = _call(f"{provider_model}/v1/messages", headers, {"model": "m", "max_tokens": 1})
    assert status == 429 and body["type"] == "error" and body["error"]["type"] == "rate_limit_error"
    assert "retry-after" in {k.lower() for k in head} and body["request_id"].startswith("req_")
    status, _, body = _call(f"{provider_model}/v1/messages", headers, {"model": "m", "max_tokens": 1})
    assert status == 200 and body["type"] == "message"
    status, _, body = _call(f"{provider_model}/v1/messages", {"anthropic-version": "x"}, {"model": "m"})
    assert status == 401 and body["error"]["type"] == "authentication_error"
    status, _, body = _call(f"{provider_model}/v1/text-to-speech/voice", {"xi-api-key": "k"}, {"text": "t"})
    assert status == 429 and body["detail"]["status"] == "too_many_concurrent_requests"
    status, _, body = _call(f"{provider_model}/v1/user/subscription", {"xi-api-key": "k"})
    assert status == 200 and {"character_count", "character_limit", "next_character_count_reset_unix"} <= set(body)


@pytest.fixture
def cloud(tmp_path: Path):
    """Run the gcloud stand-in in a fixture checkout with a private HOME."""
    import world

    checkout = tmp_path / "cvplus"
    # after the runtime upgrade: the unchanged nodejs20 fixture cannot deploy functions
    world.lay_out_fixture(checkout, cvplus_data.load_platform()["runtime_upgrade"]["target"])
    env = {**os.environ, "HOME": str(tmp_path / "home"), **world.sandbox_env()}

    def run(*argv: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, str(STANDINS / "standin.py"), *argv], cwd=checkout, env=env,
                              capture_output=True, text=True, timeout=60)

    assert run("firebase", "use", "staging").returncode == 0
    assert run("firebase", "deploy", "--only", "functions").returncode == 0
    return run


def test_scheduler_job_exists_once_its_function_is_deployed(cloud) -> None:
    project = FACTS["envs"]["staging"]["project_id"]
    job = f"firebase-schedule-cleanupExpiredData-{FACTS['region']}"
    fields = "value(state,schedule,timeZone)"
    result = cloud("gcloud", "scheduler", "jobs", "describe", job, "--location", FACTS["region"],
                   "--project", project, f"--format={fields}")
    spec = FACTS["functions"]["cleanupExpiredData"]
    assert result.stdout.strip().split("\t") == ["ENABLED", spec["schedule"], spec["time_zone"]]
    assert cloud("gcloud", "scheduler", "jobs", "pause", job, "--location", FACTS["region"],
                 "--project", project).stdout.strip() == "Job has been paused."
    wrong = cloud("gcloud", "scheduler", "jobs", "describe", job, "--location", "europe-west1", "--project", project)
    assert wrong.returncode == 1 and "NOT_FOUND" in wrong.stderr


def test_point_in_time_clone_respects_the_recovery_window(cloud) -> None:
    project = FACTS["envs"]["staging"]["project_id"]
    source = f"--source-database=projects/{project}/databases/(default)"

    def clone(minutes_ago: int, name: str, second: int = 0) -> subprocess.CompletedProcess:
        moment = time.gmtime(time.time() - minutes_ago * 60)
        stamp = time.strftime(f"%Y-%m-%dT%H:%M:{second:02d}Z", moment)
        return cloud("gcloud", "firestore", "databases", "clone", "--project", project, source,
                     f"--snapshot-time={stamp}", f"--destination-database={name}", "--format=value(name)")

    # the clone answers with its long-running operation (real gcloud does the same)
    assert clone(10, "restore-recent").stdout.strip().startswith(f"projects/{project}/databases/restore-recent/operations/")
    assert "whole minute" in clone(10, "restore-seconds", second=30).stderr
    assert "1 hour" in clone(180, "restore-old").stderr
    assert cloud("gcloud", "firestore", "databases", "update", "--project", project, "--enable-pitr").returncode == 0
    assert clone(180, "restore-old").returncode == 0
    assert "ALREADY_EXISTS" in clone(5, "restore-recent").stderr
