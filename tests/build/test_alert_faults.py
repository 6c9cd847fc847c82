"""The alert -> runbook check fails the build, naming the file and the line.

One build of a copy of the project with two faults: a policy whose route
label disagrees with the routing table (named at the template's line), and
a routed alert whose runbook section no page defines (named at its line in
platform.yaml). The other faults are proven on the check itself
(tests/build/test_alerts.py).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import cvplus_alerts
from manual_build import run_build

POLICY = "source/reference/config/alert-api-latency.yaml"
FACTS = "source/_data/platform.yaml"


@pytest.mark.slow
def test_alert_faults_fail_the_build_with_file_and_line(project_copy: Path, tmp_path: Path) -> None:
    policy = project_copy / POLICY
    text = policy.read_text(encoding="utf-8")
    policy.write_text(text.replace("  route: page\n", "  route: ticket\n", 1), encoding="utf-8")
    route_line = next(n for n, l in enumerate(policy.read_text(encoding="utf-8").splitlines(), 1) if l == "  route: ticket")

    facts = project_copy / FACTS
    lines = facts.read_text(encoding="utf-8").splitlines()
    start = lines.index("    cold_start:")
    anchor = next(i for i in range(start, len(lines)) if lines[i].strip().startswith("anchor:"))
    lines[anchor] = "      anchor: rb-no-such-section"
    facts.write_text("\n".join(lines) + "\n", encoding="utf-8")
    anchor_line = cvplus_alerts.facts_line(facts, "alerting", "alerts", "cold_start", "anchor")
    assert anchor_line == anchor + 1

    result = run_build(project_copy, tmp_path / "out")
    assert result.returncode != 0, result.output
    output = result.output.splitlines()
    assert any(re.search(rf"{re.escape(POLICY)}:{route_line}: .*route label is 'ticket' but the routing table", l)
               for l in output), result.output
    assert any(re.search(rf"{re.escape(FACTS)}:{anchor_line}: .*'rb-no-such-section' is not a label", l)
               for l in output), result.output
