"""Read a CVPlus checkout: a work tree or a bare git directory.

A work tree is read from disk (its commit from ``git rev-parse HEAD`` when
it is a git work tree); a bare git directory is read at a revision with
``git show``/``git ls-tree``. Modules under ``packages/<name>`` are git
submodules: in a work tree they are present when their folder holds files;
for a bare directory (or an empty submodule folder) they are looked up in
the module directories given with ``--modules`` (``<dir>/*cvplus-<name>*``,
a bare repository or a work tree) and read at the commit CVPlus pins. A
module that cannot be found is reported absent, with the reason.
Errors (not a checkout, unknown revision) raise ``CheckoutError``.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass, field
from pathlib import Path


class CheckoutError(Exception):
    """The path is not a CVPlus checkout or cannot be read."""


def _git(gitdir: Path, *args: str) -> str | None:
    proc = subprocess.run(["git", f"--git-dir={gitdir}", *args], capture_output=True, text=True)
    return proc.stdout if proc.returncode == 0 else None


def _is_bare(path: Path) -> bool:
    return (path / "HEAD").is_file() and (path / "objects").is_dir() and not (path / ".git").exists()


@dataclass
class Checkout:
    """One checkout (the CVPlus root or one module) read at one commit."""

    path: Path
    label: str  # how report lines name files of this checkout: "" or "packages/payments/"
    commit: str | None
    gitdir: Path | None = None  # set for a bare directory: files are read from git
    modules_dirs: list[Path] = field(default_factory=list)
    prefix: str = ""  # for a module that is a plain folder of a bare checkout: "packages/x/"
    _module_cache: dict = field(default_factory=dict)

    @classmethod
    def open(cls, path: str | Path, modules_dirs: list[Path] | None = None, rev: str = "HEAD") -> "Checkout":
        path = Path(path).resolve()
        if not path.exists():
            raise CheckoutError(f"{path}: no such directory")
        dirs = list(modules_dirs or [])
        if _is_bare(path):
            commit = (_git(path, "rev-parse", "--verify", f"{rev}^{{commit}}") or "").strip()
            if not commit:
                raise CheckoutError(f"{path}: bare git directory without revision {rev}")
            return cls(path, "", commit, path, dirs)
        if not path.is_dir():
            raise CheckoutError(f"{path}: not a directory")
        commit = None
        if (path / ".git").exists():
            commit = (_git(path / ".git", "rev-parse", "HEAD") or "").strip() or None
            if (path / ".git").is_file():  # a worktree or submodule: let git find the dir
                out = subprocess.run(["git", "-C", str(path), "rev-parse", "HEAD"], capture_output=True, text=True)
                commit = out.stdout.strip() or None
        return cls(path, "", commit, None, dirs)

    # -- files ---------------------------------------------------------------
    def read(self, rel: str) -> str | None:
        """The text of ``rel`` at this checkout's commit, or None."""
        if self.gitdir is not None:
            return _git(self.gitdir, "show", f"{self.commit}:{self.prefix}{rel}")
        p = self.path / rel
        return p.read_text(encoding="utf-8", errors="replace") if p.is_file() else None

    def exists(self, rel: str) -> bool:
        """True for a file, a folder or a submodule entry."""
        if self.gitdir is not None:
            return bool(_git(self.gitdir, "ls-tree", self.commit, "--", f"{self.prefix}{rel}".rstrip("/")))
        return (self.path / rel).exists()

    def files(self, prefix: str = "") -> list[str]:
        """Every file under ``prefix`` (relative paths, sorted)."""
        if self.gitdir is not None:
            out = _git(self.gitdir, "ls-tree", "-r", "--name-only", self.commit, "--",
                       f"{self.prefix}{prefix}" or ".") or ""
            return sorted(line[len(self.prefix):] for line in out.splitlines() if line)
        base = self.path / prefix if prefix else self.path
        if not base.exists():
            return []
        skip = {".git", "node_modules"}
        return sorted(
            str(p.relative_to(self.path)) for p in base.rglob("*")
            if p.is_file() and not skip.intersection(p.relative_to(self.path).parts)
        )

    def where(self, rel: str, line: int | None = None) -> str:
        """How the report names a place in this checkout."""
        return f"{self.label}{rel}" + (f":{line}" if line else "")

    def at(self, rev: str) -> "Checkout | None":
        """This checkout read at another commit of its history, or None."""
        gitdir = self.gitdir or (self.path / ".git" if (self.path / ".git").is_dir() else None)
        if gitdir is None:
            return None
        commit = (_git(gitdir, "rev-parse", "--verify", "-q", f"{rev}^{{commit}}") or "").strip()
        if not commit:
            return None
        return Checkout(self.path, self.label, commit, gitdir, self.modules_dirs)

    def commit_date(self, rev: str) -> str | None:
        """The committer date (YYYY-MM-DD) of ``rev`` in this checkout's
        history, or None when the commit is not there."""
        other = self.at(rev)
        if other is None:
            return None
        return (_git(other.gitdir, "log", "-1", "--format=%cd", "--date=short", other.commit) or "").strip() or None

    def remote_url(self) -> str | None:
        """The URL of the ``origin`` remote, when the checkout has one."""
        gitdir = self.gitdir or (self.path / ".git" if (self.path / ".git").exists() else None)
        if gitdir is None:
            return None
        if gitdir.is_file():
            out = subprocess.run(["git", "-C", str(self.path), "config", "--get", "remote.origin.url"],
                                 capture_output=True, text=True).stdout
        else:
            out = _git(gitdir, "config", "--get", "remote.origin.url") or ""
        return out.strip() or None

    def tracked(self, rel: str) -> bool | None:
        """True when ``rel`` is committed; None for a folder without git."""
        if self.gitdir is not None:
            return self.exists(rel)
        if not (self.path / ".git").exists():
            return None
        out = subprocess.run(["git", "-C", str(self.path), "ls-files", "--", rel], capture_output=True, text=True)
        return bool(out.stdout.strip())

    def link_target(self, rel: str) -> str | None:
        """Where the symbolic link ``rel`` points, or None if it is no link."""
        if self.gitdir is not None:
            entry = (_git(self.gitdir, "ls-tree", self.commit, "--", f"{self.prefix}{rel}") or "").split()
            if len(entry) >= 3 and entry[0] == "120000":
                return _git(self.gitdir, "cat-file", "blob", entry[2])
            return None
        p = self.path / rel
        return os.readlink(p) if p.is_symlink() else None

    # -- modules -------------------------------------------------------------
    def gitlink(self, rel: str) -> str | None:
        """The commit a submodule entry pins, when this is a git checkout."""
        if self.gitdir is not None:
            out = _git(self.gitdir, "ls-tree", self.commit, "--", rel) or ""
        elif (self.path / ".git").exists():
            out = subprocess.run(["git", "-C", str(self.path), "ls-tree", "HEAD", "--", rel],
                                 capture_output=True, text=True).stdout
        else:
            return None
        parts = out.split()
        return parts[2] if len(parts) >= 3 and parts[1] == "commit" else None

    def module(self, name: str) -> tuple["Checkout | None", str]:
        """The module ``packages/<name>``, or None and why it is absent."""
        if name in self._module_cache:
            return self._module_cache[name]
        result = self._find_module(name)
        self._module_cache[name] = result
        return result

    def modules_seen(self) -> dict[str, str]:
        """Each module looked up so far: where it was read, or why it is absent."""
        return {name: how if sub is not None else f"absent: {how}" for name, (sub, how) in self._module_cache.items()}

    def _find_module(self, name: str) -> tuple["Checkout | None", str]:
        rel = f"packages/{name}"
        label = f"{rel}/"
        pin = self.gitlink(rel)
        if self.gitdir is None and (self.path / rel).is_dir() and any((self.path / rel).iterdir()):
            sub = Checkout.open(self.path / rel)
            sub.label = label
            return sub, f"present at {rel}"
        if self.gitdir is not None and not pin and self.exists(f"{rel}/src"):
            sub = Checkout(self.path, label, self.commit, self.gitdir, [], f"{self.prefix}{rel}/")
            return sub, f"present at {rel} (a folder, not a submodule)"
        for base in self.modules_dirs:
            for cand in sorted(base.glob(f"*cvplus-{name}*")):
                for path in (cand / "repo", cand):
                    if not path.exists():
                        continue
                    try:
                        sub = Checkout.open(path, rev=pin or "HEAD")
                    except CheckoutError:
                        continue
                    sub.label = label
                    how = f"{path} at {'the pinned commit' if pin else 'HEAD (no pin known)'} {sub.commit[:7] if sub.commit else ''}"
                    return sub, how.strip()
        if pin:
            return None, f"submodule {rel} (pinned {pin[:7]}) not checked out and not found in --modules"
        if self.exists(rel):
            return None, f"{rel} is empty (submodule not checked out)"
        return None, f"no {rel} in the checkout"
