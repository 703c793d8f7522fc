"""Key browsing flows in a real browser, with JavaScript on and off."""

import pytest
from sqlalchemy import select, update

from extensions import db
from models import Tool
from tests.browser.waiting import wait_until

pytestmark = pytest.mark.browser


def test_home_loads_and_the_sidebar_jumps_to_a_category(page, live_server):
    page.goto(live_server + "/")
    assert page.title().startswith("SellerNav")
    page.click("nav.sidebar a[href='#c-payments']")
    wait_until(page, "location.hash === '#c-payments'")
    heading = page.locator("#h-payments")
    wait_until(page,
        "() => { const r = document.querySelector('#h-payments').getBoundingClientRect();"
        " return r.top >= 0 && r.top < window.innerHeight; }"
    )
    assert heading.is_visible()


def test_filtering_a_category_updates_the_list_in_place_with_htmx(page, live_server):
    page.goto(live_server + "/en/c/product-research")
    wait_until(page, "window.htmx !== undefined")
    page.evaluate("window.__sameDocument = true")
    assert page.locator("article.card").count() == 3
    page.check("input[name='zh']")
    wait_until(page, "document.querySelectorAll('article.card').length === 1")
    assert page.locator("article.card .card-name").inner_text() == "Seller Helper"
    assert page.evaluate("window.__sameDocument") is True  # no full page load
    assert "zh=1" in page.url  # the URL follows, so reload and back work
    page.reload()
    assert page.locator("article.card").count() == 1
    page.go_back()
    wait_until(page, "document.querySelectorAll('article.card').length === 3")


def test_filtering_works_without_javascript(page_without_js, live_server):
    page = page_without_js
    page.goto(live_server + "/en/c/product-research")
    page.select_option("select[name='sort']", "name")
    page.check("input[name='zh']")
    page.click("form.filters button[type='submit']")
    page.wait_for_url("**/en/c/product-research?*zh=1*")
    assert page.locator("article.card .card-name").all_inner_texts() == ["Seller Helper"]


def test_opening_a_tool_and_following_its_outbound_link_counts_the_click(page, live_server, catalog):
    landing = live_server + "/robots.txt"  # a loopback page stands in for the vendor's site
    with catalog.app_context():
        db.session.execute(update(Tool).where(Tool.slug == "alpha-scout").values(url=landing))
        db.session.commit()
    catalog.extensions["page_store"].clear()
    page.goto(live_server + "/en/c/pr-amazon")
    page.click("#tool-alpha-scout a.card-link")
    page.wait_for_url("**/en/t/alpha-scout")
    assert page.locator("h1").inner_text().startswith("Alpha Scout")
    page.click("a.button:has-text('Visit website')")
    page.wait_for_url(landing)
    with catalog.app_context():
        assert db.session.scalar(select(Tool.click_count).where(Tool.slug == "alpha-scout")) == 1


def test_switching_language_keeps_the_page(page, live_server):
    page.goto(live_server + "/c/pr-amazon?sort=name")
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    page.click("a.lang-switch")
    page.wait_for_url("**/en/c/pr-amazon?sort=name")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("h1").inner_text().endswith("Amazon product research")
    page.click("a.lang-switch")
    page.wait_for_url("**/c/pr-amazon?sort=name")
    assert page.locator("html").get_attribute("lang") == "zh-CN"


@pytest.mark.parametrize("path", ["/", "/en/", "/c/product-research", "/en/t/mai-jia", "/t/nope"])
def test_a_360px_phone_has_no_horizontal_scroll(browser, live_server, path):
    context = browser.new_context(viewport={"width": 360, "height": 740}, device_scale_factor=2)
    page = context.new_page()
    page.goto(live_server + path)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    context.close()
