"""The WeChat login client against the fake WeChat server on loopback."""

from __future__ import annotations

import html
import io
import re
import time
from urllib.parse import parse_qs, parse_qsl, urlsplit

import pytest
import requests
from authlib.integrations.requests_client import OAuth2Session
from PIL import Image

from services import wechat
from services.wechat import WechatError
from tests.conftest import make_app
from tests.fakes.wechat import (
    MP_APP_ID,
    WEB_APP_ID,
    WEB_APP_SECRET,
    FakeWechat,
    fake_wechat,  # noqa: F401
    wechat_config,
)

CALLBACK = "http://127.0.0.1:5000/auth/wechat/callback"
WECHAT_UA = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Mobile/15E148 MicroMessenger/8.0.47(0x18002f2c) NetType/WIFI Language/zh_CN"
)
DESKTOP_UA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36"


def _app_for(database_url, fake, **overrides):
    app = make_app(database_url, **{**wechat_config(fake), **overrides})
    wechat.init_app(app)
    return app


@pytest.fixture
def wechat_app(database_url, fake_wechat):  # noqa: F811
    """The app wired to the fake WeChat."""
    app = _app_for(database_url, fake_wechat)
    with app.app_context():
        yield app


def _query(url: str) -> list[tuple[str, str]]:
    return parse_qsl(urlsplit(url).query, keep_blank_values=True)


def _approve(url: str, user_agent: str = DESKTOP_UA) -> tuple[str, str]:
    """Open the authorize page as the user's browser would and approve: the redirect's (code, state)."""
    page = requests.get(url, headers={"User-Agent": user_agent}, timeout=5)
    match = re.search(r'id="approve" href="([^"]+)"', page.text)
    assert match, page.text
    params = parse_qs(urlsplit(html.unescape(match.group(1))).query)
    return params["code"][0], params["state"][0]


def _login(kind: str = "web", user_agent: str = DESKTOP_UA) -> str:
    """The code a fresh, approved login hands back to the callback."""
    state = wechat.new_state()
    code, returned_state = _approve(wechat.authorize_url(kind, CALLBACK, state), user_agent)
    assert wechat.states_match(state, returned_state)
    return code


# --- the authorize link ------------------------------------------------------------------


def test_authorize_url_has_wechats_exact_form(wechat_app, fake_wechat):  # noqa: F811
    state = wechat.new_state()
    url = wechat.authorize_url("web", f"{CALLBACK}?next=/tools", state)

    assert url.startswith(f"{fake_wechat.url}/connect/qrconnect?appid=")
    assert url.endswith("#wechat_redirect")
    assert [name for name, _ in _query(url)] == ["appid", "redirect_uri", "response_type", "scope", "state"]
    assert dict(_query(url)) == {
        "appid": WEB_APP_ID,
        "redirect_uri": f"{CALLBACK}?next=/tools",
        "response_type": "code",
        "scope": "snsapi_login",
        "state": state,
    }
    assert "client_id" not in url
    assert "redirect_uri=http%3A%2F%2F127.0.0.1%3A5000%2Fauth%2Fwechat%2Fcallback%3Fnext%3D%2Ftools&" in url


def test_new_state_is_short_alphanumeric_and_fresh():
    states = {wechat.new_state() for _ in range(200)}
    assert len(states) == 200
    assert all(re.fullmatch(r"[A-Za-z0-9]{1,128}", state) for state in states)


@pytest.mark.parametrize(
    ("expected", "got", "match"),
    [
        ("abc123", "abc123", True),
        ("abc123", "abc124", False),
        ("abc123", None, False),
        (None, None, False),
        ("", "", False),
        ("abc123", "abc123é", False),
    ],
)
def test_states_match(expected, got, match):
    assert wechat.states_match(expected, got) is match


@pytest.mark.parametrize("state", ["", "has-dash", "x" * 129, "中文"])
def test_authorize_url_refuses_a_state_wechat_would_refuse(wechat_app, state):
    with pytest.raises(ValueError):
        wechat.authorize_url("web", CALLBACK, state)


def test_authorize_url_refuses_unknown_kind_and_relative_redirect(wechat_app):
    with pytest.raises(ValueError):
        wechat.authorize_url("qq", CALLBACK, wechat.new_state())
    with pytest.raises(ValueError):
        wechat.authorize_url("web", "/auth/wechat/callback", wechat.new_state())


def test_unconfigured_flow_is_reported(database_url, fake_wechat):  # noqa: F811
    app = _app_for(database_url, fake_wechat, WECHAT_MP_APP_ID="", WECHAT_MP_APP_SECRET="")
    with app.app_context():
        assert wechat.is_configured("web")
        assert not wechat.is_configured("mp")
        with pytest.raises(RuntimeError):
            wechat.authorize_url("mp", CALLBACK, wechat.new_state())


@pytest.mark.parametrize(
    ("user_agent", "kind"),
    [
        (WECHAT_UA, "mp"),
        (WECHAT_UA.replace("MicroMessenger", "micromessenger"), "mp"),
        (DESKTOP_UA, "web"),
        ("", "web"),
        (None, "web"),
    ],
)
def test_wechat_browser_picks_the_official_account_flow(wechat_app, fake_wechat, user_agent, kind):  # noqa: F811
    assert wechat.is_wechat_browser(user_agent) is (kind == "mp")
    assert wechat.kind_for_user_agent(user_agent) == kind
    url = wechat.authorize_url(wechat.kind_for_user_agent(user_agent), CALLBACK, wechat.new_state())
    if kind == "mp":
        assert url.startswith(f"{fake_wechat.url}/connect/oauth2/authorize?appid={MP_APP_ID}&")
        assert dict(_query(url))["scope"] == "snsapi_userinfo"
    else:
        assert url.startswith(f"{fake_wechat.url}/connect/qrconnect?appid={WEB_APP_ID}&")
    assert url.endswith("#wechat_redirect")


# --- the fake is as strict as WeChat --------------------------------------------------------


def test_fake_refuses_stock_authlib(fake_wechat):  # noqa: F811
    """Stock Authlib sends client_id, POSTs with Basic auth, and takes an errcode body for a token."""
    with OAuth2Session(WEB_APP_ID, WEB_APP_SECRET, scope="snsapi_login", redirect_uri=CALLBACK) as stock:
        url, _ = stock.create_authorization_url(f"{fake_wechat.url}/connect/qrconnect")
        page = requests.get(url, timeout=5)
        assert page.status_code == 200
        assert "AppID参数错误" in page.text
        assert 'id="approve"' not in page.text

        token = stock.fetch_token(f"{fake_wechat.url}/sns/oauth2/access_token", code="whatever")
    assert token["errcode"] == 43001  # "require GET method", silently taken for a token


def test_fake_refuses_the_mp_flow_outside_wechat(wechat_app):
    url = wechat.authorize_url("mp", CALLBACK, wechat.new_state())
    page = requests.get(url, headers={"User-Agent": DESKTOP_UA}, timeout=5)
    assert "请在微信客户端打开链接" in page.text
    assert 'id="approve"' not in page.text


# --- the round trip -------------------------------------------------------------------------


@pytest.mark.parametrize("content_type", ["application/json", "text/plain"])
@pytest.mark.parametrize(("user", "nickname"), [("xiaowang", "跨境小王"), ("lily", "Lily🌸亚马逊卖家")])
def test_round_trip_web(wechat_app, fake_wechat, content_type, user, nickname):  # noqa: F811
    fake_wechat.content_type = content_type  # no charset either way; text/plain makes requests guess Latin-1
    fake_wechat.next_user = user

    profile = wechat.fetch_profile("web", _login("web"))

    assert profile == wechat.WechatProfile(
        app_id=WEB_APP_ID,
        openid=fake_wechat.openid_for(user, WEB_APP_ID),
        unionid=fake_wechat.users[user].unionid,
        nickname=nickname,
        avatar_url=fake_wechat.avatar_url(user),
    )


def test_token_request_is_a_get_with_appid_and_secret_in_the_query(wechat_app, fake_wechat):  # noqa: F811
    code = _login("web")
    wechat.fetch_profile("web", code)

    (token_request,) = fake_wechat.requests_to("/sns/oauth2/access_token")
    assert token_request.method == "GET"
    assert token_request.args == [
        ("appid", WEB_APP_ID),
        ("secret", WEB_APP_SECRET),
        ("code", code),
        ("grant_type", "authorization_code"),
    ]
    assert "Authorization" not in token_request.headers

    (userinfo_request,) = fake_wechat.requests_to("/sns/userinfo")
    assert userinfo_request.method == "GET"
    assert dict(userinfo_request.args)["openid"] == fake_wechat.openid_for("xiaowang", WEB_APP_ID)
    assert dict(userinfo_request.args)["lang"] == "zh_CN"
    assert dict(userinfo_request.args)["access_token"]
    assert "Authorization" not in userinfo_request.headers


def test_round_trip_inside_wechat_uses_the_official_account(wechat_app, fake_wechat):  # noqa: F811
    profile = wechat.fetch_profile("mp", _login("mp", WECHAT_UA))

    assert profile.app_id == MP_APP_ID
    assert profile.openid == fake_wechat.openid_for("xiaowang", MP_APP_ID)
    assert profile.openid != fake_wechat.openid_for("xiaowang", WEB_APP_ID)
    assert profile.unionid == fake_wechat.users["xiaowang"].unionid  # the same person across both apps
    assert profile.nickname == "跨境小王"


def test_unionid_absent_is_none(wechat_app, fake_wechat):  # noqa: F811
    fake_wechat.include_unionid = False
    profile = wechat.fetch_profile("web", _login("web"))
    assert profile.unionid is None
    assert profile.openid == fake_wechat.openid_for("xiaowang", WEB_APP_ID)


def test_a_code_from_one_app_is_refused_by_the_other(wechat_app):
    with pytest.raises(WechatError) as error:
        wechat.fetch_profile("mp", _login("web"))
    assert error.value.reason == "invalid_code"


# --- failures -------------------------------------------------------------------------------


@pytest.mark.parametrize("code", ["", None])
def test_no_code_means_cancelled(wechat_app, fake_wechat, code):  # noqa: F811
    with pytest.raises(WechatError) as error:
        wechat.fetch_profile("web", code)
    assert error.value.reason == "cancelled"
    assert fake_wechat.requests_to("/sns/oauth2/access_token") == []


def test_cancel_link_carries_state_but_no_code(wechat_app):
    state = wechat.new_state()
    page = requests.get(wechat.authorize_url("web", CALLBACK, state), timeout=5).text
    cancel = html.unescape(re.search(r'id="cancel" href="([^"]+)"', page).group(1))
    assert parse_qs(urlsplit(cancel).query) == {"state": [state]}


def test_unknown_code_is_invalid(wechat_app):
    with pytest.raises(WechatError) as error:
        wechat.fetch_profile("web", "NotACodeWeChatIssued")
    assert error.value.reason == "invalid_code"
    assert "40029" in error.value.detail


def test_forced_40029_is_invalid_code(wechat_app, fake_wechat):  # noqa: F811
    code = _login("web")
    fake_wechat.next_token_errcode = 40029
    with pytest.raises(WechatError) as error:
        wechat.fetch_profile("web", code)
    assert error.value.reason == "invalid_code"


def test_reused_code_is_invalid(wechat_app):
    code = _login("web")
    wechat.fetch_profile("web", code)
    with pytest.raises(WechatError) as error:
        wechat.fetch_profile("web", code)
    assert error.value.reason == "invalid_code"
    assert "40163" in error.value.detail


def test_wrong_secret_is_a_wechat_error_with_its_number(database_url, fake_wechat):  # noqa: F811
    app = _app_for(database_url, fake_wechat, WECHAT_WEB_APP_SECRET="not-the-secret")
    with app.app_context(), pytest.raises(WechatError) as error:
        wechat.fetch_profile("web", _login("web"))
    assert error.value.reason == "wechat_error"
    assert "40125" in error.value.detail
    assert "not-the-secret" not in str(error.value)


@pytest.mark.parametrize("errcode", [-1, 45011])
def test_other_token_errcodes_are_wechat_errors(wechat_app, fake_wechat, errcode):  # noqa: F811
    code = _login("web")
    fake_wechat.next_token_errcode = errcode
    with pytest.raises(WechatError) as error:
        wechat.fetch_profile("web", code)
    assert error.value.reason == "wechat_error"
    assert f"errcode {errcode}:" in error.value.detail


def test_expired_token_at_userinfo_is_a_wechat_error(wechat_app, fake_wechat):  # noqa: F811
    code = _login("web")
    fake_wechat.next_userinfo_errcode = 42001
    with pytest.raises(WechatError) as error:
        wechat.fetch_profile("web", code)
    assert error.value.reason == "wechat_error"
    assert "42001" in error.value.detail


def test_slow_wechat_is_a_network_error(wechat_app, fake_wechat):  # noqa: F811
    code = _login("web")
    fake_wechat.next_token_delay = 2.0  # WECHAT_TIMEOUT is 1 s
    started = time.monotonic()
    with pytest.raises(WechatError) as error:
        wechat.fetch_profile("web", code)
    assert error.value.reason == "network"
    assert time.monotonic() - started < 1.9


def test_unreachable_wechat_is_a_network_error(wechat_app, fake_wechat):  # noqa: F811
    fake_wechat.stop()
    with pytest.raises(WechatError) as error:
        wechat.fetch_profile("web", "SomeCode")
    assert error.value.reason == "network"
    # The requests error names the URL, secret included; none of it may travel on.
    assert WEB_APP_SECRET not in str(error.value)
    assert error.value.__cause__ is None and error.value.__suppress_context__


# --- one registry per app -------------------------------------------------------------------


def test_two_apps_each_talk_to_their_own_wechat(database_url):
    with FakeWechat() as first, FakeWechat() as second:
        first.users["xiaowang"].nickname = "第一个服务器"
        second.users["xiaowang"].nickname = "第二个服务器"
        first_app = _app_for(database_url, first)
        second_app = _app_for(database_url, second)

        with first_app.app_context():
            first_code = _login("web")
        with second_app.app_context():
            assert wechat.authorize_url("web", CALLBACK, "s1").startswith(second.url)
            second_profile = wechat.fetch_profile("web", _login("web"))
        with first_app.app_context():
            first_profile = wechat.fetch_profile("web", first_code)

    assert first_profile.nickname == "第一个服务器"
    assert second_profile.nickname == "第二个服务器"
    assert len(first.requests_to("/sns/oauth2/access_token")) == 1
    assert len(second.requests_to("/sns/oauth2/access_token")) == 1


def test_init_app_is_idempotent(wechat_app):
    registry = wechat_app.extensions["wechat_oauth"]
    wechat.init_app(wechat_app)
    assert wechat_app.extensions["wechat_oauth"] is registry


# --- avatars --------------------------------------------------------------------------------


def test_download_avatar_returns_the_png(wechat_app, fake_wechat):  # noqa: F811
    profile = wechat.fetch_profile("web", _login("web"))
    data = wechat.download_avatar(profile.avatar_url)
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    with Image.open(io.BytesIO(data)) as image:
        assert image.format == "PNG"


def test_download_avatar_caps_the_size(wechat_app, fake_wechat):  # noqa: F811
    with pytest.raises(WechatError) as error:
        wechat.download_avatar(fake_wechat.avatar_url("xiaowang"), max_bytes=50)
    assert error.value.reason == "network"


@pytest.mark.parametrize(
    "url", ["file:///etc/passwd", "ftp://127.0.0.1/a.png", "javascript:alert(1)", "//127.0.0.1/a.png", "", "http://"]
)
def test_download_avatar_refuses_non_http_urls(wechat_app, fake_wechat, url):  # noqa: F811
    with pytest.raises(WechatError) as error:
        wechat.download_avatar(url)
    assert error.value.reason == "network"
    assert fake_wechat.requests == []


def test_download_avatar_missing_or_unreachable(wechat_app, fake_wechat):  # noqa: F811
    with pytest.raises(WechatError):
        wechat.download_avatar(f"{fake_wechat.url}/avatar/nobody.png")
    fake_wechat.stop()
    with pytest.raises(WechatError) as error:
        wechat.download_avatar(fake_wechat.avatar_url("xiaowang"))
    assert error.value.reason == "network"
