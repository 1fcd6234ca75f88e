"""initial schema

Revision ID: 0001
Revises: 
Create Date: 2026-11-25 21:22:29.823962
"""
import sqlalchemy as sa
from alembic import op

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('audit_log',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(length=64), nullable=False),
    sa.Column('action', sa.String(length=60), nullable=False),
    sa.Column('subject_type', sa.String(length=40), nullable=False),
    sa.Column('subject_id', sa.String(length=40), nullable=False),
    sa.Column('detail', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('calendar_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('url', sa.String(length=500), nullable=True),
    sa.Column('group_slugs', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('calendar_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_calendar_events_starts_on'), ['starts_on'], unique=False)

    op.create_table('contacts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('team', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('slack_channel_id', sa.String(length=32), nullable=True),
    sa.Column('slack_channel_name', sa.String(length=80), nullable=True),
    sa.Column('slack_user_ids', sa.JSON(), nullable=False),
    sa.Column('email', sa.String(length=200), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('team')
    )
    op.create_table('groups',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=80), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('type', sa.Enum('open', 'closed', 'both', name='grouptype', native_enum=False, length=20), nullable=False),
    sa.Column('purpose', sa.Text(), nullable=False),
    sa.Column('meeting', sa.Text(), nullable=False),
    sa.Column('slack_channel_id', sa.String(length=32), nullable=True),
    sa.Column('slack_channel_name', sa.String(length=80), nullable=True),
    sa.Column('closed_slack_channel_id', sa.String(length=32), nullable=True),
    sa.Column('closed_slack_channel_name', sa.String(length=80), nullable=True),
    sa.Column('criteria', sa.Text(), nullable=True),
    sa.Column('how_to_ask', sa.Text(), nullable=True),
    sa.Column('status', sa.Enum('proposed', 'active', 'retired', name='groupstatus', native_enum=False, length=20), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('name'),
    sa.UniqueConstraint('slug')
    )
    op.create_table('outbox',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('idempotency_key', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=60), nullable=False),
    sa.Column('recipient', sa.String(length=64), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('status', sa.Enum('pending', 'sent', 'failed', name='outboxstatus', native_enum=False, length=20), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('idempotency_key')
    )
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outbox_status'), ['status'], unique=False)

    op.create_table('cases',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reference', sa.String(length=20), nullable=False),
    sa.Column('reporter_slack_id', sa.String(length=32), nullable=True),
    sa.Column('anonymous', sa.Boolean(), nullable=False),
    sa.Column('on_behalf', sa.Boolean(), nullable=False),
    sa.Column('affected_person_consented', sa.Boolean(), nullable=True),
    sa.Column('affected_person_may_be_named', sa.Boolean(), nullable=True),
    sa.Column('group_id', sa.Integer(), nullable=True),
    sa.Column('category', sa.String(length=40), nullable=True),
    sa.Column('narrative_ciphertext', sa.LargeBinary(), nullable=True),
    sa.Column('excluded_ciphertext', sa.LargeBinary(), nullable=True),
    sa.Column('routed_to', sa.String(length=40), nullable=True),
    sa.Column('status', sa.Enum('draft', 'open', 'in_review', 'closed', name='casestatus', native_enum=False, length=20), nullable=False),
    sa.Column('receipt_hash', sa.String(length=128), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['group_id'], ['groups.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('reference')
    )
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cases_reporter_slack_id'), ['reporter_slack_id'], unique=False)

    op.create_table('group_proposals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reference', sa.String(length=20), nullable=False),
    sa.Column('proposer_slack_id', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('type', sa.Enum('open', 'closed', 'both', name='grouptype', native_enum=False, length=20), nullable=False),
    sa.Column('purpose', sa.Text(), nullable=False),
    sa.Column('meeting', sa.Text(), nullable=False),
    sa.Column('organisers', sa.JSON(), nullable=False),
    sa.Column('criteria', sa.Text(), nullable=True),
    sa.Column('how_to_ask', sa.Text(), nullable=True),
    sa.Column('edi_policy_confirmed', sa.Boolean(), nullable=False),
    sa.Column('status', sa.Enum('pending', 'approved', 'declined', 'cancelled', 'done', name='requeststatus', native_enum=False, length=20), nullable=False),
    sa.Column('decided_by', sa.String(length=32), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('group_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['group_id'], ['groups.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('reference')
    )
    with op.batch_alter_table('group_proposals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_group_proposals_proposer_slack_id'), ['proposer_slack_id'], unique=False)

    op.create_table('group_terms',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('alias', 'topic', name='termkind', native_enum=False, length=20), nullable=False),
    sa.Column('text', sa.String(length=120), nullable=False),
    sa.ForeignKeyConstraint(['group_id'], ['groups.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('group_id', 'kind', 'text')
    )
    with op.batch_alter_table('group_terms', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_group_terms_group_id'), ['group_id'], unique=False)

    op.create_table('invite_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reference', sa.String(length=20), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('requester_slack_id', sa.String(length=32), nullable=False),
    sa.Column('status', sa.Enum('pending', 'approved', 'declined', 'cancelled', 'done', name='requeststatus', native_enum=False, length=20), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('decided_by', sa.String(length=32), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reminded_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('escalated_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['group_id'], ['groups.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('reference')
    )
    with op.batch_alter_table('invite_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_invite_requests_group_id'), ['group_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_invite_requests_requester_slack_id'), ['requester_slack_id'], unique=False)

    op.create_table('memberships',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('slack_user_id', sa.String(length=32), nullable=False),
    sa.Column('closed_part', sa.Boolean(), nullable=False),
    sa.Column('status', sa.Enum('inviting', 'member', name='membershipstatus', native_enum=False, length=20), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['group_id'], ['groups.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('group_id', 'slack_user_id', 'closed_part')
    )
    with op.batch_alter_table('memberships', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_memberships_group_id'), ['group_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_memberships_slack_user_id'), ['slack_user_id'], unique=False)

    op.create_table('organisers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('slack_user_id', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.ForeignKeyConstraint(['group_id'], ['groups.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('group_id', 'slack_user_id')
    )
    with op.batch_alter_table('organisers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_organisers_group_id'), ['group_id'], unique=False)

    op.create_table('support_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reference', sa.String(length=20), nullable=False),
    sa.Column('requester_slack_id', sa.String(length=32), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=True),
    sa.Column('when_text', sa.String(length=200), nullable=True),
    sa.Column('amount_pence', sa.Integer(), nullable=True),
    sa.Column('details', sa.Text(), nullable=True),
    sa.Column('routed_to', sa.String(length=40), nullable=False),
    sa.Column('status', sa.Enum('pending', 'approved', 'declined', 'cancelled', 'done', name='requeststatus', native_enum=False, length=20), nullable=False),
    sa.Column('decided_by', sa.String(length=32), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['group_id'], ['groups.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('reference')
    )
    with op.batch_alter_table('support_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_support_requests_requester_slack_id'), ['requester_slack_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('support_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_support_requests_requester_slack_id'))

    op.drop_table('support_requests')
    with op.batch_alter_table('organisers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_organisers_group_id'))

    op.drop_table('organisers')
    with op.batch_alter_table('memberships', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_memberships_slack_user_id'))
        batch_op.drop_index(batch_op.f('ix_memberships_group_id'))

    op.drop_table('memberships')
    with op.batch_alter_table('invite_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_invite_requests_requester_slack_id'))
        batch_op.drop_index(batch_op.f('ix_invite_requests_group_id'))

    op.drop_table('invite_requests')
    with op.batch_alter_table('group_terms', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_group_terms_group_id'))

    op.drop_table('group_terms')
    with op.batch_alter_table('group_proposals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_group_proposals_proposer_slack_id'))

    op.drop_table('group_proposals')
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cases_reporter_slack_id'))

    op.drop_table('cases')
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outbox_status'))

    op.drop_table('outbox')
    op.drop_table('groups')
    op.drop_table('contacts')
    with op.batch_alter_table('calendar_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_calendar_events_starts_on'))

    op.drop_table('calendar_events')
    op.drop_table('audit_log')
