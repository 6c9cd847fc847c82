"""Alerts as data: every routed alert has a policy, and every policy its runbook section.

The routing table lives in the facts file (``alerting`` in platform.yaml):
each alert names its kind, the template that creates it in
``source/reference/config/``, its route (a notification channel and the role
behind it), its severity and the runbook section it opens (page and label).
``{alert-routing}`` renders that table on the pages, so the table a reader
sees is the data the check reads.

The build fails (a warning at ``file:line``) when

- a routed alert has no policy: its template (``alert-*.yaml``,
  ``uptime-*.yaml`` or the budget file) is missing, or its fields are not
  the known kinds, routes and severities (at the alert's line in
  platform.yaml);
- a policy has no runbook section: an ``alert-*.yaml`` or ``uptime-*.yaml``
  that no routed alert claims (at the template's first line), a runbook
  label that no page defines, or a policy whose ``documentation`` does not
  link to the section's stable URL (``alerting.manual_url``/page.html#label)
  or does not say what fired, the impact, the severity and exactly three
  first actions (at the template's line);
- the routing table and the policy disagree: the policy's ``route`` user
  label (which decides the notification channel it gets) or its Cloud
  Monitoring severity is not the one the facts file gives (at the
  template's line). The facts file decides.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Iterator

import yaml
from docutils import nodes
from sphinx import addnodes
from sphinx.application import Sphinx
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

import cvplus_data
import cvplus_tables as tables
from cvplus_facts import substitute

logger = logging.getLogger(__name__)

CONFIG_DIR = Path(__file__).resolve().parent.parent / "reference" / "config"
KINDS = {"policy", "uptime", "budget", "subscription"}
REQUIRED = ("title", "kind", "route", "severity", "runbook", "anchor")
SECTIONS = ("**What fired**", "**Impact**", "**Severity**", "**First actions**")
ACTION = re.compile(r"^\s*(\d+)\.\s+\S", re.M)

Problem = tuple[str, int, str]  # (file, line, message)


def facts_line(path: Path, *keys: str) -> int:
    """Line of ``keys`` (a path of mapping keys) in a YAML file; the deepest
    one found if the full path is absent."""
    try:
        node = yaml.compose(path.read_text(encoding="utf-8"), Loader=cvplus_data.YAML_LOADER)
    except (OSError, yaml.YAMLError):
        return 1
    line = 1
    for key in keys:
        if not isinstance(node, yaml.MappingNode):
            break
        for key_node, value_node in node.value:
            if key_node.value == key:
                line = key_node.start_mark.line + 1
                node = value_node
                break
        else:
            break
    return line


def text_line(text: str, needle: str) -> int:
    for number, line in enumerate(text.splitlines(), 1):
        if needle in line:
            return number
    return 1


def runbook_url(alerting: dict[str, Any], alert: dict[str, Any]) -> str:
    return f"{alerting['manual_url'].rstrip('/')}/{alert['runbook']}.html#{alert['anchor']}"


def rendered(path: Path, facts: dict[str, Any]) -> tuple[str, dict[str, Any] | None, str | None]:
    """(raw text, parsed rendering, error) of a template."""
    raw = path.read_text(encoding="utf-8")
    text, unknown = substitute(raw, facts)
    if unknown:
        return raw, None, f"unknown placeholder(s) {', '.join(unknown)}"
    try:
        data = cvplus_data.parse_yaml(text)
    except yaml.YAMLError as exc:
        return raw, None, f"invalid YAML: {getattr(exc, 'problem', exc)}"
    if not isinstance(data, dict):
        return raw, None, "expected a mapping"
    return raw, data, None


def documentation_problems(policy: dict[str, Any], url: str, severity: str) -> Iterator[tuple[str, str]]:
    """(needle to locate, message) for each gap in a policy's documentation."""
    doc = policy.get("documentation") or {}
    content = str(doc.get("content") or "")
    for section in SECTIONS:
        if section not in content:
            yield "documentation:", f"documentation does not say {section.strip('*').lower()} (no '{section}' line)"
    wanted = f"**Severity**: SEV-{severity[-1]}"
    if "**Severity**" in content and wanted not in content:
        yield "**Severity**", f"documentation gives another severity than the routing table's ('{wanted}')"
    if "**First actions**" in content:
        after = content.split("**First actions**", 1)[1].split("**", 1)[0]
        count = len(ACTION.findall(after))
        if count != 3:
            yield "**First actions**", f"documentation lists {count} first actions, not 3"
    if not re.search(re.escape(url) + r"(?![\w#/-])", content):
        yield "content:", f"documentation does not link to its runbook section {url}"
    links = [link.get("url") for link in doc.get("links") or [] if isinstance(link, dict)]
    if url not in links:
        yield "documentation:", f"documentation.links has no link to {url}"


def check(facts: dict[str, Any], labels: dict[str, str], config_dir: Path = CONFIG_DIR,
          facts_path: Path = cvplus_data.PLATFORM_FILE) -> list[Problem]:
    """Every problem of the alert routing; ``labels`` maps a label to its docname."""
    problems: list[Problem] = []
    alerting = facts.get("alerting")
    if not isinstance(alerting, dict) or not isinstance(alerting.get("alerts"), dict):
        return [(str(facts_path), facts_line(facts_path, "alerting"), "alerting.alerts is missing")]
    routes = alerting.get("routes") or {}
    severities = alerting.get("monitoring_severity") or {}
    claimed: set[str] = set()

    def at_facts(alert_id: str, field: str, message: str) -> None:
        problems.append((str(facts_path), facts_line(facts_path, "alerting", "alerts", alert_id, field),
                         f"alert '{alert_id}': {message}"))

    for alert_id, alert in alerting["alerts"].items():
        if not isinstance(alert, dict):
            at_facts(alert_id, "", "expected a mapping")
            continue
        missing = [f for f in REQUIRED if not alert.get(f)]
        if missing:
            at_facts(alert_id, missing[0], f"missing {', '.join(missing)}")
            continue
        if alert["kind"] not in KINDS:
            at_facts(alert_id, "kind", f"kind '{alert['kind']}' is not one of {', '.join(sorted(KINDS))}")
            continue
        if alert["route"] not in routes:
            at_facts(alert_id, "route", f"route '{alert['route']}' is not one of {', '.join(routes)}")
        if alert["severity"] not in severities:
            at_facts(alert_id, "severity", f"severity '{alert['severity']}' is not one of {', '.join(severities)}")
        if labels.get(alert["anchor"]) != alert["runbook"]:
            where = labels.get(alert["anchor"])
            at_facts(alert_id, "anchor", f"runbook section '{alert['anchor']}' is not a label of {alert['runbook']}"
                     + (f" (it is on {where})" if where else " (no page defines it)"))
        if alert["kind"] == "subscription":
            if not alert.get("condition"):
                at_facts(alert_id, "kind", "a subscription says where the notice comes from (condition)")
            continue
        if alert["kind"] == "budget":
            template = alert.get("template")
            if not template or not (config_dir / template).is_file():
                at_facts(alert_id, "template", f"routed alert has no budget template ({template})")
            elif not alert.get("condition"):
                at_facts(alert_id, "kind", "a budget alert says when it fires (condition)")
            continue
        fields = ["policy"] + (["uptime"] if alert["kind"] == "uptime" else [])
        for field in fields:
            name = alert.get(field)
            if not name or not (config_dir / str(name)).is_file():
                at_facts(alert_id, field, f"routed alert has no {field} template ({name or 'none named'} "
                         f"in {config_dir.name}/)")
                continue
            claimed.add(str(name))
        if not (config_dir / str(alert.get("policy"))).is_file():
            continue
        path = config_dir / alert["policy"]
        raw, policy, error = rendered(path, facts)
        if error:
            problems.append((str(path), 1, error))
            continue
        label = (policy.get("userLabels") or {}).get("route")
        if label != alert["route"]:
            problems.append((str(path), text_line(raw, "route:"),
                             f"the policy's route label is '{label}' but the routing table "
                             f"(platform.yaml alerting.alerts.{alert_id}.route) says '{alert['route']}'"))
        wanted = severities.get(alert["severity"])
        if wanted and policy.get("severity") != wanted:
            problems.append((str(path), text_line(raw, "severity:"),
                             f"the policy's severity is {policy.get('severity')} but {alert['severity']} "
                             f"in the routing table is {wanted}"))
        for needle, message in documentation_problems(policy, runbook_url(alerting, alert), alert["severity"]):
            problems.append((str(path), text_line(raw, needle), message))
        if alert["kind"] == "uptime" and (config_dir / str(alert.get("uptime"))).is_file():
            _, check_config, error = rendered(config_dir / alert["uptime"], facts)
            host = ((check_config or {}).get("monitoredResource") or {}).get("labels", {}).get("host")
            filters = " ".join(str((c.get("conditionThreshold") or {}).get("filter", ""))
                               for c in policy.get("conditions") or [])
            if error or not host or f'resource.label.host="{host}"' not in filters:
                problems.append((str(path), text_line(raw, "filter:"),
                                 f"the policy does not watch the host of {alert['uptime']} ({host})"))
    for path in sorted(config_dir.glob("alert-*.yaml")) + sorted(config_dir.glob("uptime-*.yaml")):
        if path.name not in claimed:
            problems.append((str(path), 1, "no routed alert in platform.yaml (alerting.alerts) claims this "
                             "template, so it has no route and no runbook section"))
    return problems


def std_labels(env: Any) -> dict[str, str]:
    return {name: value[0] for name, value in env.domaindata.get("std", {}).get("labels", {}).items()}


def _relative(path: str, root: Path) -> str:
    try:
        return str(Path(path).resolve().relative_to(root))
    except ValueError:
        return path


def _check(app: Sphinx, env: Any) -> None:
    root = Path(app.confdir).resolve()
    for path, line, message in check(app.config.cvplus_platform, std_labels(env)):
        logger.warning("alert routing: %s", message, location=f"{_relative(path, root)}:{line}",
                       type="cvplus", subtype="alerts")


class AlertRouting(SphinxDirective):
    """The routing table, from the facts file and the rendered templates."""

    def run(self) -> list[nodes.Node]:
        facts = self.config.cvplus_platform
        alerting = facts["alerting"]
        self.env.note_dependency(str(cvplus_data.PLATFORM_FILE))
        rows = []
        for alert_id, alert in alerting["alerts"].items():
            condition = alert.get("condition", "")
            if alert.get("policy"):
                path = CONFIG_DIR / alert["policy"]
                self.env.note_dependency(str(path))
                _, policy, error = rendered(path, facts) if path.is_file() else ("", None, "missing")
                condition = (policy or {}).get("displayName", f"(missing {alert['policy']})")
                source = nodes.literal(text=alert["policy"])
            else:
                source = nodes.literal(text=alert.get("template", alert["kind"]))
            route = alerting["routes"].get(alert["route"], {})
            role = facts["roles"].get(route.get("role"), {}).get("title", route.get("role", ""))
            page = addnodes.pending_xref("", nodes.inline(text=alert["runbook"]), refdomain="std", reftype="doc",
                                         reftarget="/" + alert["runbook"], refexplicit=False, refwarn=True,
                                         refdoc=self.env.docname)
            section = addnodes.pending_xref("", nodes.inline(text=alert["anchor"]), refdomain="std", reftype="ref",
                                            reftarget=alert["anchor"], refexplicit=False, refwarn=True,
                                            refdoc=self.env.docname)
            ref = [page, section]
            rows.append([alert["title"], condition, f"SEV-{alert['severity'][-1]}",
                         f"{alert['route']}: {role}, {route.get('channel', '')}", ref, source])
        table = tables.table(["Alert", "Fires when", "Severity", "Route", "Runbook", "Template"], rows,
                             ["cvplus-alert-routing"], [14, 26, 8, 20, 16, 16])
        return [table]


def setup(app: Sphinx) -> dict[str, Any]:
    app.setup_extension("cvplus_facts")
    app.add_directive("alert-routing", AlertRouting)
    app.connect("env-check-consistency", _check)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
