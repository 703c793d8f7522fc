"""Ratings and reviews as a service: one per user per tool, review states, bans, exact aggregates, votes."""

from __future__ import annotations

import itertools
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from extensions import db
from models import HelpfulVote, Rating, Tool, User
from services import clock, ratings
from services.catalog_version import current_catalog_version
from tests.accounts import make_user

OLD = timedelta(days=30)
_phones = itertools.count(1)


def tool_id_of(app, slug="alpha-scout") -> int:
    with app.app_context():
        return db.session.scalar(select(Tool.id).where(Tool.slug == slug))


def seller(app, name="seller1", *, age=OLD, **kwargs) -> int:
    """A verified user whose account is ``age`` old (old enough by default for reviews to show at once)."""
    kwargs.setdefault("password", None)  # no password hashing: these users never sign in through a page
    user_id = make_user(app, name, phone=kwargs.pop("phone", f"+86139{next(_phones):08d}"), **kwargs)
    with app.app_context():
        db.session.execute(update(User).where(User.id == user_id).values(created_at=clock.now() - age))
        db.session.commit()
    return user_id


def rate(app, user_id: int, tool_id: int, stars: int, review: str = "") -> Rating:
    with app.app_context():
        rating = ratings.rate_tool(db.session.get(User, user_id), tool_id, stars, review)
        db.session.refresh(rating)
        db.session.expunge(rating)
        return rating


def aggregates(app, tool_id: int) -> tuple[int, float]:
    with app.app_context():
        tool = db.session.get(Tool, tool_id)
        return tool.rating_count, tool.rating_avg


def from_scratch(app, tool_id: int) -> tuple[int, float]:
    """The aggregates recomputed in Python from every rating row and its author's status."""
    with app.app_context():
        rows = db.session.execute(
            select(Rating.stars, Rating.state, User.status).join(User, User.id == Rating.user_id)
            .where(Rating.tool_id == tool_id)
        ).all()
    counted = [stars for stars, state, status in rows if state == "visible" and status != "banned"]
    return len(counted), (sum(counted) / len(counted) if counted else 0.0)


def assert_exact(app, tool_id: int, count: int | None = None, average: float | None = None):
    stored, scratch = aggregates(app, tool_id), from_scratch(app, tool_id)
    assert stored[0] == scratch[0] and stored[1] == pytest.approx(scratch[1])
    if count is not None:
        assert stored[0] == count
    if average is not None:
        assert stored[1] == pytest.approx(average)


def test_rating_creates_then_edits_the_one_rating_per_user_and_tool(app, catalog):
    tool_id, user_id = tool_id_of(app), seller(app)
    first = rate(app, user_id, tool_id, 4, "  Good for keywords.  ")
    second = rate(app, user_id, tool_id, 2, "Changed my mind.")
    assert first.id == second.id
    assert second.stars == 2 and second.review == "Changed my mind."
    assert first.review == "Good for keywords."
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(Rating)) == 1
    assert_exact(app, tool_id, 1, 2.0)


def test_deleting_my_rating_removes_it_from_the_aggregates(app, catalog):
    tool_id, me, other = tool_id_of(app), seller(app), seller(app, "seller2")
    mine = rate(app, me, tool_id, 5)
    rate(app, other, tool_id, 3)
    with app.app_context():
        assert ratings.delete_rating(db.session.get(User, me), mine.id) == tool_id
    assert_exact(app, tool_id, 1, 3.0)


def test_someone_elses_rating_cannot_be_deleted(app, catalog):
    tool_id, me, other = tool_id_of(app), seller(app), seller(app, "seller2")
    theirs = rate(app, other, tool_id, 3, "Mine, not yours.")
    with app.app_context(), pytest.raises(ratings.NotAllowed):
        ratings.delete_rating(db.session.get(User, me), theirs.id)
    assert_exact(app, tool_id, 1, 3.0)


@pytest.mark.parametrize("stars", [0, 6, -1, "5", None, True])
def test_stars_outside_one_to_five_are_refused_by_the_service(app, catalog, stars):
    tool_id, user_id = tool_id_of(app), seller(app)
    with app.app_context(), pytest.raises(ratings.InvalidRating):
        ratings.rate_tool(db.session.get(User, user_id), tool_id, stars, "")
    assert_exact(app, tool_id, 0)


def test_a_review_over_2000_characters_is_refused_and_2000_is_fine(app, catalog):
    tool_id, user_id = tool_id_of(app), seller(app)
    with app.app_context(), pytest.raises(ratings.InvalidRating):
        ratings.rate_tool(db.session.get(User, user_id), tool_id, 4, "x" * 2001)
    assert rate(app, user_id, tool_id, 4, "x" * 2000 + "\n  ").review == "x" * 2000


def test_windows_line_endings_count_once(app, catalog):
    tool_id, user_id = tool_id_of(app), seller(app)
    assert rate(app, user_id, tool_id, 4, "a\r\nb").review == "a\nb"


def test_a_new_accounts_review_is_held_and_not_counted_but_its_stars_alone_are(app, catalog):
    tool_id = tool_id_of(app)
    newbie, starry, veteran = (seller(app, "newbie", age=timedelta(days=1)),
                               seller(app, "starry", age=timedelta(hours=2)), seller(app, "veteran"))
    assert rate(app, newbie, tool_id, 1, "Terrible!!!").state == "held"
    assert rate(app, starry, tool_id, 2).state == "visible"
    assert rate(app, veteran, tool_id, 5, "Solid tool.").state == "visible"
    assert_exact(app, tool_id, 2, 3.5)


def test_the_hold_age_is_configurable(app, catalog):
    app.config["REVIEW_HOLD_ACCOUNT_AGE_DAYS"] = 0
    tool_id, newbie = tool_id_of(app), seller(app, "newbie", age=timedelta(0))
    assert rate(app, newbie, tool_id, 4, "Fine.").state == "visible"


def test_editing_keeps_hidden_and_held_reviews_so_and_holds_a_new_accounts_new_text(app, catalog):
    tool_id = tool_id_of(app)
    hidden_author, held_author = seller(app, "hidden1"), seller(app, "held1", age=timedelta(days=1))
    hidden = rate(app, hidden_author, tool_id, 2, "Spam spam")
    with app.app_context():
        ratings.set_review_state(hidden.id, "hidden")
    assert rate(app, hidden_author, tool_id, 5, "Now honest, promise").state == "hidden"
    assert rate(app, held_author, tool_id, 3, "First words").state == "held"
    assert rate(app, held_author, tool_id, 4, "Second words").state == "held"

    clock.freeze(clock.now())
    fresh = seller(app, "fresh", age=timedelta(days=2))
    assert rate(app, fresh, tool_id, 4).state == "visible"  # stars only
    assert rate(app, fresh, tool_id, 5).state == "visible"  # stars changed, no text
    assert rate(app, fresh, tool_id, 5, "Now with words").state == "held"
    clock.advance(timedelta(days=2))
    assert rate(app, fresh, tool_id, 5, "Now with words").state == "held"  # held stays held
    assert_exact(app, tool_id, 0)


def test_an_older_account_editing_a_visible_review_stays_visible(app, catalog):
    tool_id, veteran = tool_id_of(app), seller(app, "veteran")
    rate(app, veteran, tool_id, 5, "Solid tool.")
    assert rate(app, veteran, tool_id, 4, "Solid tool, a bit pricey.").state == "visible"
    assert_exact(app, tool_id, 1, 4.0)


def test_staff_hiding_holding_and_showing_a_review_moves_the_aggregates(app, catalog):
    tool_id = tool_id_of(app)
    a, b, c = seller(app, "aaa"), seller(app, "bbb"), seller(app, "ccc")
    rating_a = rate(app, a, tool_id, 5, "Great")
    rate(app, b, tool_id, 3, "OK")
    rate(app, c, tool_id, 1)
    assert_exact(app, tool_id, 3, 3.0)
    with app.app_context():
        before = current_catalog_version()
        ratings.set_review_state(rating_a.id, "hidden")
        assert current_catalog_version() == before + 1
    assert_exact(app, tool_id, 2, 2.0)
    with app.app_context():
        ratings.set_review_state(rating_a.id, "held")
    assert_exact(app, tool_id, 2, 2.0)
    with app.app_context():
        ratings.set_review_state(rating_a.id, "visible")
    assert_exact(app, tool_id, 3, 3.0)
    with app.app_context(), pytest.raises(ValueError):
        ratings.set_review_state(rating_a.id, "deleted")


def test_banning_hides_the_authors_ratings_and_unbanning_restores_only_those_staff_had_not_hidden(app, catalog):
    alpha, zulu = tool_id_of(app), tool_id_of(app, "zulu-ai")
    spammer, honest = seller(app, "spammer"), seller(app, "honest")
    on_alpha = rate(app, spammer, alpha, 1, "Bad bad bad")
    rate(app, spammer, zulu, 1, "Also bad")
    rate(app, honest, alpha, 5, "Good")
    rate(app, honest, zulu, 4)
    with app.app_context():
        ratings.set_review_state(on_alpha.id, "hidden")
        ratings.set_author_banned(spammer, True, "Spam")
        user = db.session.get(User, spammer)
        assert user.status == "banned" and user.ban_reason == "Spam"
        assert [r.author for r in ratings.reviews_for_tool(zulu)] == []
    assert_exact(app, alpha, 1, 5.0)
    assert_exact(app, zulu, 1, 4.0)
    with app.app_context():
        assert db.session.get(Rating, on_alpha.id).state == "hidden"  # the ban did not touch states
        ratings.set_author_banned(spammer, False, None)
        assert db.session.get(User, spammer).ban_reason is None
        assert [r.author for r in ratings.reviews_for_tool(zulu)] == ["Spammer"]
        assert [r.author for r in ratings.reviews_for_tool(alpha)] == ["Honest"]
    assert_exact(app, alpha, 1, 5.0)  # the hidden one stays hidden
    assert_exact(app, zulu, 2, 2.5)


def test_aggregates_stay_exact_through_every_kind_of_change(app, catalog):
    tool_id = tool_id_of(app)
    users = [seller(app, f"mixer{n}", age=timedelta(days=1) if n % 4 == 0 else OLD) for n in range(12)]
    made = [rate(app, user, tool_id, n % 5 + 1, f"review {n}" if n % 2 else "") for n, user in enumerate(users)]
    with app.app_context():
        ratings.set_review_state(made[1].id, "hidden")
        ratings.set_review_state(made[3].id, "held")
        ratings.set_author_banned(users[5], True, "x")
        ratings.delete_rating(db.session.get(User, users[6]), made[6].id)
        ratings.set_review_state(made[0].id, "visible")
    rate(app, users[7], tool_id, 1, "edited")
    with app.app_context():
        ratings.set_author_banned(users[5], False, None)
    assert_exact(app, tool_id)
    stored = aggregates(app, tool_id)
    with app.app_context():
        db.session.execute(update(Tool).where(Tool.id == tool_id).values(rating_count=0, rating_avg=0))
        db.session.commit()
        ratings.recompute_tool_rating(tool_id)
    assert aggregates(app, tool_id) == stored


def test_summary_histogram_counts_only_counted_ratings(app, catalog):
    tool_id = tool_id_of(app)
    for n, stars in enumerate([5, 5, 4, 1]):
        rate(app, seller(app, f"hist{n}"), tool_id, stars)
    rate(app, seller(app, "heldone", age=timedelta(days=1)), tool_id, 2, "held text")
    with app.app_context():
        summary = ratings.tool_rating_summary(tool_id)
    assert summary == {"count": 4, "average": pytest.approx(3.75), "histogram": {5: 2, 4: 1, 3: 0, 2: 0, 1: 1}}


def test_reviews_show_display_names_helpful_first_then_newest_and_my_own_held_one(app, catalog):
    clock.freeze(clock.now())
    tool_id = tool_id_of(app)
    first, second, third = seller(app, "first1"), seller(app, "second2"), seller(app, "third3")
    newbie = seller(app, "newbie", age=timedelta(days=1))
    voters = [seller(app, f"voter{n}") for n in range(2)]
    r1 = rate(app, first, tool_id, 4, "oldest")
    clock.advance(timedelta(minutes=1))
    rate(app, second, tool_id, 3, "middle")
    clock.advance(timedelta(minutes=1))
    rate(app, third, tool_id, 5, "newest")
    rate(app, seller(app, "quiet"), tool_id, 5)  # no text: not a review
    rate(app, newbie, tool_id, 2, "waiting")
    with app.app_context():
        for voter in voters:
            ratings.toggle_helpful(db.session.get(User, voter), r1.id)
        anonymous = ratings.reviews_for_tool(tool_id)
        as_newbie = ratings.reviews_for_tool(tool_id, newbie)
        as_voter = ratings.reviews_for_tool(tool_id, voters[0])
    assert [r.review for r in anonymous] == ["oldest", "newest", "middle"]
    assert [r.author for r in anonymous] == ["First1", "Third3", "Second2"]
    assert anonymous[0].helpful_count == 2 and not any(r.voted for r in anonymous)
    assert [(r.review, r.state, r.is_own) for r in as_newbie if r.is_own] == [("waiting", "held", True)]
    assert [r.voted for r in as_voter] == [True, False, False]


def test_a_helpful_vote_is_one_per_user_withdrawable_and_never_on_my_own_review(app, catalog):
    tool_id, author, voter, other = tool_id_of(app), seller(app, "author"), seller(app, "voter"), seller(app, "other")
    review = rate(app, author, tool_id, 4, "Useful")
    with app.app_context():
        assert ratings.toggle_helpful(db.session.get(User, voter), review.id) == (True, 1)
        assert ratings.toggle_helpful(db.session.get(User, other), review.id) == (True, 2)
        assert ratings.toggle_helpful(db.session.get(User, voter), review.id) == (False, 1)
        assert ratings.toggle_helpful(db.session.get(User, voter), review.id) == (True, 2)
        with pytest.raises(ratings.NotAllowed):
            ratings.toggle_helpful(db.session.get(User, author), review.id)
        assert db.session.scalar(select(db.func.count()).select_from(HelpfulVote)) == 2
        assert db.session.get(Rating, review.id).helpful_count == 2


def test_held_or_star_only_ratings_cannot_be_voted_on(app, catalog):
    tool_id, voter = tool_id_of(app), seller(app, "voter")
    held = rate(app, seller(app, "newbie", age=timedelta(days=1)), tool_id, 4, "Held")
    stars_only = rate(app, seller(app, "starry"), tool_id, 4)
    with app.app_context():
        for rating in (held, stars_only):
            with pytest.raises(ratings.NotFound):
                ratings.toggle_helpful(db.session.get(User, voter), rating.id)


def test_parallel_helpful_votes_keep_the_count_exact(app, catalog):
    tool_id, author = tool_id_of(app), seller(app, "author")
    review = rate(app, author, tool_id, 4, "Useful")
    voters = [seller(app, f"pvoter{n}") for n in range(20)]

    def vote(user_id):
        with app.app_context():
            try:
                return ratings.toggle_helpful(db.session.get(User, user_id), review.id)
            finally:
                db.session.remove()

    with ThreadPoolExecutor(max_workers=10) as pool:
        list(pool.map(vote, voters + voters[:5]))  # five change their mind
    with app.app_context():
        assert db.session.get(Rating, review.id).helpful_count == 15
        assert db.session.scalar(select(db.func.count()).select_from(HelpfulVote)) == 15


def test_my_ratings_lists_every_rating_with_its_tool_newest_first(app, catalog):
    clock.freeze(clock.now())
    me = seller(app)
    rate(app, me, tool_id_of(app), 4, "A")
    clock.advance(timedelta(minutes=1))
    rate(app, me, tool_id_of(app, "mai-jia"), 3)
    with app.app_context():
        mine = ratings.my_ratings(me)
        assert [(m.tool_slug, m.rating.stars) for m in mine] == [("mai-jia", 3), ("alpha-scout", 4)]
        assert mine[0].tool_display_name("en") == "Seller Helper" and mine[0].tool_display_name("zh") == "卖家助手"


def test_banned_or_unverified_users_cannot_rate_through_the_service(app, catalog):
    tool_id = tool_id_of(app)
    banned = seller(app, "banned1", status="banned", ban_reason="Spam")
    unverified = seller(app, "unver", verified=False)
    for user_id in (banned, unverified):
        with app.app_context(), pytest.raises(ratings.NotAllowed):
            ratings.rate_tool(db.session.get(User, user_id), tool_id, 5, "")
    assert_exact(app, tool_id, 0)


WRITERS = 24


def test_parallel_writers_rating_one_tool_end_with_exact_count_and_average(app, catalog):
    tool_id = tool_id_of(app)
    user_ids = [seller(app, f"writer{n}") for n in range(WRITERS)]
    with app.app_context():  # loaded beforehand, so no writer holds a pooled connection while it waits
        users = [db.session.get(User, user_id) for user_id in user_ids]
        db.session.expunge_all()
    start = threading.Barrier(WRITERS)

    def write(args):
        n, user = args
        start.wait(timeout=30)
        with app.app_context():
            try:
                ratings.rate_tool(user, tool_id, n % 5 + 1, f"parallel {n}")
                for edit in (1, 2):  # every writer edits too
                    ratings.rate_tool(user, tool_id, (n + edit) % 5 + 1, f"edit {edit} of {n}")
                if n % 6 == 0:
                    ratings.delete_rating(user, ratings.rating_of(user.id, tool_id).id)
            finally:
                db.session.remove()

    with ThreadPoolExecutor(max_workers=WRITERS) as pool:
        list(pool.map(write, enumerate(users)))
    kept = [(n + 2) % 5 + 1 for n in range(WRITERS) if n % 6]
    assert_exact(app, tool_id, len(kept), sum(kept) / len(kept))
    with app.app_context():
        assert ratings.tool_rating_summary(tool_id)["count"] == len(kept)
