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
