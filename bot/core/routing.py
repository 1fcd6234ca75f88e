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
