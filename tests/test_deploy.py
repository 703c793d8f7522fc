"""The deployment: deploy/nginx.conf in front of gunicorn (deploy/gunicorn.conf.py) in production mode, on loopback.

One seeded database (tests/fresh_database.py), one gunicorn and one nginx for the module (deploy/loopback.py);
every check goes through nginx over https, verified against the certificate made for the run, as a browser would.
"""

from __future__ import annotations

import gzip
import http.client
import os
import re
import secrets
import ssl
import subprocess
import sys
import time
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from deploy import loopback
from tests.fresh_database import drop_database, fresh_database_url

# One worker runs the whole module, so its site (nginx, gunicorn, a seeded database) is started once, not per worker.
pytestmark = [pytest.mark.deploy, pytest.mark.xdist_group("deploy_site")]

ROOT = Path(__file__).resolve().parent.parent
FLASK = Path(sys.executable).with_name("flask")
DEADLINE_SECONDS = 20.0
# Headers the app sets on every response it makes; nginx must pass each on once and add none of them itself.
APP_SECURITY_HEADERS = (
    "Content-Security-Policy",
    "Referrer-Policy",
    "Permissions-Policy",
    "X-Content-Type-Options",
    "Strict-Transport-Security",
)


@dataclass
class Site:
    """The running deployment and what the tests need to know about it."""

    url: str  # https://127.0.0.1:<port>
    http_port: int
    https_port: int
    workdir: Path
    uploads: Path
    database_url: str
    certificate: Path
    tool_slug: str
    tool_url: str
    category_slug: str
    tag_slug: str


@dataclass
class Answer:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    def header(self, name: str) -> str | None:
        return self.headers.get(name)

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")


def require_nginx() -> str:
    """nginx's path, or a failed test that says how to install it (never a skip)."""
    try:
        return loopback.require_nginx()
    except loopback.DeployError as error:
        pytest.fail(str(error))


def production_environment(workdir: Path, database_url: str, uploads: Path) -> dict[str, str]:
    """What /etc/sellernav/env holds on a server, with dummy SMS and SMTP values that are never called here."""
    env = {name: os.environ[name] for name in ("PATH", "HOME", "LANG", "LC_ALL") if name in os.environ}
    env |= {
        "FLASK_APP": "app:create_app",
        "SELLERNAV_ENV": "production",
        "SECRET_KEY": secrets.token_urlsafe(48),
        "DATABASE_URL": database_url,
        "ALLOW_SQLITE_IN_PRODUCTION": "1" if database_url.startswith("sqlite") else "0",
        "PROXY_FIX_X_FOR": "1",
        "SITE_URL": "https://www.sellernav.cn",  # deploy/nginx.conf's own host name
        "SMS_BACKEND": "aliyun",
        "SMS_ALIYUN_ACCESS_KEY_ID": "deploy-test",
        "SMS_ALIYUN_ACCESS_KEY_SECRET": "deploy-test",
        "SMS_ALIYUN_SIGN_NAME": "SellerNav",
        "SMS_ALIYUN_TEMPLATE_CODE": "SMS_000000",
        "EMAIL_BACKEND": "smtp",
        "SMTP_HOST": "127.0.0.1",
        "UPLOAD_DIR": str(uploads),
        "BACKUP_DIR": str(workdir / "backups"),
        # The access record is written every 0.2 s, so the client-IP check waits for it briefly.
        "ACCESS_LOG_FLUSH_SECONDS": "0.2",
        "GUNICORN_WORKERS": "2",
    }
    return env


def run_flask(env: dict[str, str], *args: str) -> None:
    result = subprocess.run([str(FLASK), *args], cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    assert result.returncode == 0, f"flask {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"


def pick_catalog_entries(database_url: str) -> tuple[str, str, str, str]:
    """(tool slug, tool URL, its category's slug, one of its tags' slug) from the seeded catalog."""
    engine = create_engine(database_url)
    with engine.connect() as connection:
        row = connection.execute(
            text(
                "SELECT t.slug, t.url, c.slug, g.slug FROM tool t"
                " JOIN category c ON c.id = t.category_id"
                " JOIN tool_tag tt ON tt.tool_id = t.id JOIN tag g ON g.id = tt.tag_id"
                " WHERE t.status = 'published' AND t.lifecycle = 'active' ORDER BY t.slug, g.slug LIMIT 1"
            )
        ).one()
    engine.dispose()
    return row[0], row[1], row[2], row[3]


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Site:
    require_nginx()
    workdir = tmp_path_factory.mktemp("deploy")
    uploads = workdir / "uploads"
    (uploads / "private" / "licences").mkdir(parents=True)
    (uploads / "avatars").mkdir()
    database_url = fresh_database_url(workdir, "deploy")
    env = production_environment(workdir, database_url, uploads)
    run_flask(env, "db", "upgrade")
    run_flask(env, "seed")
    tool_slug, tool_url, category_slug, tag_slug = pick_catalog_entries(database_url)
    with ExitStack() as servers:
        # Ports are picked, then bound by the servers: another worker may take one in between, so each
        # server is started again on new ports when it finds its own taken.
        (upstream,), _ = loopback.enter_on_free_ports(
            servers, 1, lambda port: loopback.running_gunicorn(env, port, workdir / "gunicorn.log")
        )
        (http_port, https_port), url = loopback.enter_on_free_ports(
            servers, 2, lambda http_port, https_port: loopback.running_nginx(
                workdir / "nginx", http_port=http_port, https_port=https_port, upstream_port=upstream,
                app_root=ROOT, uploads_dir=uploads,
            ),
        )  # fmt: skip
        yield Site(
            url=url, http_port=http_port, https_port=https_port, workdir=workdir / "nginx", uploads=uploads,
            database_url=database_url, certificate=workdir / "nginx" / "loopback.crt",
            tool_slug=tool_slug, tool_url=tool_url, category_slug=category_slug, tag_slug=tag_slug,
        )  # fmt: skip
    drop_database(database_url)


def fetch(
    site: Site,
    path: str,
    *,
    method: str = "GET",
    headers: dict[str, str] | None = None,
    body: bytes | None = None,
    source: str = "127.0.0.1",
) -> Answer:
    """One request through nginx over https, certificate verified, redirects not followed."""
    context = ssl.create_default_context(cafile=str(site.certificate))
    connection = http.client.HTTPSConnection(
        "127.0.0.1", site.https_port, context=context, timeout=30, source_address=(source, 0)
    )
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return Answer(response.status, response.headers, response.read())
    finally:
        connection.close()


def fetch_plain_http(site: Site, path: str, headers: dict[str, str] | None = None) -> Answer:
    """One request to nginx's port-80 server (here: its loopback port)."""
    connection = http.client.HTTPConnection("127.0.0.1", site.http_port, timeout=30)
    try:
        connection.request("GET", path, headers=headers or {})
        response = connection.getresponse()
        return Answer(response.status, response.headers, response.read())
    finally:
        connection.close()


def assert_page(answer: Answer) -> None:
    assert answer.status == 200, answer.text[:500]
    assert answer.header("Content-Type").startswith("text/html")
    assert "<html" in answer.text


# --- pages through nginx -------------------------------------------------------------------------------------


def test_home_category_tool_and_english_tool_pages_are_served(site):
    for path in ("/", f"/c/{site.category_slug}", f"/t/{site.tool_slug}", f"/tag/{site.tag_slug}", "/en/"):
        assert_page(fetch(site, path))
    english = fetch(site, f"/en/t/{site.tool_slug}")
    assert_page(english)
    assert '<html lang="en"' in english.text


def test_outbound_link_redirects_to_the_tools_own_address(site):
    answer = fetch(site, f"/go/{site.tool_slug}")
    assert answer.status == 302
    assert answer.header("Location") == site.tool_url


def test_an_unknown_page_is_the_sites_404_page(site):
    answer = fetch(site, "/en/t/no-such-tool-anywhere")
    assert answer.status == 404
    assert "Page not found" in answer.text
    assert "<html" in answer.text and "nginx" not in answer.text


def test_health_checks_answer_through_nginx_and_stay_out_of_its_access_log(site):
    health = fetch(site, "/healthz")
    assert (health.status, health.text.strip()) == (200, "ok")
    ready = fetch(site, "/readyz")
    assert ready.status == 200
    assert ready.header("Content-Type").startswith("application/json")
    probe = f"/en/deploy-log-probe-{secrets.token_hex(6)}"
    fetch(site, probe)
    access_log = wait_for_text(site.workdir / "access.log", probe)  # requests are logged...
    assert "/healthz" not in access_log and "/readyz" not in access_log  # ...but not the health checks


def test_query_strings_never_reach_nginxs_access_log(site):
    code, state = secrets.token_hex(8), secrets.token_hex(8)
    probe = f"/en/deploy-log-probe-{secrets.token_hex(6)}"
    fetch(site, f"{probe}?code={code}", headers={"Referer": f"{site.url}/en/sign-in?state={state}"})
    line = next(line for line in wait_for_text(site.workdir / "access.log", probe).splitlines() if probe in line)
    assert code not in line and state not in line
    assert f"{site.url}/en/sign-in" in line  # the path and the referring page stay, without their queries


def test_gunicorns_access_log_stays_off_so_secret_paths_never_reach_its_output(site):
    # gunicorn turns its access log on whenever a logging config is given (production's JSON logs are one),
    # whatever `accesslog` says; an email-verification link carries its token in the path.
    token = secrets.token_urlsafe(24)
    assert fetch(site, f"/en/settings/email/verify/{token}").status == 400
    for _ in range(4):  # later requests on both workers: a line for the first would have been written by now
        fetch(site, "/robots.txt")
    output = (site.workdir.parent / "gunicorn.log").read_text(encoding="utf-8")
    assert token not in output
    assert "/robots.txt" not in output and '"GET ' not in output
    assert "Booting worker" in output  # gunicorn's own lines are still there


def wait_for_text(path: Path, expected: str) -> str:
    """The file's text once it contains ``expected`` (nginx logs a request just after answering it)."""
    deadline = time.monotonic() + DEADLINE_SECONDS
    content = ""
    while time.monotonic() < deadline:
        content = path.read_text(encoding="utf-8") if path.exists() else ""
        if expected in content:
            return content
        time.sleep(0.05)  # polling interval, not an assertion
    raise AssertionError(f"{expected!r} did not appear in {path} within {DEADLINE_SECONDS:.0f} s")


# --- headers -------------------------------------------------------------------------------------------------


def test_the_apps_security_headers_arrive_once_each_and_hsts_over_https(site):
    answer = fetch(site, f"/t/{site.tool_slug}")
    for name in APP_SECURITY_HEADERS:
        assert len(answer.headers.get_all(name) or []) == 1, f"{name}: {answer.headers.get_all(name)}"
    assert "max-age=" in answer.header("Strict-Transport-Security")
    assert "frame-ancestors 'none'" in answer.header("Content-Security-Policy")
    assert answer.header("X-Content-Type-Options") == "nosniff"


def test_a_request_for_another_host_name_is_dropped_unanswered(site):
    # The app would otherwise build absolute links (e.g. in notice emails) from a host name the client chose.
    for headers in ({"Host": "evil.example"}, {"Host": f"evil.example:{site.https_port}"}):
        with pytest.raises(http.client.RemoteDisconnected):
            fetch(site, "/", headers=headers)
    with pytest.raises(http.client.RemoteDisconnected):
        fetch_plain_http(site, "/", headers={"Host": "evil.example"})


def test_nginx_does_not_tell_its_version(site):
    answer = fetch(site, "/")
    assert answer.header("Server") == "nginx"
    missing_static = fetch(site, "/static/no-such-file.css")
    assert missing_static.status == 404
    assert not re.search(r"nginx/\d", missing_static.text)


# --- static files --------------------------------------------------------------------------------------------


def fingerprinted_stylesheet(site: Site) -> str:
    """The stylesheet's URL exactly as the home page links it (static_url adds ?v=<hash>)."""
    match = re.search(r'href="(/static/css/site\.css\?v=[^"]+)"', fetch(site, "/").text)
    assert match, "the home page links no fingerprinted stylesheet"
    return match.group(1).replace("&amp;", "&")


def test_fingerprinted_static_files_are_served_by_nginx_cached_for_a_year(site):
    answer = fetch(site, fingerprinted_stylesheet(site))
    assert answer.status == 200
    assert answer.header("Content-Type").startswith("text/css")
    assert answer.header("Cache-Control") == "public, max-age=31536000, immutable"
    # Served by nginx, not the app: none of the app's page headers, but nosniff from nginx itself, once.
    assert answer.header("Content-Security-Policy") is None
    assert answer.headers.get_all("X-Content-Type-Options") == ["nosniff"]


def test_static_files_without_a_fingerprint_get_a_short_lifetime(site):
    answer = fetch(site, "/static/css/site.css")
    assert answer.status == 200
    max_age = int(re.search(r"max-age=(\d+)", answer.header("Cache-Control")).group(1))
    assert 0 < max_age <= 3600
    assert "immutable" not in answer.header("Cache-Control")


def test_no_directory_listing_under_static(site):
    for path in ("/static/", "/static/css/"):
        answer = fetch(site, path)
        assert answer.status in (403, 404), path
        assert "site.css" not in answer.text


def test_pages_and_stylesheets_are_gzipped_for_clients_that_accept_it(site):
    for path in ("/", "/static/css/site.css"):
        answer = fetch(site, path, headers={"Accept-Encoding": "gzip"})
        assert answer.status == 200
        assert answer.header("Content-Encoding") == "gzip", path
        assert "Accept-Encoding" in ", ".join(answer.headers.get_all("Vary"))
        assert len(gzip.decompress(answer.body)) > len(answer.body)
    assert fetch(site, "/").header("Content-Encoding") is None  # and not for those that do not


# --- clean URLs ----------------------------------------------------------------------------------------------


def test_pseudo_static_addresses_redirect_permanently_to_the_clean_url_keeping_the_query(site):
    tool, category, tag = site.tool_slug, site.category_slug, site.tag_slug
    cases = {
        "/index.html": "/",
        "/index.php": "/",
        "/en/index.html": "/en/",
        "/en": "/en/",
        "/en?from=old": "/en/?from=old",
        f"/t/{tool}.html": f"/t/{tool}",
        f"/en/t/{tool}.html?ref=a&b=1": f"/en/t/{tool}?ref=a&b=1",
        f"/c/{category}.html": f"/c/{category}",
        f"/en/c/{category}/": f"/en/c/{category}",
        f"/tag/{tag}/?page=2": f"/tag/{tag}?page=2",
        f"/t/{tool}/": f"/t/{tool}",
    }
    for old, clean in cases.items():
        answer = fetch(site, old)
        assert (answer.status, answer.header("Location")) == (301, clean), old
        assert answer.header("Content-Security-Policy") is None, f"{old} reached the app"  # nginx answered
        assert fetch(site, clean).status == 200, clean


def test_plain_http_redirects_to_https_with_path_and_query(site):
    answer = fetch_plain_http(site, f"/t/{site.tool_slug}?x=1")
    assert answer.status == 301
    assert answer.header("Location") == f"https://127.0.0.1/t/{site.tool_slug}?x=1"


def test_acme_challenges_are_answered_over_plain_http(site):
    challenge = site.workdir / "acme" / ".well-known" / "acme-challenge"
    challenge.mkdir(parents=True, exist_ok=True)
    (challenge / "deploy-token").write_text("deploy-token.proof")
    answer = fetch_plain_http(site, "/.well-known/acme-challenge/deploy-token")
    assert (answer.status, answer.text) == (200, "deploy-token.proof")


def test_dotfiles_are_never_served(site):
    for path in ("/.env", "/.git/config", "/static/.htaccess"):
        assert fetch(site, path).status == 404, path


# --- forms, limits, uploads ----------------------------------------------------------------------------------


def sign_in_form(site: Site) -> tuple[str, str]:
    """(csrf token, session cookie) from the English sign-in page."""
    page = fetch(site, "/en/sign-in")
    assert page.status == 200
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.text).group(1)
    cookie = "; ".join(value.split(";", 1)[0] for value in page.headers.get_all("Set-Cookie") or [])
    assert cookie, "the sign-in page set no session cookie"
    return token, cookie


def test_a_form_post_with_its_csrf_token_reaches_the_form_through_nginx(site):
    token, cookie = sign_in_form(site)
    body = f"csrf_token={token}&login=nobody-here&password=wrong-password-123&next=".encode()
    answer = fetch(
        site, "/en/sign-in", method="POST", body=body,
        headers={
            "Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie,
            # Over https Flask-WTF also checks the Referer is this site, as a browser sends it.
            "Referer": f"{site.url}/en/sign-in",
        },
    )  # fmt: skip
    assert answer.status == 422, answer.text[:500]
    assert "The account name, phone or password is not right." in answer.text


def test_a_form_post_without_its_csrf_token_is_refused(site):
    _, cookie = sign_in_form(site)
    answer = fetch(
        site, "/en/sign-in", method="POST", body=b"login=nobody-here&password=wrong-password-123",
        headers={"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie,
                 "Referer": f"{site.url}/en/sign-in"},
    )  # fmt: skip
    assert answer.status == 400
    assert "Your form expired" in answer.text


def test_a_body_over_six_mebibytes_is_refused_by_nginx_before_the_app(site):
    context = ssl.create_default_context(cafile=str(site.certificate))
    connection = http.client.HTTPSConnection("127.0.0.1", site.https_port, context=context, timeout=30)
    try:
        # Headers only: nginx answers from Content-Length alone, without waiting for 7 MiB to arrive.
        connection.putrequest("POST", "/en/sign-in")
        connection.putheader("Content-Type", "application/x-www-form-urlencoded")
        connection.putheader("Content-Length", str(7 * 1024 * 1024))
        connection.endheaders()
        response = connection.getresponse()
        status, csp = response.status, response.getheader("Content-Security-Policy")
        response.read()
    finally:
        connection.close()
    assert status == 413
    assert csp is None  # nginx's answer: the app never saw the request


def test_a_body_just_under_the_limit_passes_nginx(site):
    # Proves the 413 above is the size, not the method: 5 MiB reaches the app (which refuses it: no CSRF token).
    answer = fetch(
        site, "/en/sign-in", method="POST", body=b"a" * (5 * 1024 * 1024),
        headers={"Content-Type": "application/octet-stream"},
    )  # fmt: skip
    assert answer.status == 400
    assert answer.header("Content-Security-Policy") is not None


def test_uploaded_files_cannot_be_fetched_by_path_through_nginx(site):
    secret = b"private licence image " + secrets.token_hex(8).encode()
    (site.uploads / "private" / "licences" / "licence.png").write_bytes(secret)
    (site.uploads / "avatars" / "deploy-avatar.png").write_bytes(secret)
    guesses = [
        "/uploads/private/licences/licence.png",
        "/private/licences/licence.png",
        "/instance/uploads/private/licences/licence.png",
        "/static/../uploads/private/licences/licence.png",
        "/static/..%2fuploads/private/licences/licence.png",
        "/media/private/licences/licence.png",
        "/media/../private/licences/licence.png",
        f"{site.uploads}/private/licences/licence.png",
        "/uploads/avatars/deploy-avatar.png",
        "/avatars/deploy-avatar.png",
    ]
    for path in guesses:
        answer = fetch(site, path)
        assert answer.status in (400, 404), f"{path}: {answer.status}"
        assert secret not in answer.body, path


# --- the client's address --------------------------------------------------------------------------------------


def test_the_app_sees_the_clients_address_not_nginxs_nor_a_forged_one(site):
    probe = f"/en/deploy-client-ip-{secrets.token_hex(6)}"
    answer = fetch(site, probe, headers={"X-Forwarded-For": "203.0.113.9"}, source="127.0.0.2")
    assert answer.status == 404
    engine = create_engine(site.database_url)
    try:
        deadline = time.monotonic() + DEADLINE_SECONDS
        addresses: list[str] = []
        while not addresses and time.monotonic() < deadline:
            with engine.connect() as connection:
                rows = connection.execute(text("SELECT ip FROM access_record WHERE path = :path"), {"path": probe})
                addresses = list(rows.scalars())
            if not addresses:
                time.sleep(0.1)  # the access log writer flushes every 0.2 s; poll until the row is there
    finally:
        engine.dispose()
    assert addresses, f"no access record for {probe} within {DEADLINE_SECONDS:.0f} s"
    assert addresses == ["127.0.0.2"]
