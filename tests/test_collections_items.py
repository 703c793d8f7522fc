"""Tools in a collection: add (once, last), remove, note, move, reorder; htmx and plain answers."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import select, update

from extensions import db
from models import Collection, CollectionItem, Tool
from services import collections
from tests.test_collections import Browser, collection_row, items_of, make_collection, tool_id


@pytest.fixture
def owner(catalog):
    return Browser(catalog)


def _positions_are_dense(app, collection_id: int) -> bool:
    positions = [position for _, position, _ in items_of(app, collection_id)]
    return positions == list(range(len(positions)))


# Adding ---------------------------------------------------------------------------------------


def test_the_add_page_lists_my_collections_and_marks_where_the_tool_already_is(owner, catalog):
    make_collection(catalog, owner.user_id, "Has it", slugs=["alpha-scout"])
    make_collection(catalog, owner.user_id, "Empty one")
    page = owner.get("/en/collections/add?tool=alpha-scout&next=/en/c/ads")
    assert page.status_code == 200 and "<html" in page.text
    assert "Has it" in page.text and "Empty one" in page.text and "Already in it" in page.text
    assert 'name="next" value="/en/c/ads"' in page.text
    assert "no-store" in page.headers["Cache-Control"]
    assert "HX-Request" in page.headers["Vary"]


def test_the_add_dialog_is_a_fragment_for_htmx(owner, catalog):
    make_collection(catalog, owner.user_id, "Picks")
    fragment = owner.get("/en/collections/add?tool=alpha-scout", htmx=True)
    assert fragment.status_code == 200
    assert "<html" not in fragment.text
    assert fragment.text.lstrip().startswith("<dialog") and "Picks" in fragment.text
    assert "HX-Request" in fragment.headers["Vary"]


def test_the_add_page_refuses_an_unknown_or_hidden_tool(owner, catalog):
    assert owner.get("/en/collections/add?tool=nope").status_code == 404
    with catalog.app_context():
        db.session.execute(update(Tool).where(Tool.slug == "zulu-ai").values(status="hidden"))
        db.session.commit()
    assert owner.get("/en/collections/add?tool=zulu-ai").status_code == 404


def test_adding_a_tool_puts_it_last_and_goes_back(owner, catalog):
    collection_id = make_collection(catalog, owner.user_id, slugs=["alpha-scout"])
    response = owner.post("/en/collections/add",
                          {"tool": "mai-jia", "collection": str(collection_id), "next": "/en/c/pr-amazon"})
    assert response.status_code == 303
    assert response.headers["Location"] == "/en/c/pr-amazon"
    assert items_of(catalog, collection_id) == [("alpha-scout", 0, ""), ("mai-jia", 1, "")]
    assert "Added Seller Helper to “Amazon picks”." in owner.get("/en/collections").text


def test_adding_twice_does_not_duplicate(owner, catalog):
    collection_id = make_collection(catalog, owner.user_id)
    for _ in range(2):
        response = owner.post("/en/collections/add", {"tool": "alpha-scout", "collection": str(collection_id)})
        assert response.status_code == 303
    assert items_of(catalog, collection_id) == [("alpha-scout", 0, "")]
    assert "Alpha Scout is already in “Amazon picks”." in owner.get("/en/collections").text


def test_an_off_site_next_is_never_followed(owner, catalog):
    collection_id = make_collection(catalog, owner.user_id)
    response = owner.post("/en/collections/add", {"tool": "alpha-scout", "collection": str(collection_id),
                                                  "next": "https://evil.example/"})
    assert response.headers["Location"] == "/en/t/alpha-scout"


def test_adding_with_htmx_answers_the_confirmation_fragment(owner, catalog):
    collection_id = make_collection(catalog, owner.user_id)
    response = owner.post("/en/collections/add", {"tool": "zulu-ai", "collection": str(collection_id)}, htmx=True)
    assert response.status_code == 200
    assert "<html" not in response.text
    assert "Added Zulu AI to “Amazon picks”." in response.text
    assert "HX-Request" in response.headers["Vary"]
    assert items_of(catalog, collection_id) == [("zulu-ai", 0, "")]


def test_adding_to_a_new_collection_creates_it(owner, catalog):
    response = owner.post("/en/collections/add", {"tool": "delta-pay", "new_name": "Payments"})
    assert response.status_code == 303
    with catalog.app_context():
        collection = db.session.scalar(select(Collection).where(Collection.user_id == owner.user_id))
        assert (collection.name, collection.is_public) == ("Payments", False)
    assert items_of(catalog, collection.id) == [("delta-pay", 0, "")]


@pytest.mark.parametrize("htmx", [False, True])
def test_an_invalid_new_collection_name_is_422_with_what_was_typed(owner, catalog, htmx):
    response = owner.post("/en/collections/add", {"tool": "delta-pay", "new_name": "p" * 81}, htmx=htmx)
    assert response.status_code == 422
    assert "Use at most 80 characters." in response.text
    assert "p" * 81 in response.text
    assert ("<html" in response.text) is not htmx
    with catalog.app_context():
        assert db.session.scalar(select(Collection.id)) is None


def test_a_full_collection_refuses_more_tools(owner, catalog, monkeypatch):
    monkeypatch.setattr(collections, "MAX_ITEMS_PER_COLLECTION", 1)
    collection_id = make_collection(catalog, owner.user_id, slugs=["alpha-scout"])
    response = owner.post("/en/collections/add", {"tool": "zulu-ai", "collection": str(collection_id)})
    assert response.status_code == 422
    assert "is full" in response.text
    assert items_of(catalog, collection_id) == [("alpha-scout", 0, "")]


# Removing, notes, moving --------------------------------------------------------------------------


def test_removing_a_tool_closes_the_gap(owner, catalog):
    collection_id = make_collection(catalog, owner.user_id, slugs=["alpha-scout", "mai-jia", "zulu-ai"])
    response = owner.post(f"/en/collections/{collection_id}/items/{tool_id(catalog, 'mai-jia')}/remove",
                          {"next": f"/en/collections/{collection_id}"})
    assert response.status_code == 303
    assert response.headers["Location"] == f"/en/collections/{collection_id}"
    assert items_of(catalog, collection_id) == [("alpha-scout", 0, ""), ("zulu-ai", 1, "")]


def test_removing_with_htmx_answers_the_new_list(owner, catalog):
    collection_id = make_collection(catalog, owner.user_id, slugs=["alpha-scout", "mai-jia"])
    response = owner.post(f"/en/collections/{collection_id}/items/{tool_id(catalog, 'alpha-scout')}/remove",
                          htmx=True)
    assert response.status_code == 200
    assert "<html" not in response.text and 'id="collection-items"' in response.text
    assert "Removed Alpha Scout from this collection." in response.text
    assert "HX-Request" in response.headers["Vary"] and "no-store" in response.headers["Cache-Control"]
    assert items_of(catalog, collection_id) == [("mai-jia", 0, "")]


def test_a_note_is_saved_and_shown(owner, catalog):
    collection_id = make_collection(catalog, owner.user_id, public=True, slugs=["alpha-scout"])
    alpha = tool_id(catalog, "alpha-scout")
    response = owner.post(f"/en/collections/{collection_id}/items/{alpha}/note",
                          {"note": "  Best for <b>US</b>\nsecond line ", "next": f"/en/collections/{collection_id}"})
    assert response.status_code == 303
    assert items_of(catalog, collection_id) == [("alpha-scout", 0, "Best for <b>US</b>\nsecond line")]
    visitor_view = catalog.test_client().get(f"/en/collections/{collection_id}").text
    assert "Best for &lt;b&gt;US&lt;/b&gt;\nsecond line" in visitor_view


@pytest.mark.parametrize("htmx", [False, True])
def test_a_too_long_note_is_422_and_keeps_the_text(owner, catalog, htmx):
    collection_id = make_collection(catalog, owner.user_id, slugs=["alpha-scout"])
    alpha = tool_id(catalog, "alpha-scout")
    response = owner.post(f"/en/collections/{collection_id}/items/{alpha}/note", {"note": "n" * 501}, htmx=htmx)
    assert response.status_code == 422
    assert "Use at most 500 characters." in response.text and "n" * 501 in response.text
    assert ("<html" in response.text) is not htmx
    assert items_of(catalog, collection_id) == [("alpha-scout", 0, "")]


def test_a_note_on_a_tool_not_in_the_collection_is_404(owner, catalog):
    collection_id = make_collection(catalog, owner.user_id, slugs=["alpha-scout"])
    response = owner.post(f"/en/collections/{collection_id}/items/{tool_id(catalog, 'zulu-ai')}/note", {"note": "x"})
    assert response.status_code == 404


def test_move_up_and_down(owner, catalog):
    collection_id = make_collection(catalog, owner.user_id, slugs=["alpha-scout", "mai-jia", "zulu-ai"])
    zulu = tool_id(catalog, "zulu-ai")
    move = f"/en/collections/{collection_id}/items/{zulu}/move"
    response = owner.post(move, {"direction": "up", "next": f"/en/collections/{collection_id}#item-{zulu}"})
    assert response.status_code == 303
    assert response.headers["Location"] == f"/en/collections/{collection_id}#item-{zulu}"
    assert [slug for slug, _, _ in items_of(catalog, collection_id)] == ["alpha-scout", "zulu-ai", "mai-jia"]
    owner.post(move, {"direction": "up"})
    owner.post(move, {"direction": "up"})  # already first: nothing moves
    assert [slug for slug, _, _ in items_of(catalog, collection_id)] == ["zulu-ai", "alpha-scout", "mai-jia"]
    response = owner.post(move, {"direction": "down"}, htmx=True)
    assert response.status_code == 200 and "<html" not in response.text and "Moved Zulu AI down." in response.text
    assert [slug for slug, _, _ in items_of(catalog, collection_id)] == ["alpha-scout", "zulu-ai", "mai-jia"]
    assert _positions_are_dense(catalog, collection_id)
    assert owner.post(move, {"direction": "sideways"}).status_code == 400


# Reordering -------------------------------------------------------------------------------------


def test_reorder_saves_exactly_the_posted_order(owner, catalog):
    collection_id = make_collection(catalog, owner.user_id, slugs=["alpha-scout", "mai-jia", "zulu-ai"])
    ids = {slug: tool_id(catalog, slug) for slug in ("alpha-scout", "mai-jia", "zulu-ai")}
    order = [ids["zulu-ai"], ids["alpha-scout"], ids["mai-jia"]]
    response = owner.post(f"/en/collections/{collection_id}/order", {"order": [str(i) for i in order]}, htmx=True)
    assert response.status_code == 200
    assert "<html" not in response.text and "New order saved." in response.text
    assert items_of(catalog, collection_id) == [("zulu-ai", 0, ""), ("alpha-scout", 1, ""), ("mai-jia", 2, "")]
    plain = owner.post(f"/en/collections/{collection_id}/order",
                       {"order": f"{ids['mai-jia']},{ids['zulu-ai']},{ids['alpha-scout']}"})
    assert plain.status_code == 303
    assert [slug for slug, _, _ in items_of(catalog, collection_id)] == ["mai-jia", "zulu-ai", "alpha-scout"]


@pytest.mark.parametrize("bad", ["missing", "duplicate", "foreign", "junk", "extra", "empty"])
def test_an_order_that_is_not_exactly_the_collections_tools_changes_nothing(owner, catalog, bad):
    collection_id = make_collection(catalog, owner.user_id, slugs=["alpha-scout", "mai-jia"])
    alpha, mai, zulu = (tool_id(catalog, slug) for slug in ("alpha-scout", "mai-jia", "zulu-ai"))
    order = {"missing": [mai], "duplicate": [mai, mai], "foreign": [mai, zulu], "junk": ["x", "y"],
             "extra": [mai, alpha, zulu], "empty": []}[bad]
    before = items_of(catalog, collection_id)
    htmx = owner.post(f"/en/collections/{collection_id}/order", {"order": [str(i) for i in order]}, htmx=True)
    assert htmx.status_code == 422
    assert "does not match the tools in this collection" in htmx.text and "<html" not in htmx.text
    plain = owner.post(f"/en/collections/{collection_id}/order", {"order": [str(i) for i in order]})
    assert plain.status_code == 400 and "does not match" in plain.text
    assert items_of(catalog, collection_id) == before


def test_tools_hidden_from_the_catalog_are_not_shown_and_keep_their_place_last(owner, catalog):
    collection_id = make_collection(catalog, owner.user_id, public=True, slugs=["alpha-scout", "zulu-ai", "mai-jia"])
    with catalog.app_context():
        db.session.execute(update(Tool).where(Tool.slug == "zulu-ai").values(status="hidden"))
        db.session.commit()
    assert "Zulu AI" not in catalog.test_client().get(f"/en/collections/{collection_id}").text
    alpha, mai = tool_id(catalog, "alpha-scout"), tool_id(catalog, "mai-jia")
    assert owner.post(f"/en/collections/{collection_id}/order", {"order": [str(mai), str(alpha)]}).status_code == 303
    assert [slug for slug, _, _ in items_of(catalog, collection_id)] == ["mai-jia", "alpha-scout", "zulu-ai"]
    assert _positions_are_dense(catalog, collection_id)


# The collection page and its fragment ---------------------------------------------------------


def test_the_collection_page_and_its_htmx_fragment(owner, catalog):
    collection_id = make_collection(catalog, owner.user_id, slugs=["alpha-scout", "mai-jia"])
    page = owner.get(f"/en/collections/{collection_id}")
    assert "<html" in page.text and 'id="compare-form"' in page.text
    assert 'name="t" value="alpha-scout" form="compare-form"' in page.text
    assert 'data-order-url="/en/collections/' in page.text and 'draggable="true"' in page.text
    assert "js/collections.js" in page.text
    fragment = owner.get(f"/en/collections/{collection_id}", htmx=True)
    assert "<html" not in fragment.text and 'id="collection-items"' in fragment.text
    for response in (page, fragment):
        assert "HX-Request" in response.headers["Vary"]


def test_the_tool_page_offers_add_to_collection_and_a_qr_code(owner, catalog):
    visitor = catalog.test_client().get("/en/t/alpha-scout").text
    assert 'href="/en/sign-in?next=/en/t/alpha-scout"' in visitor and "Add to collection" in visitor
    assert 'src="/qr.svg?u=/en/t/alpha-scout"' in visitor
    assert "csrf" not in visitor.lower() and "collections.js" not in visitor
    signed_in = owner.get("/en/t/alpha-scout").text
    assert 'hx-get="/en/collections/add?tool=alpha-scout&amp;next=/en/t/alpha-scout"' in signed_in
    assert "collections.js" in signed_in


# Concurrency ------------------------------------------------------------------------------------


def _add_from_thread(app, collection_id: int, tool: int) -> bool:
    with app.app_context():
        try:
            return collections.add_tool(collection_id, tool)
        finally:
            db.session.remove()


def test_parallel_adds_never_duplicate_and_keep_positions_dense(owner, catalog):
    collection_id = make_collection(catalog, owner.user_id)
    with catalog.app_context():
        all_ids = list(db.session.scalars(select(Tool.id).order_by(Tool.id)))
    same = [all_ids[0]] * 8
    different = all_ids[1:9]
    with ThreadPoolExecutor(max_workers=8) as pool:
        added = list(pool.map(lambda t: _add_from_thread(catalog, collection_id, t), same + different))
    assert added[: len(same)].count(True) == 1
    assert all(added[len(same):])
    with catalog.app_context():
        rows = db.session.scalars(select(CollectionItem.position)
                                  .where(CollectionItem.collection_id == collection_id)).all()
    assert sorted(rows) == list(range(1 + len(different)))
    assert collection_row(catalog, collection_id) is not None


def test_the_collection_page_costs_the_same_queries_for_two_or_six_tools(owner, catalog, count_queries):
    small = make_collection(catalog, owner.user_id, "Small", public=True, slugs=["alpha-scout", "mai-jia"])
    big = make_collection(catalog, owner.user_id, "Big", public=True,
                          slugs=["alpha-scout", "mai-jia", "zulu-ai", "bravo-ads", "delta-pay", "echo-design"])
    visitor = catalog.test_client()
    visitor.get(f"/en/collections/{small}")  # warm up anything loaded once per process
    counts = []
    for collection_id in (small, big):
        for client in (visitor, owner.client):
            with count_queries() as counter:
                assert client.get(f"/en/collections/{collection_id}").status_code == 200
            counts.append(counter.count)
    assert counts[0] == counts[2] and counts[1] == counts[3], counts
