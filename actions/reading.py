"""What the latest message says, read from the tracker: its intent and confidence, its text,
what the bot said just before it, and the answer it gives to a question of each kind.

Shared by the forms (actions.forms), their repair (actions.repair) and the answers given in
passing (actions.asides); the words themselves are read by bot.nlu.reader."""
from __future__ import annotations

import re
from typing import Any

from rasa_sdk import Tracker

from bot.core.constants import EMPTY
from bot.nlu import reader
from bot.rasa_plumbing.model_config import FALLBACK_THRESHOLD

NONE = EMPTY  # an optional answer left empty ("no note")
# How a form question is answered: free text, optional free text ("no" for none), one of a
# few choices (typed or clicked), yes/no.
TEXT, OPTIONAL_TEXT, CHOICE, YES_NO = "text", "optional text", "choice", "yes/no"
FREE_TEXT = (TEXT, OPTIONAL_TEXT)


DIGRESSION_CONFIDENCE = 0.7


# What the conversation answers mid-form (data/rules/<journey>.yml).
DIGRESSION_INTENTS = ("faq", "check_status", "find_group", "upcoming_events", "ask_service_team", "help")


# A question back answered from the FAQ: the FAQ's share of the intents, its topic's confidence.
FAQ_SHARE, FAQ_TOPIC_CONFIDENCE = 0.2, 0.6


QUESTION_DIGRESSION_CONFIDENCE = 0.5


def intent_of(tracker: Tracker) -> str | None:
    return (tracker.latest_message.get("intent") or {}).get("name")


def confidence_of(tracker: Tracker) -> float:
    return float((tracker.latest_message.get("intent") or {}).get("confidence") or 0.0)


def likeliest_intent(tracker: Tracker) -> tuple[str | None, float]:
    """The intent the model ranked first, looking past nlu_fallback: a journey named with
    "instead" is worth acting on even when the model hesitated between two."""
    for ranked in tracker.latest_message.get("intent_ranking") or []:
        if ranked.get("name") != "nlu_fallback":
            return ranked.get("name"), float(ranked.get("confidence") or 0.0)
    return intent_of(tracker), confidence_of(tracker)


def slot_before_message(tracker: Tracker, slot: str) -> Any:
    """The slot's value before the latest message (Rasa's own slot mappings may have set it since)."""
    seen_user = False
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            seen_user = True
        elif seen_user and event.get("event") == "slot" and event.get("name") == slot:
            return event.get("value")
    return None


def typed(tracker: Tracker) -> str:
    """What the person typed in the latest message. (Said in confidence, while an issue is being
    raised, it reaches the action server sealed, and bot.rasa_plumbing.action_server opens it
    here for this turn only.) Every action reads the message's words through this."""
    return (tracker.latest_message.get("text") or "").strip()


def is_interruption(tracker: Tracker, kind: str | None = None) -> bool:
    """Whether a message sent while a form waits for an answer of `kind` is instead something
    the conversation answers before the form carries on (data/rules/<journey>.yml): help, a
    question, a person, thanks, a look at the groups, one's requests or the calendar. Decided
    here rather than by the intent alone: "change the purpose" or "I want this to stop, he
    keeps messaging me" are answers."""
    text, intent, confidence = typed(tracker), intent_of(tracker), confidence_of(tracker)
    if text.startswith("/"):
        return intent in ("help", "ask_service_team", "find_group", "check_status", "upcoming_events", "faq")
    if intent in DIGRESSION_INTENTS and confidence >= FALLBACK_THRESHOLD and reader.is_a_question_back(text):
        # "hang on, is there anything of mine already open? …": a question put back, which the
        # conversation answers (the same reading when the form comes back to this message).
        return True
    if intent == "ask_about_assistant":
        return confidence >= DIGRESSION_CONFIDENCE and reader.is_question(text)
    if intent == "help":
        return reader.asks_for_help(text)
    if intent == "faq":
        return reader.is_question(text)
    if intent == "ask_service_team":
        return reader.asks_for_person(text)
    if reader.is_just_thanks(text):
        return True
    if intent == "find_group" and kind == CHOICE and reader.asks_about_an_option(text):
        return False  # "what's 'both'?": what the choices mean, which the form explains
    if intent in ("find_group", "check_status", "upcoming_events"):
        # Only a question or a request to see is one ("which groups are there?"), not an answer naming a
        # group or a date; "my requests" is one anywhere but a free-text step.
        asked = reader.is_question(text) or reader.asks_to_see(text)
        return (asked and confidence >= QUESTION_DIGRESSION_CONFIDENCE) or (
            confidence >= DIGRESSION_CONFIDENCE and intent == "check_status" and kind not in FREE_TEXT)
    return False


def likely_faq_answer(tracker: Tracker) -> str | None:
    """The FAQ topic a question is about when the model gives the FAQ a fair share though
    another intent more ("could we get money to bring in a coach?": a request, or the speaker
    budgets question), and is sure which topic it is."""
    ranking = {r.get("name"): r.get("confidence") or 0.0 for r in tracker.latest_message.get("intent_ranking") or []}
    chosen = ((tracker.latest_message.get("response_selector") or {}).get("faq") or {}).get("response") or {}
    if ranking.get("faq", 0.0) >= FAQ_SHARE and (chosen.get("confidence") or 0.0) >= FAQ_TOPIC_CONFIDENCE:
        return chosen.get("intent_response_key")
    return None


def other_questions_answers(tracker: Tracker, answered: str | None) -> list[str]:
    """The FAQ topics of the other questions a message asks ("do C&H pay for socials? and is
    there a cap per head?"), read sentence by sentence by the intent classifier, each once."""
    keys: list[str] = []
    for sentence in tracker.latest_message.get("sentences") or []:
        key = sentence.get("response")
        # A sentence about the policy asks, with or without a question mark ("and is there a cap").
        surely = sentence.get("confidence", 0.0) >= (QUESTION_DIGRESSION_CONFIDENCE if sentence.get("question")
                                                     else DIGRESSION_CONFIDENCE)
        if (sentence.get("intent") == "faq" and surely
                and sentence.get("response_confidence", 0.0) >= FAQ_TOPIC_CONFIDENCE
                and key not in keys and key != answered):
            keys.append(key)
    return keys


def read_answer(tracker: Tracker, kind: str) -> Any:
    """The answer in the latest message for a question of this kind, or None when the message
    is not an answer (an interruption, or a button meant for something else). A yes/no
    question gets True, False or reader.UNSURE."""
    if is_interruption(tracker, kind):
        return None
    text = typed(tracker)
    if kind == YES_NO:
        reply = reader.yes_or_no(text, intent_of(tracker), confidence_of(tracker))
        return text or None if reply is None else reply
    if kind == OPTIONAL_TEXT and ((reader.yes_or_no(text) is False and len(text.split()) <= 4)
                                  or reader.declines_to_add(text) or reader.asks_to_send(text)):
        return NONE  # "no", "nothing to add", "nope, that's all", "no need for a note", "yup send"
    if text.startswith("/"):
        # A button payload ("/affirm", "/request_support{…}"): its meaning, not its text.
        return "yes" if text == "/affirm" else None
    return text or None


_FILLER_WORDS = frozenset(reader.cue_words("value_filler_words"))


def value_words(text: str) -> set[str]:
    """The words that identify a value ("social_budget" -> {"social", "budget"}, "14th" -> {"14"})."""
    text = re.sub(r"(\d+)(st|nd|rd|th)\b", r"\1", text.lower().replace("_", " "))
    return set(re.findall(r"[a-z0-9]+", text)) - _FILLER_WORDS


def replace_words(value: str, old: str, new: str) -> str:
    """`value` with the words of `old` in it replaced by `new`; all of it when they aren't together."""
    tokens = [t for t in re.findall(r"[A-Za-z0-9]+", re.sub(r"(\d+)(st|nd|rd|th)\b", r"\1", old))
              if t.lower() not in _FILLER_WORDS]
    pattern = r"\b" + r"\W+".join(re.escape(t) + (r"(?:st|nd|rd|th)?" if t.isdigit() else "") for t in tokens) + r"\b"
    match = re.search(pattern, value, re.IGNORECASE) if tokens else None
    if match is None:
        return new
    return value[:match.start()] + re.sub(r"^(the|a|an)\s+", "", new, flags=re.IGNORECASE) + value[match.end():]


def pick_choice(value: Any, choices: dict[str, tuple[str, ...]]) -> str | None:
    """The choice key whose key or keywords appear in what was typed or clicked."""
    # "for them, not for me": what is ruled out is no choice.
    text = reader.without_what_is_ruled_out(str(value or "").lower())
    for key, keywords in choices.items():
        if key in text or any(re.search(rf"\b{re.escape(word)}\b", text) for word in keywords):
            return key
    return None


def last_form(tracker: Tracker) -> str | None:
    """The form under way, or the one that just ended (a form stopped from its own validator
    has already left the loop when action_stop_form runs)."""
    if (tracker.active_loop or {}).get("name"):
        return tracker.active_loop["name"]
    for event in reversed(tracker.events):
        if event.get("event") == "active_loop" and event.get("name"):
            return event["name"]
    return None


def last_faq_key(tracker: Tracker) -> str | None:
    """The FAQ key of the last question answered before this message, if the bot's last
    answer was one."""
    users = [e for e in tracker.events if e.get("event") == "user"]
    for event in reversed(users[:-1]):
        parse = event.get("parse_data") or {}
        if (parse.get("intent") or {}).get("name") != "faq":
            return None
        selected = ((parse.get("response_selector") or {}).get("faq") or {}).get("response") or {}
        return selected.get("intent_response_key")
    return None


def last_replies(tracker: Tracker) -> list[str]:
    """The responses the bot sent between the person's last two messages."""
    said, seen_latest = [], False
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            if seen_latest:
                break
            seen_latest = True
        elif event.get("event") == "bot" and seen_latest:
            said.append((event.get("metadata") or {}).get("utter_action") or "")
    return said
