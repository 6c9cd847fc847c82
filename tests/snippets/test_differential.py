"""Differential tests: CVPlus's real deployment scripts against the models.

With ``CVPLUS_CHECKOUT`` set (a CVPlus work tree or bare git directory),
each invocation of ``differential.yaml`` runs against the real script and
the fixture's model (``differential.py``); the exit status, the build
commands and the cloud calls must agree, except for entries marked
``not_modelled`` (run and reported, not required to agree). The run
rewrites ``differential-report.json`` (CVPlus commit, date, sha256 of every
input and the results); commit it. Without a checkout these tests skip and
say why.

Always run: the committed report must be current. When a model, the
provenance table, the invocation list or the harness changed after the
report was written, ``test_report_is_current`` fails and names the files.
"""

from __future__ import annotations

import json
import os
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest

import differential as d

CHECKOUT = os.environ.get("CVPLUS_CHECKOUT", "")
INVOCATIONS = d.load_invocations()
_RESULTS: dict[str, dict] = {}


def test_report_is_current():
    assert d.REPORT.is_file(), f"{d.REPORT} missing: run the differential tests with CVPLUS_CHECKOUT set"
    report = json.loads(d.REPORT.read_text(encoding="utf-8"))
    recorded, now = report.get("inputs") or {}, d.input_hashes()
    changed = sorted(k for k in set(recorded) | set(now) if recorded.get(k) != now.get(k))
    assert not changed, (f"{d.REPORT.name} is stale: these inputs changed after it was written: "
                         f"{', '.join(changed)}; rerun with CVPLUS_CHECKOUT=/path/to/CVPLUS")
    assert report.get("inputs_sha256") == d.inputs_digest()
    assert report.get("cvplus_commit") and report.get("date"), "the report names no CVPlus commit or date"
    assert {r["id"] for r in report.get("results", [])} == {i["id"] for i in INVOCATIONS}, \
        "the report does not cover every invocation"


def test_stale_report_is_detected(tmp_path, monkeypatch):
    """Fault test: an input edited after the report makes the check fail."""
    model = tmp_path / "model.sh"
    model.write_text("echo one\n")
    monkeypatch.setattr(d, "inputs", lambda: [model])
    monkeypatch.setattr(d, "ROOT", tmp_path)
    report = tmp_path / "report.json"
    report.write_text(json.dumps({"inputs": d.input_hashes(), "inputs_sha256": d.inputs_digest(),
                                  "cvplus_commit": "x", "date": "y", "results": []}))
    monkeypatch.setattr(d, "REPORT", report)
    monkeypatch.setattr(sys.modules[__name__], "INVOCATIONS", [])
    test_report_is_current()
    model.write_text("echo two\n")
    with pytest.raises(AssertionError, match=r"stale: .*model\.sh"):
        test_report_is_current()


@pytest.fixture(scope="module")
def checkout():
    if not CHECKOUT:
        pytest.skip("CVPLUS_CHECKOUT is not set: no CVPlus checkout to run the real scripts from "
                    "(the committed differential-report.json holds the last run)")
    from reality.checkout import Checkout
    co = Checkout.open(CHECKOUT)
    yield co
    if len(_RESULTS) == len(INVOCATIONS):
        d.REPORT.write_text(json.dumps({
            "cvplus_commit": co.commit,
            "date": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "inputs_sha256": d.inputs_digest(),
            "inputs": d.input_hashes(),
            "results": [_RESULTS[i["id"]] for i in INVOCATIONS],
        }, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


@pytest.mark.parametrize("inv", INVOCATIONS, ids=[i["id"] for i in INVOCATIONS])
def test_real_script_and_model_agree(inv, checkout, tmp_path):
    real, model = d.run_pair(inv, checkout, tmp_path)
    record = d.as_record(inv, real, model)
    record["not_modelled"] = inv.get("not_modelled")
    _RESULTS[inv["id"]] = record
    if inv.get("not_modelled"):
        pytest.skip(f"not modelled: {inv['not_modelled']} (recorded in the report)")
    assert not record["differences"], f"{inv['script']} {' '.join(inv.get('args') or [])}: " + "; ".join(
        record["differences"])
