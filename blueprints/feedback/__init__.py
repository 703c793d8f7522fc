"""Feedback and complaints: the contact form, ticket numbers, and the sender's view of a ticket."""

from flask import Blueprint

bp = Blueprint("feedback", __name__)

from blueprints.feedback import views  # noqa: E402,F401
