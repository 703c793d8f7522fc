"""The registry of every cookie the site can set: the cookie notice and /cookies list these.

tests/test_cookie_notice.py drives every flow that sets a cookie and checks each one is here,
so a new cookie cannot appear without being explained.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from flask_login.config import COOKIE_NAME as FLASK_LOGIN_REMEMBER_COOKIE

from services.devices import COOKIE_NAME as DEVICE_COOKIE
from services.devices import MAX_AGE as DEVICE_COOKIE_MAX_AGE

# Set when a visitor dismisses the cookie notice; holds only "1".
NOTICE_COOKIE = "cookie_notice"
NOTICE_COOKIE_MAX_AGE = timedelta(days=365)


@dataclass(frozen=True)
class CookieInfo:
    name: str
    purpose_zh: str
    purpose_en: str
    lifetime_zh: str
    lifetime_en: str
    essential: bool  # the site cannot work as asked without it

    def purpose(self, lang: str) -> str:
        return self.purpose_zh if lang == "zh" else self.purpose_en

    def lifetime(self, lang: str) -> str:
        return self.lifetime_zh if lang == "zh" else self.lifetime_en


def remember_cookie_name(config) -> str:
    """Flask-Login's remember-me cookie name, as configured."""
    return config.get("REMEMBER_COOKIE_NAME", FLASK_LOGIN_REMEMBER_COOKIE)


def cookie_registry(config) -> list[CookieInfo]:
    """Every cookie the app can set, named as ``config`` names them."""
    remember_days = config.get("REMEMBER_COOKIE_DURATION", timedelta(days=365)).days
    notice_days = NOTICE_COOKIE_MAX_AGE.days
    device_days = DEVICE_COOKIE_MAX_AGE.days
    return [
        CookieInfo(
            name=config["SESSION_COOKIE_NAME"],
            purpose_zh="会话：保存登录状态（仅一个随机会话编号）、防跨站请求伪造的令牌和一次性提示消息。",
            purpose_en="Session: keeps you signed in (a random session id only), the token that protects "
                       "forms against cross-site request forgery, and one-time messages.",
            lifetime_zh="关闭浏览器时失效",
            lifetime_en="Until you close the browser",
            essential=True,
        ),
        CookieInfo(
            name=remember_cookie_name(config),
            purpose_zh="“记住我”：登录时勾选后才会设置，保存会话编号，下次打开浏览器仍保持登录。",
            purpose_en='"Remember me": set only when you tick it at sign-in; holds your session id so you '
                       "stay signed in after the browser closes.",
            lifetime_zh=f"{remember_days} 天，或退出登录、撤销该会话时失效",
            lifetime_en=f"{remember_days} days, or until you sign out or the session is revoked",
            essential=True,
        ),
        CookieInfo(
            name=DEVICE_COOKIE,
            purpose_zh="设备：登录成功后设置，记录本浏览器登录过哪些账号（已签名，仅账号编号和一个随机设备编号），"
                       "这样他人反复输错密码时，你在本设备上登录不受影响。",
            purpose_en="Device: set when you sign in; records which accounts signed in on this browser (signed; "
                       "account ids and a random device id only), so other people's failed guesses never "
                       "slow down your own sign-in here.",
            lifetime_zh=f"{device_days} 天",
            lifetime_en=f"{device_days} days",
            essential=True,
        ),
        CookieInfo(
            name=NOTICE_COOKIE,
            purpose_zh="记住你已关闭 Cookie 提示，不再重复显示。",
            purpose_en="Remembers that you closed the cookie notice, so it is not shown again.",
            lifetime_zh=f"{notice_days} 天",
            lifetime_en=f"{notice_days} days",
            essential=False,
        ),
    ]
