"""held cases: a case may be held, sent to nobody, until another names the same person; who it
is about is kept only as a keyed hash, with when it was held and whether its reporter was asked
what to do once the hold ran out

Revision ID: 0007
Revises: 0006
"""
import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('hold_key', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('held_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('hold_asked_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f('ix_cases_hold_key'), ['hold_key'], unique=False)


def downgrade() -> None:
    op.execute("DELETE FROM cases WHERE status = 'held'")  # never sent: nothing earlier can hold them
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cases_hold_key'))
        batch_op.drop_column('hold_asked_at')
        batch_op.drop_column('held_at')
        batch_op.drop_column('hold_key')
