"""What waits for a person: their own requests, the invite requests waiting for them as an
organiser, for the D&I service team the proposals pending (a count), and for anyone who
handles cases the cases they may handle (never one they were kept away from), and for a case
team's lead, the team's cases and how they are going (counts only)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from bot.core import routing
from bot.core.models import Group, GroupProposal, InviteRequest, Organiser, RequestStatus
from bot.journeys.case_figures import CaseFigures, case_figures
from bot.journeys.check_status import StatusView, my_requests
from bot.journeys.find_group import GroupView, list_groups_of_type
from bot.journeys.handle_case import CaseLine, TeamCaseLine, cases_for, team_cases_for


@dataclass(frozen=True)
class WaitingInvite:
    reference: str
    requester: str  # Slack user id
    group: str
    since: datetime


@dataclass(frozen=True)
class TeamCounts:
    pending_proposals: int


@dataclass(frozen=True)
class Overview:
    groups: list[GroupView]
    mine: list[StatusView]
    waiting_as_organiser: list[WaitingInvite]
    team: TeamCounts | None  # only for the D&I service team
    cases: list[CaseLine]  # only for the people who handle cases; empty for everyone else
    team_cases: list[TeamCaseLine]  # only for a case team's lead: deadlines kept, nothing of what happened
    figures: CaseFigures | None = None  # only for a case team's lead: counts, small ones suppressed


def overview_for(user_id: str, uow_factory) -> Overview:
    groups = list_groups_of_type(None, uow_factory())
    mine = my_requests(user_id, uow_factory())[:15]
    with uow_factory() as uow:
        session = uow.session
        waiting = [WaitingInvite(r.reference, r.requester_slack_id, r.group.name, r.created_at)
                   for r in session.scalars(
                       select(InviteRequest).join(Group).join(Organiser, Organiser.group_id == Group.id)
                       .where(Organiser.slack_user_id == user_id, InviteRequest.status == RequestStatus.pending)
                       .order_by(InviteRequest.created_at))]
        led = routing.teams_led_by(session, user_id)
        team = None
        if routing.is_team_member(session, "dandi_service", user_id):
            team = TeamCounts(
                pending_proposals=session.scalar(select(func.count()).select_from(GroupProposal)
                                                 .where(GroupProposal.status == RequestStatus.pending)))
    return Overview(groups, mine, waiting, team, cases_for(user_id, uow_factory()),
                    team_cases_for(user_id, uow_factory()), case_figures(uow_factory(), led) if led else None)
