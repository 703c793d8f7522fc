"""WeChat sign-in, account creation with consent, and binding, against a fake WeChat on loopback."""

import re
from urllib.parse import urlsplit

import pytest
import requests
from sqlalchemy import func, select

from extensions import db
from models import User, WechatIdentity
from tests.accounts import CHROME, find_user, make_user, post_form, sign_in
from tests.fakes.wechat import MP_APP_ID, WEB_APP_ID, wechat_config

WECHAT_BROWSER = "Mozilla/5.0 (iPhone) AppleWebKit/605.1.15 Mobile/15E148 MicroMessenger/8.0.50 NetType/WIFI"


@pytest.fixture
def app_config(fake_wechat):
    return wechat_config(fake_wechat)


def _scan(client, fake, *, start="/auth/wechat/start", user_agent=CHROME, approve=True):
    """Start the flow, "scan" on the fake WeChat page, and come back to our callback."""
    start_response = client.get(start, headers={"User-Agent": user_agent})
    assert start_response.status_code == 302, start_response.text
    authorize = start_response.headers["Location"]
    assert authorize.startswith(fake.url) and authorize.endswith("#wechat_redirect")
    page = requests.get(authorize, headers={"User-Agent": user_agent}, timeout=5)
    link = re.search(r'id="%s" href="([^"]+)"' % ("approve" if approve else "cancel"), page.text)
    assert link, page.text
    callback = urlsplit(link.group(1).replace("&amp;", "&"))
    return client.get(f"{callback.path}?{callback.query}", headers={"User-Agent": user_agent})


def _identities(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(WechatIdentity))


def test_a_first_wechat_sign_in_asks_consent_then_creates_an_unverified_account(app, client, fake_wechat, tmp_path):
    app.config["UPLOAD_DIR"] = str(tmp_path)
    response = _scan(client, fake_wechat, start="/en/auth/wechat/start?next=/c/ads")
    assert response.status_code == 303 and response.headers["Location"] == "/en/auth/wechat/consent"
    consent = client.get("/en/auth/wechat/consent")
    assert "跨境小王" in consent.text and "avatar" in consent.text
    refused = post_form(client, "/en/auth/wechat/consent", {})
    assert refused.status_code == 422 and _identities(app) == 0
    created = post_form(client, "/en/auth/wechat/consent", {"accept_terms": "y"})
    assert created.status_code == 303 and created.headers["Location"] == "/c/ads"
    user = find_user(app, display_name="跨境小王")
    assert user.phone is None and user.phone_verified_at is None
    assert user.terms_version == app.config["TERMS_VERSION"]
    assert user.avatar_path and (tmp_path / user.avatar_path).read_bytes()[:4] == b"RIFF"  # re-encoded WebP
    with app.app_context():
        identity = db.session.scalar(select(WechatIdentity))
        assert identity.app_id == WEB_APP_ID and identity.unionid
    # The token request followed WeChat's rules.
    token_request = fake_wechat.requests_to("/sns/oauth2/access_token")[-1]
    assert token_request.method == "GET" and "Authorization" not in token_request.headers


def test_a_bound_wechat_signs_in_to_its_account_again(app, client, fake_wechat):
    _scan(client, fake_wechat)
    post_form(client, "/auth/wechat/consent", {"accept_terms": "y"})
    again = app.test_client()
    response = _scan(again, fake_wechat, start="/auth/wechat/start?next=/t/x")
    assert response.status_code == 303 and response.headers["Location"] == "/t/x"
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User)) == 1


def test_inside_wechats_browser_the_official_account_flow_finds_the_same_account_by_unionid(app, client, fake_wechat):
    _scan(client, fake_wechat)
    post_form(client, "/auth/wechat/consent", {"accept_terms": "y"})
    phone = app.test_client()
    response = _scan(phone, fake_wechat, user_agent=WECHAT_BROWSER)
    assert response.status_code == 303 and "consent" not in response.headers["Location"]
    authorize = fake_wechat.requests_to("/connect/oauth2/authorize")
    assert authorize and dict(authorize[-1].args)["appid"] == MP_APP_ID


def test_binding_wechat_from_settings_and_refusing_an_identity_bound_elsewhere(app, client, fake_wechat):
    make_user(app)
    sign_in(client)
    response = _scan(client, fake_wechat, start="/en/auth/wechat/start?purpose=bind")
    assert response.status_code == 303
    assert "WeChat is bound" in client.get("/en/settings/security").text
    assert _identities(app) == 1

    make_user(app, "seller2", phone="+8613800000002")
    other = app.test_client()
    sign_in(other, "seller2")
    response = _scan(other, fake_wechat, start="/en/auth/wechat/start?purpose=bind")
    page = other.get("/en/settings/security").text
    assert "already bound to another SellerNav account" in page
    assert _identities(app) == 1


def test_a_bound_wechat_cannot_be_replaced_by_the_user(app, client, fake_wechat):
    make_user(app)
    sign_in(client)
    _scan(client, fake_wechat, start="/en/auth/wechat/start?purpose=bind")
    fake_wechat.next_user = "lily"
    _scan(client, fake_wechat, start="/en/auth/wechat/start?purpose=bind")
    page = client.get("/en/settings/security").text
    assert "needs an appeal to our staff" in page
    assert _identities(app) == 1


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        ("cancel", "WeChat sign-in was cancelled"),
        ("errcode", "has expired or was already used"),
        ("timeout", "WeChat did not answer in time"),
        ("other", "WeChat refused the request"),
    ],
)
def test_wechat_errors_give_a_clear_message_and_change_nothing(app, client, fake_wechat, setup, message):
    if setup == "errcode":
        fake_wechat.next_token_errcode = 40029
    elif setup == "timeout":
        fake_wechat.next_token_delay = 2.0
    elif setup == "other":
        fake_wechat.next_token_errcode = 40013
    response = _scan(client, fake_wechat, start="/en/auth/wechat/start", approve=setup != "cancel")
    assert response.status_code == 303
    page = client.get(response.headers["Location"].replace("/sign-in", "/en/sign-in")).text
    assert message in page
    assert _identities(app) == 0


def test_a_callback_with_a_wrong_or_missing_state_is_refused(app, client, fake_wechat):
    client.get("/en/auth/wechat/start")
    response = client.get("/auth/wechat/callback?code=abc&state=forged")
    assert response.status_code == 303
    assert "was not started here" in client.get("/en/sign-in").text
    fresh = app.test_client()
    assert fresh.get("/auth/wechat/callback?code=abc&state=abc").status_code == 303
    assert _identities(app) == 0


def test_binding_needs_a_signed_in_user(client, fake_wechat):
    response = client.get("/auth/wechat/start?purpose=bind")
    assert response.status_code == 302 and response.headers["Location"].startswith("/sign-in")


def test_without_configuration_the_wechat_button_explains_instead_of_failing(database_url, migrated):
    from tests.conftest import make_app

    bare = make_app(database_url)
    client = bare.test_client()
    response = client.get("/en/auth/wechat/start")
    assert response.status_code == 302
    assert "not available on this site yet" in client.get("/en/sign-in").text
