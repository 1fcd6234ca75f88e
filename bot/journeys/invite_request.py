"""Request an invite to a closed group, and the organisers' decision on it.

Privacy (design.md): a request holds requester, group, status, dates and an optional note;
only that group's organisers see it. Criteria are self-attested: the requester confirms them,
nobody asks for proof.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from bot.core import audit, outbox, routing
from bot.core.db import UnitOfWork
from bot.core.decisions import pending_request
from bot.core.errors import AlreadyDone, InvalidInput
from bot.core.models import GroupType, InviteRequest, Membership, MembershipStatus, RequestStatus, as_utc
from bot.core.notices import InviteDecisionNotice, InviteEscalationNotice, InviteNudgeNotice, InviteRequestNotice
from bot.core.references import new_reference
from bot.core.settings import Settings
from bot.journeys.join_group import active_group

NOTE_MAX_CHARS = 500
# This kind in bot.journeys.decidable: its reference prefix, and the outbox kind of its copies.
PREFIX, NOTICE_KIND = "INV", InviteRequestNotice.kind


@dataclass(frozen=True)
class InviteRequestView:
    reference: str
    group_name: str
    status: str
    created_at: datetime


def _pending(session, group_id: int, user_id: str) -> InviteRequest | None:
    return session.scalar(select(InviteRequest).where(
        InviteRequest.group_id == group_id, InviteRequest.requester_slack_id == user_id,
        InviteRequest.status == RequestStatus.pending))


def request_invite(user_id: str, group_slug: str, *, criteria_confirmed: bool, note: str | None,
                   uow: UnitOfWork) -> InviteRequestView:
    """Create the request and route it to every organiser. A second request while one is
    pending raises AlreadyDone with the pending reference."""
    if not criteria_confirmed:
        raise InvalidInput("Invites to this group are for people who meet its criteria, so I haven't sent a request.")
    note = " ".join((note or "").split()) or None
    if note and len(note) > NOTE_MAX_CHARS:
        raise InvalidInput(f"Your note is a bit long for the organisers: please keep it under {NOTE_MAX_CHARS} characters.")
    with uow:
        session = uow.session
        group = active_group(session, group_slug)
        if group.type == GroupType.open:
            raise InvalidInput(f"{group.name} is an open group, so you don't need an invite: you can just join.")
        pending = _pending(session, group.id, user_id)
        if pending is not None:
            raise AlreadyDone(f"You already have a request for {group.name} waiting with its organisers "
                              f"(reference {pending.reference}). I'll let you know when they reply.", pending.reference)
        if session.scalar(select(Membership).where(Membership.group_id == group.id, Membership.slack_user_id == user_id,
                                                   Membership.closed_part.is_(True))):
            raise AlreadyDone(f"You're already a member of {group.name}.")
        request = InviteRequest(reference=new_reference(PREFIX), group_id=group.id, requester_slack_id=user_id,
                                note=note)
        session.add(request)
        session.flush()
        for organiser in group.organisers:
            outbox.notify(session, InviteRequestNotice(reference=request.reference, group=group.name,
                                                       group_slug=group.slug, requester=user_id, note=note),
                          key=outbox.copy_key(NOTICE_KIND, request.reference, organiser.slack_user_id),
                          recipient=organiser.slack_user_id)
        audit.record(session, user_id, "requested_invite", "invite_request", request.reference, group=group.slug)
        view = InviteRequestView(request.reference, group.name, request.status.value, request.created_at)
        uow.commit()
        return view


def organiser_may_decide(session, request: InviteRequest, actor_id: str) -> bool:
    return actor_id in {o.slack_user_id for o in request.group.organisers}


def pending_invite(session, reference: str, organiser_id: str) -> InviteRequest:
    return pending_request(session, InviteRequest, reference, organiser_id, noun="an invite request",
                           may_decide=organiser_may_decide,
                           refusal=lambda r: f"Only the organisers of {r.group.name} can decide on this request.")


def _decide(reference: str, organiser_id: str, approve: bool, reason: str | None, uow: UnitOfWork) -> InviteRequestView:
    with uow:
        session = uow.session
        request = pending_invite(session, reference, organiser_id)
        group = request.group
        request.status = RequestStatus.approved if approve else RequestStatus.declined
        request.decided_by, request.decided_at = organiser_id, uow.clock()
        request.reason = " ".join((reason or "").split()) or None
        if approve:
            session.add(Membership(group_id=group.id, slack_user_id=request.requester_slack_id, closed_part=True,
                                   status=MembershipStatus.inviting))
            channel = group.closed_slack_channel_id if group.type == GroupType.both else group.slack_channel_id
            if channel:
                outbox.invite_to_channel(session, key=f"invite:{request.reference}", channel_id=channel,
                                         user_id=request.requester_slack_id)
        outbox.notify(session, InviteDecisionNotice(reference=request.reference, group=group.name, approved=approve,
                                                    reason=request.reason),
                      key=f"invite_decision:{request.reference}", recipient=request.requester_slack_id)
        audit.record(session, organiser_id, "approved_invite" if approve else "declined_invite", "invite_request",
                     request.reference)
        view = InviteRequestView(request.reference, group.name, request.status.value, request.created_at)
        uow.commit()
        return view


def approve_invite(reference: str, organiser_id: str, uow: UnitOfWork, reason: str | None = None) -> InviteRequestView:
    return _decide(reference, organiser_id, True, reason, uow)


def decline_invite(reference: str, organiser_id: str, uow: UnitOfWork, reason: str | None = None) -> InviteRequestView:
    return _decide(reference, organiser_id, False, reason, uow)


def nudge_waiting_invites(uow: UnitOfWork, settings: Settings, now: datetime | None = None) -> int:
    """Remind organisers of requests waiting `invite_nudge_after_days`; after
    `invite_escalate_after_days`,
    ask the D&I service team to check in (without saying who is waiting). Each happens once
    per request, recorded on it. Returns how many notices were queued."""
    now = now or uow.clock()
    queued = 0
    with uow:
        session = uow.session
        waiting = session.scalars(select(InviteRequest).where(
            InviteRequest.status == RequestStatus.pending, InviteRequest.escalated_at.is_(None),
            InviteRequest.created_at <= now - timedelta(days=settings.invite_nudge_after_days))).all()
        for request in waiting:
            created = as_utc(request.created_at)
            days, group = (now - created).days, request.group
            if request.reminded_at is None:
                for organiser in group.organisers:
                    message = outbox.notify(session, InviteNudgeNotice(
                        reference=request.reference, requester=request.requester_slack_id, group=group.name, days=days),
                        key=f"invite_nudge:{request.reference}:{organiser.slack_user_id}",
                        recipient=organiser.slack_user_id)
                    queued += message.id is None
                request.reminded_at = now
            if created <= now - timedelta(days=settings.invite_escalate_after_days):
                for recipient in routing.team_recipients(session, "dandi_service"):
                    message = outbox.notify(session, InviteEscalationNotice(
                        reference=request.reference, group=group.name, days=days),
                        key=f"invite_escalation:{request.reference}:{recipient}", recipient=recipient)
                    queued += message.id is None
                request.escalated_at = now
        uow.commit()
    return queued
