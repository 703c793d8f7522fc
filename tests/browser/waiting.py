"""Waiting for a condition in the page without eval, which the site's Content-Security-Policy forbids.

Playwright's ``wait_for_function`` runs its predicate through eval inside the page, so under
``script-src 'self'`` Chromium refuses it. ``page.evaluate`` goes through the DevTools
protocol, which the policy does not govern; polling it keeps the policy on for the page.
"""

from __future__ import annotations

import time

from playwright.sync_api import Error as PlaywrightError

POLL_MS = 50


def _holds(page, expression: str) -> bool:
    try:
        return bool(page.evaluate(expression))
    except PlaywrightError as error:
        # Back to an entry htmx made reloads it from the server (the site keeps no history snapshots):
        # the page being polled goes away mid-poll, and the condition is asked again of the new one.
        if "Execution context was destroyed" in str(error):
            return False
        raise


def wait_until(page, expression: str, timeout: float = 10.0) -> None:
    """Poll the JavaScript ``expression`` until it is truthy, across a navigation; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not _holds(page, expression):
        if time.monotonic() > deadline:
            raise AssertionError(f"still false after {timeout:.0f} s: {expression}")
        page.wait_for_timeout(POLL_MS)
