"""Appeals: changing a fixed field (account name, WeChat, certified enterprise data) through staff."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from blueprints.auth.views import no_store
from blueprints.feedback.display import long_day
from blueprints.gates import login_required
from blueprints.i18n import current_lang, localized_route
from blueprints.settings import bp
from blueprints.settings.appeal_forms import ACTION_LABELS, AppealForm
from extensions import db, limiter
from models import User, WechatIdentity
from services import appeals, tickets
from services.appeals import AppealRefused

APPEAL_LIMIT = "10 per day"


def _per_account() -> str:
    return f"account:{current_user.id}"


def _refusal_message(refusal: AppealRefused, pending_number: str = "") -> str:
    return {
        "name_invalid": _("3–32 letters, digits or underscores, starting with a letter."),
        "name_taken": _("This account name is taken. Choose another."),
        "same_name": _("This is already your account name."),
        "pending": _("You already have an open appeal for this (%(number)s). Wait for our answer before sending"
                     " another; you can add to it on its page.", number=pending_number),
    }.get(refusal.reason, _("Choose one of the changes offered."))


def _appeals_page(user: User, form: AppealForm, status: int = 200):
    mine = appeals.user_appeals(user.id)
    identities = db.session.scalars(select(WechatIdentity).where(WechatIdentity.user_id == user.id)).all()
    return no_store(render_template(
        "settings/appeals.html", user=user, form=form, appeals=mine, identities=identities,
        messages=tickets.ticket_messages([ticket.id for ticket in mine]), ACTION_LABELS=ACTION_LABELS,
    ), status)


@localized_route(bp, "/settings/appeals", methods=["GET", "POST"], endpoint="appeals")
@login_required
@limiter.limit(APPEAL_LIMIT, key_func=_per_account, methods=["POST"])
def appeals_page():
    """Ask staff to change your account name, WeChat or certified enterprise data; your appeals so far."""
    user: User = current_user._get_current_object()
    form = AppealForm()
    form.offer(appeals.available_actions(user))
    if request.method == "GET":
        form.action.data = request.args.get("action")
        return _appeals_page(user, form)
    if not form.validate_on_submit():
        return _appeals_page(user, form, 422)
    try:
        ticket = appeals.file_appeal(user.id, form.action.data, form.reason.data,
                                     value=form.new_account_name.data, language=current_lang())
    except AppealRefused as refusal:
        pending = appeals.pending_appeal(user.id, form.action.data) if refusal.reason == "pending" else None
        target = form.new_account_name if refusal.reason.startswith(("name", "same")) else form.action
        target.errors = [*target.errors, _refusal_message(refusal, pending.number if pending else "")]
        return _appeals_page(user, form, 422)
    flash(_("Your appeal %(number)s is sent. We respond by %(date)s.", number=ticket.number,
            date=long_day(ticket.due_on)), "success")
    return redirect(url_for("settings.appeals", _anchor=f"appeal-{ticket.number}"), code=303)
