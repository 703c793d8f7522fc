"""Verified users submit tools: URL first, then the details; they follow them on "my submissions"."""

from flask import Blueprint

bp = Blueprint("submissions", __name__)

from blueprints.submissions import views  # noqa: E402,F401
