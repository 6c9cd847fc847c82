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
from cvplus_handoff import Snippet

FACTS = cvplus_data.load_platform()
STAGING = FACTS["envs"]["staging"]["project_id"]


def snippet(text: str, line: int = 10) -> Snippet:
    return Snippet("world", line, source="source/world.md", need="PROC_WORLD", text=text, sha256="x")


@pytest.fixture
def box(tmp_path: Path) -> Sandbox:
    # the firebase stand-in, still run by the pages of firebase_standin_pages.yaml
    sandbox = Sandbox(tmp_path / "box", world.path_dirs(real_firebase=False), world.sandbox_env())
    assert run_snippet(snippet("$ cvplus-fixture >/dev/null && cd cvplus\n"), sandbox).passed
    yield sandbox
    sandbox.close()


@pytest.fixture
def upgraded(box: Sandbox) -> Sandbox:
    """The fixture after the manual's runtime upgrade (firebase.json runtime)."""
    check(box, f"$ jq '.functions.runtime = \"{FACTS['runtime_upgrade']['target']}\"' firebase.json > f.json && mv f.json firebase.json\n")
    return box


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


def test_functions_deploy_of_the_unchanged_runtime_is_refused_as_the_real_cli_does(box: Sandbox) -> None:
    """The stand-in asks firebase-tools' own lifecycle check: CVPlus's
    nodejs20 is past its decommission date, so deploy and dry run fail."""
    check(box, "$ firebase deploy -P staging --only functions:healthCheck --dry-run\n"
               "...\n"
               "Error: Runtime Node.js 20 was decommissioned on 2026-10-30. To deploy you must first upgrade your runtime version.\n"
               "[1]\n"
               "$ firebase deploy -P staging --only hosting >/dev/null\n")


def test_functions_deploy_passes_after_the_runtime_upgrade(upgraded: Sandbox) -> None:
    check(upgraded, "$ firebase deploy -P staging --only functions:healthCheck | grep -c 'Successful create'\n1\n")


def test_pinned_cloud_run_traffic_survives_a_deploy(upgraded: Sandbox) -> None:
    check(upgraded, "$ firebase use staging >/dev/null\n"
               "$ firebase deploy --only functions:healthCheck >/dev/null\n"
               "$ firebase deploy --only functions:healthCheck >/dev/null\n"
               f"$ OLD=$(gcloud run revisions list --service healthcheck --region us-central1 --project {STAGING} --format 'value(REVISION)' --sort-by=metadata.creationTimestamp | head -n 1)\n"
               f"$ gcloud run services update-traffic healthcheck --region us-central1 --project {STAGING} --to-revisions=\"$OLD=100\" >/dev/null\n"
               "$ firebase deploy --only functions:healthCheck >/dev/null\n"
               f"$ gcloud run services describe healthcheck --region us-central1 --project {STAGING} --format='value(status.traffic[0].revisionName,spec.traffic[0].latestRevision)'\n"
               "healthcheck-00001-*\t (glob)\n"
               f"$ gcloud run services update-traffic healthcheck --region us-central1 --project {STAGING} --to-latest\n"
               "Traffic:\n"
               "  100% LATEST (currently healthcheck-00003-*) (glob)\n")


def test_revision_and_backup_lists_need_an_explicit_sort(upgraded: Sandbox) -> None:
    """With an explicit --format and no --sort-by the order is the API's:
    neither newest nor oldest first for this seed."""
    check(upgraded, "$ for _ in 1 2 3 4; do firebase deploy -P staging --only functions:healthCheck >/dev/null; done\n"
               f"$ gcloud run revisions list --service healthcheck --region us-central1 --project {STAGING} --format 'value(REVISION)' | cut -d- -f2 | paste -sd ' '\n"
               "(?!00004 00003 00002 00001|00001 00002 00003 00004).* (re)\n"
               f"$ gcloud run revisions list --service healthcheck --region us-central1 --project {STAGING} --format 'value(REVISION)' --sort-by='~metadata.creationTimestamp' | cut -d- -f2 | paste -sd ' '\n"
               "00004 00003 00002 00001\n")


def test_firestore_restore_returns_an_unfinished_operation(upgraded: Sandbox) -> None:
    check(upgraded, f"$ \"$CVPLUS_PYTHON\" \"$(dirname \"$(command -v gcloud)\")/../behaviours/runbooks.py\" seed-backups {STAGING} 3\n"
               f"$ BACKUP=$(gcloud firestore backups list --project {STAGING} --format='value(name)' --sort-by=~snapshotTime --limit=1)\n"
               f"$ OP=$(gcloud firestore databases restore --source-backup=\"$BACKUP\" --destination-database=drill --project {STAGING} --format='value(name)')\n"
               "$ echo \"$OP\"\n"
               f"projects/{STAGING}/databases/drill/operations/* (glob)\n"
               f"$ gcloud firestore operations describe \"$OP\" --project {STAGING} --format='value(metadata.operationState)'\n"
               "PROCESSING\n"
               f"$ gcloud firestore operations describe \"$OP\" --project {STAGING} --format='value(done,metadata.operationState)'\n"
               "True\tSUCCESSFUL\n")


def test_smart_deploy_model_behaves_as_the_real_script(upgraded: Sandbox) -> None:
    """Argument handling of CVPlus's smart-deploy.sh at c56e362: unknown
    options stop; a missing option value dies on `set -u`; the validator
    fails on the checkout as it is (no frontend/package.json); once it
    passes, --environment production is not production mode, so quick mode
    deploys to the ACTIVE project, and intelligent-deploy.sh ignores its
    arguments and deploys."""
    check(upgraded, "$ scripts/deployment/smart-deploy.sh --emergency\n"
               "Unknown option: --emergency\n...\n[1]\n"
               "$ scripts/deployment/smart-deploy.sh --rollback 2>&1\n"
               "*: line *: $2: unbound variable (glob)\n[1]\n"
               "$ scripts/deployment/smart-deploy.sh --quick --production\n"
               "...\n\u274c Quick mode not allowed for production deployments\n[1]\n"
               "$ firebase use dev >/dev/null\n"
               "$ scripts/deployment/smart-deploy.sh --quick | tail -n 4\n"
               "   package.json not found in frontend\n\n"
               "\U0001f6ab VALIDATION FAILED - Please fix errors before deployment\n"
               "\u274c Basic validation failed\n"
               "$ echo '{\"private\": true, \"scripts\": {\"build\": \"true\"}}' > frontend/package.json\n"
               "$ printf '%s=placeholder\\n' ANTHROPIC_API_KEY OPENAI_API_KEY ELEVENLABS_API_KEY MILVUS_TOKEN > functions/.env\n"
               "$ scripts/deployment/smart-deploy.sh --quick --environment production | tail -n 3\n"
               "      \U0001f6d1 Critical check failed, stopping health checks\n"
               "\u26a0\ufe0f  Some health checks failed, but deployment completed\n"
               "\u2705 Quick deployment completed\n"
               f"$ firebase hosting:channel:list -P dev | grep -c live\n1\n"
               "$ scripts/deployment/intelligent-deploy.sh --full --dry-run | tail -n 1\n"
               "[SUCCESS] Deployment completed successfully!\n")


def test_secret_destroy_refuses_a_secret_in_use_unless_forced(upgraded: Sandbox) -> None:
    """As firebase-tools' functions-secrets-destroy: a warning and a refusal
    (exit 0) for a secret a deployed function uses; --force skips it."""
    check(upgraded, "$ firebase use staging >/dev/null\n"
               "$ printf 'old-value' | firebase functions:secrets:set STRIPE_WEBHOOK_SECRET --data-file - >/dev/null\n"
               "$ sed -i 's/^exports.handleStripeWebhook = onRequest(/exports.handleStripeWebhook = onRequest({ secrets: [\"STRIPE_WEBHOOK_SECRET\"] }, /' functions/index.js\n"
               "$ firebase deploy --only functions:handleStripeWebhook >/dev/null\n"
               "$ firebase functions:secrets:destroy STRIPE_WEBHOOK_SECRET@1 2>&1\n"
               "\u26a0  Secret STRIPE_WEBHOOK_SECRET@1 is currently in use by following functions:\n"
               "\thandleStripeWebhook[gcfv2](us-central1)\n"
               "\u26a0  Refusing to destroy secret in use. Use -f to destroy the secret anyway.\n"
               "$ firebase functions:secrets:access STRIPE_WEBHOOK_SECRET@1\n"
               "old-value\n"
               "$ firebase functions:secrets:destroy STRIPE_WEBHOOK_SECRET@1 --force 2>/dev/null\n"
               "i  Destroyed secret version STRIPE_WEBHOOK_SECRET@1\n")


def test_functions_list_has_the_real_columns_and_no_revision_count(upgraded: Sandbox) -> None:
    check(upgraded, "$ firebase deploy -P staging --only functions:healthCheck >/dev/null\n"
               "$ firebase functions:list -P staging | grep -c 'Function.*Version.*Trigger.*Location.*Memory.*Runtime'\n1\n"
               "$ firebase functions:list -P staging | grep healthCheck\n"
               "* healthCheck * v2 * https * us-central1 * 256 * nodejs24 * (glob)\n")



def test_deployed_functions_carry_the_dotenv_values_of_their_last_deploy(upgraded: Sandbox) -> None:
    """As firebase-tools deploys functions/.env (then .env.<project>, then
    .env.<alias>) as environment variables: describe shows the values of
    the LAST deploy, so a file edited without a deploy does not show."""
    env = ".serviceConfig.environmentVariables"
    check(upgraded, "$ firebase use staging >/dev/null\n"
               "$ printf 'ENABLE_RAG_CHAT=true\\nENABLE_PUBLIC_PROFILES=true\\n' > functions/.env\n"
               "$ printf 'ENABLE_PUBLIC_PROFILES=false\\n' > functions/.env.staging\n"
               "$ firebase deploy --only functions:podcastStatus >/dev/null\n"
               "$ sed -i 's/^ENABLE_RAG_CHAT=.*/ENABLE_RAG_CHAT=false/' functions/.env\n"
               f"$ gcloud functions describe podcastStatus --region us-central1 --v2 --project {STAGING} --format=json | jq -c '{env} | {{ENABLE_RAG_CHAT, ENABLE_PUBLIC_PROFILES, GCLOUD_PROJECT, FUNCTION_TARGET}}'\n"
               f'{{"ENABLE_RAG_CHAT":"true","ENABLE_PUBLIC_PROFILES":"false","GCLOUD_PROJECT":"{STAGING}","FUNCTION_TARGET":"podcastStatus"}}\n'
               "$ firebase deploy --only functions:podcastStatus >/dev/null\n"
               f"$ gcloud functions describe podcastStatus --region us-central1 --v2 --project {STAGING} --format=json | jq -r '{env}.ENABLE_RAG_CHAT'\n"
               "false\n")

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
          '{"status":"healthy","timestamp":"*","version":"4.1.0","environment":"production","migratedFunctions":{*}} (glob)\n'
          f"$ curl -s -X POST -H 'stripe-signature: t=1,v1=bad' -d '{{}}' http://127.0.0.1:{port}/{project}/{FACTS['region']}/handleStripeWebhook\n"
          "Webhook signature verification failed: No signatures found matching the expected signature for payload.* (glob)\n"
          "...\n"
          "$ kill \"$EMULATOR\"\n")
