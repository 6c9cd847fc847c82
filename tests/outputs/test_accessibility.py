"""WCAG 2.2 AA on every page of the built manual, checked by axe-core in
headless Chromium with the network off (a11y.py, cdp.py).

Any violation, of any impact, fails with the page, the rule and the element.
axe's needs-review results may not grow beyond axe-needs-review.json. Pages
run in a few batches, one browser per batch, so two workers share them.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

import a11y
from cdp import Browser

pytestmark = pytest.mark.slow
BATCHES = 4


def _audit_pages(outdir: Path, pages: list[str], workdir: Path) -> dict[str, dict]:
    config = a11y.load_config()
    results = {}
    with Browser(workdir, timeout=900) as browser:
        for page in pages:
            results[page] = a11y.audit(browser, (outdir / page).as_uri(), config)
    return results


@pytest.mark.parametrize("index", range(BATCHES))
def test_every_page_meets_wcag_aa(built, index: int, tmp_path: Path) -> None:
    pages = a11y.batch(a11y.site_pages(built.outdir), index, BATCHES)
    assert pages, "no pages in this batch: is the build empty?"
    results = _audit_pages(built.outdir, pages, tmp_path)
    baseline = a11y.load_review_baseline()
    problems = []
    for page, result in results.items():
        assert result["rules_run"] > 20, f"{page}: axe ran {result['rules_run']} rules only"
        problems += [a11y.describe(page, f) for f in result["violations"]]
        problems += a11y.review_growth(page, a11y.review_counts(page, result["incomplete"]), baseline)
    assert not problems, f"{len(problems)} accessibility problem(s):\n" + "\n".join(problems)


def test_every_page_is_in_a_batch(built) -> None:
    pages = a11y.site_pages(built.outdir)
    batched = [p for i in range(BATCHES) for p in a11y.batch(pages, i, BATCHES)]
    assert sorted(batched) == pages and len(pages) > 30
    assert "index.html" in pages and "search.html" in pages and "genindex.html" in pages


def test_config_runs_every_wcag_a_and_aa_rule() -> None:
    config = a11y.load_config()
    assert config["runOnly"] == {"type": "tag", "values": a11y.REQUIRED_TAGS}
    assert set(config) <= {"runOnly", "resultTypes"}, "a rule is disabled or a part of the page excluded"
    assert a11y.REQUIRED_TAGS == ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


@pytest.mark.parametrize("change", [
    {"rules": {"color-contrast": {"enabled": False}}},
    {"exclude": [["table.need"]]},
    {"runOnly": {"type": "tag", "values": ["wcag2a"]}},
    {"runOnly": {"type": "rule", "values": ["image-alt"]}},
])
def test_config_that_switches_checks_off_is_refused(change: dict, tmp_path: Path) -> None:
    config = {**json.loads(a11y.CONFIG.read_text()), **change}
    path = tmp_path / "axe.json"
    path.write_text(json.dumps(config))
    with pytest.raises(a11y.ConfigError, match=str(path)):
        a11y.load_config(path)


def test_review_baseline_names_real_pages(built) -> None:
    pages = set(a11y.site_pages(built.outdir))
    baseline = a11y.load_review_baseline()
    assert set(baseline) <= pages, set(baseline) - pages


def test_review_growth_is_reported() -> None:
    grown = a11y.review_growth("x.html", {"color-contrast": 3}, {"x.html": {"color-contrast": 2}})
    assert grown and "x.html: color-contrast: 3" in grown[0]
    assert not a11y.review_growth("x.html", {"color-contrast": 2}, {"x.html": {"color-contrast": 2}})


def test_an_image_without_alt_text_fails_naming_page_rule_and_element(built, tmp_path: Path) -> None:
    site = tmp_path / "site"
    shutil.copytree(built.outdir, site, ignore=shutil.ignore_patterns("_sources", ".doctrees", "*.json"))
    page = site / "deployment" / "faulty.html"
    original = (site / "deployment" / "index.html").read_text(encoding="utf-8")
    marker = '<article role="main"'
    assert marker in original, "the page layout changed: update this fault test"
    head, tail = original.split(marker, 1)
    close = tail.index(">") + 1
    page.write_text(head + marker + tail[:close] + '<img src="../_static/file.png" class="fault-no-alt">'
                    + tail[close:], encoding="utf-8")
    results = _audit_pages(site, ["deployment/faulty.html"], tmp_path / "run")
    messages = [a11y.describe("deployment/faulty.html", f) for f in results["deployment/faulty.html"]["violations"]]
    hits = [m for m in messages if "image-alt" in m]
    assert hits, messages
    assert hits[0].startswith("deployment/faulty.html: image-alt (critical) at ")
    assert "fault-no-alt" in hits[0]
