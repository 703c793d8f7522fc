"""What every template can use: the language, links to the twin page, static URLs."""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

from flask import Flask, current_app, request, url_for
from flask_babel import format_datetime
from flask_babel import lazy_gettext as _l

from blueprints.caching import page_args, page_url
from blueprints.i18n import HTML_LANG, current_lang
from services.listing import SORT_OPTIONS
from services.monogram import monogram_hue, monogram_letters
from services.phones import mask_phone
from services.site_address import absolute
from services.site_settings import effective as site_setting

PRICING_LABELS = {
    "free": _l("Free"),
    "freemium": _l("Freemium"),
    "free_trial": _l("Free trial"),
    "paid": _l("Paid"),
}
FACT_LABELS = {
    "china_direct": _l("Works in mainland China without a VPN"),
    "cn_payment": _l("Accepts Alipay / WeChat Pay"),
    "cn_invoice": _l("Issues Chinese invoices (fapiao)"),
    "chinese_support": _l("Chinese interface or support"),
    "free_plan": _l("Free plan or trial"),
}
SORT_LABELS = {
    "collected": _l("Recently collected"),
    "popular": _l("Popular"),
    "rating": _l("Top rated"),
    "newest": _l("Newest"),
    "name": _l("Name"),
}
EVENT_LABELS = {
    "sign_in": _l("Signed in"),
    "sign_in_failed": _l("Failed sign-in"),
    "sign_out": _l("Signed out"),
    "registered": _l("Account created"),
    "phone_verified": _l("Phone verified"),
    "phone_changed": _l("Phone changed"),
    "password_changed": _l("Password changed"),
    "password_set": _l("Password set"),
    "password_reset": _l("Password reset"),
    "wechat_bound": _l("WeChat bound"),
    "session_revoked": _l("A browser signed out"),
    "sessions_revoked": _l("Signed out everywhere else"),
    "wechat_unbound": _l("WeChat unbound by staff (appeal)"),
    "wechat_unbound_self": _l("WeChat unbound (bound in the last days)"),
    "reauthenticated": _l("Confirmed it is you"),
    "reauth_confirm_failed": _l("Failed confirmation (sensitive change)"),
    "account_name_changed": _l("Account name changed by staff (appeal)"),
    "email_verification_sent": _l("Email verification link sent"),
    "email_verified": _l("Email verified"),
    "data_cleared": _l("Data cleared"),
    "data_exported": _l("Data exported"),
    "export_confirm_failed": _l("Failed confirmation (export)"),
    "deletion_confirm_failed": _l("Failed confirmation (delete account)"),
    "deletion_requested": _l("Account deletion requested"),
    "deletion_cancelled": _l("Account deletion cancelled"),
    "role_changed": _l("Role changed by staff"),
    "banned": _l("Banned by staff"),
    "unbanned": _l("Ban lifted"),
    "compromised_lock": _l("Signed out everywhere by staff (compromised)"),
}
METHOD_LABELS = {
    "password": _l("Password"),
    "sms": _l("SMS code"),
    "wechat": _l("WeChat"),
    "register": _l("Registration"),
    "email": _l("Email"),
    "browsing_history": _l("Browsing history"),
    "search_history": _l("Search history"),
    "sessions": _l("Signed-in browsers"),
    "preferences": _l("Site preferences"),
    "store_accounts": _l("Linked store accounts"),
    "all": _l("All data"),
}
LIFECYCLE_LABELS = {
    "renamed": _l("This tool has been renamed."),
    "acquired": _l("This tool has been acquired."),
    "shut_down": _l("This tool has shut down."),
}


@cache
def _static_hash(static_folder: str, filename: str) -> str:
    return hashlib.sha256((Path(static_folder) / filename).read_bytes()).hexdigest()[:10]


def static_url(filename: str) -> str:
    """A static file's URL with a content hash, so it can be cached for a year."""
    return url_for("static", filename=filename, v=_static_hash(current_app.static_folder, filename))


def lang_url(lang: str) -> str:
    """This page in ``lang``: same endpoint, same arguments, same query."""
    if request.url_rule is None or not current_app.url_map.is_endpoint_expecting(request.endpoint, "lang"):
        return url_for("catalog.home", lang=lang)
    # The parameters the page reads, which its cache key holds too (blueprints.caching.page_args).
    return url_for(request.endpoint, **(request.view_args or {}), **page_args(), lang=lang)


def list_url(query, **changes) -> str:
    """This list page with ``changes`` to its parameters (page, sort, filters)."""
    return url_for(request.endpoint, **(request.view_args or {}), **query.to_args(**changes))


def localtime(value) -> str:
    """A UTC time shown in the site's time zone (Asia/Shanghai by default)."""
    return format_datetime(value, "yyyy-MM-dd HH:mm") if value else ""


def init_app(app: Flask) -> None:
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    app.jinja_env.filters["localtime"] = localtime
    # Values that never change per request are environment globals, visible to macros too.
    app.jinja_env.globals.update(
        monogram_letters=monogram_letters,
        monogram_hue=monogram_hue,
        PRICING_LABELS=PRICING_LABELS,
        FACT_LABELS=FACT_LABELS,
        SORT_LABELS=SORT_LABELS,
        SORT_OPTIONS=SORT_OPTIONS,
        LIFECYCLE_LABELS=LIFECYCLE_LABELS,
        EVENT_LABELS=EVENT_LABELS,
        METHOD_LABELS=METHOD_LABELS,
        mask_phone=mask_phone,
        lang_url=lang_url,
        list_url=list_url,
        static_url=static_url,
        absolute=absolute,
        page_url=page_url,
        site_setting=site_setting,  # settings admins may override (site name, 备案, contact, retention)
    )

    @app.context_processor
    def globals_for_templates():
        lang = current_lang()
        return {
            "lang": lang,
            "html_lang": HTML_LANG[lang],
            "other_lang": "en" if lang == "zh" else "zh",
            "config": current_app.config,
        }
