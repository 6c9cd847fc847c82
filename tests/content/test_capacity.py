"""The business guide's capacity and cost figures are computed, not typed.

The model (source/_ext/cvplus_capacity.py) is fed by the inputs under
``business:`` in platform.yaml. These tests recompute the headline figures
by hand from the facts file, check that every model input is listed as a
default to confirm, that the capacity section of the page types no number,
and that every computed value the built page shows is what the model gives.
"""

from __future__ import annotations

import copy
import math
import re
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

import cvplus_capacity as model
import cvplus_data

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "source" / "deployment" / "business-operations-guide.md"
DOCNAME = "deployment/business-operations-guide"
FACTS = cvplus_data.load_platform()

# Figures the prose must show, each at least once.
HEADLINES = [
    "volume.cvs_per_day", "volume.peak_hour_cvs", "claude.peak_rpm", "claude.budget_used_percent",
    "claude.cvs_per_day_at_budget", "claude.month_usd", "elevenlabs.characters_per_month",
    "elevenlabs.month_usd", "elevenlabs.peak_in_flight", "elevenlabs.cvs_per_day_at_concurrency",
    "functions.month_usd", "cost.month_usd", "cost.day_usd", "cost.per_cv_usd", "cost.monthly_budget_percent",
    "cost.daily_budget_percent", "cost.largest_driver", "cost.budget_status", "limits.first",
    "limits.first_cvs_per_day",
]


def _facts_with(**changes) -> dict:
    facts = copy.deepcopy(FACTS)
    for dotted, value in changes.items():
        target = facts
        *path, last = dotted.split("__")
        for part in path:
            target = target[part]
        target[last] = value
    return facts


# -- the model's arithmetic, recomputed by hand ------------------------------------

def test_headline_figures_recomputed_by_hand() -> None:
    cap, price, budgets = FACTS["business"]["capacity"], FACTS["business"]["prices"], FACTS["budgets"]
    cvs, days = cap["cvs_per_day"], cap["days_per_month"]
    claude_day = cvs * (cap["claude_input_tokens_per_cv"] * price["claude_input_usd_per_mtok"]
                        + cap["claude_output_tokens_per_cv"] * price["claude_output_usd_per_mtok"]) / 1e6
    eleven_day = cvs * cap["podcast_share"] * cap["podcast_characters"] / 1000 * price["elevenlabs_usd_per_1k_chars"]
    compute_day = 0.0
    for name, seconds in cap["seconds"].items():
        memory = FACTS["functions"][name]["memory"]
        gib = float(memory[:-3]) if memory.endswith("GiB") else float(memory[:-3]) / 1024
        runs = cvs * (cap["podcast_share"] if name == "generatePodcast" else 1)
        compute_day += runs * seconds * (cap["vcpu"] * price["vcpu_second_usd"] + gib * price["gib_second_usd"])
        compute_day += runs * price["invocations_usd_per_million"] / 1e6
    got = model.compute(FACTS)
    assert got["claude.month_usd"] == pytest.approx(claude_day * days)
    assert got["elevenlabs.month_usd"] == pytest.approx(eleven_day * days)
    assert got["functions.month_usd"] == pytest.approx(compute_day * days)
    month = (claude_day + eleven_day + compute_day) * days
    assert got["cost.month_usd"] == pytest.approx(month)
    assert got["cost.monthly_budget_percent"] == pytest.approx(month / budgets["monthly_usd"] * 100)
    peak_rpm = cvs * cap["peak_hour_share"] / 60 * cap["claude_calls_per_cv"]
    assert got["claude.peak_rpm"] == pytest.approx(peak_rpm)
    assert got["claude.cvs_per_day_at_budget"] == pytest.approx(
        cvs * FACTS["envs"]["prod"]["llm_requests_per_minute"] / peak_rpm)
    assert got["cost.cvs_per_day_at_warning"] == pytest.approx(
        cvs * budgets["monthly_usd"] * budgets["warning_percent"] / 100 / month)


def test_instances_follow_load_and_concurrency() -> None:
    cap = FACTS["business"]["capacity"]
    got = model.compute(FACTS)
    for name, seconds in cap["seconds"].items():
        share = cap["podcast_share"] if name == "generatePodcast" else 1
        load = cap["cvs_per_day"] * cap["peak_hour_share"] / 3600 * share * seconds
        assert got[f"functions.{name}.peak_in_flight"] == pytest.approx(load)
        assert got[f"functions.{name}.instances"] == math.ceil(load / cap["concurrency"])


def test_model_is_linear_in_volume() -> None:
    one, ten = model.compute(FACTS), model.compute(FACTS, FACTS["business"]["capacity"]["cvs_per_day"] * 10)
    for key in ("cost.month_usd", "claude.peak_rpm", "elevenlabs.characters_per_month", "functions.day_usd"):
        assert ten[key] == pytest.approx(one[key] * 10)
    assert ten["cost.cvs_per_day_at_warning"] == pytest.approx(one["cost.cvs_per_day_at_warning"])


def test_a_run_longer_than_the_timeout_is_refused() -> None:
    too_long = FACTS["functions"]["processCV"]["timeout_s"] + 1
    with pytest.raises(model.ModelError, match=r"business\.capacity\.seconds\.processCV .* timeout"):
        model.compute(_facts_with(business__capacity__seconds__processCV=too_long))


def test_a_missing_input_names_it() -> None:
    facts = copy.deepcopy(FACTS)
    del facts["business"]["prices"]["elevenlabs_usd_per_1k_chars"]
    with pytest.raises(model.ModelError, match=r"business\.prices\.elevenlabs_usd_per_1k_chars"):
        model.compute(facts)


# -- inputs are defaults to confirm; derived facts follow their source -------------

def _leaves(data: dict, prefix: str) -> list[str]:
    keys = []
    for key, value in data.items():
        dotted = f"{prefix}.{key}"
        keys += _leaves(value, dotted) if isinstance(value, dict) else [dotted]
    return keys


def test_every_assumed_price_and_volume_is_to_confirm() -> None:
    inputs = _leaves(FACTS["business"]["capacity"], "business.capacity") + _leaves(
        FACTS["business"]["prices"], "business.prices")
    inputs.remove("business.capacity.growth")  # the rows of the scenario table, not an assumption
    missing = [key for key in inputs if key not in FACTS["to_confirm"]]
    assert not missing, f"model inputs without a to_confirm entry: {missing}"


def test_budget_rules_are_the_budget_percentages() -> None:
    rules, budgets = FACTS["business"]["budget_rules"], FACTS["budgets"]
    assert rules["warning"] == pytest.approx(budgets["warning_percent"] / 100)
    assert rules["critical"] == pytest.approx(budgets["critical_percent"] / 100)


# -- the page -------------------------------------------------------------------------

def _capacity_section(text: str) -> str:
    start = text.index("## Capacity planning")
    end = text.index("\n## ", start + 1)
    return text[start:end]


def test_the_capacity_section_types_no_number() -> None:
    section = _capacity_section(PAGE.read_text(encoding="utf-8"))
    section = re.sub(r"```\{[^}]+\}.*?```", "", section, flags=re.S)  # computed tables, to-confirm boxes
    section = re.sub(r"\{\{.*?\}\}", "", section)  # facts
    section = re.sub(r"\{capacity\}`[^`]*`", "", section)  # computed values
    typed = [line.strip() for line in section.splitlines() if re.search(r"\d", line)]
    assert not typed, "numbers typed by hand in the capacity section:\n" + "\n".join(typed)


@pytest.fixture(scope="module")
def page(built) -> BeautifulSoup:
    return BeautifulSoup(built.page(DOCNAME), "html.parser")


def test_every_computed_value_on_the_page_is_the_model(page: BeautifulSoup) -> None:
    shown = model.formatted(model.compute(FACTS))
    seen = set()
    for element in page.select(".cvplus-computed"):
        keys = [c[len("capkey-"):] for c in element["class"] if c.startswith("capkey-")]
        if not keys:
            continue
        seen.add(keys[0])
        assert element.get_text() == shown[keys[0]], f"{keys[0]}: page shows {element.get_text()!r}"
    missing = [key for key in HEADLINES if key not in seen]
    assert not missing, f"headline figures not shown on the page: {missing}"


def test_scenario_table_is_the_model_at_each_growth_multiple(page: BeautifulSoup) -> None:
    rows = {row["multiple"]: row for row in model.scenarios(FACTS)}
    cells = page.select("[class*='capscenario-']")
    assert len(cells) == len(rows) * 6
    for cell in cells:
        label = next(c for c in cell["class"] if c.startswith("capscenario-"))
        multiple, key = label[len("capscenario-"):].split("-", 1)
        assert cell.get_text() == rows[multiple][key], label


def test_the_page_shows_the_inputs_to_confirm(page: BeautifulSoup) -> None:
    text = page.get_text(" ")
    for key in ("business.capacity.cvs_per_day", "business.prices.elevenlabs_usd_per_1k_chars",
                "business.capacity.elevenlabs_plan", "business.rollout.observation_hours"):
        assert key in text, f"{key} is not listed as a default to confirm on the page"


@pytest.mark.slow
def test_an_unknown_key_fails_the_build_with_page_and_line(project_copy: Path, tmp_path: Path) -> None:
    from manual_build import run_build

    page = project_copy / "source" / "deployment" / "business-operations-guide.md"
    text = page.read_text(encoding="utf-8")
    page.write_text(text + "\nA typo: {capacity}`cost.monthly_usd`.\n", encoding="utf-8")
    line = text.count("\n") + 2
    result = run_build(project_copy, tmp_path / "html")
    assert result.returncode != 0
    assert re.search(rf"business-operations-guide\.md:{line}: .*unknown key 'cost\.monthly_usd'", result.output), \
        result.output[-2000:]
