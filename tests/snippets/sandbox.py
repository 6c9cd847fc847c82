"""A sandbox for one page's shell session.

Each page gets a directory with its own working directory and HOME, and one
long-lived bubblewrap container: the host file system read-only, only the
sandbox directory writable, a private /tmp, no network but loopback, its
own PID namespace, a cleared environment with an allow-list. Inside, a
small executor runs one step at a time under ``timeout``, which kills the
step's whole process group when it runs over. Background processes a step
starts on purpose (an emulator, ``stripe listen``) live on until the page's
session closes, and are then killed with the container. Variables,
functions and the working directory carry from one step to the next
through a state file.

With ``cloud=True`` the container also runs the simulated Google APIs
(tests/cloudsim) on loopback in its own network namespace: the executor
starts the server before the first step and waits for its endpoints file;
a generated hosts file (every API host name -> 127.0.0.1) is bound over
/etc/hosts, and the environment points firebase-tools at the server.
"""

from __future__ import annotations

import errno
import os
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

BWRAP = shutil.which("bwrap")
# The project (its tools, venv and node_modules) stays visible, read-only,
# even when it lives under /tmp, which the sandbox replaces with its own.
PROJECT = Path(__file__).resolve().parents[2]
ALLOWED_ENV = {"LANG": "C.UTF-8", "LC_ALL": "C.UTF-8", "TERM": "dumb", "TZ": "UTC",
               "FIREBASE_CLI_DISABLE_UPDATE_CHECK": "1", "NO_COLOR": "1"}
SAVE_STATE = r"""
__cvplus_save() {
  { declare -p 2>/dev/null | grep -Ev '^declare -[^ ]*r|^declare -[^ ]* (BASH[A-Z_]*|PPID|UID|EUID|SHELLOPTS|GROUPS|FUNCNAME|PIPESTATUS|_|RANDOM|SRANDOM|SECONDS|LINENO|HISTCMD|OPTIND|OPTERR|DIRSTACK|COMP_[A-Z]*|EPOCH[A-Z]*)='
    declare -f
    printf 'cd %q\n' "$PWD"; } > "$CVPLUS_STATE.new" && mv "$CVPLUS_STATE.new" "$CVPLUS_STATE"
}
trap __cvplus_save EXIT
"""
CLOUD_START = r"""
( cd "$CVPLUS_CLOUDSIM_DIR" && exec "$CVPLUS_CLOUDSIM_PYTHON" -m cloudsim --endpoints "$CVPLUS_CLOUDSIM_ENDPOINTS" \
    --log "$CVPLUS_CLOUDSIM_LOG" --grant "$CVPLUS_CLOUDSIM_GRANT" ) > "$CVPLUS_CTL/cloudsim.err" 2>&1 < /dev/null &
for _ in $(seq 600); do [ -s "$CVPLUS_CLOUDSIM_ENDPOINTS" ] && break; sleep 0.05; done
"""
EXECUTOR = r"""
exec 3<> "$CVPLUS_CTL/fifo"
while read -r name limit <&3; do
  [ "$name" = EXIT ] && exit 0
  timeout -k 2 "$limit" bash --noprofile --norc "$CVPLUS_CTL/$name.sh" \
    > "$CVPLUS_CTL/$name.out" 2>&1 < /dev/null
  echo $? > "$CVPLUS_CTL/$name.tmp" && mv "$CVPLUS_CTL/$name.tmp" "$CVPLUS_CTL/$name.rc"
done
"""


@dataclass
class Result:
    status: int
    output: str
    timed_out: bool


class Sandbox:
    def __init__(self, root: Path, path_dirs: list[Path] | None = None, extra_env: dict[str, str] | None = None,
                 cloud: bool = False):
        if BWRAP is None:
            raise RuntimeError("bubblewrap (bwrap) is not installed: run scripts/setup.sh")
        self.root = root
        self.work = root / "work"
        self.home = root / "home"
        self.ctl = root / "ctl"
        self.state = self.ctl / "state.sh"
        for folder in (self.work, self.home, self.ctl):
            folder.mkdir(parents=True, exist_ok=True)
        self.state.write_text(f"cd {self.work}\n", encoding="utf-8")
        self.extra_env = extra_env or {}
        self.path = ":".join([*(str(p) for p in path_dirs or []), "/usr/local/bin", "/usr/bin", "/bin"])
        self.proc: subprocess.Popen | None = None
        self.steps = 0
        self.cloud_dir: Path | None = None
        if cloud:
            from cloudsim import session
            self.cloud_dir = root / "cloudsim"
            self.extra_env = {**self.extra_env, **session.prepare(self.cloud_dir, self.home),
                              "CVPLUS_CLOUDSIM_DIR": str(PROJECT / "tests"),
                              "CVPLUS_CLOUDSIM_PYTHON": session.server_command(self.cloud_dir)[0]}

    def grant(self, procedure: str | None, permissions) -> None:
        """What the simulated caller holds from the next request on: a list of IAM permissions, or "*"."""
        if self.cloud_dir is not None:
            from cloudsim import session
            session.write_grant(self.cloud_dir, procedure, permissions)

    @property
    def cloud_log(self) -> Path | None:
        """The simulation's request log (one JSON line per request), if this sandbox runs it."""
        return self.cloud_dir / "requests.jsonl" if self.cloud_dir else None

    def _argv(self) -> list[str]:
        env = {**ALLOWED_ENV, "HOME": str(self.home), "PATH": self.path, "TMPDIR": "/tmp",
               "CVPLUS_STATE": str(self.state), "CVPLUS_CTL": str(self.ctl), "CVPLUS_SANDBOX": str(self.root),
               **self.extra_env}
        argv = [BWRAP, "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp",
                "--ro-bind", str(PROJECT), str(PROJECT), "--bind", str(self.root), str(self.root), "--unshare-net", "--unshare-ipc", "--unshare-pid",
                "--die-with-parent", "--new-session", "--clearenv", "--chdir", str(self.work)]
        if self.cloud_dir is not None:
            argv += ["--ro-bind", str(self.cloud_dir / "hosts"), "/etc/hosts"]
        for key, value in env.items():
            argv += ["--setenv", key, value]
        return argv + ["/bin/bash", "--noprofile", "--norc", "-c", (CLOUD_START if self.cloud_dir else "") + EXECUTOR]

    def _start(self) -> None:
        fifo = self.ctl / "fifo"
        if not fifo.exists():
            os.mkfifo(fifo)
        self.proc = subprocess.Popen(self._argv(), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL, start_new_session=True)

    def _send(self, line: str) -> bool:
        deadline = time.monotonic() + 10
        while True:
            try:
                fd = os.open(self.ctl / "fifo", os.O_WRONLY | os.O_NONBLOCK)
            except OSError as exc:  # no reader yet: the container is starting
                if exc.errno != errno.ENXIO or time.monotonic() > deadline or self.proc.poll() is not None:
                    return False
                time.sleep(0.01)
                continue
            with os.fdopen(fd, "w") as handle:
                handle.write(line + "\n")
            return True

    def run(self, code: str, timeout: float = 60) -> Result:
        if self.proc is None or self.proc.poll() is not None:
            self._start()
        self.steps += 1
        name = f"step{self.steps}"
        (self.ctl / f"{name}.sh").write_text(f"source {self.state} >/dev/null 2>&1\n{SAVE_STATE}\n{code}\n",
                                             encoding="utf-8")
        started = time.monotonic()
        if not self._send(f"{name} {timeout:g}"):
            return Result(-1, "the sandbox container did not start", False)
        rc_file = self.ctl / f"{name}.rc"
        while not rc_file.exists():
            if time.monotonic() - started > timeout + 15 or self.proc.poll() is not None:
                self.close()
                return Result(-9, self._output(name), True)
            time.sleep(0.01)
        status = int(rc_file.read_text().strip() or -1)
        timed_out = status in (124, 137) and time.monotonic() - started >= timeout - 0.1
        return Result(status, self._output(name), timed_out)

    def _output(self, name: str) -> str:
        out = self.ctl / f"{name}.out"
        return out.read_text(encoding="utf-8", errors="replace") if out.exists() else ""

    def close(self) -> None:
        """End the session: the container and everything still running in it."""
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self._send("EXIT 0")
            try:
                self.proc.wait(timeout=2)
            except subprocess.TimeoutExpired:
                pass
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.proc.wait()
        self.proc = None
