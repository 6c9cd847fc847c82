"""The capacity and cost model of the business operations guide.

One concern: turn the model inputs under ``business:`` in platform.yaml
(expected CVs per day, peak share, tokens, characters, run times, prices)
and the platform facts they meet (function memory and timeouts, the
production Claude request budget, the budgets) into the numbers the guide
quotes. Nobody types those numbers: pages show them with

``{capacity}`key```        one computed value, e.g. {capacity}`cost.month_usd`
``{capacity-breakdown}``   cost per provider at the expected volume
``{capacity-functions}``   function run time, load and instances at peak
``{capacity-scenarios}``   the same model at each growth multiple

Every computed value is rendered with the class ``cvplus-computed`` and a
``capkey-<key>`` class, so tests/content/test_capacity.py can check the
built page against :func:`compute`. An input missing from the facts file, a
run time longer than the function's timeout, or an unknown key fails the
build with the page and line.
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
    """Every figure of the model as plain numbers, keyed like ``cost.month_usd``.

    The model is linear in the CV volume: at the expected volume, and for
    each growth multiple, it works out peak load, Claude requests against
    the production budget, tokens, ElevenLabs characters and concurrency,
    function run time and instances, and the cost of each against the
    budgets.
    """
    cap = _Inputs(facts, "business.capacity")
    price = _Inputs(facts, "business.prices")
    cvs = float(cvs_per_day if cvs_per_day is not None else cap["cvs_per_day"])
    days = float(cap["days_per_month"])
    peak_share = float(cap["peak_hour_share"])
    podcast_share = float(cap["podcast_share"])
    calls = float(cap["claude_calls_per_cv"])
    out: dict[str, Any] = {}

    # Volume
    out["volume.cvs_per_day"] = cvs
    out["volume.cvs_per_month"] = cvs * days
    out["volume.peak_hour_cvs"] = cvs * peak_share
    out["volume.peak_minute_cvs"] = cvs * peak_share / 60
    out["volume.podcasts_per_day"] = cvs * podcast_share
    out["volume.podcasts_per_month"] = cvs * podcast_share * days

    # Claude: requests at peak against the production budget, tokens, cost
    budget_rpm = float(_get(facts, "envs.prod.llm_requests_per_minute"))
    out["claude.peak_rpm"] = cvs * peak_share / 60 * calls
    out["claude.budget_rpm"] = budget_rpm
    out["claude.budget_used_percent"] = out["claude.peak_rpm"] / budget_rpm * 100
    out["claude.cvs_per_day_at_budget"] = budget_rpm * 60 / (peak_share * calls)
    tokens_in = cvs * float(cap["claude_input_tokens_per_cv"])
    tokens_out = cvs * float(cap["claude_output_tokens_per_cv"])
    out["claude.input_tokens_per_month"] = tokens_in * days
    out["claude.output_tokens_per_month"] = tokens_out * days
    out["claude.day_usd"] = (tokens_in * float(price["claude_input_usd_per_mtok"])
                             + tokens_out * float(price["claude_output_usd_per_mtok"])) / 1e6
    out["claude.month_usd"] = out["claude.day_usd"] * days

    # ElevenLabs: characters, cost, requests in flight at peak, smallest plan
    characters = cvs * podcast_share * float(cap["podcast_characters"])
    out["elevenlabs.characters_per_month"] = characters * days
    out["elevenlabs.day_usd"] = characters / 1000 * float(price["elevenlabs_usd_per_1k_chars"])
    out["elevenlabs.month_usd"] = out["elevenlabs.day_usd"] * days
    podcast_seconds = float(_get(facts, f"business.capacity.seconds.{PODCAST_FUNCTION}"))
    in_flight = cvs * peak_share / 3600 * podcast_share * podcast_seconds
    out["elevenlabs.peak_in_flight"] = in_flight
    plans = _get(facts, "business.elevenlabs_plan_concurrency")
    plan = str(cap["elevenlabs_plan"])
    if plan not in plans:
        raise ModelError(f"business.capacity.elevenlabs_plan '{plan}' is not one of {', '.join(plans)}")
    out["elevenlabs.plan"] = plan
    out["elevenlabs.plan_concurrency"] = float(plans[plan])
    per_cv_in_flight = peak_share / 3600 * podcast_share * podcast_seconds
    out["elevenlabs.cvs_per_day_at_concurrency"] = plans[plan] / per_cv_in_flight if per_cv_in_flight else 0.0

    # Cloud Functions: run time, instances at peak, compute cost
    concurrency = float(cap["concurrency"])
    vcpu = float(cap["vcpu"])
    per_second = {}
    compute_day = 0.0
    busiest = ("", -1.0)
    for name in AI_FUNCTIONS:
        spec = _get(facts, f"functions.{name}")
        run = float(_get(facts, f"business.capacity.seconds.{name}"))
        if "timeout_s" in spec and run > float(spec["timeout_s"]):
            raise ModelError(f"business.capacity.seconds.{name} is {run:g} s, longer than the function's "
                             f"timeout of {spec['timeout_s']} s")
        share = podcast_share if name == PODCAST_FUNCTION else 1.0
        gib = _gib(_get(facts, f"functions.{name}.memory") if "memory" in spec else "256MiB")
        runs = cvs * share
        second_usd = vcpu * float(price["vcpu_second_usd"]) + gib * float(price["gib_second_usd"])
        per_second[name] = second_usd
        day_usd = runs * run * second_usd + runs * float(price["invocations_usd_per_million"]) / 1e6
        load = cvs * peak_share / 3600 * share * run
        instances = math.ceil(load / concurrency) if load > 0 else 0
        out[f"functions.{name}.memory_gib"] = gib
        out[f"functions.{name}.seconds"] = run
        out[f"functions.{name}.runs_per_day"] = runs
        out[f"functions.{name}.peak_in_flight"] = load
        out[f"functions.{name}.instances"] = instances
        out[f"functions.{name}.day_usd"] = day_usd
        compute_day += day_usd
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

    # Totals against the budgets
    daily_budget = float(_get(facts, "budgets.daily_usd"))
    monthly_budget = float(_get(facts, "budgets.monthly_usd"))
    warning = float(_get(facts, "budgets.warning_percent"))
    critical = float(_get(facts, "budgets.critical_percent"))
    total_day = out["claude.day_usd"] + out["elevenlabs.day_usd"] + compute_day
    out["cost.day_usd"] = total_day
    out["cost.month_usd"] = total_day * days
    out["cost.per_cv_usd"] = total_day / cvs if cvs else 0.0
    out["cost.per_podcast_usd"] = float(cap["podcast_characters"]) / 1000 * float(price["elevenlabs_usd_per_1k_chars"])
    out["cost.google_month_usd"] = out["functions.month_usd"]
    out["cost.providers_month_usd"] = out["claude.month_usd"] + out["elevenlabs.month_usd"]
    out["cost.daily_budget_percent"] = total_day / daily_budget * 100
    out["cost.monthly_budget_percent"] = out["cost.month_usd"] / monthly_budget * 100
    out["cost.google_budget_percent"] = out["cost.google_month_usd"] / monthly_budget * 100
    per_cv_month = out["cost.per_cv_usd"] * days
    out["cost.cvs_per_day_at_warning"] = monthly_budget * warning / 100 / per_cv_month if per_cv_month else 0.0
    out["cost.cvs_per_day_at_critical"] = monthly_budget * critical / 100 / per_cv_month if per_cv_month else 0.0
    out["cost.cvs_per_day_at_budget"] = monthly_budget / per_cv_month if per_cv_month else 0.0
    percent = out["cost.monthly_budget_percent"]
    out["cost.budget_status"] = (
        f"below the {warning:g} % warning level" if percent < warning
        else f"past the {warning:g} % warning level" if percent < critical
        else f"past the {critical:g} % critical level" if percent < 100
        else "over the monthly budget")
    drivers = {"Claude tokens": out["claude.month_usd"], "ElevenLabs characters": out["elevenlabs.month_usd"],
               "Cloud Functions run time": out["functions.month_usd"]}
    ranked = sorted(drivers.items(), key=lambda kv: kv[1], reverse=True)
    out["cost.largest_driver"] = ranked[0][0]
    out["cost.largest_driver_percent"] = ranked[0][1] / out["cost.month_usd"] * 100 if total_day else 0.0
    out["cost.second_driver"] = ranked[1][0]
    # Which limit is met first as volume grows
    limits = {"the production Claude request budget": out["claude.cvs_per_day_at_budget"],
              "the concurrency of the ElevenLabs plan": out["elevenlabs.cvs_per_day_at_concurrency"],
              "the warning level of the monthly budget": out["cost.cvs_per_day_at_warning"]}
    first = min(limits.items(), key=lambda kv: kv[1])
    out["limits.first"] = first[0]
    out["limits.first_cvs_per_day"] = first[1]
    return out


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


class CapacityBreakdown(_ModelDirective):
    """Cost per provider at the expected volume, per day and per month."""

    def run(self) -> list[nodes.Node]:
        v = self.values()
        rows = []
        for label, key, what in (
                ("Claude tokens", "claude", "claude.input_tokens_per_month"),
                ("ElevenLabs characters", "elevenlabs", "elevenlabs.characters_per_month"),
                ("Cloud Functions run time", "functions", None)):
            usage = [_computed(v[what], what)] if what else [nodes.Text("see the functions table")]
            if key == "claude":
                usage += [nodes.Text(" in, "), _computed(v["claude.output_tokens_per_month"],
                                                         "claude.output_tokens_per_month"), nodes.Text(" out")]
            cell = nodes.inline()
            cell += usage
            rows.append([label, cell, _computed(v[f"{key}.day_usd"], f"{key}.day_usd"),
                         _computed(v[f"{key}.month_usd"], f"{key}.month_usd")])
        rows.append(["Total", "", _computed(v["cost.day_usd"], "cost.day_usd"),
                     _computed(v["cost.month_usd"], "cost.month_usd")])
        return [tables.table(["Cost driver", "Usage per month", "Per day", "Per month"], rows, ["cvplus-capacity"],
                             [26, 34, 20, 20])]


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
        keys = ("volume.cvs_per_day", "claude.peak_rpm", "elevenlabs.peak_in_flight", "functions.busiest_instances",
                "cost.month_usd", "cost.monthly_budget_percent")
        rows = []
        for row in table_rows:
            multiple = row["multiple"]
            rows.append([f"{multiple}\u00d7"] + [nodes.inline(row[k], row[k], classes=["cvplus-computed", f"capscenario-{multiple}-{k}"])
                                      for k in keys])
        return [tables.table(["Growth", "CVs per day", "Claude requests per minute at peak",
                        "ElevenLabs requests in flight at peak", "Instances of the busiest function",
                        "Cost per month", "Share of the monthly budget"], rows, ["cvplus-capacity"],
                             [10, 12, 16, 16, 16, 14, 16])]


def _check(app: Sphinx, config: Any) -> None:
    """Fail early, with the facts file named, if the model cannot run."""
    try:
        compute(config.cvplus_platform)
    except ModelError as exc:
        logger.warning("capacity model: %s", exc, location="source/_data/platform.yaml",
                       type="cvplus", subtype="capacity")


def setup(app: Sphinx) -> dict[str, Any]:
    app.setup_extension("cvplus_facts")
    app.connect("config-inited", _check, priority=600)
    app.add_role("capacity", CapacityRole())
    app.add_directive("capacity-breakdown", CapacityBreakdown)
    app.add_directive("capacity-functions", CapacityFunctions)
    app.add_directive("capacity-scenarios", CapacityScenarios)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
