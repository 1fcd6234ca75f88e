"""anonymous cases: a case may carry no reporter, only the slow hash of its receipt code (and, if
the reporter asked to be told of news, their Slack id encrypted); the deployment's secret for
those hashes, stored encrypted; wrong codes counted per person, to slow guessing

Revision ID: 0006
Revises: 0005
"""
import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('anonymous', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('receipt_hash', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('news_to_ciphertext', sa.LargeBinary(), nullable=True))
        batch_op.create_index(batch_op.f('ix_cases_receipt_hash'), ['receipt_hash'], unique=True)
    op.create_table(
        'deployment_secrets',
        sa.Column('name', sa.String(length=40), nullable=False),
        sa.Column('ciphertext', sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint('name'),
    )
    op.create_table(
        'receipt_attempts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('who', sa.String(length=64), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('receipt_attempts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_receipt_attempts_who'), ['who'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('receipt_attempts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_receipt_attempts_who'))
    op.drop_table('receipt_attempts')
    op.drop_table('deployment_secrets')
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cases_receipt_hash'))
        batch_op.drop_column('news_to_ciphertext')
        batch_op.drop_column('receipt_hash')
        batch_op.drop_column('anonymous')
