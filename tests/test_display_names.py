"""Names shown to others carry no invisible or direction-changing characters, wherever they come from.

Security review finding 11: a WeChat nickname with a right-to-left override or zero-width characters became a
display name as it was (escaped, so no XSS, but it could impersonate another name or reorder the text around it).
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from extensions import db
from models import WechatIdentity
from services.display_names import DISPLAY_NAME_MAX, clean_name, has_hidden_characters
from tests.accounts import find_user, post_form
from tests.fakes.wechat import FakeUser, wechat_config
from tests.test_auth_wechat import _scan


@pytest.mark.parametrize(("raw", "shown"), [
    ("Staff\u202eflog", "Staffflog"),  # right-to-left override
    ("ad\u200bmin", "admin"),  # zero-width space
    ("\u2066卖家\u2069小王", "卖家小王"),  # bidi isolates
    ("bob\x07\x1b", "bob"),  # control characters
    ("ＡＬＩＣＥ", "ALICE"),  # full-width letters fold (NFKC)
    ("  跨境   小王 ", "跨境 小王"),
    ("👩\u200d💻 dev", "👩\u200d💻 dev"),  # a joiner inside an emoji sequence stays
    ("\u200d👍", "👍"),  # a joiner outside one does not
    ("Lily🌸亚马逊卖家", "Lily🌸亚马逊卖家"),
])
def test_a_name_keeps_what_people_see_and_loses_what_hides_or_reorders_text(raw, shown):
    assert clean_name(raw) == shown


def test_a_name_is_cut_to_its_limit_without_a_dangling_joiner():
    assert len(clean_name("名" * 100)) == DISPLAY_NAME_MAX
    assert clean_name("a" * 39 + "👩\u200d💻") == "a" * 39 + "👩"


def test_forms_can_tell_a_name_with_hidden_characters():
    assert has_hidden_characters("Staff\u202eflog") and not has_hidden_characters("👩\u200d💻 dev")


@pytest.fixture
def app_config(fake_wechat):
    return wechat_config(fake_wechat)


def test_a_wechat_nickname_with_a_bidi_override_becomes_a_clean_display_name(app, client, fake_wechat):
    fake_wechat.users["mallory"] = FakeUser("mallory", "\u202e王小境跨\u200b", "union-mallory")
    fake_wechat.next_user = "mallory"
    assert _scan(client, fake_wechat, start="/en/auth/wechat/start").status_code == 303
    assert post_form(client, "/en/auth/wechat/consent", {"accept_terms": "y"}).status_code == 303
    user = find_user(app, display_name="王小境跨")
    assert user is not None
    with app.app_context():
        assert db.session.scalar(select(WechatIdentity.nickname)) == "王小境跨"


def test_the_profile_form_still_refuses_a_typed_override_and_accepts_an_emoji_sequence(app, client):
    from tests.accounts import make_user, sign_in

    make_user(app)
    sign_in(client)
    refused = post_form(client, "/en/settings/profile", {"display_name": "Staff\u202eflog"},
                        action="/en/settings/profile/name")
    assert refused.status_code == 422 and "Remove invisible or control characters" in refused.text
    accepted = post_form(client, "/en/settings/profile", {"display_name": "👩\u200d💻 dev"},
                         action="/en/settings/profile/name")
    assert accepted.status_code == 303
    assert find_user(app, account_name="seller1").display_name == "👩\u200d💻 dev"
