"""The weekly business review and the alerts on the business targets.

The scorecard must carry every metric the business guide promises, each
with a source and a rule; the alert templates for the business targets
must be valid AlertPolicies whose thresholds are the SLO facts, so that a
target changed in platform.yaml changes the alert with it.
"""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path

import pytest
import yaml

import cvplus_data

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / "source" / "reference" / "config"
PAGE = ROOT / "source" / "deployment" / "business-operations-guide.md"
FACTS = cvplus_data.load_platform()
METRICS = ["CVs a day", "Audio share", "Tokens per CV", "Cost per CV", "Spend against forecast", "Sales",
           "Conversion", "Refunds", "Support tickets", "Error budget left"]
BUSINESS_ALERTS = {
    "alert-cv-generation-success.yaml": f"< {FACTS['slos']['cv_generation_success_percent']}",
    "alert-registration-success.yaml": f"< {FACTS['slos']['registration_success_percent']}",
    "alert-payment-success.yaml": f"< {FACTS['slos']['payment_success_percent']}",
}


def _load(name: str, path: Path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


render = _load("cvplus_config_render_business", CONFIG / "render.py")
sys.path.insert(0, str(ROOT / "tests" / "snippets" / "standins"))
release = _load("standin_release_business", ROOT / "tests" / "snippets" / "standins" / "behaviours" / "release.py")


def _policy(name: str, facts: dict | None = None) -> dict:
    return yaml.safe_load(render.render(CONFIG / name, facts or FACTS))


def _scorecard_rows() -> dict[str, list[str]]:
    text = PAGE.read_text(encoding="utf-8")
    section = text[text.index("## Weekly business review"):text.index("### Alerts on the business targets")]
    rows = {}
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.startswith("|") and len(cells) == 5 and cells[0] not in ("Metric", "---"):
            rows[cells[0]] = cells
    return rows


def test_the_scorecard_has_every_metric_with_a_source_and_a_rule() -> None:
    rows = _scorecard_rows()
    missing = [m for m in METRICS if m not in rows]
    assert not missing, f"scorecard metrics missing: {missing}"
    for metric, (_, source, _, when, do) in rows.items():
        assert source and when and do, f"{metric}: source, condition and action are all required"
        assert re.search(r"\(([a-z ,-]*(owner|lead|maintainer)[a-z ,-]*)\)$", do), f"{metric}: the action names no role"


def test_the_scorecard_types_no_threshold() -> None:
    """Thresholds come from the facts file or the model, never typed."""
    for metric, cells in _scorecard_rows().items():
        for cell in cells[2:4]:
            bare = re.sub(r"\{\{.*?\}\}|\{capacity\}`[^`]*`|`[^`]*`", "", cell)
            assert not re.search(r"\d", bare), f"{metric}: a number typed by hand in {cell!r}"


@pytest.mark.parametrize("name", sorted(BUSINESS_ALERTS) + ["alert-conversion-drop.yaml"])
def test_business_alert_is_a_valid_alert_policy(name: str) -> None:
    policy = _policy(name)
    assert release.validate_policy(policy) == []
    assert "proposal" in (CONFIG / name).read_text(encoding="utf-8").splitlines()[0]


@pytest.mark.parametrize("name, threshold", sorted(BUSINESS_ALERTS.items()))
def test_business_alert_threshold_is_the_target(name: str, threshold: str) -> None:
    query = _policy(name)["conditions"][0]["conditionPrometheusQueryLanguage"]["query"]
    assert query.rstrip().endswith(threshold), query
    window = f"[{FACTS['business']['alerts']['success_window_s']}s]"
    assert query.count(window) == 2, query


def test_a_changed_target_changes_the_alert() -> None:
    """Fault test: the template follows the fact, it does not hold its own number."""
    facts = yaml.safe_load(yaml.safe_dump(FACTS))
    facts["slos"]["payment_success_percent"] = 97.25
    query = _policy("alert-payment-success.yaml", facts)["conditions"][0]["conditionPrometheusQueryLanguage"]["query"]
    assert query.rstrip().endswith("< 97.25")


def test_conversion_alert_uses_the_drop_of_the_cvplus_rule() -> None:
    query = _policy("alert-conversion-drop.yaml")["conditions"][0]["conditionPrometheusQueryLanguage"]["query"]
    drop = FACTS["business"]["alerts"]["conversion_drop_percent"]
    assert f"(100 - {drop}) / 100" in query and "offset 7d" in query


def test_every_business_alert_is_on_the_page_and_created_by_its_procedure() -> None:
    text = PAGE.read_text(encoding="utf-8")
    for name in list(BUSINESS_ALERTS) + ["alert-conversion-drop.yaml"]:
        assert f"`{name}`" in text, name
        assert name[len("alert-"):-len(".yaml")] in text.split("PROC_BIZ_BUSINESS_ALERTS")[1], name
