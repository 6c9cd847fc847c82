"""Headless Chromium with the network off, as a reader's browser.

Pages load from disk (file://) or from a server on loopback, inside a
network namespace of their own (bubblewrap), so nothing can leave the
machine; Chromium's net log tells whether a page even tried.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

CHROMIUM = shutil.which("chromium")
BWRAP = shutil.which("bwrap")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--virtual-time-budget=10000"]


def _isolated(argv: list[str], workdir: Path) -> list[str]:
    """Run argv with no network but loopback, the rest of the disk as is."""
    return [BWRAP, "--dev-bind", "/", "/", "--unshare-net", "--die-with-parent", "--chdir", str(workdir), *argv]


def dump_dom(url: str, workdir: Path, serve: Path | None = None) -> tuple[str, list[dict]]:
    """The DOM after scripts ran, and the requests the page itself made.

    With ``serve``, a static server on 127.0.0.1 serves that folder and
    ``url`` is a path on it.
    """
    workdir.mkdir(parents=True, exist_ok=True)
    netlog = workdir / "netlog.json"
    profile = workdir / "profile"
    chrome = [CHROMIUM, *FLAGS, f"--user-data-dir={profile}", f"--log-net-log={netlog}", "--dump-dom"]
    if serve is None:
        argv = chrome + [url]
    else:
        script = textwrap.dedent(f"""
            import http.server, functools, subprocess, sys, threading
            handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory={str(serve)!r})
            handler.log_message = lambda *a: None
            server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
            threading.Thread(target=server.serve_forever, daemon=True).start()
            url = f"http://127.0.0.1:{{server.server_port}}/{url.lstrip('/')}"
            sys.exit(subprocess.run({chrome!r} + [url]).returncode)
        """)
        argv = [sys.executable, "-c", script]
    proc = subprocess.run(_isolated(argv, workdir), capture_output=True, text=True, timeout=120)
    return proc.stdout, page_requests(netlog)


def page_requests(netlog: Path) -> list[dict]:
    """Requests a page started (Chromium's own service calls excluded)."""
    if not netlog.is_file():
        return []
    data = json.loads(netlog.read_text() or "{}")
    names = {v: k for k, v in data.get("constants", {}).get("logEventTypes", {}).items()}
    requests = []
    for event in data.get("events", []):
        params = event.get("params") or {}
        if (names.get(event.get("type")) == "URL_REQUEST_START_JOB" and params.get("url")
                and params.get("initiator") != "not an origin"):
            requests.append({"url": params.get("url", ""), "initiator": params.get("initiator")})
    return requests


def leaves_machine(request: dict) -> bool:
    url = request["url"]
    return not (url.startswith(("file:", "data:", "blob:", "chrome:"))
                or url.startswith(("http://127.0.0.1", "http://localhost", "http://[::1]")))
