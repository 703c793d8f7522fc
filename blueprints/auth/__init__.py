"""Accounts: register, sign in (password, SMS code, WeChat), sign out, recover, verify a phone."""

from flask import Blueprint

bp = Blueprint("auth", __name__)

from blueprints.auth import recovery, unlock, views, wechat_views  # noqa: E402,F401
