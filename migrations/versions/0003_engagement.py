"""Engagement: favorites, collections, ratings and reviews, helpful votes, reports.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('collection',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('is_public', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_collection_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_collection'))
    )
    with op.batch_alter_table('collection', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_collection_user_id'), ['user_id'], unique=False)

    op.create_table('collection_item',
    sa.Column('collection_id', sa.Integer(), nullable=False),
    sa.Column('tool_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('added_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['collection_id'], ['collection.id'], name=op.f('fk_collection_item_collection_id_collection'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tool_id'], ['tool.id'], name=op.f('fk_collection_item_tool_id_tool'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('collection_id', 'tool_id', name=op.f('pk_collection_item'))
    )
    with op.batch_alter_table('collection_item', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_collection_item_tool_id'), ['tool_id'], unique=False)

    op.create_table('favorite',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('tool_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['tool_id'], ['tool.id'], name=op.f('fk_favorite_tool_id_tool'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_favorite_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'tool_id', name=op.f('pk_favorite'))
    )
    with op.batch_alter_table('favorite', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_favorite_tool_id'), ['tool_id'], unique=False)

    op.create_table('rating',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('tool_id', sa.Integer(), nullable=False),
    sa.Column('stars', sa.SmallInteger(), nullable=False),
    sa.Column('review', sa.Text(), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('helpful_count', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("state IN ('visible', 'held', 'hidden')", name=op.f('ck_rating_state')),
    sa.CheckConstraint('stars BETWEEN 1 AND 5', name=op.f('ck_rating_stars')),
    sa.ForeignKeyConstraint(['tool_id'], ['tool.id'], name=op.f('fk_rating_tool_id_tool'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_rating_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rating')),
    sa.UniqueConstraint('user_id', 'tool_id', name=op.f('uq_rating_user_id_tool_id'))
    )
    with op.batch_alter_table('rating', schema=None) as batch_op:
        batch_op.create_index('ix_rating_tool_state', ['tool_id', 'state'], unique=False)
        batch_op.create_index(batch_op.f('ix_rating_user_id'), ['user_id'], unique=False)

    op.create_table('helpful_vote',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('rating_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['rating_id'], ['rating.id'], name=op.f('fk_helpful_vote_rating_id_rating'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_helpful_vote_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'rating_id', name=op.f('pk_helpful_vote'))
    )
    with op.batch_alter_table('helpful_vote', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_helpful_vote_rating_id'), ['rating_id'], unique=False)

    op.create_table('report',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reporter_id', sa.Integer(), nullable=True),
    sa.Column('target_type', sa.String(length=20), nullable=False),
    sa.Column('tool_id', sa.Integer(), nullable=True),
    sa.Column('rating_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.String(length=20), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("reason IN ('spam', 'wrong_info', 'dead_link', 'ip_complaint', 'other')", name=op.f('ck_report_reason')),
    sa.CheckConstraint("state IN ('open', 'resolved', 'dismissed')", name=op.f('ck_report_state')),
    sa.CheckConstraint("target_type IN ('tool', 'review')", name=op.f('ck_report_target_type')),
    sa.ForeignKeyConstraint(['rating_id'], ['rating.id'], name=op.f('fk_report_rating_id_rating'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['reporter_id'], ['user_account.id'], name=op.f('fk_report_reporter_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['tool_id'], ['tool.id'], name=op.f('fk_report_tool_id_tool'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report'))
    )
    with op.batch_alter_table('report', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_report_rating_id'), ['rating_id'], unique=False)
        batch_op.create_index('ix_report_state_created', ['state', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_report_tool_id'), ['tool_id'], unique=False)



def downgrade():
    with op.batch_alter_table('report', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_report_tool_id'))
        batch_op.drop_index('ix_report_state_created')
        batch_op.drop_index(batch_op.f('ix_report_rating_id'))

    op.drop_table('report')
    with op.batch_alter_table('helpful_vote', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_helpful_vote_rating_id'))

    op.drop_table('helpful_vote')
    with op.batch_alter_table('rating', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rating_user_id'))
        batch_op.drop_index('ix_rating_tool_state')

    op.drop_table('rating')
    with op.batch_alter_table('favorite', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_favorite_tool_id'))

    op.drop_table('favorite')
    with op.batch_alter_table('collection_item', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_collection_item_tool_id'))

    op.drop_table('collection_item')
    with op.batch_alter_table('collection', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_collection_user_id'))

    op.drop_table('collection')
