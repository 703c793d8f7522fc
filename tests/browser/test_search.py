"""Search in a real browser: results as you type, Enter for the full page, back, and no JavaScript."""

import pytest

from tests.browser.waiting import wait_until

pytestmark = pytest.mark.browser

CARDS = "article.search-hit"


def test_typing_shows_results_in_place_and_replaces_the_entry_enter_adds_one(page, live_server):
    page.goto(live_server + "/en/search?q=alpha")
    page.goto(live_server + "/en/search?q=scout")
    wait_until(page, "window.htmx !== undefined")
    entries = page.evaluate("history.length")
    page.evaluate("window.__sameDocument = true")
    box = page.locator("#search-page-q")
    box.fill("")
    box.type("helper", delay=30)
    wait_until(page, f"document.querySelectorAll('{CARDS}').length === 2")
    assert page.evaluate("window.__sameDocument") is True  # no reload
    wait_until(page, "location.search.includes('q=helper')")  # the URL follows: reload and a shared link work
    assert page.evaluate("history.length") == entries  # typing replaced the entry, it added none
    assert page.locator(f"{CARDS} mark").first.inner_text() == "Helper"
    assert page.input_value("#site-search-q") == "helper"  # the header box shows the same query

    box.press("Enter")  # the form submits for real: the full results page, one entry
    wait_until(page, "window.__sameDocument === undefined")
    assert "q=helper" in page.url
    assert page.locator(f"{CARDS} .card-name").all_inner_texts() == ["Seller Helper", "Full Managed Helper"]
    assert page.evaluate("history.length") == entries + 1

    page.go_back()  # to the entry the typing replaced: its results, not a stale page
    wait_until(page, "location.search.includes('q=helper')")
    wait_until(page, f"document.querySelectorAll('{CARDS}').length === 2")
    page.go_back()  # and to the search before that
    wait_until(page, "location.search.includes('q=alpha')")
    wait_until(page, f"document.querySelectorAll('{CARDS}').length === 1")
    assert page.locator(f"{CARDS} .card-name").all_inner_texts() == ["Alpha Scout"]
    assert page.input_value("#search-page-q") == page.input_value("#site-search-q") == "alpha"


def test_typing_in_the_header_box_off_the_search_page_leaves_the_address_and_history_alone(page, live_server):
    page.goto(live_server + "/en/")
    wait_until(page, "window.htmx !== undefined")
    address, entries = page.url, page.evaluate("history.length")
    page.locator("#site-search-q").type("helper", delay=30)
    wait_until(page, "document.querySelectorAll('#site-search-q-results a, #site-search-results a').length > 0")
    assert page.url == address
    assert page.evaluate("history.length") == entries
    page.press("#site-search-q", "Enter")  # Enter opens the results page
    page.wait_for_url("**/en/search?q=helper")
    assert page.evaluate("history.length") == entries + 1
    page.go_back()
    page.wait_for_url(address)
    assert page.url == address


def test_on_the_search_page_the_header_box_drives_the_results_too(page, live_server):
    page.goto(live_server + "/en/search?q=alpha")
    wait_until(page, "window.htmx !== undefined")
    header = page.locator("#site-search-q")
    header.fill("")
    header.type("helper", delay=30)
    wait_until(page, f"document.querySelectorAll('{CARDS}').length === 2")
    assert page.input_value("#search-page-q") == "helper"
    wait_until(page, "location.search.includes('q=helper')")


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
    # The two names first, then the tools of AI 助手, the category the word names.
    assert page.locator(f"{CARDS} .card-name").all_inner_texts() == [
        "Seller Helper", "Full Managed Helper", "Zulu AI", "<script>alert(1)</script>"]
    page.check("input[name='zh']")
    page.select_option("select[name='platform']", "temu")
    page.click("form.filters button[type='submit']")
    page.wait_for_url("**platform=temu*")
    assert page.locator(f"{CARDS} .card-name").all_inner_texts() == ["Full Managed Helper"]
