"""Catalog editing and link health: who verified pricing, old tool slugs that redirect, link checks.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-25

A merge or a slug change keeps the old address working through tool_slug_redirect;
`flask check-links` appends one link_check row per tool per run, and staff decisions
on dead or changed links are written on the row they decide.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('link_check',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tool_id', sa.Integer(), nullable=False),
    sa.Column('checked_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('outcome', sa.String(length=10), nullable=False),
    sa.Column('status_code', sa.Integer(), nullable=True),
    sa.Column('final_url', sa.String(length=500), nullable=True),
    sa.Column('detail', sa.String(length=200), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('elapsed_ms', sa.Integer(), nullable=True),
    sa.Column('reviewed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reviewed_by_id', sa.Integer(), nullable=True),
    sa.Column('decision', sa.String(length=20), nullable=True),
    sa.CheckConstraint("outcome IN ('live', 'dead', 'changed', 'unknown')", name=op.f('ck_link_check_outcome')),
    sa.ForeignKeyConstraint(['reviewed_by_id'], ['user_account.id'], name=op.f('fk_link_check_reviewed_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['tool_id'], ['tool.id'], name=op.f('fk_link_check_tool_id_tool'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_link_check'))
    )
    with op.batch_alter_table('link_check', schema=None) as batch_op:
        batch_op.create_index('ix_link_check_open', ['outcome', 'reviewed_at'], unique=False)
        batch_op.create_index('ix_link_check_tool_checked', ['tool_id', 'checked_at'], unique=False)

    op.create_table('tool_slug_redirect',
    sa.Column('old_slug', sa.String(length=120), nullable=False),
    sa.Column('tool_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['tool_id'], ['tool.id'], name=op.f('fk_tool_slug_redirect_tool_id_tool'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('old_slug', name=op.f('pk_tool_slug_redirect'))
    )
    with op.batch_alter_table('tool_slug_redirect', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tool_slug_redirect_tool_id'), ['tool_id'], unique=False)

    with op.batch_alter_table('tool', schema=None) as batch_op:
        batch_op.add_column(sa.Column('pricing_verified_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_tool_pricing_verified_by_id_user_account'), 'user_account', ['pricing_verified_by_id'], ['id'], ondelete='SET NULL')


def downgrade():
    with op.batch_alter_table('tool', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_tool_pricing_verified_by_id_user_account'), type_='foreignkey')
        batch_op.drop_column('pricing_verified_by_id')

    with op.batch_alter_table('tool_slug_redirect', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tool_slug_redirect_tool_id'))
    op.drop_table('tool_slug_redirect')

    with op.batch_alter_table('link_check', schema=None) as batch_op:
        batch_op.drop_index('ix_link_check_tool_checked')
        batch_op.drop_index('ix_link_check_open')
    op.drop_table('link_check')
