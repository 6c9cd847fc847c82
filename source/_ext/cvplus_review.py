"""Review cycle: every page names an owner role and a last-reviewed date.

Front matter of each page::

    ---
    owner: release-manager
    last_reviewed: 2026-11-27
    review_interval_days: 90   # optional; default from platform.yaml
    ---

A page without them, with an unknown role or a malformed date fails the
build at ``page.md:1``. Each page shows a banner with the owner, the date
and when the next review is due. ``scripts/review_due.py`` lists pages due.
The rules live in ``review_record`` so the script and the build agree.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util import logging

logger = logging.getLogger(__name__)


@dataclass
class ReviewRecord:
    owner: str
    owner_title: str
    last_reviewed: date
    interval_days: int

    @property
    def due(self) -> date:
        return self.last_reviewed + timedelta(days=self.interval_days)

    def overdue(self, today: date) -> bool:
        return today > self.due


def review_record(meta: dict[str, Any], platform: dict[str, Any], today: date) -> tuple[ReviewRecord | None, list[str]]:
    """Validate a page's metadata; return the record and a list of problems."""
    problems: list[str] = []
    roles = platform["roles"]
    owner = str(meta.get("owner", "")).strip()
    if not owner:
        problems.append("page has no 'owner' in its front matter (a role id from platform.yaml roles)")
    elif owner not in roles:
        problems.append(f"owner '{owner}' is not a role in platform.yaml (known: {', '.join(roles)})")
    raw_date = meta.get("last_reviewed")
    reviewed: date | None = None
    if raw_date in (None, ""):
        problems.append("page has no 'last_reviewed' date in its front matter (YYYY-MM-DD)")
    else:
        try:
            reviewed = raw_date if isinstance(raw_date, date) else date.fromisoformat(str(raw_date).strip())
        except ValueError:
            problems.append(f"last_reviewed '{raw_date}' is not a date in YYYY-MM-DD form")
        else:
            if reviewed > today:
                problems.append(f"last_reviewed {reviewed} is in the future")
    raw_interval = meta.get("review_interval_days", platform["review"]["default_interval_days"])
    try:
        interval = int(str(raw_interval).strip())
        if interval <= 0:
            raise ValueError
    except ValueError:
        problems.append(f"review_interval_days '{raw_interval}' is not a positive whole number")
        interval = 0
    if problems or reviewed is None:
        return None, problems
    return ReviewRecord(owner, roles[owner]["title"], reviewed, interval), []


def _check_and_banner(app: Sphinx, doctree: nodes.document) -> None:
    env = app.env
    docname = env.docname
    meta = env.metadata.get(docname, {})
    record, problems = review_record(meta, app.config.cvplus_platform, date.today())
    for problem in problems:
        logger.warning(problem, location=(docname, 1), type="cvplus", subtype="review")
    if record is None:
        return
    banner = nodes.container(classes=["cvplus-review"])
    para = nodes.paragraph()
    para += nodes.Text("Owner: ")
    para += nodes.strong(text=record.owner_title)
    para += nodes.Text(f" · Last reviewed: {record.last_reviewed.isoformat()}")
    para += nodes.Text(f" · Next review due: {record.due.isoformat()}")
    if record.overdue(date.today()):
        banner["classes"].append("cvplus-review-overdue")
        para += nodes.Text(" · ")
        para += nodes.strong(text="REVIEW OVERDUE")
    banner += para
    section = next(iter(doctree.findall(nodes.section)), None)
    if section is not None and section.children and isinstance(section[0], nodes.title):
        section.insert(1, banner)
    else:
        doctree.insert(0, banner)


def setup(app: Sphinx) -> dict[str, Any]:
    app.connect("doctree-read", _check_and_banner)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
