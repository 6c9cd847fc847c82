"""The tool versions the runbooks index names as tested are the ones the tests use."""

from __future__ import annotations

import json

import cvplus_data
from manual_build import ROOT

FACTS = cvplus_data.load_platform()["preconditions"]


def test_tested_firebase_tools_is_the_pinned_one():
    lock = json.loads((ROOT / "package-lock.json").read_text(encoding="utf-8"))
    assert FACTS["tested"]["firebase_tools"] == lock["packages"]["node_modules/firebase-tools"]["version"]


def test_tested_gcloud_is_the_one_the_stand_in_was_compared_with():
    report = json.loads((ROOT / "tests/snippets/standins/gcloud-diff-report.json").read_text(encoding="utf-8"))
    assert FACTS["tested"]["gcloud"] == report["gcloud"]


def test_minimums_are_not_above_what_was_tested():
    def key(version: str) -> tuple[int, ...]:
        return tuple(int(p) for p in version.split("."))
    assert key(FACTS["firebase_tools"]) <= key(FACTS["tested"]["firebase_tools"])
    assert key(FACTS["gcloud"]) <= key(FACTS["tested"]["gcloud"])
