"""What each kind of outbox notice holds: one dataclass per kind, written by a service and read
back by the Slack package, which renders it by its type. Plain values only (a reference, a
group's name, a person's Slack id, what someone typed): no markup, never a case's narrative.

Stored as the outbox row's kind and a JSON payload of the fields. A row read back may lack
fields (written by an earlier version, or stripped once delivered): they read as their defaults."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any, ClassVar


@dataclass(frozen=True)
class Notice:
    kind: ClassVar[str] = ""

    def payload(self) -> dict[str, Any]:
        return asdict(self)


# ---------------------------------------------------------------- invite requests

@dataclass(frozen=True)
class InviteRequestNotice(Notice):
    """To each organiser of a closed group: someone asks to join."""
    kind: ClassVar[str] = "invite_request"
    reference: str = ""
    group: str = ""
    group_slug: str = ""
    requester: str = ""
    note: str | None = None


@dataclass(frozen=True)
class InviteDecisionNotice(Notice):
    """To the requester: approved or declined (with the organiser's reason)."""
    kind: ClassVar[str] = "invite_decision"
    reference: str = ""
    group: str = ""
    approved: bool = False
    reason: str | None = None


@dataclass(frozen=True)
class InviteNudgeNotice(Notice):
    """To an organiser: a request has waited `days`."""
    kind: ClassVar[str] = "invite_nudge"
    reference: str = ""
    requester: str = ""
    group: str = ""
    days: int = 0


@dataclass(frozen=True)
class InviteEscalationNotice(Notice):
    """To the D&I service team: a request has waited `days` even after the nudge."""
    kind: ClassVar[str] = "invite_escalation"
    reference: str = ""
    group: str = ""
    days: int = 0


@dataclass(frozen=True)
class ChannelInvite(Notice):
    """Not a message: Slack's `conversations.invite` of `user` to `channel`."""
    kind: ClassVar[str] = "channel_invite"
    channel: str = ""
    user: str = ""


@dataclass(frozen=True)
class AddBotNotice(Notice):
    """To an organiser: the bot isn't in the group's channel, so it can't add people."""
    kind: ClassVar[str] = "add_bot"
    channel: str = ""
    channel_name: str | None = None


# ---------------------------------------------------------------- group proposals

@dataclass(frozen=True)
class GroupProposalNotice(Notice):
    """To the D&I service team: a proposed group, as the proposer described it."""
    kind: ClassVar[str] = "group_proposal"
    reference: str = ""
    proposer: str = ""
    name: str = ""
    group_type: str = ""
    purpose: str = ""
    meeting: str = ""
    organisers: list[str] = field(default_factory=list)
    # Organisers typed as "@Name" that Slack didn't resolve: shown by name, never made organisers.
    named_organisers: list[str] = field(default_factory=list)
    criteria: str | None = None
    how_to_ask: str | None = None


@dataclass(frozen=True)
class ProposalDecisionNotice(Notice):
    """To the proposer: approved (and listed) or declined."""
    kind: ClassVar[str] = "proposal_decision"
    reference: str = ""
    name: str = ""
    approved: bool = False
    reason: str | None = None


# ---------------------------------------------------------------- support requests

@dataclass(frozen=True)
class SupportRequestNotice(Notice):
    """To the team a kind of support is routed to."""
    kind: ClassVar[str] = "support_request"
    reference: str = ""
    requester: str = ""
    what: str = ""
    group: str | None = None
    when: str | None = None
    amount: str | None = None
    details: str | None = None


@dataclass(frozen=True)
class SupportDecisionNotice(Notice):
    """To the requester: done or declined."""
    kind: ClassVar[str] = "support_decision"
    reference: str = ""
    done: bool = False
    reason: str | None = None


# ---------------------------------------------------------------- confidential cases (never what happened)

@dataclass(frozen=True)
class CaseNotice(Notice):
    """To each eligible handler of the team a case is routed to: what it is and how old."""
    kind: ClassVar[str] = "case_notice"
    reference: str = ""
    category: str = ""
    team: str = ""
    on_behalf: bool = False
    may_be_named: bool | None = None
    raised_at: str = ""  # ISO 8601
    acknowledge_days: int | None = None
    # Who raised it (a named case: the handlers know, so they can talk with them).
    reporter: str = ""


@dataclass(frozen=True)
class CaseAssignedNotice(Notice):
    """To the handler a case was passed to."""
    kind: ClassVar[str] = "case_assigned"
    reference: str = ""
    category: str = ""
    team: str = ""
    by: str | None = None
    status: str = ""
    on_behalf: bool = False
    may_be_named: bool | None = None
    raised_at: str = ""  # ISO 8601
    reporter: str = ""


@dataclass(frozen=True)
class CaseUpdateNotice(Notice):
    """To the reporter: their case acknowledged, moved on, or closed."""
    kind: ClassVar[str] = "case_update"
    reference: str = ""
    status: str = ""
    team: str = ""
    acknowledged: bool = False
    feedback_days: int | None = None
    # Closed: the outcome, encrypted (a token the renderer decrypts; the outbox keeps no text).
    outcome: str | None = None
    # A closed case taken up again.
    reopened: bool = False


@dataclass(frozen=True)
class CaseMessageNotice(Notice):
    """To the reporter: a message from the team handling their case, with a way to reply."""
    kind: ClassVar[str] = "case_message"
    reference: str = ""
    team: str = ""
    # The message, encrypted (a token the renderer decrypts; the outbox keeps no text).
    message: str | None = None


@dataclass(frozen=True)
class CaseHeldNotice(Notice):
    """To the person who held a named case until someone else reports the same person: it's held,
    with buttons to send it now or delete it. `asking`: the hold ran out (`hold_days`) and they're
    asked what to do, keeping it waiting among the choices."""
    kind: ClassVar[str] = "case_held"
    reference: str = ""
    team: str = ""
    hold_days: int = 0
    asking: bool = False
    # Asking: left unanswered this long, it is deleted (RETAIN_CLOSED_CASES_DAYS; 0: never).
    delete_after_days: int = 0


@dataclass(frozen=True)
class CaseReleasedNotice(Notice):
    """To the person who held a case: someone else reported the same person, so it has gone to its team."""
    kind: ClassVar[str] = "case_released"
    reference: str = ""
    team: str = ""
    acknowledge_days: int | None = None


@dataclass(frozen=True)
class AnonymousNewsNotice(Notice):
    """To someone who raised a case anonymously and asked to be told: there's news on it. No
    reference, nothing else: reading it takes their receipt code."""
    kind: ClassVar[str] = "anonymous_news"


@dataclass(frozen=True)
class CaseReporterNotice(Notice):
    """To each handler of a case: the person who raised it replied or added something
    ("replied"), or withdrew it ("withdrew"). Never what they wrote."""
    kind: ClassVar[str] = "case_reporter"
    reference: str = ""
    category: str = ""
    did: str = "replied"
    reporter: str = ""


@dataclass(frozen=True)
class CaseReminderNotice(Notice):
    """To the handlers: nobody has acknowledged a case in `days`."""
    kind: ClassVar[str] = "case_reminder"
    reference: str = ""
    category: str = ""
    days: int = 0


@dataclass(frozen=True)
class CaseEscalationNotice(Notice):
    """To the team's leads: still not acknowledged after the reminder."""
    kind: ClassVar[str] = "case_escalation"
    reference: str = ""
    category: str = ""
    days: int = 0
    team: str = ""


@dataclass(frozen=True)
class CaseFeedbackDueNotice(Notice):
    """To the reporter ("reporter") or the handlers ("handler"): feedback on how it stands is due."""
    kind: ClassVar[str] = "case_feedback_due"
    reference: str = ""
    category: str = ""
    days: int = 0
    audience: str = "handler"
    status: str = ""
    team: str = ""
    reporter_told: bool = False


# ---------------------------------------------------------------- the rest

@dataclass(frozen=True)
class WelcomeNotice(Notice):
    """To someone new in the workspace: the groups, as directory entries."""
    kind: ClassVar[str] = "welcome"
    groups: list[dict] = field(default_factory=list)


@dataclass(frozen=True)
class DeliveryFailedNotice(Notice):
    """To the D&I service team (a case's: its own team): a notice Slack kept refusing. For a
    sensitive one, only its kind and number, never whom or what it was about."""
    kind: ClassVar[str] = "delivery_failed"
    what: str = ""
    number: int | None = None
    attempts: int = 0
    error: str | None = None
    sensitive: bool = True
    reference: str | None = None
    undelivered_to: str | None = None


KINDS: dict[str, type[Notice]] = {cls.kind: cls for cls in Notice.__subclasses__()}


def notice_from(kind: str, payload: dict[str, Any] | None) -> Notice | None:
    """The typed notice an outbox row holds; None for a kind this version doesn't know."""
    cls = KINDS.get(kind)
    if cls is None:
        return None
    payload = payload or {}
    return cls(**{f.name: payload[f.name] for f in fields(cls) if f.name in payload})
