"""``cvplus-snippet NAME...`` (on the sandbox PATH): print the one shown block
of the manual that defines each shell function NAME, so a page that links
to a helper defined on another page (one procedure per action) runs exactly
that block in its hidden setup instead of a copy.

The blocks come from the snippet manifest of the build under test
(``$CVPLUS_SNIPPETS``, set by world.sandbox_env); facts are already
substituted there. This program runs inside the sandbox with only its own
folder importable, so it reads the manifest's blocks itself, as plain
namespaces with the fields of cvplus_handoff.Snippet. It fails, naming the function, when no block or more
than one defines it, or when the manifest is missing.
"""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path
from types import SimpleNamespace


def defining_blocks(snippets: list, name: str) -> list:
    pattern = re.compile(rf"^\s*{re.escape(name)}\s*\(\)\s*\{{", re.M)
    return [s for s in snippets if s.mode == "script" and not s.not_run and pattern.search(s.text)]


def main(argv: list[str]) -> int:
    manifest = Path(os.environ.get("CVPLUS_SNIPPETS", ""))
    if not argv:
        print("usage: cvplus-snippet FUNCTION...", file=sys.stderr)
        return 2
    if not manifest.is_file():
        print(f"cvplus-snippet: no snippet manifest at {manifest} (CVPLUS_SNIPPETS)", file=sys.stderr)
        return 2
    snippets = [SimpleNamespace(**s) for s in json.loads(manifest.read_text(encoding="utf-8"))["snippets"]]
    printed: set[str] = set()
    for name in argv:
        blocks = defining_blocks(snippets, name)
        if len(blocks) != 1:
            where = ", ".join(f"{b.source}:{b.line}" for b in blocks) or "no block"
            print(f"cvplus-snippet: {name}() must be defined by exactly one shown block of the manual, found: {where}",
                  file=sys.stderr)
            return 1
        if blocks[0].id not in printed:
            printed.add(blocks[0].id)
            print(blocks[0].text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
