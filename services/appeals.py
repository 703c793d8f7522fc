"""Appeals: the fixed fields (account name, bound WeChat, certified enterprise data) change only
through staff. A user files an appeal (a ticket of kind "appeal"); a moderator carries it out.

One open appeal per action and user: the user's row is locked while checking, so a double
submit finds the first appeal instead of adding a second.
"""

from __future__ import annotations

import enum
import re

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import delete, select, text
from sqlalchemy.exc import IntegrityError

from extensions import db
from models import (
    CertificationState,
    EnterpriseCertification,
    Ticket,
    TicketKind,
    TicketState,
    User,
    WechatIdentity,
)
from services import auth_sessions, clock, notifications, tickets
from services.account_names import account_name_taken
from services.catalog_version import bump_catalog_version

REASON_MAX_LENGTH = 2000
# The registration rule for account names (blueprints/auth/forms.py), repeated here as the last guard.
ACCOUNT_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{2,31}$")


class AppealAction(enum.StrEnum):
    CHANGE_ACCOUNT_NAME = "change_account_name"
    UNBIND_WECHAT = "unbind_wechat"
    REPLACE_WECHAT = "replace_wechat"
    CHANGE_ENTERPRISE_DATA = "change_enterprise_data"


class AppealRefused(ValueError):
    """The appeal cannot be filed or carried out; ``reason`` says which rule stopped it."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason  # not_available, pending, name_invalid, name_taken, same_name, closed, not_an_appeal


def has_wechat(user_id: int) -> bool:
    return db.session.scalar(select(WechatIdentity.id).where(WechatIdentity.user_id == user_id).limit(1)) is not None


def available_actions(user: User) -> list[str]:
    """What this user may ask for: a name once one is set, WeChat when bound, enterprise data when certified."""
    actions = []
    if user.account_name:
        actions.append(AppealAction.CHANGE_ACCOUNT_NAME.value)
    if has_wechat(user.id):
        actions += [AppealAction.UNBIND_WECHAT.value, AppealAction.REPLACE_WECHAT.value]
    if user.certified_at is not None:
        actions.append(AppealAction.CHANGE_ENTERPRISE_DATA.value)
    return actions


def check_new_account_name(user: User, name: str) -> str:
    """The name as it would be stored, or AppealRefused (invalid, the same as now, or taken)."""
    name = (name or "").strip()
    if not ACCOUNT_NAME.match(name):
        raise AppealRefused("name_invalid")
    if name == user.account_name:
        raise AppealRefused("same_name")
    if account_name_taken(name, except_user_id=user.id):
        raise AppealRefused("name_taken")
    return name


def pending_appeal(user_id: int, action: str) -> Ticket | None:
    """The user's appeal for ``action`` that is not closed yet, if any."""
    return db.session.scalar(select(Ticket).where(
        Ticket.user_id == user_id, Ticket.kind == TicketKind.APPEAL.value, Ticket.appeal_action == action,
        Ticket.state != TicketState.CLOSED.value,
    ).limit(1))


def file_appeal(user_id: int, action: str, reason: str, *, value: str | None = None, language: str = "zh") -> Ticket:
    """Open an appeal ticket, after the same checks the form makes; commits."""
    db.session.execute(text("UPDATE user_account SET id = id WHERE id = :id"), {"id": user_id})
    user = db.session.get(User, user_id)
    try:
        if user is None or action not in available_actions(user):
            raise AppealRefused("not_available")
        reason = tickets.clean_text(reason)
        if not reason or len(reason) > REASON_MAX_LENGTH:
            raise ValueError(f"an appeal needs a reason of at most {REASON_MAX_LENGTH} characters")
        # Only a name change carries a value; anything sent along with another action is dropped.
        value = check_new_account_name(user, value or "") if action == AppealAction.CHANGE_ACCOUNT_NAME.value else None
        if pending_appeal(user_id, action) is not None:
            raise AppealRefused("pending")
    except (AppealRefused, ValueError):
        db.session.rollback()  # let go of the row lock
        raise
    return tickets.open_ticket(kind=TicketKind.APPEAL.value, body=reason, user_id=user_id, language=language,
                               appeal_action=action, appeal_value=value)


def user_appeals(user_id: int) -> list[Ticket]:
    """The user's appeals, newest first."""
    return tickets.user_tickets(user_id, kind=TicketKind.APPEAL.value)


def _unbind_wechat(user: User, kind: str) -> None:
    db.session.execute(delete(WechatIdentity).where(WechatIdentity.user_id == user.id))
    auth_sessions.log_event(user.id, kind, method="wechat")


def _reopen_certification(user: User, ticket: Ticket, staff_id: int) -> None:
    """The badge goes; the approved application is marked so the user can apply again with new data."""
    user.certified_at = None
    bump_catalog_version()  # cached anonymous pages show the badge beside this user's reviews
    approved = db.session.scalar(
        select(EnterpriseCertification).where(
            EnterpriseCertification.user_id == user.id,
            EnterpriseCertification.state == CertificationState.APPROVED.value,
        ).order_by(EnterpriseCertification.created_at.desc(), EnterpriseCertification.id.desc()).limit(1)
    )
    if approved is not None:
        approved.state = CertificationState.REJECTED.value
        approved.reject_reason = f"Reopened for changes by appeal {ticket.number}."
        approved.decided_by_id = staff_id
        approved.decided_at = clock.now()


def _done_message(ticket: Ticket, old_name: str | None) -> str:
    """The staff message left on the ticket, in the sender's language."""
    with force_locale(ticket.language or "zh"):
        match ticket.appeal_action:
            case AppealAction.CHANGE_ACCOUNT_NAME.value:
                return _("Done: your account name is now %(name)s (it was %(old)s).",
                         name=ticket.appeal_value, old=old_name or "—")
            case AppealAction.UNBIND_WECHAT.value:
                return _("Done: WeChat is no longer bound to your account.")
            case AppealAction.REPLACE_WECHAT.value:
                return _("Done: the old WeChat is unbound. Bind the new one from Account security.")
            case _other:
                return _("Done: your enterprise certification is reopened. Apply again with the new data.")


def carry_out_appeal(ticket_id: int, staff_id: int) -> Ticket:
    """Staff grant the appeal: make the change, close the ticket with a message, tell the user; commits.

    A new account name taken since the appeal was filed is refused (AppealRefused "name_taken"),
    and the ticket stays open for staff to reply.
    """
    tickets._staff(staff_id)
    ticket = db.session.get(Ticket, ticket_id)
    if ticket is None:
        raise tickets.NotFound(ticket_id)
    if ticket.kind != TicketKind.APPEAL.value or ticket.user_id is None:
        raise AppealRefused("not_an_appeal")
    if ticket.state == TicketState.CLOSED.value:
        raise AppealRefused("closed")
    user = db.session.get(User, ticket.user_id)
    old_name = user.account_name
    match ticket.appeal_action:
        case AppealAction.CHANGE_ACCOUNT_NAME.value:
            name = ticket.appeal_value or ""
            if not ACCOUNT_NAME.match(name) or account_name_taken(name, except_user_id=user.id):
                raise AppealRefused("name_taken")
            user.account_name = name
            auth_sessions.log_event(user.id, "account_name_changed")
        case AppealAction.UNBIND_WECHAT.value:
            _unbind_wechat(user, "wechat_unbound")
        case AppealAction.REPLACE_WECHAT.value:
            _unbind_wechat(user, "wechat_unbound")
        case AppealAction.CHANGE_ENTERPRISE_DATA.value:
            _reopen_certification(user, ticket, staff_id)
        case _other:
            raise AppealRefused("not_an_appeal")
    tickets.add_staff_message(ticket, staff_id, _done_message(ticket, old_name))
    ticket.state = TicketState.CLOSED.value
    ticket.closed_at = clock.now()
    notifications.notify(user.id, "appeal_done", number=ticket.number, action=ticket.appeal_action)
    try:
        db.session.commit()
    except IntegrityError:  # the name was taken by another request a moment ago
        db.session.rollback()
        raise AppealRefused("name_taken") from None
    return ticket
