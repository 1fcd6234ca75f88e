"""`community-bot keys rotate`: re-encrypt every stored confidential text to the newest key.

Put the new key first in CASE_ENCRYPTION_KEY (keeping the old ones after it), rotate, then
remove the old ones. Rows go in batches, each batch its own transaction, so a large table
neither holds one long lock nor starts again from nothing if interrupted: running it twice
is harmless.
"""
from __future__ import annotations

from typing import Callable

from sqlalchemy import select

from bot.core import crypto
from bot.core.db import UnitOfWork
from bot.core.models import Case, CaseMessage, CaseNote, DeploymentSecret

# (model, encrypted columns, the name the count goes under)
ENCRYPTED = (
    (Case, (("narrative_ciphertext", "narratives"), ("excluded_ciphertext", "exclusions"),
            ("outcome_ciphertext", "outcomes"), ("news_to_ciphertext", "news_recipients"))),
    (CaseNote, (("body_ciphertext", "notes"),)),
    (CaseMessage, (("body_ciphertext", "messages"),)),
)


class RotationStopped(crypto.CannotDecrypt):
    """A ciphertext none of the configured keys opens; what was rotated before it stays rotated."""

    def __init__(self, message: str, counts: dict[str, int]):
        super().__init__(message)
        self.counts = counts


def rotate_all(uow_factory: Callable[[], UnitOfWork], batch_size: int = 100) -> dict[str, int]:
    """Re-encrypt every narrative, exclusion list, outcome, note and message, and the deployment's
    secrets (the receipt codes' key). Returns counts per kind."""
    counts = {name: 0 for _, columns in ENCRYPTED for _, name in columns}
    for model, columns in ENCRYPTED:
        last_id = 0
        while True:
            with uow_factory() as uow:
                rows = uow.session.scalars(select(model).where(model.id > last_id).order_by(model.id)
                                           .limit(batch_size)).all()
                if not rows:
                    break
                batch = dict.fromkeys(counts, 0)
                for row in rows:
                    for column, name in columns:
                        token = getattr(row, column)
                        if token is None:
                            continue
                        try:
                            setattr(row, column, uow.cipher.rotate(token))
                        except crypto.CannotDecrypt:
                            raise RotationStopped(
                                f"A stored {name[:-1]} ({model.__tablename__} row {row.id}) opens with none of the "
                                "configured keys: add back the key it was encrypted with and run this again.",
                                counts) from None
                        batch[name] += 1
                last_id = rows[-1].id
                uow.commit()
            counts = {name: counts[name] + batch[name] for name in counts}
    with uow_factory() as uow:  # a handful of rows, keyed by name
        counts["secrets"] = 0
        for row in uow.session.scalars(select(DeploymentSecret)).all():
            try:
                row.ciphertext = uow.cipher.rotate(row.ciphertext)
            except crypto.CannotDecrypt:
                raise RotationStopped(f"The deployment secret {row.name!r} opens with none of the configured keys: "
                                      "add back the key it was encrypted with and run this again.", counts) from None
            counts["secrets"] += 1
        uow.commit()
    return counts
