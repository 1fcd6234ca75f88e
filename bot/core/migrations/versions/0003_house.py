"""house: drop the cases' anonymous flag and receipt hash, which nothing sets or reads yet
(the confidential-cases work adds what it needs with its design); the outbox keys of
proposals' and support requests' copies take their notice kind's name, as every copy's
key now does, so a decision still finds the copies sent before

Revision ID: 0003
Revises: 0002
"""
import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


RENAMED_COPY_KEYS = {"proposal:": "group_proposal:", "support:": "support_request:"}


def _rename_copy_keys(renames: dict[str, str]) -> None:
    for old, new in renames.items():
        op.execute(sa.text("UPDATE outbox SET idempotency_key = :new || substr(idempotency_key, :start) "
                           "WHERE idempotency_key LIKE :pattern").bindparams(new=new, start=len(old) + 1,
                                                                             pattern=old + "%"))


def upgrade() -> None:
    _rename_copy_keys(RENAMED_COPY_KEYS)
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_column('receipt_hash')
        batch_op.drop_column('anonymous')


def downgrade() -> None:
    _rename_copy_keys({new: old for old, new in RENAMED_COPY_KEYS.items()})
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('anonymous', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('receipt_hash', sa.String(length=128), nullable=True))
