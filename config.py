"""Configuration read from the environment, with development defaults."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    return default if value is None else value.strip().lower() in ("1", "true", "yes", "on")


class Config:
    """Development defaults; every value can be set from the environment."""

    SECRET_KEY = os.environ.get("SECRET_KEY", "dev-only-not-secret")
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
    # Proxies in front of the app that set X-Forwarded-For/-Proto/-Host (nginx: 1).
    # 0 trusts no header: a client could otherwise forge its address.
    PROXY_FIX_X_FOR = int(os.environ.get("PROXY_FIX_X_FOR", "0"))
    PER_PAGE = int(os.environ.get("PER_PAGE", "30"))
    HOME_TOOLS_PER_CATEGORY = int(os.environ.get("HOME_TOOLS_PER_CATEGORY", "12"))
    SITEMAP_MAX_URLS = int(os.environ.get("SITEMAP_MAX_URLS", "50000"))
    BABEL_DEFAULT_LOCALE = "zh"
    BABEL_DEFAULT_TIMEZONE = "Asia/Shanghai"
    BABEL_TRANSLATION_DIRECTORIES = str(ROOT / "translations")
    SQLITE_BUSY_TIMEOUT_MS = int(os.environ.get("SQLITE_BUSY_TIMEOUT_MS", "5000"))
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SEND_FILE_MAX_AGE_DEFAULT = 60 * 60 * 24 * 365  # static URLs carry a content hash


class TestConfig(Config):
    """Settings for the test suite: a throwaway database and a fixed secret."""

    TESTING = True
    SECRET_KEY = "test-secret"
    SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL", "sqlite://")
    PER_PAGE = 10
    HOME_TOOLS_PER_CATEGORY = 6
