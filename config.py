"""Configuration read from the environment, with development defaults."""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    return default if value is None else value.strip().lower() in ("1", "true", "yes", "on")


DEFAULT_SECRET_KEY = "dev-only-not-secret"
MIN_SECRET_KEY_LENGTH = 32
FULL_COST_PASSWORD_HASH = "scrypt:32768:8:1"


class ConfigurationError(RuntimeError):
    """The configuration is unsafe for where the app is starting; the message says what to set."""


class Config:
    """Development defaults; every value can be set from the environment."""

    # "production" selects ProductionConfig (create_app reads it before anything else).
    ENV_NAME = os.environ.get("SELLERNAV_ENV", "development")
    SECRET_KEY = os.environ.get("SECRET_KEY", DEFAULT_SECRET_KEY)
    SQLALCHEMY_DATABASE_URI = os.environ.get(
        "DATABASE_URL", f"sqlite:///{ROOT / 'instance' / 'sellernav.db'}"
    )
    REDIS_URL = os.environ.get("REDIS_URL") or None
    # Seconds a rendered anonymous page may be served from the cache; the
    # catalog version in the key makes edits show at once regardless.
    PAGE_CACHE_SECONDS = int(os.environ.get("PAGE_CACHE_SECONDS", "300"))
    PAGE_CACHE_ENABLED = _bool("PAGE_CACHE_ENABLED", True)
    SITE_NAME = os.environ.get("SITE_NAME", "SellerNav")
    SITE_URL = os.environ.get("SITE_URL", "")  # absolute base for sitemap/canonical; request host when empty
    ICP_RECORD = os.environ.get("ICP_RECORD", "")  # ICP备案号, shown in the footer
    PSB_RECORD = os.environ.get("PSB_RECORD", "")  # 公安备案号, shown in the footer
    PSB_RECORD_CODE = os.environ.get("PSB_RECORD_CODE", "")  # the number used in the beian.gov.cn link
    # Where users reach the operator (footer, policy pages); admins may override these in /staff/settings.
    CONTACT_EMAIL = os.environ.get("CONTACT_EMAIL", "")
    CONTACT_PHONE = os.environ.get("CONTACT_PHONE", "")
    CONTACT_ADDRESS = os.environ.get("CONTACT_ADDRESS", "")
    # Proxies in front of the app that set X-Forwarded-For/-Proto/-Host (nginx: 1).
    # 0 trusts no header: a client could otherwise forge its address.
    PROXY_FIX_X_FOR = int(os.environ.get("PROXY_FIX_X_FOR", "0"))
    # Production runs on PostgreSQL; SQLite there only when someone decided so on purpose.
    ALLOW_SQLITE_IN_PRODUCTION = _bool("ALLOW_SQLITE_IN_PRODUCTION", False)
    # "text" for people at a terminal, "json" (one object per line) for a log collector.
    LOG_FORMAT = os.environ.get("LOG_FORMAT", "text")
    # Strict-Transport-Security max-age, sent only on HTTPS responses; 0 sends none.
    HSTS_SECONDS = int(os.environ.get("HSTS_SECONDS", str(60 * 60 * 24 * 365)))
    PER_PAGE = int(os.environ.get("PER_PAGE", "30"))
    HOME_TOOLS_PER_CATEGORY = int(os.environ.get("HOME_TOOLS_PER_CATEGORY", "12"))
    SITEMAP_MAX_URLS = int(os.environ.get("SITEMAP_MAX_URLS", "50000"))
    BABEL_DEFAULT_LOCALE = "zh"
    BABEL_DEFAULT_TIMEZONE = "Asia/Shanghai"
    BABEL_TRANSLATION_DIRECTORIES = str(ROOT / "translations")
    SQLITE_BUSY_TIMEOUT_MS = int(os.environ.get("SQLITE_BUSY_TIMEOUT_MS", "5000"))
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_DURATION = timedelta(days=30)
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    # Uploaded files (avatars, licences) live outside static/, on storage every app server shares.
    UPLOAD_DIR = os.environ.get("UPLOAD_DIR", str(ROOT / "instance" / "uploads"))
    MAX_CONTENT_LENGTH = int(os.environ.get("MAX_CONTENT_LENGTH", str(6 * 1024 * 1024)))
    # The version of the terms and privacy policy a new account accepts.
    TERMS_VERSION = os.environ.get("TERMS_VERSION", "2026-11-25")
    # Reviews with text by accounts younger than this start held for a moderator.
    REVIEW_HOLD_ACCOUNT_AGE_DAYS = int(os.environ.get("REVIEW_HOLD_ACCOUNT_AGE_DAYS", "3"))
    COLLECTIONS_RATE_LIMIT = os.environ.get("COLLECTIONS_RATE_LIMIT", "30 per minute;300 per hour")
    RATELIMIT_ENABLED = _bool("RATELIMIT_ENABLED", True)
    # None: Redis when REDIS_URL is set (create_app decides, so overrides count too), else process memory.
    RATELIMIT_STORAGE_URI = None
    RATELIMIT_HEADERS_ENABLED = True
    # Werkzeug's scrypt at full cost (about 0.2 s a hash here). Not read from the environment: only the test
    # configuration lowers it.
    PASSWORD_HASH_METHOD = FULL_COST_PASSWORD_HASH
    # SMS: console (records codes in instance/sms-outbox.log), aliyun or tencent.
    SMS_BACKEND = os.environ.get("SMS_BACKEND", "console")
    SMS_OUTBOX_LOG = os.environ.get("SMS_OUTBOX_LOG", str(ROOT / "instance" / "sms-outbox.log"))
    SMS_CODE_TTL = int(os.environ.get("SMS_CODE_TTL", "300"))
    SMS_RESEND_SECONDS = int(os.environ.get("SMS_RESEND_SECONDS", "60"))
    SMS_MAX_ATTEMPTS = int(os.environ.get("SMS_MAX_ATTEMPTS", "5"))
    SMS_PHONE_DAILY_CAP = int(os.environ.get("SMS_PHONE_DAILY_CAP", "10"))
    SMS_IP_DAILY_CAP = int(os.environ.get("SMS_IP_DAILY_CAP", "20"))
    SMS_DAILY_BUDGET = int(os.environ.get("SMS_DAILY_BUDGET", "2000"))  # all codes, all users: against SMS pumping
    SMS_CHALLENGE_AFTER = int(os.environ.get("SMS_CHALLENGE_AFTER", "3"))  # codes per IP per hour before a challenge
    # How codes reach the provider (services/sms/dispatch.py): thread (off the request path), inline or deferred.
    SMS_DISPATCH = os.environ.get("SMS_DISPATCH", "thread")
    SMS_ALIYUN_ACCESS_KEY_ID = os.environ.get("SMS_ALIYUN_ACCESS_KEY_ID", "")
    SMS_ALIYUN_ACCESS_KEY_SECRET = os.environ.get("SMS_ALIYUN_ACCESS_KEY_SECRET", "")
    SMS_ALIYUN_SIGN_NAME = os.environ.get("SMS_ALIYUN_SIGN_NAME", "")
    SMS_ALIYUN_TEMPLATE_CODE = os.environ.get("SMS_ALIYUN_TEMPLATE_CODE", "")
    SMS_ALIYUN_ENDPOINT = os.environ.get("SMS_ALIYUN_ENDPOINT", "")  # empty: dysmsapi.aliyuncs.com
    SMS_TENCENT_SECRET_ID = os.environ.get("SMS_TENCENT_SECRET_ID", "")
    SMS_TENCENT_SECRET_KEY = os.environ.get("SMS_TENCENT_SECRET_KEY", "")
    SMS_TENCENT_SDK_APP_ID = os.environ.get("SMS_TENCENT_SDK_APP_ID", "")
    SMS_TENCENT_SIGN_NAME = os.environ.get("SMS_TENCENT_SIGN_NAME", "")
    SMS_TENCENT_TEMPLATE_ID = os.environ.get("SMS_TENCENT_TEMPLATE_ID", "")
    SMS_TENCENT_REGION = os.environ.get("SMS_TENCENT_REGION", "")  # empty: ap-guangzhou
    # Security notices by SMS need their own approved template (see README); empty: they retry, then fail.
    SMS_ALIYUN_NOTICE_TEMPLATE = os.environ.get("SMS_ALIYUN_NOTICE_TEMPLATE", "")
    SMS_TENCENT_NOTICE_TEMPLATE = os.environ.get("SMS_TENCENT_NOTICE_TEMPLATE", "")
    # WeChat open platform (website QR login) and official account (inside WeChat's browser).
    WECHAT_WEB_APP_ID = os.environ.get("WECHAT_WEB_APP_ID", "")
    WECHAT_WEB_APP_SECRET = os.environ.get("WECHAT_WEB_APP_SECRET", "")
    WECHAT_MP_APP_ID = os.environ.get("WECHAT_MP_APP_ID", "")
    WECHAT_MP_APP_SECRET = os.environ.get("WECHAT_MP_APP_SECRET", "")
    WECHAT_OPEN_URL = os.environ.get("WECHAT_OPEN_URL", "https://open.weixin.qq.com")
    WECHAT_API_URL = os.environ.get("WECHAT_API_URL", "https://api.weixin.qq.com")
    WECHAT_TIMEOUT = float(os.environ.get("WECHAT_TIMEOUT", "5"))
    SEND_FILE_MAX_AGE_DEFAULT = 60 * 60 * 24 * 365  # static URLs carry a content hash
    # Email: console (records messages in instance/email-outbox.log) or smtp.
    EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "console")
    EMAIL_OUTBOX_LOG = os.environ.get("EMAIL_OUTBOX_LOG", str(ROOT / "instance" / "email-outbox.log"))
    MAIL_FROM = os.environ.get("MAIL_FROM", "SellerNav <no-reply@localhost>")
    SMTP_HOST = os.environ.get("SMTP_HOST", "")
    SMTP_PORT = int(os.environ.get("SMTP_PORT", "465"))
    SMTP_USERNAME = os.environ.get("SMTP_USERNAME", "")
    SMTP_PASSWORD = os.environ.get("SMTP_PASSWORD", "")
    SMTP_SECURITY = os.environ.get("SMTP_SECURITY", "ssl")  # ssl, starttls or none
    SMTP_TIMEOUT = float(os.environ.get("SMTP_TIMEOUT", "10"))
    EMAIL_VERIFY_HOURS = int(os.environ.get("EMAIL_VERIFY_HOURS", "24"))
    # The outbox of SMS and email notices: `flask send-outbox` every minute, retrying with backoff.
    OUTBOX_MAX_ATTEMPTS = int(os.environ.get("OUTBOX_MAX_ATTEMPTS", "5"))
    OUTBOX_BATCH_SIZE = int(os.environ.get("OUTBOX_BATCH_SIZE", "100"))
    # What the privacy policy promises, read by the code that keeps the promise and
    # shown on the policy page, so the text cannot drift from the behaviour.
    DELETION_GRACE_DAYS = int(os.environ.get("DELETION_GRACE_DAYS", "15"))
    LOG_RETENTION_DAYS = int(os.environ.get("LOG_RETENTION_DAYS", "180"))  # then IPs and user ids go
    BACKUP_RETENTION_DAYS = int(os.environ.get("BACKUP_RETENTION_DAYS", "30"))
    # `flask backup` writes here; put it on another disk (or sync it off the machine).
    BACKUP_DIR = os.environ.get("BACKUP_DIR", str(ROOT / "instance" / "backups"))
    BROWSING_HISTORY_LIMIT = int(os.environ.get("BROWSING_HISTORY_LIMIT", "200"))  # tools kept per user
    POLICY_NOTICE_WORKING_DAYS = int(os.environ.get("POLICY_NOTICE_WORKING_DAYS", "3"))
    TICKET_RESPONSE_WORKING_DAYS = int(os.environ.get("TICKET_RESPONSE_WORKING_DAYS", "5"))
    TICKET_REPLY_WORKING_DAYS = int(os.environ.get("TICKET_REPLY_WORKING_DAYS", "15"))
    FEEDBACK_DAILY_LIMIT = os.environ.get("FEEDBACK_DAILY_LIMIT", "10 per day")
    # Access records: one row per request, written in batches off the request path.
    ACCESS_LOG_ENABLED = _bool("ACCESS_LOG_ENABLED", True)
    ACCESS_LOG_BUFFER_SIZE = int(os.environ.get("ACCESS_LOG_BUFFER_SIZE", "10000"))  # rows; beyond, dropped and counted
    ACCESS_LOG_BATCH_SIZE = int(os.environ.get("ACCESS_LOG_BATCH_SIZE", "500"))
    ACCESS_LOG_FLUSH_SECONDS = float(os.environ.get("ACCESS_LOG_FLUSH_SECONDS", "2.0"))
    # Tools a verified user may submit per day (China days), and suggested edits per day.
    SUBMISSIONS_DAILY_LIMIT = int(os.environ.get("SUBMISSIONS_DAILY_LIMIT", "5"))
    EDIT_SUGGESTIONS_DAILY_LIMIT = int(os.environ.get("EDIT_SUGGESTIONS_DAILY_LIMIT", "20"))
    # The public read API (/api/v1): limits per client IP without a token, per token with one.
    API_ANONYMOUS_RATE_LIMIT = os.environ.get("API_ANONYMOUS_RATE_LIMIT", "60 per minute;1000 per day")
    API_TOKEN_RATE_LIMIT = os.environ.get("API_TOKEN_RATE_LIMIT", "600 per minute;50000 per day")
    API_DEFAULT_PAGE_SIZE = int(os.environ.get("API_DEFAULT_PAGE_SIZE", "20"))
    API_MAX_PAGE_SIZE = int(os.environ.get("API_MAX_PAGE_SIZE", "100"))
    API_TOKENS_PER_USER = int(os.environ.get("API_TOKENS_PER_USER", "10"))
    # Pricing facts older than this (or never verified) wait in the staff "stale facts" queue.
    PRICING_STALE_DAYS = int(os.environ.get("PRICING_STALE_DAYS", "180"))
    # `flask check-links`: per-request timeout, parallel checks, retries before "dead".
    LINK_CHECK_TIMEOUT = float(os.environ.get("LINK_CHECK_TIMEOUT", "10"))
    LINK_CHECK_CONCURRENCY = int(os.environ.get("LINK_CHECK_CONCURRENCY", "16"))
    LINK_CHECK_RETRIES = int(os.environ.get("LINK_CHECK_RETRIES", "2"))
    LINK_CHECK_BACKOFF_SECONDS = float(os.environ.get("LINK_CHECK_BACKOFF_SECONDS", "0.5"))  # doubles per retry
    # Hosts the checker may reach although they are private or loopback (tests: "127.0.0.1").
    # Empty in production: a tool URL must never make the server probe its own network.
    LINK_CHECK_ALLOWED_HOSTS = os.environ.get("LINK_CHECK_ALLOWED_HOSTS", "")


class ProductionConfig(Config):
    """Production: secure cookies, JSON logs; create_app refuses unsafe settings (see production_problems)."""

    ENV_NAME = "production"
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    PREFERRED_URL_SCHEME = "https"
    LOG_FORMAT = os.environ.get("LOG_FORMAT", "json")


def production_problems(settings: Mapping[str, Any]) -> list[str]:
    """Every setting that makes ``settings`` unsafe for production, each saying what to set instead."""
    problems = []
    secret = settings.get("SECRET_KEY") or ""
    if secret == DEFAULT_SECRET_KEY or len(secret) < MIN_SECRET_KEY_LENGTH:
        problems.append(
            f"SECRET_KEY is the development default or shorter than {MIN_SECRET_KEY_LENGTH} characters: set"
            " SECRET_KEY to a long random value, e.g. `python -c 'import secrets; print(secrets.token_urlsafe(48))'`"
        )
    if settings.get("DEBUG"):
        problems.append("DEBUG is on: unset FLASK_DEBUG (the debugger runs code sent by anyone who reaches it)")
    if settings.get("SMS_BACKEND") == "console":
        problems.append("SMS_BACKEND is console (codes are only written to a file): set SMS_BACKEND=aliyun or tencent")
    if settings.get("EMAIL_BACKEND") == "console":
        problems.append("EMAIL_BACKEND is console (mail is only written to a file): set EMAIL_BACKEND=smtp and SMTP_*")
    if not str(settings.get("SITE_URL") or "").startswith("https://"):
        problems.append(
            "SITE_URL is not set to the site's https:// address: set SITE_URL=https://sellernav.cn (every absolute"
            " link, canonical URL and sitemap entry is built from it, never from the request's Host header)"
        )
    for name in ("WECHAT_OPEN_URL", "WECHAT_API_URL"):
        if not str(settings.get(name, "")).startswith("https://"):
            problems.append(f"{name} is not an https:// URL: set it to WeChat's https endpoint (or unset it)")
    if str(settings.get("SQLALCHEMY_DATABASE_URI", "")).startswith("sqlite") and not settings.get(
        "ALLOW_SQLITE_IN_PRODUCTION"
    ):
        problems.append(
            "DATABASE_URL is SQLite: set DATABASE_URL=postgresql+psycopg://user@host/db,"
            " or ALLOW_SQLITE_IN_PRODUCTION=1 for a single-server site that chose SQLite"
        )
    return problems


class TestConfig(Config):
    """Settings for the test suite: a throwaway database and a fixed secret."""

    TESTING = True
    ENV_NAME = "development"  # whatever the shell says; production tests ask for it explicitly
    SECRET_KEY = "test-secret"
    SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL", "sqlite://")
    PER_PAGE = 10
    HOME_TOOLS_PER_CATEGORY = 6
    WTF_CSRF_ENABLED = True  # tests prove the refusals, so CSRF stays on
    # Hundreds of tests hash or check a password; full cost proves nothing there (tests/test_passwords.py
    # proves development and production use full cost). Same algorithm, so every code path is the same.
    PASSWORD_HASH_METHOD = "scrypt:128:8:1"  # the smallest cost OpenSSL accepts for r=8
    SMS_BACKEND = "console"
    SMS_OUTBOX_LOG = ""  # tests read codes from memory; nothing is appended to instance/
    SMS_DISPATCH = "inline"  # delivered before the response, so a test reads its code at once
    EMAIL_BACKEND = "console"
    EMAIL_OUTBOX_LOG = ""
