"""Signed-in visitors for the benchmarks: verified users, a real sign-in, and a wrk script that collects.

The users are made directly in the throwaway database (there is no sign-up to
benchmark here), each with one collection; signing in goes through the real form,
so the session cookie and CSRF token are the ones a browser would hold.
"""

from __future__ import annotations

import http.cookiejar
import re
import subprocess
import sys
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from server import UNVERIFIED_TLS

ACCOUNT = "benchseller"
PASSWORD = "Bench-Password-2026"
MAKE_USERS = """
import sys
from app import create_app
from extensions import db
from models import Collection, User
from services import clock
from services.passwords import hash_password
app = create_app()
with app.app_context():
    password = hash_password(sys.argv[1])
    for n, account in enumerate(sys.argv[2:]):
        user = User(account_name=account, display_name="Bench", phone=f"+86138{n:08d}",
                    phone_verified_at=clock.now(), password_hash=password)
        db.session.add(user)
        db.session.flush()
        db.session.add(Collection(user_id=user.id, name="Bench"))
    db.session.commit()
"""


@dataclass
class Visitor:
    """A signed-in user as a browser holds them: the Cookie header and the page's CSRF token."""

    account: str
    cookie: str
    csrf_token: str


class _SecureCookiesOnLoopback(http.cookiejar.DefaultCookiePolicy):
    """Send Secure cookies over plain http too: gunicorn on loopback stands where the TLS proxy would."""

    def return_ok_secure(self, cookie, request):
        return True


def account_names(count: int) -> list[str]:
    """The benchmark's account names: the first is ACCOUNT, then ACCOUNT2, ACCOUNT3…"""
    return [ACCOUNT if n == 0 else f"{ACCOUNT}{n + 1}" for n in range(count)]


def make_users(env: dict[str, str], root: Path, count: int = 1) -> list[str]:
    """Insert ``count`` verified users, each with an empty collection; returns their account names."""
    names = account_names(count)
    done = subprocess.run([sys.executable, "-c", MAKE_USERS, PASSWORD, *names], env=env, cwd=root,
                          capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"could not make the benchmark users:\n{done.stderr}")
    return names


def make_user(env: dict[str, str], root: Path) -> None:
    """Insert one verified user into the benchmark database."""
    make_users(env, root, 1)


def sign_in_as(base: str, account: str, client_ip: str = "") -> Visitor:
    """Sign ``account`` in through the form (from ``client_ip`` when given, as a proxy would say)."""
    jar = http.cookiejar.CookieJar(policy=_SecureCookiesOnLoopback())
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar),
                                         urllib.request.HTTPSHandler(context=UNVERIFIED_TLS))
    # A CSRF check on https also wants a same-site Referer, as a browser sends it.
    opener.addheaders = [("Referer", base + "/sign-in")] + ([("X-Forwarded-For", client_ip)] if client_ip else [])
    page = opener.open(base + "/sign-in", timeout=10).read().decode()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    form = urllib.parse.urlencode({"csrf_token": token, "login": account, "password": PASSWORD}).encode()
    opener.open(base + "/sign-in", data=form, timeout=10).read()
    home = opener.open(base + "/", timeout=10).read().decode()
    if "account-link" not in home:
        raise RuntimeError(f"the benchmark user {account} could not sign in")
    token = re.search(r'"X-CSRFToken": "([^"]+)"', home).group(1)
    cookie = "; ".join(f"{c.name}={c.value}" for c in jar)
    return Visitor(account, cookie, token)


def sign_in(base: str) -> tuple[str, str]:
    """Sign the first benchmark user in; returns the Cookie header and the page's CSRF token."""
    visitor = sign_in_as(base, ACCOUNT)
    return visitor.cookie, visitor.csrf_token


def collect_toggle_script(directory: Path, slug: str, cookie: str, token: str, referer: str = "") -> Path:
    """A wrk Lua script that collects and un-collects one tool in turn, as htmx would."""
    script = directory / "collect_toggle.lua"
    referer_line = f'\n  ["Referer"] = "{referer}",' if referer else ""
    script.write_text(
        f"""
local n = 0
local headers = {{
  ["Cookie"] = "{cookie}",
  ["X-CSRFToken"] = "{token}",
  ["HX-Request"] = "true",{referer_line}
  ["Content-Type"] = "application/x-www-form-urlencoded",
}}
request = function()
  n = n + 1
  local action = (n % 2 == 1) and "collect" or "uncollect"
  return wrk.format("POST", "/t/{slug}/" .. action, headers, "next=%2F")
end
""",
        encoding="utf-8",
    )
    return script
