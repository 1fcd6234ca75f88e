"""Raise an issue confidentially, for yourself or as a group's nominated person on someone
else's behalf.

The narrative is handed over the moment it is typed (`save_draft`) and stored encrypted as
a draft case; the conversation keeps only the draft's id. Submitting turns the draft into a
case with a reference and routes a notice (reference and category only, never the
narrative) to the chosen team. Stopping discards the draft.
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, select

from bot.core import audit, crypto, outbox, routing
from bot.core.db import UnitOfWork
from bot.core.errors import InvalidInput, NotFound
from bot.core.models import Case, CaseStatus, utcnow
from bot.core.references import new_reference
from bot.core.settings import load_settings

CATEGORIES = {
    "discrimination": "Discrimination or harassment",
    "behaviour": "Someone's behaviour in a group",
    "wellbeing": "Wellbeing or safety",
    "accessibility": "Accessibility or adjustments",
    "group_running": "How a group is run",
    "other": "Something else",
}
ROUTES = ("dandi_service", "people")
NARRATIVE_MAX_CHARS = 10_000
DRAFT_LIFETIME = timedelta(days=1)


@dataclass(frozen=True)
class CaseReceipt:
    reference: str
    team_name: str
    acknowledge_within: str


def save_draft(narrative: str, uow: UnitOfWork) -> str:
    """Store what happened, encrypted, as a draft. Returns the draft's id (not the text)."""
    narrative = (narrative or "").strip()
    if len(narrative) < 10:
        raise InvalidInput("Could you tell me a little more about what happened? A few sentences is fine.")
    if len(narrative) > NARRATIVE_MAX_CHARS:
        raise InvalidInput(f"That's longer than I can take in one message ({NARRATIVE_MAX_CHARS:,} characters). "
                           "Could you shorten it? The team can ask for more detail when they get in touch.")
    draft_id = "draft-" + secrets.token_urlsafe(9)  # fits the reference column
    with uow:
        uow.session.add(Case(reference=draft_id, status=CaseStatus.draft, narrative_ciphertext=crypto.encrypt(narrative)))
        uow.commit()
    return draft_id


def discard_draft(draft_id: str, uow: UnitOfWork) -> None:
    with uow:
        uow.session.execute(delete(Case).where(Case.reference == draft_id, Case.status == CaseStatus.draft))
        uow.commit()


def purge_stale_drafts(uow: UnitOfWork) -> int:
    """Drafts never submitted (a conversation abandoned mid-way) are removed after a day."""
    with uow:
        result = uow.session.execute(delete(Case).where(
            Case.status == CaseStatus.draft, Case.created_at < utcnow() - DRAFT_LIFETIME))
        uow.commit()
        return result.rowcount


def submit_case(draft_id: str, reporter_id: str, *, on_behalf: bool, consented: bool | None,
                may_be_named: bool | None, category: str, excluded: str | None, route_to: str,
                uow: UnitOfWork) -> CaseReceipt:
    if category not in CATEGORIES:
        raise InvalidInput("Please pick one of the categories.")
    if route_to not in ROUTES:
        raise InvalidInput("Cases go to the D&I service team or the People team.")
    if on_behalf and not consented:
        raise InvalidInput("I can only raise this on someone's behalf once they've agreed to it being raised.")
    with uow:
        session = uow.session
        case = session.scalar(select(Case).where(Case.reference == draft_id, Case.status == CaseStatus.draft))
        if case is None:
            raise NotFound("I've lost track of what you told me, sorry: it may have expired. "
                           "Could we start again? Nothing has been sent.")
        case.reference = new_reference("CASE")
        case.status = CaseStatus.open
        case.reporter_slack_id = reporter_id
        case.on_behalf = on_behalf
        case.affected_person_consented = consented if on_behalf else None
        case.affected_person_may_be_named = may_be_named if on_behalf else None
        case.category = category
        excluded = " ".join((excluded or "").split())
        case.excluded_ciphertext = crypto.encrypt(excluded) if excluded else None
        case.routed_to = route_to
        acknowledge_within = load_settings().case_acknowledge_within
        # The notice carries the reference and category only; the narrative stays encrypted.
        for recipient in routing.team_recipients(session, route_to):
            outbox.notify(session, key=f"case:{case.reference}:{recipient}", kind="case_notice",
                          recipient=recipient, reference=case.reference, category=CATEGORIES[category],
                          acknowledge_within=acknowledge_within)
        audit.record(session, reporter_id, "raised_case", "case", case.reference, category=category)
        receipt = CaseReceipt(case.reference, routing.TEAM_NAMES[route_to], acknowledge_within)
        uow.commit()
        return receipt
