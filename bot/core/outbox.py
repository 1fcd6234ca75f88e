"""Notifications, written to the outbox in the same transaction as the record they announce.

A delivery worker (the Slack issue) sends them with retries; until then they wait here,
so nothing is lost. The idempotency key makes a repeated notification a no-op."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.core.models import OutboxMessage


def notify(session: Session, *, key: str, kind: str, recipient: str, text: str, **data: Any) -> OutboxMessage:
    existing = session.scalar(select(OutboxMessage).where(OutboxMessage.idempotency_key == key))
    if existing is not None:
        return existing
    message = OutboxMessage(idempotency_key=key, kind=kind, recipient=recipient, payload={"text": text, **data})
    session.add(message)
    return message


def invite_to_channel(session: Session, *, key: str, channel_id: str, user_id: str) -> OutboxMessage:
    """Queue a Slack `conversations.invite` of the user to the channel."""
    return notify(session, key=key, kind="channel_invite", recipient=channel_id, text="",
                  channel=channel_id, user=user_id)
