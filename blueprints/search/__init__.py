"""Searching the catalog: the results page, as-you-type fragments, history and ``flask search``."""

from flask import Blueprint

bp = Blueprint("search", __name__)

from blueprints.search import commands, views  # noqa: E402,F401
