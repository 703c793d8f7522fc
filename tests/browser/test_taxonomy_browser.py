"""The category tree in a browser: the up/down buttons swap the tree in place (htmx) and work without JavaScript."""

import re

import pytest

from tests.accounts import PASSWORD, make_user

pytestmark = pytest.mark.browser


def _sign_in(page, live_server, login):
    page.goto(live_server + "/en/sign-in")
    page.fill("input[name='login']", login)
    page.fill("input[name='password']", PASSWORD)
    page.click("form button[type='submit']:has-text('Sign in')")
    page.wait_for_selector(".account-link")


def _home_sections(page, live_server) -> list[str]:
    page.goto(live_server + "/en/")
    return [re.sub(r"^c-", "", section) for section in page.locator("section.category-block").evaluate_all(
        "sections => sections.map(s => s.id)")]


def test_an_admin_moves_a_category_up_in_place_and_the_home_page_follows(page, live_server, catalog):
    make_user(catalog, "adminuser", phone="+8613800000073", role="admin")
    assert _home_sections(page, live_server)[:2] == ["product-research", "keywords-listing"]
    _sign_in(page, live_server, "adminuser")
    page.goto(live_server + "/en/staff/categories")
    page.evaluate("window.notReloaded = true")
    page.click("button[aria-label='Move Keywords & listings up']")
    page.wait_for_selector("#category-tree .flash:has-text('Moved “Keywords & listings” up.')")
    assert page.evaluate("window.notReloaded") is True  # swapped in place, no page load
    assert page.locator("#category-tree tbody tr").first.inner_text().find("Keywords & listings") >= 0
    assert _home_sections(page, live_server)[:2] == ["keywords-listing", "product-research"]


def test_the_order_buttons_work_without_javascript(page_without_js, live_server, catalog):
    page = page_without_js
    make_user(catalog, "adminuser", phone="+8613800000074", role="admin")
    _sign_in(page, live_server, "adminuser")
    page.goto(live_server + "/en/staff/categories")
    page.click("button[aria-label='Move Product research down']")
    page.wait_for_selector(".flash:has-text('Moved “Product research” down.')")
    assert _home_sections(page, live_server)[:2] == ["keywords-listing", "product-research"]
