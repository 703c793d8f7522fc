"""Production refuses to start with a setting that is only safe on a developer's machine."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from app import create_app
from config import ConfigurationError
from tests.conftest import make_app

ROOT = Path(__file__).resolve().parent.parent
STRONG_SECRET = "k" * 48
# Never called: no test here sends a code. The backend only insists they are set.
DUMMY_ALIYUN = {f"SMS_ALIYUN_{name}": "unused" for name in (
    "ACCESS_KEY_ID", "ACCESS_KEY_SECRET", "SIGN_NAME", "TEMPLATE_CODE")}


def production_settings(**changes) -> dict:
    """Settings a production app starts with (the database is the test's; SQLite allowed for the test)."""
    return {
        "ENV_NAME": "production",
        "SECRET_KEY": STRONG_SECRET,
        "SMS_BACKEND": "aliyun",
        **DUMMY_ALIYUN,
        "EMAIL_BACKEND": "smtp",
        "SMTP_HOST": "127.0.0.1",
        "WECHAT_OPEN_URL": "https://open.weixin.qq.com",
        "WECHAT_API_URL": "https://api.weixin.qq.com",
        "ALLOW_SQLITE_IN_PRODUCTION": True,
        "SITE_URL": "https://sellernav.example",
        "RATELIMIT_ENABLED": False,
        "LOG_FORMAT": "text",  # a JSON handler would outlive this test in pytest's process; see the subprocess test
        **changes,
    }


def refusal(**changes) -> str:
    with pytest.raises(ConfigurationError) as refused:
        create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", **production_settings(**changes)})
    return str(refused.value)


def test_a_safe_production_configuration_starts(database_url, migrated):
    app = make_app(database_url, **production_settings())
    assert app.config["ENV_NAME"] == "production"
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["PREFERRED_URL_SCHEME"] == "https"
    assert app.test_client().get("/healthz").status_code == 200


@pytest.mark.parametrize("secret", ["dev-only-not-secret", "short-but-not-default", ""])
def test_a_default_or_short_secret_key_is_refused(secret):
    assert "SECRET_KEY" in refusal(SECRET_KEY=secret)


def test_debug_is_refused():
    assert "FLASK_DEBUG" in refusal(DEBUG=True)


def test_the_console_sms_backend_is_refused():
    message = refusal(SMS_BACKEND="console")
    assert "SMS_BACKEND" in message and "aliyun or tencent" in message


def test_the_console_email_backend_is_refused():
    assert "EMAIL_BACKEND=smtp" in refusal(EMAIL_BACKEND="console")


@pytest.mark.parametrize("name", ["WECHAT_OPEN_URL", "WECHAT_API_URL"])
def test_a_plain_http_wechat_endpoint_is_refused(name):
    assert f"{name} is not an https:// URL" in refusal(**{name: "http://127.0.0.1:9999"})


@pytest.mark.parametrize("site_url", ["", "http://sellernav.example"], ids=["unset", "plain-http"])
def test_production_needs_the_sites_https_address(site_url):
    # Without it absolute links would come from the request's Host header, which the client chooses.
    assert "SITE_URL is not set to the site's https:// address" in refusal(SITE_URL=site_url)


def test_sqlite_is_refused_unless_allowed():
    message = refusal(ALLOW_SQLITE_IN_PRODUCTION=False)
    assert "DATABASE_URL is SQLite" in message and "ALLOW_SQLITE_IN_PRODUCTION=1" in message


def test_every_problem_is_listed_at_once():
    message = refusal(SECRET_KEY="", SMS_BACKEND="console", EMAIL_BACKEND="console", ALLOW_SQLITE_IN_PRODUCTION=False)
    assert message.count("\n- ") == 4


def test_development_starts_with_the_defaults():
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "ENV_NAME": "development"})
    assert app.config["SECRET_KEY"] == "dev-only-not-secret" and not app.config["SESSION_COOKIE_SECURE"]


def test_postgresql_connections_are_pinged_before_use():
    app = create_app({"SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://postgres@127.0.0.1:5432/none"})
    assert app.config["SQLALCHEMY_ENGINE_OPTIONS"]["pool_pre_ping"] is True


def test_proxy_headers_are_trusted_only_when_configured():
    def seen_address(hops: int) -> str:
        app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "PROXY_FIX_X_FOR": hops, "TESTING": True})
        app.add_url_rule("/_ip", "ip", lambda: __import__("flask").request.remote_addr)
        response = app.test_client().get(
            "/_ip", headers={"X-Forwarded-For": "203.0.113.9"}, environ_base={"REMOTE_ADDR": "127.0.0.1"}
        )
        return response.text

    assert seen_address(0) == "127.0.0.1"
    assert seen_address(1) == "203.0.113.9"


def run_in_production(env: dict[str, str], code: str) -> subprocess.CompletedProcess:
    """Run ``code`` in a fresh interpreter with SELLERNAV_ENV=production and ``env``."""
    full = {**os.environ, "SELLERNAV_ENV": "production", "SECRET_KEY": STRONG_SECRET, "SMS_BACKEND": "aliyun",
            **DUMMY_ALIYUN, "EMAIL_BACKEND": "smtp", "SMTP_HOST": "127.0.0.1", "ALLOW_SQLITE_IN_PRODUCTION": "1",
            "DATABASE_URL": "sqlite://", "SITE_URL": "https://sellernav.example", **env}
    full.pop("FLASK_DEBUG", None)
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=full, capture_output=True, text=True,
                          timeout=60)


def test_the_environment_variable_selects_production_and_its_refusals():
    started = run_in_production({}, "from app import create_app; print(create_app().config['ENV_NAME'])")
    assert started.returncode == 0, started.stderr
    assert started.stdout.strip() == "production"
    refused = run_in_production({"SECRET_KEY": "dev-only-not-secret"}, "from app import create_app; create_app()")
    assert refused.returncode != 0
    assert "refusing to start in production" in refused.stderr and "SECRET_KEY" in refused.stderr


def test_production_logs_are_json_lines():
    code = (
        "from app import create_app\n"
        "app = create_app()\n"
        "app.logger.warning('disk %s is filling', 'sda1')\n"
        "with app.test_request_context('/t/x?code=secret', headers={'X-Request-Id': 'f00d'}):\n"
        "    app.logger.error('inside a request')\n"
    )
    done = run_in_production({}, code)
    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in done.stderr.splitlines() if line.startswith("{")]
    first = next(line for line in lines if line["message"] == "disk sda1 is filling")
    assert first["level"] == "WARNING" and first["time"].endswith("+00:00")
    second = next(line for line in lines if line["message"] == "inside a request")
    assert second["path"] == "/t/x" and "secret" not in json.dumps(second)
    assert second["request_id"] == "f00d"  # nginx's $request_id, also in its access log


def test_gunicorns_own_lines_are_json_in_production():
    code = (
        "import logging, logging.config, runpy\n"
        "from gunicorn.glogging import CONFIG_DEFAULTS\n"
        "settings = runpy.run_path('deploy/gunicorn.conf.py')\n"
        "logging.config.dictConfig({**CONFIG_DEFAULTS, **settings['logconfig_dict']})  # as gunicorn merges them\n"
        "logging.getLogger('gunicorn.error').info('Booting worker with pid: %s', 42)\n"
    )
    done = run_in_production({}, code)
    assert done.returncode == 0, done.stderr
    line = json.loads(done.stderr.strip().splitlines()[-1])
    assert (line["logger"], line["level"], line["message"]) == ("gunicorn.error", "INFO", "Booting worker with pid: 42")


def test_gunicorn_keeps_its_plain_lines_in_development():
    code = "import runpy; print('logconfig_dict' in runpy.run_path('deploy/gunicorn.conf.py'))"
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60,
                          env={k: v for k, v in os.environ.items() if k not in ("SELLERNAV_ENV", "LOG_FORMAT")})
    assert done.stdout.strip() == "False"


def test_rate_limits_follow_redis_url_however_it_is_given():
    url = "redis://127.0.0.1:6379/15"
    assert create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "REDIS_URL": url}).config["RATELIMIT_STORAGE_URI"] == url
    assert create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"}).config["RATELIMIT_STORAGE_URI"] == "memory://"
    chosen = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "REDIS_URL": url, "RATELIMIT_STORAGE_URI": "memory://"})
    assert chosen.config["RATELIMIT_STORAGE_URI"] == "memory://"


def test_production_without_redis_starts_but_warns_that_limits_are_per_worker():
    done = run_in_production({"REDIS_URL": ""}, "from app import create_app; create_app()")
    assert done.returncode == 0, done.stderr
    warning = json.loads(next(line for line in done.stderr.splitlines() if "REDIS_URL" in line))
    assert warning["level"] == "WARNING" and "per worker" in warning["message"]
