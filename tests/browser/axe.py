"""axe-core (npm, pinned in tests/browser/package.json; `npm ci` in this folder installs it) injected into a
Playwright page: the WCAG 2.1 A and AA rules."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

AXE_JS = Path(__file__).parent / "node_modules" / "axe-core" / "axe.min.js"
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def axe_available() -> None:
    """Skip (fail in CI) when axe-core is not installed."""
    if not AXE_JS.exists():
        message = "axe-core is not installed: run `npm ci` in tests/browser"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


def axe_violations(page: Any) -> list[dict[str, Any]]:
    """The page's WCAG 2.1 A/AA violations as axe reports them (id, impact, help, the offending nodes)."""
    # Evaluated through the DevTools protocol, not as a <script> tag: the site's Content-Security-Policy
    # (script-src 'self') rightly refuses inline scripts, and the test must not weaken it.
    page.evaluate(AXE_JS.read_text(encoding="utf-8"))
    result = page.evaluate(
        "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
        WCAG_21_AA,
    )
    return [
        {"id": violation["id"], "impact": violation["impact"], "help": violation["help"],
         "nodes": [node["target"] for node in violation["nodes"]][:5]}
        for violation in result["violations"]
    ]


# A phone and a desktop: the sizes every page check runs at.
PHONE_AND_DESKTOP = [(360, 740), (1280, 900)]


def sideways_overflow(page: Any) -> int:
    """How many pixels the page scrolls sideways (0 or less: it fits)."""
    return page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")


def assert_pages_accessible(browser: Any, base_url: str, paths: list[str], *, open_details: bool = False) -> None:
    """At a phone's and a desktop's size, every page fits without scrolling sideways and axe-core finds no WCAG
    2.1 A/AA violation; with `open_details`, after opening every `<details>` so the tables inside are checked
    too."""
    axe_available()
    for width, height in PHONE_AND_DESKTOP:
        # bypass_csp lets the test inject axe-core; the pages' own Content-Security-Policy is unchanged
        context = browser.new_context(locale="ru-RU", viewport={"width": width, "height": height}, bypass_csp=True)
        page = context.new_page()
        try:
            for path in paths:
                page.goto(base_url + path)
                if open_details:
                    for summary in page.locator("details > summary").all():
                        summary.click()
                overflow = sideways_overflow(page)
                assert overflow <= 0, f"{path} at {width}px scrolls sideways by {overflow}px"
                violations = axe_violations(page)
                assert violations == [], f"{path} at {width}px: {violations}"
        finally:
            context.close()
