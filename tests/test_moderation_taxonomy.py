"""The taxonomy editor: categories, tags, platforms and markets, edited by admins, on the record, shown at once."""

from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import func, select

from extensions import db
from models import AuditEntry, Category, Market, Platform, Tag, Tool, ToolPlatform, tool_tag
from models.privacy import StoreAccount
from tests.accounts import csrf_from, make_user, sign_in


@pytest.fixture
def plain_user(app, catalog):
    make_user(app, "plainuser", phone="+8613800000011")
    client = app.test_client()
    sign_in(client, "plainuser")
    return client


def token(client) -> str:
    return csrf_from(client.get("/en/").text)


def post(client, path: str, data: dict | None = None, **kwargs):
    return client.post(path, data={"csrf_token": token(client), **(data or {})}, **kwargs)


def category(app, slug: str) -> Category | None:
    with app.app_context():
        found = db.session.scalar(select(Category).where(Category.slug == slug))
        if found is not None:
            db.session.expunge(found)
        return found


def snapshot_categories(app) -> list[tuple]:
    with app.app_context():
        return [tuple(row) for row in db.session.execute(
            select(Category.id, Category.slug, Category.parent_id, Category.position, Category.name_zh,
                   Category.name_en, Category.description_zh, Category.description_en, Category.icon)
            .order_by(Category.id))]


def audit_entries(app, prefix: str = "") -> list[AuditEntry]:
    with app.app_context():
        rows = db.session.scalars(
            select(AuditEntry).where(AuditEntry.action.startswith(prefix)).order_by(AuditEntry.id)).all()
        for row in rows:
            db.session.expunge(row)
        return list(rows)


def card_slugs(html: str) -> list[str]:
    return re.findall(r'<article class="card" id="tool-([^"]+)"', html)


def search_slugs(html: str) -> list[str]:
    return re.findall(r'<article class="card search-hit" id="tool-([^"]+)"', html)


def tree_order(html: str) -> list[int]:
    return [int(found) for found in re.findall(r'<tr id="category-(\d+)"', html)]


NEW_CATEGORY = {"name_zh": "直播工具", "name_en": "Live streaming", "slug": "live-streaming", "icon": "🎥",
                "description_zh": "直播带货的工具。", "description_en": "Tools for live selling.", "parent_id": ""}


# The tree


def test_the_tree_lists_parents_then_their_children_in_position_order_with_tool_counts(app, admin):
    page = admin.get("/en/staff/categories")
    assert page.status_code == 200
    assert "no-store" in page.headers["Cache-Control"]
    with app.app_context():
        tops = db.session.scalars(select(Category).where(Category.parent_id.is_(None))
                                  .order_by(Category.position, Category.id)).all()
        expected = []
        for top in tops:
            expected.append(top.id)
            expected += [c.id for c in db.session.scalars(
                select(Category).where(Category.parent_id == top.id).order_by(Category.position, Category.id))]
    assert tree_order(page.text) == expected
    pr_amazon = category(app, "pr-amazon")
    row = page.text.split(f'<tr id="category-{pr_amazon.id}"')[1].split("</tr>")[0]
    assert "<code>pr-amazon</code>" in row
    assert "<td>3 " in row or "<td>3<" in row  # alpha-scout, mai-jia and the shut-down old-tool
    assert 'aria-current="page">Categories and tags<' in page.text  # the staff navigation marks its page


def test_the_page_is_registered_in_the_staff_navigation_for_admins_only(admin, moderator):
    assert 'href="/en/staff/categories"' in admin.get("/en/staff").text
    assert 'href="/en/staff/categories"' not in moderator.get("/en/staff").text


# Who may


@pytest.mark.parametrize("path", ["/staff/categories", "/staff/categories/new", "/staff/taxonomy/tags",
                                  "/en/staff/taxonomy/platforms/new"])
def test_visitors_sign_in_and_users_and_moderators_are_refused(app, catalog, plain_user, moderator, path):
    visitor = app.test_client().get(path)
    assert visitor.status_code in (302, 303) and "/sign-in" in visitor.headers["Location"]
    assert plain_user.get(path).status_code == 403
    assert moderator.get(path).status_code == 403


def test_a_moderator_cannot_change_the_taxonomy(app, moderator):
    before = snapshot_categories(app)
    pr_amazon = category(app, "pr-amazon")
    for path, data in [("/staff/categories/new", NEW_CATEGORY),
                       (f"/staff/categories/{pr_amazon.id}/delete", {}),
                       (f"/staff/categories/{pr_amazon.id}/reorder", {"direction": "down"}),
                       ("/staff/taxonomy/tags/new", {"name_zh": "新", "name_en": "New", "slug": "new-tag"})]:
        assert post(moderator, path, data).status_code == 403, path
    assert snapshot_categories(app) == before
    assert audit_entries(app) == []


def test_a_change_without_a_csrf_token_is_refused_and_changes_nothing(app, admin):
    before = snapshot_categories(app)
    pr_amazon = category(app, "pr-amazon")
    assert admin.post("/staff/categories/new", data=NEW_CATEGORY).status_code == 400
    assert admin.post(f"/staff/categories/{pr_amazon.id}/reorder", data={"direction": "down"}).status_code == 400
    assert admin.post(f"/staff/categories/{pr_amazon.id}/edit", data={**NEW_CATEGORY}).status_code == 400
    assert snapshot_categories(app) == before
    assert audit_entries(app) == []


# Create


def test_a_new_top_level_category_shows_on_the_home_page_in_both_languages_at_once(app, admin):
    visitor = app.test_client()
    assert "Live streaming" not in visitor.get("/en/").text  # now cached
    assert visitor.get("/en/").headers["X-Cache"] == "HIT"
    response = post(admin, "/en/staff/categories/new", NEW_CATEGORY)
    assert response.status_code == 303
    created = category(app, "live-streaming")
    assert created.parent_id is None and created.icon == "🎥"
    with app.app_context():
        last = db.session.scalar(select(func.max(Category.position)).where(Category.parent_id.is_(None)))
    assert created.position == last  # at the end of the top level
    assert "Live streaming" in visitor.get("/en/").text
    assert "直播工具" in visitor.get("/").text
    page = visitor.get("/en/c/live-streaming")
    assert page.status_code == 200 and "Tools for live selling." in page.text
    assert "Category “Live streaming” created." in admin.get(response.headers["Location"]).text
    [entry] = audit_entries(app, "category.create")
    assert entry.target_id == str(created.id)
    assert json.loads(entry.after)["slug"] == "live-streaming"


def test_a_new_sub_category_goes_last_under_its_parent_and_shows_as_a_chip(app, admin):
    parent = category(app, "product-research")
    response = post(admin, "/staff/categories/new", {**NEW_CATEGORY, "parent_id": str(parent.id)})
    assert response.status_code == 303
    created = category(app, "live-streaming")
    assert created.parent_id == parent.id
    with app.app_context():
        siblings = db.session.scalars(select(Category.slug).where(Category.parent_id == parent.id)
                                      .order_by(Category.position, Category.id)).all()
    assert siblings[-1] == "live-streaming"
    assert 'href="/en/c/live-streaming"' in app.test_client().get("/en/c/product-research").text


@pytest.mark.parametrize(("change", "field", "message"), [
    ({"name_zh": "  "}, "name_zh", "both languages are required"),
    ({"name_en": ""}, "name_en", "both languages are required"),
    ({"slug": "Live Streaming"}, "slug", "lower-case letters and digits"),
    ({"slug": "live--streaming"}, "slug", "lower-case letters and digits"),
    ({"slug": ""}, "slug", "Enter a slug"),
    ({"slug": "product-research"}, "slug", "already used"),
    ({"slug": "x" * 81}, "slug", "at most 80"),
    ({"name_en": "x" * 81}, "name_en", "at most 80"),
    ({"description_en": ""}, "description_en", "in both languages, or leave both empty"),
    ({"icon": "a b"}, "icon", "without spaces"),
    ({"parent_id": "999999"}, "parent_id", "Choose one of the listed categories"),
    ({"parent_id": "abc"}, "parent_id", "Choose one of the listed categories"),
])
def test_a_bad_new_category_comes_back_with_the_input_kept_and_nothing_created(app, admin, change, field, message):
    before = snapshot_categories(app)
    response = post(admin, "/en/staff/categories/new", {**NEW_CATEGORY, **change})
    assert response.status_code == 422
    assert message in response.text
    assert f'id="{field}-error"' in response.text or field == "parent_id"
    assert 'value="Live streaming"' in response.text or field == "name_en"
    assert snapshot_categories(app) == before
    assert audit_entries(app) == []


def test_a_category_cannot_be_created_under_a_sub_category(app, admin):
    before = snapshot_categories(app)
    sub = category(app, "pr-amazon")
    response = post(admin, "/en/staff/categories/new", {**NEW_CATEGORY, "parent_id": str(sub.id)})
    assert response.status_code == 422
    assert "The site shows two levels" in response.text
    assert snapshot_categories(app) == before


# Edit


def test_editing_names_and_description_shows_on_the_category_page_in_both_languages(app, admin):
    pr_amazon = category(app, "pr-amazon")
    visitor = app.test_client()
    visitor.get("/c/pr-amazon"), visitor.get("/en/c/pr-amazon")  # cached before the edit
    form = admin.get(f"/en/staff/categories/{pr_amazon.id}/edit").text
    assert 'value="亚马逊选品"' in form and 'readonly' in form.split('id="slug"')[1].split(">")[0]
    response = post(admin, f"/en/staff/categories/{pr_amazon.id}/edit", {
        "name_zh": "亚马逊选品工具", "name_en": "Amazon research", "slug": "pr-amazon", "icon": "",
        "description_zh": "新的说明。", "description_en": "A new description.", "reason": "clearer name"})
    assert response.status_code == 303
    zh, en = visitor.get("/c/pr-amazon").text, visitor.get("/en/c/pr-amazon").text
    assert "亚马逊选品工具" in zh and "新的说明。" in zh
    assert "Amazon research" in en and "A new description." in en
    assert "Amazon research" in visitor.get("/en/c/product-research").text  # the sibling chips too
    [entry] = audit_entries(app, "category.edit")
    assert json.loads(entry.before) == {"name_zh": "亚马逊选品", "name_en": "Amazon product research",
                                        "description_zh": pr_amazon.description_zh,
                                        "description_en": pr_amazon.description_en}
    assert json.loads(entry.after)["name_en"] == "Amazon research"
    assert entry.reason == "clearer name"


def test_saving_without_a_change_writes_no_audit_entry(app, admin):
    pr_amazon = category(app, "pr-amazon")
    response = post(admin, f"/staff/categories/{pr_amazon.id}/edit", {
        "name_zh": pr_amazon.name_zh, "name_en": pr_amazon.name_en, "slug": pr_amazon.slug, "icon": pr_amazon.icon,
        "description_zh": pr_amazon.description_zh, "description_en": pr_amazon.description_en})
    assert response.status_code == 303
    assert audit_entries(app) == []


def test_a_slug_in_use_is_fixed_but_an_empty_categorys_slug_can_change(app, admin):
    pr_amazon = category(app, "pr-amazon")
    fields = {"name_zh": pr_amazon.name_zh, "name_en": pr_amazon.name_en, "icon": "",
              "description_zh": pr_amazon.description_zh, "description_en": pr_amazon.description_en}
    refused = post(admin, f"/en/staff/categories/{pr_amazon.id}/edit", {**fields, "slug": "amazon-research"})
    assert refused.status_code == 422
    assert "cannot change any more" in refused.text
    assert 'value="amazon-research"' in refused.text  # what was typed comes back
    assert category(app, "pr-amazon") is not None
    assert app.test_client().get("/c/pr-amazon").status_code == 200

    post(admin, "/staff/categories/new", NEW_CATEGORY)
    empty = category(app, "live-streaming")
    done = post(admin, f"/staff/categories/{empty.id}/edit", {**NEW_CATEGORY, "slug": "live-selling"})
    assert done.status_code == 303
    assert category(app, "live-selling").id == empty.id
    assert app.test_client().get("/c/live-streaming").status_code == 404
    assert json.loads(audit_entries(app, "category.edit")[0].after) == {"slug": "live-selling"}


def test_editing_a_missing_category_is_404(admin):
    assert admin.get("/staff/categories/999999/edit").status_code == 404
    assert post(admin, "/staff/categories/999999/edit", NEW_CATEGORY).status_code == 404


# Move


def test_moving_a_sub_category_takes_its_tools_to_the_new_parent_on_the_public_pages(app, admin):
    pr_amazon, keywords = category(app, "pr-amazon"), category(app, "keywords-listing")
    visitor = app.test_client()
    assert "alpha-scout" in card_slugs(visitor.get("/en/c/product-research").text)
    assert "alpha-scout" not in card_slugs(visitor.get("/en/c/keywords-listing").text)
    response = post(admin, f"/en/staff/categories/{pr_amazon.id}/move", {"parent_id": str(keywords.id)})
    assert response.status_code == 303
    moved = category(app, "pr-amazon")
    assert moved.parent_id == keywords.id
    assert "alpha-scout" in card_slugs(visitor.get("/en/c/keywords-listing").text)
    assert "alpha-scout" not in card_slugs(visitor.get("/en/c/product-research").text)
    home = visitor.get("/").text
    keywords_block = home.split('id="c-keywords-listing"')[1].split("</section>")[0]
    assert 'href="/c/pr-amazon"' in keywords_block
    [entry] = audit_entries(app, "category.move")
    assert json.loads(entry.before)["parent_id"] == category(app, "product-research").id
    assert json.loads(entry.after)["parent_id"] == keywords.id


def test_a_sub_category_can_move_to_the_top_level(app, admin):
    pr_amazon = category(app, "pr-amazon")
    assert post(admin, f"/staff/categories/{pr_amazon.id}/move", {"parent_id": ""}).status_code == 303
    assert category(app, "pr-amazon").parent_id is None
    assert 'id="c-pr-amazon"' in app.test_client().get("/").text


def test_moving_under_itself_its_descendant_a_sub_category_or_with_children_is_refused(app, admin):
    research, keywords = category(app, "product-research"), category(app, "keywords-listing")
    pr_amazon, kw_research = category(app, "pr-amazon"), category(app, "kw-research")
    before = snapshot_categories(app)
    cases = [
        (research.id, research.id, "cannot sit under itself"),
        (research.id, pr_amazon.id, "under one of its own sub-categories"),
        (pr_amazon.id, kw_research.id, "The site shows two levels"),
        (research.id, keywords.id, "has 3 sub-categories"),
        (pr_amazon.id, 999999, "Choose one of the listed categories"),
    ]
    for moving, parent, message in cases:
        response = post(admin, f"/en/staff/categories/{moving}/move", {"parent_id": str(parent)})
        assert response.status_code == 422, message
        assert message in response.text
        assert 'id="move-parent-error"' in response.text
    assert snapshot_categories(app) == before
    assert audit_entries(app) == []


# Reorder


def test_up_and_down_buttons_reorder_siblings_without_javascript(app, admin):
    visitor = app.test_client()
    home = visitor.get("/en/").text
    first_two = re.findall(r'<section class="category-block" id="c-([^"]+)"', home)[:2]
    assert first_two == ["product-research", "keywords-listing"]
    keywords = category(app, "keywords-listing")
    page = admin.get("/en/staff/categories").text
    assert re.search(r'name="direction" value="up"[^>]*disabled', page)  # the first one cannot go up
    response = post(admin, f"/en/staff/categories/{keywords.id}/reorder", {"direction": "up"})
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/en/staff/categories#category-{keywords.id}")
    assert "Moved “Keywords &amp; listings” up." in admin.get("/en/staff/categories").text
    home = visitor.get("/en/").text
    assert re.findall(r'<section class="category-block" id="c-([^"]+)"', home)[:2] == [
        "keywords-listing", "product-research"]
    [entry] = audit_entries(app, "category.reorder")
    assert (json.loads(entry.before)["place"], json.loads(entry.after)["place"]) == (2, 1)


def test_reordering_with_htmx_swaps_the_tree_in_place(app, admin):
    pr_social, pr_amazon = category(app, "pr-social"), category(app, "pr-amazon")
    response = post(admin, f"/en/staff/categories/{pr_social.id}/reorder", {"direction": "up"},
                    headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert "<html" not in response.text and response.text.lstrip().startswith('<div id="category-tree">')
    assert "HX-Request" in response.headers["Vary"]
    assert "Moved “TikTok &amp; social product research” up." in response.text
    order = tree_order(response.text)
    assert order.index(pr_social.id) < order.index(pr_amazon.id)
    with app.app_context():
        children = db.session.scalars(select(Category.slug).where(Category.parent_id == pr_amazon.parent_id)
                                      .order_by(Category.position, Category.id)).all()
    assert children[:2] == ["pr-social", "pr-amazon"]
    assert "<html" in admin.get("/en/staff/categories").text
    assert "<html" not in admin.get("/en/staff/categories", headers={"HX-Request": "true"}).text


def test_the_first_cannot_move_up_and_nothing_is_recorded(app, admin):
    research = category(app, "product-research")
    response = post(admin, f"/en/staff/categories/{research.id}/reorder", {"direction": "up"},
                    headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert "cannot move further" in response.text
    assert audit_entries(app) == []
    assert post(admin, f"/staff/categories/{research.id}/reorder", {"direction": "sideways"}).status_code == 400


# Delete


def test_deleting_a_category_with_tools_or_children_is_refused_saying_how_many(app, admin):
    before = snapshot_categories(app)
    research, pr_amazon = category(app, "product-research"), category(app, "pr-amazon")
    parent = post(admin, f"/en/staff/categories/{research.id}/delete")
    assert parent.status_code == 422
    assert "still has 0 tool(s) and 3 sub-category(ies)" in parent.text
    leaf = post(admin, f"/en/staff/categories/{pr_amazon.id}/delete")
    assert leaf.status_code == 422
    assert "still has 3 tool(s) and 0 sub-category(ies)" in leaf.text
    assert snapshot_categories(app) == before
    assert audit_entries(app) == []


def test_deleting_an_empty_category_removes_its_page_and_is_recorded(app, admin):
    post(admin, "/staff/categories/new", NEW_CATEGORY)
    created = category(app, "live-streaming")
    visitor = app.test_client()
    assert visitor.get("/en/c/live-streaming").status_code == 200
    assert "Live streaming" in visitor.get("/en/").text
    response = post(admin, f"/en/staff/categories/{created.id}/delete", {"reason": "created by mistake"})
    assert response.status_code == 303
    assert category(app, "live-streaming") is None
    assert visitor.get("/en/c/live-streaming").status_code == 404
    assert "Live streaming" not in visitor.get("/en/").text
    [entry] = audit_entries(app, "category.delete")
    assert json.loads(entry.before)["slug"] == "live-streaming" and entry.reason == "created by mistake"


# Tags, platforms, markets


def test_the_tag_list_shows_usage_counts(app, admin):
    page = admin.get("/en/staff/taxonomy/tags").text
    with app.app_context():
        tag_id = db.session.scalar(select(Tag.id).where(Tag.slug == "chrome-extension"))
    row = page.split(f'<tr id="term-{tag_id}"')[1].split("</tr>")[0]
    assert "Browser extension" in row and "<td>1</td>" in row
    assert admin.get("/staff/taxonomy/colours").status_code == 404


def test_renaming_a_tag_updates_search_and_the_tag_page(app, admin):
    visitor = app.test_client()
    assert search_slugs(visitor.get("/en/search?q=quokkaplug").text) == []
    with app.app_context():
        tag_id = db.session.scalar(select(Tag.id).where(Tag.slug == "chrome-extension"))
    response = post(admin, f"/en/staff/taxonomy/tags/{tag_id}/edit",
                    {"name_zh": "袋鼠插件", "name_en": "Quokkaplug", "slug": "chrome-extension"})
    assert response.status_code == 303
    assert search_slugs(visitor.get("/en/search?q=quokkaplug").text) == ["alpha-scout"]
    assert "alpha-scout" in search_slugs(visitor.get("/search?q=袋鼠插件").text)
    assert search_slugs(visitor.get("/en/search?q=browser extension").text) == []
    assert "Quokkaplug" in visitor.get("/en/tag/chrome-extension").text
    [entry] = audit_entries(app, "tag.edit")
    assert json.loads(entry.before) == {"name_zh": "浏览器插件", "name_en": "Browser extension"}


def test_a_new_tag_needs_both_names_and_a_free_slug(app, admin):
    with app.app_context():
        count = db.session.scalar(select(func.count()).select_from(Tag))
    for data, message in [({"name_zh": "", "name_en": "X", "slug": "x-tag"}, "both languages are required"),
                          ({"name_zh": "新", "name_en": "X", "slug": "saas"}, "already used"),
                          ({"name_zh": "新", "name_en": "X", "slug": "X_tag"}, "lower-case letters")]:
        response = post(admin, "/en/staff/taxonomy/tags/new", data)
        assert response.status_code == 422 and message in response.text
    created = post(admin, "/en/staff/taxonomy/tags/new", {"name_zh": "新标签", "name_en": "Fresh", "slug": "fresh"})
    assert created.status_code == 303
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Tag)) == count + 1
    assert [e.action for e in audit_entries(app)] == ["tag.create"]
    assert app.test_client().get("/en/tag/fresh").status_code == 200


def test_a_used_tag_keeps_its_slug(app, admin):
    with app.app_context():
        tag_id = db.session.scalar(select(Tag.id).where(Tag.slug == "chrome-extension"))
    response = post(admin, f"/en/staff/taxonomy/tags/{tag_id}/edit",
                    {"name_zh": "浏览器插件", "name_en": "Browser extension", "slug": "browser-extension"})
    assert response.status_code == 422 and "cannot change any more" in response.text
    assert app.test_client().get("/tag/chrome-extension").status_code == 200


def test_deleting_a_tag_takes_it_off_its_tools_and_out_of_search(app, admin):
    with app.app_context():
        tag_id = db.session.scalar(select(Tag.id).where(Tag.slug == "chrome-extension"))
    post(admin, f"/staff/taxonomy/tags/{tag_id}/edit",
         {"name_zh": "袋鼠插件", "name_en": "Quokkaplug", "slug": "chrome-extension"})
    visitor = app.test_client()
    assert search_slugs(visitor.get("/en/search?q=quokkaplug").text) == ["alpha-scout"]
    response = post(admin, f"/en/staff/taxonomy/tags/{tag_id}/delete", {"reason": "too vague"})
    assert response.status_code == 303
    assert "taken off 1 tool(s)" in admin.get(response.headers["Location"]).text
    with app.app_context():
        assert db.session.get(Tag, tag_id) is None
        assert db.session.scalar(select(func.count()).select_from(tool_tag).where(tool_tag.c.tag_id == tag_id)) == 0
        assert db.session.scalar(select(Tool.id).where(Tool.slug == "alpha-scout")) is not None
    assert search_slugs(visitor.get("/en/search?q=quokkaplug").text) == []
    assert visitor.get("/en/t/alpha-scout").status_code == 200
    assert visitor.get("/en/tag/chrome-extension").status_code == 404
    [entry] = audit_entries(app, "tag.delete")
    assert json.loads(entry.before)["tools"] == 1 and entry.reason == "too vague"


def test_a_platform_mode_needs_a_family_that_is_not_a_mode_and_a_mode_name(app, admin):
    with app.app_context():
        ids = dict(db.session.execute(select(Platform.slug, Platform.id)).all())
    base = {"name_zh": "速卖通全托管", "name_en": "AliExpress choice", "slug": "aliexpress-choice", "position": "40"}
    cases = [({"family_id": str(ids["temu-full"]), "mode": "full_managed"}, "itself a mode"),
             ({"family_id": str(ids["aliexpress"]), "mode": ""}, "needs a mode name"),
             ({"family_id": "", "mode": "full_managed"}, "Only a mode of a platform"),
             ({"family_id": str(ids["aliexpress"]), "mode": "Full Managed"}, "underscores"),
             ({"family_id": str(ids["aliexpress"]), "mode": "full_managed", "position": "x"}, "whole number")]
    for change, message in cases:
        response = post(admin, "/en/staff/taxonomy/platforms/new", {**base, **change})
        assert response.status_code == 422 and message in response.text, message
    assert audit_entries(app) == []
    created = post(admin, "/en/staff/taxonomy/platforms/new",
                   {**base, "family_id": str(ids["aliexpress"]), "mode": "full_managed"})
    assert created.status_code == 303
    with app.app_context():
        platform = db.session.scalar(select(Platform).where(Platform.slug == "aliexpress-choice"))
        assert (platform.family_id, platform.mode, platform.position) == (ids["aliexpress"], "full_managed", 40)
    temu = post(admin, f"/en/staff/taxonomy/platforms/{ids['temu']}/edit",
                {"name_zh": "Temu", "name_en": "Temu", "slug": "temu", "position": "6",
                 "family_id": str(ids["amazon"]), "mode": "x"})
    assert temu.status_code == 422 and "has 2 mode(s) of its own" in temu.text


def test_renaming_a_platform_shows_on_its_public_page(app, admin):
    visitor = app.test_client()
    assert "Tools for Amazon" in visitor.get("/en/p/amazon").text
    with app.app_context():
        amazon = db.session.scalar(select(Platform).where(Platform.slug == "amazon"))
        data = {"name_zh": "亚马逊", "name_en": "Amazon Marketplace", "slug": "amazon",
                "position": str(amazon.position)}
    assert post(admin, f"/staff/taxonomy/platforms/{amazon.id}/edit", data).status_code == 303
    assert "Tools for Amazon Marketplace" in visitor.get("/en/p/amazon").text
    [entry] = audit_entries(app, "platform.edit")
    assert json.loads(entry.after) == {"name_en": "Amazon Marketplace"}


def test_a_platform_or_market_in_use_is_not_deleted(app, admin):
    with app.app_context():
        amazon = db.session.scalar(select(Platform.id).where(Platform.slug == "amazon"))
        temu = db.session.scalar(select(Platform.id).where(Platform.slug == "temu"))
        us = db.session.scalar(select(Market.id).where(Market.slug == "us"))
        tools_on_amazon = db.session.scalar(select(func.count(ToolPlatform.tool_id.distinct()))
                                            .where(ToolPlatform.platform_id == amazon))
    refused = post(admin, f"/en/staff/taxonomy/platforms/{amazon}/delete")
    assert refused.status_code == 422
    assert f"Not deleted: {tools_on_amazon} tool(s), 0 platform mode(s)" in refused.text
    assert post(admin, f"/en/staff/taxonomy/platforms/{temu}/delete").status_code == 422  # its modes
    assert post(admin, f"/en/staff/taxonomy/markets/{us}/delete").status_code == 422
    with app.app_context():
        assert db.session.get(Platform, amazon) and db.session.get(Market, us)
    assert audit_entries(app) == []


def test_a_platform_in_a_users_store_accounts_is_not_deleted(app, admin):
    owner = make_user(app, "storeowner", phone="+8613800000099")
    with app.app_context():
        wayfair = db.session.scalar(select(Platform.id).where(Platform.slug == "wayfair"))
        db.session.add(StoreAccount(user_id=owner, platform_id=wayfair, store_name="My store"))
        db.session.commit()
    response = post(admin, f"/en/staff/taxonomy/platforms/{wayfair}/delete")
    assert response.status_code == 422 and "1 users' store account(s)" in response.text
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(StoreAccount)) == 1


def test_an_unused_market_is_deleted_and_recorded(app, admin):
    created = post(admin, "/staff/taxonomy/markets/new",
                   {"name_zh": "南极", "name_en": "Antarctica", "slug": "aq", "position": "99"})
    assert created.status_code == 303
    with app.app_context():
        market_id = db.session.scalar(select(Market.id).where(Market.slug == "aq"))
    visitor = app.test_client()
    assert "Antarctica" in visitor.get("/en/c/product-research").text  # the market filter lists it
    assert post(admin, f"/staff/taxonomy/markets/{market_id}/delete").status_code == 303
    assert "Antarctica" not in visitor.get("/en/c/product-research").text
    assert [e.action for e in audit_entries(app)] == ["market.create", "market.delete"]


# Cost


def _list_query_counts(admin, count_queries) -> dict[str, int]:
    counts = {}
    for path in ("/en/staff/categories", "/en/staff/taxonomy/tags", "/en/staff/taxonomy/platforms",
                 "/en/staff/taxonomy/markets"):
        with count_queries() as counter:
            assert admin.get(path).status_code == 200
        counts[path] = counter.count
    return counts


def test_the_list_pages_run_a_fixed_number_of_queries(app, admin, count_queries):
    admin.get("/en/staff/categories")  # warm what a first request loads once
    small = _list_query_counts(admin, count_queries)
    with app.app_context():
        for number in range(15):
            top = Category(slug=f"extra-{number}", name_zh=f"额外{number}", name_en=f"Extra {number}",
                           position=100 + number)
            db.session.add(top)
            db.session.flush()
            db.session.add(Category(slug=f"extra-{number}-child", name_zh="子", name_en="Child", parent_id=top.id))
            db.session.add(Tag(slug=f"extra-tag-{number}", name_zh="标签", name_en="Tag"))
            db.session.add(Market(slug=f"x{number}", name_zh="市场", name_en="Market", position=100 + number))
            db.session.add(Platform(slug=f"extra-platform-{number}", name_zh="平台", name_en="Platform",
                                    position=100 + number))
        db.session.commit()
    assert _list_query_counts(admin, count_queries) == small
