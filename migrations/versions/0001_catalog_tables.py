"""Catalog tables: categories, tools, tags, platforms, markets, clicks, site counters.

Revision ID: 0001
Revises:
Create Date: 2026-11-25
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('category',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=80), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('icon', sa.String(length=16), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('name_zh', sa.String(length=80), nullable=False),
    sa.Column('name_en', sa.String(length=80), nullable=False),
    sa.Column('description_zh', sa.Text(), nullable=False),
    sa.Column('description_en', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['parent_id'], ['category.id'], name=op.f('fk_category_parent_id_category')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_category')),
    sa.UniqueConstraint('slug', name=op.f('uq_category_slug'))
    )
    with op.batch_alter_table('category', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_category_parent_id'), ['parent_id'], unique=False)

    op.create_table('market',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=40), nullable=False),
    sa.Column('name_zh', sa.String(length=80), nullable=False),
    sa.Column('name_en', sa.String(length=80), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_market')),
    sa.UniqueConstraint('slug', name=op.f('uq_market_slug'))
    )
    op.create_table('platform',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=80), nullable=False),
    sa.Column('name_zh', sa.String(length=80), nullable=False),
    sa.Column('name_en', sa.String(length=80), nullable=False),
    sa.Column('family_id', sa.Integer(), nullable=True),
    sa.Column('mode', sa.String(length=40), nullable=True),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['family_id'], ['platform.id'], name=op.f('fk_platform_family_id_platform')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_platform')),
    sa.UniqueConstraint('slug', name=op.f('uq_platform_slug'))
    )
    with op.batch_alter_table('platform', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_platform_family_id'), ['family_id'], unique=False)

    op.create_table('site_counter',
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('value', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_site_counter'))
    )
    op.create_table('tag',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=80), nullable=False),
    sa.Column('name_zh', sa.String(length=80), nullable=False),
    sa.Column('name_en', sa.String(length=80), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tag')),
    sa.UniqueConstraint('slug', name=op.f('uq_tag_slug'))
    )
    op.create_table('tool',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=120), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('name_en', sa.String(length=120), nullable=True),
    sa.Column('name_sort', sa.String(length=400), nullable=False),
    sa.Column('name_sort_en', sa.String(length=400), nullable=False),
    sa.Column('url', sa.String(length=500), nullable=False),
    sa.Column('url_normalized', sa.String(length=500), nullable=False),
    sa.Column('logo_path', sa.String(length=200), nullable=True),
    sa.Column('tagline_zh', sa.String(length=200), nullable=False),
    sa.Column('tagline_en', sa.String(length=200), nullable=False),
    sa.Column('description_zh', sa.Text(), nullable=False),
    sa.Column('description_en', sa.Text(), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=False),
    sa.Column('pricing', sa.String(length=20), nullable=False),
    sa.Column('price_note_zh', sa.String(length=200), nullable=True),
    sa.Column('price_note_en', sa.String(length=200), nullable=True),
    sa.Column('price_from_cny', sa.Numeric(precision=10, scale=2), nullable=True),
    sa.Column('price_from_usd', sa.Numeric(precision=10, scale=2), nullable=True),
    sa.Column('trial_days', sa.Integer(), nullable=True),
    sa.Column('pricing_verified_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('china_direct', sa.Boolean(), nullable=True),
    sa.Column('cn_payment', sa.Boolean(), nullable=True),
    sa.Column('cn_invoice', sa.Boolean(), nullable=True),
    sa.Column('chinese_support', sa.Boolean(), nullable=True),
    sa.Column('free_plan', sa.Boolean(), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('lifecycle', sa.String(length=20), nullable=False),
    sa.Column('successor_id', sa.Integer(), nullable=True),
    sa.Column('click_count', sa.Integer(), nullable=False),
    sa.Column('favorite_count', sa.Integer(), nullable=False),
    sa.Column('rating_count', sa.Integer(), nullable=False),
    sa.Column('rating_avg', sa.Float(), nullable=False),
    sa.Column('is_synthetic', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("lifecycle IN ('active', 'renamed', 'acquired', 'shut_down')", name=op.f('ck_tool_lifecycle')),
    sa.CheckConstraint("pricing IN ('free', 'freemium', 'free_trial', 'paid')", name=op.f('ck_tool_pricing')),
    sa.CheckConstraint("status IN ('published', 'pending', 'hidden', 'dead_link')", name=op.f('ck_tool_status')),
    sa.CheckConstraint("url LIKE 'http://%' OR url LIKE 'https://%'", name=op.f('ck_tool_url_scheme')),
    sa.ForeignKeyConstraint(['category_id'], ['category.id'], name=op.f('fk_tool_category_id_category')),
    sa.ForeignKeyConstraint(['successor_id'], ['tool.id'], name=op.f('fk_tool_successor_id_tool')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tool')),
    sa.UniqueConstraint('slug', name=op.f('uq_tool_slug')),
    sa.UniqueConstraint('url_normalized', name=op.f('uq_tool_url_normalized'))
    )
    with op.batch_alter_table('tool', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tool_is_synthetic'), ['is_synthetic'], unique=False)
        batch_op.create_index(batch_op.f('ix_tool_name_sort'), ['name_sort'], unique=False)
        batch_op.create_index(batch_op.f('ix_tool_name_sort_en'), ['name_sort_en'], unique=False)
        batch_op.create_index('ix_tool_status_category', ['status', 'category_id'], unique=False)
        batch_op.create_index('ix_tool_status_clicks', ['status', 'click_count'], unique=False)
        batch_op.create_index('ix_tool_status_created', ['status', 'created_at'], unique=False)

    op.create_table('recent_click',
    sa.Column('visitor_hash', sa.String(length=64), nullable=False),
    sa.Column('tool_id', sa.Integer(), nullable=False),
    sa.Column('clicked_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['tool_id'], ['tool.id'], name=op.f('fk_recent_click_tool_id_tool'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('visitor_hash', 'tool_id', name=op.f('pk_recent_click'))
    )
    with op.batch_alter_table('recent_click', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_recent_click_clicked_at'), ['clicked_at'], unique=False)

    op.create_table('tool_click_day',
    sa.Column('tool_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('clicks', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['tool_id'], ['tool.id'], name=op.f('fk_tool_click_day_tool_id_tool'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('tool_id', 'day', name=op.f('pk_tool_click_day'))
    )
    with op.batch_alter_table('tool_click_day', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tool_click_day_day'), ['day'], unique=False)

    op.create_table('tool_platform',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tool_id', sa.Integer(), nullable=False),
    sa.Column('platform_id', sa.Integer(), nullable=False),
    sa.Column('market_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['market_id'], ['market.id'], name=op.f('fk_tool_platform_market_id_market')),
    sa.ForeignKeyConstraint(['platform_id'], ['platform.id'], name=op.f('fk_tool_platform_platform_id_platform')),
    sa.ForeignKeyConstraint(['tool_id'], ['tool.id'], name=op.f('fk_tool_platform_tool_id_tool'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tool_platform'))
    )
    with op.batch_alter_table('tool_platform', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tool_platform_market_id'), ['market_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_tool_platform_platform_id'), ['platform_id'], unique=False)
    # "All markets" is a NULL market; fold it to 0 so a tool links a platform once per market.
    op.create_index(
        'uq_tool_platform_tool_platform_market',
        'tool_platform',
        ['tool_id', 'platform_id', sa.text('coalesce(market_id, 0)')],
        unique=True,
    )

    op.create_table('tool_tag',
    sa.Column('tool_id', sa.Integer(), nullable=False),
    sa.Column('tag_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['tag_id'], ['tag.id'], name=op.f('fk_tool_tag_tag_id_tag'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tool_id'], ['tool.id'], name=op.f('fk_tool_tag_tool_id_tool'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('tool_id', 'tag_id', name=op.f('pk_tool_tag'))
    )
    with op.batch_alter_table('tool_tag', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tool_tag_tag_id'), ['tag_id'], unique=False)



def downgrade():
    with op.batch_alter_table('tool_tag', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tool_tag_tag_id'))

    op.drop_table('tool_tag')
    with op.batch_alter_table('tool_platform', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tool_platform_platform_id'))
        batch_op.drop_index(batch_op.f('ix_tool_platform_market_id'))

    op.drop_index('uq_tool_platform_tool_platform_market', table_name='tool_platform')
    op.drop_table('tool_platform')
    with op.batch_alter_table('tool_click_day', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tool_click_day_day'))

    op.drop_table('tool_click_day')
    with op.batch_alter_table('recent_click', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_recent_click_clicked_at'))

    op.drop_table('recent_click')
    with op.batch_alter_table('tool', schema=None) as batch_op:
        batch_op.drop_index('ix_tool_status_created')
        batch_op.drop_index('ix_tool_status_clicks')
        batch_op.drop_index('ix_tool_status_category')
        batch_op.drop_index(batch_op.f('ix_tool_name_sort_en'))
        batch_op.drop_index(batch_op.f('ix_tool_name_sort'))
        batch_op.drop_index(batch_op.f('ix_tool_is_synthetic'))

    op.drop_table('tool')
    op.drop_table('tag')
    op.drop_table('site_counter')
    with op.batch_alter_table('platform', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_platform_family_id'))

    op.drop_table('platform')
    op.drop_table('market')
    with op.batch_alter_table('category', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_category_parent_id'))

    op.drop_table('category')
