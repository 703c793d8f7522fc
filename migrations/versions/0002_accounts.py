"""Accounts: users, sessions, security log, WeChat identities, SMS codes, notifications.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('user_account',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account_name', sa.String(length=32), nullable=True),
    sa.Column('display_name', sa.String(length=40), nullable=False),
    sa.Column('avatar_path', sa.String(length=200), nullable=True),
    sa.Column('phone', sa.String(length=20), nullable=True),
    sa.Column('phone_verified_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('email', sa.String(length=254), nullable=True),
    sa.Column('password_hash', sa.String(length=255), nullable=True),
    sa.Column('password_changed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('must_change_password', sa.Boolean(), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('ban_reason', sa.Text(), nullable=True),
    sa.Column('terms_version', sa.String(length=20), nullable=True),
    sa.Column('terms_accepted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("role IN ('user', 'moderator', 'admin')", name=op.f('ck_user_account_role')),
    sa.CheckConstraint("status IN ('active', 'banned', 'pending_deletion')", name=op.f('ck_user_account_status')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_user_account')),
    sa.UniqueConstraint('account_name', name=op.f('uq_user_account_account_name')),
    sa.UniqueConstraint('phone', name=op.f('uq_user_account_phone'))
    )
    op.create_table('known_browser',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('browser_hash', sa.String(length=64), nullable=False),
    sa.Column('first_seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_known_browser_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'browser_hash', name=op.f('pk_known_browser'))
    )
    op.create_table('notification',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('detail', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('read_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_notification_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notification'))
    )
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.create_index('ix_notification_user_read', ['user_id', 'read_at'], unique=False)

    op.create_table('security_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('method', sa.String(length=20), nullable=True),
    sa.Column('ip', sa.String(length=64), nullable=False),
    sa.Column('user_agent', sa.String(length=400), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_security_event_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_security_event'))
    )
    with op.batch_alter_table('security_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_security_event_created_at'), ['created_at'], unique=False)
        batch_op.create_index('ix_security_event_user_created', ['user_id', 'created_at'], unique=False)

    op.create_table('sms_code',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('phone', sa.String(length=20), nullable=False),
    sa.Column('purpose', sa.String(length=20), nullable=False),
    sa.Column('code_hmac', sa.String(length=64), nullable=False),
    sa.Column('ip', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('consumed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_sms_code_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sms_code'))
    )
    with op.batch_alter_table('sms_code', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sms_code_created_at'), ['created_at'], unique=False)
        batch_op.create_index('ix_sms_code_ip_created', ['ip', 'created_at'], unique=False)
        batch_op.create_index('ix_sms_code_phone_purpose_created', ['phone', 'purpose', 'created_at'], unique=False)

    op.create_table('user_session',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ip', sa.String(length=64), nullable=False),
    sa.Column('user_agent', sa.String(length=400), nullable=False),
    sa.Column('method', sa.String(length=20), nullable=False),
    sa.Column('remember', sa.Boolean(), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_user_session_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_user_session'))
    )
    with op.batch_alter_table('user_session', schema=None) as batch_op:
        batch_op.create_index('ix_user_session_user_active', ['user_id', 'revoked_at'], unique=False)

    op.create_table('wechat_identity',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('app_id', sa.String(length=64), nullable=False),
    sa.Column('openid', sa.String(length=128), nullable=False),
    sa.Column('unionid', sa.String(length=128), nullable=True),
    sa.Column('nickname', sa.String(length=100), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_wechat_identity_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_wechat_identity'))
    )
    with op.batch_alter_table('wechat_identity', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_wechat_identity_unionid'), ['unionid'], unique=False)
        batch_op.create_index(batch_op.f('ix_wechat_identity_user_id'), ['user_id'], unique=False)
        batch_op.create_index('uq_wechat_identity_app_openid', ['app_id', 'openid'], unique=True)



def downgrade():
    with op.batch_alter_table('wechat_identity', schema=None) as batch_op:
        batch_op.drop_index('uq_wechat_identity_app_openid')
        batch_op.drop_index(batch_op.f('ix_wechat_identity_user_id'))
        batch_op.drop_index(batch_op.f('ix_wechat_identity_unionid'))

    op.drop_table('wechat_identity')
    with op.batch_alter_table('user_session', schema=None) as batch_op:
        batch_op.drop_index('ix_user_session_user_active')

    op.drop_table('user_session')
    with op.batch_alter_table('sms_code', schema=None) as batch_op:
        batch_op.drop_index('ix_sms_code_phone_purpose_created')
        batch_op.drop_index('ix_sms_code_ip_created')
        batch_op.drop_index(batch_op.f('ix_sms_code_created_at'))

    op.drop_table('sms_code')
    with op.batch_alter_table('security_event', schema=None) as batch_op:
        batch_op.drop_index('ix_security_event_user_created')
        batch_op.drop_index(batch_op.f('ix_security_event_created_at'))

    op.drop_table('security_event')
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.drop_index('ix_notification_user_read')

    op.drop_table('notification')
    op.drop_table('known_browser')
    op.drop_table('user_account')
