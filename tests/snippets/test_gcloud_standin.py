"""The gcloud stand-in's command table, its grammar guard and the differential report.

- every row of ``standins/gcloud_commands.yaml`` names a method and
  parameters its discovery document has, and cites its reference page;
- a flag the real gcloud lacks is refused before any request is made, also
  when the stand-in runs as a REST client of the simulation;
- ``standins/gcloud-diff-report.json`` (``make gcloud-diff``) was made from
  the current inputs: when the stand-in's tables, engine or grammar, or the
  manual's gcloud invocations, change after the report, this fails until the
  differential run is repeated (fault test: an input changed in a copy).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
STANDINS = HERE / "standins"
sys.path.insert(0, str(STANDINS))
sys.path.insert(0, str(HERE))

import gcloud_diff  # noqa: E402
import gcloud_rest  # noqa: E402

ROWS = gcloud_rest.load_table()


@pytest.mark.parametrize("name", sorted(ROWS))
def test_each_row_calls_a_published_method(name):
    row = ROWS[name]
    assert row["reference"].startswith("https://cloud.google.com/sdk/gcloud/reference/"), name
    method = gcloud_rest.find_method(row["api"], row["version"], row["method"])
    declared = method.get("parameters", {})
    unknown = sorted(set(row.get("params", {})) - set(declared))
    assert not unknown, f"{name}: {row['method']} has no parameter(s) {unknown}"


def test_a_row_naming_a_method_the_document_lacks_fails():
    with pytest.raises(gcloud_rest.TableError, match="not in the firestore v1 discovery document"):
        gcloud_rest.find_method("firestore", "v1", "firestore.projects.databases.teleport")


def _standin(*argv: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(STANDINS / "standin.py"), "gcloud", *argv], capture_output=True,
                          text=True, env={"PATH": os.environ["PATH"], "HOME": "/nonexistent", **env}, timeout=60)


def test_a_flag_the_real_gcloud_lacks_stays_refused_on_the_rest_path(tmp_path):
    endpoints = tmp_path / "endpoints.json"
    endpoints.write_text(json.dumps({"firestore": "http://127.0.0.1:9"}), encoding="utf-8")
    done = _standin("firestore", "databases", "describe", "--project", "p", "--pinned",
                    CVPLUS_CLOUDSIM_ENDPOINTS=str(endpoints), CVPLUS_GCLOUD_REST="1")
    assert done.returncode == 2, done.stderr
    assert "REFUSED: unknown option '--pinned'" in done.stderr


def test_without_the_simulation_a_rest_command_says_so(tmp_path):
    done = _standin("firestore", "databases", "describe", "--project", "p",
                    CVPLUS_CLOUDSIM_ENDPOINTS=str(tmp_path / "absent.json"), CVPLUS_GCLOUD_REST="1")
    assert done.returncode == 1
    assert "simulated Google APIs are not running" in done.stderr


# -- the differential report ------------------------------------------------------

def _report() -> dict:
    assert gcloud_diff.REPORT.is_file(), "no differential report: run `make gcloud-diff` where gcloud is installed"
    return json.loads(gcloud_diff.REPORT.read_text(encoding="utf-8"))


def test_the_report_names_the_real_gcloud_and_its_date():
    report = _report()
    assert report["gcloud"] not in ("", "unknown")
    assert len(report["date"]) == 10
    assert sum(report["counts"].values()) == len(report["invocations"])


def test_the_differential_report_is_current():
    stale = gcloud_diff.stale_inputs(_report(), gcloud_diff.inputs_digest())
    assert not stale, (f"{gcloud_diff.REPORT.relative_to(gcloud_diff.ROOT)} is stale: {', '.join(stale)} changed "
                       "after the differential run; run `make gcloud-diff` and commit the report")


def test_fault_a_changed_table_makes_the_report_stale(tmp_path):
    copy = tmp_path / "standins"
    shutil.copytree(STANDINS, copy, ignore=shutil.ignore_patterns("__pycache__"))
    calls = gcloud_diff.invocations()
    report = {"inputs": gcloud_diff.inputs_digest(copy, calls)}
    assert gcloud_diff.stale_inputs(report, gcloud_diff.inputs_digest(copy, calls)) == []
    table = copy / "gcloud_commands.yaml"
    table.write_text(table.read_text(encoding="utf-8").replace("(default)", "(other)"), encoding="utf-8")
    assert gcloud_diff.stale_inputs(report, gcloud_diff.inputs_digest(copy, calls)) == ["gcloud_commands.yaml"]


def test_fault_a_changed_invocation_makes_the_report_stale():
    calls = gcloud_diff.invocations()
    report = {"inputs": gcloud_diff.inputs_digest(STANDINS, calls)}
    changed = [dict(calls[0], command=calls[0]["command"] + " --quiet"), *calls[1:]]
    assert gcloud_diff.stale_inputs(report, gcloud_diff.inputs_digest(STANDINS, changed)) == [
        "manual gcloud invocations"]
