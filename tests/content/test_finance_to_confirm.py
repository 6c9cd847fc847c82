"""Every page that shows a value the finance owner still has to confirm says so.

A value whose ``to_confirm`` entry (its own or a parent's) names the
finance owner (provider prices and plans, the premium price, Stripe fees,
budgets) may only appear on a page that also shows a ``facts-to-confirm``
box covering that entry (its ``:prefix:`` starts the entry's key), so the
reader sees the price is an assumption, with its owner, rendered from the
facts file. A page using the capacity model (the ``{capacity}`` role or a
``capacity-*`` table) shows the model's prices and so needs the boxes of
every finance-owned model input, except the budget plan's own total and
daily pace, which need only the budget plan's box. ``unmarked`` does the check on one page's
source; the fault test feeds it pages that lack the box.
"""

from __future__ import annotations

import re
from pathlib import Path

import cvplus_data

ROOT = Path(__file__).resolve().parents[2]
FACTS = cvplus_data.load_platform()
OWNER = "finance-owner"
PLAN_ONLY = ("budget.total_usd", "budget.daily_pace_usd")  # cvplus_capacity: read from business.budget_plan only
MODEL_INPUTS = ("business.providers.", "business.revenue.", "business.usage.", "business.other_bills.",
                "business.budget_plan", "business.prices.")


def finance_keys(to_confirm: dict) -> list[str]:
    return sorted(k for k, why in to_confirm.items() if OWNER in str(why))


def unmarked(text: str, to_confirm: dict) -> list[str]:
    """Finance-owned to_confirm keys the page shows without a box covering them."""
    owned = finance_keys(to_confirm)
    prefixes = re.findall(r"^:prefix:\s*(\S+)", text, re.M)
    shown = set()
    for used in re.findall(r"\{\{\s*([\w.-]+)", text):
        shown.update(k for k in owned if used == k or used.startswith(k + "."))
    roles = re.findall(r"\{capacity\}`([\w.]+)`", text)
    if re.search(r"^```\{capacity-", text, re.M) or any(r not in PLAN_ONLY for r in roles):
        shown.update(k for k in owned if k.startswith(MODEL_INPUTS))
    elif roles:  # values read from the budget plan alone
        shown.update(k for k in owned if k.startswith("business.budget_plan"))
    return sorted(k for k in shown if not any(k.startswith(p) for p in prefixes))


def test_every_page_showing_a_finance_assumption_says_so() -> None:
    gaps = {}
    for page in sorted((ROOT / "source").rglob("*.md")):
        missing = unmarked(page.read_text(encoding="utf-8"), FACTS["to_confirm"])
        if missing:
            gaps[str(page.relative_to(ROOT))] = missing
    assert not gaps, f"pages showing finance-owned values without their facts-to-confirm box: {gaps}"


def test_provider_prices_are_the_finance_owners_to_confirm() -> None:
    owned = finance_keys(FACTS["to_confirm"])
    for key in ("business.providers.anthropic.input_usd_per_mtok", "business.providers.openai.input_usd_per_mtok",
                "business.providers.elevenlabs.plans", "business.providers.anthropic.tiers"):
        assert key in owned, key


def test_a_page_without_the_box_is_reported() -> None:
    """Fault test: a budget in prose, and the capacity model, without boxes."""
    to_confirm = {"budgets": "Owner finance-owner. Tool settings.",
                  "business.providers.elevenlabs.plans": "Owner finance-owner. Published plans.",
                  "envs.prod.project_id": "Sources disagree."}
    page = "Spend stays under {{ budgets.daily_usd }} USD in {{ envs.prod.project_id }}.\n"
    assert unmarked(page, to_confirm) == ["budgets"]
    assert unmarked(page + "```{facts-to-confirm}\n:prefix: budgets\n```\n", to_confirm) == []
    model = "The plan is {capacity}`elevenlabs.plan`.\n```{facts-to-confirm}\n:prefix: business.capacity\n```\n"
    assert unmarked(model, to_confirm) == ["business.providers.elevenlabs.plans"]
    assert unmarked(model.replace("business.capacity", "business.providers"), to_confirm) == []
