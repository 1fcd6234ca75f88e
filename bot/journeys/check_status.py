"""Check on a request: by reference, or everything the person has raised.

Only the person who made a request sees it here; anyone else gets the same "not found",
so a reference reveals nothing about someone else's request."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from bot.core import routing
from bot.core.db import UnitOfWork
from bot.core.errors import NotFound
from bot.core.models import Case, CaseStatus
from bot.core.references import normalise_reference
from bot.journeys.decidable import BY_PREFIX, DECIDABLE, Decidable

STATUS_WORDS = {
    "pending": "waiting for a decision", "approved": "approved", "declined": "declined",
    "cancelled": "cancelled", "done": "done", "closed": "closed",
}
# A case's status, in plain words, with the team that has it; never what it is about.
CASE_STATUS_WORDS = {
    CaseStatus.open: "received by {team}, waiting to be picked up",
    CaseStatus.acknowledged: "acknowledged by {team}",
    CaseStatus.in_progress: "being looked into by {team}",
    CaseStatus.waiting_for_reporter: "{team} would like to hear from you",
    CaseStatus.closed: "closed",
    CaseStatus.held: "held, seen by nobody, until someone else reports the same person; then it goes to {team}",
}


@dataclass(frozen=True)
class StatusView:
    reference: str
    what: str
    status: str
    created_at: datetime
    decided_at: datetime | None
    reason: str | None = None
    # The status in words, where the kind says it its own way (cases).
    status_words: str | None = None

    def line(self) -> str:
        when = self.created_at.strftime("%-d %b %Y")
        words = self.status_words or STATUS_WORDS.get(self.status, self.status)
        text = f"{self.reference}: {self.what}, {words} (raised {when})"
        return text + (f". Reason given: {self.reason}" if self.reason else "")


def _rows(session, user_id: str):
    for kind in DECIDABLE.values():
        yield from _rows_of(session, kind, user_id)
    yield from _case_rows(session, user_id)


def _rows_of(session, kind: Decidable, user_id: str):
    for r in session.scalars(select(kind.model).where(getattr(kind.model, kind.requester_column) == user_id)):
        yield StatusView(r.reference, kind.describe(r), r.status.value, r.created_at, r.decided_at, r.reason)


def _case_rows(session, user_id: str):
    for c in session.scalars(select(Case).where(Case.reporter_slack_id == user_id, Case.status != CaseStatus.draft)):
        team = routing.TEAM_NAMES.get(c.routed_to, "the D&I service team")
        words = CASE_STATUS_WORDS.get(c.status, "received").format(team=team)
        yield StatusView(c.reference, "confidential case", c.status.value, c.submitted_at or c.held_at or c.created_at,
                         c.closed_at, status_words=words)


def my_requests(user_id: str, uow: UnitOfWork) -> list[StatusView]:
    with uow:
        return sorted(_rows(uow.session, user_id), key=lambda v: v.created_at, reverse=True)


def status_of(reference_text: str, user_id: str, uow: UnitOfWork) -> StatusView:
    reference = normalise_reference(reference_text)
    if reference is None:
        raise NotFound("That doesn't look like one of my references. They look like INV-7K3Q2M.")
    kind = BY_PREFIX.get(reference.split("-")[0])
    with uow:
        rows = _rows_of(uow.session, kind, user_id) if kind else _case_rows(uow.session, user_id)
        for view in rows:
            if view.reference == reference:
                return view
    raise NotFound(f"I couldn't find {reference} among your requests. Check the code, or say "
                   "\"my requests\" to see them all.")
