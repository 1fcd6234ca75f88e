"""Delivers the outbox to Slack.

Each message is claimed before it is sent (a lease on `next_attempt_at`), so two workers
never send it twice; slack-sdk's retry handlers retry within a call (Retry-After honoured,
connection errors and 5xx with backoff); a message that still fails waits longer each time,
and after `outbox_max_attempts` it is marked failed, logged and reported to the D&I service
team: delayed, never silently dropped. Slack is called outside any database transaction."""
from __future__ import annotations

import html
import logging
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Callable

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import select, update

from bot.core import outbox, routing
from bot.core.crypto import Cipher
from bot.core.db import UnitOfWork
from bot.core.models import Case, OutboxMessage, OutboxStatus, RequestStatus, as_utc, utcnow
from bot.core.notices import DeliveryFailedNotice
from bot.core.settings import Settings
from bot.journeys.decidable import BY_NOTICE_KIND
from bot.journeys.join_group import ask_organisers_to_add_the_bot, group_waiting_for_the_bot, invited_to_channel
from bot.journeys.retention import delivered_payload, is_stripped
from bot.slack.blocks import decided
from bot.slack.markup import mention
from bot.slack.notices import notice_text, render

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=5)
FIRST_RETRY, LONGEST_WAIT = timedelta(seconds=30), timedelta(hours=1)
# Slack errors that no retry will fix: fail at once and report.
PERMANENT_ERRORS = {"channel_not_found", "user_not_found", "users_not_found", "is_archived", "cannot_dm_bot",
                    "invalid_blocks", "msg_too_long", "no_text", "method_not_supported_for_channel_type",
                    "user_is_restricted", "user_is_ultra_restricted", "cant_invite_self"}


@dataclass
class DeliveryReport:
    sent: list[str] = field(default_factory=list)
    retrying: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        """Anything handled: a round may have queued follow-ups (a failure report, a request
        to add the bot to a channel), so the worker goes round again until nothing is due."""
        return bool(self.sent or self.retrying or self.failed)


class DeliveryError(Exception):
    def __init__(self, error: str, retry_after: float | None = None):
        self.error, self.retry_after = error, retry_after
        super().__init__(error)


@dataclass(frozen=True)
class Claimed:
    """What sending needs, read in the claiming transaction (no session is held while Slack
    answers). `attempts` is the claim: the outcome is recorded only while it still holds."""
    id: int
    idempotency_key: str
    kind: str
    recipient: str
    payload: dict
    attempts: int
    # For a request with decision buttons that was decided before this copy went out.
    decided: str | None = None


def _decided_already(session, message: OutboxMessage) -> str | None:
    kind = BY_NOTICE_KIND.get(message.kind)
    reference = (message.payload or {}).get("reference")
    if kind is None or not reference:
        return None
    request = session.scalar(select(kind.model).where(kind.model.reference == reference))
    if request is None or request.status == RequestStatus.pending:
        return None
    by = f" by {mention(request.decided_by)}" if request.decided_by else ""
    return f"Already {request.status.value}{by}: nothing to do."


def _claim_next(uow: UnitOfWork, now: datetime) -> Claimed | None:
    """Claim the oldest due message: a conditional update, so only one worker wins it, and a
    lease (`next_attempt_at`) long enough for the client's own retries."""
    with uow:
        session = uow.session
        for message in session.scalars(select(OutboxMessage).where(
                OutboxMessage.status == OutboxStatus.pending, OutboxMessage.next_attempt_at <= now)
                .order_by(OutboxMessage.id).limit(5)).all():
            won = session.execute(update(OutboxMessage).where(
                OutboxMessage.id == message.id, OutboxMessage.status == OutboxStatus.pending,
                OutboxMessage.attempts == message.attempts,
            ).values(attempts=message.attempts + 1, next_attempt_at=now + LEASE),
                execution_options={"synchronize_session": False}).rowcount
            if won:
                claimed = Claimed(message.id, message.idempotency_key, message.kind, message.recipient,
                                  dict(message.payload or {}), message.attempts + 1,
                                  _decided_already(session, message))
                uow.commit()
                return claimed
        return None


def _send(client: WebClient, message: Claimed, cipher: Cipher) -> tuple[str | None, str | None]:
    """Sends one message; returns where it landed (channel, ts) for messages."""
    payload = message.payload or {}
    try:
        if message.kind == "channel_invite":
            _invite(client, payload["channel"], payload["user"])
            return None, None
        text, blocks = render(message.kind, payload, cipher)
        if message.decided:
            blocks = decided(text, message.decided)
        answer = client.chat_postMessage(channel=message.recipient, text=text, blocks=blocks,
                                         unfurl_links=False, unfurl_media=False)
        return answer["channel"], answer["ts"]
    except SlackApiError as failure:
        retry_after = failure.response.headers.get("Retry-After") or failure.response.headers.get("retry-after")
        raise DeliveryError(failure.response.get("error") or f"HTTP {failure.response.status_code}",
                            float(retry_after) if retry_after else None) from None
    except OSError as failure:  # the connection failed after the client's own retries
        raise DeliveryError(f"connection: {failure.__class__.__name__}") from None


def _invite(client: WebClient, channel: str, user: str) -> None:
    try:
        client.conversations_invite(channel=channel, users=user)
    except SlackApiError as failure:
        error = failure.response.get("error")
        if error == "already_in_channel":
            return
        if error != "not_in_channel":
            raise
        # The bot must be in a channel to invite people: a public one it can join itself.
        try:
            client.conversations_join(channel=channel)
        except SlackApiError as join_failure:
            if join_failure.response.get("error") == "method_not_supported_for_channel_type":
                raise DeliveryError("bot_not_in_private_channel") from None
            raise
        try:
            client.conversations_invite(channel=channel, users=user)
        except SlackApiError as again:
            if again.response.get("error") != "already_in_channel":
                raise


def _backoff(attempts: int) -> timedelta:
    return min(FIRST_RETRY * (2 ** max(attempts - 1, 0)), LONGEST_WAIT)


# How long an invite waits for an organiser to add the bot to a private channel.
ADD_BOT_PATIENCE = timedelta(days=7)
# Kinds whose recipient or reference would tell someone about an identity group's members
# or about a case (every "case_..." kind too): their failure is reported and logged without either.
SENSITIVE_KINDS = {"invite_request", "invite_decision", "invite_nudge", "invite_escalation", "channel_invite",
                   "add_bot", "case_notice"}


# To a reporter about what nobody else may know of (a held case, an anonymous one's news): a failure
# is logged (id and kind), never told to a person, whose telling would say the case exists or who
# raised it.
UNREPORTED_KINDS = {"case_held", "anonymous_news"}
# Its recipient beside its time would join an anonymous case to its reporter: gone once delivered.
FORGOTTEN_ONCE_SENT = {"anonymous_news"}


def _about_a_case(kind: str) -> bool:
    return kind.startswith("case_")


def _record_outcome(uow: UnitOfWork, claimed: Claimed, settings: Settings, now: datetime, *,
                    landed: tuple[str | None, str | None] | None = None, error: DeliveryError | None = None) -> str:
    with uow:
        session = uow.session
        message = session.get(OutboxMessage, claimed.id)
        if message.attempts != claimed.attempts or message.status != OutboxStatus.pending:
            return "skipped"  # our lease ran out and another worker took the message over
        if error is None:
            message.status, message.sent_at, message.last_error = OutboxStatus.sent, now, None
            message.slack_channel, message.slack_ts = landed
            if message.kind == "channel_invite":
                invited_to_channel(session, message.payload["channel"], message.payload["user"])
            # Its text has done its job. A request's copies keep theirs while the request waits,
            # because its decision rewrites them (bot.slack.decisions); purge strips them later.
            if message.kind not in BY_NOTICE_KIND or claimed.decided:
                message.payload = delivered_payload(message.payload)
            if message.kind in FORGOTTEN_ONCE_SENT:
                session.delete(message)
            uow.commit()
            return "sent"
        message.last_error = error.error
        wait = _backoff(message.attempts)
        if error.retry_after:
            wait = max(wait, timedelta(seconds=error.retry_after))
        group = (group_waiting_for_the_bot(session, message.payload["channel"], error.error)
                 if message.kind == "channel_invite" else None)
        if group is not None and as_utc(message.created_at) > now - ADD_BOT_PATIENCE:
            # Not a failure yet: the organisers are asked to add the bot, and the invite waits.
            ask_organisers_to_add_the_bot(session, group, message.payload["channel"], now)
            message.next_attempt_at = now + min(wait, timedelta(hours=1))
            uow.commit()
            return "retrying"
        if error.error in PERMANENT_ERRORS or group is not None or message.attempts >= settings.outbox_max_attempts:
            message.status = OutboxStatus.failed
            log.error("Outbox message %s (%s) failed after %s attempt(s): %s", message.id, message.kind,
                      message.attempts, error.error)
            if message.kind != "delivery_failed" and message.kind not in UNREPORTED_KINDS:
                _report_failure(session, message)
            uow.commit()
            return "failed"
        message.next_attempt_at = now + wait
        log.warning("Outbox message %s (%s) not delivered (%s); retrying in %s", message.id, message.kind,
                    error.error, wait)
        uow.commit()
        return "retrying"


def _report_failure(session, message: OutboxMessage) -> None:
    """Tell a person, without revealing what the message was about where that is sensitive.
    A case's failure goes to the people of the team it was routed to, never to anyone else."""
    sensitive = message.kind in SENSITIVE_KINDS or _about_a_case(message.kind)
    notice = DeliveryFailedNotice(what=message.kind.replace("_", " "), number=message.id, attempts=message.attempts,
                                  error=message.last_error, sensitive=sensitive,
                                  reference=None if sensitive else (message.payload or {}).get("reference"),
                                  undelivered_to=None if sensitive else message.recipient)
    recipients = routing.team_recipients(session, "dandi_service")
    if _about_a_case(message.kind):
        case = session.scalar(select(Case).where(Case.reference == (message.payload or {}).get("reference")))
        team = routing.contact(session, case.routed_to if case and case.routed_to else "dandi_service")
        recipients = list(team.slack_user_ids or [])
    for recipient in recipients:
        outbox.notify(session, notice, key=f"delivery_failed:{message.id}:{recipient}", recipient=recipient)


def deliver_due(uow_factory: Callable[[], UnitOfWork], client: WebClient, settings: Settings,
                now: datetime | None = None, limit: int = 50) -> DeliveryReport:
    """Sends the messages that are due, one claim at a time; returns what happened, by key."""
    report = DeliveryReport()
    cipher = uow_factory().cipher
    for _ in range(limit):
        message = _claim_next(uow_factory(), now or utcnow())
        if message is None:
            break
        try:
            landed, error = _send(client, message, cipher), None
        except DeliveryError as failure:
            landed, error = None, failure
        except Exception as failure:  # a bug or an unexpected answer: keep the message, retry later
            log.exception("Outbox message %s could not be sent", message.id)
            landed, error = None, DeliveryError(f"unexpected: {failure.__class__.__name__}")
        outcome = _record_outcome(uow_factory(), message, settings, max(now or utcnow(), utcnow()),
                                  landed=landed, error=error)
        if outcome != "skipped":
            getattr(report, outcome).append(message.idempotency_key)
    return report


def failed_messages(uow: UnitOfWork) -> list[str]:
    """One line per notification that could not be delivered (never its text: it may name people)."""
    with uow:
        rows = uow.session.scalars(select(OutboxMessage).where(OutboxMessage.status == OutboxStatus.failed)
                                   .order_by(OutboxMessage.id)).all()
        return [f"{m.id}\t{m.created_at:%Y-%m-%d %H:%M}\t{m.kind}\tto {m.recipient}\t"
                f"{m.attempts} attempt(s)\t{m.last_error}" for m in rows]


def queued_notices(uow: UnitOfWork, *, include_done: bool = False) -> list[str]:
    """The outbox as its recipients will see it: without Slack (the embedded default), the
    way to see what the organisers and teams would have been sent."""
    with uow:
        query = select(OutboxMessage).order_by(OutboxMessage.id)
        if not include_done:
            query = query.where(OutboxMessage.status == OutboxStatus.pending)
        lines = []
        for m in uow.session.scalars(query):
            if is_stripped(m.payload):
                what = "(delivered; its text is no longer kept)"
            elif m.kind == "channel_invite":
                what = f"invite {m.payload.get('user')} to {m.payload.get('channel')}"
            else:
                what = html.unescape(notice_text(m.kind, m.payload or {}, uow.cipher))
            lines.append(f"#{m.id} {m.status.value} {m.kind} to {m.recipient} ({m.created_at:%Y-%m-%d %H:%M})\n"
                         + "\n".join(f"    {line}" for line in what.splitlines()))
        return lines


class DeliveryWorker:
    """Delivers the outbox every `outbox_poll_seconds`, or at once after `wake()`."""

    def __init__(self, uow_factory: Callable[[], UnitOfWork], client: WebClient, settings: Settings,
                 periodic: Callable[[], None] | None = None, periodic_every: float = 600):
        self.uow_factory, self.client, self.settings, self.periodic = uow_factory, client, settings, periodic
        # Housekeeping (nudges, forgetting old event ids) needs minutes, not every poll.
        self.periodic_every, self._last_periodic = periodic_every, float("-inf")
        self._wake, self._stop = threading.Event(), threading.Event()
        self._thread = threading.Thread(target=self._run, name="outbox-delivery", daemon=True)

    def start(self) -> "DeliveryWorker":
        self._thread.start()
        return self

    def wake(self) -> None:
        self._wake.set()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout=15)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                if self.periodic and time.monotonic() - self._last_periodic >= self.periodic_every:
                    self._last_periodic = time.monotonic()
                    self.periodic()
                while deliver_due(self.uow_factory, self.client, self.settings):
                    pass
            except Exception:  # the database or Slack is down: try again next round
                log.exception("Outbox delivery round failed")
            self._wake.wait(self.settings.outbox_poll_seconds)
            self._wake.clear()
