"""Confidential text stops at the input channel.

When a conversation waits for what happened or who must not handle it (the asking action
recorded that, bot.journeys.raise_issue.expect), every channel hands the person's next
message to the case service instead of to Rasa, answers from here, and gives Rasa only a
placeholder: `/case_details_given{"case_draft_id": …, "issue_excluded": "2"}`. So the text is
never in the tracker, a slot, Rasa's or the action server's logs, or a bot message.

A placeholder typed by hand is checked like any other: it only moves a conversation on with
a draft that conversation owns."""
from __future__ import annotations

import asyncio
import json
import logging
from typing import Any, Awaitable, Callable

from rasa.core.channels.channel import UserMessage
from sanic import Blueprint

from bot.core.constants import EMPTY
from bot.bootstrap import current
from bot.core.errors import DomainError
from bot.journeys import raise_issue
from bot.journeys.raise_issue import TAKEN_INTENT, Taken
from bot.rasa_plumbing.payloads import intent_payload
from bot.rasa_plumbing.tracker_store import CASE_FORM, CONFIDENTIAL_SLOTS

log = logging.getLogger(__name__)

OnNewMessage = Callable[[UserMessage], Awaitable[Any]]
# Marks the placeholder in the tracker; the tracker store redacts any user message so marked.
CONFIDENTIAL = {"confidential": True}
STOP_PAYLOAD = "/stop"
# The Sanic app Rasa serves, whose agent holds the conversations (set as the server starts).
_server: Any = None


def watch_conversations(blueprint: Blueprint) -> None:
    """Let the intake read Rasa's own state of a conversation, as a second opinion."""

    @blueprint.listener("after_server_start")
    async def remember(app, _loop) -> None:
        global _server
        _server = app


async def _rasa_is_asking(sender: str) -> bool | None:
    """Whether Rasa's conversation waits for confidential text too; None if it can't be read."""
    agent = getattr(getattr(_server, "ctx", None), "agent", None)
    store = getattr(agent, "tracker_store", None)
    if store is None:
        return None
    tracker = await store.retrieve(sender)
    if tracker is None:
        return False
    return tracker.active_loop_name == CASE_FORM and tracker.get_slot("requested_slot") in CONFIDENTIAL_SLOTS


def slots_of(taken: Taken) -> dict[str, str]:
    """The conversation's slots for what was taken: a draft id and a count, never the text."""
    slots = {"case_draft_id": taken.draft_id or ""} if taken.narrative_kept else {}
    if taken.excluded is not None:
        slots["issue_excluded"] = str(taken.excluded) if taken.excluded else EMPTY
    return slots


def placeholder(taken: Taken) -> str:
    return intent_payload(TAKEN_INTENT, **slots_of(taken))


def reply_to(taken: Taken, escape: Callable[[str], str] = str) -> tuple[str | None, list[dict]]:
    """What the person is told, from the channel itself (never through Rasa): (text, buttons)."""
    if taken.problem:
        return taken.problem, []
    if taken.unsure:
        asked = ("If you were asking something: what you write here is stored encrypted, and only the team "
                 "handling your case can read it.\n") if taken.step == raise_issue.NARRATIVE else ""
        return (asked + "Just to check before I go on: is that what happened, or would you like to stop here?",
                [{"title": "That's what happened",
                  "payload": intent_payload(TAKEN_INTENT, case_draft_id=taken.draft_id or "")},
                 {"title": "Stop here", "payload": STOP_PAYLOAD}])
    lines = []
    if taken.step == raise_issue.NARRATIVE and taken.narrative_kept:
        lines.append("Thank you for telling me. I've stored it encrypted: only the team handling your case will "
                     "be able to read it, and it isn't kept in this conversation.")
    # Only names from the teams' roster are said back, never what was typed.
    if taken.kept_from and taken.step == raise_issue.EXCLUSIONS:
        named = ", ".join(f"{escape(name)} ({team})" for name, team in taken.kept_from)
        lines.append(f"I'll keep this case away from {named}: they won't be told about it, shown it, or able "
                     "to open it.")
    elif taken.excluded:
        count = taken.excluded
        lines.append(f"I'll keep it away from the {'person' if count == 1 else f'{count} people'} you chose: "
                     "they won't be told about it, shown it, or able to open it.")
    if taken.not_handlers:
        some = "that name" if len(taken.not_handlers) == 1 else f"{len(taken.not_handlers)} of the names"
        lines.append(f"I couldn't match {some} to anyone who handles cases, so they won't receive it either way.")
    if taken.step == raise_issue.EXCLUSIONS and (taken.kept_from or taken.not_handlers):
        lines.append("If I've got the wrong person, say *change who must not handle it* when I show you the summary.")
    return ("\n".join(lines) or None), []


def _claimed_placeholder(sender: str, text: str) -> Taken | None:
    """A `/case_details_given{…}` sent by the person (the "That's what happened" button, or
    typed): checked against their own draft. None when it isn't one."""
    if not text.startswith(f"/{TAKEN_INTENT}"):
        return None
    try:
        slots = json.loads(text[len(TAKEN_INTENT) + 1:] or "{}")
        draft_id = str(slots["case_draft_id"])
    except (ValueError, KeyError, TypeError):
        return Taken(raise_issue.NARRATIVE, problem="Sorry, I didn't follow that. Could you tell me again?")
    taken = raise_issue.confirm_narrative(sender, draft_id, current().uow())
    excluded = str(slots.get("issue_excluded", ""))
    if excluded == EMPTY or excluded.isdigit():  # as Slack's form sends it: a count, never names
        return Taken(taken.step, narrative_kept=taken.narrative_kept, draft_id=taken.draft_id,
                     excluded=0 if excluded == EMPTY else int(excluded))
    return taken


async def intake(message: UserMessage, say: Callable[[str, list[dict]], Awaitable[Any]],
                 escape: Callable[[str], str] = str, typed_note: str = "") -> UserMessage | None:
    """The message Rasa should get: the message itself, a placeholder, or None (answered here)."""
    text, sender = message.text or "", message.sender_id
    try:
        taken = await asyncio.to_thread(_claimed_placeholder, sender, text)
        if taken is None and await asyncio.to_thread(raise_issue.waiting_for, sender, current().uow()):
            if await _rasa_is_asking(sender) is False:
                # The conversation moved on without saying so (an old button pressed): stop waiting.
                await asyncio.to_thread(raise_issue.stop_waiting, sender, current().uow())
            else:
                taken = await asyncio.to_thread(raise_issue.take, sender, text, current().uow())
    except DomainError as problem:
        await say(str(problem), [])
        return None
    if taken is None:
        return message
    if taken.stop:
        return UserMessage(STOP_PAYLOAD, message.output_channel, message.sender_id,
                           input_channel=message.input_channel, metadata={**(message.metadata or {}), **CONFIDENTIAL})
    answer, buttons = reply_to(taken, escape)
    if answer and taken.settled and typed_note:
        answer += "\n" + typed_note
    if answer:
        await say(answer, buttons)
    if not taken.settled:
        return None
    return UserMessage(placeholder(taken), message.output_channel, message.sender_id,
                       input_channel=message.input_channel, metadata={**(message.metadata or {}), **CONFIDENTIAL})


def guarded(on_new_message: OnNewMessage, escape: Callable[[str], str] = str, typed_note: str = "") -> OnNewMessage:
    """`on_new_message`, with confidential text taken out before Rasa sees it. `typed_note`
    is added when confidential text was taken from a message the chat itself keeps."""

    async def handle(message: UserMessage) -> Any:
        async def say(text: str, buttons: list[dict]) -> None:
            output = message.output_channel
            if buttons:
                await output.send_text_with_buttons(message.sender_id, text, buttons)
            elif hasattr(output, "send_private_text"):  # Slack: seen now, not kept in the chat's history
                await output.send_private_text(message.sender_id, text)
            else:
                await output.send_text_message(message.sender_id, text)

        forwarded = await intake(message, say, escape, typed_note)
        if forwarded is not None:
            return await on_new_message(forwarded)
        return None

    return handle
