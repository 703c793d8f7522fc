"""Account flows in a real browser: register, sign out and in (password and SMS), reset, WeChat, the gate."""

import re
import threading

import pytest
from flask import Blueprint, render_template_string
from werkzeug.serving import make_server

from blueprints.gates import verified_required
from tests.accounts import PASSWORD, last_code, make_user
from tests.fakes.wechat import wechat_config

pytestmark = pytest.mark.browser
NEW_PASSWORD = "Brand-New-Pass-77"


@pytest.fixture
def app_config(fake_wechat):
    return wechat_config(fake_wechat)


def _sign_out(page):
    page.click(".account-menu summary")  # the account menu is a <details>
    page.click("button:has-text('Sign out')")


def _send_code_and_wait(page, app, phone_e164):
    before = len(app.extensions["sms"].sent)
    page.click("button[value='send_code']")
    page.wait_for_selector("#code-status .ok")
    assert len(app.extensions["sms"].sent) == before + 1
    return last_code(app, phone_e164)


def test_register_sign_out_and_sign_in_with_password_and_with_an_sms_code(page, live_server, catalog):
    app = catalog
    page.goto(live_server + "/en/register")
    page.fill("input[name='account_name']", "browserseller")
    page.fill("input[name='password']", PASSWORD)
    page.fill("input[name='phone']", "13812345678")
    page.evaluate("window.__sameDocument = true")
    code = _send_code_and_wait(page, app, "+8613812345678")
    assert page.evaluate("window.__sameDocument") is True  # htmx refreshed only the status
    assert page.input_value("input[name='account_name']") == "browserseller"
    page.fill("input[name='code']", code)
    page.check("input[name='accept_terms']")
    page.click("button[value='register']")
    page.wait_for_selector("text=Welcome to SellerNav")
    shown = page.locator(".account-link").inner_text().strip()
    assert re.fullmatch(r"卖家\d{6}", shown)  # a neutral display name: the account name is private

    _sign_out(page)
    page.wait_for_selector("text=You are signed out.")
    page.click("a:has-text('Sign in')")
    page.fill("input[name='login']", "browserseller")
    page.fill("input[name='password']", PASSWORD)
    page.click("form button[type='submit']:has-text('Sign in')")
    page.wait_for_selector(".account-link")

    _sign_out(page)
    page.goto(live_server + "/en/sign-in/sms")
    page.fill("input[name='phone']", "13812345678")
    code = _send_code_and_wait(page, app, "+8613812345678")
    page.fill("input[name='code']", code)
    page.click("button[value='sign_in']")
    page.wait_for_selector(".account-link")


def test_register_without_javascript_keeps_the_form_between_steps(page_without_js, live_server, catalog):
    page = page_without_js
    page.goto(live_server + "/en/register")
    page.fill("input[name='account_name']", "nojsseller")
    page.fill("input[name='phone']", "13812340000")
    page.click("button[value='send_code']")
    page.wait_for_selector("#code-status .ok")
    assert page.input_value("input[name='account_name']") == "nojsseller"
    page.fill("input[name='password']", PASSWORD)
    page.fill("input[name='code']", last_code(catalog, "+8613812340000"))
    page.check("input[name='accept_terms']")
    page.click("button[value='register']")
    page.wait_for_selector(".account-link")


def test_reset_a_forgotten_password(page, live_server, catalog):
    make_user(catalog)
    page.goto(live_server + "/en/sign-in")
    page.click("a:has-text('Forgot your password?')")
    page.fill("input[name='phone']", "13800000001")
    code = _send_code_and_wait(page, catalog, "+8613800000001")
    page.fill("input[name='code']", code)
    page.fill("input[name='password']", NEW_PASSWORD)
    page.click("button[value='reset']")
    page.wait_for_selector("text=Your password is changed")
    page.fill("input[name='login']", "seller1")
    page.fill("input[name='password']", NEW_PASSWORD)
    page.click("form button[type='submit']:has-text('Sign in')")
    page.wait_for_selector(".account-link")


def _approve_on_fake_wechat(page):
    page.wait_for_selector("#approve")
    page.click("#approve")


def test_sign_in_with_wechat_then_bind_wechat_to_another_account(page, live_server, catalog, fake_wechat):
    page.goto(live_server + "/en/sign-in")
    page.click("a:has-text('Sign in with WeChat')")
    _approve_on_fake_wechat(page)
    page.wait_for_url("**/en/auth/wechat/consent")
    assert "跨境小王" in page.content()
    page.check("input[name='accept_terms']")
    page.click("button:has-text('Create my account')")
    page.wait_for_selector(".account-link:has-text('跨境小王')")
    _sign_out(page)

    make_user(catalog)
    fake_wechat.next_user = "lily"
    page.goto(live_server + "/en/sign-in")
    page.fill("input[name='login']", "seller1")
    page.fill("input[name='password']", PASSWORD)
    page.click("form button[type='submit']:has-text('Sign in')")
    page.goto(live_server + "/en/settings/security")
    page.click("a:has-text('Bind WeChat')")
    _approve_on_fake_wechat(page)
    page.wait_for_selector("text=WeChat is bound")
    assert "Lily" in page.locator("#wechat").inner_text()


@pytest.fixture
def gated_live_server(catalog):
    """A page with a gated button, standing in for the collect buttons of a later issue."""
    bp = Blueprint("gated_browser", __name__)

    @bp.route("/_test/tool")
    def tool():
        return render_template_string(
            '{% extends "base.html" %}{% block content %}<form method="post" action="/_test/collect">'
            '<input type="hidden" name="csrf_token" value="{{ csrf_token() }}">'
            '<input type="hidden" name="next" value="/_test/tool">'
            '<button id="collect">Collect</button></form>{% endblock %}')

    @bp.route("/_test/collect", methods=["POST"])
    @verified_required
    def collect():
        return "collected"

    catalog.register_blueprint(bp)
    server = make_server("127.0.0.1", 0, catalog, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.mark.own_app  # gated_live_server adds a blueprint
def test_an_unverified_user_is_sent_to_verify_and_back(page, gated_live_server, catalog, fake_wechat):
    base = gated_live_server
    page.goto(base + "/en/auth/wechat/start")
    _approve_on_fake_wechat(page)
    page.check("input[name='accept_terms']")
    page.click("button:has-text('Create my account')")
    page.wait_for_selector(".account-link")
    page.goto(base + "/_test/tool")
    page.click("#collect")
    page.wait_for_url(re.compile(r".*/verify-phone\?next=/_test/tool.*"))
    assert "verified mobile phone" in page.content() or "验证手机号" in page.content()
    page.fill("input[name='phone']", "13600001111")
    code = _send_code_and_wait(page, catalog, "+8613600001111")
    page.fill("input[name='code']", code)
    page.click("button[value='verify']")
    page.wait_for_url(base + "/_test/tool")
    page.click("#collect")
    page.wait_for_selector("text=collected")
