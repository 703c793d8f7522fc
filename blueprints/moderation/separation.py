"""The one check every staff decision route passes: nobody decides on their own content or request.

``@decided_by_another("review")`` on a decision route refuses (403, with the reason) when the item belongs to the
signed-in staff member (services.moderation.own_items); ``is_mine(*user_ids)`` tells the queue templates to show
a note in place of the decision buttons, so the item waits for another staff member.
"""

from __future__ import annotations

from functools import wraps

from flask_babel import gettext as _
from flask_login import current_user

from blueprints.moderation import bp
from blueprints.moderation.responses import decision_response
from services.moderation import own_items


def decided_by_another(kind: str):
    """Refuse the decision when the item (the route's one id argument) belongs to the deciding staff member."""

    def decorator(view):
        @wraps(view)
        def wrapper(**kwargs):
            (item_id,) = (value for name, value in kwargs.items() if name != "lang")
            if own_items.is_own(kind, item_id, current_user.id):
                return decision_response(
                    _("This is your own content or request, so another staff member decides it."), "error", 403)
            return view(**kwargs)

        wrapper.decided_by_another = kind  # the separation walk in the tests finds every guarded route
        return wrapper

    return decorator


def is_mine(*user_ids: int | None) -> bool:
    """For queue templates, from the people a row already names (no query per row): whether the signed-in
    staff member is one of them, so the row shows a note instead of its decision buttons."""
    return current_user.is_authenticated and current_user.id in user_ids


@bp.record_once
def _register_template_global(state) -> None:
    state.app.jinja_env.globals["is_mine"] = is_mine
