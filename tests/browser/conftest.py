"""A live server on 127.0.0.1 and Debian's Chromium driven by Playwright.

A missing browser fails the run: browser tests are never skipped.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
# Headless Chromium says "HeadlessChrome", which /go/ rightly treats as a bot; a
# person's browser does not, so the tests present an ordinary one.
USER_AGENT = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0 Safari/537.36"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


@pytest.fixture
def live_server(catalog):
    """The test app served over real HTTP on a free loopback port."""
    server = make_server("127.0.0.1", 0, catalog, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: apt-get install -y chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def _refuse_outside_hosts(route):
    """Tests never contact a public host: anything off loopback is aborted."""
    if route.request.url.startswith(("http://127.0.0.1", "http://localhost")):
        route.continue_()
    else:
        route.abort()


@pytest.fixture
def page(browser):
    """A page whose every flow also proves the Content-Security-Policy holds: a violation fails the test."""
    context = browser.new_context(locale="zh-CN", user_agent=USER_AGENT)
    context.route("**/*", _refuse_outside_hosts)
    page = context.new_page()
    violations = []
    page.on("console", lambda message: _keep_csp_violation(message, violations))
    yield page
    context.close()
    assert not violations, f"the page broke its Content-Security-Policy: {violations}"


def _keep_csp_violation(message, violations: list[str]) -> None:
    # Chromium reports each blocked script, style or eval as a console error naming the policy.
    if message.type == "error" and "Content Security Policy" in message.text:
        violations.append(message.text)


@pytest.fixture
def page_without_js(browser):
    context = browser.new_context(java_script_enabled=False, locale="zh-CN", user_agent=USER_AGENT)
    context.route("**/*", _refuse_outside_hosts)
    page = context.new_page()
    yield page
    context.close()


# When Chromium cancels a request for a static file (a navigation that starts before the page's
# assets finish), the development server thread drops its open file and Python reports the
# unclosed handle later, during whichever test is running. That is the threaded test server's
# behaviour, not the app's (nginx serves static files in production), so browser tests ignore
# exactly that report; every other warning still fails the run.
STATIC_HANDLE_REPORT = (
    r"ignore:Exception ignored in. <_io\.(FileIO|BufferedReader) name='[^']*/static/"
    r":pytest.PytestUnraisableExceptionWarning"
)


def pytest_collection_modifyitems(items):
    for item in items:
        if item.get_closest_marker("browser"):
            item.add_marker(pytest.mark.filterwarnings(STATIC_HANDLE_REPORT))
