"""Who may act on whose account: the one rule behind every staff action on an account, its button and its route.

Moderators act on users only; admins act on users and moderators. An admin's account is out of reach of everyone
on the site but for one action: another admin may lock it as compromised (audited, and every other admin is told),
since a stolen admin session must be stoppable at once. The admin role itself is given and taken only with
``flask set-role`` on the server. Nobody acts on their own account.
"""

from __future__ import annotations

import enum

from flask_babel import lazy_gettext as _l

from models import Role, User


class AccountAction(enum.StrEnum):
    BAN = "ban"
    UNBAN = "unban"
    LOCK_COMPROMISED = "lock_compromised"
    RESTORE_PHONE = "restore_phone"  # the owner of a locked account proved this number in an appeal
    CHANGE_ROLE = "change_role"


# The only action anyone on the site may take on an admin's account, and only an admin.
ON_ADMINS = frozenset({AccountAction.LOCK_COMPROMISED})
# Roles an admin may give or take on the site; the admin role goes through `flask set-role`.
ROLES_GIVEN_ON_THE_SITE = frozenset({Role.USER.value, Role.MODERATOR.value})


def refusal(actor: User, target: User, action: AccountAction) -> str | None:
    """Why ``actor`` may not take ``action`` on ``target``'s account, in the actor's language; None if they may."""
    if actor.id == target.id:
        return str(_l("Staff cannot act on their own account."))
    if target.role == Role.USER.value:
        return None
    if actor.role != Role.ADMIN.value:
        return str(_l("Only an admin can act on a staff account."))
    if target.role == Role.ADMIN.value and action not in ON_ADMINS:
        return str(_l("Another admin's account can only be locked as compromised."))
    return None


def may_act(actor: User, target: User, action: AccountAction | str) -> bool:
    """For templates: whether to show the button at all."""
    return refusal(actor, target, AccountAction(action)) is None


def role_refusal(role: str) -> str | None:
    """Why this role cannot be given on the site (None if it can)."""
    if role not in ROLES_GIVEN_ON_THE_SITE:
        return str(_l("The admin role is given and taken only with `flask set-role` on the server."))
    return None
