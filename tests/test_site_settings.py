"""Site settings: admins override the configuration's site name, 备案 numbers, contact details, retention
periods and SMS budget; every reader of those values, the footer of cached pages included, follows."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from extensions import db
from models import AuditEntry, SiteSetting
from services import clock, deletion, site_settings, sms
from tests.accounts import csrf_from, make_user, sign_in
from tests.conftest import make_app
from tests.test_log_anonymisation import _access, _visit_and_sign_in
from tests.test_policies import _seed as seed_policies

SETTINGS = "/staff/settings"
GOOD = {"SITE_NAME": "跨境导航", "ICP_RECORD": "京ICP备12345678号-1", "PSB_RECORD": "京公网安备11010502030143号",
        "PSB_RECORD_CODE": "11010502030143"}


@pytest.fixture
def user(app, catalog):
    make_user(app, "plainuser", phone="+8613800000011")
    client = app.test_client()
    sign_in(client, "plainuser")
    return client


def save(client, values: dict, path: str = SETTINGS):
    return client.post(path, data={"csrf_token": csrf_from(client.get(SETTINGS).text), **values})


def reset(client, key: str):
    return client.post(SETTINGS + "/reset", data={"csrf_token": csrf_from(client.get(SETTINGS).text), "key": key})


def stored(app) -> dict[str, str]:
    with app.app_context():
        return dict(db.session.execute(select(SiteSetting.key, SiteSetting.value)).all())


def audit_entries(app, action: str) -> list[AuditEntry]:
    with app.app_context():
        rows = db.session.scalars(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)).all()
        db.session.expunge_all()
        return list(rows)


def audit_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(AuditEntry))


# --- who may use the page ------------------------------------------------------------------

@pytest.mark.parametrize("path", [SETTINGS, "/en" + SETTINGS])
def test_a_visitor_is_sent_to_sign_in(client, catalog, path):
    response = client.get(path)
    assert response.status_code in (302, 303)
    assert "/sign-in" in response.headers["Location"]


def test_users_and_moderators_get_403_and_change_nothing(app, user, moderator):
    for client in (user, moderator):
        assert client.get(SETTINGS).status_code == 403
        token = csrf_from(client.get("/").text)
        assert client.post(SETTINGS, data={"csrf_token": token, "SITE_NAME": "Hijacked"}).status_code == 403
        assert client.post(SETTINGS + "/reset", data={"csrf_token": token, "key": "SITE_NAME"}).status_code == 403
    assert stored(app) == {}
    assert audit_count(app) == 0


def test_a_post_without_the_csrf_token_is_refused_and_saves_nothing(app, admin):
    assert admin.post(SETTINGS, data={"SITE_NAME": "No token"}).status_code == 400
    assert admin.post(SETTINGS + "/reset", data={"key": "SITE_NAME"}).status_code == 400
    assert stored(app) == {}


def test_only_admins_see_the_link_in_the_staff_navigation(admin, moderator):
    assert 'href="/staff/settings"' in admin.get("/staff").text
    assert 'href="/staff/settings"' not in moderator.get("/staff").text


# --- the page ------------------------------------------------------------------------------

def test_the_page_shows_every_setting_with_its_value_and_the_configurations_default(app, admin):
    page = admin.get("/en" + SETTINGS)
    assert page.status_code == 200
    assert page.headers["Cache-Control"].startswith("no-store")
    for spec in site_settings.SETTINGS:
        assert f'name="{spec.key}"' in page.text
    assert 'name="LOG_RETENTION_DAYS" value="180"' in page.text
    assert "Configuration default: 180" in page.text
    assert "Reset to default" not in page.text  # nothing is overridden yet


@pytest.mark.parametrize(("key", "value", "message"), [
    ("LOG_RETENTION_DAYS", "0", "from 1 to 3650"),
    ("LOG_RETENTION_DAYS", "3651", "from 1 to 3650"),
    ("LOG_RETENTION_DAYS", "half a year", "whole number"),
    ("LOG_RETENTION_DAYS", "", "whole number"),
    ("BACKUP_RETENTION_DAYS", "0", "from 1 to 3650"),
    ("DELETION_GRACE_DAYS", "366", "from 1 to 365"),
    ("SMS_DAILY_BUDGET", "-1", "from 0 to 1000000"),
    ("SITE_NAME", "", "cannot be empty"),
    ("SITE_NAME", "<b>Sellers</b>", "without &lt; or &gt;"),
    ("SITE_NAME", "Seller\nNav", "one line"),
    ("SITE_NAME", "x" * 41, "at most 40 characters"),
    ("ICP_RECORD", "pending", "京ICP备12345678号-1"),
    ("PSB_RECORD", "京ICP备12345678号", "京公网安备11010502030143号"),
    ("PSB_RECORD_CODE", "11010a502030143", "Only the digits"),
    ("CONTACT_EMAIL", "privacy at example", "email address"),
    ("CONTACT_PHONE", "call us", "Digits"),
    ("CONTACT_ADDRESS", '<a href="x">here</a>', "without &lt; or &gt;"),
])
def test_a_bad_value_is_refused_with_422_the_input_kept_and_nothing_saved(app, admin, key, value, message):
    response = save(admin, {"SITE_NAME": "A valid new name", key: value}, "/en" + SETTINGS)
    assert response.status_code == 422
    assert message in response.text
    assert "Nothing was saved" in response.text
    assert f'id="setting-{key}"' in response.text and 'aria-invalid="true"' in response.text
    if "\n" not in value:
        kept = value.replace("<", "&lt;").replace(">", "&gt;").replace('"', "&#34;")
        assert f'name="{key}" value="{kept}"' in response.text
    assert stored(app) == {}  # the valid field beside it is not saved either
    assert audit_count(app) == 0


def test_the_refusal_is_in_chinese_on_the_chinese_page(admin):
    response = save(admin, {"LOG_RETENTION_DAYS": "0"})
    assert response.status_code == 422
    assert '<html lang="zh-CN">' in response.text


def test_saving_writes_one_audit_entry_per_changed_key_with_the_values_before_and_after(app, admin):
    page = admin.get(SETTINGS).text
    response = save(admin, {"SITE_NAME": "跨境导航", "LOG_RETENTION_DAYS": "９０", "SMS_DAILY_BUDGET": "2000",
                            "ICP_RECORD": ""})  # full-width digits from an input method are a number
    assert response.status_code == 303
    assert response.headers["Location"].endswith(SETTINGS)
    assert stored(app) == {"SITE_NAME": "跨境导航", "LOG_RETENTION_DAYS": "90"}
    entries = audit_entries(app, "settings.change")
    assert [(e.target_type, e.target_id) for e in entries] == [("site_setting", "SITE_NAME"),
                                                               ("site_setting", "LOG_RETENTION_DAYS")]
    assert json.loads(entries[0].before) == {"value": "SellerNav"}
    assert json.loads(entries[0].after) == {"value": "跨境导航"}
    assert json.loads(entries[1].before) == {"value": 180} and json.loads(entries[1].after) == {"value": 90}
    assert all(e.actor_id is not None for e in entries)
    again = admin.get(SETTINGS).text
    assert again != page
    assert 'name="LOG_RETENTION_DAYS" value="90"' in again
    assert "Reset to default" in again or "恢复" in again


def test_saving_the_same_values_changes_nothing(app, admin):
    response = save(admin, {"SITE_NAME": "SellerNav", "LOG_RETENTION_DAYS": "180"})
    assert response.status_code == 303
    assert stored(app) == {}
    assert audit_entries(app, "settings.change") == []


def test_reset_to_default_deletes_the_row_and_the_configuration_decides_again(app, admin):
    save(admin, {"LOG_RETENTION_DAYS": "90"})
    response = reset(admin, "LOG_RETENTION_DAYS")
    assert response.status_code == 303
    assert stored(app) == {}
    [entry] = audit_entries(app, "settings.reset")
    assert (entry.target_id, json.loads(entry.before), json.loads(entry.after)) == (
        "LOG_RETENTION_DAYS", {"value": 90}, {"value": 180})
    assert 'name="LOG_RETENTION_DAYS" value="180"' in admin.get(SETTINGS).text
    assert reset(admin, "LOG_RETENTION_DAYS").status_code == 303  # nothing to reset: said so, no entry
    assert len(audit_entries(app, "settings.reset")) == 1
    assert reset(admin, "SECRET_KEY").status_code == 404  # only the settings on the page


def test_saving_the_configurations_value_removes_the_override(app, admin):
    save(admin, {"DELETION_GRACE_DAYS": "21"})
    save(admin, {"DELETION_GRACE_DAYS": "15"})
    assert stored(app) == {}
    assert len(audit_entries(app, "settings.change")) == 2


# --- where the values are used --------------------------------------------------------------

def test_a_saved_site_name_and_records_show_on_the_next_request_of_a_cached_page_in_both_languages(app, admin):
    visitor = app.test_client()
    for path in ("/", "/en/"):
        visitor.get(path)
        assert visitor.get(path).headers["X-Cache"] == "HIT"
    assert save(admin, GOOD).status_code == 303
    for path in ("/", "/en/"):
        page = visitor.get(path)
        assert page.headers["X-Cache"] == "MISS"  # the catalog version moved, so the page is rendered again
        assert "<title>跨境导航 · " in page.text and "<span>跨境导航</span>" in page.text
        assert "京ICP备12345678号-1</a>" in page.text
        assert 'webSearch?code=11010502030143" rel="nofollow noopener">京公网安备11010502030143号</a>' in page.text
        assert "SellerNav" not in page.text.split("<footer")[1]
        assert visitor.get(path).headers["X-Cache"] == "HIT"


def test_another_app_server_sees_a_change_on_its_next_request(app, admin, database_url):
    other_server = make_app(database_url, PAGE_CACHE_ENABLED=False)
    assert "<span>SellerNav</span>" in other_server.test_client().get("/en/").text  # its snapshot is loaded
    save(admin, {"SITE_NAME": "Seller Compass"})
    assert "<span>Seller Compass</span>" in other_server.test_client().get("/en/").text


def test_reading_the_settings_adds_no_query_to_the_home_page(app, admin, count_queries):
    app.config["PAGE_CACHE_ENABLED"] = False
    visitor = app.test_client()

    def queries() -> int:
        with count_queries() as counter:
            assert visitor.get("/").status_code == 200
        return counter.count

    before = queries()
    save(admin, {"SITE_NAME": "跨境导航", "ICP_RECORD": GOOD["ICP_RECORD"], "CONTACT_EMAIL": "privacy@example.com"})
    assert queries() == before + 1  # this process reads the override rows once after they change
    assert queries() == before
    assert before <= 8


def test_the_sms_sender_stops_at_the_budget_an_admin_set(app, admin):
    save(admin, {"SMS_DAILY_BUDGET": "2"})
    with app.app_context():
        sms.request_code("+8613900000001", "register", "198.51.100.1")
        sms.request_code("+8613900000002", "register", "198.51.100.2")
        with pytest.raises(sms.SmsRefused) as refused:
            sms.request_code("+8613900000003", "register", "198.51.100.3")
        assert refused.value.reason == "global_budget"
    save(admin, {"SMS_DAILY_BUDGET": "0"})
    reset(admin, "SMS_DAILY_BUDGET")  # back to the configuration's 2000
    with app.app_context():
        sms.request_code("+8613900000003", "register", "198.51.100.3")


def test_a_budget_of_zero_sends_no_code(app, admin):
    save(admin, {"SMS_DAILY_BUDGET": "0"})
    with app.app_context(), pytest.raises(sms.SmsRefused) as refused:
        sms.request_code("+8613900000001", "register", "198.51.100.1")
    assert refused.value.reason == "global_budget"
    assert app.extensions["sms"].sent == []


def test_anonymise_logs_uses_the_retention_an_admin_set(app, admin, runner):
    make_user(app)
    clock.freeze(datetime(2026, 1, 5, 2, 0, tzinfo=UTC))
    save(admin, {"LOG_RETENTION_DAYS": "30"})
    _visit_and_sign_in(app, "/robots.txt")
    clock.advance(timedelta(days=29))
    assert "older than 30 days: 0 access records anonymised" in runner.invoke(args=["anonymise-logs"]).output
    clock.advance(timedelta(days=2))
    assert "older than 30 days: " in runner.invoke(args=["anonymise-logs"]).output
    assert _access(app, "/robots.txt")[0].ip is None


def test_the_privacy_page_shows_the_retention_and_contact_details_an_admin_set(app, admin):
    seed_policies(app)
    visitor = app.test_client()
    assert 'id="contact-details"' not in visitor.get("/en/privacy").text  # nothing configured, nothing shown
    save(admin, {"LOG_RETENTION_DAYS": "90", "BACKUP_RETENTION_DAYS": "14", "DELETION_GRACE_DAYS": "21",
                 "CONTACT_EMAIL": "privacy@example.com", "CONTACT_PHONE": "010-1234 5678",
                 "CONTACT_ADDRESS": "北京市朝阳区某某路 1 号"})
    page = visitor.get("/en/privacy").text
    retention = page[page.index('id="retention"'):]
    assert "<td>90 days</td>" in retention and "<td>14 days</td>" in retention and "<td>21 days</td>" in retention
    contact = page[page.index('id="contact-details"'):]
    assert 'href="mailto:privacy@example.com"' in contact and 'href="tel:010-12345678"' in contact
    assert "北京市朝阳区某某路 1 号" in contact
    footer = page.split("<footer")[1]
    assert "privacy@example.com" in footer and "010-1234 5678" in footer
    assert "90" in visitor.get("/privacy").text.split('id="retention-logs"')[1].split("</tr>")[0]


def test_the_deletion_grace_period_an_admin_set_applies_to_new_requests(app, admin):
    save(admin, {"DELETION_GRACE_DAYS": "21", "BACKUP_RETENTION_DAYS": "14"})
    with app.app_context():
        assert deletion.grace_days() == 21
    page = admin.get("/en/settings/delete-account").text
    assert "waits 21 days" in page and "kept for 14 days" in page


def test_a_stored_value_todays_rules_refuse_falls_back_to_the_configuration(app, admin):
    save(admin, {"SITE_NAME": "跨境导航"})
    with app.app_context():
        db.session.add(SiteSetting(key="LOG_RETENTION_DAYS", value="forever"))
        db.session.commit()
    save(admin, {"SITE_NAME": "跨境导航 2"})  # moves the settings version, so the rows are read again
    with app.app_context():
        assert site_settings.effective("LOG_RETENTION_DAYS") == 180
        assert site_settings.effective("SITE_NAME") == "跨境导航 2"
