"""The sandbox's default project is a trap: every call that names it is refused.

A command that names no project reaches whatever project is active: for
firebase the configstore's ``activeProjects`` entry, for gcloud its
``core/project``. The sandbox sets both to ``CVPLUS_TRAP_PROJECT``
(tests/snippets/world.py), a project the world does not have; ``refuse``
answers any request whose path, query or body names it with 403 and a
message saying why, so an unaimed command fails loudly instead of acting on
a project the reader did not choose.
"""

from __future__ import annotations

import os
import re

from cloudsim.errors import ApiError


def refuse(path: str, query: dict, raw: bytes) -> None:
    trap = os.environ.get("CVPLUS_TRAP_PROJECT")
    if not trap:
        return
    named = re.compile(rf"(^|[/:\"'=\s]){re.escape(trap)}($|[/:\"'&\s])")
    if named.search(path) or any(named.search(f"={v}") for v in query.values()) or \
            named.search(raw.decode("utf-8", errors="replace")):
        raise ApiError(403, f"{trap} is the sandbox's default project, a trap: the command named no project "
                            "(pass --project, or -P for firebase); a procedure never relies on the active project")
