"""house: drop the cases' anonymous flag and receipt hash, which nothing sets or reads yet
(the confidential-cases work adds what it needs with its design)

Revision ID: 0003
Revises: 0002
"""
from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_column('receipt_hash')
        batch_op.drop_column('anonymous')


def downgrade() -> None:
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('anonymous', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('receipt_hash', sa.String(length=128), nullable=True))
