"""The staff tool editor: list, create, edit, hide, logos, pricing checks and the stale-facts queue."""

from __future__ import annotations

import io
import json
from datetime import timedelta
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage
from werkzeug.test import stream_encode_multipart

from extensions import db
from models import AuditEntry, Tool, ToolSlugRedirect
from services import clock
from services.catalog_version import current_catalog_version
from services.moderation import catalog_tools
from services.search import search_tools
from services.search.params import SearchQuery
from services.seeding import seed_synthetic
from tests.accounts import csrf_from, make_user, sign_in
from tests.test_moderation import audit_entries


@pytest.fixture
def app_config(tmp_path):
    return {"UPLOAD_DIR": str(tmp_path / "uploads")}


@pytest.fixture
def user(app, catalog):
    make_user(app, "plainuser", phone="+8613800000011")
    client = app.test_client()
    sign_in(client, "plainuser")
    return client


def token(client) -> str:
    return csrf_from(client.get("/staff").text)


def tool_row(app, slug: str) -> Tool | None:
    with app.app_context():
        tool = db.session.scalar(select(Tool).where(Tool.slug == slug))
        if tool is not None:
            db.session.expunge(tool)
        return tool


def editor_data(client, tool_id: int, lang: str = "") -> dict:
    """The edit form as the browser would send it back unchanged."""
    page = client.get(f"{lang}/staff/tools/{tool_id}/edit")
    assert page.status_code == 200
    return form_values(page.text)


def form_values(html: str) -> dict:
    """Every named input, textarea and selected option of the tool form (a tiny form reader)."""
    from html.parser import HTMLParser

    class Reader(HTMLParser):
        def __init__(self):
            super().__init__()
            self.values: dict = {}
            self.inside_form = False
            self.textarea = None
            self.select = None

        def handle_starttag(self, tag, attrs):
            attrs = dict(attrs)
            if tag == "form" and attrs.get("id") == "tool-form":
                self.inside_form = True
            if not self.inside_form:
                return
            name = attrs.get("name")
            if tag == "input" and name:
                if attrs.get("type") == "checkbox":
                    if "checked" in attrs:
                        self.values.setdefault(name, []).append(attrs["value"])
                else:
                    self.values[name] = attrs.get("value", "")
            elif tag == "textarea":
                self.textarea = name
                self.values[name] = ""
            elif tag == "select":
                self.select = name
                self.values.setdefault(name, "")
            elif tag == "option" and self.select and "selected" in attrs:
                self.values[self.select] = attrs.get("value", "")

        def handle_endtag(self, tag):
            if tag == "form":
                self.inside_form = False
            elif tag == "textarea":
                self.textarea = None
            elif tag == "select":
                self.select = None

        def handle_data(self, data):
            if self.textarea:
                self.values[self.textarea] += data

    reader = Reader()
    reader.feed(html)
    return reader.values


def alpha_id(app) -> int:
    return tool_row(app, "alpha-scout").id


def save(client, tool_id: int, lang: str = "/en", **changes):
    """Send the editor back with ``changes`` (from the English page, so messages read in English)."""
    data = editor_data(client, tool_id, lang)
    data.update(changes)
    return client.post(f"{lang}/staff/tools/{tool_id}/edit", data=data)


NEW_TOOL = {
    "name": "卖家精灵", "name_en": "SellerSprite", "slug": "", "url": "https://www.sellersprite.example.com/",
    "tagline_zh": "亚马逊选品与关键词工具", "tagline_en": "Amazon product and keyword research",
    "description_zh": "卖家精灵帮助卖家选品。", "description_en": "SellerSprite helps sellers pick products.",
    "pricing": "freemium", "status": "published", "lifecycle": "active", "platforms": "amazon/us, amazon/jp",
    "china_direct": "yes", "cn_payment": "no", "cn_invoice": "", "chinese_support": "yes", "free_plan": "",
    "price_from_cny": "99.00", "trial_days": "7",
}


def category_id(app, slug="pr-amazon") -> int:
    from models import Category

    with app.app_context():
        return db.session.scalar(select(Category.id).where(Category.slug == slug))


# ---- the list ------------------------------------------------------------------------------------

def test_the_list_shows_every_status_and_filters_by_status_name_and_category(app, admin):
    with app.app_context():
        db.session.get(Tool, alpha_id(app)).status = "hidden"
        db.session.commit()
    everything = admin.get("/staff/tools")
    assert everything.status_code == 200
    assert "Alpha Scout" in everything.text and "Zulu AI" in everything.text
    hidden = admin.get("/staff/tools?status=hidden").text
    assert "Alpha Scout" in hidden and "Zulu AI" not in hidden
    assert "Bravo Ads" in admin.get("/staff/tools?q=bravo").text
    assert "Zulu AI" not in admin.get("/staff/tools?q=bravo").text
    in_category = admin.get(f"/staff/tools?category={category_id(app, 'ai-assistants')}").text
    assert "Zulu AI" in in_category and "Bravo Ads" not in in_category
    assert "&lt;script&gt;" in everything.text  # names are escaped


def test_moderators_see_the_list_without_edit_links(app, moderator):
    page = moderator.get("/en/staff/tools")
    assert page.status_code == 200
    assert "Alpha Scout" in page.text
    assert "/staff/tools/new" not in page.text
    assert f"/staff/tools/{alpha_id(app)}/edit" not in page.text


def test_the_list_runs_a_fixed_number_of_queries_whatever_the_catalog_size(app, admin, count_queries):
    def queries() -> int:
        with count_queries() as counter:
            assert admin.get("/staff/tools?q=a").status_code == 200
        return counter.count

    small = queries()
    with app.app_context():
        seed_synthetic(120, seed=5)
        db.session.remove()
    assert queries() == small


# ---- create and edit -----------------------------------------------------------------------------

def test_an_admin_adds_a_tool_that_shows_searches_and_is_on_record(app, admin):
    version = _version(app)
    response = admin.post("/staff/tools/new", data={
        **NEW_TOOL, "csrf_token": token(admin), "category_id": category_id(app), "tag_ids": [],
    })
    assert response.status_code == 303, response.text
    tool = tool_row(app, "sellersprite")
    assert tool is not None
    assert tool.name_sort == "mai jia jing ling" and tool.name_sort_en == "sellersprite"
    assert tool.url_normalized == "sellersprite.example.com"
    assert (tool.china_direct, tool.cn_payment, tool.cn_invoice) == (True, False, None)
    assert str(tool.price_from_cny) == "99.00" and tool.trial_days == 7
    assert "亚马逊选品与关键词工具" in app.test_client().get("/t/sellersprite").text
    assert _version(app) > version
    with app.app_context():
        results = search_tools("卖家精灵", SearchQuery(), "zh", 10)
        assert [t.slug for t in results.pagination.items] == ["sellersprite"]
        [entry] = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "tool.create")).all()
        assert json.loads(entry.after)["platforms"] == ["amazon/jp", "amazon/us"]


def test_an_edit_changes_the_public_page_and_records_only_the_changed_fields(app, admin):
    tool_id = alpha_id(app)
    version = _version(app)
    response = save(admin, tool_id, tagline_zh="全新的一句话", reason="vendor changed its pitch")
    assert response.status_code == 303
    assert "全新的一句话" in app.test_client().get("/t/alpha-scout").text
    assert _version(app) > version
    [entry] = audit_entries(app, "tool.edit")
    assert json.loads(entry.before) == {"tagline_zh": "Alpha Scout 的一句话介绍"}
    assert json.loads(entry.after) == {"tagline_zh": "全新的一句话"}
    assert entry.reason == "vendor changed its pitch"
    assert save(admin, tool_id).status_code == 303  # nothing changed: nothing recorded
    assert len(audit_entries(app, "tool.edit")) == 1


def test_an_edit_keeps_the_search_index_in_step(app, admin):
    save(admin, alpha_id(app), name="Quokka Finder")
    with app.app_context():
        assert [t.slug for t in search_tools("quokka", SearchQuery(), "en", 10).pagination.items] == ["alpha-scout"]
        assert tool_row(app, "alpha-scout").name_sort == "quokka finder"


def test_tags_platforms_facts_and_prices_are_saved_and_unknown_stays_unknown(app, admin):
    tool_id = alpha_id(app)
    with app.app_context():
        tag_ids = [str(t.id) for t in catalog_tools.all_tags()[:2]]
    response = save(admin, tool_id, tag_ids=tag_ids, platforms="shopee\nwalmart/us", china_direct="no",
                    chinese_support="", price_from_usd="29.5", price_note_en="per month")
    assert response.status_code == 303
    with app.app_context():
        tool = catalog_tools.tool_for_edit(tool_id)
        assert sorted(catalog_tools.platform_refs(tool)) == ["shopee", "walmart/us"]
        assert sorted(str(t.id) for t in tool.tags) == sorted(tag_ids)
        assert tool.china_direct is False and tool.chinese_support is None
        assert str(tool.price_from_usd) == "29.50" and tool.price_note_en == "per month"


def test_a_new_slug_leaves_the_old_address_redirecting_in_both_languages(app, admin):
    tool_id = alpha_id(app)
    assert save(admin, tool_id, slug="alpha-scout-pro").status_code == 303
    visitor = app.test_client()
    old = visitor.get("/t/alpha-scout")
    assert old.status_code == 301 and old.headers["Location"].endswith("/t/alpha-scout-pro")
    old_en = visitor.get("/en/t/alpha-scout")
    assert old_en.status_code == 301 and old_en.headers["Location"].endswith("/en/t/alpha-scout-pro")
    assert visitor.get("/t/alpha-scout-pro").status_code == 200
    # Taking the old address back: the tool answers there again, and the newer one redirects.
    assert save(admin, tool_id, slug="alpha-scout").status_code == 303
    assert visitor.get("/t/alpha-scout").status_code == 200
    assert visitor.get("/t/alpha-scout-pro").headers["Location"].endswith("/t/alpha-scout")
    with app.app_context():
        assert db.session.scalars(select(ToolSlugRedirect.old_slug)).all() == ["alpha-scout-pro"]


def test_an_unknown_address_is_still_404(app, catalog):
    assert app.test_client().get("/t/no-such-tool").status_code == 404


@pytest.mark.parametrize(("changes", "message"), [
    ({"url": "http://www.bravo-ads.example.com"}, "Another tool has this address: Bravo Ads"),
    ({"url": "javascript:alert(1)"}, "starting with http:// or https://"),
    ({"url": "ftp://files.example.com/"}, "starting with http:// or https://"),
    ({"url": "https://alpha.example.com@evil.example/"}, "starting with http:// or https://"),
    ({"slug": "Bad Slug"}, "lower-case letters, digits and single hyphens"),
    ({"slug": "bravo-ads"}, "Another tool has this address."),
    ({"slug": ""}, "Enter an address."),
    ({"name": ""}, "This field is required."),
    ({"tagline_zh": "长" * 201}, "at most 200 characters"),
    ({"successor": "alpha-scout"}, "cannot be its own successor"),
    ({"successor": "nobody-here"}, "No tool has this address."),
    ({"platforms": "amazon/us, myspace"}, "Unknown platform or market: myspace"),
    ({"price_from_cny": "9.999"}, "two decimal places"),
    ({"price_from_usd": "-1"}, "from 0 to"),
    ({"trial_days": "99999"}, "from 0 to 3650"),
    ({"category_id": "999999"}, "Not a valid choice"),
])
def test_bad_input_is_refused_with_422_the_input_kept_and_nothing_changed(app, admin, changes, message):
    tool_id = alpha_id(app)
    before = tool_row(app, "alpha-scout")
    version = _version(app)
    response = save(admin, tool_id, tagline_en="kept while refused", **changes)
    assert response.status_code == 422
    assert message in response.text
    assert "kept while refused" in response.text
    after = tool_row(app, "alpha-scout")
    assert (after.tagline_en, after.url, after.name) == (before.tagline_en, before.url, before.name)
    assert _version(app) == version
    assert audit_entries(app, "tool.edit") == []


def test_an_address_that_redirects_to_another_tool_cannot_be_taken(app, admin):
    with app.app_context():
        db.session.add(ToolSlugRedirect(old_slug="bravo-old", tool_id=tool_row(app, "bravo-ads").id,
                                        created_at=clock.now()))
        db.session.commit()
    response = save(admin, alpha_id(app), slug="bravo-old")
    assert response.status_code == 422
    assert "still redirects to another tool" in response.text


def test_a_colleagues_edit_in_between_is_not_overwritten(app, admin):
    tool_id = alpha_id(app)
    stale_form = editor_data(admin, tool_id, "/en")
    assert save(admin, tool_id, tagline_en="the colleague's words").status_code == 303
    stale_form.update(tagline_zh="my words")
    response = admin.post(f"/en/staff/tools/{tool_id}/edit", data=stale_form)
    assert response.status_code == 422
    assert "Someone changed this tool" in response.text
    assert tool_row(app, "alpha-scout").tagline_en == "the colleague's words"


def test_creating_with_a_duplicate_url_is_refused(app, admin):
    response = admin.post("/en/staff/tools/new", data={
        **NEW_TOOL, "url": "https://zulu-ai.example.com", "csrf_token": token(admin), "category_id": category_id(app),
    })
    assert response.status_code == 422
    assert "Another tool has this address: Zulu AI" in response.text
    assert tool_row(app, "sellersprite") is None


def test_an_edit_page_in_english_speaks_english(app, admin):
    data = editor_data(admin, alpha_id(app), lang="/en")
    data.update(url="not a url")
    response = admin.post(f"/en/staff/tools/{alpha_id(app)}/edit", data=data)
    assert response.status_code == 422
    assert 'lang="en"' in response.text and "Enter a full web address" in response.text


# ---- who may do what -----------------------------------------------------------------------------

def test_visitors_sign_in_users_and_moderators_are_refused_admin_routes(app, catalog, user, moderator):
    tool_id = alpha_id(app)
    visitor = app.test_client()
    assert "/sign-in" in visitor.get("/staff/tools").headers["Location"]
    assert user.get("/staff/tools").status_code == 403
    for path in (f"/staff/tools/{tool_id}/edit", "/staff/tools/new", f"/staff/tools/{tool_id}/merge"):
        assert moderator.get(path).status_code == 403, path
    for path in (f"/staff/tools/{tool_id}/edit", f"/staff/tools/{tool_id}/hide", f"/staff/tools/{tool_id}/logo",
                 f"/staff/tools/{tool_id}/merge", "/staff/tools/new"):
        refused = moderator.post(path, data={"csrf_token": token(moderator), "reason": "x", "name": "Hacked",
                                             "into": "bravo-ads"})
        assert refused.status_code == 403, path
    assert tool_row(app, "alpha-scout").status == "published"
    assert tool_row(app, "bravo-ads") is not None


def test_a_post_without_csrf_changes_nothing(app, admin):
    tool_id = alpha_id(app)
    data = editor_data(admin, tool_id)
    data.pop("csrf_token")
    data["tagline_zh"] = "no token"
    assert admin.post(f"/staff/tools/{tool_id}/edit", data=data).status_code == 400
    assert admin.post(f"/staff/tools/{tool_id}/hide", data={"reason": "x"}).status_code == 400
    assert tool_row(app, "alpha-scout").tagline_zh != "no token"
    assert tool_row(app, "alpha-scout").status == "published"


# ---- hide and unhide -----------------------------------------------------------------------------

def test_hiding_needs_a_reason_then_takes_the_tool_off_public_pages_until_unhidden(app, admin):
    tool_id = alpha_id(app)
    refused = admin.post(f"/staff/tools/{tool_id}/hide", data={"csrf_token": token(admin)},
                         headers={"HX-Request": "true"})
    assert refused.status_code == 422 and "请填写隐藏该工具的原因" in refused.text  # a Chinese page answers in Chinese
    assert tool_row(app, "alpha-scout").status == "published"
    done = admin.post(f"/staff/tools/{tool_id}/hide", data={"csrf_token": token(admin), "reason": "scam reports"},
                      headers={"HX-Request": "true"})
    assert done.status_code == 200 and "<html" not in done.text and "HX-Request" in done.headers["Vary"]
    assert "“Alpha Scout”已隐藏" in done.text
    assert app.test_client().get("/t/alpha-scout").status_code == 404
    again = admin.post(f"/staff/tools/{tool_id}/hide", data={"csrf_token": token(admin), "reason": "twice"})
    assert again.status_code == 422
    shown = admin.post(f"/staff/tools/{tool_id}/unhide", data={"csrf_token": token(admin)})
    assert shown.status_code == 303
    assert app.test_client().get("/t/alpha-scout").status_code == 200
    [hide] = audit_entries(app, "tool.hide")
    assert (json.loads(hide.before), json.loads(hide.after), hide.reason) == (
        {"status": "published"}, {"status": "hidden"}, "scam reports")
    assert len(audit_entries(app, "tool.unhide")) == 1


def test_hiding_a_missing_tool_is_404(app, admin):
    assert admin.post("/staff/tools/999999/hide", data={"csrf_token": token(admin), "reason": "x"}).status_code == 404


# ---- logos ---------------------------------------------------------------------------------------

def _image(kind="PNG", size=(300, 120), mode="RGBA") -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, (200, 30, 30, 0) if mode == "RGBA" else "red").save(out, kind)
    return out.getvalue()


def upload(client, tool_id: int, data: bytes, filename="logo.png"):
    # Encoded in memory: the test client's own temporary file for a big body is never closed.
    body, _length, boundary = stream_encode_multipart(
        {"csrf_token": token(client), "logo": FileStorage(io.BytesIO(data), filename)}, use_tempfile=False)
    return client.post(f"/en/staff/tools/{tool_id}/logo", data=body.getvalue(),
                       content_type=f"multipart/form-data; boundary={boundary}")


def test_an_uploaded_logo_is_reencoded_and_served_in_place_of_the_monogram(app, admin):
    tool_id = alpha_id(app)
    assert app.test_client().get("/t/alpha-scout/logo.svg").mimetype == "image/svg+xml"
    response = upload(admin, tool_id, _image())
    assert response.status_code == 303
    tool = tool_row(app, "alpha-scout")
    assert tool.logo_path.startswith("logos/") and tool.logo_path.endswith(".webp")
    served = app.test_client().get("/t/alpha-scout/logo.svg")
    assert served.status_code == 200 and served.mimetype == "image/webp"
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    with Image.open(io.BytesIO(served.data)) as logo:
        assert logo.format == "WEBP" and logo.size == (256, 102) and logo.mode == "RGBA"  # fitted, transparent
    served.close()
    assert len(audit_entries(app, "tool.logo")) == 1

    removed = admin.post(f"/staff/tools/{tool_id}/logo/remove", data={"csrf_token": token(admin)})
    assert removed.status_code == 303
    assert tool_row(app, "alpha-scout").logo_path is None
    assert not (Path(app.config["UPLOAD_DIR"]) / tool.logo_path).exists()
    assert app.test_client().get("/t/alpha-scout/logo.svg").mimetype == "image/svg+xml"


def test_an_uploaded_logo_shows_on_cards_and_search_results_and_a_new_one_gets_a_new_address(app, admin):
    tool_id = alpha_id(app)
    visitor = app.test_client()
    assert 'src="/t/alpha-scout/logo.svg' not in visitor.get("/").text
    upload(admin, tool_id, _image())
    first = f'/t/alpha-scout/logo.svg?v={tool_row(app, "alpha-scout").logo_path[6:22]}'
    for page in ("/", "/en/", "/search?q=alpha"):
        assert f'src="{first}"' in visitor.get(page).text, page
    upload(admin, tool_id, _image("JPEG", mode="RGB"), "logo.jpg")
    home = visitor.get("/").text
    assert f'src="{first}"' not in home and 'src="/t/alpha-scout/logo.svg?v=' in home


def test_a_new_logo_replaces_the_old_file(app, admin):
    tool_id = alpha_id(app)
    upload(admin, tool_id, _image())
    first = tool_row(app, "alpha-scout").logo_path
    upload(admin, tool_id, _image("JPEG", mode="RGB"), "logo.jpg")
    second = tool_row(app, "alpha-scout").logo_path
    assert first != second
    assert not (Path(app.config["UPLOAD_DIR"]) / first).exists()
    assert (Path(app.config["UPLOAD_DIR"]) / second).exists()


@pytest.mark.parametrize(("data", "filename", "message"), [
    (b"just some text, not a picture", "logo.png", "must be a PNG, JPEG, WebP or GIF"),
    (b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "logo.svg", "SVG is not accepted"),
    (b"\x89PNG\r\n\x1a\n" + b"\0" * (2 * 1024 * 1024), "big.png", "under 2 MB"),
])
def test_a_bad_logo_is_refused_with_a_clear_message_and_nothing_stored(app, admin, data, filename, message):
    response = upload(admin, alpha_id(app), data, filename)
    assert response.status_code == 422
    assert message in response.text
    assert tool_row(app, "alpha-scout").logo_path is None
    assert not (Path(app.config["UPLOAD_DIR"]) / "logos").exists() or not any(
        (Path(app.config["UPLOAD_DIR"]) / "logos").iterdir())


def test_a_logo_post_without_a_file_asks_for_one(app, admin):
    response = admin.post(f"/en/staff/tools/{alpha_id(app)}/logo", data={"csrf_token": token(admin)})
    assert response.status_code == 422 and "Choose an image" in response.text


def test_removing_a_logo_that_is_not_there_is_refused(app, admin):
    response = admin.post(f"/staff/tools/{alpha_id(app)}/logo/remove", data={"csrf_token": token(admin)},
                          headers={"HX-Request": "true"})
    assert response.status_code == 422 and "没有上传的 Logo" in response.text


# ---- pricing checks and the stale-facts queue ----------------------------------------------------

def test_a_moderator_marks_pricing_verified_and_it_leaves_the_queue(app, moderator):
    tool_id = alpha_id(app)
    start = moderator.get("/staff/stale-facts")
    assert start.status_code == 200 and "Alpha Scout" in start.text
    due = _stale_count(app)
    response = moderator.post(f"/staff/tools/{tool_id}/verify-pricing", data={"csrf_token": token(moderator)},
                              headers={"HX-Request": "true"})
    assert response.status_code == 200 and "<html" not in response.text
    assert f'id="queue-count-stale_facts" hx-swap-oob="true">{due - 1}<' in response.text
    tool = tool_row(app, "alpha-scout")
    assert tool.pricing_verified_at is not None
    with app.app_context():
        moderator_id = db.session.scalar(
            select(AuditEntry.actor_id).where(AuditEntry.action == "tool.pricing_verified"))
    assert tool.pricing_verified_by_id == moderator_id
    assert "Alpha Scout" not in moderator.get("/staff/stale-facts").text
    assert tool.pricing_verified_at.date().isoformat() in app.test_client().get("/t/alpha-scout").text


def test_a_check_may_correct_the_prices_inline(app, moderator):
    tool_id = alpha_id(app)
    response = moderator.post(f"/staff/tools/{tool_id}/verify-pricing", data={
        "csrf_token": token(moderator), "pricing": "free_trial", "price_from_cny": "199", "price_from_usd": "",
        "trial_days": "14"})
    assert response.status_code == 303
    tool = tool_row(app, "alpha-scout")
    assert (tool.pricing, str(tool.price_from_cny), tool.price_from_usd, tool.trial_days) == (
        "free_trial", "199.00", None, 14)
    [entry] = audit_entries(app, "tool.pricing_verified")
    after = json.loads(entry.after)
    assert after["pricing"] == "free_trial" and after["price_from_cny"] == "199.00" and after["trial_days"] == 14
    assert "price_from_usd" not in after  # unchanged fields are not recorded


def test_a_check_with_a_bad_price_is_refused_and_nothing_changes(app, moderator):
    tool_id = alpha_id(app)
    response = moderator.post(f"/staff/tools/{tool_id}/verify-pricing", data={
        "csrf_token": token(moderator), "pricing": "paid", "price_from_cny": "abc", "trial_days": "1"},
        headers={"HX-Request": "true"})
    assert response.status_code == 422 and "未核实" in response.text
    tool = tool_row(app, "alpha-scout")
    assert tool.pricing_verified_at is None and tool.trial_days is None


def test_the_queue_lists_never_checked_first_then_the_oldest_and_skips_recent_and_hidden(app, moderator):
    now = clock.now()
    clock.freeze(now)
    with app.app_context():
        tools = {t.slug: t for t in db.session.scalars(select(Tool))}
        for tool in tools.values():
            tool.pricing_verified_at = now - timedelta(days=10)  # recent: not due
        tools["bravo-ads"].pricing_verified_at = now - timedelta(days=400)
        tools["echo-design"].pricing_verified_at = now - timedelta(days=200)
        tools["zulu-ai"].pricing_verified_at = None
        tools["jp-keywords"].pricing_verified_at = None
        tools["jp-keywords"].status = "hidden"
        db.session.commit()
    page = moderator.get("/en/staff/stale-facts").text
    names = [name for name in ("Zulu AI", "Bravo Ads", "Echo Design") if name in page]
    assert names == ["Zulu AI", "Bravo Ads", "Echo Design"]
    assert sorted(names, key=page.index) == ["Zulu AI", "Bravo Ads", "Echo Design"]
    assert "JP Keywords" not in page and "Alpha Scout" not in page
    assert _stale_count(app) == 3
    clock.advance(timedelta(days=200))  # the recent checks age out too
    assert _stale_count(app) == 11


def test_the_queue_count_is_one_query(app, catalog, count_queries):
    from services.moderation import stale_facts

    with app.test_request_context(), count_queries() as counter:
        stale_facts.stale_count()
    assert counter.count == 1


def test_a_fresh_seed_lists_its_published_tools_never_verified(app, moderator):
    with app.app_context():
        published = db.session.scalar(select(func.count()).select_from(Tool).where(Tool.status == "published"))
    assert _stale_count(app) == published
    assert "Stale facts" in moderator.get("/en/staff").text


def _stale_count(app) -> int:
    from services.moderation import stale_facts

    with app.test_request_context():
        return stale_facts.stale_count()


def _version(app) -> int:
    with app.app_context():
        return current_catalog_version()


def test_a_tool_report_links_admins_to_the_editor(app, admin, moderator):
    from services import reports
    from tests.test_ratings import seller

    reporter = seller(app, "reporter")
    with app.app_context():
        from models import User

        reports.report_tool(db.session.get(User, reporter), alpha_id(app), "wrong_info", "price is wrong")
    edit_link = f"/en/staff/tools/{alpha_id(app)}/edit"
    assert edit_link in admin.get("/en/staff/reports").text
    assert edit_link not in moderator.get("/en/staff/reports").text
