"""shellcheck for snippets: console commands are checked as one script,
and findings are mapped back to the page line they came from."""

from __future__ import annotations

import json
import subprocess

from cvplus_transcript import parse

# Warnings that only make sense for whole scripts, not for copied commands.
EXCLUDED = ["SC2164",  # cd without '|| exit': a reader sees the failure
            "SC1091"]  # sourced file not found at lint time


def script_of(snippet: dict) -> tuple[str, list[int]]:
    """The snippet as a bash script, and each script line's page offset."""
    if snippet.mode == "script":
        lines = snippet.text.splitlines()
        return "\n".join(lines) + "\n", list(range(1, len(lines) + 1))
    body: list[str] = []
    origin: list[int] = []
    for step in parse(snippet.text):
        for offset, line in enumerate(step.command.splitlines()):
            body.append(line)
            origin.append(step.line + offset)
    return "\n".join(body) + "\n", origin


def shellcheck(snippet: dict) -> list[str]:
    """Findings as ``source/page.md:LINE: SCnnnn: message``."""
    script, origin = script_of(snippet)
    proc = subprocess.run(["shellcheck", "--shell=bash", "--format=json", f"--exclude={','.join(EXCLUDED)}", "-"],
                          input=script, capture_output=True, text=True, timeout=60)
    findings = []
    for item in json.loads(proc.stdout or "[]"):
        offset = origin[item["line"] - 1] if 0 < item["line"] <= len(origin) else 1
        findings.append(f"{snippet.source}:{snippet.line + offset}: SC{item['code']} ({item['level']}): {item['message']}")
    return findings
