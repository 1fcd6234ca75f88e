"""cases: the handlers' side (assignee, acknowledgement, closing with an outcome, deadlines,
encrypted notes), drafts owned by their conversation, conversations waiting for confidential
text, and the teams' member names and lead for matching exclusions and escalating

Revision ID: 0004
Revises: 0003
"""
import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(sa.text("UPDATE cases SET status = 'in_progress' WHERE status = 'in_review'"))
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.alter_column('reporter_slack_id', existing_type=sa.String(length=32), type_=sa.String(length=100))
        batch_op.add_column(sa.Column('draft_owner', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('assignee_slack_id', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('outcome_ciphertext', sa.LargeBinary(), nullable=True))
        for column in ('submitted_at', 'acknowledged_at', 'closed_at', 'reminded_at', 'escalated_at',
                       'feedback_due_sent_at'):
            batch_op.add_column(sa.Column(column, sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f('ix_cases_draft_owner'), ['draft_owner'], unique=False)
    op.execute(sa.text("UPDATE cases SET submitted_at = created_at WHERE status <> 'draft'"))
    with op.batch_alter_table('contacts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('member_names', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('lead_slack_user_id', sa.String(length=32), nullable=True))
    op.execute(sa.text("UPDATE contacts SET member_names = '{}'"))
    with op.batch_alter_table('contacts', schema=None) as batch_op:
        batch_op.alter_column('member_names', existing_type=sa.JSON(), nullable=False)
    op.create_table(
        'case_notes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('author_slack_id', sa.String(length=32), nullable=False),
        sa.Column('body_ciphertext', sa.LargeBinary(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['case_id'], ['cases.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('case_notes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_notes_case_id'), ['case_id'], unique=False)
    op.create_table(
        'confidential_prompts',
        sa.Column('conversation_id', sa.String(length=100), nullable=False),
        sa.Column('step', sa.String(length=20), nullable=False),
        sa.Column('draft_reference', sa.String(length=20), nullable=True),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('conversation_id'),
    )


def downgrade() -> None:
    op.drop_table('confidential_prompts')
    with op.batch_alter_table('case_notes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_notes_case_id'))
    op.drop_table('case_notes')
    with op.batch_alter_table('contacts', schema=None) as batch_op:
        batch_op.drop_column('lead_slack_user_id')
        batch_op.drop_column('member_names')
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cases_draft_owner'))
        for column in ('feedback_due_sent_at', 'escalated_at', 'reminded_at', 'closed_at', 'acknowledged_at',
                       'submitted_at', 'outcome_ciphertext', 'assignee_slack_id', 'draft_owner'):
            batch_op.drop_column(column)
        batch_op.alter_column('reporter_slack_id', existing_type=sa.String(length=100), type_=sa.String(length=32))
    op.execute(sa.text("UPDATE cases SET status = 'in_review' WHERE status IN "
                       "('acknowledged', 'in_progress', 'waiting_for_reporter')"))
