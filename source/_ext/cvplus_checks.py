"""Schema rules of the metamodel, enforced on every build.

sphinx-needs 9.1 validates the needs itself, with the schemas
cvplus_needs_schema generates from ``metamodel.yaml``: field values, the
fields and links each type must or may carry, ID prefixes, link target
types and the graph rules (every control carried out by a procedure, every
risk mitigated, ...). It logs a violation with no location; this extension
silences those records and re-emits each finding of its report
(``schema_violations.json``) in our words at the need's ``file:line`` (the
option's line for a link). One check stays hand-written, because a schema
cannot express it: a link to a need that does not exist, named at the
option's line with the nearest existing ID. Every finding is a warning;
``make html`` runs with ``-W``, so any finding fails the build.
"""

from __future__ import annotations

import difflib
import json
from pathlib import Path
from typing import Any, Iterable

from sphinx.application import Sphinx
from sphinx.util import logging

from cvplus_data import split_list  # noqa: F401  (other extensions import it from here)

logger = logging.getLogger(__name__)


def dangling_links(needs: dict[str, dict[str, Any]],
                   metamodel: dict[str, Any]) -> Iterable[tuple[str, str, str]]:
    """(need id, finding, link option) for each link to a need that does
    not exist, with the nearest existing ID.

    Hand-written: sphinx-needs' ``network`` schema reports a broken link
    only for the links a schema names, with no option line and no
    suggestion; ``difflib`` finds the ID the writer probably meant.
    """
    for need in needs.values():
        for link_name in metamodel["links"]:
            for target in split_list(need.get(link_name)):
                if target not in needs:
                    close = difflib.get_close_matches(target, list(needs), n=1, cutoff=0.75)
                    hint = f"; did you mean '{close[0]}'?" if close else ""
                    yield need["id"], f"{need['id']}: ':{link_name}:' points at unknown need '{target}'{hint}", link_name


def option_line(path: Path, lineno: int, option: str) -> int:
    """The line of ``:option:`` in the directive that starts at ``lineno`` of
    ``path`` (its options follow the first line), else ``lineno``."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError:
        return lineno
    for index in range(lineno, min(len(lines), lineno + 40)):  # lineno is 1-based: start after the first line
        text = lines[index].strip()
        if not text.startswith(":"):
            break
        if text.startswith(f":{option}:"):
            return index + 1
    return lineno


def plain_needs(app: Sphinx) -> dict[str, dict[str, Any]]:
    """The resolved needs as plain dicts. sphinx-needs locks its view once the
    needs are resolved, so the copy is made once per view and shared by every
    caller of the build (seven handlers): callers must not change it."""
    from sphinx_needs.api import get_needs_view

    view = get_needs_view(app)
    cached = getattr(app, "_cvplus_plain_needs", None)
    if cached is None or cached[0] is not view:
        cached = (view, {need_id: dict(need) for need_id, need in view.items()})
        app._cvplus_plain_needs = cached
    return cached[1]


SCHEMA_TYPES = ("sn_schema_violation", "sn_schema_warning", "sn_schema_info")
# sphinx-needs reports a broken link too; dangling_links names it better
LEFT_TO_DANGLING = {"network_missing_target"}


REPORT = "schema_violations.json"


def schema_report(outdir: Path) -> dict[str, list[dict[str, Any]]] | None:
    """Need id -> findings of sphinx-needs' schema validation of this build;
    None when it wrote no report."""
    path = outdir / REPORT
    if not path.is_file():
        return None
    return json.loads(path.read_text(encoding="utf-8")).get("validation_warnings", {})


def _forget_last_report(app: Sphinx) -> None:
    """A report left by an earlier build must not stand in for this one's."""
    (Path(app.outdir) / REPORT).unlink(missing_ok=True)


def _silence_sphinx_needs(app: Sphinx, config: Any) -> None:
    """sphinx-needs logs schema violations without a location; they are
    re-emitted with one by ``_run``."""
    config.suppress_warnings = [*config.suppress_warnings, *(t for t in SCHEMA_TYPES if t not in config.suppress_warnings)]


def _run(app: Sphinx, builder: Any = None) -> None:
    from cvplus_needs_schema import describe

    metamodel = app.config.cvplus_metamodel
    platform = app.config.cvplus_platform
    needs = plain_needs(app)

    def warn(need_id: str, message: str, subtype: str, option: str | None = None) -> None:
        need = needs.get(need_id, {})
        location = (need["docname"], need.get("lineno")) if need.get("docname") else None
        if location and option and need.get("lineno"):
            path = next((p for p in (Path(app.srcdir) / f"{need['docname']}{suffix}" for suffix in app.config.source_suffix)
                         if p.is_file()), Path(app.env.doc2path(need["docname"])))
            location = f"{path}:{option_line(path, int(need['lineno']), option)}"
        logger.warning(message, location=location, type="cvplus", subtype=subtype)

    report = schema_report(Path(app.outdir))
    if report is None:
        logger.warning(f"sphinx-needs wrote no {REPORT}: the metamodel's schema rules were not checked",
                       type="cvplus", subtype="schema")
        report = {}
    seen: set[tuple[str, str]] = set()
    for need_id, findings in sorted(report.items()):
        if need_id not in needs or needs[need_id].get("is_external"):
            continue
        for finding in findings:
            if finding.get("subtype") in LEFT_TO_DANGLING:
                continue
            for message, option in describe(finding, needs[need_id], needs, metamodel, platform):
                if (need_id, message) not in seen:
                    seen.add((need_id, message))
                    warn(need_id, message, "schema", option)
    for need_id, finding, option in dangling_links(needs, metamodel):
        warn(need_id, finding, "schema-graph", option)


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_config_value("cvplus_metamodel", {}, "env", types=[dict])
    app.connect("config-inited", _silence_sphinx_needs)
    app.connect("builder-inited", _forget_last_report)
    # after sphinx-needs' schema validation (write-started, 500) wrote its report
    app.connect("write-started", _run, priority=600)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
