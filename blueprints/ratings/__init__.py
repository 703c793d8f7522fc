"""Rating and reviewing tools, helpful votes, and reports of tools and reviews."""

from flask import Blueprint

bp = Blueprint("ratings", __name__)

from blueprints.ratings import section, views  # noqa: E402,F401
