"""Retention: what the assistant forgets, and when (design.md, "Retention").

Each kind of record has a period in settings (0 keeps that kind for ever):

- abandoned drafts of cases, and conversations that stopped waiting for confidential text,
  after `retain_drafts_hours`;
- decided invite requests, support requests and group proposals, `retain_decided_requests_days`
  after their decision; delivered (or failed) notifications after the same period;
- closed cases, with their notes, `retain_closed_cases_days` after closing;
- audit rows after `retain_audit_days`.

A notification's text (names, notes, who asked to join which group) is dropped from the outbox
as soon as it is delivered (bot.slack.delivery calls `delivered_payload`). Copies that carry a
request's decision buttons keep theirs until the request is decided, because the decision
rewrites every copy in place; `purge` strips those afterwards.

`purge` returns counts per kind, never anything a record held.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select

from bot.core import receipts
from bot.core.db import UnitOfWork
from bot.core.models import (AuditEntry, Case, CaseMessage, CaseNote, CaseStatus, ConfidentialPrompt, GroupProposal,
                             InviteRequest, OutboxMessage, OutboxStatus, ReceiptAttempt, RequestStatus, SupportRequest,
                             as_utc)
from bot.core.settings import Settings
from bot.journeys.decidable import BY_NOTICE_KIND

# What a delivered notification keeps: enough to find the record it was about, nothing it said.
KEPT_ONCE_DELIVERED = ("reference",)
STRIPPED = "stripped"
# A decision rewrites its copies straight after it is made; stripping waits until that is done.
DECISION_SETTLES = timedelta(hours=1)

KINDS = ("abandoned_drafts", "expired_prompts", "invite_requests", "support_requests", "group_proposals",
         "closed_cases", "case_notes", "case_messages", "audit_entries", "outbox_payloads_stripped", "outbox_rows",
         "code_attempts")


def delivered_payload(payload: dict[str, Any] | None) -> dict[str, Any]:
    """A delivered notification's payload without its text."""
    payload = payload or {}
    return {**{key: payload[key] for key in KEPT_ONCE_DELIVERED if key in payload}, STRIPPED: True}


def is_stripped(payload: dict[str, Any] | None) -> bool:
    return bool((payload or {}).get(STRIPPED))


def purge(uow: UnitOfWork, settings: Settings, now: datetime | None = None, dry_run: bool = False) -> dict[str, int]:
    """Forget what has outlived its period, in one transaction. With `dry_run`, count only."""
    now = now or uow.clock()
    counts = dict.fromkeys(KINDS, 0)

    def older(hours: float = 0, days: float = 0) -> datetime | None:
        return now - timedelta(hours=hours, days=days) if hours or days else None

    drafts_before = older(hours=settings.retain_drafts_hours)
    decided_before = older(days=settings.retain_decided_requests_days)
    closed_before = older(days=settings.retain_closed_cases_days)
    audit_before = older(days=settings.retain_audit_days)

    # (kind, model, condition): each removed when its period is set.
    removals = [("code_attempts", ReceiptAttempt, ReceiptAttempt.at < now - receipts.ATTEMPT_WINDOW)]
    if drafts_before:
        removals += [
            ("abandoned_drafts", Case, (Case.status == CaseStatus.draft) & (Case.created_at < drafts_before)),
            # Its own lifetime, set when the conversation started waiting.
            ("expired_prompts", ConfidentialPrompt, ConfidentialPrompt.expires_at < now),
        ]
    if decided_before:
        for kind, model in (("invite_requests", InviteRequest), ("support_requests", SupportRequest),
                            ("group_proposals", GroupProposal)):
            removals.append((kind, model, (model.status != RequestStatus.pending) & (model.decided_at < decided_before)))
    if closed_before:
        # Closed; or held, its reporter asked what to do that long ago and never answering.
        closed = ((Case.status == CaseStatus.closed) & (Case.closed_at < closed_before)) | (
            (Case.status == CaseStatus.held) & (Case.hold_asked_at < closed_before))
        # Notes first: bulk deletes don't cascade through the ORM.
        removals += [("case_notes", CaseNote, CaseNote.case_id.in_(select(Case.id).where(closed))),
                     ("case_messages", CaseMessage, CaseMessage.case_id.in_(select(Case.id).where(closed))),
                     ("closed_cases", Case, closed)]
    if audit_before:
        removals.append(("audit_entries", AuditEntry, AuditEntry.at < audit_before))

    if decided_before:
        delivered_before = func.coalesce(OutboxMessage.sent_at, OutboxMessage.created_at) < decided_before
        removals.append(("outbox_rows", OutboxMessage,
                         OutboxMessage.status.in_([OutboxStatus.sent, OutboxStatus.failed]) & delivered_before))

    with uow:
        session = uow.session
        for kind, model, condition in removals:
            if dry_run:
                counts[kind] += session.scalar(select(func.count()).select_from(model).where(condition))
            else:
                counts[kind] += session.execute(delete(model).where(condition),
                                                execution_options={"synchronize_session": False}).rowcount
        counts["outbox_payloads_stripped"] = _strip_delivered(session, now, dry_run,
                                                              gone_before=decided_before if dry_run else None)
        if not dry_run:
            uow.commit()
    return counts


def _strip_delivered(session, now: datetime, dry_run: bool, gone_before: datetime | None) -> int:
    """Delivered notifications still holding their text: a request's copies once it is decided
    (and rows delivered before delivery stripped them). A dry run skips those it would delete."""
    stripped = 0
    query = select(OutboxMessage).where(OutboxMessage.status == OutboxStatus.sent)
    if gone_before:
        query = query.where(func.coalesce(OutboxMessage.sent_at, OutboxMessage.created_at) >= gone_before)
    for message in session.scalars(query.execution_options(yield_per=500)):
        if is_stripped(message.payload) or _copy_may_still_be_rewritten(session, message, now):
            continue
        stripped += 1
        if not dry_run:
            message.payload = delivered_payload(message.payload)
    return stripped


def _copy_may_still_be_rewritten(session, message: OutboxMessage, now: datetime) -> bool:
    kind = BY_NOTICE_KIND.get(message.kind)
    reference = (message.payload or {}).get("reference")
    if kind is None or not reference:
        return False
    request = session.scalar(select(kind.model).where(kind.model.reference == reference))
    if request is None:
        return False
    if request.status == RequestStatus.pending:
        return True
    return request.decided_at is not None and as_utc(request.decided_at) > now - DECISION_SETTLES
