"""Operating evidence: did a control run in the real environment in the
audit period?

The only input is the committed register ``source/_data/operating_evidence.yaml``,
which only ``scripts/evidence_ledger.py import`` writes: one record per
artefact collected in a real environment (dev, staging or prod) with its
sha256, location, collection time and the role that collected it. Sandbox
test results never reach this module, so they cannot set an operating
status. A malformed record (unknown control or role, an environment that is
not real, a bad hash or time) is a warning at ``file:line`` and fails the
strict build.

``{operating-evidence}`` shows, per control and for the audit period of
``compliance.audit`` in platform.yaml: population, frequency, sample size,
what was collected and the exceptions, saying "none collected yet" where
that is the truth.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path
from typing import Any

import yaml
from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

import cvplus_data

REGISTER = Path(__file__).resolve().parent.parent / "_data" / "operating_evidence.yaml"
REAL_ENVIRONMENTS = ("dev", "staging", "prod")
RESULTS = ("collected", "exception")
FIELDS = ("control", "environment", "sha256", "location", "collected_at", "collector", "result", "note")

logger = logging.getLogger(__name__)


class RegisterError(Exception):
    """A record of the register is malformed; the message names file:line."""


def load_register(path: Path = REGISTER) -> list[dict[str, Any]]:
    """Records with their line numbers (``_line``); [] when there are none."""
    if not path.is_file():
        return []
    text = path.read_text(encoding="utf-8")
    loader = cvplus_data.YAML_LOADER(text)
    try:
        root = loader.get_single_node()
    finally:
        loader.dispose()
    if root is None:
        return []
    data = cvplus_data.parse_yaml(text) or {}
    records = data.get("records") or []
    lines = []
    for key, value in getattr(root, "value", []):
        if getattr(key, "value", None) == "records" and isinstance(value, yaml.SequenceNode):
            lines = [item.start_mark.line + 1 for item in value.value]
    return [{**r, "_line": lines[i] if i < len(lines) else 1} for i, r in enumerate(records)]


def record_problems(record: dict[str, Any], controls: set[str], roles: set[str]) -> list[str]:
    """What is wrong with one record (empty when it is sound)."""
    problems = []
    for field in FIELDS[:-1]:
        if not str(record.get(field) or "").strip():
            problems.append(f"missing '{field}'")
    if record.get("control") and record["control"] not in controls:
        problems.append(f"unknown control '{record['control']}'")
    if record.get("environment") and record["environment"] not in REAL_ENVIRONMENTS:
        problems.append(f"environment '{record['environment']}' is not a real environment "
                        f"({', '.join(REAL_ENVIRONMENTS)}); sandbox results are not operating evidence")
    if record.get("sha256") and not re.fullmatch(r"[0-9a-f]{64}", str(record["sha256"])):
        problems.append("sha256 is not 64 lower-case hex digits")
    if record.get("collector") and record["collector"] not in roles:
        problems.append(f"collector '{record['collector']}' is not a role of platform.yaml")
    if record.get("result") and record["result"] not in RESULTS:
        problems.append(f"result '{record['result']}' is not one of {', '.join(RESULTS)}")
    try:
        datetime.fromisoformat(str(record.get("collected_at")))
    except ValueError:
        problems.append(f"collected_at '{record.get('collected_at')}' is not an ISO date and time")
    return problems


def period(platform: dict[str, Any]) -> tuple[date, date]:
    audit = platform["compliance"]["audit"]
    return date.fromisoformat(str(audit["period_start"])), date.fromisoformat(str(audit["period_end"]))


def in_period(record: dict[str, Any], start: date, end: date) -> bool:
    try:
        when = datetime.fromisoformat(str(record["collected_at"])).date()
    except (KeyError, ValueError):
        return False
    return start <= when <= end


def summarise(records: list[dict[str, Any]], controls: set[str], start: date, end: date) -> dict[str, dict[str, Any]]:
    """Operating status per control for the period: exception when any
    record in the period is one, collected when any record exists, else
    missing."""
    out: dict[str, dict[str, Any]] = {}
    for control in controls:
        mine = [r for r in records if r.get("control") == control and in_period(r, start, end)]
        status = "missing"
        if mine:
            status = "exception" if any(r.get("result") == "exception" for r in mine) else "collected"
        out[control] = {"status": status,
                        "records": [{k: v for k, v in r.items() if not k.startswith("_")} for r in mine]}
    return out


def population(frequency: str, start: date, end: date) -> str:
    """How many times a control of this frequency operates in the period."""
    days = (end - start).days + 1
    fixed = {"daily": days, "weekly": days // 7, "monthly": round(days / 30.44),
             "quarterly": round(days / 91.3), "yearly": max(1, round(days / 365))}
    if frequency in fixed:
        return str(fixed[frequency])
    return {"per-release": "every release in the period (from the release log)",
            "on-event": "every event in the period (from the ticket system)",
            "continuous": "every day of the period"}.get(frequency, "unknown")


def operating_status(app: Sphinx) -> dict[str, dict[str, Any]]:
    """Per control, for the configured period; cached on the app."""
    cache = getattr(app, "_cvplus_operating", None)
    if cache is None:
        from cvplus_checks import plain_needs

        controls = {nid for nid, n in plain_needs(app).items() if n["type"] == "control"}
        start, end = period(app.config.cvplus_platform)
        cache = summarise(load_register(), controls, start, end)
        app._cvplus_operating = cache  # type: ignore[attr-defined]
    return cache


def _check(app: Sphinx, builder: Any = None) -> None:
    from cvplus_checks import plain_needs

    controls = {nid for nid, n in plain_needs(app).items() if n["type"] == "control"}
    roles = set(app.config.cvplus_platform["roles"])
    for record in load_register():
        for problem in record_problems(record, controls, roles):
            logger.warning("operating evidence: %s", problem, location=f"{REGISTER}:{record['_line']}",
                           type="cvplus", subtype="operating")


class operating_placeholder(nodes.General, nodes.Element):
    pass


class OperatingEvidence(SphinxDirective):
    def run(self) -> list[nodes.Node]:
        return [operating_placeholder()]


def _resolve(app: Sphinx, doctree: nodes.document, fromdocname: str) -> None:
    placeholders = list(doctree.findall(operating_placeholder))
    if not placeholders:
        return
    import cvplus_tables as tables
    from cvplus_coverage import _data, _need_ref, _status

    needs, data = _data(app)
    platform = app.config.cvplus_platform
    start, end = period(platform)
    sizes = platform["compliance"]["audit"]["sample_sizes"]
    rows = []
    for r in data["rows"]:
        if r["type"] != "control":
            continue
        records = r["operating_records"]
        collected = "; ".join(f"{x['collected_at']} {x['environment']} {x['location']} (sha256 {x['sha256'][:12]}…, "
                              f"{x['collector']})" for x in records) or "none collected yet"
        exceptions = "; ".join(x.get("note") or x["location"] for x in records if x["result"] == "exception")
        rows.append([[_need_ref(app, fromdocname, needs.get(r["id"]), r["id"])], r["frequency"],
                     population(r["frequency"], start, end), str(sizes.get(r["frequency"], "")),
                     collected, exceptions or ("none" if records else "none collected yet"), [_status(r["operating"])]])
    intro = nodes.paragraph(text=f"Audit period {start} to {end}. Operating status comes only from artefacts "
                                 "collected in the real environment and imported into the register; sandbox "
                                 "results never count.")
    table = tables.table(["Control", "Frequency", "Population", "Sample", "Collected", "Exceptions", "Operating"],
                         rows, ["cvplus-matrix", "cvplus-operating"], [22, 9, 14, 6, 27, 12, 10])
    for node in placeholders:
        node.replace_self([intro.deepcopy(), table.deepcopy()])


def setup(app: Sphinx) -> dict[str, Any]:
    app.setup_extension("cvplus_checks")
    app.add_node(operating_placeholder)
    app.add_directive("operating-evidence", OperatingEvidence)
    app.connect("write-started", _check, priority=600)
    app.connect("doctree-resolved", _resolve)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
