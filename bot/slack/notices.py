"""Notices as Slack shows them: each kind of outbox notice (plain fields written by a
service) rendered to mrkdwn text, and to Block Kit where it carries buttons or a directory.
Every value that came from a person is escaped here, on its way out."""
from __future__ import annotations

from dataclasses import replace
from typing import Any, Callable

from bot.core.crypto import Cipher
from bot.core.models import CaseStatus
from bot.core.notices import (AddBotNotice, AnonymousNewsNotice, CaseAssignedNotice, CaseEscalationNotice,
                               CaseFeedbackDueNotice, CaseHeldNotice, CaseMessageNotice, CaseNotice, CaseReleasedNotice,
                               CaseReminderNotice, CaseReporterNotice, CaseUpdateNotice, DeliveryFailedNotice,
                               GroupProposalNotice, InviteDecisionNotice, InviteEscalationNotice, InviteNudgeNotice,
                               InviteRequestNotice, Notice, ProposalDecisionNotice, SupportDecisionNotice,
                               SupportRequestNotice, WelcomeNotice, notice_from)
from bot.journeys.decidable import BY_NOTICE_KIND
from bot.slack.blocks import (MESSAGE_BLOCK_LIMIT, SECTION_LIMIT, fallback_text, text_sections, welcome_blocks,
                              with_decision_buttons)
from bot.slack.case_views import (ANONYMOUS_NEWS, case_assigned_blocks, case_assigned_text, case_held_blocks,
                                  case_held_text, case_message_text, case_notice_blocks, case_notice_text,
                                  case_released_text, case_reporter_blocks, case_reporter_text, case_update_text,
                                  check_code_blocks, opened, reporter_blocks, with_outcome_opened)
from bot.slack.markup import escape_mrkdwn as e
from bot.slack.markup import mention, mention_recipient

DANDI_OFFER = " If you'd like to talk it through, the D&I service team is happy to help."
WELCOME = ("Welcome! I'm the community groups assistant. The company has open groups anyone can join and "
           "closed groups for people who share an experience or identity. Here they are; press a button, "
           "or message me to find a group, start one, or ask about support.")


def _said(reason: str | None) -> str:
    return f" They said: {e(reason)}" if reason else ""


def _invite_request(n: InviteRequestNotice) -> str:
    text = (f"{mention(n.requester)} would like to join *{e(n.group)}* and confirms they meet its criteria.\n"
            f"Reference: {n.reference}")
    return text + (f"\nTheir note: {e(n.note)}" if n.note else "")


def _invite_decision(n: InviteDecisionNotice) -> str:
    if n.approved:
        return (f"Good news: your request to join *{e(n.group)}* ({n.reference}) was approved. "
                "You'll be added to its channel shortly.")
    return (f"The organisers of *{e(n.group)}* weren't able to accept your request ({n.reference})."
            + _said(n.reason) + DANDI_OFFER)


def _group_proposal(n: GroupProposalNotice) -> str:
    text = (f"{mention(n.proposer)} proposes a new *{n.group_type}* group: *{e(n.name)}* ({n.reference})\n"
            f"*Purpose:* {e(n.purpose)}\n*Meets:* {e(n.meeting)}\n"
            f"*Organisers:* {', '.join([mention(o) for o in n.organisers] + [e(name) for name in n.named_organisers or []])}")
    if n.named_organisers:
        text += ("\n_Named without an @-mention, so not yet known in Slack: please check who they are with the "
                 "proposer; they aren't made organisers on approval._")
    if n.criteria:
        text += f"\n*Who it's for:* {e(n.criteria)}\n*How to ask:* {e(n.how_to_ask or '')}"
    return text


def _proposal_decision(n: ProposalDecisionNotice) -> str:
    if n.approved:
        return (f"Great news: *{e(n.name)}* ({n.reference}) has been approved and is now listed. "
                "People can find it through me straight away.")
    return (f"The D&I service team couldn't approve *{e(n.name)}* ({n.reference}) as it stands."
            + _said(n.reason))


def _support_request(n: SupportRequestNotice) -> str:
    lines = [f"{mention(n.requester)} asks for support: *{e(n.what)}* ({n.reference})"]
    for label, value in (("Group", n.group), ("When", n.when), ("Estimated amount", n.amount), ("Details", n.details)):
        if value:
            lines.append(f"*{label}:* {e(value)}")
    return "\n".join(lines)


def _support_decision(n: SupportDecisionNotice) -> str:
    return (f"Your support request {n.reference} has been " + ("marked as done." if n.done else "declined.")
            + _said(n.reason))


def _invite_nudge(n: InviteNudgeNotice) -> str:
    return (f"A gentle reminder: {mention(n.requester)} has been waiting {n.days} days to join "
            f"*{e(n.group)}* ({n.reference}). The Approve and Decline buttons are in my earlier message.")


def _invite_escalation(n: InviteEscalationNotice) -> str:
    return (f"An invite request for *{e(n.group)}* ({n.reference}) has waited {n.days} days without a "
            "decision from its organisers. Could someone check in with them?")


# A case's status as its reporter and handlers are told it.
CASE_STANDING = {
    "open": ("it's with the team, waiting for someone to pick it up", "waiting to be acknowledged"),
    "acknowledged": ("the team has acknowledged it and will be in touch", "acknowledged"),
    "in_progress": ("the team is working on it", "in progress"),
    "waiting_for_reporter": ("the team is waiting to hear from you, whenever you're ready", "waiting for the reporter"),
}


def _case_reminder(n: CaseReminderNotice) -> str:
    return (f"A gentle reminder: confidential case *{n.reference}* ({e(n.category)}) was raised {n.days} "
            "days ago and nobody has acknowledged it yet. Please open it from my earlier message and acknowledge it, "
            "so the person who raised it knows it's in hand.")


def _case_escalation(n: CaseEscalationNotice) -> str:
    return (f"Confidential case *{n.reference}* ({e(n.category)}), with {e(n.team)}, has waited "
            f"{n.days} days without being acknowledged, even after a reminder. Could you make sure someone "
            "picks it up? (I never include what a case is about in a message.)")


def _case_feedback_due(n: CaseFeedbackDueNotice) -> str:
    for_reporter, for_handlers = CASE_STANDING.get(n.status, (n.status, n.status))
    if n.audience == "reporter":
        return (f"Hello again. It's been {n.days} days since you raised {n.reference} with {e(n.team)}, "
                f"and I wanted you to know where it stands: {for_reporter}. You haven't been forgotten. If you'd "
                "like to talk to someone in the meantime, the D&I service team and the People team are here for you.")
    return (f"Confidential case *{n.reference}* ({e(n.category)}) was raised {n.days} days ago and is "
            f"{for_handlers}. The person who raised it is due feedback on how it stands"
            + (": I've let them know where it is, so please follow up with them" if n.reporter_told else
               ": I can't reach them myself, so please follow up through the way they're in touch with you")
            + ", or close it with an outcome.")


def _add_bot(n: AddBotNotice) -> str:
    return (f"I can't add people to <#{n.channel}|{e(n.channel_name or n.channel)}> because I'm not "
            "in it. Please add me: open the channel, type `/invite @Community groups` and send. People you've "
            "approved are waiting, and I'll add them as soon as I'm in.")


def _delivery_failed(n: DeliveryFailedNotice) -> str:
    said = f"after {n.attempts} attempt(s) (Slack said: `{e(n.error or '')}`)."
    if n.sensitive:
        return (f"I couldn't deliver a notification ({n.what}, number {n.number}) {said[:-1]}. Please check "
                "the app's access; `community-bot outbox failed` has the details.")
    about = f" about {n.reference}" if n.reference else ""
    return (f"I couldn't deliver a {n.what}{about} to {mention_recipient(n.undelivered_to)} {said[:-1]}. Please "
            "check the app's access, then follow it up by hand.")


TEXT: dict[type[Notice], Callable[[Any], str]] = {
    InviteRequestNotice: _invite_request, InviteDecisionNotice: _invite_decision,
    GroupProposalNotice: _group_proposal, ProposalDecisionNotice: _proposal_decision,
    SupportRequestNotice: _support_request, SupportDecisionNotice: _support_decision,
    InviteNudgeNotice: _invite_nudge, InviteEscalationNotice: _invite_escalation,
    CaseNotice: case_notice_text, CaseUpdateNotice: case_update_text, CaseAssignedNotice: case_assigned_text,
    AddBotNotice: _add_bot, DeliveryFailedNotice: _delivery_failed, CaseReminderNotice: _case_reminder,
    CaseEscalationNotice: _case_escalation, CaseFeedbackDueNotice: _case_feedback_due,
    CaseMessageNotice: case_message_text, CaseReporterNotice: case_reporter_text,
    WelcomeNotice: lambda _: WELCOME, AnonymousNewsNotice: lambda _: ANONYMOUS_NEWS, CaseHeldNotice: case_held_text,
    CaseReleasedNotice: case_released_text,
}


def _typed(kind: str, payload: dict) -> Notice | None:
    # Rows queued before notices were structured carry their text, already escaped: no notice.
    return notice_from(kind, payload) if "text" not in payload else None


def _text(notice: Notice | None, payload: dict, cipher: Cipher | None = None) -> str:
    if notice is None or type(notice) not in TEXT:
        return payload.get("text", "")
    if isinstance(notice, CaseUpdateNotice):
        notice = with_outcome_opened(notice, cipher)
    if isinstance(notice, CaseMessageNotice):
        notice = replace(notice, message=opened(notice.message, cipher))
    return TEXT[type(notice)](notice)


def notice_text(kind: str, payload: dict, cipher: Cipher | None = None) -> str:
    """The notice's text; a closed case's outcome is shown only with the cipher."""
    return _text(_typed(kind, payload), payload, cipher)


# Notices whose buttons are their own (a case's Open and Acknowledge).
BLOCKS: dict[type[Notice], Callable[[Any], list[dict]]] = {
    CaseNotice: case_notice_blocks, CaseAssignedNotice: case_assigned_blocks, CaseReporterNotice: case_reporter_blocks,
    AnonymousNewsNotice: lambda _: check_code_blocks(ANONYMOUS_NEWS), CaseHeldNotice: case_held_blocks,
}
# The reporter's DMs about their case, with what opens their modal (then *Withdraw the case*).
REPORTER_FIRST_BUTTON: dict[type[Notice], str] = {CaseMessageNotice: "Reply", CaseUpdateNotice: "Add information",
                                                  CaseReleasedNotice: "Add information"}


def render(kind: str, payload: dict, cipher: Cipher | None = None) -> tuple[str, list[dict] | None]:
    """What an outbox notice looks like in Slack: (text, blocks)."""
    notice = _typed(kind, payload)
    text = _text(notice, payload, cipher)
    if notice is not None and type(notice) in BLOCKS:
        return fallback_text(text), BLOCKS[type(notice)](notice)
    if notice is not None and type(notice) in REPORTER_FIRST_BUTTON and getattr(notice, "status", "") != CaseStatus.closed.value:
        return fallback_text(text), reporter_blocks(text, notice.reference, first=REPORTER_FIRST_BUTTON[type(notice)])
    if kind in BY_NOTICE_KIND and payload.get("reference"):
        return fallback_text(text), with_decision_buttons(BY_NOTICE_KIND[kind], text, payload["reference"])
    if isinstance(notice, WelcomeNotice) and "groups" in payload:
        return text, welcome_blocks(text, notice.groups)
    if payload.get("blocks"):
        return fallback_text(text), payload["blocks"]
    if len(text) > SECTION_LIMIT:
        return fallback_text(text), [block.to_dict() for block in text_sections(text)[:MESSAGE_BLOCK_LIMIT]]
    return text, None
