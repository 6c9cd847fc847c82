"""Dashboard panels are drawn from the facts' limits only (source/_ext/cvplus_panels.py)."""

from __future__ import annotations

import pytest

import cvplus_data
from cvplus_panels import bands, fact, sentence, svg

FACTS = cvplus_data.load_platform()


def test_limits_come_from_the_facts():
    drawn = bands(fact(FACTS, "thresholds.web_vitals.lcp_ms.warning"),
                  fact(FACTS, "thresholds.web_vitals.lcp_ms.critical"), "above")
    lcp = FACTS["thresholds"]["web_vitals"]["lcp_ms"]
    assert [(k, a) for k, a, _ in drawn] == [("normal", 0.0), ("warning", lcp["warning"]), ("critical", lcp["critical"])]


def test_a_success_rate_is_bad_below_its_target():
    target = FACTS["slos"]["cv_generation_success_percent"]
    drawn = bands(float(target), None, "below", 100.0)
    assert drawn[-1] == ("normal", target, 100.0) and drawn[0][0] == "act"
    assert f"act below {target:g} %" in sentence("CV generation", " %", drawn, "below")


def test_the_picture_is_labelled_illustrative_and_draws_no_traffic():
    picture = svg("API latency", " ms", bands(2000.0, None, "above"))
    assert "Illustrative" in picture and "no traffic drawn" in picture
    assert "<path" not in picture and "<polyline" not in picture and "<circle" not in picture
    assert 'role="img"' in picture and "<title>" in picture


def test_fault_unknown_or_non_numeric_fact():
    with pytest.raises(KeyError, match="unknown fact 'thresholds.api_msec'"):
        fact(FACTS, "thresholds.api_msec")
    with pytest.raises(KeyError, match="is not a number"):
        fact(FACTS, "region")


def test_fault_limits_out_of_order():
    with pytest.raises(ValueError, match="not past the normal limit"):
        bands(4000.0, 2000.0, "above")
