"""Reachable escalation and the first five minutes (issue 15, item 2).

Every role an incident needs at night has a paging rotation, the vendors'
support routes are roles and placeholders, every escalation gives a number
of minutes, and the runbooks page the incident commander instead of
pointing at a chat channel.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import cvplus_data

ROOT = Path(__file__).resolve().parents[2]
RUNBOOKS = ROOT / "source" / "deployment" / "runbooks"
FACTS = cvplus_data.load_platform()
ESCALATION = FACTS["escalation"]
INCIDENT_ROLES = ("on-call-engineer", "incident-commander", "scribe", "security-lead", "data-protection-officer",
                  "support-lead")


def escalate_sections() -> dict[str, str]:
    sections = {}
    for path in sorted(RUNBOOKS.glob("*.md")):
        text = path.read_text(encoding="utf-8")
        if "\n## Escalate\n" in text:
            sections[path.name] = text.split("\n## Escalate\n", 1)[1].split("\n## ", 1)[0]
    return sections


def test_every_incident_role_is_paged_through_its_own_rotation() -> None:
    assert set(ESCALATION["paging"]) <= set(FACTS["roles"])
    for role in INCIDENT_ROLES:
        assert ESCALATION["paging"].get(role), f"{role} has no paging rotation"


def test_vendor_support_routes_are_roles_and_placeholders() -> None:
    assert set(ESCALATION["vendors"]) == {"google_cloud", "stripe", "anthropic", "elevenlabs"}
    for name, vendor in ESCALATION["vendors"].items():
        assert vendor["owner"] in FACTS["roles"], name
        assert vendor["route"]
        assert name in FACTS["runbooks"]["vendor"]["status_pages"], f"{name} has no status page"
    assert "escalation.vendors" in FACTS["to_confirm"] and "escalation.paging" in FACTS["to_confirm"]


def test_escalation_times_are_numbers() -> None:
    assert all(isinstance(v, int) and v > 0 for v in ESCALATION["minutes"].values())


@pytest.mark.parametrize("name", sorted(escalate_sections()))
def test_escalate_sections_give_numbers_and_page_the_incident_commander(name: str) -> None:
    text = escalate_sections()[name]
    assert not re.search(r"\b(a short while|a while|soon|as needed)\b", text, re.I), f"{name}: vague escalation"
    assert "roles['incident-commander'].reach" not in text, f"{name}: the incident commander is paged, not chatted"


def test_first_five_minutes_is_one_checklist_carried_out_by_one_procedure() -> None:
    text = (RUNBOOKS / "index.md").read_text(encoding="utf-8")
    items = re.findall(r":id: (CHK_INC_\w+)\n:phase: incident", text)
    assert len(items) == 7
    implements = re.search(r":implements: (.*)", text.split(":id: PROC_INC_FIRST_FIVE_MINUTES", 1)[1]).group(1)
    assert set(items) <= {i.strip() for i in implements.split(",")}, implements
    for step in ("acknowledge", "severity", "incident commander", "scribe", "incident record", "roll"):
        assert step in text.split("(rb-first-five-minutes)=", 1)[1].split("## How every runbook", 1)[0].lower(), step


def test_communication_templates_and_hand_off_exist() -> None:
    text = (RUNBOOKS / "index.md").read_text(encoding="utf-8")
    comms = text.split("(rb-comms-templates)=", 1)[1].split("(rb-handoff)=", 1)[0]
    for template in ("Internal update", "Status page", "Customer e-mail"):
        assert template in comms, template
    assert ":id: PROC_INC_HANDOFF" in text
