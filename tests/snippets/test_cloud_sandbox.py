"""The sandbox's firebase is the real, pinned CLI, talking to the simulated
Google APIs on loopback; the nodejs20 fixture cannot deploy until its
runtime is upgraded, as with the real Google APIs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import world
from cloudsim import log as cloudlog
from manual_build import ROOT

pytestmark = pytest.mark.slow
FACTS_PROJECT = "cvplus-dev"


@pytest.fixture(scope="module")
def box(tmp_path_factory):
    sandbox = world.fixture_sandbox(tmp_path_factory.mktemp("cloud") / "box")
    yield sandbox
    sandbox.close()


def test_firebase_is_the_pinned_firebase_tools(box):
    pinned = json.loads((ROOT / "package-lock.json").read_text())["packages"]["node_modules/firebase-tools"]["version"]
    result = box.run("readlink -f \"$(command -v firebase)\"; firebase --version", timeout=120)
    assert result.status == 0, result.output
    path, version = result.output.split()
    # resolved on both sides: node_modules may be a link (make benchmark's copies of the project)
    assert path == str((ROOT / "node_modules" / "firebase-tools" / "lib" / "bin" / "firebase.js").resolve())
    assert version == pinned


def test_the_cli_reads_the_simulated_world(box):
    start = cloudlog.lines(box.cloud_log)
    result = box.run(f"firebase hosting:channel:list --project {FACTS_PROJECT} --site {FACTS_PROJECT}", timeout=120)
    assert result.status == 0, result.output
    assert f"https://{FACTS_PROJECT}.web.app" in result.output
    summary = cloudlog.summary(box.cloud_log, start)
    assert summary["endpoints"].get("firebasehosting.projects.sites.channels.list") == 1, summary
    assert summary["errors"] == [], summary


def test_endpoints_file_names_every_api(box):
    result = box.run('cat "$CVPLUS_CLOUDSIM_ENDPOINTS"', timeout=30)
    endpoints = json.loads(result.output)
    for api in ("run", "firestore", "secretmanager", "cloudfunctions", "firebasehosting", "cloudresourcemanager",
                "serviceusage", "firebase", "firebaserules", "logging", "monitoring", "billingbudgets",
                "cloudbilling", "iam"):
        assert endpoints[api] == f"http://{api}.googleapis.com:9470", api


def test_fault_nodejs20_fixture_cannot_deploy_until_the_runtime_is_upgraded(box):
    refused = box.run(f"firebase deploy --only functions:healthCheck --project {FACTS_PROJECT}", timeout=300)
    assert refused.status == 1, refused.output
    assert ("Error: Runtime Node.js 20 was decommissioned on 2026-10-30. To deploy you must first upgrade your "
            "runtime version.") in refused.output
    box.run("sed -i 's/\"nodejs20\"/\"nodejs24\"/' firebase.json && "
            "sed -i 's/\"node\": \"20\"/\"node\": \"24\"/' functions/package.json", timeout=30)
    start = cloudlog.lines(box.cloud_log)
    deployed = box.run(f"firebase deploy --only functions:healthCheck --project {FACTS_PROJECT}", timeout=300)
    assert deployed.status == 0, deployed.output
    assert "Deploy complete!" in deployed.output
    summary = cloudlog.summary(box.cloud_log, start)
    assert summary["endpoints"].get("cloudfunctions.projects.locations.functions.patch") == 1, summary
    assert "functions-source-upload" in summary["exceptions"], summary
