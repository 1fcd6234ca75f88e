"""What a person sees in Slack outside the conversation: the App Home tab, the welcome
message for new members (the policy shares the list of groups during onboarding), and the
nudges for invite requests left waiting."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select

from bot.core import outbox
from bot.core import routing
from bot.journeys.check_status import my_requests
from bot.core.db import UnitOfWork
from bot.journeys.find_group import list_groups_of_type
from bot.core.models import (Case, CaseStatus, Group, GroupProposal, InviteRequest, Organiser, RequestStatus, as_utc,
                        utcnow)
from bot.core.settings import Settings
from bot.slack.blocks import home_view, welcome_blocks
from bot.slack.markup import escape_mrkdwn


def home_for(user_id: str, uow_factory) -> dict:
    groups = list_groups_of_type(None, uow_factory())
    mine = [f"• {escape_mrkdwn(view.line())}" for view in my_requests(user_id, uow_factory())[:15]]
    with uow_factory() as uow:
        session = uow.session
        waiting = session.scalars(
            select(InviteRequest).join(Group).join(Organiser, Organiser.group_id == Group.id)
            .where(Organiser.slack_user_id == user_id, InviteRequest.status == RequestStatus.pending)
            .order_by(InviteRequest.created_at)).all()
        organiser_lines = [f"• {r.reference}: <@{r.requester_slack_id}> would like to join "
                           f"*{escape_mrkdwn(r.group.name)}* (since {r.created_at:%-d %b}). "
                           "The Approve and Decline buttons are in my message to you." for r in waiting]
        team_lines = []
        if routing.is_team_member(session, "dandi_service", user_id):
            proposals = session.scalar(select(func.count()).select_from(GroupProposal)
                                       .where(GroupProposal.status == RequestStatus.pending))
            cases = session.scalar(select(func.count()).select_from(Case)
                                   .where(Case.status.in_([CaseStatus.open, CaseStatus.in_review]),
                                          Case.routed_to == "dandi_service"))
            team_lines = [f"• Group proposals waiting for a decision: *{proposals}*",
                          f"• Open cases with the D&I service team: *{cases}* (details stay in the case system, never here)"]
    return home_view(groups=groups, my_lines=mine, organiser_lines=organiser_lines, team_lines=team_lines)


def welcome(user_ids: list[str], uow: UnitOfWork) -> list[str]:
    """Queue the welcome DM for each user; someone already welcomed is not welcomed twice.
    Returns the users newly queued."""
    groups = list_groups_of_type(None, uow)
    text, blocks = welcome_blocks(groups)
    queued = []
    with uow:
        for user_id in dict.fromkeys(u.strip() for u in user_ids if u and u.strip()):
            message = outbox.notify(uow.session, key=f"welcome:{user_id}", kind="welcome", recipient=user_id,
                                    text=text, blocks=blocks)
            if message.id is None:
                queued.append(user_id)
        uow.commit()
    return queued


def nudge_waiting_invites(uow: UnitOfWork, settings: Settings, now: datetime | None = None) -> int:
    """Remind organisers of invite requests waiting `invite_nudge_after_days`; after
    `invite_escalate_after_days`, tell the D&I service team. Each happens once per request."""
    now = now or utcnow()
    queued = 0
    with uow:
        session = uow.session
        nudge_before = now - timedelta(days=settings.invite_nudge_after_days)
        escalate_before = now - timedelta(days=settings.invite_escalate_after_days)
        for request in session.scalars(select(InviteRequest).where(InviteRequest.status == RequestStatus.pending,
                                                                   InviteRequest.created_at <= nudge_before)):
            created = as_utc(request.created_at)
            days = (now - created).days
            group = request.group
            for organiser in group.organisers:
                message = outbox.notify(
                    session, key=f"invite_nudge:{request.reference}:{organiser.slack_user_id}", kind="invite_nudge",
                    recipient=organiser.slack_user_id, reference=request.reference,
                    text=f"A gentle reminder: <@{request.requester_slack_id}> has been waiting {days} days to join "
                         f"*{escape_mrkdwn(group.name)}* ({request.reference}). The Approve and Decline buttons "
                         "are in my earlier message.")
                queued += message.id is None
            if created <= escalate_before:
                for recipient in routing.team_recipients(session, "dandi_service"):
                    message = outbox.notify(
                        session, key=f"invite_escalation:{request.reference}:{recipient}", kind="invite_escalation",
                        recipient=recipient, reference=request.reference,
                        text=f"An invite request for *{escape_mrkdwn(group.name)}* ({request.reference}) has waited "
                             f"{days} days without a decision from its organisers. Could someone check in with them?")
                    queued += message.id is None
        uow.commit()
    return queued
