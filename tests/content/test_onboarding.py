"""The onboarding lessons: a tutorial that runs from a fresh fixture, against
reference functions with the real names and contracts, on the emulators the
sandbox can run, and hand-overs to the deployment guide and the runbooks.

The lessons' commands themselves run in tests/snippets/
test_manual_snippets.py; these tests check what makes that run meaningful.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from bs4 import BeautifulSoup

import cvplus_data
from cvplus_handoff import Manifest, Snippet, read_manifest

ROOT = Path(__file__).resolve().parents[2]
FIXTURE_FUNCTIONS = ROOT / "tests" / "snippets" / "fixture" / "cvplus" / "functions"
FACTS = cvplus_data.load_platform()
LESSONS = ["local-environment", "architecture", "testing", "api-examples", "contribution"]
TESTED_PROCEDURES = {"PROC_DEV_LOCAL_SETUP": "local-environment", "PROC_DEV_RUN_TESTS": "testing",
                     "PROC_DEV_PRE_PUSH_CHECKS": "contribution"}
TRIGGERS = {"onRequest": "https", "onCall": "callable"}
# cleanupExpiredData is scheduled in CVPlus; the sandbox serves its body over
# HTTP so that procedures can run it on demand.
SANDBOX_ONLY_TRIGGER = {"cleanupExpiredData": "https"}


def _exports() -> dict[str, tuple[str, str]]:
    """Exported function name -> (trigger helper, options source)."""
    source = (FIXTURE_FUNCTIONS / "index.js").read_text(encoding="utf-8")
    found = {}
    for match in re.finditer(r"^exports\.(\w+)\s*=\s*(onRequest|onCall)\((\{[^}]*\})?", source, re.M):
        found[match.group(1)] = (match.group(2), match.group(3) or "")
    return found


# -- the reference functions ----------------------------------------------------------

def test_reference_functions_have_real_names_and_triggers() -> None:
    exports = _exports()
    assert {"healthCheck", "handleStripeWebhook", "cleanupExpiredData", "checkFeatureAccess",
            "podcastStatus"} <= set(exports)
    for name, (helper, _) in exports.items():
        assert name in FACTS["functions"], f"{name} is not a CVPlus function in platform.yaml"
        expected = SANDBOX_ONLY_TRIGGER.get(name, FACTS["functions"][name]["trigger"])
        assert TRIGGERS[helper] == expected, f"{name}: {helper} but CVPlus has a {expected} trigger"


def test_reference_functions_fit_one_deploy_batch() -> None:
    """The deployment-script model batches exported functions; the pages
    that deploy all functions expect a single batch."""
    assert len(_exports()) <= FACTS["deploy"]["batch_size"]


def test_reference_function_settings_match_the_facts() -> None:
    for name, (_, options) in _exports().items():
        spec = FACTS["functions"][name]
        if "timeout_s" in spec:
            assert f"timeoutSeconds: {spec['timeout_s']}" in options, name
        if "memory" in spec:
            assert f'memory: "{spec["memory"]}"' in options, name
        if "max_instances" in spec:
            assert f"maxInstances: {spec['max_instances']}" in options, name


def test_reference_region_is_the_platform_region() -> None:
    source = (FIXTURE_FUNCTIONS / "index.js").read_text(encoding="utf-8")
    assert f'setGlobalOptions({{ region: "{FACTS["region"]}"' in source


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_reference_unit_tests_pass() -> None:
    proc = subprocess.run(["node", "--test", "test/unit/"], cwd=FIXTURE_FUNCTIONS, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_domain_logic_has_no_firebase_import() -> None:
    """architecture.md shows this with grep; keep it true."""
    for path in (FIXTURE_FUNCTIONS / "lib").glob("*.js"):
        assert "firebase" not in path.read_text(encoding="utf-8"), path.name


# -- the built lessons ----------------------------------------------------------------

@pytest.fixture(scope="module")
def manifest(built) -> Manifest:
    return read_manifest(built.outdir / "snippets.json")


def _lesson_snippets(manifest: Manifest, lesson: str, runnable: bool = True) -> list[Snippet]:
    docname = f"development/onboarding/{lesson}"
    return [s for s in manifest.snippets if s.docname == docname and (not runnable or not s.not_run)]


@pytest.mark.parametrize("lesson", LESSONS)
def test_each_lesson_runs_from_a_fresh_fixture(manifest: Manifest, lesson: str) -> None:
    docname = f"development/onboarding/{lesson}"
    if not _lesson_snippets(manifest, lesson):
        pytest.skip(f"{lesson} has no runnable snippet")
    setup = manifest.pages[docname].setup
    assert setup and setup[0].lstrip().startswith("cvplus-fixture "), f"{lesson}: setup does not lay out a fixture"


def test_tutorial_covers_every_step(manifest: Manifest) -> None:
    commands = "\n".join(s.text for s in _lesson_snippets(manifest, "local-environment"))
    url = (f"http://127.0.0.1:{FACTS['emulators']['functions']}/{FACTS['emulators']['project_id']}/"
           f"{FACTS['region']}/healthCheck")
    for step in ("$ node --version", "$ firebase --version", "$ cd cvplus", "$ npm run build",
                 "functions/.secret.local", "firebase emulators:start --only auth,functions,hosting",
                 f"$ curl -s {url}", "$ npm test"):
        assert step in commands, f"the tutorial has no runnable step with {step!r}"
    manual = "\n".join(s.text for s in _lesson_snippets(manifest, "local-environment", runnable=False)
                       if s.not_run)
    assert "git clone --recurse-submodules" in manual and "npm ci" in manual


@pytest.mark.parametrize("lesson", LESSONS)
def test_runnable_lessons_use_only_the_emulators_without_java(manifest: Manifest, lesson: str) -> None:
    for snippet in _lesson_snippets(manifest, lesson):
        for match in re.finditer(r"emulators:(?:start|exec)\b([^\n]*)", snippet.text):
            only = re.search(r"--only\s+(\S+)", match.group(1))
            assert only, f"{snippet.source}:{snippet.line}: start the emulators with --only"
            assert not set(only.group(1).split(",")) & {"firestore", "storage", "database"}, (
                f"{snippet.source}:{snippet.line}: the sandbox has no Java for {only.group(1)}")


def test_callable_examples_follow_the_callable_protocol(manifest: Manifest) -> None:
    callables = {n for n, spec in FACTS["functions"].items() if spec["trigger"] == "callable"}
    calls = 0
    for snippet in _lesson_snippets(manifest, "api-examples"):
        for command in re.split(r"\n\$ ", snippet.text):
            target = re.search(r'\$FUNCTIONS/(\w+)"', command)
            if not target or target.group(1) not in callables:
                continue
            calls += 1
            assert "Content-Type: application/json" in command, command
            assert '{"data":' in command or "@request.json" in command, command
    assert calls >= 4


def test_tested_procedures_have_runnable_steps_and_no_manual_reason(built, manifest: Manifest) -> None:
    needs = built.needs
    for need_id, lesson in TESTED_PROCEDURES.items():
        assert need_id in needs, need_id
        assert not needs[need_id].get("manual_reason"), f"{need_id} still carries a manual reason"
        assert [s for s in _lesson_snippets(manifest, lesson) if s.need == need_id], need_id


@pytest.mark.parametrize("docname", ["development/onboarding/index", "deployment/business-operations-guide"])
def test_hand_over_to_the_deployment_guide_and_runbooks(built, docname: str) -> None:
    page = BeautifulSoup(built.page(docname), "html.parser")
    article = page.find("article") or page
    targets = [a["href"].split("#")[0] for a in article.select("a.reference.internal[href]")]
    assert any(t.endswith("master-deployment-guide.html") for t in targets), (
        f"{docname} does not link to the deployment guide")
    assert any(t.endswith("runbooks/index.html") for t in targets), f"{docname} does not link to the runbooks"


def test_every_default_of_these_areas_is_shown_on_a_page() -> None:
    """Each business.* and onboarding.* value under to_confirm appears in a
    {facts-to-confirm} box on some page."""
    pages = [p.read_text(encoding="utf-8") for p in (ROOT / "source").rglob("*.md")]
    prefixes = {m for text in pages for m in re.findall(r":prefix:\s*(\S+)", text)}
    hidden = [key for key in FACTS["to_confirm"] if key.startswith(("business.", "onboarding."))
              and not any(key.startswith(prefix) for prefix in prefixes)]
    assert not hidden, f"defaults to confirm that no page shows: {hidden}"


# -- two tracks: the teaching model and the real repository ----------------------------

import cvplus_onboarding  # noqa: E402

REAL = FACTS["onboarding"]["real"]
ONBOARDING = ROOT / "source" / "development" / "onboarding"


def test_the_fast_track_says_it_is_a_teaching_model() -> None:
    index = (ONBOARDING / "index.md").read_text(encoding="utf-8")
    assert "teaching model" in index and "How the teaching model differs from the real code" in index
    for lesson in LESSONS:
        text = (ONBOARDING / f"{lesson}.md").read_text(encoding="utf-8")
        intro = text.split("\n## ")[0]
        assert "teaching model" in " ".join(intro.split()), f"{lesson}: the introduction does not say it is a model"


def test_the_real_track_is_pinned_and_never_claims_to_be_tested() -> None:
    text = (ONBOARDING / "real-track.md").read_text(encoding="utf-8")
    assert "{{ onboarding.real.commit }}" in text and "git checkout" in text
    # every command block of the real track sits inside a not-run with its reason
    blocks = re.findall(r"(`{4}\{not-run\}[^\n]*\n```console\n.*?```\n`{4})|(^```console$)", text, re.S | re.M)
    bare = [b for wrapped, b in blocks if b and not wrapped]
    assert not bare, "a real-track command block is not marked not-run"


def test_the_real_track_facts_are_complete_for_the_reality_check() -> None:
    """make reality (helper 14) reads these keys; a missing one would go unchecked."""
    assert re.fullmatch(r"[0-9a-f]{40}", REAL["commit"]) and REAL["commit"].startswith(REAL["commit_short"])
    for key in ("functions_entry", "index_ellipsis_lines", "hosting_public", "web_app_path", "gitignored",
                "firebase_tools_pin", "emu", "build_layers", "modules", "ci"):
        assert REAL.get(key), key
    assert REAL["firebase_tools_pin"].lstrip("^~").split(".")[0] == str(REAL["firebase_tools_pin_major"])
    assert set(REAL["ci"]["checks_out_submodules"]) <= set(REAL["ci"]["workflows"])
    for entry in REAL["ci"]["ignored_failures"]:
        assert entry.split(":")[0] in REAL["ci"]["workflows"], entry
    layered = {m for layer in REAL["build_layers"] for m in layer}
    assert layered <= set(REAL["modules"])


def test_the_module_map_lists_every_module_of_the_facts() -> None:
    rows = cvplus_onboarding.module_rows(FACTS)
    assert [r[0] for r in rows] == [f"packages/{m}" for m in REAL["modules"]]
    assert {r[4] for r in rows} <= {"jest", "vitest", "not read"}


def test_a_module_without_a_field_fails_with_its_key() -> None:
    """Fault test for the module-map directive."""
    facts = yaml.safe_load(yaml.safe_dump(FACTS))
    del facts["onboarding"]["real"]["modules"]["payments"]["test"]
    with pytest.raises(ValueError, match=r"onboarding\.real\.modules\.payments lacks test"):
        cvplus_onboarding.module_rows(facts)
    facts = yaml.safe_load(yaml.safe_dump(FACTS))
    facts["onboarding"]["real"]["build_layers"][0].append("nonexistent")
    with pytest.raises(ValueError, match=r"build_layers names nonexistent"):
        cvplus_onboarding.layer_rows(facts)


def test_api_examples_say_which_commit_they_describe() -> None:
    text = (ONBOARDING / "api-examples.md").read_text(encoding="utf-8")
    assert "{{ onboarding.api_examples.commit_short }}" in text
    assert re.fullmatch(r"[0-9a-f]{40}", FACTS["onboarding"]["api_examples"]["commit"])


def test_the_real_track_page_shows_the_module_map(built) -> None:
    page = BeautifulSoup(built.page("development/onboarding/real-track"), "html.parser")
    cells = [td.get_text(" ", strip=True) for td in page.select("table.cvplus-onboarding td")]
    for name, spec in REAL["modules"].items():
        assert f"packages/{name}" in cells and spec["commit"] in cells, name


def test_the_real_track_page_states_the_checked_facts(built) -> None:
    """The real track shows the values the reality check compares (./emu,
    the breakages, the CI), rendered from the facts file."""
    page = BeautifulSoup(built.page("development/onboarding/real-track"), "html.parser")
    text = " ".join(page.find("article").get_text(" ", strip=True).split())
    emu = REAL["emu"]
    assert ", ".join(str(p) for p in emu["ports"]) in text
    assert ", ".join(emu["stops"]) in text and emu["start_command"] in text
    assert f"none running it {emu['status_when_idle']}" in text
    assert ", ".join(str(n) for n in REAL["index_ellipsis_lines"]) in text
    assert ", ".join(REAL["backend_loadable"]) in text and ", ".join(REAL["unexported_subpaths"]) in text
    assert ", ".join(REAL["registry_deps"]) in text
    assert f"{len(REAL['ci']['ignored_failures'])} checks swallow" in text
    assert "; ".join(REAL["ci"]["ignored_failures"]) in text


def contract_rows(text: str) -> dict[str, tuple[list[str], list[str]]]:
    """Function -> (request fields, answer fields) of the API lesson's table:
    the names inside the first ``{...}`` of the Request and Answer cells."""
    rows = {}
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        m = re.fullmatch(r"`(\w+)`", cells[0]) if len(cells) >= 6 else None
        if not m:
            continue
        fields = []
        for cell in (cells[3], cells[4]):
            braces = re.search(r"\{([^}]*)\}", cell)
            fields.append(re.findall(r"\b[A-Za-z_]\w*\b", braces.group(1)) if braces else [])
        rows[m.group(1)] = (fields[0], fields[1])
    return rows


def contract_gaps(text: str, contracts: dict) -> list[str]:
    rows = contract_rows(text)
    gaps = []
    for name, spec in contracts.items():
        if name not in rows:
            gaps.append(f"{name}: no row")
            continue
        request, answer = rows[name]
        if sorted(request) != sorted(spec["request"]):
            gaps.append(f"{name}: request {request} on the page, {spec['request']} in the facts")
        if answer != list(spec["answer"]):
            gaps.append(f"{name}: answer {answer} on the page, {spec['answer']} in the facts")
    return gaps


def test_api_table_shows_the_contracts_the_reality_check_compares() -> None:
    """The request and answer fields of the API lesson's table are those of
    onboarding.api_examples.contracts, which make reality compares with the
    function sources at the commit the page names."""
    text = (ONBOARDING / "api-examples.md").read_text(encoding="utf-8")
    contracts = FACTS["onboarding"]["api_examples"]["contracts"]
    assert not contract_gaps(text, contracts)


def test_a_table_row_that_drifts_from_the_contract_is_found() -> None:
    """Fault test for contract_gaps."""
    text = (ONBOARDING / "api-examples.md").read_text(encoding="utf-8")
    contracts = FACTS["onboarding"]["api_examples"]["contracts"]
    drifted = text.replace("`{sessionId, url, customerId}`", "`{sessionId, url}`")
    assert drifted != text
    assert contract_gaps(drifted, contracts) == [
        "createCheckoutSession: answer ['sessionId', 'url'] on the page, ['sessionId', 'url', 'customerId'] in the facts"]
    assert contract_gaps(text, {**contracts, "refund": {"request": [], "answer": []}}) == ["refund: no row"]
