"""``flask create-admin`` and ``flask set-role``: the only way to the first admin is the command line."""

from __future__ import annotations

import click

from blueprints.moderation import bp
from extensions import db
from services import roles
from services.display_names import clean_name


@bp.cli.command("create-admin")
@click.option("--account-name", prompt=True, help="The new admin's account name.")
@click.option("--phone", prompt=True, help="The admin's mobile number (counted as verified).")
@click.password_option(help="At least 10 characters; prompted twice when not given.")
@click.option("--display-name", default=None,
              help="The name others see (default: a neutral one; the account name is never shown).")
def create_admin_command(account_name: str, phone: str, password: str, display_name: str | None):
    """Create an admin account."""
    try:
        user = roles.create_admin(account_name, phone, password, display_name=clean_name(display_name) or None)
    except roles.RoleError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from error
    db.session.commit()
    click.echo(f"admin #{user.id} {user.account_name} created")


@bp.cli.command("set-role")
@click.argument("who")
@click.argument("role", type=click.Choice(["user", "moderator", "admin"]))
@click.option("--reason", default="", help="Recorded in the audit log.")
def set_role_command(who: str, role: str, reason: str):
    """Give WHO (account name, phone number or #id) the ROLE user, moderator or admin."""
    user = roles.find_user(who)
    if user is None:
        raise click.ClickException(f"no account matches {who!r}")
    try:
        roles.set_role(user, role, actor_id=None, reason=reason or "flask set-role")
    except roles.RoleError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from error
    db.session.commit()
    click.echo(f"#{user.id} {user.account_name or user.display_name} is now {role}")
