"""Search in a real browser: results as you type, Enter for the full page, back, and no JavaScript."""

import pytest

from tests.browser.waiting import wait_until

pytestmark = pytest.mark.browser

CARDS = "article.search-hit"


def test_typing_shows_results_in_place_enter_opens_the_page_and_back_restores(page, live_server):
    page.goto(live_server + "/en/search?q=alpha")
    wait_until(page, "window.htmx !== undefined")
    assert page.locator(f"{CARDS} .card-name").all_inner_texts() == ["Alpha Scout"]
    page.evaluate("window.__sameDocument = true")
    box = page.locator("#search-page-q")
    box.fill("")
    box.type("helper", delay=30)
    wait_until(page, f"document.querySelectorAll('{CARDS}').length === 2")
    assert page.evaluate("window.__sameDocument") is True  # no reload
    wait_until(page, "location.search.includes('q=helper')")  # the URL follows: reload and back work
    assert page.locator(f"{CARDS} mark").first.inner_text() == "Helper"

    box.press("Enter")  # the form submits for real: the full results page
    wait_until(page, "window.__sameDocument === undefined")
    assert "q=helper" in page.url
    assert page.locator(f"{CARDS} .card-name").all_inner_texts() == ["Seller Helper", "Full Managed Helper"]

    page.go_back()  # to the results typed before Enter
    wait_until(page, "location.search.includes('q=helper')")
    wait_until(page, f"document.querySelectorAll('{CARDS}').length === 2")
    page.go_back()  # and to the search before that
    wait_until(page, "location.search.includes('q=alpha')")
    wait_until(page, f"document.querySelectorAll('{CARDS}').length === 1")
    assert page.locator(f"{CARDS} .card-name").all_inner_texts() == ["Alpha Scout"]


def test_arrow_keys_move_through_the_results(page, live_server):
    page.goto(live_server + "/en/search?q=helper")
    wait_until(page, "window.htmx !== undefined")
    page.focus("#search-page-q")
    page.keyboard.press("ArrowDown")
    assert page.evaluate("document.activeElement.closest('article').id") == "tool-mai-jia"
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    assert page.evaluate("document.activeElement.closest('article').id") == "tool-temu-full-helper"
    page.keyboard.press("ArrowUp")
    page.keyboard.press("ArrowUp")
    assert page.evaluate("document.activeElement.id") == "search-page-q"


def test_the_same_search_works_without_javascript(page_without_js, live_server):
    page = page_without_js
    page.goto(live_server + "/en/search")
    page.fill("#search-page-q", "助手")
    page.press("#search-page-q", "Enter")
    page.wait_for_url("**/en/search?q=*")
    assert page.locator(f"{CARDS} .card-name").all_inner_texts() == ["Seller Helper", "Full Managed Helper"]
    page.check("input[name='zh']")
    page.select_option("select[name='platform']", "temu")
    page.click("form.filters button[type='submit']")
    page.wait_for_url("**platform=temu*")
    assert page.locator(f"{CARDS} .card-name").all_inner_texts() == ["Full Managed Helper"]
