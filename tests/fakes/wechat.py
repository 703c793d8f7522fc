"""A fake WeChat (open platform + official-account OAuth) on 127.0.0.1, quirks included.

What it reproduces: the strict authorize link (appid first, exact parameter order,
``client_id`` refused with an HTTP 200 error page), single-use codes bound to an app
and a user, a GET-only token endpoint with appid/secret in the query, errors as
HTTP 200 ``{"errcode", "errmsg"}`` bodies (errmsg with a ``rid`` like the real one),
no ``token_type``, and UTF-8 JSON served without a charset.

Stricter than WeChat on purpose: an ``Authorization`` header on the token request is
refused (WeChat ignores it), so tests prove our client never sends Basic auth.
"""

from __future__ import annotations

import hashlib
import html
import io
import json
import re
import secrets
import string
import threading
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
from PIL import Image
from werkzeug.serving import WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

WEB_APP_ID = "wx5fakeweb0000001"
WEB_APP_SECRET = "fake-web-secret-0123456789abcdef"
MP_APP_ID = "wx5fakemp00000001"
MP_APP_SECRET = "fake-mp-secret-0123456789abcdef0"

MAX_HANG_SECONDS = 5.0  # a hanging reply never holds a test longer than this
AUTHORIZE_ORDER = ["appid", "redirect_uri", "response_type", "scope", "state"]
TOKEN_PARAMS = ("appid", "secret", "code", "grant_type")
STATE_RE = re.compile(r"[A-Za-z0-9]{1,128}")
FAKE_ONLY_AUTH_HEADER_ERRCODE = 99001  # not a WeChat code: this fake's refusal of an Authorization header

ERRMSG = {
    -1: "system error",
    40001: "invalid credential, access_token is invalid or not latest",
    40002: "invalid grant_type",
    40003: "invalid openid",
    40013: "invalid appid",
    40029: "invalid code",
    40125: "invalid appsecret",
    40163: "code been used",
    41001: "access_token missing",
    41002: "appid missing",
    41004: "appsecret missing",
    41008: "missing code",
    41009: "missing openid",
    42001: "access_token expired",
    43001: "require GET method",
    FAKE_ONLY_AUTH_HEADER_ERRCODE: "fake wechat: Authorization header sent (real WeChat ignores it)",
}


@dataclass
class FakeUser:
    """A WeChat user who may scan; openids are derived per app, as WeChat's differ per app."""

    name: str
    nickname: str
    unionid: str | None
    color: tuple[int, int, int] = (7, 193, 96)


@dataclass
class RecordedRequest:
    """One request the fake received, for tests to inspect."""

    method: str
    path: str
    args: list[tuple[str, str]]  # in the order sent
    headers: dict[str, str]

    @property
    def arg_names(self) -> list[str]:
        return [name for name, _ in self.args]


@dataclass
class _Grant:
    app_id: str
    user: str
    scope: str
    used: bool = False


@dataclass
class _Token:
    app_id: str
    user: str
    expired: bool = False


def _random(n: int) -> str:
    return "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(n))


def _derived_id(*parts: str) -> str:
    # Stable ids of WeChat's shape (28 characters starting with "o").
    digest = hashlib.sha256("|".join(parts).encode()).hexdigest()
    return "o" + digest[:27]


class FakeWechat:
    """The fake server. Set state from tests; read ``requests`` to see what our client sent."""

    def __init__(self) -> None:
        self.apps: dict[str, str] = {WEB_APP_ID: WEB_APP_SECRET, MP_APP_ID: MP_APP_SECRET}
        self.app_kinds: dict[str, str] = {WEB_APP_ID: "web", MP_APP_ID: "mp"}
        self.users: dict[str, FakeUser] = {
            "xiaowang": FakeUser("xiaowang", "跨境小王", _derived_id("union", "xiaowang")),
            "lily": FakeUser("lily", "Lily🌸亚马逊卖家", _derived_id("union", "lily"), color=(230, 80, 120)),
        }
        self.next_user = "xiaowang"  # who scans or approves next
        self.include_unionid = True  # False: the app is not bound to an open-platform account
        self.content_type = "application/json"  # no charset, like WeChat; try "text/plain" too
        self.next_token_errcode: int | None = None  # one-shot
        self.next_token_delay = 0.0  # one-shot, seconds, capped at MAX_HANG_SECONDS
        self.next_userinfo_errcode: int | None = None  # one-shot
        self.require_wechat_browser_for_mp = True  # the mp flow only opens inside WeChat
        self.requests: list[RecordedRequest] = []
        self._grants: dict[str, _Grant] = {}
        self._tokens: dict[str, _Token] = {}
        self._avatars: dict[str, bytes] = {}
        self._lock = threading.Lock()
        self._release = threading.Event()  # set on stop(): hung replies end at once
        self._server = None
        self._thread: threading.Thread | None = None
        self.url = ""

    # --- lifecycle ---------------------------------------------------------------------

    def start(self) -> FakeWechat:
        """Serve on a free loopback port; ``url`` is then ``http://127.0.0.1:PORT``."""
        self._release.clear()
        self._server = make_server("127.0.0.1", 0, self._wsgi, threaded=True, request_handler=_QuietHandler)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        # A short poll interval: stop() waits for the loop to notice, once per test.
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, name="fake-wechat", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving; the port then refuses connections. Safe to call twice."""
        if self._server is None:
            return
        self._release.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=MAX_HANG_SECONDS)
        self._server = None

    def __enter__(self) -> FakeWechat:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # --- helpers for tests -------------------------------------------------------------

    def openid_for(self, user: str, app_id: str) -> str:
        """The openid ``user`` has in ``app_id``."""
        return _derived_id("openid", app_id, user)

    def avatar_url(self, user: str) -> str:
        return f"{self.url}/avatar/{user}.png"

    def requests_to(self, path: str) -> list[RecordedRequest]:
        """The recorded requests to one path, oldest first."""
        with self._lock:
            return [r for r in self.requests if r.path == path]

    def expire_tokens(self) -> None:
        """Make every issued access token answer 42001."""
        with self._lock:
            for token in self._tokens.values():
                token.expired = True

    # --- the WSGI app ------------------------------------------------------------------

    def _wsgi(self, environ, start_response):
        request = Request(environ)
        with self._lock:
            self.requests.append(
                RecordedRequest(
                    request.method,
                    request.path,
                    parse_qsl(request.query_string.decode("utf-8", "replace"), keep_blank_values=True),
                    dict(request.headers),
                )
            )
        routes = {
            "/connect/qrconnect": lambda: self._authorize(request, "web"),
            "/connect/oauth2/authorize": lambda: self._authorize(request, "mp"),
            "/sns/oauth2/access_token": lambda: self._access_token(request),
            "/sns/userinfo": lambda: self._userinfo(request),
        }
        if request.path in routes:
            response = routes[request.path]()
        elif request.path.startswith("/avatar/") and request.path.endswith(".png"):
            response = self._avatar(request.path[len("/avatar/") : -len(".png")])
        else:
            response = Response("not found", status=404, content_type="text/plain; charset=utf-8")
        return response(environ, start_response)

    def _json(self, body: dict) -> Response:
        # UTF-8 without a charset in Content-Type: the quirk our client must survive.
        data = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        return Response(data, content_type=self.content_type)

    def _error(self, errcode: int) -> Response:
        message = ERRMSG.get(errcode, "fake wechat error")
        return self._json({"errcode": errcode, "errmsg": f"{message}, rid: {secrets.token_hex(4)}-{_random(8)}"})

    def _page(self, title: str, body: str) -> Response:
        page = (
            '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">'
            f"<title>{html.escape(title)}</title></head><body>{body}</body></html>"
        )
        return Response(page, content_type="text/html; charset=utf-8")

    def _error_page(self, message: str, detail: str) -> Response:
        # Real WeChat shows its error pages with HTTP 200.
        return self._page("微信登录", f'<h2 class="error">{html.escape(message)}</h2><p>{html.escape(detail)}</p>')

    def _authorize(self, request: Request, kind: str) -> Response:
        args = parse_qsl(request.query_string.decode("utf-8", "replace"), keep_blank_values=True)
        names = [name for name, _ in args]
        params = dict(args)
        expected_scope = "snsapi_login" if kind == "web" else "snsapi_userinfo"
        outside_wechat = "micromessenger" not in request.headers.get("User-Agent", "").lower()
        if kind == "mp" and self.require_wechat_browser_for_mp and outside_wechat:
            return self._error_page("请在微信客户端打开链接", "the official-account flow needs WeChat's browser")
        if "appid" not in names:
            return self._error_page("AppID参数错误", f"no appid (got {names}); client_id is not WeChat's name")
        if names != AUTHORIZE_ORDER:
            return self._error_page("参数错误", f"parameters must be exactly {AUTHORIZE_ORDER}, got {names}")
        app_id = params["appid"]
        if app_id not in self.apps:
            return self._error_page("AppID参数错误", f"unknown appid {app_id}")
        if self.app_kinds.get(app_id) != kind or params["scope"] != expected_scope:
            return self._error_page("Scope参数错误或没有Scope权限", f"{kind} flow needs scope {expected_scope}")
        if params["response_type"] != "code":
            return self._error_page("参数错误", "response_type must be code")
        redirect = urlsplit(params["redirect_uri"])
        if redirect.scheme not in ("http", "https") or not redirect.netloc or redirect.fragment:
            return self._error_page("redirect_uri参数错误", "redirect_uri must be an absolute http(s) URL")
        if not STATE_RE.fullmatch(params["state"]):
            return self._error_page("参数错误", "state must be 1-128 characters of [A-Za-z0-9]")
        with self._lock:
            code = _random(32)
            self._grants[code] = _Grant(app_id, self.next_user, expected_scope)
        join = "&" if redirect.query else "?"
        approve = f"{params['redirect_uri']}{join}{urlencode([('code', code), ('state', params['state'])])}"
        cancel = f"{params['redirect_uri']}{join}{urlencode([('state', params['state'])])}"
        title = "扫码登录" if kind == "web" else "微信授权登录"
        nickname = self.users[self.next_user].nickname
        body = (
            f"<h1>{title}</h1><p>{html.escape(nickname)} 申请使用微信登录 {html.escape(app_id)}</p>"
            f'<a id="approve" href="{html.escape(approve)}">Approve 允许</a> '
            f'<a id="cancel" href="{html.escape(cancel)}">Cancel 拒绝</a>'
        )
        return self._page(title, body)

    def _access_token(self, request: Request) -> Response:
        if request.method != "GET":
            return self._error(43001)
        if "Authorization" in request.headers:
            return self._error(FAKE_ONLY_AUTH_HEADER_ERRCODE)
        args = request.args
        for name, errcode in zip(TOKEN_PARAMS, (41002, 41004, 41008, 40002), strict=True):
            if not args.get(name):
                return self._error(errcode)
        if args["grant_type"] != "authorization_code":
            return self._error(40002)
        with self._lock:
            delay = min(self.next_token_delay, MAX_HANG_SECONDS)
            self.next_token_delay = 0.0
            forced, self.next_token_errcode = self.next_token_errcode, None
        if delay:
            self._release.wait(delay)  # a slow WeChat; stop() cuts it short
        if forced:
            return self._error(forced)
        app_id = args["appid"]
        if app_id not in self.apps:
            return self._error(40013)
        if not secrets.compare_digest(self.apps[app_id].encode(), args["secret"].encode()):
            return self._error(40125)
        with self._lock:
            grant = self._grants.get(args["code"])
            if grant is None or grant.app_id != app_id:
                return self._error(40029)
            if grant.used:
                return self._error(40163)
            grant.used = True
            access_token = _random(86)
            self._tokens[access_token] = _Token(app_id, grant.user)
        user = self.users[grant.user]
        body = {
            "access_token": access_token,
            "expires_in": 7200,
            "refresh_token": _random(86),
            "openid": self.openid_for(user.name, app_id),
            "scope": grant.scope,
        }
        if self.include_unionid and user.unionid:
            body["unionid"] = user.unionid
        return self._json(body)

    def _userinfo(self, request: Request) -> Response:
        args = request.args
        if not args.get("access_token"):
            return self._error(41001)
        if not args.get("openid"):
            return self._error(41009)
        with self._lock:
            forced, self.next_userinfo_errcode = self.next_userinfo_errcode, None
            token = self._tokens.get(args["access_token"])
        if forced:
            return self._error(forced)
        if token is None:
            return self._error(40001)
        if token.expired:
            return self._error(42001)
        user = self.users[token.user]
        openid = self.openid_for(user.name, token.app_id)
        if args["openid"] != openid:
            return self._error(40003)
        body = {
            "openid": openid,
            "nickname": user.nickname,
            # Since late 2021 WeChat sends sex 0 and empty places for everyone.
            "sex": 0,
            "language": "",
            "city": "",
            "province": "",
            "country": "",
            "headimgurl": self.avatar_url(user.name),
            "privilege": [],
        }
        if self.include_unionid and user.unionid:
            body["unionid"] = user.unionid
        return self._json(body)

    def _avatar(self, name: str) -> Response:
        user = self.users.get(name)
        if user is None:
            return Response("not found", status=404, content_type="text/plain; charset=utf-8")
        with self._lock:
            if name not in self._avatars:
                buffer = io.BytesIO()
                Image.new("RGB", (64, 64), user.color).save(buffer, format="PNG")
                self._avatars[name] = buffer.getvalue()
            data = self._avatars[name]
        return Response(data, content_type="image/png")


class _QuietHandler(WSGIRequestHandler):
    """Werkzeug's handler without the per-request access log line."""

    def log_request(self, *args, **kwargs) -> None:
        pass


def wechat_config(fake: FakeWechat) -> dict:
    """App config pointing both WeChat hosts at ``fake``, with a 1-second timeout."""
    return {
        "WECHAT_OPEN_URL": fake.url,
        "WECHAT_API_URL": fake.url,
        "WECHAT_WEB_APP_ID": WEB_APP_ID,
        "WECHAT_WEB_APP_SECRET": WEB_APP_SECRET,
        "WECHAT_MP_APP_ID": MP_APP_ID,
        "WECHAT_MP_APP_SECRET": MP_APP_SECRET,
        "WECHAT_TIMEOUT": 1,
    }


@pytest.fixture
def fake_wechat():
    """A running fake WeChat for one test."""
    fake = FakeWechat().start()
    yield fake
    fake.stop()
