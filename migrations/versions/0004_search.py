"""Search: normalised search rows, short-gram index, history, keyword log; FTS5 or pg_trgm.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26

SQLite gets an FTS5 trigram table (tool_search_fts, rowid = tool id) that the
search service keeps in sync by hand. PostgreSQL gets pg_trgm and a GIN trigram
index on tool_search.all_key. The extension needs a role allowed to create it
(the postgres superuser here; in production an administrator may have to run
CREATE EXTENSION pg_trgm once). Rows are filled by `flask search reindex`.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    dialect = op.get_bind().dialect.name
    op.create_table('tool_search',
    sa.Column('tool_id', sa.Integer(), nullable=False),
    sa.Column('popularity', sa.Integer(), nullable=False),
    sa.Column('pool_key', sa.BigInteger(), nullable=False),
    sa.Column('name_key', sa.String(length=400), nullable=False),
    sa.Column('name_en_key', sa.String(length=400), nullable=False),
    sa.Column('tagline_key', sa.Text(), nullable=False),
    sa.Column('tags_key', sa.Text(), nullable=False),
    sa.Column('description_key', sa.Text(), nullable=False),
    sa.Column('all_key', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['tool_id'], ['tool.id'], name=op.f('fk_tool_search_tool_id_tool'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('tool_id', name=op.f('pk_tool_search')),
    sa.UniqueConstraint('pool_key', name=op.f('uq_tool_search_pool_key'))
    )

    op.create_table('tool_search_gram',
    sa.Column('gram', sa.String(length=8), nullable=False),
    sa.Column('neg_popularity', sa.Integer(), nullable=False),
    sa.Column('tool_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['tool_id'], ['tool.id'], name=op.f('fk_tool_search_gram_tool_id_tool'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('gram', 'neg_popularity', 'tool_id', name=op.f('pk_tool_search_gram')),
    sqlite_with_rowid=False,
    )
    op.create_index(op.f('ix_tool_search_gram_tool_id'), 'tool_search_gram', ['tool_id'], unique=False)

    op.create_table('search_history',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('query', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_search_history_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_search_history'))
    )
    op.create_index(op.f('ix_search_history_user_id'), 'search_history', ['user_id'], unique=False)

    op.create_table('search_keyword_day',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('query', sa.String(length=200), nullable=False),
    sa.Column('searches', sa.Integer(), nullable=False),
    sa.Column('results', sa.Integer(), nullable=False),
    sa.Column('zero_result_searches', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('day', 'query', name=op.f('pk_search_keyword_day'))
    )

    if dialect == 'sqlite':
        # Substring retrieval for queries of 3+ characters; rowid is tool_search.pool_key.
        op.execute("CREATE VIRTUAL TABLE tool_search_fts USING fts5(all_key, tokenize='trigram')")
    elif dialect == 'postgresql':
        op.execute('CREATE EXTENSION IF NOT EXISTS pg_trgm')
        op.execute('CREATE INDEX ix_tool_search_all_key_trgm ON tool_search USING gin (all_key gin_trgm_ops)')


def downgrade():
    dialect = op.get_bind().dialect.name
    if dialect == 'sqlite':
        op.execute('DROP TABLE IF EXISTS tool_search_fts')
    elif dialect == 'postgresql':
        op.execute('DROP INDEX IF EXISTS ix_tool_search_all_key_trgm')
    op.drop_table('search_keyword_day')
    op.drop_index(op.f('ix_search_history_user_id'), table_name='search_history')
    op.drop_table('search_history')
    op.drop_index(op.f('ix_tool_search_gram_tool_id'), table_name='tool_search_gram')
    op.drop_table('tool_search_gram')
    op.drop_table('tool_search')
