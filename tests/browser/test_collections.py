"""Collections and compare in a real browser: the add dialog, ordering, comparing; with JavaScript on and off."""

import re

import pytest

from tests.accounts import PASSWORD, make_user
from tests.browser.waiting import wait_until
from tests.test_collections import items_of, make_collection, tool_id

pytestmark = pytest.mark.browser


def _sign_in(page, live_server, next_path: str) -> None:
    page.goto(f"{live_server}/en/sign-in?next={next_path}")
    page.fill("input[name='login']", "seller1")
    page.fill("input[name='password']", PASSWORD)
    page.click("form button[type='submit']:has-text('Sign in')")
    page.wait_for_url(f"**{next_path}")


def _order_on_page(page) -> list[str]:
    return page.eval_on_selector_all("#collection-items li[data-tool-id]", "items => items.map(i => i.dataset.toolId)")


def _slugs(app, collection_id) -> list[str]:
    return [slug for slug, _, _ in items_of(app, collection_id)]


# JavaScript on -------------------------------------------------------------------------------


def test_add_a_tool_to_a_collection_from_its_page_through_the_dialog(page, live_server, catalog):
    user_id = make_user(catalog)
    picks = make_collection(catalog, user_id, "Picks", slugs=["mai-jia"])
    _sign_in(page, live_server, "/en/t/alpha-scout")
    wait_until(page, "window.htmx !== undefined")
    page.evaluate("window.__sameDocument = true")

    page.click("a.add-to-collection")
    dialog = page.locator("dialog[data-collection-dialog]")
    dialog.wait_for(state="visible")
    # collections.js makes it modal once htmx has settled it
    wait_until(page, "document.querySelector('dialog[data-collection-dialog]').matches(':modal')")
    dialog.locator("button.add-choice:has-text('Picks')").click()
    dialog.locator("text=Added Alpha Scout to “Picks”.").wait_for()
    assert _slugs(catalog, picks) == ["mai-jia", "alpha-scout"]
    dialog.locator("button:has-text('Done')").click()
    wait_until(page, "!document.querySelector('dialog[data-collection-dialog]')")

    page.click("a.add-to-collection")
    dialog = page.locator("dialog[data-collection-dialog]")
    dialog.locator("text=Already in it").wait_for()
    dialog.locator("input[name='new_name']").fill("Research")
    dialog.locator("button:has-text('Create and add')").click()
    dialog.locator("text=Added Alpha Scout to “Research”.").wait_for()
    assert page.evaluate("window.__sameDocument") is True  # all of it without leaving the page


def test_reorder_a_collection_with_the_move_buttons_and_by_drag_and_drop(page, live_server, catalog):
    user_id = make_user(catalog)
    collection_id = make_collection(catalog, user_id, "Order me", slugs=["alpha-scout", "mai-jia", "zulu-ai"])
    alpha, mai, zulu = (str(tool_id(catalog, s)) for s in ("alpha-scout", "mai-jia", "zulu-ai"))
    _sign_in(page, live_server, f"/en/collections/{collection_id}")
    wait_until(page, "window.htmx !== undefined")
    page.evaluate("window.__sameDocument = true")

    page.click(f"#item-{zulu} button[value='up']")
    wait_until(page, f"document.querySelector('#collection-items li:nth-child(2)').id === 'item-{zulu}'")
    assert _slugs(catalog, collection_id) == ["alpha-scout", "zulu-ai", "mai-jia"]

    box = page.locator(f"#item-{mai}").bounding_box()
    with page.expect_response(lambda r: r.url.endswith(f"/collections/{collection_id}/order")) as answer:
        # dropped on the lower half of the last item: after it
        page.drag_and_drop(f"#item-{alpha}", f"#item-{mai}", target_position={"x": 20, "y": box["height"] - 4})
    assert answer.value.status == 200
    page.wait_for_selector("#collection-items:not([aria-busy])")
    assert _order_on_page(page) == [zulu, mai, alpha]
    assert _slugs(catalog, collection_id) == ["zulu-ai", "mai-jia", "alpha-scout"]
    page.click(f"#item-{alpha} button[value='up']")  # the swapped-in list still works
    wait_until(page, f"document.querySelector('#collection-items li:nth-child(2)').id === 'item-{alpha}'")
    assert page.evaluate("window.__sameDocument") is True


def test_compare_three_tools_picked_on_a_list_page(page, live_server, catalog):
    page.goto(live_server + "/en/c/product-research")
    for slug in ("alpha-scout", "mai-jia", "old-tool"):
        page.check(f"input[name='t'][value='{slug}']")
    page.click("#compare-form button:has-text('Compare selected')")
    page.wait_for_url("**/en/compare?t=alpha-scout&t=mai-jia&t=old-tool")
    assert page.locator(".compare-table thead th").count() == 3


def test_compare_three_tools_picked_in_a_collection(page, live_server, catalog):
    user_id = make_user(catalog)
    collection_id = make_collection(catalog, user_id, "Shared", public=True,
                                    slugs=["zulu-ai", "delta-pay", "bravo-ads", "alpha-scout"])
    page.goto(f"{live_server}/en/collections/{collection_id}")
    for slug in ("zulu-ai", "delta-pay", "bravo-ads"):
        page.check(f"input[name='t'][value='{slug}']")
    page.click("#compare-form button:has-text('Compare selected')")
    page.wait_for_url("**/en/compare?t=zulu-ai&t=delta-pay&t=bravo-ads")
    links = page.eval_on_selector_all(".compare-table thead a.compare-name", "links => links.map(a => a.pathname)")
    assert links == ["/en/t/zulu-ai", "/en/t/delta-pay", "/en/t/bravo-ads"]


# JavaScript off ------------------------------------------------------------------------------


def test_without_javascript_add_to_a_collection_and_reorder_by_full_page_loads(page_without_js, live_server, catalog):
    page = page_without_js
    user_id = make_user(catalog)
    collection_id = make_collection(catalog, user_id, "Plain", slugs=["mai-jia"])
    _sign_in(page, live_server, "/en/t/alpha-scout")

    page.click("a.add-to-collection")
    page.wait_for_url(re.compile(r"/en/collections/add\?tool=alpha-scout&next=/en/t/alpha-scout$"))
    page.click("button.add-choice:has-text('Plain')")
    page.wait_for_url("**/en/t/alpha-scout")
    page.locator("text=Added Alpha Scout to “Plain”.").wait_for()
    assert _slugs(catalog, collection_id) == ["mai-jia", "alpha-scout"]

    page.goto(f"{live_server}/en/collections/{collection_id}")
    alpha = tool_id(catalog, "alpha-scout")
    page.click(f"#item-{alpha} button[value='up']")
    page.wait_for_url(f"**/en/collections/{collection_id}#item-{alpha}")
    page.locator("text=Moved Alpha Scout up.").wait_for()
    assert _slugs(catalog, collection_id) == ["alpha-scout", "mai-jia"]
    assert page.locator("#collection-items li").first.get_attribute("id") == f"item-{alpha}"


def test_compare_three_tools_without_javascript(page_without_js, live_server, catalog):
    page = page_without_js
    page.goto(live_server + "/en/c/product-research")
    for slug in ("alpha-scout", "mai-jia", "old-tool"):
        page.check(f"input[name='t'][value='{slug}']")
    page.click("#compare-form button:has-text('Compare selected')")
    page.wait_for_url("**/en/compare?t=alpha-scout&t=mai-jia&t=old-tool")
    assert page.locator(".compare-table thead th").count() == 3
