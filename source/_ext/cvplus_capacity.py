"""The capacity and cost model of the business operations guide.

One concern: turn the model inputs under ``business:`` in platform.yaml
(expected CVs per day, peak share, tokens, characters, run times, provider
plans and tiers, price and fees, budgets per bill) and the platform facts
they meet (function memory and timeouts) into the numbers the guide
quotes: cost per bill, the cheapest ElevenLabs plan and the Anthropic tier
that fits, the volume where each must change, cost per CV and per user,
what a premium sale brings and the break-even sales. :func:`compute` runs
named steps in order, one per concern. Nobody types those numbers: pages
show them with

``{capacity}`key```            one computed value, e.g. {capacity}`cost.month_usd`
``{capacity-breakdown}``       every bill against its budget
``{capacity-functions}``       function run time, load and instances at peak
``{capacity-scenarios}``       the same model at each growth multiple
``{capacity-anthropic-tiers}`` each Anthropic tier and the volume that outgrows it
``{capacity-elevenlabs-plans}`` where the next ElevenLabs plan becomes cheaper

Every computed value is rendered with the class ``cvplus-computed`` and a
``capkey-<key>`` class, so tests/content/test_capacity.py can check the
built page against :func:`compute`. An input missing from the facts file, a
run time longer than the function's timeout, budgets per bill that do not
add up or fall below the forecast (:func:`budget_problems`), or an unknown
key fails the build with the page (or the facts file) and line.
"""

from __future__ import annotations

import math
from typing import Any, Callable

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective, SphinxRole

import cvplus_tables as tables

logger = logging.getLogger(__name__)

AI_FUNCTIONS = ("processCV", "analyzeCV", "generateCV", "generatePodcast")
PODCAST_FUNCTION = "generatePodcast"
SECONDS_PER_DAY = 86400


class ModelError(Exception):
    """The facts file does not hold what the model needs."""


def _gib(memory: str) -> float:
    """``2GiB`` -> 2.0, ``512MiB`` -> 0.5."""
    if memory.endswith("GiB"):
        return float(memory[:-3])
    if memory.endswith("MiB"):
        return float(memory[:-3]) / 1024
    raise ModelError(f"memory '{memory}' is neither MiB nor GiB")


def _get(data: dict, dotted: str) -> Any:
    value: Any = data
    for part in dotted.split("."):
        if not isinstance(value, dict) or part not in value:
            raise ModelError(f"platform.yaml has no '{dotted}', which the capacity model needs")
        value = value[part]
    return value


class _Inputs:
    """``inputs["x"]`` reads ``<prefix>.x``; a missing input names itself."""

    def __init__(self, facts: dict, prefix: str) -> None:
        self.facts, self.prefix = facts, prefix

    def __getitem__(self, key: str) -> Any:
        return _get(self.facts, f"{self.prefix}.{key}")


def compute(facts: dict, cvs_per_day: float | None = None) -> dict[str, Any]:
    """Every figure of the model as plain numbers (or names), keyed like ``cost.month_usd``.

    The steps run in order, each adding its keys: volume, Claude (tokens,
    cost, the usage tier that fits), OpenAI (podcast scripts), ElevenLabs
    (characters and the cheapest plan), function run time, the bills and
    budgets, revenue and unit economics, and which limit is met first.
    """
    cap = _Inputs(facts, "business.capacity")
    volume = float(cvs_per_day if cvs_per_day is not None else cap["cvs_per_day"])
    out: dict[str, Any] = {}
    for step in (_volume, _claude, _openai, _elevenlabs, _functions, _bills, _unit_economics, _limits):
        step(facts, volume, out)
    return out


def _volume(facts: dict, cvs: float, out: dict[str, Any]) -> None:
    cap = _Inputs(facts, "business.capacity")
    days, peak, podcast = float(cap["days_per_month"]), float(cap["peak_hour_share"]), float(cap["podcast_share"])
    out["volume.cvs_per_day"] = cvs
    out["volume.cvs_per_month"] = cvs * days
    out["volume.peak_hour_cvs"] = cvs * peak
    out["volume.peak_minute_cvs"] = cvs * peak / 60
    out["volume.podcasts_per_day"] = cvs * podcast
    out["volume.podcasts_per_month"] = cvs * podcast * days


def _claude(facts: dict, cvs: float, out: dict[str, Any]) -> None:
    """Tokens and cost of the CV path, and the Anthropic usage tier that fits."""
    cap, anth = _Inputs(facts, "business.capacity"), _Inputs(facts, "business.providers.anthropic")
    days, peak = float(cap["days_per_month"]), float(cap["peak_hour_share"])
    tin, tout = float(cap["claude_input_tokens_per_cv"]), float(cap["claude_output_tokens_per_cv"])
    per_cv = (tin * float(anth["input_usd_per_mtok"]) + tout * float(anth["output_usd_per_mtok"])) / 1e6
    per_minute_peak = peak / 60  # CVs a minute at the busiest hour, per CV a day
    out["claude.model"] = str(anth["model"])
    out["claude.per_cv_usd"] = per_cv
    out["claude.peak_rpm"] = cvs * per_minute_peak * float(cap["claude_calls_per_cv"])
    out["claude.peak_itpm"] = cvs * per_minute_peak * tin
    out["claude.peak_otpm"] = cvs * per_minute_peak * tout
    out["claude.input_tokens_per_month"] = cvs * tin * days
    out["claude.output_tokens_per_month"] = cvs * tout * days
    out["claude.day_usd"] = cvs * per_cv
    out["claude.month_usd"] = cvs * per_cv * days
    # For each tier: the CVs a day at which its spend cap and each rate limit is reached.
    demand = {"monthly spend cap": ("monthly_cap_usd", per_cv * days),
              "requests per minute": ("rpm", per_minute_peak * float(cap["claude_calls_per_cv"])),
              "input tokens per minute": ("itpm", per_minute_peak * tin),
              "output tokens per minute": ("otpm", per_minute_peak * tout)}
    chosen = None
    for index, tier in enumerate(_list(facts, "business.providers.anthropic.tiers")):
        reach = {label: float(tier[field]) / per_unit for label, (field, per_unit) in demand.items() if per_unit}
        limit, at = min(reach.items(), key=lambda kv: kv[1])
        out[f"claude.tiers.{index}.name"] = str(tier["name"])
        out[f"claude.tiers.{index}.cap_usd"] = float(tier["monthly_cap_usd"])
        out[f"claude.tiers.{index}.outgrown_cvs_per_day"] = at
        out[f"claude.tiers.{index}.outgrown_by"] = limit
        if chosen is None and cvs < at:
            chosen = index
    beyond = chosen is None  # past the last published tier: a custom agreement with Anthropic
    if beyond:
        chosen = index
    out["claude.tier"] = ("beyond " if beyond else "") + out[f"claude.tiers.{chosen}.name"]
    out["claude.tier_cap_usd"] = out[f"claude.tiers.{chosen}.cap_usd"]
    out["claude.tier_cap_percent"] = out["claude.month_usd"] / out["claude.tier_cap_usd"] * 100
    out["claude.tier_outgrown_cvs_per_day"] = out[f"claude.tiers.{chosen}.outgrown_cvs_per_day"]
    out["claude.tier_outgrown_by"] = out[f"claude.tiers.{chosen}.outgrown_by"]
    out["claude.first_tier"] = out["claude.tiers.0.name"]
    out["claude.first_tier_outgrown_cvs_per_day"] = out["claude.tiers.0.outgrown_cvs_per_day"]
    out["claude.first_tier_outgrown_by"] = out["claude.tiers.0.outgrown_by"]


def _openai(facts: dict, cvs: float, out: dict[str, Any]) -> None:
    """The podcast script, written by OpenAI before ElevenLabs voices it."""
    cap, oai = _Inputs(facts, "business.capacity"), _Inputs(facts, "business.providers.openai")
    per_podcast = (float(cap["openai_input_tokens_per_podcast"]) * float(oai["input_usd_per_mtok"])
                   + float(cap["openai_output_tokens_per_podcast"]) * float(oai["output_usd_per_mtok"])) / 1e6
    out["openai.model"] = str(oai["model"])
    out["openai.per_podcast_usd"] = per_podcast
    out["openai.day_usd"] = cvs * float(cap["podcast_share"]) * per_podcast
    out["openai.month_usd"] = out["openai.day_usd"] * float(cap["days_per_month"])


def plan_cost(plan: dict, credits: float) -> float | None:
    """A month of ElevenLabs ``plan`` for ``credits``; None if the plan cannot serve them."""
    extra = max(0.0, credits - float(plan["credits"]))
    if extra and plan.get("overage_usd_per_1k") is None:
        return None
    return float(plan["fee_usd"]) + extra / 1000 * float(plan.get("overage_usd_per_1k") or 0)


def cheapest_plan(plans: list[dict], credits: float) -> int | None:
    costs = [(cost, index) for index, plan in enumerate(plans) if (cost := plan_cost(plan, credits)) is not None]
    return min(costs)[1] if costs else None


def _switch_points(plans: list[dict], top: float) -> dict[int, float]:
    """Credits a month at which the cheapest plan stops being plan i (bisection)."""
    points = {}
    for index in range(len(plans)):
        if cheapest_plan(plans, top) == index or cheapest_plan(plans, 0.0) > index:
            continue
        low, high = 0.0, top
        for _ in range(80):
            mid = (low + high) / 2
            low, high = (mid, high) if (cheapest_plan(plans, mid) or 0) <= index else (low, mid)
        points[index] = high
    return points


def _elevenlabs(facts: dict, cvs: float, out: dict[str, Any]) -> None:
    """Characters, the cheapest plan for them, its cost and its concurrency."""
    cap, el = _Inputs(facts, "business.capacity"), _Inputs(facts, "business.providers.elevenlabs")
    days, share, chars = float(cap["days_per_month"]), float(cap["podcast_share"]), float(cap["podcast_characters"])
    plans = _list(facts, "business.providers.elevenlabs.plans")
    per_cv_credits = share * chars * float(el["credits_per_character"]) * days  # credits a month per CV a day
    credits = cvs * per_cv_credits
    chosen = cheapest_plan(plans, credits)
    if chosen is None:
        raise ModelError(f"no ElevenLabs plan in business.providers.elevenlabs.plans serves {credits:,.0f} credits a month")
    plan = plans[chosen]
    month = plan_cost(plan, credits)
    out["elevenlabs.characters_per_month"] = cvs * share * chars * days
    out["elevenlabs.plan"] = str(plan["name"])
    out["elevenlabs.plan_fee_usd"] = float(plan["fee_usd"])
    out["elevenlabs.month_usd"] = month
    out["elevenlabs.day_usd"] = month / days
    out["elevenlabs.per_podcast_usd"] = month / (cvs * share * days) if cvs * share else 0.0
    for index, at in _switch_points(plans, 1e10).items():
        out[f"elevenlabs.plans.{index}.name"] = str(plans[index]["name"])
        out[f"elevenlabs.plans.{index}.leave_cvs_per_day"] = at / per_cv_credits if per_cv_credits else 0.0
    out["elevenlabs.plan_leave_cvs_per_day"] = out.get(f"elevenlabs.plans.{chosen}.leave_cvs_per_day", 0.0)
    podcast_seconds = float(_get(facts, f"business.capacity.seconds.{PODCAST_FUNCTION}"))
    per_cv_in_flight = float(cap["peak_hour_share"]) / 3600 * share * podcast_seconds
    out["elevenlabs.peak_in_flight"] = cvs * per_cv_in_flight
    out["elevenlabs.plan_concurrency"] = float(plan["concurrency"])
    out["elevenlabs.cvs_per_day_at_concurrency"] = float(plan["concurrency"]) / per_cv_in_flight if per_cv_in_flight else 0.0


def _functions(facts: dict, cvs: float, out: dict[str, Any]) -> None:
    """Run time, instances at peak and compute cost of the long AI and media functions."""
    cap, price = _Inputs(facts, "business.capacity"), _Inputs(facts, "business.prices")
    days, peak, podcast_share = float(cap["days_per_month"]), float(cap["peak_hour_share"]), float(cap["podcast_share"])
    concurrency, vcpu = float(cap["concurrency"]), float(cap["vcpu"])
    compute_day, busiest = 0.0, ("", -1.0)
    for name in AI_FUNCTIONS:
        spec = _get(facts, f"functions.{name}")
        run = float(_get(facts, f"business.capacity.seconds.{name}"))
        if "timeout_s" in spec and run > float(spec["timeout_s"]):
            raise ModelError(f"business.capacity.seconds.{name} is {run:g} s, longer than the function's "
                             f"timeout of {spec['timeout_s']} s")
        share = podcast_share if name == PODCAST_FUNCTION else 1.0
        gib = _gib(_get(facts, f"functions.{name}.memory") if "memory" in spec else "256MiB")
        per_run = run * (vcpu * float(price["vcpu_second_usd"]) + gib * float(price["gib_second_usd"])) \
            + float(price["invocations_usd_per_million"]) / 1e6
        load = cvs * peak / 3600 * share * run
        out[f"functions.{name}.memory_gib"] = gib
        out[f"functions.{name}.seconds"] = run
        out[f"functions.{name}.runs_per_day"] = cvs * share
        out[f"functions.{name}.per_run_usd"] = per_run
        out[f"functions.{name}.peak_in_flight"] = load
        out[f"functions.{name}.instances"] = math.ceil(load / concurrency) if load > 0 else 0
        out[f"functions.{name}.day_usd"] = cvs * share * per_run
        compute_day += cvs * share * per_run
        if load > busiest[1]:
            busiest = (name, load)
    out["functions.day_usd"] = compute_day
    out["functions.month_usd"] = compute_day * days
    out["functions.busiest"] = busiest[0]
    out["functions.busiest_instances"] = out[f"functions.{busiest[0]}.instances"]
    out["functions.concurrency"] = concurrency
    # One warm instance of the largest AI function, idle all month: memory
    # plus a tenth of its CPU (how idle minimum instances are billed).
    largest = max(AI_FUNCTIONS, key=lambda n: out[f"functions.{n}.memory_gib"])
    out["functions.min_instance_function"] = largest
    out["functions.min_instance_month_usd"] = (
        out[f"functions.{largest}.memory_gib"] * float(price["gib_second_usd"])
        + 0.1 * vcpu * float(price["vcpu_second_usd"])) * SECONDS_PER_DAY * days


BILLS = (  # key, label, budget_plan key
    ("google", "Google Cloud", "google_usd"),
    ("claude", "Anthropic (Claude)", "anthropic_usd"),
    ("openai", "OpenAI (podcast scripts)", "openai_usd"),
    ("elevenlabs", "ElevenLabs (voices)", "elevenlabs_usd"),
    ("stripe", "Stripe fees", "stripe_usd"),
    ("other_providers", "Other providers (measured)", "other_providers_usd"),
)


def _bills(facts: dict, cvs: float, out: dict[str, Any]) -> None:
    """The month per bill, against the budget per bill and the total budget."""
    cap, rev = _Inputs(facts, "business.capacity"), _Inputs(facts, "business.revenue")
    other, plan = _Inputs(facts, "business.other_bills"), _Inputs(facts, "business.budget_plan")
    days = float(cap["days_per_month"])
    price = float(rev["premium_price_usd"])
    fee = price * float(rev["stripe_fee_percent"]) / 100 + float(rev["stripe_fee_fixed_usd"])
    sales = float(rev["premium_sales_per_month"])
    out["google.month_usd"] = out["functions.month_usd"] + float(other["google_month_usd"])
    out["google.other_month_usd"] = float(other["google_month_usd"])
    out["stripe.fee_per_sale_usd"] = fee
    out["stripe.month_usd"] = fee * sales
    out["other_providers.month_usd"] = float(other["providers_month_usd"])
    total = 0.0
    for key, _, budget_key in BILLS:
        month = out[f"{key}.month_usd"]
        budget = float(plan[budget_key])
        out[f"budget.{key}_usd"] = budget
        out[f"budget.{key}_percent"] = month / budget * 100
        total += month
    out["cost.month_usd"] = total
    out["cost.day_usd"] = total / days
    out["cost.per_cv_usd"] = total / (cvs * days) if cvs else 0.0
    out["budget.total_usd"] = float(plan["total_usd"])
    out["budget.daily_pace_usd"] = float(plan["total_usd"]) / days
    out["cost.monthly_budget_percent"] = total / float(plan["total_usd"]) * 100
    out["cost.providers_month_usd"] = total - out["google.month_usd"]
    out["cost.google_share_percent"] = out["google.month_usd"] / total * 100 if total else 0.0
    ranked = sorted(((label, out[f"{key}.month_usd"]) for key, label, _ in BILLS), key=lambda kv: kv[1], reverse=True)
    out["cost.largest_driver"], out["cost.second_driver"] = ranked[0][0], ranked[1][0]
    out["cost.largest_driver_percent"] = ranked[0][1] / total * 100 if total else 0.0
    warning, critical = float(_get(facts, "budgets.warning_percent")), float(_get(facts, "budgets.critical_percent"))
    percent = out["cost.monthly_budget_percent"]
    out["cost.budget_status"] = (
        f"below the {warning:g} % warning level" if percent < warning
        else f"past the {warning:g} % warning level" if percent < critical
        else f"past the {critical:g} % critical level" if percent < 100
        else "over the monthly budget")


def _unit_economics(facts: dict, cvs: float, out: dict[str, Any]) -> None:
    """Cost per CV and per user, what a sale brings, and break-even sales."""
    cap, rev, use = _Inputs(facts, "business.capacity"), _Inputs(facts, "business.revenue"), _Inputs(facts, "business.usage")
    plain = out["claude.per_cv_usd"] + sum(out[f"functions.{n}.per_run_usd"] for n in AI_FUNCTIONS if n != PODCAST_FUNCTION)
    audio_extra = (out["openai.per_podcast_usd"] + out["elevenlabs.per_podcast_usd"]
                   + out[f"functions.{PODCAST_FUNCTION}.per_run_usd"])
    out["unit.plain_cv_usd"] = plain
    out["unit.audio_cv_usd"] = plain + audio_extra
    out["unit.active_user_month_usd"] = float(use["free_cvs_per_user_month"]) * (
        plain + float(cap["podcast_share"]) * audio_extra)
    premium_month = float(use["premium_cvs_per_user_month"]) * (plain + float(use["premium_audio_share"]) * audio_extra)
    out["unit.premium_user_month_usd"] = premium_month
    for months in _get(facts, "business.usage.horizon_months"):
        out[f"unit.premium_user_{months}m_usd"] = premium_month * float(months)
    price = float(rev["premium_price_usd"])
    net = price - out["stripe.fee_per_sale_usd"]
    out["revenue.price_usd"] = price
    out["revenue.net_per_sale_usd"] = net
    out["revenue.sales_per_month"] = float(rev["premium_sales_per_month"])
    out["revenue.month_usd"] = price * float(rev["premium_sales_per_month"])
    out["unit.premium_payback_months"] = net / premium_month if premium_month else 0.0
    out["unit.premium_user_year_usd"] = premium_month * 12
    horizon = max(_get(facts, "business.usage.horizon_months"))
    out["unit.premium_user_horizon_usd"] = premium_month * float(horizon)
    out["unit.horizon_months"] = float(horizon)
    out["unit.sale_value_usd"] = net - premium_month * float(horizon)
    costs_before_fees = out["cost.month_usd"] - out["stripe.month_usd"]
    out["unit.break_even_sales_per_month"] = math.ceil(costs_before_fees / net) if net > 0 else 0
    out["unit.margin_month_usd"] = out["revenue.month_usd"] - out["cost.month_usd"]


def _limits(facts: dict, cvs: float, out: dict[str, Any]) -> None:
    """Which limit is met first as volume grows, and where the budget runs out."""
    days = float(_get(facts, "business.capacity.days_per_month"))
    warning, critical = float(_get(facts, "budgets.warning_percent")), float(_get(facts, "budgets.critical_percent"))
    per_cv_month = out["cost.per_cv_usd"] * days
    total = out["budget.total_usd"]
    out["cost.cvs_per_day_at_warning"] = total * warning / 100 / per_cv_month if per_cv_month else 0.0
    out["cost.cvs_per_day_at_critical"] = total * critical / 100 / per_cv_month if per_cv_month else 0.0
    out["cost.cvs_per_day_at_budget"] = total / per_cv_month if per_cv_month else 0.0
    limits = {f"the {out['claude.tier_outgrown_by']} of Anthropic {out['claude.tier']}": out["claude.tier_outgrown_cvs_per_day"],
              f"the concurrency of the ElevenLabs {out['elevenlabs.plan']} plan": out["elevenlabs.cvs_per_day_at_concurrency"],
              "the warning level of the total budget": out["cost.cvs_per_day_at_warning"]}
    first = min(limits.items(), key=lambda kv: kv[1])
    out["limits.first"], out["limits.first_cvs_per_day"] = first


def _list(facts: dict, dotted: str) -> list[dict]:
    value = _get(facts, dotted)
    if not isinstance(value, list) or not value:
        raise ModelError(f"platform.yaml '{dotted}' must be a non-empty list")
    return value


# -- formatting --------------------------------------------------------------------

def _count(value: float) -> str:
    return f"{round(value):,}"


def _rate(value: float) -> str:
    if value == 0:
        return "0"
    if value < 0.1:
        return f"{value:.2f}"
    return f"{value:,.1f}"


def _usd(value: float) -> str:
    if value < 10:
        return f"{value:.2f} USD"
    return f"{round(value):,} USD"


def _percent(value: float) -> str:
    return f"{value:.1f} %" if value < 10 else f"{round(value)} %"


def _millions(value: float) -> str:
    return f"{value / 1e6:,.1f} million"


def _gib_text(value: float) -> str:
    return f"{value:g} GiB"


def _formatter(key: str) -> Callable[[Any], str]:
    if isinstance(key, str) and key.endswith(("_usd",)):
        return _usd
    if key.endswith("_percent"):
        return _percent
    if key.endswith(("tokens_per_month", "characters_per_month")):
        return _millions
    if key.endswith(("peak_rpm", "in_flight", "peak_minute_cvs")):
        return _rate
    if key.endswith("memory_gib"):
        return _gib_text
    return _count


def formatted(values: dict[str, Any]) -> dict[str, str]:
    """Each value as the page shows it."""
    return {key: value if isinstance(value, str) else _formatter(key)(value) for key, value in values.items()}


def display(facts: dict, key: str) -> str:
    """The text the page shows for ``key``; KeyError if the model has none."""
    return formatted(compute(facts))[key]


def scenarios(facts: dict) -> list[dict[str, str]]:
    """The model at each growth multiple of the expected volume."""
    base = float(_get(facts, "business.capacity.cvs_per_day"))
    rows = []
    for multiple in _get(facts, "business.capacity.growth"):
        shown = formatted(compute(facts, base * float(multiple)))
        rows.append({"multiple": f"{multiple:g}", **shown})
    return rows


# -- Sphinx ------------------------------------------------------------------------

def _computed(text: str, key: str) -> nodes.inline:
    return nodes.inline(text, text, classes=["cvplus-computed", f"capkey-{key}"])


def _model(env: Any) -> dict[str, str]:
    # Cheap to compute; never cached on the environment, which outlives a
    # change of the facts file between builds.
    return formatted(compute(env.config.cvplus_platform))


class CapacityRole(SphinxRole):
    """``{capacity}`cost.month_usd``` shows one computed value."""

    def run(self) -> tuple[list[nodes.Node], list[nodes.system_message]]:
        key = self.text.strip()
        try:
            values = _model(self.env)
        except ModelError as exc:
            return [], [self.inliner.reporter.error(f"capacity model: {exc}", line=self.lineno)]
        if key not in values:
            msg = self.inliner.reporter.error(
                f"capacity: unknown key '{key}' (known: {', '.join(sorted(values))})", line=self.lineno)
            return [nodes.problematic(self.rawtext, self.rawtext)], [msg]
        return [_computed(values[key], key)], []


class _ModelDirective(SphinxDirective):
    has_content = False

    def values(self) -> dict[str, str]:
        try:
            return _model(self.env)
        except ModelError as exc:
            raise self.error(f"capacity model: {exc}") from None


def _cell(v: dict[str, str], key: str) -> nodes.inline:
    return _computed(v[key], key)


class CapacityBreakdown(_ModelDirective):
    """Every bill at the expected volume: the month, its budget, the share used."""

    USAGE = {"google": "functions.month_usd", "claude": "claude.input_tokens_per_month",
             "openai": "volume.podcasts_per_month", "elevenlabs": "elevenlabs.characters_per_month",
             "stripe": "revenue.sales_per_month", "other_providers": None}
    UNIT = {"google": " of function run time, plus the measured rest", "claude": " input tokens",
            "openai": " podcast scripts", "elevenlabs": " characters", "stripe": " sales",
            "other_providers": "measured from the invoices"}

    def run(self) -> list[nodes.Node]:
        v = self.values()
        rows = []
        for key, label, _ in BILLS:
            usage = nodes.inline()
            if self.USAGE[key]:
                usage += _cell(v, self.USAGE[key])
            usage += nodes.Text(self.UNIT[key])
            rows.append([label, usage, _cell(v, f"{key}.month_usd"), _cell(v, f"budget.{key}_usd"),
                         _cell(v, f"budget.{key}_percent")])
        rows.append(["Total", "", _cell(v, "cost.month_usd"), _cell(v, "budget.total_usd"),
                     _cell(v, "cost.monthly_budget_percent")])
        return [tables.table(["Bill", "Usage per month", "Per month", "Budget", "Share of the budget"], rows,
                             ["cvplus-capacity"], [24, 32, 14, 14, 16])]


class CapacityAnthropicTiers(_ModelDirective):
    """Each Anthropic usage tier: its cap and the CVs a day at which it is outgrown."""

    def run(self) -> list[nodes.Node]:
        v = self.values()
        rows, index = [], 0
        while f"claude.tiers.{index}.name" in v:
            rows.append([_cell(v, f"claude.tiers.{index}.name"), _cell(v, f"claude.tiers.{index}.cap_usd"),
                         _cell(v, f"claude.tiers.{index}.outgrown_cvs_per_day"),
                         _cell(v, f"claude.tiers.{index}.outgrown_by")])
            index += 1
        return [tables.table(["Tier", "Monthly spend cap", "Outgrown at CVs a day", "First limit reached"], rows,
                             ["cvplus-capacity"], [20, 20, 25, 35])]


class CapacityElevenlabsPlans(_ModelDirective):
    """Each ElevenLabs plan that is ever the cheapest, and the volume where the next one is cheaper."""

    def run(self) -> list[nodes.Node]:
        v = self.values()
        rows = []
        for index in range(100):
            if f"elevenlabs.plans.{index}.name" in v:
                rows.append([_cell(v, f"elevenlabs.plans.{index}.name"),
                             _cell(v, f"elevenlabs.plans.{index}.leave_cvs_per_day")])
        return [tables.table(["Plan", "A larger plan is cheaper from CVs a day"], rows, ["cvplus-capacity"],
                             [40, 60])]


class CapacityFunctions(_ModelDirective):
    """Per AI function: memory, run time, runs per day, load and instances at peak."""

    def run(self) -> list[nodes.Node]:
        v = self.values()
        rows = []
        for name in AI_FUNCTIONS:
            rows.append([nodes.literal(text=name)] + [
                _computed(v[f"functions.{name}.{field}"], f"functions.{name}.{field}")
                for field in ("memory_gib", "seconds", "runs_per_day", "peak_in_flight", "instances", "day_usd")])
        return [tables.table(["Function", "Memory", "Seconds per run", "Runs per day", "Runs in flight at peak",
                        "Instances at peak", "Cost per day"], rows, ["cvplus-capacity"],
                             [18, 10, 12, 12, 16, 14, 14])]


class CapacityScenarios(_ModelDirective):
    """The model at each growth multiple of the expected volume."""

    def run(self) -> list[nodes.Node]:
        self.values()
        try:
            table_rows = scenarios(self.config.cvplus_platform)
        except ModelError as exc:
            raise self.error(f"capacity model: {exc}") from None
        keys = SCENARIO_KEYS
        rows = []
        for row in table_rows:
            multiple = row["multiple"]
            rows.append([f"{multiple}\u00d7"] + [
                nodes.inline(row[k], row[k], classes=["cvplus-computed", f"capscenario-{multiple}-{k}"]) for k in keys])
        return [tables.table(["Growth", "CVs per day", "Anthropic tier", "ElevenLabs plan",
                              "Instances of the busiest function", "Cost per month", "Share of the total budget",
                              "Break-even sales per month"], rows, ["cvplus-capacity"],
                             [9, 11, 12, 12, 14, 14, 14, 14])]


SCENARIO_KEYS = ("volume.cvs_per_day", "claude.tier", "elevenlabs.plan", "functions.busiest_instances",
                 "cost.month_usd", "cost.monthly_budget_percent", "unit.break_even_sales_per_month")


def budget_problems(facts: dict) -> list[str]:
    """Budgets that disagree: bills that do not add up to the total, or a bill below its forecast."""
    plan = _get(facts, "business.budget_plan")
    values = compute(facts)
    problems = []
    parts = sum(float(plan[key]) for _, _, key in BILLS)
    if abs(parts - float(plan["total_usd"])) > 0.005:
        problems.append(f"business.budget_plan: the bills add up to {parts:g} USD, not total_usd {plan['total_usd']}")
    for key, label, budget_key in BILLS:
        if values[f"{key}.month_usd"] > float(plan[budget_key]):
            problems.append(f"business.budget_plan.{budget_key} ({plan[budget_key]} USD) is below the model's "
                            f"forecast for {label} ({values[key + '.month_usd']:.0f} USD)")
    return problems


def _check(app: Sphinx, config: Any) -> None:
    """Fail early, with the facts file named, if the model cannot run or the budgets disagree."""
    try:
        problems = budget_problems(config.cvplus_platform)
    except ModelError as exc:
        problems = [str(exc)]
    for problem in problems:
        logger.warning("capacity model: %s", problem, location="source/_data/platform.yaml",
                       type="cvplus", subtype="capacity")


def setup(app: Sphinx) -> dict[str, Any]:
    app.setup_extension("cvplus_facts")
    app.connect("config-inited", _check, priority=600)
    app.add_role("capacity", CapacityRole())
    app.add_directive("capacity-breakdown", CapacityBreakdown)
    app.add_directive("capacity-functions", CapacityFunctions)
    app.add_directive("capacity-scenarios", CapacityScenarios)
    app.add_directive("capacity-anthropic-tiers", CapacityAnthropicTiers)
    app.add_directive("capacity-elevenlabs-plans", CapacityElevenlabsPlans)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
