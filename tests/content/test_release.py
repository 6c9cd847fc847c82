"""Release and operations content: the configuration templates, the release
gate, the stand-in's policy checks and the shape of the release scenario.

The master deployment guide is itself the end-to-end release scenario: its
snippets run in page order in one sandbox (tests/snippets/
test_manual_snippets.py). The tests here check that the order really is
staging deploy -> GO -> production promote -> NO-GO -> rollback -> GO ->
unpin, that nothing in that path is skipped, and that the templates the
pages apply are filled from the facts file and valid for the APIs that take
them.
"""

from __future__ import annotations

import importlib.util
import json
import re
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import yaml

import cvplus_data

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / "source" / "reference" / "config"
STANDINS = ROOT / "tests" / "snippets" / "standins"
FACTS = cvplus_data.load_platform()
GUIDE = "deployment/master-deployment-guide"


def _load(name: str, path: Path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


render = _load("cvplus_config_render", CONFIG / "render.py")
if str(STANDINS) not in sys.path:
    sys.path.insert(0, str(STANDINS))
import standin  # noqa: E402
from cvplus_handoff import read_manifest

release_behaviours = _load("standin_behaviours_release_under_test", STANDINS / "behaviours" / "release.py")

POLICIES = sorted(p.name for p in CONFIG.glob("alert-*.yaml"))


def rendered(name: str) -> str:
    return render.render(CONFIG / name, FACTS)


def sourced(name: str, tmp_path: Path, *variables: str) -> dict[str, str]:
    """The variables of an env template after bash has sourced it."""
    path = tmp_path / name
    path.write_text(rendered(name), encoding="utf-8")
    script = f"set -eu; source {path}; " + "; ".join(f'printf "%s\\n" "${v}"' for v in variables)
    out = subprocess.run(["bash", "-c", script], capture_output=True, text=True, check=True).stdout.splitlines()
    return dict(zip(variables, out))


# -- templates ---------------------------------------------------------------------

def test_every_template_renders_from_the_facts_file() -> None:
    names = [p.name for p in render.templates()]
    assert set(names) >= {*POLICIES, "billing-budget.env", "firestore-backups.env", "release-gate.sh",
                          "firebase-emulators.json"}
    for name in names:
        text = rendered(name)
        assert "{{" not in text, f"{name}: a placeholder was left unfilled"


def test_render_script_writes_every_template(tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, str(CONFIG / "render.py"), str(tmp_path)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in render.templates())
    assert (tmp_path / "release-gate.sh").stat().st_mode & 0o111


def test_unknown_placeholder_stops_the_render(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("displayName: {{ thresholds.no_such_threshold }}\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"bad\.yaml: unknown placeholder\(s\) thresholds\.no_such_threshold"):
        render.render(bad, FACTS)


@pytest.mark.parametrize("name", POLICIES)
def test_alert_policy_is_a_valid_alert_policy(name: str) -> None:
    policy = yaml.safe_load(rendered(name))
    assert release_behaviours.validate_policy(policy) == []
    assert policy["documentation"]["content"].strip(), "each policy names the runbook to open"
    # The PromQL policies on the functions' numbers hold for the alert window;
    # uptime, burn-rate, database, sign-in and log policies have their own
    # (tests/build/test_alerts.py checks those against the routing facts).
    condition = policy["conditions"][0].get("conditionPrometheusQueryLanguage")
    if condition and "run_googleapis_com" in condition["query"]:
        assert condition["duration"] == f"{FACTS['operations']['alert_window_s']}s"


@pytest.mark.parametrize("name, threshold", [
    ("alert-function-error-rate.yaml", f"> {FACTS['thresholds']['error_rate_percent']}"),
    ("alert-api-latency.yaml", f"> {FACTS['thresholds']['api_ms']}"),
    ("alert-slow-generation.yaml", f"> {FACTS['thresholds']['slow_generation_s']} * 1000"),
    ("alert-cold-start.yaml", f"> {FACTS['thresholds']['cold_start_ms']}"),
])
def test_alert_policy_threshold_comes_from_the_facts(name: str, threshold: str) -> None:
    policy = yaml.safe_load(rendered(name))
    query = policy["conditions"][0]["conditionPrometheusQueryLanguage"]["query"]
    assert query.rstrip().endswith(threshold), query
    assert threshold.split()[1] in policy["displayName"]


def test_latency_policies_split_the_long_running_functions_exactly() -> None:
    """API latency skips exactly the functions whose facts timeout exceeds the
    60 s default, and slow generation watches exactly those."""
    long_running = {standin.service_name(name) for name, spec in FACTS["functions"].items()
                    if spec.get("timeout_s", 60) > 60}
    api = yaml.safe_load(rendered("alert-api-latency.yaml"))["conditions"][0]["conditionPrometheusQueryLanguage"]["query"]
    slow = yaml.safe_load(rendered("alert-slow-generation.yaml"))["conditions"][0]["conditionPrometheusQueryLanguage"]["query"]
    excluded = set(re.search(r'service_name!~"([^"]+)"', api).group(1).split("|"))
    watched = set(re.search(r'service_name=~"([^"]+)"', slow).group(1).split("|"))
    assert excluded == watched == long_running


def test_budget_template_matches_the_facts(tmp_path: Path) -> None:
    values = sourced("billing-budget.env", tmp_path, "BUDGET_AMOUNT", "BUDGET_WARNING_PERCENT",
                     "BUDGET_CRITICAL_PERCENT", "BUDGET_NAME")
    budgets = FACTS["budgets"]
    assert values["BUDGET_AMOUNT"] == f"{FACTS['business']['budget_plan']['google_usd']}USD"
    assert int(values["BUDGET_WARNING_PERCENT"]) == budgets["warning_percent"]
    assert int(values["BUDGET_CRITICAL_PERCENT"]) == budgets["critical_percent"]
    assert values["BUDGET_NAME"]


def test_backup_template_matches_the_facts_and_the_schedule_limits(tmp_path: Path) -> None:
    values = sourced("firestore-backups.env", tmp_path, "FIRESTORE_DATABASE", "DAILY_RETENTION",
                     "WEEKLY_RETENTION", "WEEKLY_DAY", "EXPORT_BUCKET")
    ops = FACTS["operations"]
    assert values["FIRESTORE_DATABASE"] == ops["firestore_database"]
    assert values["EXPORT_BUCKET"] == FACTS["deploy"]["backup_bucket"]
    assert (values["DAILY_RETENTION"], values["WEEKLY_RETENTION"], values["WEEKLY_DAY"]) == (
        ops["backups"]["daily_retention"], ops["backups"]["weekly_retention"], ops["backups"]["weekly_day"])
    # Firestore allows at most 7 days on a daily schedule and 14 weeks on a weekly one.
    assert release_behaviours._seconds(values["DAILY_RETENTION"]) <= 7 * 86400
    assert release_behaviours._seconds(values["WEEKLY_RETENTION"]) <= 14 * 7 * 86400


def test_emulator_ports_match_the_facts_and_the_fixture() -> None:
    import world

    config = json.loads(rendered("firebase-emulators.json"))["emulators"]
    ports = {name: spec["port"] for name, spec in config.items() if isinstance(spec, dict) and "port" in spec}
    expected = {k: v for k, v in FACTS["emulators"].items() if k != "project_id"}
    assert ports == expected
    fixture = world.firebase_config(FACTS)["emulators"]
    assert {k: v["port"] for k, v in fixture.items() if isinstance(v, dict) and "port" in v} == \
        {k: v for k, v in expected.items() if k != "ui"}


# -- the stand-in's policy check refuses what the API refuses ------------------------------

@pytest.mark.parametrize("change, problem", [
    ({"notAField": 1}, 'Unknown name "notAField"'),
    ({"combiner": "XOR"}, "combiner must be"),
    ({"conditions": []}, "at least one condition"),
    ({"conditions": [{"displayName": "x", "conditionThreshold": {}, "conditionAbsent": {}}]}, "exactly one condition type"),
    ({"conditions": [{"displayName": "x", "conditionPrometheusQueryLanguage": {"query": "up", "duration": "5m"}}]},
     "duration such as 300s"),
    ({"conditions": [{"displayName": "x", "conditionPrometheusQueryLanguage": {"query": "sum(rate(x[5m])"}}]},
     "unbalanced '()'"),
])
def test_policy_validation_catches_mistakes(change: dict, problem: str) -> None:
    policy = {**yaml.safe_load(rendered("alert-cold-start.yaml")), **change}
    assert any(problem in p for p in release_behaviours.validate_policy(policy)), release_behaviours.validate_policy(policy)


# -- the release gate ----------------------------------------------------------------------

class _Health(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802
        status = 200 if self.path.endswith("/healthCheck") else 503
        body = b'{"status":"healthy"}' if status == 200 else b'{"status":"degraded"}'
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture(scope="module")
def functions_url():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Health)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/demo/{FACTS['region']}"
    server.shutdown()


@pytest.fixture(scope="module")
def gate(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("gate") / "release-gate.sh"
    path.write_text(rendered("release-gate.sh"), encoding="utf-8")
    path.chmod(0o755)
    return path


def run_gate(gate: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(gate), *args], capture_output=True, text=True, timeout=60)


def test_release_gate_passes_shellcheck(gate: Path) -> None:
    proc = subprocess.run(["shellcheck", "--shell=bash", str(gate)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout


def test_release_gate_says_go_within_the_limits(gate: Path, functions_url: str) -> None:
    limit = FACTS["thresholds"]
    proc = run_gate(gate, functions_url, str(limit["error_rate_percent"]), str(limit["api_ms"]))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[-1] == "GO"
    assert [line.split()[0] for line in lines[:-1]] == ["PASS", "PASS", "PASS"]


@pytest.mark.parametrize("error_rate, api_ms, failing", [
    ("+0.1", "0", "error rate"),
    ("0", "+1", "API latency p95"),
])
def test_release_gate_says_no_go_just_over_a_limit(gate: Path, functions_url: str, error_rate: str,
                                                   api_ms: str, failing: str) -> None:
    limit = FACTS["thresholds"]

    def value(spec: str, base: float) -> str:
        return str(round(base + float(spec), 1)) if spec.startswith("+") else spec

    proc = run_gate(gate, functions_url, value(error_rate, limit["error_rate_percent"]), value(api_ms, limit["api_ms"]))
    assert proc.returncode == 1
    assert proc.stdout.splitlines()[-1] == "NO-GO: 1 check(s) failed"
    assert f"FAIL  {failing}:" in proc.stdout


def test_release_gate_fails_an_unhealthy_or_unreachable_function(gate: Path, functions_url: str) -> None:
    proc = run_gate(gate, functions_url, "0", "0", "healthCheck", "pricingHealthCheck")
    assert proc.returncode == 1
    assert "FAIL  pricingHealthCheck: HTTP 503" in proc.stdout
    proc = run_gate(gate, "http://127.0.0.1:9", "0", "0")
    assert proc.returncode == 1 and "FAIL  healthCheck: no answer" in proc.stdout


@pytest.mark.parametrize("args", [[], ["http://x", "0"], ["http://x", "a lot", "100"]])
def test_release_gate_refuses_to_decide_without_numbers(gate: Path, args: list[str]) -> None:
    assert run_gate(gate, *args).returncode == 2


# -- the built guide: the release scenario and the checklist ---------------------------------

def _guide_snippets(built) -> list[dict]:
    manifest = read_manifest(built.outdir / "snippets.json")
    return sorted((s for s in manifest.snippets if s.docname == GUIDE), key=lambda s: s.line)


def test_the_guide_runs_the_release_scenario_in_order(built) -> None:
    """staging deploy -> GO -> production promote -> NO-GO -> rollback -> GO -> unpin."""
    snippets = [s for s in _guide_snippets(built) if not s.not_run]
    steps = [
        ("staging deploy", "PROC_DEPLOY_STAGING", "deploy_function_batches staging"),
        ("staging GO", "PROC_DEPLOY_STAGING", "\nGO"),
        ("production promote", "PROC_DEPLOY_PRODUCTION", ":live"),
        ("production NO-GO", "PROC_DEPLOY_PRODUCTION", "NO-GO"),
        ("web app rolled back", "PROC_DEPLOY_ROLLBACK_HOSTING", "@$PREVIOUS_VERSION"),
        ("functions rolled back", "PROC_DEPLOY_ROLLBACK_FUNCTIONS", "--to-revisions"),
        ("GO after the rollback", "PROC_DEPLOY_ROLLBACK_FUNCTIONS", "\nGO"),
        ("traffic unpinned", "PROC_DEPLOY_UNPIN_TRAFFIC", "--to-latest"),
    ]
    positions = []
    for label, need, marker in steps:
        found = [i for i, s in enumerate(snippets) if s.need == need and marker in s.text]
        assert found, f"{label}: no runnable snippet of {need} contains {marker!r}"
        positions.append(found[0])
    assert positions == sorted(positions), dict(zip([s[0] for s in steps], positions))


def test_every_procedure_of_the_guide_is_tested(built) -> None:
    runnable = {s.need for s in _guide_snippets(built) if not s.not_run}
    procedures = {k for k, n in built.needs.items() if n["docname"] == GUIDE and n["type"] == "procedure"}
    assert procedures and procedures <= runnable, sorted(procedures - runnable)


def test_every_checklist_item_of_the_guide_links_to_a_procedure(built) -> None:
    needs = built.needs
    items = {k for k, n in needs.items() if n["docname"] == GUIDE and n["type"] == "checklist"}
    carried = {target for n in needs.values() if n["type"] == "procedure" for target in n.get("implements", [])}
    assert items and not items - carried, sorted(items - carried)
    phases = {needs[k]["phase"] for k in items}
    assert phases == set(cvplus_data.load_metamodel()["release_phases"])


def test_operations_manual_lists_every_function_of_the_facts_by_group(built) -> None:
    page = built.page("deployment/technical-operations-manual")
    for name, spec in FACTS["functions"].items():
        assert f">{name}<" in page, f"{name} is missing from the inventory"
    for group in {spec["group"] for spec in FACTS["functions"].values()}:
        assert f"Group {group}:" in page
