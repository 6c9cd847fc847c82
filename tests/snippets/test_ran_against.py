"""Evidence names what a snippet ran against, and the coverage data merges
it per procedure with the simulated APIs' request summary."""

from __future__ import annotations

from cvplus_coverage_model import procedure_runs
from evidence import firebase_tools_version, gcloud_label, ran_against

REAL = f"firebase-tools {firebase_tools_version()} (real CLI, simulated Google APIs)"


def test_a_firebase_command_ran_against_the_real_cli():
    assert ran_against("$ firebase deploy --only hosting\n", None) == [REAL]


def test_a_fixture_script_reaching_the_simulation_counts_as_the_real_cli():
    assert ran_against("$ scripts/deployment/smart-deploy.sh --quick\n", {"requests": 3}) == [REAL]


def test_emulators_and_stand_ins_are_named_as_such():
    labels = ran_against("$ firebase emulators:start --only functions &\n$ gcloud run services list\n"
                         "$ stripe trigger payment_intent.succeeded\n", None)
    assert labels == ["Firebase emulators (real, offline)", gcloud_label(), "stripe CLI (stand-in)"]
    assert gcloud_label().startswith("gcloud (stand-in, differential report ")


def test_a_page_still_on_the_stand_in_says_so():
    assert ran_against("$ firebase use staging\n", None, standin=True)[0].startswith("firebase (stand-in;")


def test_procedure_runs_merge_the_current_results_only():
    results = {"PROC_X": [
        {"sha256": "a", "outcome": "passed", "finished": "2", "ran_against": [REAL],
         "cloud": {"requests": 2, "endpoints": {"firebase.projects.get": 2}, "documents": ["firebase.v1beta1 revision 1"],
                   "exceptions": []}},
        {"sha256": "b", "outcome": "passed", "finished": "2", "ran_against": ["gcloud (stand-in)"]},
        {"sha256": "gone", "outcome": "passed", "finished": "3", "ran_against": ["stripe CLI (stand-in)"]}]}
    runs = procedure_runs({"id": "PROC_X"}, results, {"PROC_X": {"a", "b"}})
    assert runs["ran_against"] == [REAL, "gcloud (stand-in)"]
    assert runs["cloud"] == {"requests": 2, "endpoints": {"firebase.projects.get": 2},
                             "documents": ["firebase.v1beta1 revision 1"], "exceptions": []}
