"""A confidential case, from the side of the person who raised it, once it is sent: reading
where it stands and the team's messages, writing back or adding something new, and
withdrawing it.

Only the person who raised a case can do any of this, checked at every step; anyone else
gets the same answer whether the case exists or not. What they write is stored encrypted in
the case's thread (like the handlers' notes) and never passes through the conversation:
in Slack it is typed into a modal (bot.slack.handle_case). Each handler of the case is told
that there is something new, never what; every message and the withdrawal are audit-logged
without content. A withdrawn case is closed, with "withdrawn" as its outcome, so it is kept
and purged like any closed case, and its handlers can reopen it if the person asks them to.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select

from bot.core import audit, outbox, receipts, routing
from bot.core.db import UnitOfWork
from bot.core.errors import AlreadyDone, InvalidInput, NotFound
from bot.core.models import Case, CaseMessage, CaseStatus, ReceiptAttempt, as_utc
from bot.core.notices import CaseReporterNotice
from bot.core.references import normalise_reference
from bot.journeys.handle_case import STATUS_LABELS, check_message, repeats
from bot.journeys.raise_issue import CATEGORIES, eligible_handlers, kept_time, release_case, reporter_of

# The outcome a withdrawn case is closed with (the handlers see it; the reporter is told so).
WITHDRAWN_OUTCOME = "Withdrawn by the person who raised it."
# One answer for "no such case" and "not yours".
NOT_YOURS = "I couldn't find a case of yours with that reference."
# One answer for a receipt code that matches nothing, or a withdrawn or purged case.
CODE_NOT_MATCHED = ("That code doesn't match a case I can show you. Please check it and try again: spaces, dashes "
                    "and capitals don't matter.")
TOO_MANY_CODES = ("That's several codes that didn't match, so I've paused checking for a while. Please try again "
                  "in an hour; if you've lost your code, the D&I service team or the People team can still help.")
# What the person who raised a closed case is told when they try to add to it.
CLOSED_TO_MORE = ("is closed, so nothing more can be added. If something new has happened, you can raise it again, "
                  "or talk to the D&I service team or the People team.")


@dataclass(frozen=True)
class ThreadLine:
    from_reporter: bool
    at: datetime
    text: str


@dataclass(frozen=True)
class ReporterView:
    """A case as the person who raised it sees it: where it stands and the thread. Holds the
    decrypted messages: for the modal only."""

    reference: str
    status_label: str
    team_name: str
    closed: bool
    held: bool
    raised_at: datetime
    outcome: str  # a closed case's, else ""
    thread: tuple[ThreadLine, ...]


def _own_case(uow: UnitOfWork, reference: str, reporter_id: str | None, *, lock: bool = False) -> Case:
    """The case, if `reporter_id` raised it; `reporter_id` None: its code was shown (an anonymous
    case, and the reference comes from a window sealed when the code matched: see `by_code`)."""
    wanted = normalise_reference(reference or "")
    query = select(Case).where(Case.reference == wanted, Case.status != CaseStatus.draft)
    case = uow.session.scalar(query.with_for_update() if lock else query) if wanted else None
    if reporter_id is None:
        if case is None or not case.anonymous:
            raise NotFound(CODE_NOT_MATCHED)
        if _withdrawn(case, uow):  # (the code no longer opens it; a window opened before may say so)
            raise AlreadyDone("This case has been withdrawn, so nothing more can be added.", reference=case.reference)
        return case
    if case is None or case.anonymous or case.reporter_slack_id != reporter_id:
        if case is not None:  # someone else's: who tried, and which (as a handler's refusal is kept)
            audit.record(uow.session, reporter_id or "unknown", "refused_case", "case", case.reference,
                         attempted="reporter")
            uow.commit()
        raise NotFound(NOT_YOURS)
    return case


def _withdrawn(case: Case, uow: UnitOfWork) -> bool:
    return case.status == CaseStatus.closed and case.outcome_ciphertext is not None and \
        uow.cipher.decrypt(case.outcome_ciphertext) == WITHDRAWN_OUTCOME


def by_code(typed: str, who: str, uow: UnitOfWork) -> str:
    """The reference of the anonymous case a receipt code belongs to, for the window that shows
    it (sealed there, never said through the conversation). A wrong code, a withdrawn or purged
    case's, one typed after too many wrong ones in the last hour, all get the same answer; `who`
    (the Slack user trying) is kept only as a keyed hash, and only for a wrong code."""
    with uow:
        secret = receipts.deployment_secret(uow)
        now, tried_by = uow.clock(), receipts.keyed(who, secret)
        uow.session.execute(delete(ReceiptAttempt).where(ReceiptAttempt.at < now - receipts.ATTEMPT_WINDOW))
        wrong = uow.session.scalar(select(func.count()).select_from(ReceiptAttempt).where(
            ReceiptAttempt.who == tried_by))
        if wrong >= receipts.ATTEMPTS_ALLOWED:
            uow.commit()
            raise NotFound(TOO_MANY_CODES)
        code = receipts.normalise(typed)
        case = uow.session.scalar(select(Case).where(
            Case.receipt_hash == receipts.code_hash(code, secret), Case.anonymous.is_(True))) if code else None
        if case is None or _withdrawn(case, uow):
            uow.session.add(ReceiptAttempt(who=tried_by, at=now))
            uow.commit()
            raise NotFound(TOO_MANY_CODES if wrong + 1 >= receipts.ATTEMPTS_ALLOWED else CODE_NOT_MATCHED)
        uow.commit()
        return case.reference


def _closed(case: Case) -> AlreadyDone:
    return AlreadyDone(f"{case.reference} {CLOSED_TO_MORE}", reference=case.reference)


def reporter_view(reference: str, reporter_id: str | None, uow: UnitOfWork) -> ReporterView:
    with uow:
        case = _own_case(uow, reference, reporter_id)
        return ReporterView(
            case.reference, STATUS_LABELS[case.status], routing.TEAM_NAMES[case.routed_to],
            case.status == CaseStatus.closed, case.status == CaseStatus.held,
            as_utc(case.submitted_at or case.held_at or case.created_at),
            uow.cipher.decrypt(case.outcome_ciphertext) if case.status == CaseStatus.closed
            and case.outcome_ciphertext is not None else "",
            tuple(ThreadLine(m.from_reporter, as_utc(m.created_at), uow.cipher.decrypt(m.body_ciphertext))
                  for m in case.messages))


def write_to_case(reference: str, reporter_id: str | None, text: str, uow: UnitOfWork) -> str:
    """A reply to the team, or something added later: kept encrypted in the thread, each
    handler told there is something new. Returns the team's name. The same text sent twice in
    a row (a double submission) is kept once."""
    text = check_message(text)
    if not text:
        raise InvalidInput("There's nothing to send yet.")
    with uow:
        case = _own_case(uow, reference, reporter_id, lock=True)
        if case.status == CaseStatus.closed:
            raise _closed(case)
        team = routing.TEAM_NAMES[case.routed_to]
        if repeats(case.messages, None, text, uow.cipher):  # (the reporter's have no author)
            return team
        case.messages.append(CaseMessage(from_reporter=True, body_ciphertext=uow.cipher.encrypt(text)))
        audit.record(uow.session, reporter_id or receipts.ANONYMOUS, "reporter_wrote", "case", case.reference)
        if case.status != CaseStatus.held:  # (a held case's team reads it once it goes to them)
            _tell_handlers(uow, case, "replied", key=f"{len(case.messages)}")
        uow.commit()
        return team


def withdraw_case(reference: str, reporter_id: str | None, uow: UnitOfWork) -> str:
    """The person who raised it no longer wants it pursued: closed, its handlers told. Returns
    the team's name. Raises AlreadyDone once it is closed."""
    with uow:
        case = _own_case(uow, reference, reporter_id, lock=True)
        if case.status == CaseStatus.closed:
            raise AlreadyDone(f"{case.reference} is already closed.", reference=case.reference)
        if case.status == CaseStatus.held:
            raise AlreadyDone(f"{case.reference} was never sent: you can delete it instead.", reference=case.reference)
        now = uow.clock()
        case.status, case.closed_at, case.updated_at = CaseStatus.closed, now, now
        case.outcome_ciphertext = uow.cipher.encrypt(WITHDRAWN_OUTCOME)
        audit.record(uow.session, reporter_id or receipts.ANONYMOUS, "withdrew_case", "case", case.reference)
        _tell_handlers(uow, case, "withdrew", key=f"withdrawn:{now:%Y%m%dT%H%M%S%f}")
        uow.commit()
        return routing.TEAM_NAMES[case.routed_to]


# ---------------------------------------------------------------- held until someone else reports the same person

NOT_HELD = "isn't held any more: it has gone to its team."


def _held(uow: UnitOfWork, reference: str, reporter_id: str | None) -> Case:
    case = _own_case(uow, reference, reporter_id, lock=True)
    if case.status != CaseStatus.held:
        raise AlreadyDone(f"{case.reference} {NOT_HELD}", reference=case.reference)
    return case


def send_held_now(reference: str, reporter_id: str | None, uow: UnitOfWork) -> str:
    """Its reporter sends a held case without waiting any longer. Returns the team's name."""
    with uow:
        case = _held(uow, reference, reporter_id)
        if not release_case(uow, case, "released_case", by="reporter"):  # (stays held)
            raise InvalidInput("Everyone who handles cases on both teams is someone you asked me to keep it from, "
                               "so I can't send it to anyone here. It stays held. Your manager, or a People "
                               "partner outside these teams, can help you take it further.")
        uow.commit()
        return routing.TEAM_NAMES[case.routed_to]


def keep_holding(reference: str, reporter_id: str | None, uow: UnitOfWork) -> int:
    """Hold it for another CASE_HOLD_DAYS (returned), asked again after that."""
    with uow:
        case = _held(uow, reference, reporter_id)
        now = uow.clock()
        case.held_at = kept_time(case, now)
        case.hold_asked_at = None
        audit.record(uow.session, reporter_id or receipts.ANONYMOUS, "kept_holding", "case", case.reference)
        uow.commit()
        return uow.settings.case_hold_days


def delete_held(reference: str, reporter_id: str | None, uow: UnitOfWork) -> None:
    """A held case, never sent, deleted with all it holds; the audit log keeps that it was."""
    with uow:
        case = _held(uow, reference, reporter_id)
        audit.record(uow.session, reporter_id or receipts.ANONYMOUS, "deleted_held_case", "case", case.reference)
        uow.session.delete(case)
        uow.commit()


def _tell_handlers(uow: UnitOfWork, case: Case, did: str, *, key: str) -> None:
    for handler in eligible_handlers(uow.session, case, uow.cipher):
        outbox.notify(uow.session, CaseReporterNotice(
            reference=case.reference, category=CATEGORIES.get(case.category or "other", CATEGORIES["other"]),
            did=did, reporter=reporter_of(case)),
            key=f"case_reporter:{case.reference}:{key}:{handler}", recipient=handler)
