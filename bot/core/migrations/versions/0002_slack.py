"""slack: where each outbox message landed, and the Slack events already taken in

Revision ID: 0002
Revises: 0001
"""
import sqlalchemy as sa
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('slack_channel', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('slack_ts', sa.String(length=40), nullable=True))
    op.create_table('slack_events_seen',
    sa.Column('event_id', sa.String(length=100), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('event_id')
    )
    with op.batch_alter_table('slack_events_seen', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_slack_events_seen_received_at'), ['received_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('slack_events_seen', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_slack_events_seen_received_at'))
    op.drop_table('slack_events_seen')
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_column('slack_ts')
        batch_op.drop_column('slack_channel')
