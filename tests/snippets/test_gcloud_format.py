"""The gcloud stand-in's --format/--filter/--sort-by engine.

Expected texts were printed by the Google Cloud SDK 528 resource printer and
filter (googlecloudsdk.core.resource.resource_printer / resource_filter) on
the same resources; the engine is the stand-in's own code.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent / "standins"))

import gcloud_format as g  # noqa: E402

RESOURCES = [
    {"name": "projects/p/x/a", "enabled": True, "n": 3, "l": ["a", "b"], "d": {"k": "v", "z": 1}, "f": 0.8,
     "none": None, "metadata": {"creationTimestamp": "2026-11-28T10:00:00Z", "name": "a"}},
    {"name": "projects/p/x/b", "enabled": False, "n": 10, "l": [], "d": {}, "f": 1.0,
     "metadata": {"creationTimestamp": "2026-11-29T10:00:00Z", "name": "b"}},
]

PRINTED = {  # format -> what gcloud 528's resource printer prints
    "value(name,enabled,n,l,d,f,none)":
        "projects/p/x/a\tTrue\t3\ta;b\tk=v;z=1\t0.8\t\nprojects/p/x/b\tFalse\t10\t\t\t1.0\t\n",
    "value(nope)": "\n\n",
    "value(name.basename())": "a\nb\n",
    "csv(name,enabled)": "name,enabled\nprojects/p/x/a,True\nprojects/p/x/b,False\n",
    "csv[no-heading](name,l)": "projects/p/x/a,a;b\nprojects/p/x/b,\n",
    "table(name.basename():label=NAME,enabled,n)": "NAME  ENABLED  N\na     True     3\nb     False    10\n",
    "get(name)": "projects/p/x/a\nprojects/p/x/b\n",
    "value(l[0])": "a\n\n",
    "yaml(name,d.k)": "---\nd:\n  k: v\nname: projects/p/x/a\n---\nd: {}\nname: projects/p/x/b\n",
    "json(name)": '[\n  {\n    "name": "projects/p/x/a"\n  },\n  {\n    "name": "projects/p/x/b"\n  }\n]\n',
    "table(name,metadata.name)": "NAME            METADATA_NAME\nprojects/p/x/a  a\nprojects/p/x/b  b\n",
    'table(metadata.creationTimestamp.date("%Y-%m-%d %H:%M:%S %Z"):label=DEPLOYED, '
    'enabled.yesno(yes="yes", no=""))':
        "DEPLOYED                 ENABLED\n2026-11-28 10:00:00 UTC  yes\n2026-11-29 10:00:00 UTC\n",
}

FILTERED = {  # filter -> which resources gcloud 528's filter keeps
    "enabled=true": [True, False], "open=true": [False, False], "n>5": [False, True], "name:b": [False, True],
    "NOT enabled=true": [False, True], "-enabled=true": [False, True], "l:a": [True, False],
    "name~a$": [True, False], "(n=3 OR n=10) AND enabled=false": [False, True], "metadata.name=a": [True, False],
    'name="projects/p/x/a"': [True, False], "none:*": [False, False], "-none:*": [True, True],
    "n=(3 10)": [True, True], "enabled=TRUE": [True, False],
}


@pytest.mark.parametrize("fmt", sorted(PRINTED))
def test_formats_print_what_gcloud_prints(fmt):
    assert g.render(RESOURCES, g.parse_projection(fmt)) == PRINTED[fmt]


@pytest.mark.parametrize("expression", sorted(FILTERED))
def test_filters_keep_what_gcloud_keeps(expression):
    tree = g.compile_filter(expression)
    assert [g.matches(tree, r, {}) for r in RESOURCES] == FILTERED[expression]


REVISIONS = [  # Cloud Run revisions, as gcloud sees them (name, metadata)
    {"name": "healthcheck-00001-abc", "metadata": {"name": "healthcheck-00001-abc",
                                                   "creationTimestamp": "2026-11-20T10:00:00Z"}},
    {"name": "healthcheck-00003-ghi", "metadata": {"name": "healthcheck-00003-ghi",
                                                   "creationTimestamp": "2026-11-22T10:00:00Z"}},
    {"name": "healthcheck-00002-def", "metadata": {"name": "healthcheck-00002-def",
                                                   "creationTimestamp": "2026-11-21T10:00:00Z"}},
]
DEFAULT = ("table(name:label=REVISION, metadata.creationTimestamp.date(\"%Y-%m-%d %H:%M:%S %Z\")"
           ":label=DEPLOYED:sort=2:reverse)")


def test_a_column_label_of_the_default_format_is_a_key():
    text = g.display(REVISIONS, default_format=DEFAULT, user_format="value(REVISION)")
    assert text.split() == [r["name"] for r in REVISIONS]  # an explicit format: API order, no default sort


def test_the_default_format_sorts_and_an_explicit_format_does_not():
    table = g.display(REVISIONS, default_format=DEFAULT)
    assert [line.split()[0] for line in table.splitlines()[1:]] == [
        "healthcheck-00003-ghi", "healthcheck-00002-def", "healthcheck-00001-abc"]
    newest = g.display(REVISIONS, default_format=DEFAULT, user_format="value(REVISION)",
                       sort_by="~metadata.creationTimestamp").splitlines()[0]
    assert newest == "healthcheck-00003-ghi"


def test_an_unknown_key_prints_nothing():
    assert g.display(REVISIONS, default_format=DEFAULT, user_format="value(no.such.key)") == "\n\n\n"
    assert g.display(REVISIONS[0], default_format="yaml", user_format="value(nope)", single=True) == "\n"


def test_filter_and_sort_use_the_alias_too():
    kept = g.display(REVISIONS, default_format=DEFAULT, user_format="value(REVISION)",
                     filter_text="REVISION~00002", sort_by="REVISION")
    assert kept == "healthcheck-00002-def\n"


def test_describe_prints_the_resource_as_yaml():
    text = g.display({"name": "projects/p/databases/(default)", "type": "FIRESTORE_NATIVE"},
                     default_format="yaml", single=True)
    assert text == "name: projects/p/databases/(default)\ntype: FIRESTORE_NATIVE\n"


@pytest.mark.parametrize("bad", ["value(name.nosuch())", "flattened", "value(name", "table(name:wibble=1)"])
def test_what_the_engine_does_not_know_is_an_error_not_a_guess(bad):
    with pytest.raises(g.FormatError):
        g.parse_projection(bad)


@pytest.mark.parametrize("bad", ["name=", "(name=a", "barewordonly"])
def test_a_filter_outside_the_subset_is_an_error(bad):
    with pytest.raises(g.FormatError):
        g.compile_filter(bad)
