"""Preferences kept for an account: set, replace, dismiss a notice, clear."""

import pytest

from extensions import db
from services import preferences
from tests.accounts import make_user


@pytest.fixture
def user_id(app):
    uid = make_user(app)
    with app.app_context():
        yield uid


def test_a_preference_is_kept_and_replaced(user_id):
    preferences.set_preference(user_id, preferences.LANGUAGE, "en")
    preferences.set_preference(user_id, preferences.LANGUAGE, "zh")
    db.session.commit()
    assert preferences.get_preference(user_id, preferences.LANGUAGE) == "zh"
    assert preferences.all_preferences(user_id) == {"language": "zh"}


def test_a_dismissed_notice_is_remembered(user_id):
    assert not preferences.has_dismissed(user_id, "cookies")
    preferences.dismiss_notice(user_id, "cookies")
    db.session.commit()
    assert preferences.has_dismissed(user_id, "cookies")


def test_clearing_forgets_only_this_accounts_preferences(app, user_id):
    other = make_user(app, "seller2", phone="+8613800000002")
    preferences.set_preference(user_id, preferences.THEME, "dark")
    preferences.set_preference(other, preferences.THEME, "dark")
    db.session.commit()
    assert preferences.clear_preferences(user_id) == 1
    db.session.commit()
    assert preferences.all_preferences(user_id) == {}
    assert preferences.all_preferences(other) == {"theme": "dark"}
