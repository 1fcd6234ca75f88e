"""Confidential text stops at the input channel.

When a conversation waits for what happened or who must not handle it (the asking action
recorded that, bot.journeys.raise_issue.expect), every channel hands the person's next
message to the case service instead of to Rasa, answers from here, and gives Rasa only a
placeholder: `/case_details_given{"case_draft_id": …, "issue_excluded": "2"}`. So the text is
never in the tracker, a slot, Rasa's or the action server's logs, or a bot message.

Safe mode: every other message is read here, with Rasa's own NLU, in memory. From the one that
starts raising an issue (or may: SEAL_FLOOR) to the end of that journey, Rasa gets the reading
and SAID_IN_CONFIDENCE in place of the words, which go sealed (encrypted) in the message's
metadata; the action server opens the seal, in memory, for that turn's actions only
(bot.rasa_plumbing.action_server), and the tracker store drops it. A story told in that first
message is held, encrypted, on the case's draft and offered as what happened when the form gets
there (bot.journeys.raise_issue.begin). Any other message goes on with its reading, so Rasa
doesn't read it twice.

A placeholder typed by hand is checked like any other: it only moves a conversation on with
a draft that conversation owns."""
from __future__ import annotations

import asyncio
import json
import logging
import time
import weakref
from typing import Any, Awaitable, Callable

from rasa.core.channels.channel import UserMessage
from sanic import Blueprint

from bot.core.constants import EMPTY, SAID_IN_CONFIDENCE, SEALED
from bot.bootstrap import current
from bot.core.errors import DomainError
from bot.journeys import raise_issue
from bot.journeys.raise_issue import TAKEN_INTENT, Taken
from bot.nlu import reader
from bot.rasa_plumbing.payloads import intent_payload, is_payload
from bot.rasa_plumbing.replies import INTERNAL_ERROR
from bot.rasa_plumbing.tracker_store import CASE_FORM, CONFIDENTIAL_SLOTS

log = logging.getLogger(__name__)

OnNewMessage = Callable[[UserMessage], Awaitable[Any]]
# Marks the placeholder in the tracker; the tracker store redacts any user message so marked.
CONFIDENTIAL = {"confidential": True}
STOP_PAYLOAD = "/stop"
RAISING = raise_issue.INTENT
# A message the model reads as this likely (or more) to be about raising an issue is said in
# confidence too: sealing costs nothing but the words in the tracker, and a story told beside a
# request the model is unsure of is still a story.
SEAL_FLOOR = 0.25
# What Rasa keeps of a message said in confidence: the model's reading, never the words (nor
# entities, which are spans of them).
KEPT_READING = ("intent", "intent_ranking", "response_selector", "sentences")
# The Sanic app Rasa serves, whose agent holds the conversations (set as the server starts).
_server: Any = None


def watch_conversations(blueprint: Blueprint) -> None:
    """Let the intake read Rasa's own state of a conversation, as a second opinion."""

    @blueprint.listener("after_server_start")
    async def remember(app, _loop) -> None:
        global _server
        _server = app


def _agent() -> Any:
    agent = getattr(getattr(_server, "ctx", None), "agent", None)
    return agent if getattr(agent, "tracker_store", None) is not None else None


async def _rasa_is_asking(sender: str) -> bool | None:
    """Whether Rasa's conversation waits for confidential text too; None if it can't be read."""
    agent = _agent()
    if agent is None:
        return None
    tracker = await agent.tracker_store.retrieve(sender)
    if tracker is None:
        return False
    return tracker.active_loop_name == CASE_FORM and tracker.get_slot("requested_slot") in CONFIDENTIAL_SLOTS


def _reading(agent: Any, message: UserMessage, tracker: Any) -> dict[str, Any]:
    """The NLU's reading of a message, in memory: Rasa's own graph, without the DEBUG line that
    Rasa's parse_message writes (it holds the text)."""
    from rasa.shared.core.trackers import DialogueStateTracker

    processor = agent.processor
    reading = processor._parse_message_with_graph(
        message, tracker or DialogueStateTracker.from_events(message.sender_id, []))
    processor._update_full_retrieval_intent(reading)
    return reading


def _starts_raising(reading: dict[str, Any]) -> bool:
    """Whether the model reads the message as raising an issue, looking past a hesitation
    (nlu_fallback), as switching journeys does."""
    ranked = [r.get("name") for r in reading.get("intent_ranking") or [] if r.get("name") != "nlu_fallback"]
    return (reading.get("intent") or {}).get("name") == RAISING or ranked[:1] == [RAISING]


def _may_raise(reading: dict[str, Any]) -> bool:
    """Whether a message starts raising an issue, or may: said in confidence either way (so a
    message begun as raising one is always sealed)."""
    if _starts_raising(reading):
        return True
    if any(sentence.get("intent") == RAISING for sentence in reading.get("sentences") or []):
        return True
    return any(ranked.get("name") == RAISING and float(ranked.get("confidence") or 0.0) >= SEAL_FLOOR
               for ranked in reading.get("intent_ranking") or [])


def _with_reading(message: UserMessage, reading: dict[str, Any]) -> UserMessage:
    return UserMessage(message.text, message.output_channel, message.sender_id, parse_data=reading,
                       input_channel=message.input_channel, message_id=message.message_id, metadata=message.metadata)


def _in_confidence(message: UserMessage, reading: dict[str, Any]) -> UserMessage:
    """The message as Rasa gets it in safe mode: the reading, and the words sealed."""
    kept = {key: reading[key] for key in KEPT_READING if key in reading}
    metadata = {**(message.metadata or {}), SEALED: current().uow().cipher.seal(message.text or "")}
    kept.update(text=SAID_IN_CONFIDENCE, entities=[], metadata=metadata)
    return UserMessage(SAID_IN_CONFIDENCE, message.output_channel, message.sender_id, parse_data=kept,
                       input_channel=message.input_channel, message_id=message.message_id, metadata=metadata)


# A message that starts raising an issue and, in the same breath, takes it back.
CHANGED_MIND = ("Okay, let's leave it. I haven't kept anything you told me, and nothing has been sent. If you "
                "want to raise it another time, just tell me; and if you'd like to talk to someone, the People team "
                "or the D&I service team are there for you.")


async def read_in_memory(message: UserMessage) -> UserMessage | str:
    """The message for Rasa, read here: in confidence while an issue is raised (see above). Or,
    for a story told and taken back in one message ("… actually, let's leave it"), what to say
    instead: nothing is kept and the journey doesn't start."""
    agent = _agent()
    if agent is None:  # no server to read with (a channel under test): Rasa reads it, and the store redacts
        return message
    tracker = await agent.tracker_store.retrieve(message.sender_id)
    reading = _reading(agent, message, tracker)
    raising = tracker is not None and tracker.active_loop_name == CASE_FORM
    text = message.text or ""
    payload = is_payload(text)
    if not raising and _starts_raising(reading):
        told = not payload and raise_issue.told_up_front(text, reading.get("sentences") or [])
        taken_back = told and reader.wants_to_stop(text) == "yes"
        await asyncio.to_thread(raise_issue.begin, message.sender_id, text if told and not taken_back else None,
                                current().uow())
        if taken_back:
            return CHANGED_MIND
    if payload or not (raising or _may_raise(reading)):  # (a button's payload isn't typed)
        return _with_reading(message, reading)
    return _in_confidence(message, reading)


def slots_of(taken: Taken) -> dict[str, str]:
    """The conversation's slots for what was taken: a draft id and a count, never the text."""
    if taken.sent_from_window:
        return {"issue_confirmed": taken.sent_from_window}
    slots = {"case_draft_id": taken.draft_id or ""} if taken.narrative_kept else {}
    if taken.excluded is not None:
        slots["issue_excluded"] = str(taken.excluded) if taken.excluded else EMPTY
    return slots


def placeholder(taken: Taken) -> str:
    return intent_payload(TAKEN_INTENT, **slots_of(taken))


def reply_to(taken: Taken, escape: Callable[[str], str] = str,
             form_button: dict | None = None) -> tuple[str | None, list[dict]]:
    """What the person is told, from the channel itself (never through Rasa): (text, buttons).
    `form_button` opens the channel's private form for what happened, where it has one."""
    if taken.problem:
        return taken.problem, []
    if taken.tell_again:
        if form_button:
            return ("Okay, I won't use it, and I've deleted it. When you're ready, press the button and tell me "
                    "what happened in the private form.", [form_button, {"title": "Stop here", "payload": STOP_PAYLOAD}])
        return ("Okay, I won't use it, and I've deleted it. In your own words, what happened? What you type next "
                "goes straight into your case, encrypted.", [])
    if taken.unsure and taken.step == raise_issue.OFFERED:
        return ("Would you like to stop here? Nothing has been sent, and if you stop I'll delete what you wrote.",
                [{"title": "Stop here", "payload": STOP_PAYLOAD},  # (the others: a yes and a no, read as typed)
                 {"title": "Use what I wrote", "payload": "yes"}, {"title": "Tell it again", "payload": "no"}])
    if taken.unsure:
        asked = ("If you were asking something: what you write here is stored encrypted, and only the team "
                 "handling your case can read it.\n") if taken.step == raise_issue.NARRATIVE else ""
        return (asked + "Just to check before I go on: is that what happened, or would you like to stop here?",
                [{"title": "That's what happened",
                  "payload": intent_payload(TAKEN_INTENT, case_draft_id=taken.draft_id or "")},
                 {"title": "Stop here", "payload": STOP_PAYLOAD}])
    lines = []
    if taken.story_used:
        lines.append("Thank you. I'll use what you wrote: it's stored encrypted, only the team handling your case "
                     "will be able to read it, and it isn't kept in this conversation.")
    elif taken.step == raise_issue.NARRATIVE and taken.narrative_kept:
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


# Conversations whose case was just sent from one of Slack's private windows: how, and by when
# (monotonic seconds) the conversation must hear of it. In memory: the window's submission hands
# the conversation its placeholder in the same process, and nothing stored joins the two.
_sent_from_window: dict[str, tuple[str, float]] = {}
SENT_NOTICE_SECONDS = 120


def sent_from_window(sender: str, how: str) -> str:
    """The placeholder that tells `sender`'s conversation how its case went (one of
    raise_issue.SENT_FROM_A_WINDOW): valid once, for a short while, and only when this process
    just sent it."""
    now = time.monotonic()
    for gone in [who for who, (_, until) in _sent_from_window.items() if until < now]:
        _sent_from_window.pop(gone, None)
    _sent_from_window[sender] = (how, now + SENT_NOTICE_SECONDS)
    return placeholder(Taken(raise_issue.NARRATIVE, sent_from_window=how))


async def at_summary(sender: str) -> dict[str, Any] | None:
    """The case's choices (the form's slots) when `sender`'s conversation is at the summary of
    raising an issue, to send it from Slack's private window; None anywhere else."""
    agent = _agent()
    tracker = await agent.tracker_store.retrieve(sender) if agent is not None else None
    if tracker is None or tracker.active_loop_name != CASE_FORM or \
            tracker.get_slot("requested_slot") != "issue_confirmed":
        return None
    return {name: tracker.get_slot(name) for name in (
        "case_draft_id", "issue_for", "issue_consent", "issue_may_name", "issue_category", "issue_route")}


def _claimed_placeholder(sender: str, text: str) -> Taken | None:
    """A `/case_details_given{…}` sent by the person (the "That's what happened" button, or
    typed): checked against their own draft, or against a case this process has just sent
    from a private window for them. None when it isn't one."""
    if not text.startswith(f"/{TAKEN_INTENT}"):
        return None
    try:
        slots = json.loads(text[len(TAKEN_INTENT) + 1:] or "{}")
        if "issue_confirmed" in slots:
            how, until = _sent_from_window.pop(sender, ("", 0.0))
            if how != slots["issue_confirmed"] or until < time.monotonic():
                raise ValueError("not sent from here")
            return Taken(raise_issue.NARRATIVE, sent_from_window=how)
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
                 escape: Callable[[str], str] = str, typed_note: str = "",
                 form_button: dict | None = None) -> UserMessage | None:
    """The message Rasa should get: the message itself, a placeholder, or None (answered here)."""
    text, sender = message.text or "", message.sender_id
    if text.lstrip().startswith("/") and not is_payload(text):
        # Typed, not a button: read as words (Rasa would take it for a payload and warn, quoting it).
        text = text.lstrip().lstrip("/").lstrip()
        message = UserMessage(text, message.output_channel, sender, input_channel=message.input_channel,
                              message_id=message.message_id, metadata=message.metadata)
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
        try:
            forwarded = await read_in_memory(message)
        except Exception as error:  # noqa: BLE001 - whatever it was, the words go no further
            # The type only: a traceback or an error's message may quote what was typed.
            log.error("Reading a message failed (%s): not passed on", type(error).__name__)
            await say(INTERNAL_ERROR, [])
            return None
        if isinstance(forwarded, str):
            await say(forwarded, [])
            return None
        return forwarded
    if taken.stop:
        return UserMessage(STOP_PAYLOAD, message.output_channel, message.sender_id,
                           input_channel=message.input_channel, metadata={**(message.metadata or {}), **CONFIDENTIAL})
    answer, buttons = reply_to(taken, escape, form_button)
    if answer and taken.settled and typed_note:
        answer += "\n" + typed_note
    if answer:
        await say(answer, buttons)
    if not taken.settled:
        return None
    return UserMessage(placeholder(taken), message.output_channel, message.sender_id,
                       input_channel=message.input_channel, metadata={**(message.metadata or {}), **CONFIDENTIAL})


# One message of a conversation at a time, from reading it here to Rasa's answer: a message sent
# straight after "I need to raise an issue" is read once Rasa has started the journey, so it is
# said in confidence too. (Rasa's own lock is taken later, after this module has read it.)
_turns: "weakref.WeakValueDictionary[str, asyncio.Lock]" = weakref.WeakValueDictionary()


def _turn_of(sender: str) -> asyncio.Lock:
    lock = _turns.get(sender)
    if lock is None:
        lock = _turns[sender] = asyncio.Lock()
    return lock


def guarded(on_new_message: OnNewMessage, escape: Callable[[str], str] = str, typed_note: str = "",
            form_button: dict | None = None) -> OnNewMessage:
    """`on_new_message`, with confidential text taken out before Rasa sees it. `typed_note`
    is added when confidential text was taken from a message the chat itself keeps;
    `form_button` opens the channel's private form for what happened, where it has one."""

    async def handle(message: UserMessage) -> Any:
        async with _turn_of(message.sender_id):
            return await handle_in_turn(message)

    async def handle_in_turn(message: UserMessage) -> Any:
        async def say(text: str, buttons: list[dict]) -> None:
            output = message.output_channel
            if buttons:
                await output.send_text_with_buttons(message.sender_id, text, buttons)
            elif hasattr(output, "send_private_text"):  # Slack: seen now, not kept in the chat's history
                await output.send_private_text(message.sender_id, text)
            else:
                await output.send_text_message(message.sender_id, text)

        forwarded = await intake(message, say, escape, typed_note, form_button)
        if forwarded is not None:
            return await on_new_message(forwarded)
        return None

    return handle
