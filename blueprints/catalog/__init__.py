"""Browsing the catalog: home, category, tag, platform, market and tool pages, outbound links;
and ``flask catalog import`` / ``flask catalog export``."""

from flask import Blueprint

bp = Blueprint("catalog", __name__)

from blueprints.catalog import commands, views  # noqa: E402,F401
