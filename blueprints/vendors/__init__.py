"""Vendors and corrections: claiming a listing, vendor edits and replies, and anyone's suggested edits."""

from flask import Blueprint

bp = Blueprint("vendors", __name__)

from blueprints.vendors import views  # noqa: E402,F401
