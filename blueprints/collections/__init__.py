"""Named collections of tools, sharing them, and comparing tools side by side."""

from flask import Blueprint

bp = Blueprint("collections", __name__)

from blueprints.collections import items, sharing, views  # noqa: E402,F401
