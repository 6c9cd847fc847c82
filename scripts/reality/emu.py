"""``./emu``, the team's emulator starter (``onboarding.real.emu``), read.

Reads the script as text (it is never run) and compares: that the root
``emu`` is a symbolic link to the script; the ports it frees
(``EMULATOR_PORTS=( ... )``); the processes it stops (``pkill -f``
patterns); the ``firebase emulators:start`` command it runs (continuation
lines joined), which gives the data folder and whether a project is named;
its sub-commands (the arms of ``case "${1:-}"``); and what ``status`` does
with no emulator running (under ``set -e`` a status check that returns 1
ends the script before the port list). A missing script makes every fact
absent; each comparison is one ``Result`` through ``Checker.compare``.
"""

from __future__ import annotations

import re

from .shellargs import case_arms
from .sources import Found

P = "onboarding.real.emu"


def check(chk) -> None:
    if not chk.facts.has(P):
        return
    co = chk.co
    script = str(chk.facts.get(f"{P}.script"))
    command = str(chk.facts.get(f"{P}.command"))
    link = command.removeprefix("./")
    text = co.read(script)
    target = co.link_target(link)
    if target is not None:
        resolved = target.strip().removeprefix("./")
        chk.compare(f"{P}.command", Found(command if resolved == script else f"(links to {resolved})", co.where(link)))
    elif co.exists(link):
        chk.compare(f"{P}.command", Found(f"({link} is not a link)", co.where(link)))
    else:
        chk.compare(f"{P}.command", None, f"no {link} at the root")
    why = f"{script} not in the checkout"
    chk.compare(f"{P}.script", Found(script, co.where(script)) if text is not None else None, why)
    keys = ("ports", "stops", "start_command", "data_dir", "subcommands", "status_when_idle")
    if text is None:
        for key in keys:
            if chk.facts.has(f"{P}.{key}"):
                chk.compare(f"{P}.{key}", None, why)
        return
    where = lambda pos: co.where(script, text.count("\n", 0, pos) + 1)  # noqa: E731
    m = re.search(r"^[ \t]*EMULATOR_PORTS=\(([^)]*)\)", text, re.M)
    chk.compare(f"{P}.ports", Found([int(p) for p in m.group(1).split()], where(m.start())) if m else
                Found("(no EMULATOR_PORTS)", co.where(script)))
    kills = list(re.finditer(r"\bpkill -f ['\"]([^'\"]+)['\"]", text))
    chk.compare(f"{P}.stops", Found([k.group(1) for k in kills], where(kills[0].start()) if kills else co.where(script)))
    start = _start_command(text)
    if start is None:
        chk.compare(f"{P}.start_command", Found("(no firebase emulators:start)", co.where(script)))
    else:
        cmd, pos = start
        chk.compare(f"{P}.start_command", Found(cmd, where(pos)))
        data = re.search(r"--import=(\S+)", cmd)
        export = re.search(r"--export-on-exit=(\S+)", cmd)
        value = data.group(1) if data else "(no --import)"
        if data and (not export or export.group(1) != value):
            value = f"{value} (exports to {export.group(1) if export else 'nowhere'})"
        chk.compare(f"{P}.data_dir", Found(value, where(pos)))
    arms = case_arms(text, {'"${1:-}"', '"$1"', "$1"})
    subs = [p for a in arms for p in a.patterns if p != "*"]
    chk.compare(f"{P}.subcommands", Found(subs, co.where(script, arms[0].line)) if arms else
                Found("(no sub-commands)", co.where(script)))
    status = next((a for a in arms if "status" in a.patterns), None)
    if chk.facts.has(f"{P}.status_when_idle"):
        chk.compare(f"{P}.status_when_idle", Found(_status(text, status), co.where(script, status.line) if status else
                                                   co.where(script)))


def _start_command(text: str) -> tuple[str, int] | None:
    m = re.search(r"^[ \t]*firebase emulators:start\b", text, re.M)
    if not m:
        return None
    end = m.start()
    parts = []
    for line in text[m.start():].splitlines():
        parts.append(line.strip().rstrip("\\").strip())
        if not line.rstrip().endswith("\\"):
            break
    return " ".join(p for p in parts if p), end


def _status(text: str, arm) -> str:
    """What ``status`` does when no emulator runs."""
    if arm is None:
        return "(no status sub-command)"
    errexit = re.search(r"^\s*set -e\b", text, re.M) is not None
    first = arm.commands[0] if arm.commands else ""
    body = re.search(rf"^{re.escape(first)}\s*\(\)\s*\{{([\s\S]*?)^\}}", text, re.M) if first else None
    if errexit and body and re.search(r"\breturn 1\b", body.group(1)):
        return "exits 1 before the port list"
    return "lists the ports"
