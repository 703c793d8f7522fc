"""Collecting a tool into favorites (one click, anywhere it appears) and the favorites page."""

from flask import Blueprint

bp = Blueprint("favorites", __name__)

from blueprints.favorites import views  # noqa: E402,F401
