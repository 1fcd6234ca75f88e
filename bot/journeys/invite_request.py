"""Request an invite to a closed group, and the organisers' decision on it.

Privacy (design.md): a request holds requester, group, status, dates and an optional note;
only that group's organisers see it. Criteria are self-attested: the requester confirms them,
nobody asks for proof.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from bot.core import audit
from bot.core import outbox
from bot.core.db import UnitOfWork
from bot.core.errors import AlreadyDone, InvalidInput, NotFound, PermissionDenied
from bot.journeys.join_group import active_group
from bot.core.models import GroupType, InviteRequest, Membership, MembershipStatus, RequestStatus, utcnow
from bot.core.references import new_reference
from bot.slack.markup import escape_mrkdwn

NOTE_MAX_CHARS = 500


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
        request = InviteRequest(reference=new_reference("INV"), group_id=group.id, requester_slack_id=user_id,
                                note=note)
        session.add(request)
        session.flush()
        lines = [f"<@{user_id}> would like to join *{escape_mrkdwn(group.name)}* and confirms they meet its criteria.",
                 f"Reference: {request.reference}"]
        if note:
            lines.append(f"Their note: {escape_mrkdwn(note)}")
        for organiser in group.organisers:
            outbox.notify(session, key=f"invite_request:{request.reference}:{organiser.slack_user_id}",
                          kind="invite_request", recipient=organiser.slack_user_id, text="\n".join(lines),
                          reference=request.reference, group=group.slug, requester=user_id)
        audit.record(session, user_id, "requested_invite", "invite_request", request.reference, group=group.slug)
        view = InviteRequestView(request.reference, group.name, request.status.value, request.created_at)
        uow.commit()
        return view


def _decidable(session, reference: str, organiser_id: str) -> InviteRequest:
    request = session.scalar(select(InviteRequest).where(InviteRequest.reference == reference.upper()))
    if request is None:
        raise NotFound(f"I couldn't find an invite request {reference}.")
    group = request.group
    if organiser_id not in {o.slack_user_id for o in group.organisers}:
        raise PermissionDenied(f"Only the organisers of {escape_mrkdwn(group.name)} can decide on this request.")
    if request.status != RequestStatus.pending:
        who = f"<@{request.decided_by}>" if request.decided_by else "someone"
        raise AlreadyDone(f"This request was already {request.status.value} by {who}.", request.reference)
    return request


def check_invite_decider(reference: str, organiser_id: str, uow: UnitOfWork) -> None:
    """Raises what deciding would raise, before a decline form is opened for nothing."""
    with uow:
        _decidable(uow.session, reference, organiser_id)


def _decide(reference: str, organiser_id: str, approve: bool, reason: str | None, uow: UnitOfWork) -> InviteRequestView:
    with uow:
        session = uow.session
        request = _decidable(session, reference, organiser_id)
        group = request.group
        request.status = RequestStatus.approved if approve else RequestStatus.declined
        request.decided_by, request.decided_at = organiser_id, utcnow()
        request.reason = " ".join((reason or "").split()) or None
        if approve:
            session.add(Membership(group_id=group.id, slack_user_id=request.requester_slack_id, closed_part=True,
                                   status=MembershipStatus.inviting))
            channel = group.closed_slack_channel_id if group.type == GroupType.both else group.slack_channel_id
            if channel:
                outbox.invite_to_channel(session, key=f"invite:{request.reference}", channel_id=channel,
                                         user_id=request.requester_slack_id)
            text = f"Good news: your request to join *{escape_mrkdwn(group.name)}* ({request.reference}) was approved. " \
                   "You'll be added to its channel shortly."
        else:
            text = f"The organisers of *{escape_mrkdwn(group.name)}* weren't able to accept your request " \
                   f"({request.reference})."
            text += f" They said: {escape_mrkdwn(request.reason)}" if request.reason else ""
            text += " If you'd like to talk it through, the D&I service team is happy to help."
        outbox.notify(session, key=f"invite_decision:{request.reference}", kind="invite_decision",
                      recipient=request.requester_slack_id, text=text, reference=request.reference)
        audit.record(session, organiser_id, "approved_invite" if approve else "declined_invite", "invite_request",
                     request.reference)
        view = InviteRequestView(request.reference, group.name, request.status.value, request.created_at)
        uow.commit()
        return view


def approve_invite(reference: str, organiser_id: str, uow: UnitOfWork, reason: str | None = None) -> InviteRequestView:
    return _decide(reference, organiser_id, True, reason, uow)


def decline_invite(reference: str, organiser_id: str, uow: UnitOfWork, reason: str | None = None) -> InviteRequestView:
    return _decide(reference, organiser_id, False, reason, uow)
