"""Account names unique in any case and width; display names never the account name.

``user_account.account_name_key`` holds each name NFKC-normalised and case-folded under a unique
index (SQLite's NOCASE folds only ASCII). Where two existing accounts share a key, the oldest
keeps its name and the others are renamed ``name-2``, ``name-3`` …; each renamed user is told in
the inbox and by SMS that signing in by phone works as before. An account whose display name is its
account name (the old default, which showed the private sign-in name to everyone) gets a neutral
one, ``卖家`` and six random digits, and an inbox notice saying so.

The notices are written here as rows, as the app would write them (``notification``, and
``outbox_message`` for the SMS, sent by ``flask send-outbox``).

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-08

"""
import json
import secrets
import unicodedata
from datetime import datetime, timezone

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None

NAME_MAX = 32
_NOW = sa.bindparam("now", type_=sa.DateTime(timezone=True))  # stored as every other timestamp is
# The approved SMS notice template's event phrase (services/sms/backends.py notice_text) for a rename.
RENAMED_EVENT = "名因与其他账号重复已改为 {name}，用手机号登录不受影响"


def _key(name):
    key = unicodedata.normalize("NFKC", name).strip().casefold() if name else ""
    return key or None


def _neutral():
    return "卖家" + "".join(secrets.choice("0123456789") for _ in range(6))


def _renamed(name, taken):
    """``name-2``, ``name-3`` … the first whose key is free, cut to fit the column."""
    number = 2
    while True:
        suffix = f"-{number}"
        candidate = name[:NAME_MAX - len(suffix)] + suffix
        if _key(candidate) not in taken:
            return candidate
        number += 1


def upgrade():
    # Never a batch (copy-and-drop) on SQLite here: dropping user_account would cascade-delete every row that
    # refers to a user. ADD COLUMN and a unique index are native on both databases.
    op.add_column('user_account', sa.Column('account_name_key', sa.String(length=32), nullable=True))
    connection = op.get_bind()
    now = datetime.now(timezone.utc)
    users = connection.execute(sa.text(
        "SELECT id, account_name, display_name, phone, phone_verified_at FROM user_account "
        "ORDER BY created_at, id")).all()
    taken = set()
    for user_id, name, display_name, phone, verified in users:
        key = _key(name)
        new_name = name
        if key is not None and key in taken:
            new_name = _renamed(name, taken)
            key = _key(new_name)
            connection.execute(sa.text("UPDATE user_account SET account_name = :name WHERE id = :id"),
                               {"name": new_name, "id": user_id})
            _notify(connection, user_id, "account_name_renamed", {"old": name, "new": new_name}, now)
            if phone and verified:
                event = RENAMED_EVENT.format(name=new_name)
                connection.execute(sa.text(
                    "INSERT INTO outbox_message (user_id, channel, recipient, kind, subject, body, state, attempts,"
                    " next_attempt_at, created_at) VALUES (:user_id, 'sms', :phone, 'account_name_renamed', :event,"
                    " :body, 'pending', 0, :now, :now)").bindparams(_NOW),
                    {"user_id": user_id, "phone": phone, "event": event, "now": now,
                     "body": f"【SellerNav】安全提醒：您的账号{event}。如非本人操作，请立即修改密码并退出其他设备。"})
        if key is not None:
            taken.add(key)
            connection.execute(sa.text("UPDATE user_account SET account_name_key = :key WHERE id = :id"),
                               {"key": key, "id": user_id})
        if name and display_name and _key(display_name) == _key(name):
            neutral = _neutral()
            connection.execute(sa.text("UPDATE user_account SET display_name = :name WHERE id = :id"),
                               {"name": neutral, "id": user_id})
            _notify(connection, user_id, "display_name_assigned", {"name": neutral}, now)
    op.create_index(op.f('ix_user_account_account_name_key'), 'user_account', ['account_name_key'], unique=True)


def _notify(connection, user_id, kind, detail, now):
    connection.execute(sa.text(
        "INSERT INTO notification (user_id, kind, detail, created_at) VALUES (:user_id, :kind, :detail, :now)"
    ).bindparams(_NOW),
        {"user_id": user_id, "kind": kind, "detail": json.dumps(detail, ensure_ascii=False), "now": now})


def downgrade():
    # Renamed accounts and neutral display names stay as they are: the old names collided.
    op.drop_index(op.f('ix_user_account_account_name_key'), table_name='user_account')
    op.execute("ALTER TABLE user_account DROP COLUMN account_name_key")  # native on SQLite 3.35+ too
