"""Keyboard: every kind of interactive element of a page (search, sidebar
switches, tabs, copy buttons, need-detail toggles, scrolling code blocks)
is reached with Tab and shows where the focus is (an outline or a shadow,
computed on :focus-visible). Runs in headless Chromium with the network off,
through the DevTools protocol (cdp.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from a11y import READY
from cdp import Browser

pytestmark = pytest.mark.slow
PAGE = "deployment/master-deployment-guide.html"
KINDS = {
    "search box": "input.sidebar-search",
    "sidebar switch": ".sidebar-tree .toctree-checkbox",
    # tabs are a radio group: Tab reaches the chosen one, arrows the others
    "tab": ".sd-tab-set > input:checked",
    "copy button": "div.highlight button.copybtn",
    "need details toggle": "table.need span.needs_collapse",
    "code block": "div.highlight pre",
    "theme toggle": ".theme-toggle-content button.theme-toggle",
}

# Where the focus shows: the element, or for an input hidden under its
# label (tabs, sidebar switches) the label it drives.
FOCUS_STATE = """(() => {
  const el = document.activeElement;
  const hidden = e => parseFloat(getComputedStyle(e).opacity) === 0;
  let shown = el;
  if (el && el.tagName === 'INPUT' && hidden(el)) {
    shown = (el.id && document.querySelector(`label[for="${el.id}"]`)) || el.nextElementSibling || el;
  }
  const s = shown ? getComputedStyle(shown) : null;
  const outline = s && s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 1;
  const shadow = s && s.boxShadow && s.boxShadow !== 'none';
  return {tag: el ? el.tagName : null, cls: el ? String(el.className) : '',
          html: el ? el.outerHTML.slice(0, 160) : '', focusVisible: !!el && el.matches(':focus-visible'),
          indicator: !!(outline || shadow), opacity: s ? parseFloat(s.opacity) : 0,
          outline: s ? `${s.outlineStyle} ${s.outlineWidth}` : '', shadow: s ? s.boxShadow : ''};
})()"""


def _mark(browser: Browser, selector: str, nth: int) -> bool:
    """Focus the nth visible match of selector by script; False if there is none."""
    return browser.eval(f"""(() => {{
      const all = [...document.querySelectorAll({json.dumps(selector)})].filter(e => e.getClientRects().length);
      const el = all[{nth}];
      if (!el) return false;
      document.querySelectorAll('[data-kbd-target]').forEach(e => e.removeAttribute('data-kbd-target'));
      el.setAttribute('data-kbd-target', '1');
      el.focus();
      return document.activeElement === el;
    }})()""")


def keyboard_problems(url: str, workdir: Path, kinds: dict[str, str] = KINDS, first_stops: int = 25) -> list[str]:
    problems = []
    with Browser(workdir, timeout=300) as browser:
        browser.goto(url, ready=READY + " && !!document.querySelector('button.copybtn')")
        # the first stops of the page, by Tab alone
        for stop in range(first_stops):
            browser.press_tab()
            state = browser.eval(FOCUS_STATE)
            if state["tag"] in (None, "BODY"):
                problems.append(f"Tab stop {stop + 1}: the focus left the page")
            elif not (state["focusVisible"] and state["indicator"]):
                problems.append(f"Tab stop {stop + 1}: no visible focus on {state['html']} "
                                f"(outline {state['outline']}, shadow {state['shadow']})")
        # each kind of control: reached from its neighbour with Tab, and visibly focused
        for kind, selector in kinds.items():
            for nth in range(2):
                if not _mark(browser, selector, nth):
                    if nth == 0:
                        problems.append(f"{kind}: none on the page, or it cannot take the focus ({selector})")
                    break
                browser.press_tab(shift=True)
                browser.press_tab()
                browser.eval("new Promise(r => setTimeout(r, 500))", await_promise=True)  # CSS transitions
                state = browser.eval(FOCUS_STATE)
                arrived = browser.eval("document.activeElement && document.activeElement.hasAttribute('data-kbd-target')")
                if not arrived:
                    problems.append(f"{kind} #{nth + 1}: Tab does not reach it ({selector}); focus on {state['html']}")
                elif not (state["focusVisible"] and state["indicator"] and state["opacity"] > 0):
                    problems.append(f"{kind} #{nth + 1}: focused but not visibly: {state['html']} "
                                    f"(outline {state['outline']}, shadow {state['shadow']}, opacity {state['opacity']})")
        # the arrow keys move between the tabs of a set
        if _mark(browser, ".sd-tab-set > input:checked", 0):
            first = browser.eval("document.activeElement.id")
            browser.page("Input.dispatchKeyEvent", type="rawKeyDown", key="ArrowRight", code="ArrowRight",
                         windowsVirtualKeyCode=39)
            browser.page("Input.dispatchKeyEvent", type="keyUp", key="ArrowRight", code="ArrowRight",
                         windowsVirtualKeyCode=39)
            state = browser.eval(FOCUS_STATE)
            now = browser.eval("document.activeElement.id + ' ' + document.activeElement.checked")
            if now.split()[0] == first or not now.endswith("true") or not state["indicator"]:
                problems.append(f"tab: the right arrow does not move to the next tab visibly ({first} -> {now})")
        # a need-details toggle works from the keyboard
        if _mark(browser, "table.need span.needs_collapse", 0):
            before = browser.eval("document.activeElement.getAttribute('aria-expanded')")
            browser.page("Input.dispatchKeyEvent", type="keyDown", key="Enter", code="Enter",
                         windowsVirtualKeyCode=13, text="\r")
            browser.page("Input.dispatchKeyEvent", type="keyUp", key="Enter", code="Enter", windowsVirtualKeyCode=13)
            browser.eval("new Promise(r => setTimeout(r, 50))", await_promise=True)
            after = browser.eval("document.activeElement.getAttribute('aria-expanded')")
            if before is None or before == after:
                problems.append(f"need details toggle: Enter does not toggle it (aria-expanded {before} -> {after})")
    return problems


def test_every_kind_of_control_is_reached_and_visibly_focused(built, tmp_path: Path) -> None:
    problems = keyboard_problems((built.outdir / PAGE).as_uri(), tmp_path)
    assert not problems, "\n".join(problems)


def test_a_control_without_a_focus_indicator_is_caught(built, tmp_path: Path) -> None:
    """The same check on a page whose stylesheet takes every outline away."""
    page = built.outdir / PAGE
    broken = page.with_name("kbd-fault.html")
    style = "<style>*:focus, *:focus-visible { outline: none !important; box-shadow: none !important; }</style>"
    broken.write_text(page.read_text(encoding="utf-8").replace("</head>", style + "</head>"), encoding="utf-8")
    try:
        problems = keyboard_problems(broken.as_uri(), tmp_path, kinds={"copy button": KINDS["copy button"]},
                                     first_stops=3)
    finally:
        broken.unlink()
    assert any("no visible focus" in p for p in problems), problems
    assert any("copy button #1: focused but not visibly" in p for p in problems), problems
