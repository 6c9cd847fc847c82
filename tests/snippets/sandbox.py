"""A sandbox for one page's shell session.

Each page gets a directory with its own working directory and HOME. Every
command runs under bubblewrap: the host file system read-only, only the
sandbox directory writable, a private /tmp, no network but loopback, a
cleared environment with an allow-list, in its own session so a timeout
kills the whole process group. State (variables, functions, working
directory) carries from one command to the next through a state file.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
from dataclasses import dataclass
from pathlib import Path

BWRAP = shutil.which("bwrap")
ALLOWED_ENV = {"LANG": "C.UTF-8", "LC_ALL": "C.UTF-8", "TERM": "dumb", "TZ": "UTC",
               "FIREBASE_CLI_DISABLE_UPDATE_CHECK": "1", "NO_COLOR": "1"}
SAVE_STATE = r"""
__cvplus_save() {
  { declare -p 2>/dev/null | grep -Ev '^declare -[^ ]*r|^declare -[^ ]* (BASH[A-Z_]*|PPID|UID|EUID|SHELLOPTS|GROUPS|FUNCNAME|PIPESTATUS|_|RANDOM|SRANDOM|SECONDS|LINENO|HISTCMD|OPTIND|OPTERR|DIRSTACK|COMP_[A-Z]*|EPOCH[A-Z]*|__cvplus_status)='
    declare -f
    printf 'cd %q\n' "$PWD"; } > "$CVPLUS_STATE.new" && mv "$CVPLUS_STATE.new" "$CVPLUS_STATE"
}
trap __cvplus_save EXIT
"""


@dataclass
class Result:
    status: int
    output: str
    timed_out: bool


class Sandbox:
    def __init__(self, root: Path, path_dirs: list[Path] | None = None):
        if BWRAP is None:
            raise RuntimeError("bubblewrap (bwrap) is not installed: run scripts/setup.sh")
        self.root = root
        self.work = root / "work"
        self.home = root / "home"
        self.state = root / "state.sh"
        for folder in (self.work, self.home):
            folder.mkdir(parents=True, exist_ok=True)
        self.state.write_text(f"cd {self.work}\n", encoding="utf-8")
        self.path = ":".join([*(str(p) for p in path_dirs or []), "/usr/local/bin", "/usr/bin", "/bin"])

    def _argv(self, script: Path) -> list[str]:
        env = {**ALLOWED_ENV, "HOME": str(self.home), "PATH": self.path, "TMPDIR": "/tmp",
               "CVPLUS_STATE": str(self.state), "CVPLUS_SANDBOX": str(self.root)}
        argv = [BWRAP, "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp",
                "--bind", str(self.root), str(self.root), "--unshare-net", "--unshare-ipc", "--unshare-pid",
                "--die-with-parent", "--new-session", "--clearenv", "--chdir", str(self.work)]
        for key, value in env.items():
            argv += ["--setenv", key, value]
        return argv + ["/bin/bash", "--noprofile", "--norc", str(script)]

    def run(self, code: str, timeout: float = 60) -> Result:
        script = self.root / "step.sh"
        script.write_text(f"source {self.state} >/dev/null 2>&1\n{SAVE_STATE}\n{code}\n", encoding="utf-8")
        proc = subprocess.Popen(self._argv(script), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True)
        try:
            out, _ = proc.communicate(timeout=timeout)
            timed_out = False
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            out, _ = proc.communicate()
            timed_out = True
        return Result(proc.returncode if not timed_out else -9, out.decode("utf-8", "replace"), timed_out)
