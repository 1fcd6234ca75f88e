"""Deadlines on confidential cases (the EU Whistleblowing Directive's: acknowledge within 7
days, feedback within three months), run by the server's housekeeping.

- A case still unacknowledged `case_acknowledge_days` after it was raised: each eligible
  handler is reminded (`case_reminder`).
- `case_escalate_after_days` after that reminder: the routed team's lead is told
  (`case_escalation`), unless the reporter asked that the lead keep away from it; then the
  other case team's lead is.
- `case_feedback_days` after it was raised, a case not closed: the reporter hears how it
  stands, and its handlers that feedback is due (`case_feedback_due`).
- A case held `case_hold_days` with nobody else reporting the same person: its reporter is
  asked whether to send it, keep waiting or delete it (`case_held`, asking).

Each happens once per case, recorded on it. Notices carry the reference, category, age and
status: never what happened, and never who was kept away from it.
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import select

from bot.core import outbox, routing
from bot.core.db import UnitOfWork
from bot.core.models import Case, CaseStatus, as_utc
from bot.core.notices import (CaseEscalationNotice, CaseFeedbackDueNotice, CaseHeldNotice, CaseReminderNotice,
                              Notice)
from bot.core.settings import Settings
from bot.journeys.raise_issue import CATEGORIES, excluded_ids, reachable_in_slack, tell_of_news

log = logging.getLogger(__name__)

# Raised and not yet closed.
LIVE = (CaseStatus.open, CaseStatus.acknowledged, CaseStatus.in_progress, CaseStatus.waiting_for_reporter)


def nudge_cases(uow: UnitOfWork, settings: Settings, now: datetime | None = None) -> int:
    """Reminders, escalations and feedback that are due. Returns how many notices were queued."""
    now = now or uow.clock()
    queued = 0
    with uow:
        session = uow.session
        for case in session.scalars(select(Case).where(Case.status.in_(LIVE), Case.submitted_at.is_not(None))
                                    .order_by(Case.id)).all():
            age = now - as_utc(case.submitted_at)
            fields = dict(reference=case.reference, category=CATEGORIES.get(case.category or "other",
                                                                           CATEGORIES["other"]), days=age.days)
            excluded = excluded_ids(case, uow.cipher)
            handlers = routing.case_handlers(session, case.routed_to, excluded)
            if case.status == CaseStatus.open and settings.case_acknowledge_days:
                if case.reminded_at is None and age >= timedelta(days=settings.case_acknowledge_days):
                    for handler in handlers:
                        queued += _notify(session, f"case_reminder:{case.reference}:{handler}",
                                          CaseReminderNotice(**fields), handler)
                    case.reminded_at = now
                if (case.reminded_at is not None and case.escalated_at is None
                        and now - as_utc(case.reminded_at) >= timedelta(days=settings.case_escalate_after_days)):
                    lead = _lead(session, case.routed_to, excluded)
                    if lead is None:
                        log.warning("Case %s waits unacknowledged and no team lead may be told", case.id)
                    else:
                        queued += _notify(session, f"case_escalation:{case.reference}:{lead}",
                                          CaseEscalationNotice(team=routing.TEAM_NAMES[case.routed_to], **fields), lead)
                    case.escalated_at = now
            if (settings.case_feedback_days and case.feedback_due_sent_at is None
                    and age >= timedelta(days=settings.case_feedback_days)):
                status = case.status.value
                reporter = case.reporter_slack_id or ""
                told = bool(reporter) and not reporter.startswith("rest:")  # REST ids are no Slack user to DM
                if case.anonymous:
                    told = tell_of_news(uow, case)
                elif told:
                    queued += _notify(session, f"case_feedback_due:{case.reference}:reporter", CaseFeedbackDueNotice(
                        audience="reporter", status=status, team=routing.TEAM_NAMES[case.routed_to], **fields), reporter)
                # The handler looking after it, else everyone who may.
                looking_after = [case.assignee_slack_id] if case.assignee_slack_id in handlers else handlers
                for handler in looking_after:
                    queued += _notify(session, f"case_feedback_due:{case.reference}:{handler}", CaseFeedbackDueNotice(
                        audience="handler", status=status, reporter_told=told, **fields), handler)
                case.feedback_due_sent_at = now
        queued += _ask_about_long_held(uow, settings, now)
        uow.commit()
    return queued


def _ask_about_long_held(uow: UnitOfWork, settings: Settings, now: datetime) -> int:
    """A case held CASE_HOLD_DAYS with nobody else reporting the same person: its reporter is
    asked, once, whether to send it, keep waiting or delete it (an anonymous one by their code,
    and told there's news if they asked to be)."""
    if not settings.case_hold_days:
        return 0
    queued = 0
    for case in uow.session.scalars(select(Case).where(
            Case.status == CaseStatus.held, Case.hold_asked_at.is_(None),
            Case.held_at < now - timedelta(days=settings.case_hold_days))).all():
        if case.anonymous:
            queued += int(tell_of_news(uow, case))
        elif reachable_in_slack(case.reporter_slack_id):
            # (a new key each time it is held again: "keep waiting" is asked about once more)
            queued += _notify(uow.session, f"case_hold_ended:{case.reference}:{as_utc(case.held_at):%Y%m%dT%H%M%S%f}",
                              CaseHeldNotice(
                reference=case.reference, team=routing.TEAM_NAMES[case.routed_to], hold_days=settings.case_hold_days,
                asking=True, delete_after_days=settings.retain_closed_cases_days), case.reporter_slack_id)
        case.hold_asked_at = now
    return queued


def _lead(session, team: str, excluded: set[str]) -> str | None:
    """The routed team's lead, or the other case team's when the reporter kept theirs away."""
    for candidate_team in (team, routing.other_case_team(team)):
        lead = routing.team_lead(session, candidate_team)
        if lead and lead not in excluded:
            return lead
    return None


def _notify(session, key: str, notice: Notice, recipient: str) -> int:
    message = outbox.notify(session, notice, key=key, recipient=recipient)
    return int(message.id is None)  # new (not yet flushed), not an earlier one found by its key
