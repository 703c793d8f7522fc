"""A signed-in visitor for the benchmark: a verified user, a real sign-in, and a wrk script that collects.

The user is made directly in the throwaway database (there is no sign-up to
benchmark here); signing in goes through the real form, so the session cookie
and CSRF token are the ones a browser would hold.
"""

from __future__ import annotations

import http.cookiejar
import re
import subprocess
import sys
import urllib.parse
import urllib.request
from pathlib import Path

ACCOUNT = "benchseller"
PASSWORD = "Bench-Password-2026"
MAKE_USER = f"""
from app import create_app
from extensions import db
from models import User
from services import clock
from services.passwords import hash_password
app = create_app()
with app.app_context():
    db.session.add(User(account_name={ACCOUNT!r}, display_name="Bench", phone="+8613800009999",
                        phone_verified_at=clock.now(), password_hash=hash_password({PASSWORD!r})))
    db.session.commit()
"""


def make_user(env: dict[str, str], root: Path) -> None:
    """Insert one verified user into the benchmark database."""
    subprocess.run([sys.executable, "-c", MAKE_USER], env=env, cwd=root, check=True, capture_output=True)


def sign_in(base: str) -> tuple[str, str]:
    """Sign in through the form; returns the Cookie header and the page's CSRF token."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(base + "/sign-in", timeout=10).read().decode()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    form = urllib.parse.urlencode({"csrf_token": token, "login": ACCOUNT, "password": PASSWORD}).encode()
    opener.open(base + "/sign-in", data=form, timeout=10).read()
    home = opener.open(base + "/", timeout=10).read().decode()
    if "account-link" not in home:
        raise RuntimeError("the benchmark user could not sign in")
    token = re.search(r'"X-CSRFToken": "([^"]+)"', home).group(1)
    cookie = "; ".join(f"{c.name}={c.value}" for c in jar)
    return cookie, token


def collect_toggle_script(directory: Path, slug: str, cookie: str, token: str) -> Path:
    """A wrk Lua script that collects and un-collects one tool in turn, as htmx would."""
    script = directory / "collect_toggle.lua"
    script.write_text(
        f"""
local n = 0
local headers = {{
  ["Cookie"] = "{cookie}",
  ["X-CSRFToken"] = "{token}",
  ["HX-Request"] = "true",
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
