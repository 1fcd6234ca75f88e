"""Handle a confidential case: the handlers' side (ISO 37002's assess, address, conclude).

A case is open to the eligible handlers of the team it was routed to: the team's members
less anyone the reporter said must not handle it. That is checked at every read and every
action, and anyone else gets the same refusal whether the case exists or not, so a
reference tells a stranger nothing. Drafts are never visible.

Opening a case decrypts what happened for that one view and audit-logs the read (who, when,
which case; never content). Acknowledging, status changes and closing tell the reporter
through the outbox (`case_update`); the outcome line they see when a case is closed is
carried there as a Fernet token, never as text, and the Slack renderer decrypts it.
Reassigning tells the new assignee (`case_assigned`). Notes are encrypted and never shown to
the reporter.

A named case's handlers know who raised it and can write to them (`case_message`, the message
as a token like the outcome); the reporter's side of that thread, and withdrawing, are in
bot.journeys.case_reporter. Every handler of the case reads the whole thread in the modal;
each message is audit-logged without its content.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from bot.core import audit, outbox, receipts, routing
from bot.core.constants import TEXT_LIMIT
from bot.core.db import UnitOfWork
from bot.core.errors import AlreadyDone, InvalidInput, PermissionDenied
from bot.core.models import UNSENT, Case, CaseMessage, CaseNote, CaseStatus, as_utc
from bot.core.notices import CaseAssignedNotice, CaseMessageNotice, CaseUpdateNotice
from bot.core.references import normalise_reference
from bot.journeys.raise_issue import (CATEGORIES, eligible_handlers, excluded_ids, reachable_in_slack, reporter_of,
                                     tell_of_news)

NOTE_MAX_CHARS = TEXT_LIMIT
MESSAGE_MAX_CHARS = TEXT_LIMIT
OUTCOME_MAX_CHARS = 300
# What a handler may set; "open" is only ever the state before anyone has picked it up.
HANDLER_STATUSES = (CaseStatus.acknowledged, CaseStatus.in_progress, CaseStatus.waiting_for_reporter,
                    CaseStatus.closed)
STATUS_LABELS = {
    CaseStatus.open: "Open, not yet acknowledged",
    CaseStatus.acknowledged: "Acknowledged",
    CaseStatus.in_progress: "In progress",
    CaseStatus.waiting_for_reporter: "Waiting for the person who raised it",
    CaseStatus.closed: "Closed",
    # (its reporter's view only: nobody else sees a held case)
    CaseStatus.held: "Held until someone else reports the same person",
}
# One message for "no such case", "a draft" and "not yours": a reference reveals nothing.
REFUSED = ("I can't open that case for you. Cases are only open to the people handling them; if you think "
           "it should be with you, please ask your team's lead.")


class FieldProblem(InvalidInput):
    """A form field's value is refused; `field` says which, for the form to show it beside it."""

    def __init__(self, field: str, message: str):
        self.field = field
        super().__init__(message)


@dataclass(frozen=True)
class Handler:
    slack_id: str
    name: str


@dataclass(frozen=True)
class NoteView:
    author: str  # Slack user id
    author_name: str
    at: datetime
    text: str


@dataclass(frozen=True)
class MessageView:
    """One message of a case's thread with the person who raised it."""

    from_reporter: bool
    author: str | None  # the handler's Slack id; None for the reporter's
    author_name: str
    at: datetime
    text: str


@dataclass(frozen=True)
class CaseView:
    """One case as its handler reads it. Holds the decrypted narrative: for the modal only."""

    reference: str
    category: str
    status: str
    status_label: str
    team: str
    team_name: str
    raised_at: datetime
    age_days: int
    acknowledge_by: datetime
    on_behalf: bool
    affected_person_consented: bool | None
    affected_person_may_be_named: bool | None
    narrative: str
    notes: tuple[NoteView, ...]
    assignee: str | None
    handlers: tuple[Handler, ...]  # the team's eligible handlers, for reassigning
    reporter: str = ""  # who raised it: a Slack user id, or a conversation outside Slack
    messages: tuple[MessageView, ...] = ()

    @property
    def reporter_reachable(self) -> bool:
        """Whether the bot can write to them: in Slack, or through their receipt code."""
        return reachable_in_slack(self.reporter) or self.reporter == receipts.ANONYMOUS

    @property
    def closed(self) -> bool:
        return self.status == CaseStatus.closed.value


@dataclass(frozen=True)
class CaseLine:
    """A case in a handler's list (App Home): no content."""

    reference: str
    category: str
    status: str
    status_label: str
    team_name: str
    raised_at: datetime
    age_days: int
    assignee: str | None
    reporter: str = ""


@dataclass(frozen=True)
class Updated:
    """What an action changed, for the Slack side to say and to refresh its messages."""

    reference: str
    status: str
    status_label: str
    changed: tuple[str, ...]  # "status", "assignee", "note", "message"
    reporter_told: bool
    assignee: str | None


# ---------------------------------------------------------------- permission

def _case_for(uow: UnitOfWork, reference: str, handler_id: str, *, lock: bool = False) -> tuple[Case, list[str]]:
    """The case and its eligible handlers, if `handler_id` is one of them; else PermissionDenied.
    Every read and action comes through here."""
    session = uow.session
    wanted = normalise_reference(reference or "")
    query = select(Case).where(Case.reference == wanted, Case.status.not_in(UNSENT))
    case = session.scalar(query.with_for_update() if lock else query) if wanted else None
    if case is None or not case.routed_to:
        raise PermissionDenied(REFUSED)
    handlers = eligible_handlers(session, case, uow.cipher)
    if handler_id not in handlers:
        raise PermissionDenied(REFUSED)
    return case, handlers


def _refused(uow: UnitOfWork, reference: str, handler_id: str, action: str) -> None:
    """Keep a record that someone was refused a case that exists (who and which; nothing else)."""
    wanted = normalise_reference(reference or "")
    if not wanted:
        return
    with uow:
        if uow.session.scalar(select(Case.id).where(Case.reference == wanted, Case.status.not_in(UNSENT))):
            audit.record(uow.session, handler_id, "refused_case", "case", wanted, attempted=action)
            uow.commit()


def _guarded(action: str):
    """Run a service function; on PermissionDenied, record the refusal, then raise it."""
    def wrap(function):
        def run(reference: str, handler_id: str, *args, **kwargs):
            uow = kwargs.get("uow") or args[-1]
            try:
                return function(reference, handler_id, *args, **kwargs)
            except PermissionDenied:
                _refused(uow, reference, handler_id, action)
                raise
        run.__name__, run.__doc__ = function.__name__, function.__doc__
        return run
    return wrap


def may_handle(reference: str, handler_id: str, uow: UnitOfWork) -> None:
    """Raises PermissionDenied unless the person may handle the case (before a form opens)."""
    with uow:
        _case_for(uow, reference, handler_id)


# ---------------------------------------------------------------- reading

def _age_days(case: Case, now: datetime) -> int:
    return max((now - _raised_at(case)).days, 0)


def _raised_at(case: Case) -> datetime:
    return as_utc(case.submitted_at or case.created_at)


def _names(session, team: str) -> dict[str, str]:
    return dict(routing.contact(session, team).member_names or {})


@_guarded("open")
def open_case(reference: str, handler_id: str, uow: UnitOfWork) -> CaseView:
    """The case for its handler to read, decrypted on demand; the read is audit-logged."""
    settings = uow.settings
    with uow:
        session = uow.session
        case, handlers = _case_for(uow, reference, handler_id)
        names = _names(session, case.routed_to)
        view = CaseView(
            reference=case.reference, category=CATEGORIES.get(case.category or "other", CATEGORIES["other"]),
            status=case.status.value, status_label=STATUS_LABELS[case.status], team=case.routed_to,
            team_name=routing.TEAM_NAMES[case.routed_to], raised_at=_raised_at(case),
            age_days=_age_days(case, uow.clock()),
            acknowledge_by=_raised_at(case) + timedelta(days=settings.case_acknowledge_days),
            on_behalf=bool(case.on_behalf), affected_person_consented=case.affected_person_consented,
            affected_person_may_be_named=case.affected_person_may_be_named,
            narrative=uow.cipher.decrypt(case.narrative_ciphertext) if case.narrative_ciphertext else "",
            notes=tuple(NoteView(n.author_slack_id, names.get(n.author_slack_id, ""), as_utc(n.created_at),
                                 uow.cipher.decrypt(n.body_ciphertext)) for n in case.notes),
            assignee=case.assignee_slack_id,
            handlers=tuple(Handler(h, names.get(h, "")) for h in handlers),
            reporter=reporter_of(case),
            messages=tuple(MessageView(m.from_reporter, m.author_slack_id, names.get(m.author_slack_id or "", ""),
                                       as_utc(m.created_at), uow.cipher.decrypt(m.body_ciphertext))
                           for m in case.messages))
        audit.record(session, handler_id, "opened_case", "case", case.reference)
        uow.commit()
        return view


def cases_for(handler_id: str, uow: UnitOfWork) -> list[CaseLine]:
    """The cases not yet closed that this person may handle, oldest first (for the App Home).
    Empty for anyone who handles no cases, and never a case they were kept away from."""
    with uow:
        session = uow.session
        teams = [team for team in routing.CASE_TEAMS if handler_id in routing.team_members(session, team)]
        if not teams:
            return []
        lines = []
        for case in session.scalars(select(Case).where(
                Case.routed_to.in_(teams), Case.status.not_in([*UNSENT, CaseStatus.closed]))):
            if handler_id in excluded_ids(case, uow.cipher):
                continue
            lines.append(CaseLine(case.reference, CATEGORIES.get(case.category or "other", CATEGORIES["other"]),
                                  case.status.value, STATUS_LABELS[case.status], routing.TEAM_NAMES[case.routed_to],
                                  _raised_at(case), _age_days(case, uow.clock()), case.assignee_slack_id,
                                  reporter_of(case)))
        return sorted(lines, key=lambda line: line.raised_at)


@dataclass(frozen=True)
class TeamCaseLine:
    """A case in its team lead's view: where it stands and whether it was acknowledged in
    time. Nothing of what happened, nor who raised it."""

    reference: str
    category: str
    status_label: str
    team_name: str
    raised_at: datetime
    age_days: int
    acknowledge_by: datetime
    # True or False once acknowledged (by the deadline or after it); False once the deadline
    # has passed unacknowledged; None while there is still time.
    acknowledged_in_time: bool | None
    closed: bool


def team_cases_for(lead_id: str, uow: UnitOfWork) -> list[TeamCaseLine]:
    """The cases of the teams this person leads, live ones first (oldest first), then closed
    ones (newest first); empty for anyone who leads no team, and never a case they were kept
    away from."""
    with uow:
        session = uow.session
        teams = routing.teams_led_by(session, lead_id)
        if not teams:
            return []
        now, days = uow.clock(), timedelta(days=uow.settings.case_acknowledge_days)
        lines = []
        for case in session.scalars(select(Case).where(Case.routed_to.in_(teams), Case.status.not_in(UNSENT))):
            if lead_id in excluded_ids(case, uow.cipher):
                continue
            due = _raised_at(case) + days
            acknowledged = as_utc(case.acknowledged_at) if case.acknowledged_at else None
            in_time = (acknowledged <= due) if acknowledged else (False if now > due else None)
            lines.append(TeamCaseLine(case.reference, CATEGORIES.get(case.category or "other", CATEGORIES["other"]),
                                      STATUS_LABELS[case.status], routing.TEAM_NAMES[case.routed_to],
                                      _raised_at(case), _age_days(case, now), due, in_time,
                                      case.status == CaseStatus.closed))
        live = sorted((line for line in lines if not line.closed), key=lambda line: line.raised_at)
        done = sorted((line for line in lines if line.closed), key=lambda line: line.raised_at, reverse=True)
        return live + done


# ---------------------------------------------------------------- acting

def check_update(status: str | None, outcome: str | None, note: str | None) -> tuple[CaseStatus | None, str, str]:
    """The form's values checked, before anything is written: (status, outcome, note).
    Raises FieldProblem naming the field."""
    chosen = None
    if status:
        try:
            chosen = CaseStatus(status)
        except ValueError:
            chosen = None
        if chosen not in HANDLER_STATUSES:
            raise FieldProblem("status", "Please choose one of the statuses listed.")
    outcome, note = " ".join((outcome or "").split()), (note or "").strip()
    if chosen == CaseStatus.closed and not outcome:
        raise FieldProblem("outcome", "Please add a short outcome line: the person who raised it will see it.")
    if len(outcome) > OUTCOME_MAX_CHARS:
        raise FieldProblem("outcome", f"Please keep the outcome to {OUTCOME_MAX_CHARS} characters.")
    if len(note) > NOTE_MAX_CHARS:
        raise FieldProblem("note", f"Please keep a note to {NOTE_MAX_CHARS:,} characters.")
    return chosen, outcome, note


def repeats(entries: list, author: str | None, text: str, cipher) -> bool:
    """Whether `text` is a double submission: the very last note or message is the same
    author's, with the same words. (The same words later, after someone else wrote, are new.)"""
    last = entries[-1] if entries else None
    return last is not None and last.author_slack_id == author and cipher.decrypt(last.body_ciphertext) == text


def check_message(message: str | None) -> str:
    """A message to the person who raised the case, checked: FieldProblem("message") if too long."""
    message = (message or "").strip()
    if len(message) > MESSAGE_MAX_CHARS:
        raise FieldProblem("message", f"Please keep a message to {MESSAGE_MAX_CHARS:,} characters.")
    return message


def _tell_reporter(uow: UnitOfWork, case: Case, *, first_acknowledgement: bool, outcome: str, version: str,
                   reopened: bool = False) -> bool:
    """A `case_update` to the reporter, if they can be reached in Slack (not anonymous, not
    the local REST channel). The key makes a repeated click a no-op."""
    if case.anonymous:  # they read it with their code; a DM that there's news, if they asked for one
        return tell_of_news(uow, case)
    reporter = case.reporter_slack_id or ""
    if not reachable_in_slack(reporter):
        return False
    # Closed: the outcome as a token, never text: the outbox keeps no confidential text (the renderer decrypts).
    token = uow.cipher.encrypt(outcome).decode() if case.status == CaseStatus.closed else None
    outbox.notify(uow.session, CaseUpdateNotice(
        reference=case.reference, status=case.status.value, team=routing.TEAM_NAMES[case.routed_to],
        acknowledged=first_acknowledgement, feedback_days=uow.settings.case_feedback_days, outcome=token,
        reopened=reopened),
        key=f"case_update:{case.reference}:{case.status.value}:{version}", recipient=reporter)
    return True


def _version(case: Case) -> str:
    """The case's state before this change, for idempotency keys: the same click on the same
    state writes the same key (a no-op); a later change of the same kind gets a new one."""
    return as_utc(case.updated_at or case.created_at).strftime("%Y%m%dT%H%M%S%f")


def _set_status(uow: UnitOfWork, case: Case, handler_id: str, status: CaseStatus, outcome: str) -> bool:
    """Move the case; returns whether the reporter was told."""
    version, now = _version(case), uow.clock()
    first = case.status == CaseStatus.open
    if first:
        case.acknowledged_at = now
    case.status = status
    if status == CaseStatus.closed:
        case.closed_at = now
        case.outcome_ciphertext = uow.cipher.encrypt(outcome)
    if not case.assignee_slack_id:
        case.assignee_slack_id = handler_id
    case.updated_at = now
    audit.record(uow.session, handler_id, "acknowledged_case" if status == CaseStatus.acknowledged and first
                 else "case_status", "case", case.reference, status=status.value)
    return _tell_reporter(uow, case, first_acknowledgement=first, outcome=outcome, version=version)


def _reassign(uow: UnitOfWork, case: Case, handlers: list[str], handler_id: str, to_id: str) -> bool:
    if to_id not in handlers:
        raise FieldProblem("assignee", "A case can only go to someone on the team who may handle it.")
    if to_id == case.assignee_slack_id:
        return False
    version = _version(case)
    case.assignee_slack_id, case.updated_at = to_id, uow.clock()
    audit.record(uow.session, handler_id, "reassigned_case", "case", case.reference, to=to_id)
    if to_id != handler_id:
        outbox.notify(uow.session, CaseAssignedNotice(
            reference=case.reference, category=CATEGORIES.get(case.category or "other", CATEGORIES["other"]),
            team=routing.TEAM_NAMES[case.routed_to], by=handler_id, status=case.status.value,
            on_behalf=bool(case.on_behalf), may_be_named=case.affected_person_may_be_named,
            raised_at=_raised_at(case).isoformat(), reporter=reporter_of(case)),
            key=f"case_assigned:{case.reference}:{to_id}:{version}",
            recipient=to_id)
    return True


def _add_note(uow: UnitOfWork, case: Case, handler_id: str, text: str) -> bool:
    # The same note sent twice (a double submission) is kept once.
    if repeats(case.notes, handler_id, text, uow.cipher):
        return False
    case.notes.append(CaseNote(author_slack_id=handler_id, body_ciphertext=uow.cipher.encrypt(text)))
    audit.record(uow.session, handler_id, "noted_case", "case", case.reference)
    return True


def _message_reporter(uow: UnitOfWork, case: Case, handler_id: str, text: str) -> bool:
    """A handler's message to the person who raised the case: kept encrypted in the thread,
    audited without content, and sent as a DM with a way to reply. The same message sent twice
    (a double submission) is kept once; two handlers writing at once both land."""
    reporter = case.reporter_slack_id or ""
    if not case.anonymous and not reachable_in_slack(reporter):
        raise FieldProblem("message", "They raised it outside Slack, so I can't send them a message. "
                                      "Please reach them another way.")
    if repeats(case.messages, handler_id, text, uow.cipher):
        return False
    case.messages.append(CaseMessage(from_reporter=False, author_slack_id=handler_id,
                                     body_ciphertext=uow.cipher.encrypt(text)))
    audit.record(uow.session, handler_id, "messaged_reporter", "case", case.reference)
    if case.anonymous:  # read with their code, the next time they use it
        tell_of_news(uow, case)
        return True
    outbox.notify(uow.session, CaseMessageNotice(
        reference=case.reference, team=routing.TEAM_NAMES[case.routed_to],
        message=uow.cipher.encrypt(text).decode()),
        key=f"case_message:{case.reference}:{len(case.messages)}:{handler_id}", recipient=reporter)
    return True


def _update(uow: UnitOfWork, reference: str, handler_id: str, *, status: CaseStatus | None, outcome: str,
            note: str, assign_to: str | None, only_if_open: bool = False, message: str = "") -> Updated:
    with uow:
        case, handlers = _case_for(uow, reference, handler_id, lock=True)
        if case.status == CaseStatus.closed:
            raise AlreadyDone(f"{case.reference} is already closed.", reference=case.reference,
                              decided_by=case.assignee_slack_id)
        if only_if_open and case.status != CaseStatus.open:
            raise AlreadyDone(f"{case.reference} has already been acknowledged.", reference=case.reference,
                              decided_by=case.assignee_slack_id)
        changed, told = [], False
        if note and _add_note(uow, case, handler_id, note):
            changed.append("note")
        if message and _message_reporter(uow, case, handler_id, message):
            changed.append("message")
        if assign_to and _reassign(uow, case, handlers, handler_id, assign_to):
            changed.append("assignee")
        if status is not None and status != case.status:
            told = _set_status(uow, case, handler_id, status, outcome)
            changed.append("status")
        result = Updated(case.reference, case.status.value, STATUS_LABELS[case.status], tuple(changed), told,
                         case.assignee_slack_id)
        try:
            uow.commit()
        except IntegrityError:  # the same change committed a moment ago (a double click)
            raise AlreadyDone(f"{case.reference} was just updated. Open it again to see where it stands.",
                              reference=case.reference) from None
        return result


@_guarded("update")
def update_case(reference: str, handler_id: str, *, status: str | None = None, outcome: str | None = None,
                note: str | None = None, assign_to: str | None = None, message: str | None = None,
                uow: UnitOfWork) -> Updated:
    """Everything a handler's form can change, in one transaction: a note, a message to the
    person who raised it, the assignee, the status (closing needs an outcome line the reporter
    sees). Checked before anything is written; a closed case is final (AlreadyDone)."""
    chosen, outcome, note = check_update(status, outcome, note)
    return _update(uow, reference, handler_id, status=chosen, outcome=outcome, note=note, assign_to=assign_to,
                   message=check_message(message))


@_guarded("acknowledge")
def acknowledge(reference: str, handler_id: str, uow: UnitOfWork) -> Updated:
    """The handler has it: the reporter is told, and when they'll hear how it's going.
    Raises AlreadyDone (naming who has it) once someone has."""
    return _update(uow, reference, handler_id, status=CaseStatus.acknowledged, outcome="", note="",
                   assign_to=None, only_if_open=True)


@_guarded("reopen")
def reopen_case(reference: str, handler_id: str, uow: UnitOfWork) -> Updated:
    """A closed case taken up again (something new came up): back in progress, with whoever
    reopens it if nobody had it, and the person who raised it told. The outcome they were sent
    stays on the record. Raises AlreadyDone when the case isn't closed."""
    with uow:
        case, _ = _case_for(uow, reference, handler_id, lock=True)
        if case.status != CaseStatus.closed:
            raise AlreadyDone(f"{case.reference} isn't closed: it's {STATUS_LABELS[case.status].lower()}.",
                              reference=case.reference)
        version = _version(case)
        case.status, case.closed_at, case.updated_at = CaseStatus.in_progress, None, uow.clock()
        case.assignee_slack_id = case.assignee_slack_id or handler_id
        audit.record(uow.session, handler_id, "reopened_case", "case", case.reference)
        told = _tell_reporter(uow, case, first_acknowledgement=False, outcome="", version=version, reopened=True)
        result = Updated(case.reference, case.status.value, STATUS_LABELS[case.status], ("status",), told,
                         case.assignee_slack_id)
        try:
            uow.commit()
        except IntegrityError:  # reopened a moment ago (a double click)
            raise AlreadyDone(f"{case.reference} was just reopened.", reference=case.reference) from None
        return result


def set_status(reference: str, handler_id: str, status: str, outcome: str | None = None, *,
               uow: UnitOfWork) -> Updated:
    return update_case(reference, handler_id, status=status, outcome=outcome, uow=uow)


def reassign(reference: str, handler_id: str, to_id: str, uow: UnitOfWork) -> Updated:
    return update_case(reference, handler_id, assign_to=to_id, uow=uow)


def add_note(reference: str, handler_id: str, text: str, uow: UnitOfWork) -> Updated:
    if not (text or "").strip():
        raise FieldProblem("note", "The note is empty.")
    return update_case(reference, handler_id, note=text, uow=uow)
