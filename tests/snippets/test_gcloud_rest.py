"""The gcloud stand-in as a REST client of the simulation: one truth with firebase.

- with the simulation running (``CVPLUS_GCLOUD_REST``, which every simulated
  sandbox gets from cloudsim.session), a gcloud command that has no row in
  ``standins/gcloud_commands.yaml`` and is not ``local`` is refused (exit 3),
  never answered from the stand-in's own state (fault test);
- the template converters turn flags into what the API wants, and a value
  they cannot read is a clear error;
- in a fixture sandbox, what the real firebase CLI changes is what gcloud
  reads: a function deployed with a warm instance shows ``minInstanceCount``
  1, and a gcloud write is read back by the next gcloud call.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
STANDINS = HERE / "standins"
sys.path.insert(0, str(STANDINS))
sys.path.insert(0, str(HERE))

import gcloud_rest  # noqa: E402
import world  # noqa: E402


def _standin(*argv: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(STANDINS / "standin.py"), "gcloud", *argv], capture_output=True,
                          text=True, env={"PATH": os.environ["PATH"], "HOME": "/nonexistent", **env}, timeout=60)


@pytest.fixture()
def endpoints(tmp_path) -> Path:
    path = tmp_path / "endpoints.json"
    path.write_text(json.dumps({"run": "http://127.0.0.1:9"}), encoding="utf-8")
    return path


def test_fault_a_command_without_a_row_is_refused_when_the_simulation_runs(endpoints):
    assert "scheduler jobs pause" not in gcloud_rest.load_table()
    done = _standin("scheduler", "jobs", "pause", "job", "--location", "us-central1", "--project", "p",
                    CVPLUS_CLOUDSIM_ENDPOINTS=str(endpoints), CVPLUS_GCLOUD_REST="1")
    assert done.returncode == 3, done.stderr
    assert "no row in tests/snippets/standins/gcloud_commands.yaml" in done.stderr


def test_a_local_command_still_runs_beside_the_simulation(endpoints):
    assert "version" in gcloud_rest.local_commands()
    done = _standin("version", CVPLUS_CLOUDSIM_ENDPOINTS=str(endpoints), CVPLUS_GCLOUD_REST="1")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("Google Cloud SDK")


def test_fault_a_local_row_without_a_reason_fails(monkeypatch):
    monkeypatch.setattr(gcloud_rest, "_data", lambda: {"commands": {}, "local": {"version": {"reference": "x"}}})
    with pytest.raises(gcloud_rest.TableError, match="local command 'version' needs a reference and a why"):
        gcloud_rest.local_commands()


@pytest.mark.parametrize("template, values, expected", [
    ("{r|duration}", {"r": "7d"}, "604800s"),
    ("{r|duration}", {"r": "14w"}, "8467200s"),
    ("{d|weekday}", {"d": "SUN"}, "SUNDAY"),
    ("{o|order}", {"o": "asc"}, "timestamp asc"),
    ("{n|page_size}", {"n": "5000"}, 1000),
    ("a {x} b", {"x": 1}, "a 1 b"),
    ("{m|money}", {"m": "150USD"}, {"units": "150", "nanos": 0, "currencyCode": "USD"}),
    ("{t|threshold_rules}", {"t": ["percent=0.8", "percent=1.0,basis=forecasted-spend"]},
     [{"thresholdPercent": 0.8}, {"thresholdPercent": 1.0, "spendBasis": "FORECASTED_SPEND"}]),
])
def test_converters(template, values, expected):
    assert gcloud_rest.fill(template, values) == expected


@pytest.mark.parametrize("template, values, message", [
    ("{r|duration}", {"r": "a week"}, "invalid duration"),
    ("{d|weekday}", {"d": "someday"}, "invalid day of week"),
    ("{o|order}", {"o": "newest"}, "Invalid choice"),
    ("{m|money}", {"m": "a lot"}, "not valid for --budget-amount"),
    ("{t|threshold_rules}", {"t": ["percent=0.5,basis=yesterday"]}, "basis must be one of"),
])

def test_fault_a_value_a_converter_cannot_read_is_an_error(template, values, message):
    with pytest.raises(gcloud_rest.ApiFailure, match=message):
        gcloud_rest.fill(template, values)



def test_fault_an_unreadable_file_flag_is_an_argument_error():
    with pytest.raises(gcloud_rest.ArgumentError, match=r"--policy-from-file: Unable to read file \[/nonexistent/p.yaml\]"):
        gcloud_rest.fill("{policy_from_file|file}", {"policy_from_file": "/nonexistent/p.yaml"})


def test_a_repeated_flag_keeps_every_value():
    argv = ["billing", "budgets", "create", "--threshold-rule=percent=0.8", "--threshold-rule", "percent=0.95"]
    assert gcloud_rest.repeated_values("--threshold-rule", argv) == ["percent=0.8", "percent=0.95"]


def test_variants_by_value_and_by_content():
    row = gcloud_rest.load_table()["firestore backups schedules create"]
    weekly = gcloud_rest.choose(row, {"recurrence": "weekly", "day_of_week": "SUN", "retention": "7d"})
    assert "weeklyRecurrence" in weekly["body"]
    with pytest.raises(gcloud_rest.ApiFailure, match="daily, or weekly with --day-of-week"):
        gcloud_rest.choose(row, {"recurrence": "monthly", "retention": "7d"})
    read = gcloud_rest.load_table()["logging read"]
    own = gcloud_rest.choose(read, {"arg0": 'timestamp>="2026-01-01T00:00:00Z"'})
    assert own["body"]["filter"] == "{arg0}"  # gcloud adds no freshness to a filter with its own timestamp


# -- one world for both CLIs, in a fixture sandbox --------------------------------------

@pytest.fixture(scope="module")
def box(tmp_path_factory):
    sandbox = world.fixture_sandbox(tmp_path_factory.mktemp("gcloud-rest") / "box", real_firebase=True)
    yield sandbox
    sandbox.close()


def test_gcloud_reads_what_a_gcloud_write_changed(box):
    done = box.run("gcloud firestore databases update --project cvplus-dev --enable-pitr >/dev/null 2>&1 && "
                   "gcloud firestore databases describe --project cvplus-dev --format='value(pointInTimeRecoveryEnablement)'")
    assert (done.status, done.output.strip()) == (0, "POINT_IN_TIME_RECOVERY_ENABLED"), done.output


def test_gcloud_reads_what_the_real_firebase_cli_deployed(box):
    describe = ("gcloud functions describe podcastStatus --region us-central1 --v2 --project cvplus-dev "
                "--format='value(serviceConfig.minInstanceCount.yesno(no=0))'")
    before = box.run(describe)
    assert (before.status, before.output.strip()) == (0, "0"), before.output
    setup = box.run("cvplus-fixture --runtime nodejs24 up >/dev/null && cd up && "
                    "sed -i '/^exports.podcastStatus = /s/({ /({ minInstances: 1, /' functions/index.js && "
                    "firebase deploy --only functions:podcastStatus -P dev --force >/dev/null 2>&1", timeout=240)
    assert setup.status == 0, setup.output
    after = box.run(describe)
    assert (after.status, after.output.strip()) == (0, "1"), after.output
    revisions = box.run("gcloud run revisions list --service podcaststatus --region us-central1 --project cvplus-dev "
                        "--sort-by='~metadata.creationTimestamp' --format='value(REVISION)'")
    assert revisions.status == 0, revisions.output
    assert [r.rsplit("-", 1)[0] for r in revisions.output.split()] == ["podcaststatus-00002", "podcaststatus-00001"]
