"""Who receives what: the teams in the registry's contacts, and groups' organisers."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.core.errors import DomainError
from bot.core.models import Contact

TEAM_NAMES = {
    "dandi_service": "the D&I service team",
    "people": "the People team",
    "culture_happiness": "the Culture & Happiness team",
    "marketing": "the marketing team",
}


def sentence_start(text: str) -> str:
    """"the D&I service team" -> "The D&I service team" (str.capitalize would lower the rest)."""
    return text[:1].upper() + text[1:]


def contact(session: Session, team: str) -> Contact:
    found = session.scalar(select(Contact).where(Contact.team == team))
    if found is None:
        # A registry without this team is refused at import; this means a hand-edited database.
        raise DomainError(f"I don't know how to reach {TEAM_NAMES.get(team, team)} yet. "
                          "Please let the D&I service team know.")
    return found


def team_recipients(session: Session, team: str) -> list[str]:
    """The team's channel if it has one, else its people."""
    found = contact(session, team)
    return [found.slack_channel_id] if found.slack_channel_id else list(found.slack_user_ids or [])


def is_team_member(session: Session, team: str, slack_user_id: str) -> bool:
    return slack_user_id in (contact(session, team).slack_user_ids or [])


# Cases go to one of these two teams; if the reporter's exclusions leave one with nobody to
# handle it, to the other.
CASE_TEAMS = ("dandi_service", "people")


def other_case_team(team: str) -> str:
    return CASE_TEAMS[1] if team == CASE_TEAMS[0] else CASE_TEAMS[0]


def team_members(session: Session, team: str) -> list[str]:
    """The team's people (Slack user ids), never its channel: cases go to people one by one."""
    return list(contact(session, team).slack_user_ids or [])


def case_handlers(session: Session, team: str, excluded: set[str] | frozenset[str] = frozenset()) -> list[str]:
    """Who may be told about, open and act on a case routed to `team`: its members, less
    anyone the reporter said must not handle it."""
    return [member for member in team_members(session, team) if member not in excluded]


def case_roster(session: Session) -> dict[str, tuple[str, str]]:
    """Everyone who handles cases, by Slack user id: (name, team key). Names come from the
    registry's `members`; a member listed by id alone is matched by id only."""
    roster: dict[str, tuple[str, str]] = {}
    for team in CASE_TEAMS:
        found = contact(session, team)
        for user_id in found.slack_user_ids or []:
            roster.setdefault(user_id, ((found.member_names or {}).get(user_id, ""), team))
    return roster


def team_lead(session: Session, team: str) -> str | None:
    return contact(session, team).lead_slack_user_id


def teams_led_by(session: Session, user_id: str) -> list[str]:
    """The case teams this person leads."""
    return [team for team in CASE_TEAMS if team_lead(session, team) == user_id]
