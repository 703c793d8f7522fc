"""Merging a duplicate tool: nothing people did is lost, counters stay exact, the old address redirects."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from extensions import db
from models import (
    Base,
    Collection,
    CollectionItem,
    Favorite,
    HelpfulVote,
    LinkCheck,
    Rating,
    Report,
    Tool,
    ToolClickDay,
    ToolSlugRedirect,
    ToolView,
    User,
)
from services import clicks, clock, collections, favorites, ratings, reports
from services.browsing_history import record_view
from services.catalog_version import current_catalog_version
from services.moderation import tool_merge
from services.search import search_tools
from services.search.params import SearchQuery
from tests.accounts import csrf_from, make_user, sign_in
from tests.test_moderation import audit_entries
from tests.test_ratings import rate, seller, tool_id_of


def _references_to_tool() -> set[tuple[str, str]]:
    return {
        (table.name, column.name)
        for table in Base.metadata.sorted_tables
        for column in table.columns
        for key in column.foreign_keys
        if key.column.table.name == "tool" and key.column.name == "id"
    }


def test_every_foreign_key_to_a_tool_is_moved_or_deliberately_dropped():
    references = _references_to_tool()
    missing = references - tool_merge.FATES.keys()
    assert not missing, f"decide what a merge does with {sorted(missing)} in services/moderation/tool_merge.py FATES"
    assert not tool_merge.FATES.keys() - references, "FATES names a column that no longer points at tool.id"
    for column, fate in tool_merge.FATES.items():
        assert fate.action in ("move", "drop") and len(fate.why) > 20, column


@pytest.fixture
def busy_pair(app, catalog):
    """Alpha Scout (the duplicate) and Bravo Ads (the survivor), with something of every kind on both."""
    duplicate, survivor = tool_id_of(app, "alpha-scout"), tool_id_of(app, "bravo-ads")
    only_dup, only_surv, both = (seller(app, name) for name in ("onlydup", "onlysurv", "both"))
    voter = seller(app, "voter")
    day_one = clock.now().replace(hour=12) - timedelta(days=3)
    clock.freeze(day_one)
    kept_review = rate(app, only_dup, duplicate, 5, "Great for keyword research")
    rate(app, only_surv, survivor, 3)
    dropped = rate(app, both, duplicate, 1, "duplicate listing, worse")
    rate(app, both, survivor, 4)
    with app.app_context():
        user = db.session.get
        ratings.toggle_helpful(user(User, voter), kept_review.id)
        ratings.toggle_helpful(user(User, voter), dropped.id)
        reports.report_tool(user(User, voter), duplicate, "wrong_info", "same as Bravo Ads")
        reports.report_review(user(User, only_surv), dropped.id, "spam", "")
        for user_id, tool_ids in ((only_dup, [duplicate]), (only_surv, [survivor]), (both, [duplicate, survivor])):
            for tool_id in tool_ids:
                favorites.collect(user_id, tool_id)
                record_view(user_id, tool_id, 50)
        mine = collections.create_collection(both, name="Ads tools")
        solo = collections.create_collection(only_dup, name="Research")
        collections.add_tool(mine.id, duplicate)
        collections.add_tool(mine.id, survivor)
        collections.add_tool(solo.id, duplicate)
        # Clicks on two days: one day both tools were clicked, one day only the duplicate.
        for visitor in ("v1", "v2"):
            clicks.record_click(duplicate, visitor)
        clicks.record_click(survivor, "v3")
        clock.advance(timedelta(days=1))
        clicks.record_click(duplicate, "v4")
        db.session.add(ToolSlugRedirect(old_slug="alpha-scout-old", tool_id=duplicate, created_at=clock.now()))
        db.session.add(LinkCheck(tool_id=duplicate, checked_at=clock.now(), outcome="live"))
        db.session.commit()
    clock.advance(timedelta(hours=2))  # the duplicate's later view of the user who saw both
    later_view = clock.now()
    with app.app_context():
        record_view(both, duplicate, 50)
    clock.unfreeze()
    return {"duplicate": duplicate, "survivor": survivor, "both": both, "only_dup": only_dup,
            "kept_review": kept_review.id, "dropped": dropped.id, "later_view": later_view}


def _totals(app, tool_ids) -> dict:
    """What people did with these tools, counted per person (one favorite per user and so on)."""
    with app.app_context():
        def distinct(column, tool_column):
            return db.session.scalar(select(func.count(func.distinct(column))).where(tool_column.in_(tool_ids)))

        return {
            "favoriting users": distinct(Favorite.user_id, Favorite.tool_id),
            "rating users": distinct(Rating.user_id, Rating.tool_id),
            "collections": distinct(CollectionItem.collection_id, CollectionItem.tool_id),
            "viewers": distinct(ToolView.user_id, ToolView.tool_id),
            "clicks": db.session.scalar(select(func.sum(Tool.click_count)).where(Tool.id.in_(tool_ids))),
            "click days": db.session.scalar(select(func.sum(ToolClickDay.clicks))
                                            .where(ToolClickDay.tool_id.in_(tool_ids))),
            "tool reports": db.session.scalar(select(func.count()).select_from(Report)
                                              .where(Report.tool_id.in_(tool_ids), Report.target_type == "tool")),
        }


def _merge(app, pair, reason="duplicate listing"):
    admin = make_user(app, "mergeadmin", phone="+8613800000099", role="admin")
    with app.app_context():
        return tool_merge.merge_tools(pair["duplicate"], pair["survivor"], actor_id=admin, reason=reason,
                                      upload_dir=app.config["UPLOAD_DIR"])


def test_a_merge_loses_nothing_and_keeps_every_counter_exact(app, busy_pair):
    pair = busy_pair
    before = _totals(app, [pair["duplicate"], pair["survivor"]])
    version = _version(app)
    moved = _merge(app, pair)
    after = _totals(app, [pair["survivor"]])
    assert after == before
    assert (moved.favorites, moved.favorites_shared, moved.ratings, moved.ratings_shared) == (2, 1, 2, 1)
    with app.app_context():
        survivor = db.session.get(Tool, pair["survivor"])
        assert survivor.favorite_count == 3
        assert survivor.click_count == 4
        summary = ratings.tool_rating_summary(pair["survivor"])
        assert (survivor.rating_count, survivor.rating_avg) == (summary["count"], summary["average"]) == (3, 4.0)
        assert summary["histogram"] == {5: 1, 4: 1, 3: 1, 2: 0, 1: 0}
        # The user who rated both keeps their rating of the survivor; the dropped one took its vote and report.
        assert db.session.scalar(select(Rating.stars).where(Rating.user_id == pair["both"])) == 4
        assert db.session.get(Rating, pair["dropped"]) is None
        assert db.session.scalar(select(func.count()).select_from(Report).where(Report.target_type == "review")) == 0
        kept = db.session.get(Rating, pair["kept_review"])
        assert kept.tool_id == pair["survivor"] and kept.helpful_count == 1
        assert db.session.scalar(select(func.count()).select_from(HelpfulVote)) == 1
        days = dict(db.session.execute(select(ToolClickDay.day, ToolClickDay.clicks)
                                       .where(ToolClickDay.tool_id == pair["survivor"])).all())
        assert sorted(days.values()) == [1, 3]
        views = db.session.execute(select(ToolView.tool_id, ToolView.viewed_at)
                                   .where(ToolView.user_id == pair["both"])).all()
        assert views == [(pair["survivor"], pair["later_view"])]  # one row, at the later of the two views
        ads = db.session.scalar(select(Collection.id).where(Collection.name == "Ads tools"))
        assert db.session.scalars(select(CollectionItem.tool_id).where(CollectionItem.collection_id == ads)).all() \
            == [pair["survivor"]]
        assert _version(app) > version


def test_after_a_merge_no_row_points_at_the_deleted_tool(app, busy_pair):
    _merge(app, busy_pair)
    with app.app_context():
        assert db.session.get(Tool, busy_pair["duplicate"]) is None
        for table_name, column_name in _references_to_tool():
            table = Base.metadata.tables[table_name]
            left = db.session.scalar(select(func.count()).select_from(table)
                                     .where(table.c[column_name] == busy_pair["duplicate"]))
            assert left == 0, (table_name, column_name)


def test_the_old_addresses_redirect_to_the_survivor_in_both_languages(app, busy_pair):
    _merge(app, busy_pair)
    visitor = app.test_client()
    for old in ("alpha-scout", "alpha-scout-old"):
        zh = visitor.get(f"/t/{old}")
        assert zh.status_code == 301 and zh.headers["Location"].endswith("/t/bravo-ads"), old
        en = visitor.get(f"/en/t/{old}")
        assert en.status_code == 301 and en.headers["Location"].endswith("/en/t/bravo-ads"), old
        go = visitor.get(f"/go/{old}")  # outbound links shared before the merge keep working
        assert go.status_code == 301 and go.headers["Location"].endswith("/go/bravo-ads"), old
    with app.app_context():
        redirects = dict(db.session.execute(select(ToolSlugRedirect.old_slug, ToolSlugRedirect.tool_id)).all())
        assert redirects == {"alpha-scout": busy_pair["survivor"], "alpha-scout-old": busy_pair["survivor"]}
        # Old Tool named the duplicate as its successor; it names the survivor now.
        assert db.session.scalar(select(Tool.successor_id).where(Tool.slug == "old-tool")) == busy_pair["survivor"]
        assert "alpha-scout" not in [t.slug for t in search_tools("alpha", SearchQuery(), "en", 10).pagination.items]
    [entry] = audit_entries(app, "tool.merge")
    assert json.loads(entry.before)["slug"] == "alpha-scout" and entry.reason == "duplicate listing"
    assert json.loads(entry.after) == {"survivor_id": busy_pair["survivor"], "survivor_slug": "bravo-ads"}


def test_a_survivor_that_named_the_duplicate_as_successor_no_longer_succeeds_itself(app, catalog):
    old_tool, alpha = tool_id_of(app, "old-tool"), tool_id_of(app, "alpha-scout")
    admin = make_user(app, "mergeadmin", phone="+8613800000099", role="admin")
    with app.app_context():
        tool_merge.merge_tools(alpha, old_tool, actor_id=admin, reason="x", upload_dir=app.config["UPLOAD_DIR"])
        assert db.session.get(Tool, old_tool).successor_id is None


def test_a_merge_into_itself_or_a_missing_tool_changes_nothing(app, catalog):
    alpha = tool_id_of(app, "alpha-scout")
    admin = make_user(app, "mergeadmin", phone="+8613800000099", role="admin")
    with app.app_context():
        for survivor, code in ((alpha, "same_tool"), (999999, "missing_survivor")):
            with pytest.raises(tool_merge.MergeError) as refused:
                tool_merge.merge_tools(alpha, survivor, actor_id=admin, reason="x", upload_dir="/nonexistent")
            assert refused.value.code == code
        with pytest.raises(tool_merge.MergeError) as refused:
            tool_merge.merge_tools(999999, alpha, actor_id=admin, reason="x", upload_dir="/nonexistent")
        assert refused.value.code == "missing_source"
        assert db.session.get(Tool, alpha) is not None
    assert audit_entries(app, "tool.merge") == []


# ---- the staff pages -----------------------------------------------------------------------------

def test_the_confirmation_page_shows_what_moves_then_the_merge_redirects_to_the_survivor(app, busy_pair, admin):
    duplicate = busy_pair["duplicate"]
    page = admin.get(f"/en/staff/tools/{duplicate}/merge?into=bravo-ads")
    assert page.status_code == 200
    assert "2 move (1 users had both: one is kept)" in page.text
    assert "Merge and delete" in page.text
    token = csrf_from(page.text)
    refused = admin.post(f"/en/staff/tools/{duplicate}/merge", data={"csrf_token": token, "into": "bravo-ads"})
    assert refused.status_code == 422 and "Give a reason" in refused.text
    assert _tool_exists(app, duplicate)
    done = admin.post(f"/en/staff/tools/{duplicate}/merge",
                      data={"csrf_token": token, "into": "bravo-ads", "reason": "same product"})
    assert done.status_code == 303
    assert done.headers["Location"].endswith(f"/en/staff/tools/{busy_pair['survivor']}/edit")
    assert not _tool_exists(app, duplicate)
    assert "is merged into this tool" in admin.get(done.headers["Location"]).text


@pytest.mark.parametrize(("into", "message"), [
    ("alpha-scout", "cannot be merged into itself"),
    ("no-such-tool", "No tool has the address"),
    ("", "Enter the address of the tool that stays"),
])
def test_a_merge_into_itself_or_nowhere_is_refused_by_the_page(app, admin, into, message):
    alpha = tool_id_of(app, "alpha-scout")
    token = csrf_from(admin.get(f"/en/staff/tools/{alpha}/merge").text)
    response = admin.post(f"/en/staff/tools/{alpha}/merge", data={"csrf_token": token, "into": into, "reason": "x"})
    assert response.status_code == 422 and message in response.text
    assert _tool_exists(app, alpha)


def test_moderators_and_forged_posts_cannot_merge(app, admin):
    alpha = tool_id_of(app, "alpha-scout")
    make_user(app, "moduser", phone="+8613800000012", role="moderator")
    moderator = app.test_client()
    sign_in(moderator, "moduser")
    token = csrf_from(moderator.get("/staff").text)
    assert moderator.post(f"/staff/tools/{alpha}/merge",
                          data={"csrf_token": token, "into": "bravo-ads", "reason": "x"}).status_code == 403
    assert admin.post(f"/staff/tools/{alpha}/merge", data={"into": "bravo-ads", "reason": "x"}).status_code == 400
    assert _tool_exists(app, alpha)


def _tool_exists(app, tool_id: int) -> bool:
    with app.app_context():
        return db.session.get(Tool, tool_id) is not None


def _version(app) -> int:
    with app.app_context():
        return current_catalog_version()


def test_submissions_suggestions_claims_and_the_vendor_follow_the_survivor(app, busy_pair):
    from models import EditSuggestion, ToolClaim, ToolSubmission

    duplicate, survivor = busy_pair["duplicate"], busy_pair["survivor"]
    vendor = make_user(app, "vendoruser", phone="+8613800000098")
    with app.app_context():
        db.session.add(ToolSubmission(user_id=vendor, url="https://alpha-scout.example.com/",
                                      url_normalized="alpha-scout.example.com", name="Alpha Scout",
                                      state="approved", tool_id=duplicate))
        db.session.add(EditSuggestion(tool_id=duplicate, user_id=vendor, changes="{}"))
        db.session.add(ToolClaim(tool_id=duplicate, user_id=vendor, state="approved"))
        db.session.execute(update(Tool).where(Tool.id == duplicate).values(vendor_id=vendor, vendor_since=clock.now()))
        db.session.commit()
    _merge(app, busy_pair)
    with app.app_context():
        for model in (ToolSubmission, EditSuggestion, ToolClaim):
            assert db.session.scalars(select(model.tool_id)).all() == [survivor], model.__name__
        assert db.session.get(Tool, survivor).vendor_id == vendor
