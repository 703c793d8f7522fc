"""Staff work on accounts: search, a user's page, ban and unban, compromised lock, role changes."""

from __future__ import annotations

from flask import abort, render_template, request
from flask_babel import gettext as _
from flask_login import current_user

from blueprints.auth.views import no_store
from blueprints.i18n import localized_route
from blueprints.moderation import bp
from blueprints.moderation.access import admin_required, staff_required
from blueprints.moderation.responses import decision_response
from extensions import db
from models import Role, User
from services import compromised, roles
from services.moderation import authority, users


@localized_route(bp, "/staff/users")
@staff_required
def user_search():
    """Find accounts by name, phone number or WeChat openid."""
    query = request.args.get("q", "").strip()[:100]
    return no_store(render_template("moderation/users.html", query=query, found=users.search_users(query)))


@localized_route(bp, "/staff/users/<int:user_id>")
@staff_required
def user_page(user_id: int):
    """One account with its activity and the actions on it."""
    user = db.session.get(User, user_id)
    if user is None or user.is_deleted:
        abort(404)
    return no_store(render_template(
        "moderation/user.html", user=user, activity=users.user_activity(user_id),
        roles=[role for role in Role if authority.role_refusal(role.value) is None],
        # Only the actions the one authority rule allows get a button (their routes refuse the rest).
        may=lambda action: authority.may_act(current_user, user, action),
        # A locked account its owner cannot unlock alone waits for staff to restore the phone proved by appeal.
        unlock_refusal=compromised.sms_unlock_refusal(user) if compromised.is_locked(user) else None,
    ))


def _reason() -> str:
    return request.form.get("reason", "").strip()[:500]


@localized_route(bp, "/staff/users/<int:user_id>/ban", methods=["POST"])
@staff_required
def ban_user(user_id: int):
    """Ban with a reason the user is shown; their reviews disappear."""
    try:
        users.ban_user(user_id, staff_id=current_user.id, reason=_reason())
    except users.UserActionError as error:
        return decision_response(_("Not banned: %(why)s", why=str(error)), "error", 422)
    return decision_response(_("The account is banned; its reviews no longer show."))


@localized_route(bp, "/staff/users/<int:user_id>/unban", methods=["POST"])
@staff_required
def unban_user(user_id: int):
    """Lift a ban."""
    try:
        users.unban_user(user_id, staff_id=current_user.id, reason=_reason())
    except users.UserActionError as error:
        return decision_response(_("Not unbanned: %(why)s", why=str(error)), "error", 422)
    return decision_response(_("The ban is lifted."))


@localized_route(bp, "/staff/users/<int:user_id>/compromised", methods=["POST"])
@staff_required
def lock_compromised(user_id: int):
    """Sign out everywhere and require a new password at the next sign-in."""
    try:
        count = users.lock_compromised(user_id, staff_id=current_user.id, reason=_reason())
    except users.UserActionError as error:
        return decision_response(str(error), "error", 422)
    return decision_response(_("Signed out of %(count)s browser(s); a new password is required.", count=count))


@localized_route(bp, "/staff/users/<int:user_id>/restore-phone", methods=["POST"])
@staff_required
def restore_phone(user_id: int):
    """The owner of a locked account proved a number in an appeal: it becomes the account's verified phone."""
    try:
        users.restore_phone_by_appeal(user_id, staff_id=current_user.id, phone=request.form.get("phone", ""),
                                      reason=_reason())
    except users.UserActionError as error:
        db.session.rollback()
        return decision_response(_("Phone not restored: %(why)s", why=str(error)), "error", 422)
    db.session.commit()
    return decision_response(_("The phone is restored: its owner can now unlock the account with a code sent "
                               "there."))


@localized_route(bp, "/staff/users/<int:user_id>/role", methods=["POST"])
@admin_required
def change_role(user_id: int):
    """Admins give or take the moderator and admin roles."""
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    role = request.form.get("role", "")
    why = authority.refusal(current_user, user, authority.AccountAction.CHANGE_ROLE) or authority.role_refusal(role)
    if why:
        return decision_response(_("Role not changed: %(why)s", why=why), "error", 422)
    try:
        roles.set_role(user, role, actor_id=current_user.id, reason=_reason())
    except roles.RoleError as error:
        db.session.rollback()
        return decision_response(_("Role not changed: %(why)s", why=str(error)), "error", 422)
    db.session.commit()
    return decision_response(_("The role is now %(role)s.", role=user.role))
