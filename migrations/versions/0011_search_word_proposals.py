"""Moderators propose synonym groups and tool aliases; an admin accepts or declines.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('search_word_proposal',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('query', sa.String(length=200), nullable=False),
    sa.Column('terms', sa.Text(), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=True),
    sa.Column('tool_id', sa.Integer(), nullable=True),
    sa.Column('alias', sa.String(length=80), nullable=False),
    sa.Column('source', sa.String(length=500), nullable=True),
    sa.Column('note', sa.String(length=500), nullable=False),
    sa.Column('proposed_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('state', sa.String(length=10), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("kind IN ('synonym', 'alias')", name=op.f('ck_search_word_proposal_kind')),
    sa.CheckConstraint("state IN ('pending', 'accepted', 'declined')", name=op.f('ck_search_word_proposal_state')),
    sa.ForeignKeyConstraint(['category_id'], ['category.id'], name=op.f('fk_search_word_proposal_category_id_category'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['decided_by_id'], ['user_account.id'], name=op.f('fk_search_word_proposal_decided_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['proposed_by_id'], ['user_account.id'], name=op.f('fk_search_word_proposal_proposed_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['tool_id'], ['tool.id'], name=op.f('fk_search_word_proposal_tool_id_tool'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_search_word_proposal'))
    )
    with op.batch_alter_table('search_word_proposal', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_search_word_proposal_proposed_by_id'), ['proposed_by_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_search_word_proposal_state'), ['state'], unique=False)
        batch_op.create_index(batch_op.f('ix_search_word_proposal_tool_id'), ['tool_id'], unique=False)


def downgrade():
    with op.batch_alter_table('search_word_proposal', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_search_word_proposal_tool_id'))
        batch_op.drop_index(batch_op.f('ix_search_word_proposal_state'))
        batch_op.drop_index(batch_op.f('ix_search_word_proposal_proposed_by_id'))
    op.drop_table('search_word_proposal')
