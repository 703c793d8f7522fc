"""Account names stay private and unique in any case; display names are their own, neutral by default.

Seen in the security review: registration copied the account name (the private sign-in name the
forms promise not to show) into the display name every page shows, and "Seller1" could be
registered beside "seller1" (SQLite's NOCASE folds only ASCII, PostgreSQL folds nothing).
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from extensions import db
from models import Notification, OutboxMessage, User
from services.account_names import account_name_key, neutral_display_name
from tests.accounts import PASSWORD, last_code, make_user, post_form, sign_in
from tests.conftest import make_app
from tests.test_migrations import empty_database_url  # noqa: F401  (the fixture)

NEUTRAL = re.compile(r"卖家\d{6}")


def _register(app, client, name: str, phone: str, **extra):
    post_form(client, "/en/register", {"phone": phone, "action": "send_code"})
    return post_form(client, "/en/register", {
        "account_name": name, "password": PASSWORD, "phone": phone, "code": last_code(app, "+86" + phone),
        "accept_terms": "y", "action": "register", **extra})


def test_registering_without_a_display_name_gives_a_neutral_one_never_the_account_name(app, client):
    response = _register(app, client, "mysecretname", "13800000091")
    assert response.status_code == 303
    with app.app_context():
        user = db.session.scalar(select(User).where(User.account_name == "mysecretname"))
        assert NEUTRAL.fullmatch(user.display_name)
        assert "mysecretname" not in user.display_name and "0091" not in user.display_name
    assert "mysecretname" not in client.get("/en/").text  # the header shows the display name


def test_a_display_name_given_at_registration_is_cleaned_like_every_name(app, client):
    response = _register(app, client, "seller9", "13800000092", display_name="  Ｂｅｓｔ　Ｓｅｌｌｅｒ ")
    assert response.status_code == 303
    with app.app_context():
        assert db.session.scalar(select(User.display_name).where(User.account_name == "seller9")) == "Best Seller"
    refused = _register(app, app.test_client(), "seller8", "13800000093", display_name="evil\u202eName")
    assert refused.status_code == 422 and "Remove invisible or control characters" in refused.text


def test_an_account_name_in_another_case_is_taken_and_signs_in_to_the_same_account(app, client):
    make_user(app, "seller1")
    refused = _register(app, client, "SELLER1", "13800000094")
    assert refused.status_code == 422 and "This account name is taken" in refused.text
    sign_in(app.test_client(), "Seller1")


@pytest.mark.parametrize("other", ["SELLER1", "Seller1"])
def test_the_database_refuses_a_second_account_name_of_the_same_key(app, other):
    make_user(app, "seller1")
    with app.app_context():
        db.session.add(User(account_name=other, display_name=neutral_display_name(), role="user", status="active"))
        with pytest.raises(IntegrityError):
            db.session.flush()
        db.session.rollback()


def test_the_key_is_nfkc_and_case_folded():
    assert account_name_key("Ｓｅｌｌｅｒ１") == account_name_key("seller1") == "seller1"
    assert account_name_key("STRASSE") == account_name_key("straße")
    assert account_name_key(None) is None and account_name_key("  ") is None
    assert len({neutral_display_name() for _ in range(20)}) > 1


def test_migration_0015_renames_later_duplicates_and_replaces_display_names_that_were_account_names(
        empty_database_url):  # noqa: F811
    app = make_app(empty_database_url)
    insert = sa.text(
        "INSERT INTO user_account (account_name, display_name, phone, phone_verified_at, must_change_password,"
        " role, status, security_notice_channel, created_at) VALUES (:name, :display, :phone, :verified, :no,"
        " 'user', 'active', 'sms', :created)"
    ).bindparams(sa.bindparam("verified", type_=sa.DateTime(timezone=True)),
                 sa.bindparam("created", type_=sa.DateTime(timezone=True)), sa.bindparam("no", type_=sa.Boolean))
    people = [  # (account name, display name, phone), oldest first
        ("seller1", "seller1", "+8613800000101"),
        ("Seller1", "Real Name", "+8613800000102"),
        ("SELLER1", "SELLER1", None),
        ("other", "Other Shop", "+8613800000104"),
    ]
    with app.app_context():
        upgrade(revision="0014")
        with db.engine.begin() as connection:
            for day, (name, display, phone) in enumerate(people, start=1):
                connection.execute(insert, {"name": name, "display": display, "phone": phone, "no": False,
                                            "verified": datetime(2026, 1, day, tzinfo=UTC) if phone else None,
                                            "created": datetime(2026, 1, day, tzinfo=UTC)})
        upgrade()
        users = {u.phone or u.account_name: u for u in db.session.scalars(select(User).order_by(User.id))}
        notices = {(n.user_id, n.kind): json.loads(n.detail) for n in db.session.scalars(select(Notification))}
        sms = db.session.scalars(select(OutboxMessage)).all()
        db.session.remove()
        db.engine.dispose()
    first, second, third, other = (users["+8613800000101"], users["+8613800000102"], users["SELLER1-3"],
                                   users["+8613800000104"])
    assert [first.account_name, second.account_name, third.account_name] == ["seller1", "Seller1-2", "SELLER1-3"]
    assert other.account_name == "other" and other.display_name == "Other Shop"
    assert NEUTRAL.fullmatch(first.display_name) and NEUTRAL.fullmatch(third.display_name)
    assert second.display_name == "Real Name"

    assert notices[(second.id, "account_name_renamed")] == {"old": "Seller1", "new": "Seller1-2"}
    assert notices[(first.id, "display_name_assigned")] == {"name": first.display_name}
    assert (first.id, "account_name_renamed") not in notices
    assert [(m.recipient, m.kind) for m in sms] == [("+8613800000102", "account_name_renamed")]
    assert "Seller1-2" in sms[0].body and "手机号登录" in sms[0].body
