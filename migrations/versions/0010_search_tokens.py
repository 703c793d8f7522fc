"""Search by tokens: every field, every length, pinyin and names joined; exact names; synonyms; tool aliases.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07

The trigram retrieval of 0004 (FTS5 trigram table, pg_trgm GIN index, the short-gram
table) could not match 1- and 2-character Chinese terms outside names. It is
replaced by a token document per tool: SQLite indexes it in an FTS5 table
(unicode61, rowid = tool_search.pool_key, prefix indexes for as-you-type), PostgreSQL
in a GIN index over its tsvector. The search rows are rebuilt from the catalog: the
upgrade leaves them empty and ``flask seed`` (run by ``make run``) or
``flask search reindex`` fills them; search finds nothing until then.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

TOKEN_VECTOR = "array_to_tsvector(string_to_array(tokens, ' '))"


def _new_tool_search():
    op.create_table('tool_search',
    sa.Column('tool_id', sa.Integer(), nullable=False),
    sa.Column('popularity', sa.Integer(), nullable=False),
    sa.Column('pool_key', sa.BigInteger(), nullable=False),
    sa.Column('name_keys', sa.Text(), nullable=False),
    sa.Column('name_words', sa.Text(), nullable=False),
    sa.Column('alias_words', sa.Text(), nullable=False),
    sa.Column('pinyin_words', sa.Text(), nullable=False),
    sa.Column('category_words', sa.Text(), nullable=False),
    sa.Column('platform_words', sa.Text(), nullable=False),
    sa.Column('tag_words', sa.Text(), nullable=False),
    sa.Column('tagline_words', sa.Text(), nullable=False),
    sa.Column('description_words', sa.Text(), nullable=False),
    sa.Column('tokens', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['tool_id'], ['tool.id'], name=op.f('fk_tool_search_tool_id_tool'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('tool_id', name=op.f('pk_tool_search')),
    sa.UniqueConstraint('pool_key', name=op.f('uq_tool_search_pool_key'))
    )


def _old_tool_search():
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


def upgrade():
    dialect = op.get_bind().dialect.name
    if dialect == 'sqlite':
        op.execute('DROP TABLE IF EXISTS tool_search_fts')
    else:
        op.execute('DROP INDEX IF EXISTS ix_tool_search_all_key_trgm')
    op.drop_index(op.f('ix_tool_search_gram_tool_id'), table_name='tool_search_gram')
    op.drop_table('tool_search_gram')
    op.drop_table('tool_search')
    _new_tool_search()
    op.create_table('tool_search_name',
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('tool_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.ForeignKeyConstraint(['tool_id'], ['tool.id'], name=op.f('fk_tool_search_name_tool_id_tool'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('key', 'tool_id', name=op.f('pk_tool_search_name'))
    )
    op.create_index(op.f('ix_tool_search_name_tool_id'), 'tool_search_name', ['tool_id'], unique=False)
    op.create_table('search_synonym',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=120), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=True),
    sa.Column('terms', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['category_id'], ['category.id'], name=op.f('fk_search_synonym_category_id_category'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_search_synonym')),
    sa.UniqueConstraint('slug', name=op.f('uq_search_synonym_slug'))
    )
    op.create_index(op.f('ix_search_synonym_category_id'), 'search_synonym', ['category_id'], unique=False)
    with op.batch_alter_table('tool') as batch:
        batch.add_column(sa.Column('aliases', sa.JSON(), nullable=False, server_default='[]'))
    if dialect == 'sqlite':
        # Tokens are letters and digits only, so unicode61 splits exactly at the spaces between them.
        op.execute("CREATE VIRTUAL TABLE tool_token_fts USING fts5("
                   "tokens, tokenize=\"unicode61 remove_diacritics 0 categories 'L* N* Co'\", prefix='1 2 3')")
    elif dialect == 'postgresql':
        op.execute(f'CREATE INDEX ix_tool_search_tokens ON tool_search USING gin ({TOKEN_VECTOR})')


def downgrade():
    dialect = op.get_bind().dialect.name
    if dialect == 'sqlite':
        op.execute('DROP TABLE IF EXISTS tool_token_fts')
    else:
        op.execute('DROP INDEX IF EXISTS ix_tool_search_tokens')
    with op.batch_alter_table('tool') as batch:
        batch.drop_column('aliases')
    op.drop_index(op.f('ix_search_synonym_category_id'), table_name='search_synonym')
    op.drop_table('search_synonym')
    op.drop_index(op.f('ix_tool_search_name_tool_id'), table_name='tool_search_name')
    op.drop_table('tool_search_name')
    op.drop_table('tool_search')
    _old_tool_search()
    op.create_table('tool_search_gram',
    sa.Column('gram', sa.String(length=8), nullable=False),
    sa.Column('neg_popularity', sa.Integer(), nullable=False),
    sa.Column('tool_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['tool_id'], ['tool.id'], name=op.f('fk_tool_search_gram_tool_id_tool'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('gram', 'neg_popularity', 'tool_id', name=op.f('pk_tool_search_gram')),
    sqlite_with_rowid=False,
    )
    op.create_index(op.f('ix_tool_search_gram_tool_id'), 'tool_search_gram', ['tool_id'], unique=False)
    if dialect == 'sqlite':
        op.execute("CREATE VIRTUAL TABLE tool_search_fts USING fts5(all_key, tokenize='trigram')")
    else:
        op.execute('CREATE INDEX ix_tool_search_all_key_trgm ON tool_search USING gin (all_key gin_trgm_ops)')
