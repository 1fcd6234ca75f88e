"""The Alembic migrations build exactly the schema the models describe, on each backend."""
from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from bot.core.models import Base


def test_migrations_match_the_models(engine):
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert differences == []


def test_copies_sent_before_the_upgrade_are_still_found_by_a_decision(database_url):
    """0003 renames the outbox keys of proposals' and support requests' copies to the key
    every copy now has, so a decision made after the upgrade updates the copies sent before."""
    from sqlalchemy import text

    from bot.core import db
    from bot.core.outbox import copies_prefix

    db.upgrade(database_url, "0002")
    engine = db.make_engine(database_url)
    with engine.begin() as connection:
        for key in ("proposal:PRO-ABCDEF:C0DANDI001", "support:SUP-ABCDEF:C0CANDH001", "invite_request:INV-ABCDEF:U0A"):
            connection.execute(text("INSERT INTO outbox (idempotency_key, kind, recipient, payload, status, attempts, "
                                    "next_attempt_at, created_at) VALUES (:key, 'x', 'C0', '{}', 'sent', 1, "
                                    "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"), {"key": key})
    db.upgrade(database_url)
    with engine.connect() as connection:
        keys = sorted(connection.execute(text("SELECT idempotency_key FROM outbox")).scalars())
    engine.dispose()
    assert keys == [copies_prefix("group_proposal", "PRO-ABCDEF") + "C0DANDI001",
                    copies_prefix("invite_request", "INV-ABCDEF") + "U0A",
                    copies_prefix("support_request", "SUP-ABCDEF") + "C0CANDH001"]
