"""Support and budgets: a request routed to the team the policy names for its kind."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from sqlalchemy import select

from bot.core import audit, outbox, routing
from bot.core.db import UnitOfWork
from bot.core.decisions import pending_request
from bot.core.errors import AlreadyDone, InvalidInput
from bot.core.models import Group, RequestStatus, SupportRequest, as_utc
from bot.core.notices import SupportDecisionNotice, SupportRequestNotice
from bot.core.references import new_reference
from bot.journeys.join_group import active_group
from bot.nlu import reader

# The most a request's details may say.
MAX_DETAILS_CHARS = 2000


@dataclass(frozen=True)
class SupportKind:
    key: str
    label: str
    team: str
    needs_amount: bool


KINDS = {
    k.key: k
    for k in (
        SupportKind("social_budget", "Budget for a social", "culture_happiness", True),
        SupportKind("speaker_fee", "Paying a speaker", "dandi_service", True),
        SupportKind("awareness_event", "An awareness-calendar event", "marketing", False),
        SupportKind("office_space", "Office space for a meeting", "culture_happiness", False),
        SupportKind("other", "Something not listed", "dandi_service", False),
    )
}
# This kind in bot.journeys.decidable: its reference prefix, and the outbox kind of its copies.
PREFIX, NOTICE_KIND = "SUP", SupportRequestNotice.kind
MAX_AMOUNT_PENCE = 10_000_00  # £10,000: above that it is a conversation, not a form


@dataclass(frozen=True)
class SupportRequestView:
    reference: str
    kind: str
    team_name: str
    status: str


def parse_amount(text: str) -> int:
    """Pence from what someone typed: "£250", "250.50", "1,200", "about 300 pounds"."""
    cleaned = (text or "").lower().replace(",", "")
    match = re.search(r"(\d+(?:\.\d{1,2})?)\s*(k\b)?", cleaned)
    if not match:
        raise InvalidInput("I didn't catch an amount. Roughly how much, in pounds? For example: 250")
    try:
        pounds = Decimal(match.group(1)) * (1000 if match.group(2) else 1)
    except InvalidOperation:  # pragma: no cover - the pattern only admits decimals
        raise InvalidInput("I didn't catch an amount. Roughly how much, in pounds? For example: 250") from None
    pence = int(pounds * 100)
    if pence <= 0:
        raise InvalidInput("The amount needs to be more than £0.")
    if pence > MAX_AMOUNT_PENCE:
        raise InvalidInput("That's more than I can send as a quick request (over £10,000). "
                           "Please talk to the D&I service team about it directly.")
    return pence


# An amount given in passing: "~£120", "about 300 quid", "£1.5k".
_AMOUNT_IN_TEXT = re.compile(r"(?:£\s?\d+(?:,\d{3})*(?:\.\d{1,2})?(?:\s*k\b)?|\b\d+(?:,\d{3})*(?:\.\d{1,2})?\s*(?:k\b\s*)?(?:pounds|quid|gbp)\b)",
                             re.IGNORECASE)
# Months and weekdays by how each begins ("sept", "thurs", "weds" begin so too), in calendar order.
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_MONTH = rf"(?:{'|'.join(_MONTHS)})[a-z]*\.?"
_WEEKDAY = rf"(?:{'|'.join(_WEEKDAYS)})[a-z]*\.?"
_DAY = r"\d{1,2}(?:st|nd|rd|th)?"
# A date given in passing: "fri 29 oct", "5 march", "thurs 18th feb", "march 5th", "next tuesday", "14/03".
_WHEN_IN_TEXT = re.compile(
    rf"\b(?:(?:{_WEEKDAY}\s+)?(?:the\s+)?{_DAY}\s+(?:of\s+)?{_MONTH}|(?:{_WEEKDAY}\s+)?{_MONTH}\s+{_DAY}\b|"
    rf"(?:next|this|on)\s+{_WEEKDAY}|{_WEEKDAY}\s+(?:the\s+)?{_DAY}\b|\d{{1,2}}/\d{{1,2}}(?:/\d{{2,4}})?|"
    rf"(?:the\s+)?{_DAY}(?=\s*(?:[,.!?]|$|\bat\b|\blunch)))"
    rf"(?:,?\s*(?:at\s+)?(?:{'|'.join(reader.cue_words('times_of_day'))}|\d{{1,2}}(?::\d{{2}})?\s*(?:am|pm)?"
    rf"(?:\s*-\s*\d{{1,2}}(?::\d{{2}})?\s*(?:am|pm)?)?))?",
    re.IGNORECASE)


def amount_in(text: str) -> str | None:
    """An amount named in passing in a longer message ("~£120 for a sitter", "make it 250"), as typed."""
    match = _AMOUNT_IN_TEXT.search(text or "")
    if match:
        return match.group(0).strip()
    bare = reader.changed_amount(text)  # "actually make it 250": it can only be a new amount
    return f"£{bare}" if bare else None


def when_in(text: str) -> str | None:
    """A date named in passing in a longer message ("xmas social 11 dec, ~£120"), as typed."""
    match = _WHEN_IN_TEXT.search(text or "")
    return match.group(0).strip(" ,") if match else None


# A date with its weekday: "thurs 10 march 2027", "Friday the 4th of December", "tue march 3rd".
_DATE_WITH_WEEKDAY = re.compile(
    rf"\b(?P<weekday>{_WEEKDAY})\s+(?:the\s+)?(?:(?P<day>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<month>{_MONTH})"
    rf"|(?P<month2>{_MONTH})\s+(?P<day2>\d{{1,2}})(?:st|nd|rd|th)?)(?:,?\s+(?P<year>20\d\d))?\b", re.IGNORECASE)


def weekday_mismatch(when: str, today: date) -> str | None:
    """The date a request's "when" names, written out, when the weekday given with it is not
    that date's ("thurs 10 march 2027" -> "Wednesday 10 March 2027"); None when they agree or
    no such date is named. Without a year, the next such date from today, unless this year's
    (just gone) has that weekday."""
    match = _DATE_WITH_WEEKDAY.search(when or "")
    if not match:
        return None
    day, month = int(match.group("day") or match.group("day2")), (match.group("month") or match.group("month2"))
    month_number = _MONTHS.index(month[:3].lower()) + 1
    years = [int(match.group("year"))] if match.group("year") else [today.year, today.year + 1]
    try:
        dates = [date(year, month_number, day) for year in years]
    except ValueError:  # "31 feb": no such day, which the team will see
        return None
    if any(_WEEKDAYS.index(match.group("weekday")[:3].lower()) == d.weekday() for d in dates):
        return None
    named = next((d for d in dates if d >= today), dates[-1])
    return f"{named:%A} {named.day} {named:%B %Y}"


@dataclass(frozen=True)
class LastRequest:
    group_name: str | None
    when: str | None


# How long after one request "the same day" or "now the speaker one" still means that one.
SAME_CONVERSATION = timedelta(hours=3)


def last_request(user_id: str, uow: UnitOfWork) -> LastRequest | None:
    """The person's newest support request, if they made it within SAME_CONVERSATION: what "same
    day", "for the same group" or "now the speaker one" refers back to."""
    with uow:
        request = uow.session.scalars(select(SupportRequest).where(SupportRequest.requester_slack_id == user_id)
                                      .order_by(SupportRequest.id.desc()).limit(1)).first()
        if request is None or uow.clock() - as_utc(request.created_at) > SAME_CONVERSATION:
            return None
        group = uow.session.get(Group, request.group_id) if request.group_id else None
        return LastRequest(group.name if group else None, request.when_text)


def format_pence(pence: int) -> str:
    return f"£{pence // 100:,}" + (f".{pence % 100:02d}" if pence % 100 else "")


def request_support(user_id: str, *, kind: str, group_slug: str | None, when: str, amount_text: str | None,
                    details: str, uow: UnitOfWork) -> SupportRequestView:
    if kind not in KINDS:
        raise InvalidInput("I can help with budget for socials, paying speakers, awareness-calendar events, "
                           "office space, or something else.")
    support_kind = KINDS[kind]
    amount = parse_amount(amount_text or "") if support_kind.needs_amount else None
    when = " ".join((when or "").split())[:200]
    details = " ".join((details or "").split())
    if len(details) > MAX_DETAILS_CHARS:
        raise InvalidInput("Please keep the details under 2,000 characters.")
    with uow:
        session = uow.session
        group = active_group(session, group_slug) if group_slug else None
        duplicate = session.scalar(select(SupportRequest).where(
            SupportRequest.requester_slack_id == user_id, SupportRequest.kind == kind,
            SupportRequest.group_id == (group.id if group else None), SupportRequest.when_text == when,
            SupportRequest.details == details, SupportRequest.status == RequestStatus.pending))
        if duplicate is not None:
            raise AlreadyDone(f"You've already sent this request ({duplicate.reference}); it's with "
                              f"{routing.TEAM_NAMES[duplicate.routed_to]}.", duplicate.reference)
        request = SupportRequest(reference=new_reference(PREFIX), requester_slack_id=user_id, kind=kind,
                                 group_id=group.id if group else None, when_text=when, amount_pence=amount,
                                 details=details, routed_to=support_kind.team)
        session.add(request)
        session.flush()
        for recipient in routing.team_recipients(session, support_kind.team):
            outbox.notify(session, SupportRequestNotice(
                reference=request.reference, requester=user_id, what=support_kind.label,
                group=group.name if group else None, when=when or None,
                amount=format_pence(amount) if amount is not None else None, details=details or None),
                key=outbox.copy_key(NOTICE_KIND, request.reference, recipient), recipient=recipient)
        audit.record(session, user_id, "requested_support", "support_request", request.reference, kind=kind)
        view = SupportRequestView(request.reference, kind, routing.TEAM_NAMES[support_kind.team], request.status.value)
        uow.commit()
        return view


def team_may_decide(session, request: SupportRequest, actor_id: str) -> bool:
    return routing.is_team_member(session, request.routed_to, actor_id)


def pending_support(session, reference: str, actor_id: str) -> SupportRequest:
    return pending_request(session, SupportRequest, reference, actor_id, noun="a support request",
                           may_decide=team_may_decide,
                           refusal=lambda r: f"Only {routing.TEAM_NAMES[r.routed_to]} can update this request.")


def resolve_support_request(reference: str, actor_id: str, *, done: bool, reason: str | None,
                            uow: UnitOfWork) -> SupportRequestView:
    """Mark done or decline; only members of the team it was routed to may."""
    with uow:
        session = uow.session
        request = pending_support(session, reference, actor_id)
        request.status = RequestStatus.done if done else RequestStatus.declined
        request.decided_by, request.decided_at = actor_id, uow.clock()
        request.reason = " ".join((reason or "").split()) or None
        outbox.notify(session, SupportDecisionNotice(reference=request.reference, done=done, reason=request.reason),
                      key=f"support_decision:{request.reference}", recipient=request.requester_slack_id)
        audit.record(session, actor_id, "resolved_support" if done else "declined_support", "support_request",
                     request.reference)
        view = SupportRequestView(request.reference, request.kind, routing.TEAM_NAMES[request.routed_to],
                                  request.status.value)
        uow.commit()
        return view
