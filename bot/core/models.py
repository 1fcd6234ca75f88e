"""The registry and every record the assistant keeps, as SQLAlchemy 1.4 models.

Privacy (design.md): an invite request holds only requester, group, status, dates and
an optional note; a case's narrative and exclusions are stored only as ciphertext
(bot.core.crypto).
"""
from __future__ import annotations

import enum
from datetime import datetime, timezone

from sqlalchemy import (JSON, Boolean, Column, Date, DateTime, Enum, ForeignKey, Integer, LargeBinary, String, Text,
                        UniqueConstraint, false)
from sqlalchemy.orm import declarative_base, relationship


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def day_of(moment: datetime) -> datetime:
    """Midnight of `moment`'s day: all an anonymous case keeps of when it was sent."""
    return moment.replace(hour=0, minute=0, second=0, microsecond=0)


def as_utc(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; everything is stored in UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


Base = declarative_base()


class GroupType(str, enum.Enum):
    open = "open"
    closed = "closed"
    both = "both"


class GroupStatus(str, enum.Enum):
    proposed = "proposed"
    active = "active"
    retired = "retired"


class TermKind(str, enum.Enum):
    alias = "alias"
    topic = "topic"


class RequestStatus(str, enum.Enum):
    pending = "pending"
    approved = "approved"
    declined = "declined"
    cancelled = "cancelled"
    done = "done"


def _enum(cls: type[enum.Enum]) -> Enum:
    # Stored as plain strings (no native PG enum) so adding a value needs no type migration.
    return Enum(cls, native_enum=False, length=20, validate_strings=True)


class Group(Base):
    __tablename__ = "groups"

    id = Column(Integer, primary_key=True)
    slug = Column(String(80), nullable=False, unique=True)
    name = Column(String(120), nullable=False, unique=True)
    type = Column(_enum(GroupType), nullable=False)
    purpose = Column(Text, nullable=False)
    meeting = Column(Text, nullable=False)
    slack_channel_id = Column(String(32))
    slack_channel_name = Column(String(80))
    # A group of type "both" has a second, private channel for its closed part.
    closed_slack_channel_id = Column(String(32))
    closed_slack_channel_name = Column(String(80))
    criteria = Column(Text)
    how_to_ask = Column(Text)
    status = Column(_enum(GroupStatus), nullable=False, default=GroupStatus.active)
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)
    updated_at = Column(DateTime(timezone=True), nullable=False, default=utcnow, onupdate=utcnow)

    organisers = relationship(
        "Organiser", back_populates="group", cascade="all, delete-orphan", order_by="Organiser.id"
    )
    terms = relationship("GroupTerm", back_populates="group", cascade="all, delete-orphan", order_by="GroupTerm.id")

    @property
    def is_closed(self) -> bool:
        return self.type in (GroupType.closed, GroupType.both)

    @property
    def aliases(self) -> list[str]:
        return [t.text for t in self.terms if t.kind == TermKind.alias]

    @property
    def topics(self) -> list[str]:
        return [t.text for t in self.terms if t.kind == TermKind.topic]


class GroupTerm(Base):
    """An alias or topic a user may use to find a group."""

    __tablename__ = "group_terms"
    __table_args__ = (UniqueConstraint("group_id", "kind", "text"),)

    id = Column(Integer, primary_key=True)
    group_id = Column(Integer, ForeignKey("groups.id", ondelete="CASCADE"), nullable=False, index=True)
    kind = Column(_enum(TermKind), nullable=False)
    text = Column(String(120), nullable=False)

    group = relationship("Group", back_populates="terms")


class Organiser(Base):
    __tablename__ = "organisers"
    __table_args__ = (UniqueConstraint("group_id", "slack_user_id"),)

    id = Column(Integer, primary_key=True)
    group_id = Column(Integer, ForeignKey("groups.id", ondelete="CASCADE"), nullable=False, index=True)
    slack_user_id = Column(String(32), nullable=False)
    name = Column(String(120), nullable=False)

    group = relationship("Group", back_populates="organisers")


class Contact(Base):
    """Where a team's requests and cases are routed: a Slack channel and/or named people."""

    __tablename__ = "contacts"

    id = Column(Integer, primary_key=True)
    team = Column(String(40), nullable=False, unique=True)
    name = Column(String(120), nullable=False)
    slack_channel_id = Column(String(32))
    slack_channel_name = Column(String(80))
    slack_user_ids = Column(JSON, nullable=False, default=list)
    # Slack user id -> name, for matching the names a reporter types ("must not handle it").
    member_names = Column(JSON, nullable=False, default=dict)
    # Told when a case waits past its deadline (bot.journeys.handle_case).
    lead_slack_user_id = Column(String(32))
    email = Column(String(200))


class CalendarEvent(Base):
    __tablename__ = "calendar_events"

    id = Column(Integer, primary_key=True)
    name = Column(String(200), nullable=False)
    starts_on = Column(Date, nullable=False, index=True)
    ends_on = Column(Date, nullable=False)
    description = Column(Text)
    url = Column(String(500))
    group_slugs = Column(JSON, nullable=False, default=list)


class InviteRequest(Base):
    __tablename__ = "invite_requests"

    id = Column(Integer, primary_key=True)
    reference = Column(String(20), nullable=False, unique=True)
    group_id = Column(Integer, ForeignKey("groups.id"), nullable=False, index=True)
    requester_slack_id = Column(String(32), nullable=False, index=True)
    status = Column(_enum(RequestStatus), nullable=False, default=RequestStatus.pending)
    note = Column(Text)
    decided_by = Column(String(32))
    reason = Column(Text)
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)
    decided_at = Column(DateTime(timezone=True))
    # When its organisers were reminded, and the D&I service team told it waits (once each).
    reminded_at = Column(DateTime(timezone=True))
    escalated_at = Column(DateTime(timezone=True))

    group = relationship("Group")


class MembershipStatus(str, enum.Enum):
    inviting = "inviting"  # the bot has queued the channel invite
    member = "member"


class Membership(Base):
    """Someone the bot has added (or is adding) to a group's channel. Only kept so a second
    "join" is answered with "you're already in" instead of a second invite."""

    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("group_id", "slack_user_id", "closed_part"),)

    id = Column(Integer, primary_key=True)
    group_id = Column(Integer, ForeignKey("groups.id"), nullable=False, index=True)
    slack_user_id = Column(String(32), nullable=False, index=True)
    closed_part = Column(Boolean, nullable=False, default=False)
    status = Column(_enum(MembershipStatus), nullable=False, default=MembershipStatus.inviting)
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)


class GroupProposal(Base):
    __tablename__ = "group_proposals"

    id = Column(Integer, primary_key=True)
    reference = Column(String(20), nullable=False, unique=True)
    proposer_slack_id = Column(String(32), nullable=False, index=True)
    name = Column(String(120), nullable=False)
    type = Column(_enum(GroupType), nullable=False)
    purpose = Column(Text, nullable=False)
    meeting = Column(Text, nullable=False)
    organisers = Column(JSON, nullable=False, default=list)
    criteria = Column(Text)
    how_to_ask = Column(Text)
    edi_policy_confirmed = Column(Boolean, nullable=False, default=False)
    status = Column(_enum(RequestStatus), nullable=False, default=RequestStatus.pending)
    decided_by = Column(String(32))
    reason = Column(Text)
    group_id = Column(Integer, ForeignKey("groups.id"))
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)
    decided_at = Column(DateTime(timezone=True))


class SupportRequest(Base):
    __tablename__ = "support_requests"

    id = Column(Integer, primary_key=True)
    reference = Column(String(20), nullable=False, unique=True)
    requester_slack_id = Column(String(32), nullable=False, index=True)
    kind = Column(String(40), nullable=False)
    group_id = Column(Integer, ForeignKey("groups.id"))
    when_text = Column(String(200))
    amount_pence = Column(Integer)
    details = Column(Text)
    routed_to = Column(String(40), nullable=False)
    status = Column(_enum(RequestStatus), nullable=False, default=RequestStatus.pending)
    decided_by = Column(String(32))
    reason = Column(Text)
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)
    decided_at = Column(DateTime(timezone=True))


class CaseStatus(str, enum.Enum):
    """ISO 37002's receive, assess, address, conclude, as the reporter is told them."""

    draft = "draft"  # narrative received, not yet submitted
    held = "held"  # sent to nobody until another case names the same person (bot.journeys.raise_issue)
    open = "open"  # raised, not yet acknowledged by a handler
    acknowledged = "acknowledged"
    in_progress = "in_progress"
    waiting_for_reporter = "waiting_for_reporter"
    closed = "closed"


# Not (yet) sent to anyone: no handler, lead or figure sees these.
UNSENT = (CaseStatus.draft, CaseStatus.held)


class Case(Base):
    """A confidential case. The narrative, who must not handle it, the outcome and the
    handlers' notes are only ever stored as ciphertext (bot.core.crypto)."""

    __tablename__ = "cases"

    id = Column(Integer, primary_key=True)
    reference = Column(String(20), nullable=False, unique=True)
    # The conversation the draft belongs to (a Slack user id or "rest:<id>"), until submitted.
    draft_owner = Column(String(100), index=True)
    reporter_slack_id = Column(String(100), index=True)
    # Sent anonymously (bot.journeys.anonymous_cases): no reporter, no link to their conversation;
    # its reporter comes back with a receipt code, of which only a slow keyed hash is kept.
    anonymous = Column(Boolean, nullable=False, default=False, server_default=false())
    receipt_hash = Column(String(64), unique=True, index=True)
    # An anonymous reporter who asked to be told when there's news: their Slack id, encrypted.
    news_to_ciphertext = Column(LargeBinary)
    # Held until another case names the same person: who it is about, as a keyed hash only
    # (bot.core.receipts.keyed), and since when; whether its reporter was asked what to do once
    # CASE_HOLD_DAYS had passed.
    hold_key = Column(String(64), index=True)
    held_at = Column(DateTime(timezone=True))
    hold_asked_at = Column(DateTime(timezone=True))
    on_behalf = Column(Boolean, nullable=False, default=False)
    affected_person_consented = Column(Boolean)
    affected_person_may_be_named = Column(Boolean)
    group_id = Column(Integer, ForeignKey("groups.id"))
    category = Column(String(40))
    narrative_ciphertext = Column(LargeBinary)
    # Who must not handle the case: a JSON list of Slack user ids, encrypted like the narrative.
    excluded_ciphertext = Column(LargeBinary)
    routed_to = Column(String(40))
    # The handler looking after it (one of the routed team); empty until someone takes it.
    assignee_slack_id = Column(String(32))
    status = Column(_enum(CaseStatus), nullable=False, default=CaseStatus.draft)
    # The line the reporter sees when the case is closed.
    outcome_ciphertext = Column(LargeBinary)
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)
    updated_at = Column(DateTime(timezone=True), nullable=False, default=utcnow, onupdate=utcnow)
    submitted_at = Column(DateTime(timezone=True))
    acknowledged_at = Column(DateTime(timezone=True))
    closed_at = Column(DateTime(timezone=True))
    # Deadlines (bot.journeys.handle_case): handlers reminded, the team lead told, the
    # reporter given feedback at three months; once each.
    reminded_at = Column(DateTime(timezone=True))
    escalated_at = Column(DateTime(timezone=True))
    feedback_due_sent_at = Column(DateTime(timezone=True))

    notes = relationship("CaseNote", back_populates="case", cascade="all, delete-orphan", order_by="CaseNote.id")
    messages = relationship("CaseMessage", back_populates="case", cascade="all, delete-orphan",
                            order_by="CaseMessage.id")


class CaseNote(Base):
    """A handler's internal note on a case, encrypted; never shown to the reporter."""

    __tablename__ = "case_notes"

    id = Column(Integer, primary_key=True)
    case_id = Column(Integer, ForeignKey("cases.id", ondelete="CASCADE"), nullable=False, index=True)
    author_slack_id = Column(String(32), nullable=False)
    body_ciphertext = Column(LargeBinary, nullable=False)
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)

    case = relationship("Case", back_populates="notes")


class CaseMessage(Base):
    """A message between a case's handlers and the person who raised it, encrypted like a note;
    every handler of the case reads the whole thread, the reporter reads it too."""

    __tablename__ = "case_messages"

    id = Column(Integer, primary_key=True)
    case_id = Column(Integer, ForeignKey("cases.id", ondelete="CASCADE"), nullable=False, index=True)
    from_reporter = Column(Boolean, nullable=False, default=False)
    # The handler who wrote it; empty for the reporter's (the case says who raised it).
    author_slack_id = Column(String(32))
    body_ciphertext = Column(LargeBinary, nullable=False)
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)

    case = relationship("Case", back_populates="messages")


class DeploymentSecret(Base):
    """A random secret made once per deployment and stored encrypted with the case key: the
    key of the receipt codes' hashes, so a copy of the database alone can't test a guess."""

    __tablename__ = "deployment_secrets"

    name = Column(String(40), primary_key=True)
    ciphertext = Column(LargeBinary, nullable=False)


class ReceiptAttempt(Base):
    """A receipt code that matched no case I show, by whom (a keyed hash of their Slack id):
    counted to slow guessing, and forgotten after the window."""

    __tablename__ = "receipt_attempts"

    id = Column(Integer, primary_key=True)
    who = Column(String(64), nullable=False, index=True)
    at = Column(DateTime(timezone=True), nullable=False, default=utcnow)


class ConfidentialPrompt(Base):
    """A conversation waiting for confidential text (what happened, who must not handle it).
    Set by the action that asks; the input channel takes the next message into the case
    service instead of handing it to Rasa (bot.rasa_plumbing.confidential)."""

    __tablename__ = "confidential_prompts"

    conversation_id = Column(String(100), primary_key=True)
    step = Column(String(20), nullable=False)
    draft_reference = Column(String(20))
    expires_at = Column(DateTime(timezone=True), nullable=False)


class OutboxStatus(str, enum.Enum):
    pending = "pending"
    sent = "sent"
    failed = "failed"


class OutboxMessage(Base):
    """A notification written in the same transaction as the record it announces and
    delivered later with retries, so a Slack outage delays a message and never loses it."""

    __tablename__ = "outbox"

    id = Column(Integer, primary_key=True)
    idempotency_key = Column(String(200), nullable=False, unique=True)
    kind = Column(String(60), nullable=False)
    recipient = Column(String(64), nullable=False)
    payload = Column(JSON, nullable=False)
    status = Column(_enum(OutboxStatus), nullable=False, default=OutboxStatus.pending, index=True)
    attempts = Column(Integer, nullable=False, default=0)
    last_error = Column(Text)
    next_attempt_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)
    sent_at = Column(DateTime(timezone=True))
    # Where Slack put the message, so a decision can update every recipient's copy.
    slack_channel = Column(String(64))
    slack_ts = Column(String(40))


class SlackEventSeen(Base):
    """Slack event ids already taken in, so a retried delivery is answered once, also after
    a restart."""

    __tablename__ = "slack_events_seen"

    event_id = Column(String(100), primary_key=True)
    received_at = Column(DateTime(timezone=True), nullable=False, default=utcnow, index=True)


class AuditEntry(Base):
    __tablename__ = "audit_log"

    id = Column(Integer, primary_key=True)
    at = Column(DateTime(timezone=True), nullable=False, default=utcnow)
    actor = Column(String(64), nullable=False)
    action = Column(String(60), nullable=False)
    subject_type = Column(String(40), nullable=False)
    subject_id = Column(String(40), nullable=False)
    detail = Column(JSON, nullable=False, default=dict)


