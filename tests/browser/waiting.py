"""Waiting for a condition in the page without eval, which the site's Content-Security-Policy forbids.

Playwright's ``wait_for_function`` runs its predicate through eval inside the page, so under
``script-src 'self'`` Chromium refuses it. ``page.evaluate`` goes through the DevTools
protocol, which the policy does not govern; polling it keeps the policy on for the page.
"""

from __future__ import annotations

import time

POLL_MS = 50


def wait_until(page, expression: str, timeout: float = 10.0) -> None:
    """Poll the JavaScript ``expression`` until it is truthy; fail after ``timeout`` seconds saying which."""
    deadline = time.monotonic() + timeout
    while not page.evaluate(expression):
        if time.monotonic() > deadline:
            raise AssertionError(f"still false after {timeout:.0f} s: {expression}")
        page.wait_for_timeout(POLL_MS)
