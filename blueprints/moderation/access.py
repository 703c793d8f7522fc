"""Who may enter the staff area: visitors are sent to sign in, everyone else but staff gets 403."""

from __future__ import annotations

from functools import wraps

from flask import abort, url_for
from flask_babel import gettext as _
from flask_login import current_user

from blueprints.gates import return_to
from blueprints.redirects import htmx_aware_redirect
from models import Role


def _gate(view, *, admin: bool):
    @wraps(view)
    def wrapper(*args, **kwargs):
        if not current_user.is_authenticated:
            return htmx_aware_redirect(url_for("auth.sign_in", next=return_to()))
        if not current_user.is_staff:
            abort(403, description=_("This page is for SellerNav staff."))
        if admin and current_user.role != Role.ADMIN.value:
            abort(403, description=_("Only an admin can do this."))
        return view(*args, **kwargs)

    wrapper.staff_role = Role.ADMIN.value if admin else Role.MODERATOR.value  # read by the role-walk test
    return wrapper


def staff_required(view):
    """Moderators and admins."""
    return _gate(view, admin=False)


def admin_required(view):
    """Admins only."""
    return _gate(view, admin=True)
