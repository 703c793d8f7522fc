"""Clear Data in a real browser: a submitted search lands in the history, and its button clears it."""

import pytest
from sqlalchemy import func, select

from extensions import db
from models import SearchHistory
from tests.accounts import PASSWORD, make_user
from tests.browser.waiting import wait_until

pytestmark = pytest.mark.browser

COUNT = "[data-count='search_history']"


def _sign_in(page, base):
    page.goto(base + "/en/sign-in")
    page.fill("input[name='login']", "seller1")
    page.fill("input[name='password']", PASSWORD)
    page.click("form button[type='submit']:has-text('Sign in')")
    page.wait_for_selector(".account-link")


def _search_from_the_header(page, base, words):
    page.goto(base + "/en/")
    page.fill("#site-search-q", words)
    page.press("#site-search-q", "Enter")
    page.wait_for_url("**/en/search?q=*")
    page.goto(base + "/en/search/history")
    assert page.locator("#search-history li a").all_inner_texts() == [words]


def _searches(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(SearchHistory))


def test_clearing_search_history_in_place_with_javascript(page, live_server, catalog):
    make_user(catalog)
    _sign_in(page, live_server)
    _search_from_the_header(page, live_server, "helper")
    page.goto(live_server + "/en/settings/clear-data")
    wait_until(page, "window.htmx !== undefined")
    assert page.locator(COUNT).inner_text() == "1"
    page.evaluate("window.__sameDocument = true")
    page.click("button[data-clear='search_history']")
    wait_until(page, f"document.querySelector(\"{COUNT}\").textContent === '0'")
    assert page.evaluate("window.__sameDocument") is True  # the panel was swapped, not the page
    assert "Your search history is cleared." in page.locator("#clear-data").inner_text()
    assert _searches(catalog) == 0
    page.goto(live_server + "/en/search/history")
    assert page.locator("#search-history li").count() == 0
    assert "You have no search history." in page.content()


def test_clearing_search_history_without_javascript(page_without_js, live_server, catalog):
    page = page_without_js
    make_user(catalog)
    _sign_in(page, live_server)
    _search_from_the_header(page, live_server, "alpha")
    page.goto(live_server + "/en/settings/clear-data")
    assert page.locator(COUNT).inner_text() == "1"
    page.click("button[data-clear='search_history']")
    page.wait_for_url("**/en/settings/clear-data")
    assert page.locator(COUNT).inner_text() == "0"
    assert "Your search history is cleared." in page.content()
    page.goto(live_server + "/en/search/history")
    assert "You have no search history." in page.content()
