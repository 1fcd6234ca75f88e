"""Notices, written to the outbox in the same transaction as the record they announce.

A notice is one of the typed notices of bot/core/notices.py (plain fields: a reference, a
group's name, a person's id, what someone typed; no markup). The Slack package renders and
delivers it with retries, so a Slack outage delays a notice and never loses it. The
idempotency key makes a repeated notice a no-op."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.core.models import OutboxMessage
from bot.core.notices import ChannelInvite, Notice


def notify(session: Session, notice: Notice, *, key: str, recipient: str) -> OutboxMessage:
    existing = session.scalar(select(OutboxMessage).where(OutboxMessage.idempotency_key == key))
    if existing is not None:
        return existing
    message = OutboxMessage(idempotency_key=key, kind=notice.kind, recipient=recipient, payload=notice.payload())
    session.add(message)
    return message


def copy_key(kind: str, reference: str, recipient: str) -> str:
    """The key of one recipient's copy of a request: a decision finds every copy by its prefix."""
    return f"{copies_prefix(kind, reference)}{recipient}"


def copies_prefix(kind: str, reference: str) -> str:
    return f"{kind}:{reference.upper()}:"


def invite_to_channel(session: Session, *, key: str, channel_id: str, user_id: str) -> OutboxMessage:
    """Queue a Slack `conversations.invite` of the user to the channel."""
    return notify(session, ChannelInvite(channel=channel_id, user=user_id), key=key, recipient=channel_id)
