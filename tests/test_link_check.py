"""The link checker: live, dead, moved, slow and anti-bot sites, retries, and addresses it must never reach.

Every site is tests/link_server.py on 127.0.0.1; names resolve only through a fake resolver (fake_dns),
so no test contacts a public host or a real DNS server.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from extensions import db
from models import LinkCheck, Tool
from services.link_check import runner as link_runner
from services.link_check import store
from services.link_check.guard import AddressGuard, AddressRefused, is_public_address, parse_allow_list
from services.link_check.probe import ProbeSettings, is_material_change, probe_url
from tests.link_server import closed_port, fake_dns, forbidden_server, link_server  # noqa: F401  (fixtures)

TIMEOUT = 0.3
RETRIES = 2


def settings_for(*servers, retries: int = RETRIES, allowed: str | None = None, **extra) -> ProbeSettings:
    """Probe settings whose allow-list admits exactly these servers' ports."""
    if allowed is None:
        allowed = ",".join(f"127.0.0.1:{server.port}" for server in servers)
    return ProbeSettings(guard=AddressGuard(allowed), timeout=TIMEOUT, retries=retries, backoff=0, **extra)


# ---- which addresses are public -----------------------------------------------------------------

@pytest.mark.parametrize("address", [
    "127.0.0.1", "127.8.9.10", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254", "100.64.0.1",
    "0.0.0.0", "224.0.0.1", "239.255.255.250", "240.0.0.1", "255.255.255.255", "192.0.2.1", "198.18.0.1",
    "::1", "::", "fe80::1", "fc00::1", "fd12:3456::1", "ff02::1", "fec0::1", "2001:db8::1",
    "::ffff:127.0.0.1", "::ffff:10.0.0.1", "::ffff:169.254.169.254",  # IPv4-mapped IPv6
    "2002:7f00:1::", "64:ff9b::a00:1",  # 6to4 and NAT64 wrappings of 127.0.0.1 and 10.0.0.1
])
def test_private_loopback_link_local_and_other_special_addresses_are_not_public(address):
    assert not is_public_address(address)


@pytest.mark.parametrize("address", ["8.8.8.8", "223.5.5.5", "2606:4700:4700::1111", "2400:3200::1",
                                     "::ffff:8.8.8.8"])
def test_globally_routable_addresses_are_public(address):
    assert is_public_address(address)


def test_the_allow_list_takes_hosts_or_host_port_pairs():
    assert [(e.host, e.port) for e in parse_allow_list(" 127.0.0.1:8000, Intranet.Test., [::1]:8080, ::1 ,")] == [
        ("127.0.0.1", 8000), ("intranet.test", None), ("::1", 8080), ("::1", None)]
    with pytest.raises(ValueError, match="bad port"):
        parse_allow_list("127.0.0.1:http")


@pytest.mark.parametrize(("url", "reason"), [
    ("ftp://127.0.0.1/file", "scheme ftp"),
    ("file:///etc/passwd", "scheme file"),
    ("javascript:alert(1)", "scheme javascript"),
    ("http://user:secret@127.0.0.1/", "credentials in URL"),
    ("http://brand.test@127.0.0.1/", "credentials in URL"),
    ("http:///no-host", "no host"),
    ("http://10.0.0.1/", "private address"),
    ("http://[::ffff:127.0.0.1]/", "private address"),
    ("http://2130706433/", "private address"),  # 127.0.0.1 spelled as one number, read without DNS
    ("http://0x7f.1/", "private address"),
])
def test_other_schemes_credentials_and_private_literals_are_refused_before_anything_is_sent(url, reason):
    with pytest.raises(AddressRefused) as refused:
        AddressGuard("").check_url(url)
    assert refused.value.reason == reason
    result = probe_url(url, settings_for(allowed=""))
    assert (result.outcome, result.detail, result.attempts) == ("unknown", f"refused: {reason}", 1)


# ---- one URL ------------------------------------------------------------------------------------

def test_a_live_page_is_live_after_one_head_request(link_server):  # noqa: F811
    result = probe_url(link_server.url("/live"), settings_for(link_server))
    assert (result.outcome, result.status_code, result.attempts) == ("live", 200, 1)
    assert result.final_url == link_server.url("/live")
    assert link_server.paths_hit() == [("HEAD", "/live")]  # no body downloaded


@pytest.mark.parametrize(("path", "status"), [("/missing", 404), ("/gone", 410), ("/server-error", 503)])
def test_an_error_page_is_dead_after_every_retry(link_server, path, status):  # noqa: F811
    result = probe_url(link_server.url(path), settings_for(link_server))
    assert (result.outcome, result.status_code, result.detail) == ("dead", status, f"HTTP {status}")
    assert result.attempts == 1 + RETRIES
    assert len(link_server.paths_hit(path)) == 1 + RETRIES


def test_a_closed_port_is_dead_with_connection_refused():
    with closed_port() as port:
        result = probe_url(f"http://127.0.0.1:{port}/", settings_for(allowed=f"127.0.0.1:{port}"))
    assert (result.outcome, result.detail, result.attempts) == ("dead", "connection refused", 1 + RETRIES)


def test_retries_wait_a_little_longer_each_time(link_server):  # noqa: F811
    waits = []
    settings = ProbeSettings(guard=AddressGuard(f"127.0.0.1:{link_server.port}"), timeout=TIMEOUT, retries=3,
                             backoff=0.25)
    probe_url(link_server.url("/missing"), settings, sleep=waits.append)
    assert waits == [0.25, 0.5, 1.0]


def test_a_page_that_fails_once_is_live_on_the_retry_and_the_attempts_are_counted(link_server):  # noqa: F811
    link_server.flaky_failures = 1
    result = probe_url(link_server.url("/flaky"), settings_for(link_server))
    assert (result.outcome, result.attempts) == ("live", 2)


def test_a_slow_page_times_out_is_retried_then_dead(link_server):  # noqa: F811
    result = probe_url(link_server.url("/slow"), settings_for(link_server))
    assert (result.outcome, result.detail, result.attempts) == ("dead", "timeout", 1 + RETRIES)
    assert len(link_server.paths_hit("/slow")) == 1 + RETRIES
    assert result.elapsed_ms < 1000 * (1 + RETRIES) * (TIMEOUT + 1)  # each attempt stopped at the timeout


def test_a_moved_page_is_changed_and_its_final_url_recorded(link_server):  # noqa: F811
    result = probe_url(link_server.url("/moved"), settings_for(link_server))
    assert (result.outcome, result.status_code) == ("changed", 200)
    assert result.final_url == link_server.url("/new-home")
    assert link_server.paths_hit() == [("HEAD", "/moved"), ("HEAD", "/new-home")]


def test_a_trailing_slash_redirect_is_not_a_change(link_server):  # noqa: F811
    result = probe_url(link_server.url("/slash"), settings_for(link_server))
    assert (result.outcome, result.final_url) == ("live", link_server.url("/slash/"))


@pytest.mark.parametrize(("stored", "final", "changed"), [
    ("http://shop.test/", "https://shop.test/", False),
    ("https://shop.test", "https://www.shop.test/", False),
    ("https://shop.test/app", "https://shop.test/app/", False),
    ("https://shop.test/", "https://shop.test/en/", False),  # a home page sending visitors to their language
    ("https://SHOP.test:443/", "https://shop.test/", False),
    ("https://shop.test/", "https://other.test/", True),
    ("https://shop.test/", "https://shop.test:8443/", True),
    ("https://shop.test/", "https://app.shop.test/", True),
    ("https://apps.shop.test/alpha", "https://apps.shop.test/beta", True),
])
def test_only_a_material_move_counts_as_changed(stored, final, changed):
    assert is_material_change(stored, final) is changed


def test_a_redirect_loop_is_dead_after_the_redirect_cap(link_server):  # noqa: F811
    result = probe_url(link_server.url("/loop"), settings_for(link_server, retries=0))
    assert (result.outcome, result.detail) == ("dead", "too many redirects")
    assert len(link_server.paths_hit("/loop")) == 11  # the first request and ten redirects


def test_a_server_that_refuses_head_is_asked_with_get(link_server):  # noqa: F811
    result = probe_url(link_server.url("/head-405"), settings_for(link_server))
    assert (result.outcome, result.status_code) == ("live", 200)
    assert link_server.paths_hit() == [("HEAD", "/head-405"), ("GET", "/head-405")]


def test_a_cloudflare_403_is_unknown_not_dead_and_not_retried(link_server):  # noqa: F811
    result = probe_url(link_server.url("/cloudflare"), settings_for(link_server))
    assert (result.outcome, result.status_code, result.attempts) == ("unknown", 403, 1)
    assert result.detail == "anti-bot: cloudflare (HTTP 403)"


@pytest.mark.parametrize(("path", "status"), [("/forbidden", 403), ("/login", 401), ("/too-many", 429)])
def test_a_site_that_answers_but_refuses_robots_is_unknown_not_dead(link_server, path, status):  # noqa: F811
    # The site exists and answered; a login wall or a rate limit is not evidence that it is gone.
    result = probe_url(link_server.url(path), settings_for(link_server))
    assert (result.outcome, result.status_code, result.attempts) == ("unknown", status, 1)
    assert result.detail == f"HTTP {status}: refused the checker"


def test_a_challenge_503_is_unknown_but_a_plain_503_is_dead(link_server):  # noqa: F811
    challenge = probe_url(link_server.url("/challenge"), settings_for(link_server))
    plain = probe_url(link_server.url("/server-error"), settings_for(link_server))
    assert (challenge.outcome, challenge.detail) == ("unknown", "anti-bot: cloudflare (HTTP 503)")
    assert plain.outcome == "dead"


# ---- addresses the checker must never reach --------------------------------------------------------

@pytest.mark.parametrize("target", [
    "http://127.0.0.1:{port}/secret",  # another local service
    "http://localhost:{port}/secret",  # the same, by name
    "http://[::ffff:127.0.0.1]:{port}/secret",
    "http://2130706433:{port}/secret",
    "http://10.0.0.1/",
    "http://169.254.169.254/latest/meta-data/",  # the cloud metadata endpoint
    "http://[fd00::1]/",
])
def test_a_redirect_to_a_private_address_is_refused_without_contacting_it(
        link_server, forbidden_server, target):  # noqa: F811
    link_server.private_target = target.format(port=forbidden_server.port)
    result = probe_url(link_server.url("/to-private"), settings_for(link_server))
    assert (result.outcome, result.detail, result.attempts) == ("unknown", "refused: private address", 1)
    assert result.final_url == link_server.private_target  # staff see where it tried to go
    assert link_server.paths_hit() == [("HEAD", "/to-private")]
    assert forbidden_server.paths_hit() == []  # never contacted


def test_without_the_allow_list_a_tool_on_127_0_0_1_is_refused(link_server):  # noqa: F811
    result = probe_url(link_server.url("/live"), settings_for(allowed=""))
    assert (result.outcome, result.detail) == ("unknown", "refused: private address")
    assert link_server.paths_hit() == []


def test_the_allow_list_admits_only_the_port_it_names(link_server, forbidden_server):  # noqa: F811
    result = probe_url(forbidden_server.url("/live"), settings_for(link_server))
    assert result.detail == "refused: private address"
    assert forbidden_server.paths_hit() == []


def test_a_name_is_resolved_once_and_the_socket_goes_to_the_address_that_was_checked(
        link_server, fake_dns):  # noqa: F811
    # A rebinding name: the first answer is the admitted test server, every later one a forbidden address.
    # Were the name looked up again to connect, the check would have been made on the wrong answer.
    fake_dns.names["shop.test"] = [["127.0.0.1"], ["10.0.0.1"]]
    result = probe_url(f"http://shop.test:{link_server.port}/live", settings_for(link_server))
    assert (result.outcome, result.final_url) == ("live", f"http://shop.test:{link_server.port}/live")
    assert fake_dns.calls == [("shop.test", link_server.port)]
    assert link_server.host_headers == [f"shop.test:{link_server.port}"]  # the name is kept for Host (and SNI)


def test_a_name_with_one_private_address_among_public_ones_is_refused(fake_dns, forbidden_server):  # noqa: F811
    # Checked before any connection, so the public address here is never contacted either.
    fake_dns.names["mixed.test"] = ["8.8.8.8", "127.0.0.1"]
    with pytest.raises(AddressRefused):
        AddressGuard("").checked_addresses("mixed.test", forbidden_server.port)
    result = probe_url(f"http://mixed.test:{forbidden_server.port}/", settings_for(allowed=""))
    assert result.detail == "refused: private address"
    assert forbidden_server.paths_hit() == []


def test_a_name_that_does_not_resolve_is_dead_after_the_retries(fake_dns):  # noqa: F811
    result = probe_url("https://gone-away.invalid/", settings_for(allowed=""))
    assert (result.outcome, result.detail, result.attempts) == ("dead", "DNS: name not resolved", 1 + RETRIES)
    assert len(fake_dns.calls) == 1 + RETRIES


def test_a_name_in_the_allow_list_admits_its_private_addresses(link_server, fake_dns):  # noqa: F811
    fake_dns.names["intranet.test"] = ["127.0.0.1"]
    url = f"http://intranet.test:{link_server.port}/live"
    assert probe_url(url, settings_for(allowed="intranet.test")).outcome == "live"
    assert probe_url(url, settings_for(allowed="other.test")).detail == "refused: private address"


# ---- the run: flask check-links -----------------------------------------------------------------

@pytest.fixture
def app_config(link_server):  # noqa: F811
    return {"LINK_CHECK_ALLOWED_HOSTS": f"127.0.0.1:{link_server.port}", "LINK_CHECK_TIMEOUT": TIMEOUT,
            "LINK_CHECK_RETRIES": 1, "LINK_CHECK_BACKOFF_SECONDS": 0, "LINK_CHECK_CONCURRENCY": 4}


def point_tools(app, server, paths: dict[str, str], default: str = "/page/{slug}") -> None:
    """Give the catalog's tools addresses on the test server: ``paths`` by slug, the rest live pages."""
    with app.app_context():
        for tool in db.session.scalars(select(Tool)):
            path = paths.get(tool.slug, default.format(slug=tool.slug))
            tool.url = path if "://" in path else server.url(path)
            tool.url_normalized = f"{tool.slug}.{tool.url}"
        db.session.commit()


def tool_states(app) -> dict[str, tuple[str, str]]:
    with app.app_context():
        rows = db.session.execute(select(Tool.slug, Tool.status, Tool.url))
        return {slug: (status, url) for slug, status, url in rows}


def test_check_links_checks_every_tool_stores_one_row_each_and_prints_a_summary(
        app, catalog, runner, link_server):  # noqa: F811
    point_tools(app, link_server, {"alpha-scout": "/missing", "mai-jia": "/moved", "shopee-sea": "/cloudflare",
                                   "zulu-ai": "http://169.254.169.254/latest/meta-data/"})
    before = tool_states(app)
    result = runner.invoke(args=["check-links"])
    assert result.exit_code == 0, result.output
    assert "checked 12/12" in result.output  # no TTY here: a counter instead of a bar
    assert "12 links checked: 8 live, 1 dead, 1 changed, 2 unknown; 3 waiting in the staff queue" in result.output
    with app.app_context():
        rows = {slug: check for check, slug in db.session.execute(
            select(LinkCheck, Tool.slug).join(Tool, Tool.id == LinkCheck.tool_id))}
        assert len(rows) == 12
        assert (rows["alpha-scout"].outcome, rows["alpha-scout"].status_code, rows["alpha-scout"].attempts) == (
            "dead", 404, 2)
        assert (rows["mai-jia"].outcome, rows["mai-jia"].final_url) == ("changed", link_server.url("/new-home"))
        assert rows["shopee-sea"].detail == "anti-bot: cloudflare (HTTP 403)"
        assert rows["zulu-ai"].detail == "refused: private address"
        assert all(check.elapsed_ms is not None and check.reviewed_at is None for check in rows.values())
    assert tool_states(app) == before  # the checker never changes a tool


def test_each_run_adds_one_row_per_tool_to_the_history(app, catalog, runner, link_server):  # noqa: F811
    point_tools(app, link_server, {})
    for _ in range(2):
        assert runner.invoke(args=["check-links", "--limit", "3"]).exit_code == 0
    with app.app_context():
        per_tool = db.session.execute(select(LinkCheck.tool_id, func.count()).group_by(LinkCheck.tool_id)).all()
        assert sorted(count for _tool, count in per_tool) == [2, 2, 2]


def test_only_slug_checks_one_tool_and_an_unknown_slug_is_an_error(app, catalog, runner, link_server):  # noqa: F811
    point_tools(app, link_server, {"jp-keywords": "/missing"})
    result = runner.invoke(args=["check-links", "--only-slug", "jp-keywords"])
    assert "1 links checked: 0 live, 1 dead" in result.output
    missing = runner.invoke(args=["check-links", "--only-slug", "no-such-tool"])
    assert missing.exit_code != 0 and "no tool has the slug" in missing.output
    assert runner.invoke(args=["check-links", "--concurrency", "0"]).exit_code == 2


def test_tools_already_marked_dead_and_synthetic_tools_are_not_checked(app, catalog, runner, link_server):  # noqa: F811
    point_tools(app, link_server, {})
    with app.app_context():
        db.session.execute(Tool.__table__.update().where(Tool.slug == "alpha-scout").values(status="dead_link"))
        db.session.execute(Tool.__table__.update().where(Tool.slug == "mai-jia").values(is_synthetic=True))
        db.session.commit()
        assert len(store.tools_to_check()) == 10
    assert "1 links checked" in runner.invoke(args=["check-links", "--only-slug", "alpha-scout"]).output


def test_the_checks_run_in_parallel(app, catalog, link_server):  # noqa: F811
    # /barrier answers only while three requests wait at once, so one-at-a-time checking would fail it.
    with app.app_context():
        tools = [store.ToolLink(tool_id, link_server.url("/barrier"))
                 for tool_id in db.session.scalars(select(Tool.id).limit(3))]
        settings = ProbeSettings(guard=AddressGuard(f"127.0.0.1:{link_server.port}"), timeout=10, retries=0)
        counts = link_runner.check_links(tools, settings, concurrency=3)
    assert counts["live"] == 3


def test_a_malformed_allow_list_stops_the_command(app, catalog, runner):
    app.config["LINK_CHECK_ALLOWED_HOSTS"] = "127.0.0.1:notaport"
    result = runner.invoke(args=["check-links"])
    assert result.exit_code != 0 and "bad port" in result.output
