"""Collections: create, edit, delete, who may see them, who may change them."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from extensions import db
from models import Collection, CollectionItem, Favorite, Tool
from services import collections
from tests.accounts import CHROME, csrf_from, make_user, post_form, sign_in

HTMX = {"HX-Request": "true"}


# Helpers shared with test_collections_items.py ---------------------------------------------


def tool_id(app, slug: str) -> int:
    with app.app_context():
        return db.session.scalar(select(Tool.id).where(Tool.slug == slug))


def make_collection(app, user_id: int, name="Amazon picks", *, public=False, slugs=(), description="") -> int:
    """A collection made through the service, with ``slugs`` added in order."""
    with app.app_context():
        collection = collections.create_collection(user_id, name=name, description=description, is_public=public)
        for slug in slugs:
            collections.add_tool(collection.id, db.session.scalar(select(Tool.id).where(Tool.slug == slug)))
        return collection.id


def items_of(app, collection_id: int) -> list[tuple[str, int, str]]:
    """(slug, position, note) of every item, in position order."""
    with app.app_context():
        return [tuple(row) for row in db.session.execute(
            select(Tool.slug, CollectionItem.position, CollectionItem.note)
            .join(Tool, Tool.id == CollectionItem.tool_id)
            .where(CollectionItem.collection_id == collection_id)
            .order_by(CollectionItem.position)
        )]


def collection_row(app, collection_id: int) -> Collection | None:
    with app.app_context():
        row = db.session.get(Collection, collection_id)
        if row is not None:
            db.session.expunge(row)
        return row


class Browser:
    """A signed-in test client that posts with its CSRF token (and as htmx when asked)."""

    def __init__(self, app, account_name="seller1", phone="+8613800000001", **user):
        self.user_id = make_user(app, account_name, phone=phone, **user)
        self.client = app.test_client()
        sign_in(self.client, login=account_name)
        self.token = csrf_from(self.client.get("/en/collections").text) if user.get("verified", True) else None

    def get(self, path: str, *, htmx=False, **kwargs):
        return self.client.get(path, headers={"User-Agent": CHROME, **(HTMX if htmx else {})}, **kwargs)

    def post(self, path: str, data=None, *, htmx=False, **kwargs):
        token = self.token or csrf_from(self.client.get("/en/settings/security").text)
        return self.client.post(path, data={"csrf_token": token, **(data or {})},
                                headers={"User-Agent": CHROME, **(HTMX if htmx else {})}, **kwargs)


@pytest.fixture
def owner(catalog):
    return Browser(catalog)


@pytest.fixture
def stranger(catalog):
    return Browser(catalog, "stranger", phone="+8613800000002")


# Create, edit, delete ---------------------------------------------------------------------


def test_create_a_collection_and_find_it_in_my_collections(owner, catalog):
    response = owner.post("/en/collections/new", {"name": "  Ads tools ", "description": "For PPC", "is_public": "y"})
    assert response.status_code == 303
    with catalog.app_context():
        collection = db.session.scalar(select(Collection).where(Collection.user_id == owner.user_id))
        assert (collection.name, collection.description, collection.is_public) == ("Ads tools", "For PPC", True)
    assert response.headers["Location"] == f"/en/collections/{collection.id}"
    page = owner.get("/en/collections")
    assert page.status_code == 200
    assert "Ads tools" in page.text and "Public" in page.text
    assert "no-store" in page.headers["Cache-Control"]


def test_a_new_collection_is_private_unless_made_public(owner, catalog):
    owner.post("/en/collections/new", {"name": "Quiet"})
    with catalog.app_context():
        assert db.session.scalar(select(Collection.is_public)) is False


@pytest.mark.parametrize(("data", "message"), [
    ({"name": ""}, "Give the collection a name."),
    ({"name": "x" * 81}, "Use at most 80 characters."),
    ({"name": "Fine", "description": "d" * 1001}, "Use at most 1000 characters."),
])
def test_an_invalid_collection_form_is_422_with_the_error_and_what_was_typed(owner, catalog, data, message):
    response = owner.post("/en/collections/new", {"description": "kept text", **data})
    assert response.status_code == 422
    assert message in response.text
    assert ("kept text" if "description" not in data else "ddd") in response.text
    assert "no-store" in response.headers["Cache-Control"]
    with catalog.app_context():
        assert db.session.scalar(select(Collection.id)) is None


def test_collection_errors_are_in_chinese_on_the_chinese_site(owner, catalog):
    response = owner.post("/collections/new", {"name": ""})
    assert response.status_code == 422
    assert 'lang="zh-CN"' in response.text and "请给收藏夹起个名字。" in response.text


def test_edit_a_collection(owner, catalog):
    collection_id = make_collection(catalog, owner.user_id, "Old name")
    form = owner.get(f"/en/collections/{collection_id}/edit")
    assert form.status_code == 200 and 'value="Old name"' in form.text
    response = owner.post(f"/en/collections/{collection_id}/edit",
                          {"name": "New name", "description": "Why these", "is_public": "y"})
    assert response.status_code == 303
    assert response.headers["Location"] == f"/en/collections/{collection_id}"
    row = collection_row(catalog, collection_id)
    assert (row.name, row.description, row.is_public) == ("New name", "Why these", True)


def test_an_invalid_edit_is_422_and_changes_nothing(owner, catalog):
    collection_id = make_collection(catalog, owner.user_id, "Old name")
    response = owner.post(f"/en/collections/{collection_id}/edit", {"name": "n" * 81})
    assert response.status_code == 422
    assert "n" * 81 in response.text
    assert collection_row(catalog, collection_id).name == "Old name"


def test_deleting_a_collection_keeps_the_favorites(owner, catalog):
    collection_id = make_collection(catalog, owner.user_id, slugs=["alpha-scout", "mai-jia"])
    with catalog.app_context():
        db.session.add(Favorite(user_id=owner.user_id, tool_id=tool_id(catalog, "alpha-scout")))
        db.session.commit()
    response = owner.post(f"/en/collections/{collection_id}/delete", {"confirm": "y"})
    assert response.status_code == 303
    assert response.headers["Location"] == "/en/collections"
    assert collection_row(catalog, collection_id) is None
    assert items_of(catalog, collection_id) == []
    with catalog.app_context():
        assert db.session.scalars(select(Favorite.tool_id)).all() == [tool_id(catalog, "alpha-scout")]
    assert "still in your favorites" in owner.get("/en/collections").text


def test_deleting_needs_the_confirmation_box(owner, catalog):
    collection_id = make_collection(catalog, owner.user_id, slugs=["alpha-scout"])
    response = owner.post(f"/en/collections/{collection_id}/delete", {})
    assert response.status_code == 422
    assert "Tick the box to confirm." in response.text
    assert collection_row(catalog, collection_id) is not None


# Who sees a collection ----------------------------------------------------------------------


def test_a_public_collection_is_shown_to_visitors_with_open_graph_tags_and_a_qr_code(owner, catalog):
    collection_id = make_collection(catalog, owner.user_id, "Best <b>ads</b> tools", public=True,
                                    description="Tried & tested", slugs=["bravo-ads", "alpha-scout"])
    response = catalog.test_client().get(f"/en/collections/{collection_id}")
    assert response.status_code == 200
    html = response.text
    assert '<meta property="og:title" content="Best &lt;b&gt;ads&lt;/b&gt; tools">' in html
    assert '<meta property="og:description" content="Tried &amp; tested">' in html
    assert f'<meta property="og:url" content="http://localhost/en/collections/{collection_id}">' in html
    assert '<meta property="og:image" content="http://localhost/t/bravo-ads/logo.svg">' in html
    assert f'src="/qr.svg?u=/en/collections/{collection_id}"' in html
    assert html.index("Bravo Ads") < html.index("Alpha Scout")
    assert "csrf_token" not in html and "Edit collection" not in html
    qr = catalog.test_client().get(f"/qr.svg?u=/en/collections/{collection_id}")
    assert qr.status_code == 200 and qr.mimetype == "image/svg+xml"


def test_the_owner_is_shown_by_display_name_only(owner, catalog):
    collection_id = make_collection(catalog, owner.user_id, public=True)
    html = catalog.test_client().get(f"/en/collections/{collection_id}").text
    assert "By Seller1" in html
    assert "seller1" not in html.replace("Seller1", "") and "13800000001" not in html


def test_a_private_collection_is_404_to_everyone_but_its_owner(owner, stranger, catalog):
    collection_id = make_collection(catalog, owner.user_id, "Secret list", slugs=["alpha-scout"])
    assert catalog.test_client().get(f"/en/collections/{collection_id}").status_code == 404
    assert catalog.test_client().get(f"/collections/{collection_id}").status_code == 404
    refused = stranger.get(f"/en/collections/{collection_id}")
    assert refused.status_code == 404 and "Secret list" not in refused.text
    mine = owner.get(f"/en/collections/{collection_id}")
    assert mine.status_code == 200
    assert "Secret list" in mine.text and "Edit collection" in mine.text and "qr.svg" not in mine.text
    assert "no-store" in mine.headers["Cache-Control"]


def test_a_missing_collection_is_404(owner):
    assert owner.get("/en/collections/999999").status_code == 404


def test_a_banned_owners_public_collection_is_no_longer_shared(catalog):
    banned_id = make_user(catalog, "spammer", phone="+8613800000009", status="banned", ban_reason="spam")
    collection_id = make_collection(catalog, banned_id, "Buy my stuff", public=True)
    assert catalog.test_client().get(f"/en/collections/{collection_id}").status_code == 404


def test_someone_elses_collection_cannot_be_changed(owner, stranger, catalog):
    collection_id = make_collection(catalog, owner.user_id, "Mine", slugs=["alpha-scout", "mai-jia"])
    before = items_of(catalog, collection_id)
    alpha, mai = tool_id(catalog, "alpha-scout"), tool_id(catalog, "mai-jia")
    base = f"/en/collections/{collection_id}"
    attempts = [
        (f"{base}/edit", {"name": "Hacked"}),
        (f"{base}/delete", {"confirm": "y"}),
        (f"{base}/items/{alpha}/remove", {}),
        (f"{base}/items/{alpha}/note", {"note": "hacked"}),
        (f"{base}/items/{mai}/move", {"direction": "up"}),
        (f"{base}/order", {"order": f"{mai},{alpha}"}),
        ("/en/collections/add", {"tool": "zulu-ai", "collection": str(collection_id)}),
    ]
    for path, data in attempts:
        for htmx in (False, True):
            assert stranger.post(path, data, htmx=htmx).status_code == 404, path
    assert stranger.get(f"{base}/edit").status_code == 404
    assert collection_row(catalog, collection_id).name == "Mine"
    assert items_of(catalog, collection_id) == before


# Gates: visitors, unverified, banned, CSRF, rate limit ------------------------------------------


def test_a_visitor_is_sent_to_sign_in(catalog):
    client = catalog.test_client()
    response = client.get("/en/collections")
    assert response.status_code == 303
    assert response.headers["Location"].startswith("/en/sign-in?next=/en/collections")
    response = post_form(client, "/en/sign-in", {"name": "x"}, action="/en/collections/new")
    assert response.status_code == 303 and "/en/sign-in" in response.headers["Location"]
    response = post_form(client, "/en/sign-in", {"tool": "alpha-scout", "new_name": "x"},
                         action="/en/collections/add", headers=HTMX)
    assert response.status_code == 204 and "/en/sign-in" in response.headers["HX-Redirect"]
    with catalog.app_context():
        assert db.session.scalar(select(Collection.id)) is None


def test_an_unverified_user_is_sent_to_verify_their_phone(catalog):
    make_user(catalog, "fresh", phone=None, verified=False)
    client = catalog.test_client()
    sign_in(client, login="fresh")
    assert client.get("/en/collections").status_code == 200  # reading one's own list needs no phone
    response = client.get("/en/collections/add?tool=alpha-scout")
    assert response.status_code == 303 and "/en/verify-phone" in response.headers["Location"]
    response = post_form(client, "/en/settings/security", {"name": "x"}, action="/en/collections/new")
    assert response.status_code == 303 and "/en/verify-phone" in response.headers["Location"]
    with catalog.app_context():
        assert db.session.scalar(select(Collection.id)) is None


def test_a_banned_user_is_refused_with_403(catalog):
    banned = Browser(catalog, "banned1", phone="+8613800000003", status="banned", ban_reason="spam")
    response = banned.post("/en/collections/new", {"name": "x"})
    assert response.status_code == 403
    assert "Your account is banned" in response.text
    with catalog.app_context():
        assert db.session.scalar(select(Collection.id)) is None


def test_a_write_without_a_csrf_token_is_refused(owner, catalog):
    collection_id = make_collection(catalog, owner.user_id, "Mine", slugs=["alpha-scout"])
    alpha = tool_id(catalog, "alpha-scout")
    for path in ("/en/collections/new", f"/en/collections/{collection_id}/delete",
                 f"/en/collections/{collection_id}/items/{alpha}/remove", f"/en/collections/{collection_id}/order"):
        response = owner.client.post(path, data={"name": "x", "confirm": "y", "order": str(alpha)})
        assert response.status_code == 400, path
        assert "Your form expired" in response.text
    assert items_of(catalog, collection_id) == [("alpha-scout", 0, "")]


def test_collection_writes_are_rate_limited_with_retry_after(owner, catalog):
    catalog.config["COLLECTIONS_RATE_LIMIT"] = "3 per minute"
    statuses = [owner.post("/en/collections/new", {"name": f"List {n}"}).status_code for n in range(4)]
    assert statuses == [303, 303, 303, 429]
    limited = owner.post("/en/collections/new", {"name": "One more"})
    assert limited.status_code == 429
    assert int(limited.headers["Retry-After"]) > 0
    assert "Too many requests" in limited.text
    with catalog.app_context():
        assert len(db.session.scalars(select(Collection.id)).all()) == 3


def test_my_collections_lists_only_mine_with_counts(owner, stranger, catalog):
    make_collection(catalog, owner.user_id, "Three", slugs=["alpha-scout", "mai-jia", "zulu-ai"])
    make_collection(catalog, stranger.user_id, "Not mine")
    html = owner.get("/en/collections").text
    assert "Three" in html and "Not mine" not in html
    assert re.search(r"3 tools", html)
