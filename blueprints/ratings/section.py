"""What the tool page's ratings section shows, for templates: ``rating_section(tool)``.

A fixed number of queries whoever looks: the summary and the reviews (with the
viewer's votes joined in), plus the viewer's own rating when signed in.
Anonymous renders are cached and shared, so they hold nothing personal: no
form, no CSRF token.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import g
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from blueprints.ratings import bp
from blueprints.ratings.forms import REPORT_REASON_LABELS, RatingForm
from models import Rating, Tool
from services import ratings
from services.ratings import REVIEW_MAX_LENGTH, STARS, ReviewView

REVIEW_STATE_LABELS = {
    "visible": _l("Published"),
    "held": _l("Waiting for moderation"),
    "hidden": _l("Hidden by staff"),
}


@dataclass
class RatingSection:
    """Summary, reviews, and the viewer's own rating and form (signed-in viewers only)."""

    summary: dict
    reviews: list[ReviewView]
    viewer: str  # visitor, unverified, banned or verified: which form or explanation to show
    mine: Rating | None = None
    form: RatingForm | None = None


def _viewer() -> str:
    if not current_user.is_authenticated:
        return "visitor"
    if current_user.is_banned:
        return "banned"
    return "verified" if current_user.is_phone_verified else "unverified"


def rating_section(tool: Tool, form: RatingForm | None = None) -> RatingSection:
    """The section's data for ``tool``, computed once per request (``form``: a submitted one with errors)."""
    cache = g.setdefault("rating_sections", {})
    if tool.id in cache and form is None:
        return cache[tool.id]
    viewer = _viewer()
    viewer_id = current_user.id if viewer != "visitor" else None
    section = RatingSection(
        summary=ratings.tool_rating_summary(tool.id),
        reviews=ratings.reviews_for_tool(tool.id, viewer_id),
        viewer=viewer,
    )
    if viewer_id is not None:
        section.mine = ratings.rating_of(viewer_id, tool.id)
    if viewer == "verified":
        mine = section.mine
        section.form = form or RatingForm(formdata=None, stars=mine.stars if mine else None,
                                          review=mine.review if mine else "")
    cache[tool.id] = section
    return section


@bp.app_context_processor
def rating_helpers() -> dict:
    """Template helpers for every page that shows ratings."""
    return {
        "rating_section": rating_section,
        "REVIEW_STATE_LABELS": REVIEW_STATE_LABELS,
        "REPORT_REASON_LABELS": REPORT_REASON_LABELS,
        "REVIEW_MAX_LENGTH": REVIEW_MAX_LENGTH,
        "STAR_VALUES": STARS,
    }
