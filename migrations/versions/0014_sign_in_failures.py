"""Refused sign-ins, kept an hour, for the back-off per account and client and the per-account challenge.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-08

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'sign_in_failure',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('method', sa.String(length=10), nullable=False),
        sa.Column('account_key', sa.String(length=64), nullable=False),
        sa.Column('client_key', sa.String(length=64), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_sign_in_failure')),
    )
    op.create_index('ix_sign_in_failure_account_created', 'sign_in_failure', ['account_key', 'created_at'],
                    unique=False)


def downgrade():
    op.drop_index('ix_sign_in_failure_account_created', table_name='sign_in_failure')
    op.drop_table('sign_in_failure')
