"""Facts a checkout cannot settle, reported as such (never skipped).

``uncheckable.yaml`` lists, per dotted key of the facts file, why no
CVPlus checkout can confirm or contradict it (a team decision, a GitHub
setting, the manual's own tooling). Each gives one ``uncheckable`` line in
the report, with the reason; the exit status ignores them. A key that is
not in the facts file, or an entry without a reason, raises ``CheckError``
naming ``uncheckable.yaml`` and the line.
"""

from __future__ import annotations

from pathlib import Path

TABLE = Path(__file__).with_name("uncheckable.yaml")


def check(chk, path: Path = TABLE) -> None:
    from .checks import CheckError, keyed_table
    if not path.is_file():
        return
    for key, reason, line in keyed_table(path):
        if not isinstance(reason, str) or not reason.strip():
            raise CheckError(f"{path}:{line}: {key}: needs the reason a checkout cannot settle it")
        if not chk.facts.has(key):
            raise CheckError(f"{path}:{line}: {key} is not in {chk.facts.path.name}")
        chk.results.append(chk.result("uncheckable", key, chk.facts.get(key), " ".join(reason.split())))
