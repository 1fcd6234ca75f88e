"""Delivers the outbox to Slack.

Each message is claimed before it is sent (a lease on `next_attempt_at`), so two workers
never send it twice; slack-sdk's retry handlers retry within a call (Retry-After honoured,
connection errors and 5xx with backoff); a message that still fails waits longer each time,
and after `outbox_max_attempts` it is marked failed, logged and reported to the D&I service
team: delayed, never silently dropped. Slack is called outside any database transaction."""
from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Callable

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import or_, select, update

from bot import outbox, routing
from bot.db import UnitOfWork
from bot.models import Group, Membership, MembershipStatus, OutboxMessage, OutboxStatus, utcnow
from bot.settings import Settings
from bot.slack_messages import render

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=2)
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
    """What sending needs, read in the claiming transaction (no session is held while Slack answers)."""
    id: int
    idempotency_key: str
    kind: str
    recipient: str
    payload: dict


def _claim_due(uow: UnitOfWork, now: datetime, limit: int) -> list[Claimed]:
    with uow:
        session = uow.session
        due = session.scalars(select(OutboxMessage).where(OutboxMessage.status == OutboxStatus.pending,
                                                          OutboxMessage.next_attempt_at <= now)
                              .order_by(OutboxMessage.id).limit(limit)).all()
        claimed = []
        for message in due:
            # Conditional update: only one worker wins each message.
            won = session.execute(update(OutboxMessage).where(
                OutboxMessage.id == message.id, OutboxMessage.status == OutboxStatus.pending,
                OutboxMessage.attempts == message.attempts,
            ).values(attempts=message.attempts + 1, next_attempt_at=now + LEASE)).rowcount
            if won:
                claimed.append(Claimed(message.id, message.idempotency_key, message.kind, message.recipient,
                                       dict(message.payload or {})))
        uow.commit()
        return claimed


def _send(client: WebClient, message: Claimed) -> tuple[str | None, str | None]:
    """Sends one message; returns where it landed (channel, ts) for messages."""
    payload = message.payload or {}
    try:
        if message.kind == "channel_invite":
            _invite(client, payload["channel"], payload["user"])
            return None, None
        text, blocks = render(message.kind, payload)
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


def _record_outcome(uow: UnitOfWork, message_id: int, settings: Settings, now: datetime, *,
                    landed: tuple[str | None, str | None] | None = None, error: DeliveryError | None = None) -> str:
    with uow:
        session = uow.session
        message = session.get(OutboxMessage, message_id)
        if error is None:
            message.status, message.sent_at, message.last_error = OutboxStatus.sent, now, None
            message.slack_channel, message.slack_ts = landed
            if message.kind == "channel_invite":
                _mark_member(session, message.payload["channel"], message.payload["user"])
            uow.commit()
            return "sent"
        message.last_error = error.error
        permanent = error.error in PERMANENT_ERRORS
        if error.error == "bot_not_in_private_channel":
            _ask_organisers_to_add_the_bot(session, message)
        if permanent or message.attempts >= settings.outbox_max_attempts:
            message.status = OutboxStatus.failed
            log.error("Outbox message %s (%s to %s) failed after %s attempt(s): %s", message.id, message.kind,
                      message.recipient, message.attempts, error.error)
            if message.kind != "delivery_failed":
                _report_failure(session, message)
            uow.commit()
            return "failed"
        wait = _backoff(message.attempts)
        if error.retry_after:
            wait = max(wait, timedelta(seconds=error.retry_after))
        message.next_attempt_at = now + wait
        log.warning("Outbox message %s (%s) not delivered (%s); retrying in %s", message.id, message.kind,
                    error.error, wait)
        uow.commit()
        return "retrying"


def _mark_member(session, channel: str, user: str) -> None:
    groups = select(Group.id).where(or_(Group.slack_channel_id == channel, Group.closed_slack_channel_id == channel))
    for membership in session.scalars(select(Membership).where(Membership.slack_user_id == user,
                                                               Membership.group_id.in_(groups))):
        membership.status = MembershipStatus.member


def _ask_organisers_to_add_the_bot(session, message: OutboxMessage) -> None:
    channel = message.payload["channel"]
    group = session.scalar(select(Group).where(or_(Group.slack_channel_id == channel,
                                                   Group.closed_slack_channel_id == channel)))
    if group is None:
        return
    name = group.closed_slack_channel_name if group.closed_slack_channel_id == channel else group.slack_channel_name
    for organiser in group.organisers:
        outbox.notify(session, key=f"add_bot:{channel}:{organiser.slack_user_id}", kind="add_bot",
                      recipient=organiser.slack_user_id,
                      text=f"I can't add people to <#{channel}|{name or channel}> because I'm not in it. "
                           "Please add me: open the channel, type `/invite @Community groups` and send. "
                           "I'll then add the people waiting.")


def _report_failure(session, message: OutboxMessage) -> None:
    reference = (message.payload or {}).get("reference")
    what = f"a {message.kind.replace('_', ' ')}" + (f" about {reference}" if reference else "")
    for recipient in routing.team_recipients(session, "dandi_service"):
        outbox.notify(session, key=f"delivery_failed:{message.id}:{recipient}", kind="delivery_failed",
                      recipient=recipient,
                      text=f"I couldn't deliver {what} to {_mention(message.recipient)} "
                           f"after {message.attempts} attempt(s) (Slack said: `{message.last_error}`). "
                           "Please check the app's access, then follow it up by hand.")


def _mention(slack_id: str) -> str:
    return f"<#{slack_id}>" if slack_id[:1] in "CG" else f"<@{slack_id}>"


def deliver_due(uow_factory: Callable[[], UnitOfWork], client: WebClient, settings: Settings,
                now: datetime | None = None, limit: int = 50) -> DeliveryReport:
    """Sends every message that is due; returns what happened, by idempotency key."""
    now = now or utcnow()
    report = DeliveryReport()
    for message in _claim_due(uow_factory(), now, limit):
        try:
            landed, error = _send(client, message), None
        except DeliveryError as failure:
            landed, error = None, failure
        except Exception as failure:  # a bug or an unexpected answer: keep the message, retry later
            log.exception("Outbox message %s could not be sent", message.id)
            landed, error = None, DeliveryError(f"unexpected: {failure.__class__.__name__}")
        outcome = _record_outcome(uow_factory(), message.id, settings, utcnow(), landed=landed, error=error)
        getattr(report, outcome).append(message.idempotency_key)
    return report


def failed_messages(uow: UnitOfWork) -> list[str]:
    """One line per notification that could not be delivered (never its text: it may name people)."""
    with uow:
        rows = uow.session.scalars(select(OutboxMessage).where(OutboxMessage.status == OutboxStatus.failed)
                                   .order_by(OutboxMessage.id)).all()
        return [f"{m.id}\t{m.created_at:%Y-%m-%d %H:%M}\t{m.kind}\tto {m.recipient}\t"
                f"{m.attempts} attempt(s)\t{m.last_error}" for m in rows]


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
