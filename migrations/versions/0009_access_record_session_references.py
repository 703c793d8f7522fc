"""Access records name sessions by a keyed hash: session ids in recorded paths become references.

A path such as /settings/sessions/<id>/revoke used to be recorded with the full session id, which staff could
read. It becomes /settings/sessions/<session_id:HMAC>/revoke, the formula services.access_log.session_reference
uses for new records (HMAC-SHA256 with the app's SECRET_KEY, first 16 hex digits), so one session's old and new
requests still group together. There is no way back: the downgrade leaves the references as they are.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07

"""
import hashlib
import hmac
import re

import sqlalchemy as sa
from alembic import op
from flask import current_app

# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

SESSION_PATH = re.compile(r"^(?P<before>.*/settings/sessions/)(?P<id>[^/<][^/]*)(?P<after>/revoke)$")
access_record = sa.table("access_record", sa.column("id", sa.Integer), sa.column("path", sa.String))


def _reference(session_id: str, secret_key) -> str:
    key = secret_key.encode() if isinstance(secret_key, str) else secret_key
    return hmac.new(key, f"access-record:{session_id}".encode(), hashlib.sha256).hexdigest()[:16]


def upgrade():
    connection = op.get_bind()
    secret_key = current_app.config["SECRET_KEY"]
    rows = connection.execute(
        sa.select(access_record.c.id, access_record.c.path).where(access_record.c.path.like("%/settings/sessions/%"))
    ).all()
    for row_id, path in rows:
        found = SESSION_PATH.match(path)
        if found is None:
            continue
        reference = f"<session_id:{_reference(found['id'], secret_key)}>"
        connection.execute(
            access_record.update().where(access_record.c.id == row_id)
            .values(path=f"{found['before']}{reference}{found['after']}")
        )


def downgrade():
    pass  # a keyed hash cannot be turned back into the session id it replaced
