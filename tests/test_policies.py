"""Privacy policy and terms as versioned records: pages, history, publishing, notices, acceptance."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from extensions import db
from models import Notification, OutboxMessage, PolicyAcceptance, PolicyVersion, User
from services import clock, policies
from services.markdown import render_markdown
from services.working_days import local_day, working_days_between
from tests.accounts import CHROME, last_code, make_user, post_form, sign_in

MONDAY = datetime(2026, 12, 7, 2, 0, tzinfo=UTC)  # 10:00 in China, an ordinary working Monday


def _seed(app):
    with app.app_context():
        return policies.seed_initial_versions()


def _publish(app, **overrides):
    values = dict(kind="privacy", version="2026-12-v2", title_zh="隐私政策（新）", title_en="Privacy policy (new)",
                  body_zh="新的正文", body_en="The new text", summary_zh="新增了导出说明",
                  summary_en="Export explained",
                  is_major=False, effective_at=clock.now(), staff_id=None)
    values.update(overrides)
    with app.app_context():
        row = policies.publish_version(**values)
        return row.id


def _publish_major(app, **overrides):
    with app.app_context():
        earliest = policies.earliest_major_effective_at()
    return _publish(app, is_major=True, effective_at=earliest, **overrides), earliest


# --- safe Markdown -------------------------------------------------------------------------

def test_markdown_escapes_raw_html_and_script_tags():
    html = render_markdown("Hello <script>alert(1)</script>\n\n<img src=x onerror=alert(1)>")
    assert "<script" not in html and "<img" not in html
    assert "&lt;script&gt;" in html


@pytest.mark.parametrize("link", [
    "javascript:alert(1)", "JaVaScRiPt:alert(1)", "java&#x09;script:alert(1)", "vbscript:x", "data:text/html,hi",
])
def test_markdown_neutralises_dangerous_links(link):
    html = render_markdown(f"[click]({link}) and <{link}>")
    assert "<a " not in html
    assert 'href="javascript' not in html.lower()


def test_markdown_keeps_http_mailto_and_relative_links_and_tables():
    html = render_markdown("[a](https://example.com) [b](mailto:a@example.com) [c](/cookies) [d](#x)\n\n"
                           "| x | y |\n|---|---|\n| 1 | 2 |")
    for href in ("https://example.com", "mailto:a@example.com", "/cookies", "#x"):
        assert f'href="{href}"' in html
    assert "<table>" in html


def test_markdown_drops_remote_images():
    assert "<img" not in render_markdown("![pixel](https://tracker.example/p.gif)")


# --- pages ---------------------------------------------------------------------------------

def test_seeding_creates_the_first_versions_once(app):
    assert _seed(app) == 2
    assert _seed(app) == 0
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(PolicyVersion)) == 2


def test_flask_seed_also_creates_the_first_policy_versions(app, runner):
    result = runner.invoke(args=["seed"])
    assert result.exit_code == 0, result.output
    assert "policies: 2 first versions created" in result.output
    again = runner.invoke(args=["seed"])
    assert again.exit_code == 0 and "policies:" not in again.output


def test_policy_pages_show_the_version_in_force_in_the_page_language(app, client):
    _seed(app)
    zh = client.get("/privacy")
    assert zh.status_code == 200
    assert "<h1>隐私政策</h1>" in zh.text
    assert "2026-11-25" in zh.text
    assert 'href="/privacy/history"' in zh.text
    en = client.get("/en/terms")
    assert "<h1>Terms of service</h1>" in en.text
    assert "These terms are the agreement" in en.text
    assert 'href="/en/terms/history"' in en.text


def test_a_policy_with_no_version_is_not_found(app, client):
    assert client.get("/privacy").status_code == 404
    assert client.get("/privacy/v/nope").status_code == 404


def test_the_retention_table_is_read_from_configuration(app, client):
    _seed(app)
    page = client.get("/en/privacy").text
    assert "15 days" in page and "180 days" in page and "the last 200 tools" in page
    assert "5 working days" in page and "15 working days" in page


@pytest.mark.parametrize("app_config", [{"DELETION_GRACE_DAYS": 21, "LOG_RETENTION_DAYS": 90,
                                         "TICKET_RESPONSE_WORKING_DAYS": 4}])
def test_changing_a_retention_setting_changes_the_privacy_page(app, client, app_config):
    _seed(app)
    page = client.get("/en/privacy").text
    section = page[page.index('id="retention"'):]
    assert "21 days" in section and "90 days" in section and "4 working days" in section
    assert "15 days" not in section[:section.index('id="retention-backups"')]


def test_policy_texts_carry_no_typed_retention_periods(app):
    _seed(app)
    with app.app_context():
        for row in db.session.scalars(select(PolicyVersion)):
            for body in (row.body_zh, row.body_en):
                for number in ("15", "180", "30", "200"):
                    assert f"{number} " not in body and f"{number}天" not in body and f"{number} 天" not in body


def test_an_announced_version_shows_when_it_takes_effect(app, client):
    _seed(app)
    clock.freeze(MONDAY)
    _publish(app, effective_at=MONDAY + timedelta(days=10), version="2026-12-17")
    page = client.get("/en/privacy").text
    assert "Version 2026-11-25" in page  # still the one in force
    assert "has been announced and takes effect on" in page
    assert 'href="/en/privacy/v/2026-12-17"' in page
    clock.freeze(MONDAY + timedelta(days=11))
    later = client.get("/en/privacy").text
    assert "Version 2026-12-17" in later and "has been announced" not in later


def test_the_history_lists_every_version_with_its_flag_and_dates(app, client):
    _seed(app)
    clock.freeze(MONDAY)
    _publish_major(app, version="2026-12-major")
    page = client.get("/en/privacy/history").text
    assert 'href="/en/privacy/v/2026-11-25"' in page and 'href="/en/privacy/v/2026-12-major"' in page
    assert "Major" in page and "Minor" in page and "Announced" in page
    old = client.get("/en/privacy/v/2026-11-25")
    assert old.status_code == 200 and "SellerNav is a directory" in old.text


def test_publishing_refreshes_the_cached_policy_page(app, client):
    _seed(app)
    assert "Version 2026-11-25" in client.get("/en/privacy").text
    _publish(app, version="2026-11-26")
    assert "Version 2026-11-26" in client.get("/en/privacy").text


# --- the notice period ---------------------------------------------------------------------

def test_a_major_version_needs_three_whole_working_days_of_notice(app):
    clock.freeze(MONDAY)
    with app.app_context():
        earliest = policies.earliest_major_effective_at()
        assert working_days_between(local_day(MONDAY), local_day(earliest) - timedelta(days=1)) >= 3
    with pytest.raises(policies.NoticeTooShort):
        _publish(app, is_major=True, effective_at=earliest - timedelta(minutes=1))
    _publish(app, is_major=True, effective_at=earliest)


def test_a_minor_version_may_take_effect_at_once(app):
    clock.freeze(MONDAY)
    _publish(app, is_major=False, effective_at=MONDAY)
    with app.app_context():
        assert policies.current_version("privacy").version == "2026-12-v2"


def test_a_version_name_is_used_once_per_kind(app):
    _publish(app)
    with pytest.raises(policies.VersionExists):
        _publish(app)
    _publish(app, kind="terms")  # the same name for the other document is fine


# --- notifying accounts --------------------------------------------------------------------

def _accounts(app):
    ids = {
        "sms": make_user(app, "smsuser", phone="+8613800000011"),
        "email": make_user(app, "mailuser", phone="+8613800000012"),
        "unverified_email": make_user(app, "rawmail", phone="+8613800000013"),
        "no_phone": make_user(app, "wechatonly", phone=None, verified=False),
        "banned": make_user(app, "banned", phone="+8613800000014", status="banned"),
        "deleted": make_user(app, "gone", phone="+8613800000015", status="deleted"),
    }
    with app.app_context():
        now = clock.now()
        for key, verified in (("email", now), ("unverified_email", None)):
            user = db.session.get(User, ids[key])
            user.email, user.email_verified_at, user.security_notice_channel = f"{key}@example.com", verified, "email"
        db.session.commit()
    return ids


def test_a_major_version_notifies_every_account_in_the_inbox_and_by_the_chosen_channel(app):
    clock.freeze(MONDAY)
    ids = _accounts(app)
    _publish_major(app)
    with app.app_context():
        told = set(db.session.scalars(select(Notification.user_id).where(Notification.kind == policies.NOTICE_KIND)))
        assert told == {ids[k] for k in ("sms", "email", "unverified_email", "no_phone", "banned")}
        sent = {(m.user_id, m.channel, m.recipient) for m in db.session.scalars(select(OutboxMessage))}
    assert sent == {(ids["sms"], "sms", "+8613800000011"), (ids["email"], "email", "email@example.com"),
                    (ids["banned"], "sms", "+8613800000014")}


def test_a_minor_version_notifies_nobody(app):
    _accounts(app)
    _publish(app)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Notification)) == 0
        assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 0


def test_the_announcement_reaches_every_account_across_batches(app):
    ids = [make_user(app, f"seller{n}", phone=f"+86138000001{n:02d}") for n in range(7)]
    clock.freeze(MONDAY)
    with app.app_context():
        row = PolicyVersion(kind="terms", version="v9", title_zh="t", title_en="t", body_zh="b", body_en="b",
                            is_major=True, effective_at=policies.earliest_major_effective_at())
        db.session.add(row)
        db.session.flush()
        assert policies.announce_major_version(row, batch_size=3) == 7
        db.session.commit()
        told = list(db.session.scalars(select(Notification.user_id).where(Notification.kind == policies.NOTICE_KIND)))
    assert sorted(told) == sorted(ids)


def test_the_announcement_runs_the_same_queries_for_few_and_many_accounts(app, count_queries):
    clock.freeze(MONDAY)

    def announce(version):
        with app.app_context():
            row = PolicyVersion(kind="terms", version=version, title_zh="t", title_en="t", body_zh="b", body_en="b",
                                is_major=True, effective_at=policies.earliest_major_effective_at())
            db.session.add(row)
            db.session.flush()
            with count_queries() as counter:
                policies.announce_major_version(row)
            db.session.commit()
            reads = [s for s in counter.statements if s.lstrip().upper().startswith("SELECT")]
            # SQLite inserts ORM rows one by one (it cannot promise RETURNING order); PostgreSQL batches them.
            return (len(reads), counter.count if db.engine.dialect.name == "postgresql" else 0)

    for n in range(3):
        make_user(app, f"few{n}", phone=f"+861380000020{n}")
    few = announce("few")
    for n in range(30):
        make_user(app, f"many{n}", phone=f"+86138000003{n:02d}")
    assert announce("many") == few


def test_the_inbox_shows_the_policy_notice(app, client):
    clock.freeze(MONDAY)
    make_user(app)
    _publish_major(app)
    sign_in(client)
    page = client.get("/en/inbox", headers={"User-Agent": CHROME}).text
    assert "Privacy policy: a new version (2026-12-v2) takes effect on" in page and "Export explained" in page
    assert 'href="/en/privacy/v/2026-12-v2"' in page


# --- the banner and acceptance -------------------------------------------------------------

def test_a_major_version_in_force_shows_a_banner_until_the_user_accepts(app, client):
    _seed(app)
    clock.freeze(MONDAY)
    user_id = make_user(app)
    version_id, earliest = _publish_major(app)
    sign_in(client)
    assert 'id="policy-banner"' not in client.get("/en/", headers={"User-Agent": CHROME}).text  # announced only
    clock.freeze(earliest + timedelta(hours=1))
    sign_in(client)
    page = client.get("/en/privacy", headers={"User-Agent": CHROME}).text
    assert 'id="policy-banner"' in page and "Export explained" in page
    response = post_form(client, "/en/privacy", {"version_id": str(version_id), "next": "/en/privacy"},
                         action="/en/policies/accept")
    assert response.status_code == 303 and response.headers["Location"] == "/en/privacy"
    assert 'id="policy-banner"' not in client.get("/en/", headers={"User-Agent": CHROME}).text
    with app.app_context():
        assert db.session.get(PolicyAcceptance, (user_id, version_id)) is not None


def test_a_minor_version_shows_no_banner(app, client):
    _seed(app)
    make_user(app)
    _publish(app, is_major=False)
    sign_in(client)
    assert 'id="policy-banner"' not in client.get("/en/", headers={"User-Agent": CHROME}).text


def test_accepting_with_htmx_answers_with_nothing_so_the_banner_goes(app, client):
    clock.freeze(MONDAY)
    user_id = make_user(app)
    version_id, earliest = _publish_major(app)
    clock.freeze(earliest)
    sign_in(client)
    response = post_form(client, "/en/", {"version_id": str(version_id)}, action="/en/policies/accept",
                         headers={"HX-Request": "true"})
    assert response.status_code == 200 and response.text == ""
    again = post_form(client, "/en/", {"version_id": str(version_id)}, action="/en/policies/accept")
    assert again.status_code == 303  # accepting twice is harmless
    with app.app_context():
        assert policies.needs_acceptance(db.session.get(User, user_id)) == []


def test_accepting_refuses_visitors_and_requests_without_a_token(app, client):
    clock.freeze(MONDAY)
    make_user(app)
    version_id, earliest = _publish_major(app)
    clock.freeze(earliest)
    visitor = post_form(client, "/en/sign-in", {"version_id": str(version_id)}, action="/en/policies/accept")
    assert visitor.status_code == 303 and "/sign-in" in visitor.headers["Location"]
    sign_in(client)
    assert client.post("/en/policies/accept", data={"version_id": str(version_id)}).status_code == 400


def test_needs_acceptance_is_one_query(app, count_queries):
    clock.freeze(MONDAY)
    user_id = make_user(app)
    _publish_major(app)
    _publish_major(app, kind="terms")
    clock.freeze(MONDAY + timedelta(days=10))
    with app.app_context():
        user = db.session.get(User, user_id)
        with count_queries() as counter:
            pending = policies.needs_acceptance(user)
        assert counter.count == 1
        assert {row.kind for row in pending} == {"privacy", "terms"}


def test_registering_accepts_the_versions_in_force(app, client, catalog):
    clock.freeze(MONDAY)
    _seed(app)
    _, earliest = _publish_major(app)
    clock.freeze(earliest + timedelta(hours=1))
    post_form(client, "/en/register", {"phone": "13812345678", "action": "send_code"})
    response = post_form(client, "/en/register", {
        "account_name": "newseller", "password": "Correct-Horse-42", "phone": "13812345678",
        "code": last_code(app, "+8613812345678"), "accept_terms": "y", "action": "register", "next": "/en/"})
    assert response.status_code == 303
    assert 'id="policy-banner"' not in client.get("/en/", headers={"User-Agent": CHROME}).text
    with app.app_context():
        user = db.session.scalar(select(User).where(User.account_name == "newseller"))
        accepted = set(db.session.scalars(
            select(PolicyVersion.version).join(PolicyAcceptance).where(PolicyAcceptance.user_id == user.id)))
    assert accepted == {"2026-12-v2", "2026-11-25"}  # the new privacy policy and the terms in force


# --- the staff form ------------------------------------------------------------------------

FORM = {"kind": "terms", "version": "2027-01", "title_zh": "用户协议", "title_en": "Terms",
        "body_zh": "正文", "body_en": "Body", "summary_zh": "", "summary_en": ""}


def test_the_publish_form_sends_visitors_to_sign_in_and_refuses_non_admins(app, client):
    assert client.get("/policies/new").status_code == 303
    assert "/sign-in" in client.get("/policies/new").headers["Location"]
    for role in ("user", "moderator"):
        make_user(app, role, phone=f"+86138000009{len(role):02d}", role=role)
        other = app.test_client()
        sign_in(other, login=role)
        assert other.get("/policies/new").status_code == 403
        assert post_form(other, "/en/", {**FORM, "effective_on": "2026-12-07"},
                         action="/en/policies/new").status_code == 403


def test_an_admin_publishes_a_minor_version_effective_today(app, client):
    clock.freeze(MONDAY)
    make_user(app, "boss", role="admin")
    sign_in(client, login="boss")
    response = post_form(client, "/en/policies/new", {**FORM, "effective_on": "2026-12-07"})
    assert response.status_code == 303 and response.headers["Location"] == "/en/terms/v/2027-01"
    assert "Body" in client.get("/en/terms", headers={"User-Agent": CHROME}).text


def test_a_major_version_with_too_little_notice_is_refused_keeping_the_input(app, client):
    clock.freeze(MONDAY)
    make_user(app, "boss", role="admin")
    sign_in(client, login="boss")
    data = {**FORM, "is_major": "y", "summary_zh": "改了", "summary_en": "Changed", "effective_on": "2026-12-08"}
    response = post_form(client, "/en/policies/new", data)
    assert response.status_code == 422
    assert "working days&#39; notice" in response.text
    assert 'value="2027-01"' in response.text
    assert "Body</textarea>" in response.text


def test_a_major_version_needs_a_summary_and_a_version_needs_a_new_name(app, client):
    clock.freeze(MONDAY)
    make_user(app, "boss", role="admin")
    sign_in(client, login="boss")
    response = post_form(client, "/en/policies/new", {**FORM, "is_major": "y", "effective_on": "2026-12-31"})
    assert response.status_code == 422 and "needs a summary" in response.text
    assert post_form(client, "/en/policies/new", {**FORM, "effective_on": "2026-12-07"}).status_code == 303
    again = post_form(client, "/en/policies/new", {**FORM, "effective_on": "2026-12-07"})
    assert again.status_code == 422 and "already exists" in again.text


def test_the_publish_form_refuses_a_day_in_the_past_and_a_bad_version_name(app, client):
    clock.freeze(MONDAY)
    make_user(app, "boss", role="admin")
    sign_in(client, login="boss")
    past = post_form(client, "/en/policies/new", {**FORM, "effective_on": "2026-12-01"})
    assert past.status_code == 422 and "cannot be in the past" in past.text
    bad = post_form(client, "/en/policies/new", {**FORM, "version": "../x", "effective_on": "2026-12-07"})
    assert bad.status_code == 422
