"""The WeChat login client: website QR login and the official-account flow inside WeChat.

Built on Authlib's Flask client, configured for WeChat's departures from OAuth 2.0:
``appid``/``secret`` instead of ``client_id`` and Basic auth, a GET token request,
errors as HTTP 200 ``{"errcode": …}`` bodies, no ``token_type``, and JSON served
without a charset. Login only: tokens are used once and never stored or returned.
"""

from __future__ import annotations

import hmac
import json
import re
import secrets
import string
import time
from dataclasses import dataclass
from urllib.parse import parse_qsl, quote, urlencode, urlsplit

import requests
from authlib.integrations.flask_client import FlaskOAuth2App, OAuth, OAuthError
from authlib.integrations.requests_client import OAuth2Session
from flask import Flask, current_app, has_app_context

from services.display_names import NICKNAME_MAX, clean_name

DEFAULT_OPEN_URL = "https://open.weixin.qq.com"
DEFAULT_API_URL = "https://api.weixin.qq.com"
DEFAULT_TIMEOUT = 5  # seconds

EXTENSION_KEY = "wechat_oauth"
# Authlib's OAuth(app) records itself under this key; another registry (say, for
# other providers) may already be there and must not be displaced by ours.
_AUTHLIB_KEY = "authlib.integrations.flask_client"

# kind -> (registered client name, authorize path, scope, app id key, secret key)
_FLOWS = {
    "web": ("wechat_web", "/connect/qrconnect", "snsapi_login", "WECHAT_WEB_APP_ID", "WECHAT_WEB_APP_SECRET"),
    "mp": ("wechat_mp", "/connect/oauth2/authorize", "snsapi_userinfo", "WECHAT_MP_APP_ID", "WECHAT_MP_APP_SECRET"),
}
KINDS = tuple(_FLOWS)

_STATE_CHARS = string.ascii_letters + string.digits
_STATE_RE = re.compile(r"[A-Za-z0-9]{1,128}")
_STATE_LENGTH = 32  # 62**32 is about 2**190

# errcodes that mean "this code is no good": start the login again.
_INVALID_CODE_ERRCODES = {40029, 40163, 41008}  # invalid code, code been used, missing code

_AUTH_METHOD = "wechat_query"


class WechatError(Exception):
    """A WeChat login that did not produce a profile.

    ``reason`` is one of ``cancelled``, ``invalid_code``, ``wechat_error``, ``network``;
    ``detail`` is for logs (errcode and errmsg), never holds a secret or a token.
    """

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True)
class WechatProfile:
    """Who signed in. Key the identity on ``unionid`` when present: ``openid`` differs per app."""

    app_id: str
    openid: str
    unionid: str | None
    nickname: str
    avatar_url: str | None


# --- Authlib configuration ---------------------------------------------------------------


def _wechat_json(resp: requests.Response) -> dict:
    """The reply as a JSON object, decoded from the raw bytes as UTF-8.

    WeChat sends no charset; ``resp.text`` may then guess Latin-1 and garble nicknames.
    """
    try:
        body = json.loads(resp.content.decode("utf-8"))
    except ValueError:  # UnicodeDecodeError and JSONDecodeError are both ValueErrors
        body = None
    if not isinstance(body, dict):
        raise OAuthError(error="invalid_response", description=f"HTTP {resp.status_code}, not a JSON object")
    if body.get("errcode"):  # some WeChat APIs send errcode 0 on success
        raise OAuthError(error=str(body["errcode"]), description=str(body.get("errmsg", "")))
    return body


def wechat_compliance_fix(session: OAuth2Session) -> None:
    """Make a WeChat token reply look like OAuth 2.0 to Authlib: errcode -> OAuthError, add token_type."""

    def _token_response(resp: requests.Response) -> requests.Response:
        token = _wechat_json(resp)
        token.setdefault("token_type", "bearer")  # WeChat sends none; Authlib needs one to sign requests
        resp.json = lambda **_: token  # Authlib's own compliance fixes hand back the parsed body this way
        return resp

    session.register_compliance_hook("access_token_response", _token_response)


def _auth_in_query(auth, method: str, uri: str, headers: dict, body: str):
    """Client authentication WeChat's way: appid and secret first in the query, no Basic header."""
    base, _, query = uri.partition("?")
    params = dict(parse_qsl(query, keep_blank_values=True))
    ordered = [("appid", auth.client_id), ("secret", auth.client_secret)]
    ordered += [(key, params.pop(key)) for key in ("code", "grant_type") if key in params]
    ordered += list(params.items())
    return f"{base}?{urlencode(ordered)}", headers, body


class WechatSession(OAuth2Session):
    """Authlib's requests session with WeChat's authorize link and GET token request."""

    def create_authorization_url(self, url, state=None, code_verifier=None, **kwargs):
        """The authorize link in exactly WeChat's form: it matches parameter order strictly."""
        params = [
            ("appid", self.client_id),
            ("redirect_uri", kwargs.get("redirect_uri") or self.redirect_uri),
            ("response_type", "code"),
            ("scope", kwargs.get("scope") or self.scope),
            ("state", state),
        ]
        return f"{url}?{urlencode(params, quote_via=quote)}#wechat_redirect", state

    def fetch_token(self, url=None, **kwargs):
        """Exchange a code for a token with GET: WeChat answers a POST with errcode 43001."""
        kwargs.setdefault("method", "GET")
        kwargs.setdefault("headers", {"Accept": "application/json"})
        return super().fetch_token(url, **kwargs)


class WechatApp(FlaskOAuth2App):
    """A registered WeChat client; ``client_cls`` is the session class it builds per call."""

    client_cls = WechatSession


def init_app(app: Flask) -> None:
    """Register the web and official-account clients in this app's own Authlib registry."""
    if EXTENSION_KEY in app.extensions:
        return
    open_url = (app.config.get("WECHAT_OPEN_URL", DEFAULT_OPEN_URL) or DEFAULT_OPEN_URL).rstrip("/")
    api_url = (app.config.get("WECHAT_API_URL", DEFAULT_API_URL) or DEFAULT_API_URL).rstrip("/")
    timeout = float(app.config.get("WECHAT_TIMEOUT", DEFAULT_TIMEOUT) or DEFAULT_TIMEOUT)

    previous = app.extensions.get(_AUTHLIB_KEY)
    # One registry per app: a shared one keeps the first client it built, whatever the config.
    oauth = OAuth(app)
    if previous is not None:
        app.extensions[_AUTHLIB_KEY] = previous
    for name, authorize_path, scope, id_key, secret_key in _FLOWS.values():
        oauth.register(
            name,
            client_cls=WechatApp,
            client_id=app.config.get(id_key, ""),
            client_secret=app.config.get(secret_key, ""),
            authorize_url=f"{open_url}{authorize_path}",
            access_token_url=f"{api_url}/sns/oauth2/access_token",
            userinfo_endpoint=f"{api_url}/sns/userinfo",
            compliance_fix=wechat_compliance_fix,
            client_auth_methods=[(_AUTH_METHOD, _auth_in_query)],
            client_kwargs={
                "scope": scope,
                "token_endpoint_auth_method": _AUTH_METHOD,
                "token_placement": "uri",  # userinfo takes ?access_token=…, not a Bearer header
                "default_timeout": timeout,
            },
        )
    app.extensions[EXTENSION_KEY] = oauth


def _client(kind: str) -> WechatApp:
    if kind not in _FLOWS:
        raise ValueError(f"unknown WeChat login kind {kind!r}; expected one of {KINDS}")
    oauth = current_app.extensions[EXTENSION_KEY]
    return oauth.create_client(_FLOWS[kind][0])


# --- What the views call -------------------------------------------------------------------


def is_configured(kind: str) -> bool:
    """Whether the app id and secret for this flow are set (hide the WeChat button otherwise)."""
    _, _, _, id_key, secret_key = _FLOWS[kind]
    return bool(current_app.config.get(id_key) and current_app.config.get(secret_key))


def is_wechat_browser(user_agent: str | None) -> bool:
    """Whether the request comes from WeChat's built-in browser, which uses the official-account flow."""
    return "micromessenger" in (user_agent or "").lower()


def kind_for_user_agent(user_agent: str | None) -> str:
    """``"mp"`` inside WeChat's browser (no QR code to scan there), ``"web"`` elsewhere."""
    return "mp" if is_wechat_browser(user_agent) else "web"


def new_state() -> str:
    """A fresh random state: WeChat accepts at most 128 characters of [A-Za-z0-9]."""
    return "".join(secrets.choice(_STATE_CHARS) for _ in range(_STATE_LENGTH))


def states_match(expected: str | None, got: str | None) -> bool:
    """Compare the stored state with the returned one in constant time."""
    if not expected or not got:
        return False
    # As bytes: compare_digest refuses non-ASCII str, and ``got`` comes from the URL.
    return hmac.compare_digest(expected.encode("utf-8"), got.encode("utf-8"))


def authorize_url(kind: str, redirect_uri: str, state: str) -> str:
    """The WeChat authorize link: ``…?appid&redirect_uri&response_type&scope&state#wechat_redirect``."""
    if not _STATE_RE.fullmatch(state or ""):
        raise ValueError("state must be 1-128 characters of [A-Za-z0-9]")
    if urlsplit(redirect_uri).scheme not in ("http", "https"):
        raise ValueError("redirect_uri must be an absolute http(s) URL")
    client = _client(kind)
    if not client.client_id:
        raise RuntimeError(f"WeChat {kind} login is not configured ({_FLOWS[kind][3]} is empty)")
    return client.create_authorization_url(redirect_uri, state=state)["url"]


def fetch_profile(kind: str, code: str | None) -> WechatProfile:
    """Exchange the redirect's ``code`` for the user's WeChat profile; the token is dropped after use.

    Raises ``WechatError`` with reason ``cancelled`` (no code: the user declined),
    ``invalid_code`` (unknown, used or missing code), ``wechat_error`` (any other errcode)
    or ``network`` (connection error or timeout).
    """
    if not code:
        raise WechatError("cancelled", "the redirect carried no code")
    if len(code) > 512 or not code.isprintable():
        raise WechatError("invalid_code", "malformed code")
    client = _client(kind)
    try:
        token = client.fetch_access_token(code=code)
        openid = token.get("openid")
        if not openid:
            raise WechatError("wechat_error", "token reply without openid")
        resp = client.get(
            client.server_metadata["userinfo_endpoint"],
            token=token,
            params={"openid": openid, "lang": "zh_CN"},
        )
        info = _wechat_json(resp)
    except OAuthError as exc:
        raise _error_from_oauth(exc) from None
    except requests.RequestException as exc:
        # from None: a requests error's text holds the URL, and with it the app secret.
        raise WechatError("network", type(exc).__name__) from None
    unionid = info.get("unionid") or token.get("unionid")
    if info.get("openid", openid) != openid:
        raise WechatError("wechat_error", "userinfo answered for another openid")
    return WechatProfile(
        app_id=client.client_id,
        openid=openid,
        unionid=unionid or None,
        # Cleaned once, here: every nickname and display name made from it is safe to show (display_names).
        nickname=clean_name(str(info.get("nickname") or ""), limit=NICKNAME_MAX),
        avatar_url=info.get("headimgurl") or None,  # "" when the user has no avatar
    )


def _error_from_oauth(exc: OAuthError) -> WechatError:
    error = exc.error or ""
    errcode = int(error) if error.lstrip("-").isdigit() else None
    detail = f"errcode {errcode}: {exc.description}" if errcode is not None else f"{error}: {exc.description}"
    if errcode in _INVALID_CODE_ERRCODES:
        return WechatError("invalid_code", detail)
    return WechatError("wechat_error", detail)


def download_avatar(url: str, max_bytes: int = 2_000_000, timeout: float | None = None) -> bytes:
    """Fetch an avatar once (http/https only, size-capped, no redirects) and return its raw bytes.

    Raises ``WechatError("network", …)`` for any failure, an unsupported URL included,
    so the caller has one thing to catch and simply goes without an avatar.
    """
    parts = urlsplit(url or "")
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise WechatError("network", "avatar URL is not http(s)")
    if timeout is None:
        config = current_app.config if has_app_context() else {}
        timeout = float(config.get("WECHAT_TIMEOUT", DEFAULT_TIMEOUT) or DEFAULT_TIMEOUT)
    # The timeout bounds each socket read; this bounds a server that trickles bytes.
    deadline = time.monotonic() + 3 * timeout
    chunks, size = [], 0
    try:
        with requests.get(url, timeout=timeout, stream=True, allow_redirects=False) as resp:
            if resp.status_code != 200:
                raise WechatError("network", f"avatar answered HTTP {resp.status_code}")
            if int(resp.headers.get("Content-Length") or 0) > max_bytes:
                raise WechatError("network", "avatar too large")
            for chunk in resp.iter_content(64 * 1024):
                size += len(chunk)
                if size > max_bytes:
                    raise WechatError("network", "avatar too large")
                if time.monotonic() > deadline:
                    raise WechatError("network", "avatar download too slow")
                chunks.append(chunk)
    except (requests.RequestException, ValueError) as exc:
        raise WechatError("network", type(exc).__name__) from None
    return b"".join(chunks)
