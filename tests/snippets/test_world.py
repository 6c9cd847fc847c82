"""The CVPlus world in the sandbox: stand-ins refuse what the real tools
lack and keep state; the fixture checkout has the real scripts' flags; the
real Functions emulator serves the reference codebase offline."""

from __future__ import annotations

from pathlib import Path

import pytest

import world
from runner import run_snippet
from sandbox import Sandbox

import cvplus_data

FACTS = cvplus_data.load_platform()
STAGING = FACTS["envs"]["staging"]["project_id"]


def snippet(text: str, line: int = 10) -> dict:
    return {"id": f"world:{line}", "docname": "world", "source": "source/world.md", "line": line,
            "language": "console", "mode": "console", "need": "PROC_WORLD", "text": text, "sha256": "x", "not_run": ""}


@pytest.fixture
def box(tmp_path: Path) -> Sandbox:
    sandbox = Sandbox(tmp_path / "box", world.path_dirs(), world.sandbox_env())
    assert run_snippet(snippet("$ cvplus-fixture >/dev/null && cd cvplus\n"), sandbox).passed
    yield sandbox
    sandbox.close()


def check(box: Sandbox, text: str) -> None:
    verdict = run_snippet(snippet(text), box)
    assert verdict.passed, verdict.message


def test_grammar_comes_from_the_installed_firebase_tools() -> None:
    import json

    grammar = json.loads(world.firebase_grammar().read_text())
    lock = json.loads((world.ROOT / "package-lock.json").read_text())
    assert grammar["version"] == lock["packages"]["node_modules/firebase-tools"]["version"]
    assert "hosting:clone" in grammar["commands"] and "hosting:rollback" not in grammar["commands"]


@pytest.mark.parametrize("call, reason", [
    ("firebase hosting:rollback", "'hosting:rollback' is not a command of firebase-tools"),
    ("firebase deploy --emergency", "unknown option '--emergency'"),
    ("firebase deploy --enhanced-validation", "unknown option '--enhanced-validation'"),
    ("firebase hosting:clone only-one-arg", "takes 2 argument(s)"),
    ("gcloud functions describe healthCheck --gen2", "unknown option '--gen2'"),
    ("gcloud firestore backups schedules delete", "not a command in the recorded gcloud grammar"),
    ("stripe listen --forward", "unknown option '--forward'"),
])
def test_stand_ins_refuse_what_the_real_tools_lack(box: Sandbox, call: str, reason: str) -> None:
    verdict = run_snippet(snippet(f"$ {call}\n"), box)
    assert not verdict.passed
    assert "REFUSED" in verdict.message and reason in verdict.message
    assert verdict.message.startswith("source/world.md:11: ")


def test_release_through_a_preview_channel_then_roll_back(box: Sandbox) -> None:
    site = STAGING
    check(box, "$ firebase use staging\n"
               f"Now using alias staging ({site})\n"
               "$ firebase deploy --only hosting -m 'release 1' >/dev/null\n"
               f"$ sandbox-cloud hosting-version {site} live > v1\n"
               "$ firebase hosting:channel:deploy rc2 --expires 2d\n"
               f"\u2714  hosting:channel: Channel rc2 has been created on site {site}.\n"
               f"\u2714  hosting:channel: Channel URL ({site}): https://{site}--rc2-*.web.app [expires in 2d] (glob)\n"
               f"$ firebase hosting:clone {site}:rc2 {site}:live\n"
               f"\u2714  Site {site} channel rc2 has been cloned to site {site} channel live.\n"
               f"$ firebase hosting:clone {site}@$(cat v1) {site}:live\n"
               f"\u2714  Site {site} version * has been cloned to site {site} channel live. (glob)\n"
               f"$ test \"$(sandbox-cloud hosting-version {site} live)\" = \"$(cat v1)\"\n")


def test_pinned_cloud_run_traffic_survives_a_deploy(box: Sandbox) -> None:
    check(box, "$ firebase use staging >/dev/null\n"
               "$ firebase deploy --only functions:healthCheck >/dev/null\n"
               "$ firebase deploy --only functions:healthCheck >/dev/null\n"
               f"$ OLD=$(gcloud run revisions list --service healthcheck --region us-central1 --project {STAGING} --format 'value(REVISION)' | tail -n 1)\n"
               f"$ gcloud run services update-traffic healthcheck --region us-central1 --project {STAGING} --to-revisions=\"$OLD=100\" >/dev/null\n"
               "$ firebase deploy --only functions:healthCheck >/dev/null\n"
               f"$ gcloud run services describe healthcheck --region us-central1 --project {STAGING}\n"
               "Service healthcheck in region us-central1\n"
               "Traffic: 100% healthcheck-00001-* (pinned) (glob)\n"
               f"$ gcloud run services update-traffic healthcheck --region us-central1 --project {STAGING} --to-latest\n"
               "Traffic:\n"
               "  100% healthcheck-00003-* (LATEST) (glob)\n")


def test_smart_deploy_model_has_exactly_the_real_flags(box: Sandbox) -> None:
    check(box, "$ scripts/deployment/smart-deploy.sh --emergency\n"
               "Unknown option: --emergency\n...\n[1]\n"
               "$ scripts/deployment/smart-deploy.sh --quick --environment production\n"
               "Quick mode is not allowed for production\n[1]\n"
               "$ scripts/deployment/intelligent-deploy.sh --full\n"
               "intelligent-deploy.sh takes no arguments * (glob)\n[1]\n"
               "$ scripts/deployment/smart-deploy.sh --environment staging --blue-green | tail -n 3\n"
               "[smart-deploy] blue-green: switched traffic to cvplus-green (placeholder: no traffic was moved)\n"
               "[smart-deploy] health checks: skipped in the sandbox model\n"
               "[smart-deploy] deployment complete\n")


def test_secret_rotation_keeps_versions(box: Sandbox) -> None:
    check(box, "$ firebase use staging >/dev/null\n"
               "$ printf 'old-value' | firebase functions:secrets:set STRIPE_WEBHOOK_SECRET --data-file - >/dev/null\n"
               "$ printf 'new-value' | firebase functions:secrets:set STRIPE_WEBHOOK_SECRET --data-file -\n"
               f"\u2714  Created a new secret version projects/{STAGING}/secrets/STRIPE_WEBHOOK_SECRET/versions/2\n"
               "$ firebase functions:secrets:destroy STRIPE_WEBHOOK_SECRET@1 --force\n"
               "\u2714  Destroyed secret version STRIPE_WEBHOOK_SECRET@1\n"
               "$ firebase functions:secrets:access STRIPE_WEBHOOK_SECRET\n"
               "new-value\n")


@pytest.mark.slow
def test_real_functions_emulator_serves_the_reference_codebase(box: Sandbox) -> None:
    port = FACTS["emulators"]["functions"]
    project = FACTS["emulators"]["project_id"]
    check(box,
          "$ printf 'STRIPE_WEBHOOK_SECRET=whsec_sandbox_fixture\\nANTHROPIC_API_KEY=placeholder\\n' > functions/.secret.local\n"
          f"$ firebase emulators:start --only functions --project {project} > emulator.log 2>&1 & EMULATOR=$!\n"
          f"$ for i in $(seq 120); do curl -s -o /dev/null 127.0.0.1:{port} && break; sleep 1; done\n"
          f"$ until grep -q 'All emulators ready' emulator.log; do sleep 1; done\n"
          f"$ curl -s http://127.0.0.1:{port}/{project}/{FACTS['region']}/healthCheck\n"
          '{"status":"degraded","checks":{"anthropic":"configured","stripe":"missing","stripeWebhook":"configured","elevenlabs":"missing"},"flags":*} (glob)\n'
          f"$ curl -s -X POST -H 'stripe-signature: t=1,v1=bad' -d '{{}}' http://127.0.0.1:{port}/{project}/{FACTS['region']}/handleStripeWebhook\n"
          "Webhook signature verification failed: No signatures found matching the expected signature for payload.* (glob)\n"
          "...\n"
          "$ kill \"$EMULATOR\"\n")
