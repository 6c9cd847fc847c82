"""An incremental snippet run re-runs a page when what its procedures may do changed."""

from __future__ import annotations

from cvplus_handoff import Manifest, PageHooks, Snippet
from incremental import page_fingerprint


def test_fault_a_changed_requires_changes_the_page_fingerprint():
    manifest = Manifest([Snippet("p", 1, sha256="x", need="PROC_A")], {"p": PageHooks()},
                        {"PROC_A": ["cloudfunctions.functions.list"]})
    before = page_fingerprint("p", manifest, "world")
    manifest.requires["PROC_A"] = []
    assert page_fingerprint("p", manifest, "world") != before
