"""Alerts as data: the alert -> runbook check (source/_ext/cvplus_alerts.py).

The check runs on the real facts and templates and finds nothing; each
fault, injected into a copy of the templates or of the facts, is found and
named with its file and line. One fault also goes through a whole build
(tests/build/test_alert_faults.py) to prove the build fails on it.
"""

from __future__ import annotations

import copy
import json
import re
import shutil
from pathlib import Path

import pytest
import yaml

import cvplus_alerts
import cvplus_data
from cvplus_facts import substitute

ROOT = Path(__file__).resolve().parents[2]
SOURCE = ROOT / "source"
CONFIG = SOURCE / "reference" / "config"
FACTS = cvplus_data.load_platform()
LABEL = re.compile(r"^\(([A-Za-z0-9_-]+)\)=\s*$", re.M)

# Fields of UptimeCheckConfig and HttpCheck in the Monitoring API v3, as the
# generated client of gcloud 528 defines them
# (googlecloudsdk/generated_clients/apis/monitoring/v3/monitoring_v3_messages.py).
UPTIME_FIELDS = {"checkerType", "contentMatchers", "displayName", "httpCheck", "internalCheckers", "isInternal",
                 "monitoredResource", "name", "period", "resourceGroup", "selectedRegions", "syntheticMonitor",
                 "tcpCheck", "timeout", "userLabels"}
HTTP_CHECK_FIELDS = {"acceptedResponseStatusCodes", "authInfo", "body", "contentType", "customContentType", "headers",
                     "maskHeaders", "path", "pingConfig", "port", "requestMethod", "serviceAgentAuthentication",
                     "useSsl", "validateSsl"}
DOCUMENTATION_FIELDS = {"content", "links", "mimeType", "subject"}


def labels() -> dict[str, str]:
    """Every MyST label of the manual, with the page that defines it."""
    found = {}
    for path in SOURCE.rglob("*.md"):
        for name in LABEL.findall(path.read_text(encoding="utf-8")):
            found[name] = str(path.relative_to(SOURCE).with_suffix(""))
    return found


def run(facts=FACTS, config=CONFIG):
    return cvplus_alerts.check(facts, labels(), config, cvplus_data.PLATFORM_FILE)


@pytest.fixture
def config(tmp_path: Path) -> Path:
    target = tmp_path / "config"
    shutil.copytree(CONFIG, target)
    return target


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path.name}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def line_of(path: Path, needle: str) -> int:
    return next(n for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if needle in line)


def only(problems, pattern: str):
    hits = [p for p in problems if re.search(pattern, p[2])]
    assert hits, f"/{pattern}/ not in {problems}"
    return hits[0]


def test_the_manual_has_no_alert_routing_problem() -> None:
    assert run() == []


def test_every_routed_alert_has_its_template_and_every_template_a_routed_alert() -> None:
    alerts = FACTS["alerting"]["alerts"]
    named = {a[f] for a in alerts.values() for f in ("policy", "uptime") if a.get(f)}
    on_disk = {p.name for p in CONFIG.glob("alert-*.yaml")} | {p.name for p in CONFIG.glob("uptime-*.yaml")}
    assert named == on_disk
    # the alerts the runbooks route (issue 15): uptime, burn rate, latency, error rate,
    # function errors, database, sign-in, budget and the business targets
    for alert in ("hosting_down", "health_check", "burn_fast", "burn_slow", "burn_steady", "api_latency",
                  "function_errors", "database_failures", "signin_failures", "budget_warning", "budget_critical",
                  "cv_generation_success", "registration_success", "payment_success", "conversion_drop"):
        assert alert in alerts, alert


# -- each fault is found, at its file and line --------------------------------------------

def test_routed_alert_without_its_policy(config: Path) -> None:
    (config / "alert-firestore-errors.yaml").unlink()
    path, line, message = only(run(config=config), r"alert 'database_failures': routed alert has no policy")
    assert path.endswith("platform.yaml")
    assert line == cvplus_alerts.facts_line(cvplus_data.PLATFORM_FILE, "alerting", "alerts", "database_failures",
                                            "policy") > 1


def test_policy_that_no_routed_alert_claims(config: Path) -> None:
    shutil.copy(config / "alert-api-latency.yaml", config / "alert-orphan.yaml")
    path, line, _ = only(run(config=config), r"no routed alert .* claims this template")
    assert (Path(path).name, line) == ("alert-orphan.yaml", 1)


def test_runbook_section_that_does_not_exist() -> None:
    facts = copy.deepcopy(FACTS)
    facts["alerting"]["alerts"]["api_latency"]["anchor"] = "rb-no-such-section"
    path, line, message = only(run(facts), r"'rb-no-such-section' is not a label")
    assert "no page defines it" in message and path.endswith("platform.yaml") and line > 1


def test_route_of_the_policy_disagrees_with_the_routing_table(config: Path) -> None:
    edit(config / "alert-api-latency.yaml", "  route: page\n", "  route: ticket\n")
    path, line, message = only(run(config=config), r"route label is 'ticket' but the routing table")
    assert (Path(path).name, line) == ("alert-api-latency.yaml", line_of(config / "alert-api-latency.yaml", "route: ticket"))


def test_routing_table_change_alone_is_caught_too() -> None:
    facts = copy.deepcopy(FACTS)
    facts["alerting"]["alerts"]["api_latency"]["route"] = "ticket"
    only(run(facts), r"alert-api-latency|route label is 'page' but the routing table .* says 'ticket'")


def test_severity_of_the_policy_disagrees(config: Path) -> None:
    edit(config / "alert-payment-success.yaml", "severity: CRITICAL", "severity: WARNING")
    path, line, _ = only(run(config=config), r"severity is WARNING but sev1")
    assert line == line_of(config / "alert-payment-success.yaml", "severity: WARNING")


@pytest.mark.parametrize("old, new, pattern", [
    ("**Impact**", "**Effect**", r"does not say impact"),
    ("    3. ", "    - ", r"lists 2 first actions, not 3"),
    ("**Severity**: SEV-2", "**Severity**: SEV-3", r"another severity than the routing table's"),
    ("#rb-function-error\n", "#rb-function-errors\n", r"does not link to its runbook section"),
])
def test_documentation_gaps(config: Path, old: str, new: str, pattern: str) -> None:
    edit(config / "alert-function-error-rate.yaml", old, new)
    path, line, _ = only(run(config=config), pattern)
    assert Path(path).name == "alert-function-error-rate.yaml" and line > 1


def test_uptime_policy_watches_the_host_of_its_check(config: Path) -> None:
    edit(config / "uptime-hosting.yaml", 'host: "{{ domain }}"', 'host: "www.{{ domain }}"')
    only(run(config=config), r"does not watch the host of uptime-hosting\.yaml")


def test_unknown_route_in_the_facts() -> None:
    facts = copy.deepcopy(FACTS)
    facts["alerting"]["alerts"]["cold_start"]["route"] = "pigeon"
    only(run(facts), r"route 'pigeon' is not one of")


# -- the templates follow the API resources ----------------------------------------------------

def rendered(name: str) -> dict:
    text, unknown = substitute((CONFIG / name).read_text(encoding="utf-8"), FACTS)
    assert not unknown
    return yaml.safe_load(text)


@pytest.mark.parametrize("name", sorted(p.name for p in CONFIG.glob("uptime-*.yaml")))
def test_uptime_check_is_an_uptime_check_config(name: str) -> None:
    check = rendered(name)
    assert set(check) <= UPTIME_FIELDS, set(check) - UPTIME_FIELDS
    assert set(check["httpCheck"]) <= HTTP_CHECK_FIELDS
    assert check["monitoredResource"]["type"] == "uptime_url"
    assert set(check["monitoredResource"]["labels"]) == {"project_id", "host"}
    assert check["period"] in ("60s", "300s", "600s", "900s")
    assert 1 <= int(check["timeout"].rstrip("s")) <= 60


def _within(template, created) -> bool:
    """Every field of ``template`` is in ``created`` with the same value (the API adds its defaults)."""
    if isinstance(template, dict):
        return isinstance(created, dict) and all(k in created and _within(v, created[k]) for k, v in template.items())
    return template == created


def test_uptime_creation_commands_build_the_templates(tmp_path: Path) -> None:
    """The page's two `gcloud monitoring uptime create` commands, run as the
    page runs them (gcloud on the simulated Monitoring API, in a fixture
    sandbox), create each template's UptimeCheckConfig, except its
    ``userLabels``: gcloud 528 sets an uptime check's labels only inside the
    ``--regions`` branch of ModifyUptimeCheck
    (googlecloudsdk/command_lib/monitoring/util.py), which the page says."""
    import world

    page, _ = substitute((CONFIG / "index.md").read_text(encoding="utf-8"), FACTS)
    commands = [line.strip()[2:] for line in page.splitlines() if line.strip().startswith("$ gcloud monitoring uptime create")]
    assert len(commands) == 2
    project = FACTS["envs"]["prod"]["project_id"]
    box = world.fixture_sandbox(tmp_path / "box", real_firebase=True)
    try:
        box.grant(None, "*")
        for command in commands:
            done = box.run(command, timeout=120)
            assert done.status == 0 and "Created uptime" in done.output, done.output
        listed = box.run(f"gcloud monitoring uptime list-configs --project {project} --format=json", timeout=120)
    finally:
        box.close()
    assert listed.status == 0, listed.output
    created = {c["displayName"]: c for c in json.loads(listed.output)}
    for name in ("uptime-hosting.yaml", "uptime-health.yaml"):
        template = rendered(name)
        check = created[template["displayName"]]
        assert "userLabels" not in check, name
        assert _within({k: v for k, v in template.items() if k != "userLabels"}, check), (name, check)


@pytest.mark.parametrize("name", sorted(p.name for p in CONFIG.glob("alert-*.yaml")))
def test_policy_documentation_uses_only_api_fields(name: str) -> None:
    policy = rendered(name)
    assert set(policy["documentation"]) <= DOCUMENTATION_FIELDS
    assert policy["documentation"]["mimeType"] == "text/markdown"
    assert all(set(link) == {"displayName", "url"} for link in policy["documentation"]["links"])
    assert len(policy["documentation"]["content"]) <= 8192


def test_burn_lookback_is_the_burn_window() -> None:
    for kind, alert in FACTS["runbooks"]["burn_alerts"].items():
        assert FACTS["alerting"]["burn_lookback"][kind] == f"{alert['window_hours'] * 60}m"
        policy = rendered(f"alert-burn-{kind}.yaml")
        condition = policy["conditions"][0]["conditionThreshold"]
        assert condition["thresholdValue"] == alert["rate"]
        assert f'"{FACTS["alerting"]["burn_lookback"][kind]}")' in condition["filter"]
        assert policy["userLabels"]["route"] == alert["route"]


# Condition, alert-strategy and aggregation fields of AlertPolicy in the same
# generated client (gcloud 528, monitoring_v3_messages.py).
CONDITION_FIELDS = {
    "conditionThreshold": {"aggregations", "comparison", "denominatorAggregations", "denominatorFilter", "duration",
                           "evaluationMissingData", "filter", "forecastOptions", "thresholdValue", "trigger"},
    "conditionMatchedLog": {"filter", "labelExtractors"},
    "conditionPrometheusQueryLanguage": {"alertRule", "disableMetricValidation", "duration", "evaluationInterval",
                                         "labels", "query", "ruleGroup"},
}
AGGREGATION_FIELDS = {"alignmentPeriod", "crossSeriesReducer", "groupByFields", "perSeriesAligner"}
STRATEGY_FIELDS = {"autoClose", "notificationChannelStrategy", "notificationPrompts", "notificationRateLimit"}
COMPARISONS = {"COMPARISON_GT", "COMPARISON_GE", "COMPARISON_LT", "COMPARISON_LE", "COMPARISON_EQ", "COMPARISON_NE"}


@pytest.mark.parametrize("name", sorted(p.name for p in CONFIG.glob("alert-*.yaml")))
def test_policy_conditions_use_only_api_fields(name: str) -> None:
    policy = rendered(name)
    assert set(policy["alertStrategy"]) <= STRATEGY_FIELDS
    for condition in policy["conditions"]:
        kind = next(k for k in condition if k.startswith("condition"))
        body = condition[kind]
        assert set(body) <= CONDITION_FIELDS[kind], set(body) - CONDITION_FIELDS[kind]
        for aggregation in body.get("aggregations", []):
            assert set(aggregation) <= AGGREGATION_FIELDS
        if kind == "conditionThreshold":
            assert body["comparison"] in COMPARISONS
        if kind == "conditionMatchedLog":
            # the API refuses a log-match policy without a notification rate limit
            assert policy["alertStrategy"]["notificationRateLimit"]["period"].endswith("s")
