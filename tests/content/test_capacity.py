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
    "volume.cvs_per_day", "volume.peak_hour_cvs", "claude.peak_rpm", "claude.month_usd", "claude.tier",
    "claude.tier_outgrown_cvs_per_day", "claude.first_tier_outgrown_cvs_per_day", "openai.month_usd",
    "elevenlabs.characters_per_month", "elevenlabs.plan", "elevenlabs.month_usd", "elevenlabs.plan_leave_cvs_per_day",
    "elevenlabs.peak_in_flight", "elevenlabs.cvs_per_day_at_concurrency", "cost.month_usd", "cost.per_cv_usd",
    "cost.monthly_budget_percent", "cost.largest_driver", "cost.budget_status", "limits.first",
    "limits.first_cvs_per_day", "revenue.price_usd", "revenue.net_per_sale_usd", "unit.plain_cv_usd",
    "unit.audio_cv_usd", "unit.active_user_month_usd", "unit.premium_user_month_usd",
    "unit.premium_user_horizon_usd", "unit.sale_value_usd", "unit.break_even_sales_per_month",
    "budget.total_usd", "budget.daily_pace_usd",
] + [f"budget.{key}_usd" for key, _, _ in model.BILLS]


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

def _by_hand(facts: dict, cvs: float) -> dict:
    """The headline figures, recomputed without the model's code."""
    b = facts["business"]
    cap, anth, oai, el = b["capacity"], b["providers"]["anthropic"], b["providers"]["openai"], b["providers"]["elevenlabs"]
    days, share = cap["days_per_month"], cap["podcast_share"]
    claude_cv = (cap["claude_input_tokens_per_cv"] * anth["input_usd_per_mtok"]
                 + cap["claude_output_tokens_per_cv"] * anth["output_usd_per_mtok"]) / 1e6
    script = (cap["openai_input_tokens_per_podcast"] * oai["input_usd_per_mtok"]
              + cap["openai_output_tokens_per_podcast"] * oai["output_usd_per_mtok"]) / 1e6
    credits = cvs * share * cap["podcast_characters"] * el["credits_per_character"] * days
    # brute force over every plan that can serve the credits
    offers = []
    for plan in el["plans"]:
        extra = max(0, credits - plan["credits"])
        if extra and plan["overage_usd_per_1k"] is None:
            continue
        offers.append((plan["fee_usd"] + extra / 1000 * (plan["overage_usd_per_1k"] or 0), plan["name"]))
    eleven, plan_name = min(offers)
    run = {}
    for name, seconds in cap["seconds"].items():
        memory = facts["functions"][name]["memory"]
        gib = float(memory[:-3]) if memory.endswith("GiB") else float(memory[:-3]) / 1024
        run[name] = seconds * (cap["vcpu"] * b["prices"]["vcpu_second_usd"] + gib * b["prices"]["gib_second_usd"]) \
            + b["prices"]["invocations_usd_per_million"] / 1e6
    compute_month = sum(cvs * (share if n == "generatePodcast" else 1) * c for n, c in run.items()) * days
    rev = b["revenue"]
    fee = rev["premium_price_usd"] * rev["stripe_fee_percent"] / 100 + rev["stripe_fee_fixed_usd"]
    bills = {"claude": cvs * claude_cv * days, "openai": cvs * share * script * days, "elevenlabs": eleven,
             "google": compute_month + b["other_bills"]["google_month_usd"],
             "stripe": fee * rev["premium_sales_per_month"], "other_providers": b["other_bills"]["providers_month_usd"]}
    plain = claude_cv + sum(c for n, c in run.items() if n != "generatePodcast")
    audio_extra = script + eleven / (cvs * share * days) + run["generatePodcast"]
    premium_month = b["usage"]["premium_cvs_per_user_month"] * (plain + b["usage"]["premium_audio_share"] * audio_extra)
    net = rev["premium_price_usd"] - fee
    # the lowest tier whose cap and limits all hold
    per_min = cvs * cap["peak_hour_share"] / 60
    tier = next((t["name"] for t in anth["tiers"] if bills["claude"] < t["monthly_cap_usd"]
                 and per_min * cap["claude_calls_per_cv"] < t["rpm"] and per_min * cap["claude_input_tokens_per_cv"] < t["itpm"]
                 and per_min * cap["claude_output_tokens_per_cv"] < t["otpm"]), None)
    return {"bills": bills, "total": sum(bills.values()), "plan": plan_name, "tier": tier, "plain": plain,
            "audio": plain + audio_extra, "premium_month": premium_month, "net": net,
            "break_even": math.ceil((sum(bills.values()) - bills["stripe"]) / net)}


@pytest.mark.parametrize("multiple", FACTS["business"]["capacity"]["growth"][:-1])
def test_headline_figures_recomputed_by_hand(multiple: float) -> None:
    cvs = FACTS["business"]["capacity"]["cvs_per_day"] * multiple
    hand, got = _by_hand(FACTS, cvs), model.compute(FACTS, cvs)
    for key, month in hand["bills"].items():
        assert got[f"{key}.month_usd"] == pytest.approx(month), key
    assert got["cost.month_usd"] == pytest.approx(hand["total"])
    assert got["elevenlabs.plan"] == hand["plan"]
    assert got["claude.tier"] == hand["tier"]
    assert got["unit.plain_cv_usd"] == pytest.approx(hand["plain"])
    assert got["unit.audio_cv_usd"] == pytest.approx(hand["audio"])
    assert got["unit.premium_user_month_usd"] == pytest.approx(hand["premium_month"])
    assert got["revenue.net_per_sale_usd"] == pytest.approx(hand["net"])
    assert got["unit.break_even_sales_per_month"] == hand["break_even"]
    assert got["cost.monthly_budget_percent"] == pytest.approx(
        hand["total"] / FACTS["business"]["budget_plan"]["total_usd"] * 100)


def test_the_plan_switch_points_are_where_the_cheapest_plan_changes() -> None:
    got = model.compute(FACTS)
    checked = 0
    for index in range(len(FACTS["business"]["providers"]["elevenlabs"]["plans"])):
        key = f"elevenlabs.plans.{index}.leave_cvs_per_day"
        if key not in got:
            continue
        below, above = model.compute(FACTS, got[key] * 0.99), model.compute(FACTS, got[key] * 1.01)
        assert below["elevenlabs.plan"] == got[f"elevenlabs.plans.{index}.name"]
        assert above["elevenlabs.plan"] != below["elevenlabs.plan"]
        checked += 1
    assert checked >= 2


def test_each_tier_is_outgrown_where_a_limit_is_reached() -> None:
    got = model.compute(FACTS)
    for index, tier in enumerate(FACTS["business"]["providers"]["anthropic"]["tiers"][:-1]):
        at = got[f"claude.tiers.{index}.outgrown_cvs_per_day"]
        assert model.compute(FACTS, at * 0.99)["claude.tier"] == tier["name"]
        assert model.compute(FACTS, at * 1.01)["claude.tier"] != tier["name"]


def test_a_low_tier_cap_is_reached_below_the_baseline() -> None:
    """The issue this model answers: a new organisation's tier cannot carry the baseline volume."""
    got = model.compute(FACTS)
    assert got["claude.first_tier_outgrown_cvs_per_day"] < FACTS["business"]["capacity"]["cvs_per_day"]
    assert got["claude.tier"] != got["claude.first_tier"]


def test_beyond_the_last_tier_is_said_not_hidden() -> None:
    last = FACTS["business"]["providers"]["anthropic"]["tiers"][-1]["name"]
    at = model.compute(FACTS)[f"claude.tiers.{len(FACTS['business']['providers']['anthropic']['tiers']) - 1}.outgrown_cvs_per_day"]
    assert model.compute(FACTS, at * 1.5)["claude.tier"] == f"beyond {last}"


def test_the_budgets_agree_with_each_other_and_the_forecast() -> None:
    assert model.budget_problems(FACTS) == []


def test_budgets_that_disagree_are_reported() -> None:
    """Fault test for the build check: a total that is not the sum, and a bill below its forecast."""
    facts = _facts_with(business__budget_plan__total_usd=FACTS["business"]["budget_plan"]["total_usd"] + 500,
                        business__budget_plan__anthropic_usd=1)
    problems = "\n".join(model.budget_problems(facts))
    assert "add up to" in problems and "anthropic_usd" in problems and "below the model's forecast" in problems


def test_no_page_quotes_the_llm_verification_rate_limit_as_a_budget() -> None:
    """The per-minute figure was a security rate limiter of a file CVPlus deleted (6f3baf8, Aug 2025)."""
    assert not any("llm_requests_per_minute" in env for env in FACTS["envs"].values())
    for path in (ROOT / "source").rglob("*.md"):
        assert "llm_requests_per_minute" not in path.read_text(encoding="utf-8"), path


def test_plan_data_is_consistent_with_the_runbook_facts() -> None:
    plans = {p["name"].lower(): p["concurrency"] for p in FACTS["business"]["providers"]["elevenlabs"]["plans"]}
    assert plans == FACTS["runbooks"]["vendor"]["elevenlabs_concurrency"]
    assert FACTS["business"]["providers"]["anthropic"]["model"] == FACTS["models"]["anthropic"]
    assert FACTS["business"]["providers"]["elevenlabs"]["model"] == FACTS["models"]["elevenlabs"]


def test_instances_follow_load_and_concurrency() -> None:
    cap = FACTS["business"]["capacity"]
    got = model.compute(FACTS)
    for name, seconds in cap["seconds"].items():
        share = cap["podcast_share"] if name == "generatePodcast" else 1
        load = cap["cvs_per_day"] * cap["peak_hour_share"] / 3600 * share * seconds
        assert got[f"functions.{name}.peak_in_flight"] == pytest.approx(load)
        assert got[f"functions.{name}.instances"] == math.ceil(load / cap["concurrency"])


def test_usage_is_linear_in_volume() -> None:
    one, ten = model.compute(FACTS), model.compute(FACTS, FACTS["business"]["capacity"]["cvs_per_day"] * 10)
    for key in ("claude.month_usd", "claude.peak_rpm", "elevenlabs.characters_per_month", "functions.day_usd",
                "openai.month_usd"):
        assert ten[key] == pytest.approx(one[key] * 10)


def test_a_run_longer_than_the_timeout_is_refused() -> None:
    too_long = FACTS["functions"]["processCV"]["timeout_s"] + 1
    with pytest.raises(model.ModelError, match=r"business\.capacity\.seconds\.processCV .* timeout"):
        model.compute(_facts_with(business__capacity__seconds__processCV=too_long))


def test_a_missing_input_names_it() -> None:
    facts = copy.deepcopy(FACTS)
    del facts["business"]["providers"]["openai"]["input_usd_per_mtok"]
    with pytest.raises(model.ModelError, match=r"business\.providers\.openai\.input_usd_per_mtok"):
        model.compute(facts)


# -- inputs are defaults to confirm; derived facts follow their source -------------

def _leaves(data: dict, prefix: str) -> list[str]:
    keys = []
    for key, value in data.items():
        dotted = f"{prefix}.{key}"
        keys += _leaves(value, dotted) if isinstance(value, dict) else [dotted]
    return keys


def test_every_assumed_price_and_volume_is_to_confirm() -> None:
    business = FACTS["business"]
    inputs = []
    for section in ("capacity", "prices", "revenue", "usage", "other_bills"):
        inputs += _leaves(business[section], f"business.{section}")
    inputs.remove("business.capacity.growth")  # the rows of the scenario table, not an assumption
    for provider, data in business["providers"].items():
        inputs += _leaves(data, f"business.providers.{provider}")
    confirmed = FACTS["to_confirm"]
    missing = [key for key in inputs if not any(key == c or key.startswith(c + ".") for c in confirmed)]
    assert not missing, f"model inputs without a to_confirm entry: {missing}"
    assert "business.budget_plan" in confirmed and "budgets" in confirmed


def test_money_decisions_name_the_finance_owner() -> None:
    assert "finance-owner" in FACTS["roles"]
    for key in ("budgets", "business.budget_plan", "business.revenue.premium_price_usd",
                "business.providers.anthropic.tiers", "business.providers.elevenlabs.plans"):
        assert "finance-owner" in FACTS["to_confirm"][key], key


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
    assert len(cells) == len(rows) * len(model.SCENARIO_KEYS)
    for cell in cells:
        label = next(c for c in cell["class"] if c.startswith("capscenario-"))
        multiple, key = label[len("capscenario-"):].split("-", 1)
        assert cell.get_text() == rows[multiple][key], label


def test_the_page_shows_the_inputs_to_confirm(page: BeautifulSoup) -> None:
    text = page.get_text(" ")
    for key in ("business.capacity.cvs_per_day", "business.providers.elevenlabs.plans",
                "business.revenue.premium_price_usd", "business.budget_plan", "business.rollout.observation_hours"):
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
