#!/usr/bin/env python3
"""Find live-looking credentials in text: snippets, expected output, HTML.

A documentation example must use an obvious placeholder (``sk_test_...``,
``<STRIPE_SECRET_KEY>``), never something shaped like a real key. Usage:
``secret_scan.py FILE...`` prints ``file:line: kind`` and exits 1 on a hit.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

PATTERNS: dict[str, re.Pattern[str]] = {
    "Stripe secret or restricted key": re.compile(r"\b[sr]k_(live|test)_[0-9A-Za-z]{20,}"),
    "Stripe webhook signing secret": re.compile(r"\bwhsec_[0-9A-Za-z]{20,}"),
    "Anthropic API key": re.compile(r"\bsk-ant-[a-z0-9]+-[0-9A-Za-z_-]{20,}"),
    "OpenAI API key": re.compile(r"\bsk-(proj-)?[0-9A-Za-z]{32,}"),
    "ElevenLabs API key": re.compile(r"(?i)xi-api-key\s*[:=]\s*['\"]?(sk_)?[0-9a-f]{32,}"),
    "Google API key": re.compile(r"\bAIza[0-9A-Za-z_-]{35}\b"),
    "Private key block": re.compile(r"-----BEGIN (RSA |EC |OPENSSH |ENCRYPTED )?PRIVATE KEY-----"),
    "Service account private key field": re.compile(r"\"private_key\"\s*:\s*\"-----BEGIN"),
}


def scan_text(text: str) -> list[tuple[int, str]]:
    """(line number, kind) of every hit in ``text``."""
    hits = []
    for number, line in enumerate(text.splitlines(), 1):
        for kind, pattern in PATTERNS.items():
            if pattern.search(line):
                hits.append((number, kind))
    return hits


def main(argv: list[str]) -> int:
    found = 0
    for name in argv:
        for number, kind in scan_text(Path(name).read_text(encoding="utf-8", errors="replace")):
            print(f"{name}:{number}: {kind}")
            found += 1
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
