"""The audit log: who did what to which record. Details never hold confidential text."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from bot.core.models import AuditEntry


def record(session: Session, actor: str, action: str, subject_type: str, subject_id: str, *,
           at: datetime | None = None, **detail) -> None:
    """`at`: when, if not now (an anonymous case's sending keeps only its day)."""
    session.add(AuditEntry(actor=actor, action=action, subject_type=subject_type, subject_id=subject_id,
                           detail=detail, **({"at": at} if at is not None else {})))
