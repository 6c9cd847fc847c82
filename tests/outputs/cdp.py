"""Headless Chromium driven over the DevTools protocol, with the network off.

The same browser as browser.py (Debian's Chromium, inside a bubblewrap
network namespace of its own, so nothing can leave the machine), but kept
running and driven through ``--remote-debugging-pipe``: commands go in on
file descriptor 3, answers and events come back on descriptor 4, as
NUL-terminated JSON. No websocket library and no browser download are
needed. A command that fails, or a browser that dies or stops answering,
raises ``CDPError`` naming the command.
"""

from __future__ import annotations

import fcntl
import json
import os
import select
import shlex
import subprocess
import time
from pathlib import Path

from browser import BWRAP, CHROMIUM

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-extensions", "--hide-scrollbars", "--mute-audio"]


class CDPError(RuntimeError):
    pass


class Browser:
    """One Chromium, one page target; use as a context manager."""

    def __init__(self, workdir: Path, width: int = 1280, height: int = 900, timeout: float = 60):
        if not (CHROMIUM and BWRAP):
            raise CDPError("chromium and bwrap are needed (scripts/setup.sh test installs them)")
        self.timeout = timeout
        self._next_id = 0
        self._buffer = b""
        self._events: list[dict] = []
        workdir.mkdir(parents=True, exist_ok=True)
        to_chrome_r, self._to_chrome = os.pipe()
        self._from_chrome, from_chrome_w = os.pipe()
        # keep the child's ends away from 3 and 4, which the shell re-uses
        to_chrome_r, from_chrome_w = (_high(fd) for fd in (to_chrome_r, from_chrome_w))
        # the shell puts our pipe ends on the descriptors Chromium expects
        chrome = " ".join(_quote(a) for a in [
            CHROMIUM, *FLAGS, f"--user-data-dir={workdir / 'profile'}",
            f"--window-size={width},{height}", "--remote-debugging-pipe", "about:blank"])
        script = f"exec {chrome} 3<&{to_chrome_r} 4>&{from_chrome_w} {to_chrome_r}<&- {from_chrome_w}>&-"
        argv = [BWRAP, "--dev-bind", "/", "/", "--unshare-net", "--die-with-parent",
                "--chdir", str(workdir), "/bin/bash", "-c", script]
        self.proc = subprocess.Popen(argv, pass_fds=(to_chrome_r, from_chrome_w),
                                     stdout=subprocess.DEVNULL, stderr=open(workdir / "chrome.log", "w"))
        os.close(to_chrome_r)
        os.close(from_chrome_w)
        targets = self.send("Target.getTargets")["targetInfos"]
        page = next((t for t in targets if t["type"] == "page"), None)
        if page is None:
            page = {"targetId": self.send("Target.createTarget", url="about:blank")["targetId"]}
        self.session = self.send("Target.attachToTarget", targetId=page["targetId"], flatten=True)["sessionId"]
        self.page("Page.enable")
        self.page("Runtime.enable")
        self.page("Emulation.setFocusEmulationEnabled", enabled=True)
        self.page("Page.bringToFront")

    # -- protocol -----------------------------------------------------------
    def send(self, method: str, session: str | None = None, **params) -> dict:
        self._next_id += 1
        message = {"id": self._next_id, "method": method, "params": params}
        if session:
            message["sessionId"] = session
        data = json.dumps(message).encode() + b"\0"
        try:
            while data:
                data = data[os.write(self._to_chrome, data):]
        except OSError as exc:
            raise CDPError(f"{method}: browser gone ({exc})") from None
        while True:
            reply = self._read(method)
            if reply.get("id") == self._next_id:
                if "error" in reply:
                    raise CDPError(f"{method}: {reply['error'].get('message')}")
                return reply.get("result", {})
            if "method" in reply:
                self._events.append(reply)

    def page(self, method: str, **params) -> dict:
        return self.send(method, session=self.session, **params)

    def _read(self, what: str) -> dict:
        deadline = time.monotonic() + self.timeout
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self._from_chrome], [], [], left)[0]:
                raise CDPError(f"{what}: no answer from the browser within {self.timeout:.0f} s")
            chunk = os.read(self._from_chrome, 1 << 20)
            if not chunk:
                raise CDPError(f"{what}: the browser closed the pipe (exit {self.proc.poll()})")
            self._buffer += chunk
        message, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(message)

    def wait_event(self, name: str) -> dict:
        while True:
            for i, event in enumerate(self._events):
                if event["method"] == name:
                    return self._events.pop(i)
            event = self._read(f"waiting for {name}")
            if "method" in event:
                self._events.append(event)

    # -- page helpers ---------------------------------------------------------
    def goto(self, url: str, ready: str = "true") -> None:
        """Load url, wait for its load event and until the JS expression ready holds."""
        self._events.clear()
        result = self.page("Page.navigate", url=url)
        if result.get("errorText"):
            raise CDPError(f"{url}: {result['errorText']}")
        self.wait_event("Page.loadEventFired")
        deadline = time.monotonic() + self.timeout
        while not self.eval(ready):
            if time.monotonic() > deadline:
                raise CDPError(f"{url}: the page never became ready ({ready})")
            time.sleep(0.05)

    def eval(self, expression: str, await_promise: bool = False):
        result = self.page("Runtime.evaluate", expression=expression, returnByValue=True,
                           awaitPromise=await_promise)
        if "exceptionDetails" in result:
            details = result["exceptionDetails"]
            text = details.get("exception", {}).get("description") or details.get("text")
            raise CDPError(f"script failed: {text}")
        return result["result"].get("value")

    def press_tab(self, shift: bool = False) -> None:
        modifiers = 8 if shift else 0
        for kind in ("rawKeyDown", "keyUp"):
            self.page("Input.dispatchKeyEvent", type=kind, key="Tab", code="Tab",
                      windowsVirtualKeyCode=9, modifiers=modifiers)

    def close(self) -> None:
        try:
            self.send("Browser.close")
        except CDPError:
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        for fd in (self._to_chrome, self._from_chrome):
            try:
                os.close(fd)
            except OSError:
                pass

    def __enter__(self) -> "Browser":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _high(fd: int) -> int:
    high = fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 10)
    os.close(fd)
    return high


def _quote(arg: str) -> str:
    return shlex.quote(arg)


def print_to_pdf(url: str, pdf: Path, workdir: Path) -> None:
    """Print url to pdf the way a reader's browser does (print media, A4)."""
    workdir.mkdir(parents=True, exist_ok=True)
    argv = [BWRAP, "--dev-bind", "/", "/", "--unshare-net", "--die-with-parent", "--chdir", str(workdir),
            CHROMIUM, *FLAGS, f"--user-data-dir={workdir / 'profile'}", "--virtual-time-budget=10000",
            "--no-pdf-header-footer", f"--print-to-pdf={pdf}", url]
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=900)
    if proc.returncode or not pdf.is_file():
        raise CDPError(f"printing {url} failed (exit {proc.returncode}): {proc.stderr[-2000:]}")

