"""Every snippet of the manual passes shellcheck; no snippet, expected
output or built page holds a live-looking credential."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from evidence import load_manifest, manifest_path, snippet_test_id
from lint import shellcheck
from secret_scan import PATTERNS, scan_text
from cvplus_handoff import Snippet

SNIPPETS = load_manifest().snippets


@pytest.mark.parametrize("snippet", SNIPPETS, ids=[snippet_test_id(s) for s in SNIPPETS])
def test_shellcheck(snippet: dict) -> None:
    findings = shellcheck(snippet)
    assert not findings, "\n".join(findings)


def test_no_secret_in_snippets() -> None:
    hits = [f"{s.source}:{s.line + n}: {kind}" for s in SNIPPETS for n, kind in scan_text(s.text)]
    assert not hits, "\n".join(hits)


def test_no_secret_in_built_html() -> None:
    built = manifest_path().parent
    hits = [f"{page.relative_to(built)}:{n}: {kind}" for page in built.rglob("*.html")
            for n, kind in scan_text(page.read_text(encoding="utf-8"))]
    assert not hits, "\n".join(hits)


# Keys are assembled at run time so this file holds none itself.
LIVE_LOOKING = {
    "Stripe secret or restricted key": "sk_" + "live_" + "4eC39HqLyjWDarjtT1zdp7dc",
    "Stripe webhook signing secret": "whsec_" + "Ab12" * 8,
    "Anthropic API key": "sk-" + "ant-api03-" + "x1Y2z3" * 8,
    "OpenAI API key": "sk-" + "proj-" + "A1b2C3d4" * 6,
    "ElevenLabs API key": "xi-api-key: " + "0123456789abcdef" * 2,
    "Google API key": "AI" + "za" + "SyA1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q",
    "Private key block": "-----BEGIN " + "PRIVATE KEY-----",
    "Service account private key field": '"private_key": "-----' + 'BEGIN',
}


@pytest.mark.parametrize("kind", sorted(PATTERNS))
def test_scanner_catches_each_kind(kind: str) -> None:
    text = f"line one\n  export X={LIVE_LOOKING[kind]}\n"
    assert (2, kind) in scan_text(text)


@pytest.mark.parametrize("placeholder", ["sk_test_...", "<STRIPE_SECRET_KEY>", "whsec_...", "sk-ant-...", "AIza..."])
def test_placeholders_pass(placeholder: str) -> None:
    assert scan_text(f"export KEY={placeholder}") == []


def test_shellcheck_maps_findings_to_page_lines() -> None:
    snippet = Snippet("demo", 10, source="source/demo.md",
                      text="$ echo ok\nok\n$ for f in $(ls *.txt); do echo $f; done\n")
    findings = shellcheck(snippet)
    assert findings and all(f.startswith("source/demo.md:13: SC") for f in findings), findings
