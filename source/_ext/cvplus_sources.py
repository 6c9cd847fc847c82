"""The digest of what a build reads: every file under ``source/`` and ``conf.py``.

``cvplus_snippets`` writes it into ``snippets.json``; the snippet tests
compare it with the sources on disk and rebuild the manual first when they
differ, so a test never judges the text of an older build (a "passed" after
the expected output was edited). Pure function, no Sphinx: nothing here
fails the build.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

SKIP_DIRS = {"__pycache__", ".ipynb_checkpoints"}


def sources_digest(root: Path) -> str:
    """sha256 over the relative path and bytes of each source file of ``root``."""
    root = Path(root)
    files = [root / "conf.py"] + sorted(
        p for p in (root / "source").rglob("*")
        if p.is_file() and not SKIP_DIRS & set(p.relative_to(root).parts))
    h = hashlib.sha256()
    for path in files:
        if path.is_file():
            h.update(str(path.relative_to(root)).encode() + b"\0")
            h.update(hashlib.sha256(path.read_bytes()).digest())
    return h.hexdigest()
