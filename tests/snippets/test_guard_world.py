"""The manual's guards stop the unsafe case in the simulated world.

For every block that destroys a secret version, the page's own check and
guard run in a sandbox where a deployed function is still bound to the
version: the destroy must refuse, name the function, and leave the version
enabled. The live-import guard stops without the reader's confirmation, and
an import into a database that was never created is refused.
"""

from __future__ import annotations

import re

import pytest

import world
from cvplus_transcript import parse
from evidence import load_manifest
from sandbox import Sandbox

pytestmark = pytest.mark.slow
SNIPPETS = load_manifest().snippets
DESTROYS = [s for s in SNIPPETS if "functions:secrets:destroy" in s.text and not s.not_run]
ALIASES = {"cvplus-staging": "staging", "cvplus-production": "prod", "$PROJECT": "staging", '"$PROJECT"': "staging"}


def _box(tmp_path) -> Sandbox:
    box = Sandbox(tmp_path / "box", world.path_dirs(real_firebase=False), world.sandbox_env())
    world.trap_home(box.home)
    ready = box.run("cvplus-fixture --runtime nodejs24 >/dev/null && cd cvplus && export PROJECT=cvplus-staging && "
                    "firebase deploy -P staging --only hosting >/dev/null", timeout=120)
    assert ready.status == 0, ready.output
    return box


def _commands(snippet: dict) -> list[str]:
    return [snippet.text] if snippet.mode == "script" else [step.command for step in parse(snippet.text)]


def _destroy_in_unsafe_world(destroy: dict, tmp_path, line: str | None = None):
    """Run the page's helpers, check and destroy line where every function is
    still bound to the version; return (result, secrets:get output, version)."""
    match = re.search(r"functions:secrets:destroy (\w+)@(\d+) --force -P (\S+)", destroy.text)
    assert match, destroy.text
    key, version, alias = match.group(1), int(match.group(2)), ALIASES.get(match.group(3), match.group(3))
    box = _box(tmp_path)
    box.run('eval "$(cvplus-snippet secret_users)"', timeout=60)  # as the pages' hidden setup does
    # the unsafe world: every function is deployed bound to the old version, then a newer one is stored
    setup = "".join(f"printf 'v{n}' | firebase functions:secrets:set {key} --data-file - -P {alias} >/dev/null && "
                    for n in range(1, version + 1))
    setup += (f"firebase deploy -P {alias} --only functions >/dev/null && "
              f"printf 'new' | firebase functions:secrets:set {key} --data-file - -P {alias} >/dev/null")
    prepared = box.run(setup, timeout=120)
    assert prepared.status == 0, prepared.output
    # the page's own helpers and its check, as the reader runs them before the destroy
    same = [s for s in SNIPPETS if s.docname == destroy.docname and s.line < destroy.line and not s.not_run]
    for block in same:
        if block.mode == "script" and re.search(r"^\s*\w+\(\) \{", block.text, re.M) or "bound.txt" in block.text:
            for command in _commands(block):
                box.run(command, timeout=120)
    line = line or next(c for c in _commands(destroy) if "functions:secrets:destroy" in c)
    result = box.run(line, timeout=120)
    state = box.run(f"firebase functions:secrets:get {key} -P {alias}", timeout=60).output
    box.close()
    return result, state, version


@pytest.mark.parametrize("destroy", DESTROYS, ids=[f"{s.source}:{s.line}" for s in DESTROYS])
def test_fault_secret_destroy_refuses_while_a_function_reads_the_version(destroy: dict, tmp_path) -> None:
    refused, state, version = _destroy_in_unsafe_world(destroy, tmp_path)
    assert refused.status != 0, f"{destroy.source}:{destroy.line}: destroyed a version still in use\n{refused.output}"
    assert f"still reads version {version}" in refused.output, refused.output
    assert re.search(rf"^{version}\s+ENABLED", state, re.M), state


def test_without_the_guard_the_same_world_loses_the_version(tmp_path) -> None:
    """The unsafe world is really unsafe: the destroy line without its guard destroys the version in use."""
    destroy = DESTROYS[0]
    guarded = next(c for c in _commands(destroy) if "functions:secrets:destroy" in c)
    bare = guarded[guarded.index("firebase functions:secrets:destroy"):]
    done, state, version = _destroy_in_unsafe_world(destroy, tmp_path, bare)
    assert done.status == 0, done.output
    assert re.search(rf"^{version}\s+DESTROYED", state, re.M), state


LIVE_IMPORT = next(s for s in SNIPPETS if 'CONFIRM_LIVE_IMPORT' in s.text and "firestore import" in s.text)


def test_fault_live_import_guard_stops_without_confirmation(tmp_path) -> None:
    line = next(c for c in _commands(LIVE_IMPORT) if "gcloud firestore import" in c)
    box = _box(tmp_path)
    box.run("PREFIX=gs://cvplus-firestore-backups/x COLLECTIONS=users && "
            "gcloud firestore export \"$PREFIX\" --collection-ids=users --project \"$PROJECT\" >/dev/null", timeout=60)
    for confirm in ("unset CONFIRM_LIVE_IMPORT", "export CONFIRM_LIVE_IMPORT='cvplus-production/(default)'"):
        box.run(confirm, timeout=30)
        stopped = box.run(line, timeout=60)
        assert stopped.status != 0 and "inputUriPrefix" not in stopped.output, (confirm, stopped.output)
    box.run("export CONFIRM_LIVE_IMPORT=\"$PROJECT/(default)\"", timeout=30)
    confirmed = box.run(line, timeout=60)
    assert confirmed.status == 0 and "inputUriPrefix" in confirmed.output, confirmed.output
    box.close()


def test_fault_import_into_a_database_never_created_is_refused(tmp_path) -> None:
    box = _box(tmp_path)
    box.run("gcloud firestore export gs://cvplus-firestore-backups/x --project \"$PROJECT\" >/dev/null", timeout=60)
    refused = box.run("gcloud firestore import gs://cvplus-firestore-backups/x --database=never-made --project \"$PROJECT\"",
                      timeout=60)
    assert refused.status == 1 and "NOT_FOUND: Database projects/cvplus-staging/databases/never-made not found" \
        in refused.output, refused.output
    box.run("OPERATION=$(gcloud firestore databases create --database=never-made --location=us-central1 "
            "--project \"$PROJECT\" --format='value(name)')", timeout=60)
    early = box.run("gcloud firestore import gs://cvplus-firestore-backups/x --database=never-made --project \"$PROJECT\"",
                    timeout=60)
    assert early.status == 1 and "not ready yet" in early.output, early.output
    box.run("until [ \"$(gcloud firestore operations describe \"$OPERATION\" --project \"$PROJECT\" "
            "--format='value(done)')\" = True ]; do sleep 1; done", timeout=60)
    created = box.run("gcloud firestore import gs://cvplus-firestore-backups/x --database=never-made --project \"$PROJECT\"",
                      timeout=60)
    assert created.status == 0, created.output
    box.close()
