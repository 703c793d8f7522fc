"""Collecting in a real browser: in place with JavaScript, by full page loads without it."""

import pytest
from sqlalchemy import select

from extensions import db
from models import Tool
from tests.accounts import PASSWORD, make_user
from tests.browser.waiting import wait_until

pytestmark = pytest.mark.browser


def _sign_in(page, base):
    page.goto(base + "/en/sign-in")
    page.fill("input[name='login']", "seller1")
    page.fill("input[name='password']", PASSWORD)
    page.click("form button[type='submit']:has-text('Sign in')")
    page.wait_for_selector(".account-link")


def _favorites(app, slug):
    with app.app_context():
        return db.session.scalar(select(Tool.favorite_count).where(Tool.slug == slug))


def test_collect_and_uncollect_from_the_home_page_and_a_tool_page_in_place(page, live_server, catalog):
    make_user(catalog)
    _sign_in(page, live_server)
    page.goto(live_server + "/en/")
    page.evaluate("window.__sameDocument = true")
    button = page.locator("#tool-alpha-scout .collect-btn")
    button.click()
    page.wait_for_selector("#tool-alpha-scout .collect-btn.is-on")
    assert page.evaluate("window.__sameDocument") is True
    assert _favorites(catalog, "alpha-scout") == 1

    page.goto(live_server + "/en/t/alpha-scout")
    page.evaluate("window.__sameDocument = true")
    assert page.locator(".tool-actions .favcount").inner_text() == "1 collected"
    page.locator(".tool-actions .collect-btn").click()
    wait_until(page, "document.querySelector('.tool-actions .favcount').textContent.trim() === '0 collected'")
    # The same tool's card among "similar tools" elsewhere on the page follows too.
    assert page.locator(".tool-actions .collect-btn.is-on").count() == 0
    assert page.evaluate("window.__sameDocument") is True
    assert _favorites(catalog, "alpha-scout") == 0


def test_collect_without_javascript_by_full_page_loads(page_without_js, live_server, catalog):
    page = page_without_js
    make_user(catalog)
    _sign_in(page, live_server)
    page.goto(live_server + "/en/c/pr-amazon")
    page.locator("#tool-mai-jia .collect-btn").click()
    page.wait_for_url("**/en/c/pr-amazon#tool-mai-jia")
    assert page.locator("#tool-mai-jia .collect-btn.is-on").count() == 1
    assert "Added Seller Helper to your favorites." in page.content()
    page.goto(live_server + "/en/favorites")
    assert page.locator("article.card").count() == 1
