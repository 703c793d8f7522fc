"""Browsing the catalog: home, category, tag, platform, market and tool pages, outbound links."""

from flask import Blueprint

bp = Blueprint("catalog", __name__)

from blueprints.catalog import views  # noqa: E402,F401
