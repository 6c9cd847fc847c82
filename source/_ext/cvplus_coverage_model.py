"""The coverage status model: what each procedure, control and checklist
item has proven, computed from the needs and the test evidence.

No Sphinx here: the needs are plain dicts (sphinx-needs' view, or hand-made
in tests) and the evidence is ``build/evidence/results.json``. Status is
computed, never typed: a procedure's design status follows from the newest
result of each snippet text it shows now; a control's or checklist item's
from the procedures that carry it out (``:implements:``); its operating
status only from the operating register (cvplus_operating). Frameworks and
each type's coverage link come from the metamodel
(``source/_data/metamodel.yaml``).

Nothing here fails the build: the schema checks (cvplus_checks,
cvplus_schema) refuse bad needs before coverage is computed, and
cvplus_coverage renders what this module returns.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

import cvplus_data
from cvplus_data import split_list

# Design: is the procedure verified in the sandbox? Never evidence that the
# control operated in the real environment.
PROCEDURE_STATES = ["passed", "failed", "stale", "manual", "not-run"]
DESIGN_STATES = ["verified", "exception-open", "manual", "not-run", "failed", "stale", "uncovered"]
# Operation: evidence collected in the real environment for the audit period,
# set only by `scripts/evidence_ledger.py import` (see cvplus_operating).
OPERATING_STATES = ["collected", "exception", "missing"]


@functools.lru_cache(maxsize=1)
def _default_metamodel() -> dict[str, Any]:
    return cvplus_data.load_metamodel()


def carrier_types(metamodel: dict[str, Any]) -> list[str]:
    """Types a procedure carries out (the ``implements`` targets): the
    matrix rows, with a design and an operating status."""
    return list(metamodel["links"]["implements"]["to"])


def load_results(path: Path) -> dict[str, list[dict[str, Any]]]:
    """Snippet results per procedure id; empty when the tests have not run."""
    from cvplus_handoff import read_results

    by_need: dict[str, list[dict[str, Any]]] = {}
    for result in read_results(path):  # cvplus_handoff: a file of another shape stops the build, named
        by_need.setdefault(result.need, []).append(result.to_dict())
    return by_need


def procedure_status(need: dict[str, Any], results: dict[str, list[dict[str, Any]]],
                     current_hashes: dict[str, set[str]], manual_needs: set[str] = frozenset(),
                     finding_hashes: dict[str, set[str]] | None = None) -> dict[str, Any]:
    """Design status of one procedure: status, date and run of the newest
    result, and whether a passing block reproduced a recorded finding.

    passed: every runnable snippet passed at its current text, and none of
    its snippets is marked not-run; failed / stale (the text changed since
    it passed) / not-run (runnable, no result yet); manual otherwise.
    """
    shown = current_hashes.get(need["id"], set())
    findings = (finding_hashes or {}).get(need["id"], set())
    # the newest result for each snippet text the page shows now: an older
    # failure, or a result for text that is gone, no longer counts
    newest_by_text: dict[str, dict[str, Any]] = {}
    for r in results.get(need["id"], []):
        if r.get("outcome") in ("passed", "failed") and r.get("sha256") in shown:
            if r.get("finished", "") >= newest_by_text.get(r["sha256"], {}).get("finished", ""):
                newest_by_text[r["sha256"]] = r

    def out(status: str, date: str = "", run: str = "") -> dict[str, Any]:
        finding = any(h in findings and r["outcome"] == "passed" for h, r in newest_by_text.items())
        return {"status": status, "date": date, "run": run, "finding": finding}

    if newest_by_text:
        latest = max(newest_by_text.values(), key=lambda r: r.get("finished", ""))
        newest, run = latest.get("finished", ""), latest.get("run", "")
        if any(r["outcome"] == "failed" for r in newest_by_text.values()):
            return out("failed", newest, run)
        if set(newest_by_text) != shown:
            return out("stale", newest, run)
        return out("manual" if need["id"] in manual_needs else "passed", newest, run)
    if shown and any(r.get("sha256") not in shown for r in results.get(need["id"], [])):
        latest = max(results[need["id"]], key=lambda r: r.get("finished", ""))
        return out("stale", latest.get("finished", ""), latest.get("run", ""))
    if shown:
        return out("not-run")
    # no runnable snippet: the build has checked that it states a reason
    return out("manual")


def procedure_runs(need: dict[str, Any], results: dict[str, list[dict[str, Any]]],
                   current_hashes: dict[str, set[str]]) -> dict[str, Any]:
    """What the procedure's current snippets ran against (tools) and the simulated
    Google APIs' request-log summary, merged over their newest results."""
    shown = current_hashes.get(need["id"], set())
    newest: dict[str, dict[str, Any]] = {}
    for r in results.get(need["id"], []):
        if r.get("outcome") in ("passed", "failed") and r.get("sha256") in shown:
            if r.get("finished", "") >= newest.get(r["sha256"], {}).get("finished", ""):
                newest[r["sha256"]] = r
    tools: list[str] = []
    endpoints: dict[str, int] = {}
    documents: set[str] = set()
    exceptions: set[str] = set()
    requests = 0
    for r in newest.values():
        tools += [t for t in r.get("ran_against", []) if t not in tools]
        cloud = r.get("cloud") or {}
        requests += cloud.get("requests", 0)
        for name, count in cloud.get("endpoints", {}).items():
            endpoints[name] = endpoints.get(name, 0) + count
        documents.update(cloud.get("documents", []))
        exceptions.update(cloud.get("exceptions", []))
    return {"ran_against": tools, "cloud": {"requests": requests, "endpoints": dict(sorted(endpoints.items())),
                                            "documents": sorted(documents), "exceptions": sorted(exceptions)}}


def control_status(proc_states: list[str], finding: bool = False) -> str:
    """Design status of a control from its procedures' design statuses.

    A procedure that passed while reproducing a recorded finding makes the
    control "exception-open": the check works, the control does not hold.
    """
    if not proc_states:
        return "uncovered"
    for bad in ("failed", "stale", "not-run"):
        if bad in proc_states:
            return bad
    if finding:
        return "exception-open"
    if all(s == "passed" for s in proc_states):
        return "verified"
    return "manual"


def compute(needs: dict[str, dict[str, Any]], results: dict[str, list[dict[str, Any]]],
            current_hashes: dict[str, set[str]] | None = None,
            manual_needs: set[str] = frozenset(),
            finding_hashes: dict[str, set[str]] | None = None,
            operating: dict[str, dict[str, Any]] | None = None,
            metamodel: dict[str, Any] | None = None) -> dict[str, Any]:
    """Everything the matrix, the figures and the exports show.

    ``operating`` (control id -> operating record, from cvplus_operating) is
    the only input to a control's operating status; sandbox ``results``
    never reach it.
    """
    current_hashes = current_hashes or {}
    operating = operating or {}
    metamodel = metamodel or _default_metamodel()
    frameworks = cvplus_data.frameworks(metamodel)
    carriers = carrier_types(metamodel)
    coverage = {t["directive"]: t.get("coverage") or {} for t in metamodel["types"]}
    carried_by: dict[str, list[str]] = {}
    for need in needs.values():
        for target in split_list(need.get("implements")):
            carried_by.setdefault(target, []).append(need["id"])
    procs = {
        nid: {**procedure_status(n, results, current_hashes, manual_needs, finding_hashes),
              **procedure_runs(n, results, current_hashes)}
        for nid, n in needs.items() if n["type"] == "procedure"
    }
    rows = []
    for nid, need in sorted(needs.items()):
        if need["type"] not in carriers:
            continue
        proc_ids = sorted(p for p in carried_by.get(nid, []) if p in procs)
        states = [procs[p]["status"] for p in proc_ids]
        finding = any(procs[p]["finding"] for p in proc_ids)
        op = operating.get(nid) or {"status": "missing", "records": []}
        rows.append({
            "id": nid,
            "type": need["type"],
            "title": need["title"],
            "owner": need.get("owner") or "",
            "frequency": need.get("frequency") or "",
            "phase": need.get("phase") or "",
            "refs": framework_refs(need, needs, frameworks),
            "procedures": [{"id": p, **procs[p]} for p in proc_ids],
            "evidence": split_list(need.get("evidenced_by")),
            "design": control_status(states, finding),
            "operating": op["status"],
            "operating_records": op["records"],
            "last_result": max((procs[p]["date"] for p in proc_ids), default=""),
            "to_confirm": need.get("status") == "to-confirm",
        })
    incoming = incoming_links(needs, metamodel)
    per_type = {}
    for type_name in sorted({n["type"] for n in needs.values()}):
        of_type = [n for n in needs.values() if n["type"] == type_name]
        linked = [n for n in of_type if is_linked(n, coverage.get(type_name, {}), incoming)]
        per_type[type_name] = {"total": len(of_type), "linked": len(linked)}
    per_framework = {}
    for fw in frameworks:
        fw_rows = [r for r in rows if r["refs"][fw]]
        counts = {state: sum(1 for r in fw_rows if r["design"] == state) for state in DESIGN_STATES}
        op_counts = {f"operating-{state}": sum(1 for r in fw_rows if r["operating"] == state)
                     for state in OPERATING_STATES}
        per_framework[fw] = {"total": len(fw_rows), **counts, **op_counts}
    proc_counts = {s: sum(1 for p in procs.values() if p["status"] == s) for s in PROCEDURE_STATES}
    return {"rows": rows, "procedures": procs, "per_type": per_type,
            "per_framework": per_framework, "procedure_counts": proc_counts}


def framework_refs(need: dict[str, Any], needs: dict[str, dict[str, Any]],
                   frameworks: dict[str, str] | None = None) -> dict[str, list[str]]:
    """Official criterion ids per framework that a control addresses
    (through its ``:addresses:`` links to requirement needs)."""
    refs: dict[str, list[str]] = {fw: [] for fw in (frameworks or cvplus_data.frameworks(_default_metamodel()))}
    for target in split_list(need.get("addresses")):
        crit = needs.get(target)
        if crit and crit.get("framework") in refs:
            refs[crit["framework"]].append(crit.get("ref") or target)
    return refs


def incoming_links(needs: dict[str, dict[str, Any]], metamodel: dict[str, Any]) -> dict[str, set[str]]:
    """Link type -> the ids some need's link of that type names."""
    return {name: {t for n in needs.values() for t in split_list(n.get(name))} for name in metamodel["links"]}


def is_linked(need: dict[str, Any], coverage: dict[str, list[str]], incoming: dict[str, set[str]]) -> bool:
    """A need is linked when the coverage link its type declares in the
    metamodel exists: one of its ``outgoing`` links names a need, or a
    need's link of an ``incoming`` type names it. A type that declares none
    is never linked."""
    if any(split_list(need.get(name)) for name in coverage.get("outgoing", [])):
        return True
    return any(need["id"] in incoming.get(name, set()) for name in coverage.get("incoming", []))


GAP_REASONS = {
    "manual": "only manual evidence: carried out by people, not proven by a test",
    "exception-open": "its check passes by reproducing an open finding: the control does not hold yet",
    "not-run": "testable, but no test result yet",
    "failed": "its latest test failed",
    "stale": "its procedure changed since the test that passed",
    "uncovered": "no procedure carries it out",
}


def gap_rows(data: dict[str, Any], needs: dict[str, Any], framework: str) -> list[dict[str, Any]]:
    """Controls with a gap, and why; shared by the page and the tests."""
    rows = []
    for r in data["rows"]:
        if r["type"] != "control" or (framework != "all" and not r["refs"][framework]):
            continue
        reasons = []
        if r["design"] in GAP_REASONS:
            reasons.append(GAP_REASONS[r["design"]])
        if r["to_confirm"]:
            reasons.append("the control itself is marked to confirm")
        unsure = [e for e in r["evidence"] if (needs.get(e) or {}).get("status") in ("to-confirm", "planned")]
        if unsure:
            reasons.append(f"evidence {', '.join(unsure)} is planned or to confirm")
        if reasons:
            rows.append({**r, "reasons": reasons})
    return rows
