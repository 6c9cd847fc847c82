"""axe-core (WCAG 2.0/2.1/2.2 A and AA) on pages of the built manual.

axe-core is pinned in package.json/package-lock.json and read from
node_modules on disk; it runs inside the headless Chromium of cdp.py, with
the network off. The configuration (tests/outputs/axe.json) names tags only:
no rule is switched off and no part of a page is left out, and
``load_config`` refuses a file that tries. axe's "needs review" results are
kept in tests/outputs/axe-needs-review.json; ``python tests/outputs/a11y.py
BUILT_HTML [INDEX COUNT]`` prints what that file should hold for a build.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
import os
AXE_JS = Path(os.environ.get("CVPLUS_AXE_JS", ROOT / "node_modules" / "axe-core" / "axe.min.js"))
CONFIG = HERE / "axe.json"
REVIEW_BASELINE = HERE / "axe-needs-review.json"
REQUIRED_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
NOT_PAGES = ("_static/", "_sources/", "_images/", "_downloads/", "mermaid/")

# a page is ready once its diagrams are drawn (Mermaid renders after load)
READY = ("document.readyState === 'complete' && "
         "!document.querySelector('pre.mermaid:not([data-processed])')")


class ConfigError(ValueError):
    pass


def load_config(path: Path = CONFIG) -> dict:
    """The axe options, refused if they disable, exclude or narrow anything."""
    try:
        config = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{path}:{exc.lineno}: not JSON: {exc.msg}") from None
    allowed = {"runOnly", "resultTypes"}
    extra = set(config) - allowed
    if extra:
        raise ConfigError(f"{path}: only {sorted(allowed)} may be set; found {sorted(extra)} "
                          "(rules, exclude or context would switch checks off)")
    run_only = config.get("runOnly")
    if not isinstance(run_only, dict) or run_only.get("type") != "tag":
        raise ConfigError(f"{path}: runOnly must select by tag")
    if run_only.get("values") != REQUIRED_TAGS:
        raise ConfigError(f"{path}: runOnly.values must be exactly {REQUIRED_TAGS}, found {run_only.get('values')}")
    return config


def site_pages(outdir: Path) -> list[str]:
    """Every HTML page of a build, relative to its root, in a stable order."""
    pages = []
    for path in sorted(outdir.rglob("*.html")):
        rel = path.relative_to(outdir).as_posix()
        if not rel.startswith(NOT_PAGES):
            pages.append(rel)
    return pages


def batch(pages: list[str], index: int, count: int) -> list[str]:
    return pages[index::count]


def inject(browser) -> None:
    if not AXE_JS.is_file():
        raise FileNotFoundError(f"{AXE_JS} is missing: run scripts/setup.sh test (npm ci)")
    browser.eval(AXE_JS.read_text(encoding="utf-8"))


def audit(browser, url: str, config: dict) -> dict:
    """axe's violations and needs-review results for one page, as plain findings."""
    browser.goto(url, ready=READY)
    inject(browser)
    result = browser.eval(f"axe.run(document, {json.dumps(config)}).then(r => JSON.stringify("
                          "{violations: r.violations, incomplete: r.incomplete, "
                          "rules: r.passes.length + r.violations.length + r.incomplete.length + r.inapplicable.length}))",
                          await_promise=True)
    data = json.loads(result)
    return {"rules_run": data["rules"],
            "violations": _findings(data["violations"]),
            "incomplete": _findings(data["incomplete"])}


def _findings(results: list[dict]) -> list[dict]:
    found = []
    for rule in results:
        for node in rule["nodes"]:
            found.append({"rule": rule["id"], "impact": node.get("impact") or rule.get("impact"),
                          "target": " ".join(str(t) for t in node["target"]),
                          "html": node["html"][:200],
                          "why": (node.get("failureSummary") or "").replace("\n", " ")[:300]})
    return found


def describe(page: str, finding: dict) -> str:
    return (f"{page}: {finding['rule']} ({finding['impact']}) at {finding['target']}: "
            f"{finding['html']} -- {finding['why']}")


def review_counts(page: str, incomplete: list[dict]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for finding in incomplete:
        counts[finding["rule"]] = counts.get(finding["rule"], 0) + 1
    return counts


def load_review_baseline(path: Path = REVIEW_BASELINE) -> dict[str, dict[str, int]]:
    return json.loads(path.read_text(encoding="utf-8"))["pages"]


def review_growth(page: str, counts: dict[str, int], baseline: dict[str, dict[str, int]]) -> list[str]:
    """Needs-review results beyond what the baseline lists for the page."""
    allowed = baseline.get(page, {})
    return [f"{page}: {rule}: {n} needs-review result(s), baseline {allowed.get(rule, 0)} "
            f"(look at them; if they are fine, raise the count in {REVIEW_BASELINE.name})"
            for rule, n in sorted(counts.items()) if n > allowed.get(rule, 0)]


def main(argv: list[str]) -> int:
    """Audit a build (or batch INDEX of COUNT) and print violations, per-rule
    counts and a needs-review baseline."""
    sys.path.insert(0, str(HERE))
    from cdp import Browser

    outdir = Path(argv[0]).resolve()
    index, count = (int(argv[1]), int(argv[2])) if len(argv) == 3 else (0, 1)
    config = load_config()
    by_rule: dict[str, int] = {}
    pages_review: dict[str, dict[str, int]] = {}
    with Browser(Path("/tmp") / f"cvplus-axe-{outdir.name}-{index}", timeout=900) as browser:
        for page in batch(site_pages(outdir), index, count):
            result = audit(browser, (outdir / page).as_uri(), config)
            print(f"audited {page}: {len(result['violations'])} violation(s), "
                  f"{len(result['incomplete'])} to review", file=sys.stderr)
            for finding in result["violations"]:
                by_rule[finding["rule"]] = by_rule.get(finding["rule"], 0) + 1
                print(describe(page, finding), file=sys.stderr)
            counts = review_counts(page, result["incomplete"])
            if counts:
                pages_review[page] = counts
    print(json.dumps({"violations_by_rule": by_rule}, indent=1), file=sys.stderr)
    print(json.dumps({"about": json.loads(REVIEW_BASELINE.read_text())["about"] if REVIEW_BASELINE.is_file() else "",
                      "pages": pages_review}, indent=1, sort_keys=True))
    return 1 if by_rule else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
