"""Two app servers behind one load balancer: nothing a visitor sees depends on which one answers.

Two real gunicorn processes (``deploy/gunicorn.conf.py``, one worker each, each on a free loopback port)
share one database and one Redis, as two machines behind nginx would. A sign-in made on one is signed in
on the other and signed out everywhere by either; a rate limit is counted once for both; a change an admin
saves on one shows on the other's next cached anonymous page.

The database is a SQLite file made for this module, or, when TEST_DATABASE_URL is PostgreSQL, a fresh
``<database>_scale`` beside it; Redis is TEST_REDIS_URL (only that database is flushed).
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis
import requests

from tests.fresh_database import drop_database, fresh_database_url

# One worker runs the whole module, so its two servers and their database are started once, not per worker.
pytestmark = pytest.mark.xdist_group("scale_out")
ROOT = Path(__file__).resolve().parent.parent
# The same key on every server: it signs the session cookie that carries the session id and the CSRF token.
SECRET_KEY = "scale-out-test-only-" + "k" * 40
ADMIN = "scaleadmin"
ADMIN_SHOWN = "Scale Admin"  # its display name: the account name is never shown
PASSWORD = "Scale-Out-Password-2026"
PHONE = "13800138777"
API_LIMIT = "5 per hour"  # an hour from the first hit: no window can end in the middle of the test
NEW_SITE_NAME = "Scale Out Navigator"
START_TIMEOUT = 60.0
REQUEST_TIMEOUT = 30.0
TOKEN_IN_FORM = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')
TOKEN_IN_HEADERS = re.compile(r'"X-CSRFToken": "([^"]+)"')
TOOL_LINK = re.compile(r'href="/en/t/([a-z0-9-]+)"')
# Behind the load balancer every server sees the site's own host name; cached pages are keyed by host, so the
# test addresses both servers (each on its own port) by that one name, as nginx would.
SITE_HOST = {"Host": "www.sellernav.cn"}


def _redis_url() -> str:
    return os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def _require_redis(url: str) -> redis.Redis:
    """A client for the test's Redis database; fails (never skips) with how to start Redis."""
    client = redis.Redis.from_url(url, socket_connect_timeout=3)
    try:
        client.ping()
    except redis.RedisError as error:
        client.close()
        pytest.fail(f"Redis does not answer at {url} ({error}). Install and start it: "
                    "`apt-get install -y redis-server && service redis-server start`, "
                    "or point TEST_REDIS_URL at a Redis database this test may flush.")
    return client


def _server_env(database_url: str, redis_url: str, workdir: Path) -> dict[str, str]:
    """What every server and command gets: the same database, Redis and secret; nothing from a deployment."""
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("GUNICORN_", "SELLERNAV_", "RATELIMIT_", "PAGE_CACHE_"))}
    env.update(
        FLASK_APP="app:create_app",
        DATABASE_URL=database_url,
        REDIS_URL=redis_url,
        SECRET_KEY=SECRET_KEY,
        API_ANONYMOUS_RATE_LIMIT=API_LIMIT,
        UPLOAD_DIR=str(workdir / "uploads"),  # one directory both servers see, as shared storage would be
        SMS_OUTBOX_LOG="",
        EMAIL_OUTBOX_LOG="",
        GUNICORN_WORKERS="1",
        GUNICORN_BIND="127.0.0.1:0",  # the kernel picks a free port; the log says which
        GUNICORN_MAX_REQUESTS="0",
        PYTHONUNBUFFERED="1",
    )
    return env


def _flask(env: dict[str, str], *args: str) -> str:
    """Run one ``flask`` command against the shared database; fails the test with its output."""
    done = subprocess.run([sys.executable, "-m", "flask", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)
    if done.returncode != 0:
        pytest.fail(f"`flask {' '.join(args)}` failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


@dataclass
class AppServer:
    """One gunicorn master with one worker, started from deploy/gunicorn.conf.py."""

    name: str
    process: subprocess.Popen
    log: Path
    base: str = ""

    def url(self, path: str) -> str:
        return self.base + path

    def output(self) -> str:
        return self.log.read_text(errors="replace")


def _start_server(name: str, env: dict[str, str], workdir: Path) -> AppServer:
    log = workdir / f"gunicorn-{name}.log"
    command = [sys.executable, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py", "app:create_app()"]
    with log.open("wb") as output:  # the child keeps its own descriptor
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT)
    return AppServer(name, process, log)


def _wait_until_serving(server: AppServer) -> None:
    """Read the bound port from gunicorn's log, then wait for the worker to answer; fail with the log."""
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            pytest.fail(f"gunicorn {server.name} exited with {server.process.returncode}:\n{server.output()}")
        if not server.base:
            bound = re.search(r"Listening at: (http://127\.0\.0\.1:\d+)", server.output())
            server.base = bound.group(1) if bound else ""
        if server.base:
            try:
                # The master accepts at once; the answer waits for the worker to finish importing the app.
                remaining = max(deadline - time.monotonic(), 1.0)
                if requests.get(server.url("/robots.txt"), timeout=remaining).status_code == 200:
                    return
            except requests.RequestException:  # not listening yet, or the worker is still booting
                pass
        time.sleep(0.1)  # polling for start-up, not waiting in place of an assertion
    pytest.fail(f"gunicorn {server.name} did not answer within {START_TIMEOUT:.0f} s:\n{server.output()}")


def _stop_server(server: AppServer) -> None:
    """SIGTERM (graceful), then SIGKILL if it is still there after 30 s."""
    if server.process.poll() is None:
        server.process.send_signal(signal.SIGTERM)
        try:
            server.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.process.kill()
    server.process.wait()


@pytest.fixture(scope="module")
def shared_redis():
    """The test's Redis database, emptied before and after the module."""
    client = _require_redis(_redis_url())
    client.flushdb()
    yield client
    client.flushdb()
    client.close()


@pytest.fixture(scope="module")
def servers(tmp_path_factory, shared_redis):
    """Servers A and B on one migrated, seeded database with one admin, and one Redis."""
    workdir = tmp_path_factory.mktemp("scale_out")
    database_url = fresh_database_url(workdir, "scale")
    env = _server_env(database_url, _redis_url(), workdir)
    started: list[AppServer] = []
    try:
        _flask(env, "db", "upgrade")
        _flask(env, "seed")
        _flask(env, "create-admin", "--account-name", ADMIN, "--phone", PHONE, "--password", PASSWORD,
               "--display-name", ADMIN_SHOWN)
        for name in ("A", "B"):
            started.append(_start_server(name, env, workdir))
        for server in started:
            _wait_until_serving(server)
        assert started[0].base != started[1].base
        yield started[0], started[1]
    finally:
        for server in started:
            _stop_server(server)
        drop_database(database_url)


def _get(browser: requests.Session, url: str, **kwargs) -> requests.Response:
    return browser.get(url, timeout=REQUEST_TIMEOUT, allow_redirects=False, **kwargs)


def _post(browser: requests.Session, url: str, data: dict, **kwargs) -> requests.Response:
    return browser.post(url, data=data, timeout=REQUEST_TIMEOUT, allow_redirects=False, **kwargs)


def _sign_in(browser: requests.Session, server: AppServer) -> None:
    """Sign in as the admin through the real form on ``server``."""
    form = _get(browser, server.url("/en/sign-in"))
    token = TOKEN_IN_FORM.search(form.text).group(1)
    answer = _post(browser, server.url("/en/sign-in"), {"csrf_token": token, "login": ADMIN, "password": PASSWORD})
    assert answer.status_code == 303, f"sign-in on {server.name} answered {answer.status_code}:\n{answer.text}"


def _signed_in_as_admin(page: requests.Response) -> bool:
    return f'class="account-link">{ADMIN_SHOWN}' in page.text


def test_a_sign_in_on_one_server_holds_on_the_other_until_either_signs_it_out(servers):
    a, b = servers
    with requests.Session() as browser:
        _sign_in(browser, a)
        page_a = _get(browser, a.url("/en/"))
        assert _signed_in_as_admin(page_a)
        cookie_before_sign_out = dict(browser.cookies)

        # The session row and the CSRF token A issued are good on B.
        assert _signed_in_as_admin(_get(browser, b.url("/en/")))
        slug = TOOL_LINK.search(page_a.text).group(1)
        token_from_a = TOKEN_IN_HEADERS.search(page_a.text).group(1)
        refused = _post(browser, b.url(f"/en/t/{slug}/collect"), {})
        assert refused.status_code == 400, "B must refuse a POST without a CSRF token"
        collected = _post(browser, b.url(f"/en/t/{slug}/collect"), {"next": "/en/favorites"},
                          headers={"X-CSRFToken": token_from_a})
        assert collected.status_code == 303, collected.text
        assert f'href="/en/t/{slug}"' in _get(browser, a.url("/en/favorites")).text  # written on B, read on A

        # Signing out on B revokes the row: A no longer honours the very cookie A handed out.
        token_on_b = TOKEN_IN_HEADERS.search(_get(browser, b.url("/en/")).text).group(1)
        assert _post(browser, b.url("/en/sign-out"), {"csrf_token": token_on_b}).status_code == 303
    with requests.Session() as same_browser_before:
        same_browser_before.cookies.update(cookie_before_sign_out)
        assert not _signed_in_as_admin(_get(same_browser_before, a.url("/en/")))
        favorites = _get(same_browser_before, a.url("/en/favorites"))
        assert favorites.status_code in (302, 303) and "/sign-in" in favorites.headers["Location"]


def test_the_api_rate_limit_is_counted_once_for_both_servers(servers, shared_redis):
    a, b = servers
    path = "/api/v1/categories"
    allowed = [requests.get(server.url(path), timeout=REQUEST_TIMEOUT).status_code for server in (a, b, a, b, a)]
    assert allowed == [200] * 5
    for server in (b, a):  # the sixth request overall is refused whichever server takes it
        refused = requests.get(server.url(path), timeout=REQUEST_TIMEOUT)
        assert refused.status_code == 429, f"{server.name} let request past the shared limit of {API_LIMIT}"
        assert int(refused.headers["Retry-After"]) > 0
    assert shared_redis.keys("LIMITS*api-v1*"), "the limiter's counters should be in Redis"


def test_a_setting_an_admin_saves_on_one_server_shows_on_the_others_cached_page(servers, shared_redis):
    a, b = servers
    page = "/en/"
    first = requests.get(a.url(page), headers=SITE_HOST, timeout=REQUEST_TIMEOUT)
    from_b = requests.get(b.url(page), headers=SITE_HOST, timeout=REQUEST_TIMEOUT)
    assert from_b.headers.get("X-Cache") == "HIT" and from_b.content == first.content  # one shared page store
    assert shared_redis.keys("sellernav:page:*"), "cached pages should be in Redis"
    assert NEW_SITE_NAME not in from_b.text

    with requests.Session() as admin:
        _sign_in(admin, a)
        form = _get(admin, a.url("/en/staff/settings"))
        token = TOKEN_IN_FORM.search(form.text).group(1)
        saved = _post(admin, a.url("/en/staff/settings"), {"csrf_token": token, "SITE_NAME": NEW_SITE_NAME})
        assert saved.status_code == 303, saved.text

    # B re-reads the settings (its own snapshot, checked against the version in the database) and the
    # catalog version in the cache key moved, so B renders afresh; A then gets B's page from Redis.
    after_on_b = requests.get(b.url(page), headers=SITE_HOST, timeout=REQUEST_TIMEOUT)
    assert NEW_SITE_NAME in after_on_b.text and after_on_b.headers.get("X-Cache") == "MISS"
    after_on_a = requests.get(a.url(page), headers=SITE_HOST, timeout=REQUEST_TIMEOUT)
    assert after_on_a.headers.get("X-Cache") == "HIT" and NEW_SITE_NAME in after_on_a.text
