"""Helpers for journey conversation tests: what the assistant wrote to the database."""
from __future__ import annotations

from sqlalchemy import func, select

from bot.core.models import Case, GroupProposal, InviteRequest, Membership, OutboxMessage, SupportRequest

NOTHING_SENT = "Nothing has been sent"


def rows(assistant, model, *where) -> list:
    uow = assistant.uow()
    with uow:
        found = list(uow.session.scalars(select(model).where(*where)))
        uow.session.expunge_all()  # keep them readable after the unit of work closes
        return found


def count(assistant, model, *where) -> int:
    uow = assistant.uow()
    with uow:
        return uow.session.scalar(select(func.count()).select_from(model).where(*where))


def outbox_for(assistant, reference: str) -> list[OutboxMessage]:
    return [m for m in rows(assistant, OutboxMessage) if (m.payload or {}).get("reference") == reference]


def everything_of(assistant, sender: str) -> dict[str, int]:
    """How many records of each kind this person has: to show a stopped flow wrote nothing."""
    return {
        "invites": count(assistant, InviteRequest, InviteRequest.requester_slack_id == sender),
        "memberships": count(assistant, Membership, Membership.slack_user_id == sender),
        "proposals": count(assistant, GroupProposal, GroupProposal.proposer_slack_id == sender),
        "support": count(assistant, SupportRequest, SupportRequest.requester_slack_id == sender),
        "cases": count(assistant, Case, Case.reporter_slack_id == sender),
    }
