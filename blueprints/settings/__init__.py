"""The signed-in user's own pages: security (password, phone, WeChat, sessions, history) and the inbox."""

from flask import Blueprint

bp = Blueprint("settings", __name__)

from blueprints.settings import views  # noqa: E402,F401
