"""Search retrieval that stays fast at 100,000 tools: stored vectors (PostgreSQL) and category keys (both).

``tool_token_vector`` (PostgreSQL only). Migration 0010 indexed an expression over
``tool_search.tokens``. GIN finds rare terms, but for a common term the planner
walks pool_key order checking each row, and every check rebuilt the vector from
the text (about 11 µs a row). A stored vector is checked in about 1 µs, and in a
table of its own the row stays small enough to be kept inline rather than toasted
beside the wide ranking columns. SQLite is unchanged: its FTS5 table plays this part.

``tool_search_category`` (both). A tool under every category of its chain, keyed
(category, pool_key): a named category's most popular tools are the first rows of
one primary-key range, where the category marker in the token index meant checking
or sorting every tool of the category (5 ms for a category of 2,000 on PostgreSQL).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-08

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

TOKEN_VECTOR = "array_to_tsvector(string_to_array(tokens, ' '))"


def upgrade():
    op.create_table(
        'tool_search_category',
        sa.Column('category_id', sa.Integer(), nullable=False),
        sa.Column('pool_key', sa.BigInteger(), nullable=False),
        sa.Column('tool_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['category_id'], ['category.id'], name=op.f('fk_tool_search_category_category_id_category'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['tool_id'], ['tool_search.tool_id'], name=op.f('fk_tool_search_category_tool_id_tool_search'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('category_id', 'pool_key', name=op.f('pk_tool_search_category')),
    )
    op.create_index(op.f('ix_tool_search_category_tool_id'), 'tool_search_category', ['tool_id'], unique=False)
    # Every category of each tool's chain, as services.search.index writes them.
    op.execute(
        "WITH RECURSIVE chain(tool_id, category_id) AS ("
        " SELECT id, category_id FROM tool WHERE category_id IS NOT NULL"
        " UNION SELECT chain.tool_id, category.parent_id FROM chain"
        " JOIN category ON category.id = chain.category_id WHERE category.parent_id IS NOT NULL)"
        " INSERT INTO tool_search_category (category_id, pool_key, tool_id)"
        " SELECT chain.category_id, tool_search.pool_key, tool_search.tool_id"
        " FROM chain JOIN tool_search ON tool_search.tool_id = chain.tool_id"
    )
    if op.get_bind().dialect.name != 'postgresql':
        return
    op.execute(
        "CREATE TABLE tool_token_vector ("
        " tool_id integer PRIMARY KEY REFERENCES tool_search (tool_id) ON DELETE CASCADE,"
        " pool_key bigint NOT NULL UNIQUE,"
        " vector tsvector NOT NULL)"
    )
    op.execute(f"INSERT INTO tool_token_vector (tool_id, pool_key, vector) "
               f"SELECT tool_id, pool_key, {TOKEN_VECTOR} FROM tool_search")
    op.execute("CREATE INDEX ix_tool_token_vector_vector ON tool_token_vector USING gin (vector)")
    # A search reads a few thousand rows at most: starting parallel workers costs more than it saves.
    op.execute("ALTER TABLE tool_token_vector SET (parallel_workers = 0)")
    op.execute("DROP INDEX IF EXISTS ix_tool_search_tokens")
    op.execute("ANALYZE tool_token_vector")


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(f"CREATE INDEX ix_tool_search_tokens ON tool_search USING gin ({TOKEN_VECTOR})")
        op.execute("DROP TABLE tool_token_vector")
    op.drop_index(op.f('ix_tool_search_category_tool_id'), table_name='tool_search_category')
    op.drop_table('tool_search_category')
