"""The sandbox's default project is a trap: a command that names no project
is refused, by the simulated Google APIs (real firebase CLI) and by the
stand-ins, with a message naming the trap; the same command aimed at a
project passes, and a visible ``firebase use`` still selects a project."""

from __future__ import annotations

import json

import pytest

import world
from cloudsim import log as cloudlog
from sandbox import Sandbox

pytestmark = pytest.mark.slow
TRAP = world.TRAP_PROJECT
WHY = f"{TRAP} is the sandbox's default project, a trap"


def _box(tmp_path_factory, name: str, real: bool) -> Sandbox:
    return world.fixture_sandbox(tmp_path_factory.mktemp(name) / "box", real_firebase=real, trap=True)


@pytest.fixture(scope="module")
def cloud(tmp_path_factory):
    box = _box(tmp_path_factory, "trap-cloud", real=True)
    yield box
    box.close()


@pytest.fixture(scope="module")
def standin(tmp_path_factory):
    box = _box(tmp_path_factory, "trap-standin", real=False)
    yield box
    box.close()


def test_trap_is_the_active_project_of_every_folder(standin):
    store = json.loads((standin.home / ".config" / "configstore" / "firebase-tools.json").read_text())
    assert store["activeProjects"] == {"/": TRAP}
    assert standin.run('echo "$CLOUDSDK_CORE_PROJECT"', timeout=30).output.strip() == TRAP


def test_fault_unaimed_real_cli_is_refused_by_the_simulated_apis(cloud):
    start = cloudlog.lines(cloud.cloud_log)
    refused = cloud.run("firebase functions:secrets:get STRIPE_SECRET_KEY", timeout=180)
    assert refused.status != 0, refused.output
    summary = cloudlog.summary(cloud.cloud_log, start)
    assert any(WHY in error for error in summary["errors"]), summary
    assert all(TRAP in entry for entry in summary["errors"]), summary


def test_aimed_real_cli_passes(cloud):
    start = cloudlog.lines(cloud.cloud_log)
    aimed = cloud.run("firebase functions:secrets:get STRIPE_SECRET_KEY -P staging", timeout=180)
    assert aimed.status == 0, aimed.output
    assert cloudlog.summary(cloud.cloud_log, start)["errors"] == []


@pytest.mark.parametrize("command", [
    "firebase functions:list",
    "firebase deploy --only hosting",
    "gcloud run revisions list --service healthcheck --region us-central1",
    "gcloud firestore backups list",
])
def test_fault_unaimed_standin_command_is_refused(standin, command):
    refused = standin.run(command, timeout=60)
    assert refused.status == 1 and WHY in refused.output, refused.output


def test_aimed_standin_commands_pass_and_a_visible_use_still_selects(standin):
    assert standin.run("firebase functions:list -P staging", timeout=60).status == 0
    aimed = standin.run("gcloud firestore backups list --project cvplus-staging --format=json", timeout=60)
    assert WHY not in aimed.output, aimed.output  # past the trap (the stand-in's own state answers)
    chosen = standin.run("firebase use staging >/dev/null && firebase functions:list", timeout=60)
    assert chosen.status == 0, chosen.output
