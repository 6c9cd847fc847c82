"""The data files: loading, errors with file:line, and single-sourcing."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import cvplus_data

ROOT = Path(__file__).resolve().parents[2]
SOURCE = ROOT / "source"


def test_facts_and_metamodel_load() -> None:
    facts = cvplus_data.load_platform()
    meta = cvplus_data.load_metamodel()
    assert set(facts["envs"]) == {"dev", "staging", "prod"}
    assert {t["directive"] for t in meta["types"]} >= {
        "criterion", "deliverable", "checklist", "control", "procedure", "risk"}


def test_to_confirm_must_name_real_keys(tmp_path: Path) -> None:
    path = tmp_path / "platform.yaml"
    text = cvplus_data.PLATFORM_FILE.read_text(encoding="utf-8") + "  envs.qa.project_id: no such environment\n"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(cvplus_data.DataError, match=r"platform\.yaml:\d+: to_confirm names 'envs\.qa\.project_id'"):
        cvplus_data.load_platform(path)


METAMODEL_FAULTS = {  # an edit of a copy of metamodel.yaml -> the loader's error, at file:line
    "a link to an unknown type": ("to: [control, checklist]", "to: [control, widget]",
                                  r"link 'implements' names unknown need type 'widget'"),
    "a coverage naming an unknown link": ("coverage: {outgoing: [mitigated_by]}", "coverage: {outgoing: [mitigates]}",
                                          r"type 'risk' coverage names unknown link 'mitigates'"),
    "an enum_of naming no list": ("enum_of: frameworks", "enum_of: standards",
                                  r"field 'framework' takes its values from 'standards'"),
}


@pytest.mark.parametrize("name", sorted(METAMODEL_FAULTS))
def test_metamodel_fault_names_file_and_line(name: str, tmp_path: Path) -> None:
    old, new, message = METAMODEL_FAULTS[name]
    text = cvplus_data.METAMODEL_FILE.read_text(encoding="utf-8")
    assert old in text, f"{name}: the metamodel no longer holds {old!r}"
    path = tmp_path / "metamodel.yaml"
    path.write_text(text.replace(old, new), encoding="utf-8")
    with pytest.raises(cvplus_data.DataError, match=rf"metamodel\.yaml:\d+: {message}"):
        cvplus_data.load_metamodel(path)


def test_metamodel_values_are_written_once() -> None:
    """A field's ``enum_of`` takes the frameworks or phases the file lists."""
    meta = cvplus_data.load_metamodel()
    assert meta["fields"]["framework"]["enum"] == list(meta["frameworks"])
    assert meta["fields"]["phase"]["enum"] == [*meta["release_phases"], "incident"]


def test_criteria_file_names_only_metamodel_frameworks(tmp_path: Path) -> None:
    import cvplus_criteria

    path = tmp_path / "criteria.yaml"
    text = cvplus_criteria.CRITERIA_FILE.read_text(encoding="utf-8")
    path.write_text(text + "\nhipaa:\n  name: HIPAA\n  criteria:\n    - {ref: '164.308', title: Safeguards}\n", encoding="utf-8")
    line = text.count("\n") + 2
    with pytest.raises(cvplus_criteria.CriteriaError, match=rf"criteria\.yaml:{line}: 'hipaa' is not a framework of"):
        cvplus_criteria.load(path)
    assert set(cvplus_criteria.load()) == set(cvplus_data.load_metamodel()["frameworks"])


def _pages() -> list[Path]:
    return [p for p in SOURCE.rglob("*.md") if not any(part.startswith("_") for part in p.relative_to(SOURCE).parts)]


@pytest.mark.parametrize("key", ["project_id", "hosting_site"])
def test_no_page_retypes_a_project_fact(key: str) -> None:
    """Project IDs and site names reach pages only through substitutions."""
    facts = cvplus_data.load_platform()
    values = {env[key] for env in facts["envs"].values()}
    # A site named like the product (production's `cvplus`) is retyped only
    # where it is used as a site: a host name, SITE:CHANNEL or SITE@VERSION.
    site_use = r"(?=\.web\.app|\.firebaseapp\.com|:[a-z]|@[0-9a-f]|--[a-z])"
    patterns = {value: rf"(?<![\w-]){re.escape(value)}" + (site_use if value == facts["product"].lower() else r"(?![\w-])")
                for value in values}
    offenders = []
    for page in _pages():
        for number, line in enumerate(page.read_text(encoding="utf-8").splitlines(), 1):
            for value, pattern in patterns.items():
                if re.search(pattern, line):
                    offenders.append(f"{page.relative_to(ROOT)}:{number}: '{value}' typed by hand; use a substitution")
    assert not offenders, "\n".join(offenders)
