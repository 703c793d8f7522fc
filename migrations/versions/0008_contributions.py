"""Contributions: submitted tools, vendor claims, suggested edits, vendor replies, API tokens.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-25

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('api_token',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('prefix', sa.String(length=12), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_used_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_api_token_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_token')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_api_token_token_hash'))
    )
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_api_token_user_id'), ['user_id'], unique=False)

    op.create_table('edit_suggestion',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tool_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('from_vendor', sa.Boolean(), nullable=False),
    sa.Column('changes', sa.Text(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('accepted_fields', sa.Text(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("state IN ('pending', 'approved', 'rejected', 'withdrawn')", name=op.f('ck_edit_suggestion_state')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['user_account.id'], name=op.f('fk_edit_suggestion_decided_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['tool_id'], ['tool.id'], name=op.f('fk_edit_suggestion_tool_id_tool'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_edit_suggestion_user_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_edit_suggestion'))
    )
    with op.batch_alter_table('edit_suggestion', schema=None) as batch_op:
        batch_op.create_index('ix_edit_suggestion_state_created', ['state', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_edit_suggestion_tool_id'), ['tool_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_edit_suggestion_user_id'), ['user_id'], unique=False)

    op.create_table('tool_claim',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tool_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('evidence', sa.Text(), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("state IN ('pending', 'approved', 'rejected', 'withdrawn')", name=op.f('ck_tool_claim_state')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['user_account.id'], name=op.f('fk_tool_claim_decided_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['tool_id'], ['tool.id'], name=op.f('fk_tool_claim_tool_id_tool'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_tool_claim_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tool_claim'))
    )
    with op.batch_alter_table('tool_claim', schema=None) as batch_op:
        batch_op.create_index('ix_tool_claim_state_created', ['state', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_tool_claim_tool_id'), ['tool_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_tool_claim_user_id'), ['user_id'], unique=False)

    op.create_table('tool_submission',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('url', sa.String(length=500), nullable=False),
    sa.Column('url_normalized', sa.String(length=500), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('name_en', sa.String(length=120), nullable=True),
    sa.Column('category_id', sa.Integer(), nullable=True),
    sa.Column('platforms', sa.Text(), nullable=False),
    sa.Column('pricing', sa.String(length=20), nullable=True),
    sa.Column('price_note', sa.String(length=200), nullable=False),
    sa.Column('tagline', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('language', sa.String(length=5), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('tool_id', sa.Integer(), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("state IN ('pending', 'approved', 'rejected', 'withdrawn')", name=op.f('ck_tool_submission_state')),
    sa.ForeignKeyConstraint(['category_id'], ['category.id'], name=op.f('fk_tool_submission_category_id_category'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['decided_by_id'], ['user_account.id'], name=op.f('fk_tool_submission_decided_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['tool_id'], ['tool.id'], name=op.f('fk_tool_submission_tool_id_tool'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_tool_submission_user_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tool_submission'))
    )
    with op.batch_alter_table('tool_submission', schema=None) as batch_op:
        batch_op.create_index('ix_tool_submission_state_created', ['state', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_tool_submission_url_normalized'), ['url_normalized'], unique=False)
        batch_op.create_index('ix_tool_submission_user_created', ['user_id', 'created_at'], unique=False)

    op.create_table('vendor_reply',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('rating_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('hidden_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['user_account.id'], name=op.f('fk_vendor_reply_author_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['rating_id'], ['rating.id'], name=op.f('fk_vendor_reply_rating_id_rating'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_vendor_reply')),
    sa.UniqueConstraint('rating_id', name=op.f('uq_vendor_reply_rating_id'))
    )
    with op.batch_alter_table('vendor_reply', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_vendor_reply_author_id'), ['author_id'], unique=False)

    with op.batch_alter_table('tool', schema=None) as batch_op:
        batch_op.add_column(sa.Column('vendor_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('vendor_since', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_tool_vendor_id_user_account'), 'user_account', ['vendor_id'], ['id'], ondelete='SET NULL')



def downgrade():
    with op.batch_alter_table('tool', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_tool_vendor_id_user_account'), type_='foreignkey')
        batch_op.drop_column('vendor_since')
        batch_op.drop_column('vendor_id')

    with op.batch_alter_table('vendor_reply', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_vendor_reply_author_id'))

    op.drop_table('vendor_reply')
    with op.batch_alter_table('tool_submission', schema=None) as batch_op:
        batch_op.drop_index('ix_tool_submission_user_created')
        batch_op.drop_index(batch_op.f('ix_tool_submission_url_normalized'))
        batch_op.drop_index('ix_tool_submission_state_created')

    op.drop_table('tool_submission')
    with op.batch_alter_table('tool_claim', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tool_claim_user_id'))
        batch_op.drop_index(batch_op.f('ix_tool_claim_tool_id'))
        batch_op.drop_index('ix_tool_claim_state_created')

    op.drop_table('tool_claim')
    with op.batch_alter_table('edit_suggestion', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_edit_suggestion_user_id'))
        batch_op.drop_index(batch_op.f('ix_edit_suggestion_tool_id'))
        batch_op.drop_index('ix_edit_suggestion_state_created')

    op.drop_table('edit_suggestion')
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_api_token_user_id'))

    op.drop_table('api_token')
