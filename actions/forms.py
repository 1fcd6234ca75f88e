"""What every guided form shares: friendly re-asking with an explanation after repeated
misunderstandings, choices typed or clicked, yes/no answers, and the confirmation step
with "change something"."""
from __future__ import annotations

import re
from abc import abstractmethod
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import FormValidationAction
from rasa_sdk.types import DomainDict

from bot.core.db import default_uow
from bot.journeys.raise_issue import discard_draft

MAX_RETRIES_BEFORE_HELP = 2
# Yes and no are read from the words (or the button), not from the intent alone: a small
# model calls many short odd messages ("x", "hmm") affirm, and a stray "yes" must never
# send someone's request.
YES_RE = re.compile(r"^\W*(y|yes|yep|yeah|yup|sure|ok|okay|correct|right|absolutely|definitely|of course|"
                    r"(yes,? )?(please )?(send|submit|confirm|go ahead|do it)( it)?|yes,? (please|it does|they have|"
                    r"it will|i do|that's right)|it does|they have|i do|i will|it will)\W*$", re.IGNORECASE)
NO_RE = re.compile(r"^\W*(n|no|nope|nah|no thanks|no thank you|none|nothing|nothing to add|no one|nobody|"
                   r"not really|not yet|no note|skip|no group|not for a group|i don'?t|it doesn'?t|they haven'?t|"
                   r"no,? (thanks|thank you|it doesn'?t|they haven'?t|keep them unnamed))\W*$", re.IGNORECASE)
CHANGE_RE = re.compile(r"\b(change|edit|fix|correct|wrong|update|amend)\b", re.IGNORECASE)
QUESTION_RE = re.compile(r"\?\s*$|^(what|whats|what's|how|is|are|can|could|do|does|who|where|when|why|which|should|would|will)\b",
                         re.IGNORECASE)
STOP_RE = re.compile(r"\b(stop|cancel|quit|exit|abort|enough|never ?mind|forget (it|this)|changed my mind|"
                     r"don'?t want|no longer|not now|leave|let'?s not|skip (it|this))\b", re.IGNORECASE)
HELP_RE = re.compile(r"\b(help|what can you do|options|menu|confused|lost|stuck)\b", re.IGNORECASE)
PERSON_RE = re.compile(r"\b(person|human|talk|speak|contact|in touch|pass (it|this) on)\b", re.IGNORECASE)
NONE = "-"  # an optional answer left empty ("no note")

# How a form question is answered: free text, optional free text ("no" for none), yes/no.
TEXT, OPTIONAL_TEXT, YES_NO = "text", "optional text", "yes/no"

# Every slot a form fills, so stopping or finishing can clear them all.
FORM_SLOTS = {
    "join_group_form": ["group", "group_slug", "group_is_closed", "criteria_confirmed", "invite_note",
                        "invite_confirmed"],
    "start_group_form": ["new_group_name", "new_group_type", "new_group_purpose", "new_group_meeting",
                         "new_group_organisers", "new_group_criteria", "new_group_how_to_ask",
                         "edi_policy_confirmed", "start_group_confirmed"],
    "support_form": ["support_kind", "support_group", "support_when", "support_amount", "support_details",
                     "support_confirmed"],
    "raise_issue_form": ["issue_for", "issue_consent", "issue_may_name", "issue_category", "case_draft_id",
                         "issue_excluded", "issue_route", "issue_confirmed"],
}


def clear_form_slots(form: str) -> list[SlotSet]:
    return [SlotSet(slot, None) for slot in FORM_SLOTS[form]] + [SlotSet("form_retries", 0)]


def intent_of(tracker: Tracker) -> str | None:
    return (tracker.latest_message.get("intent") or {}).get("name")


def typed(tracker: Tracker) -> str:
    return (tracker.latest_message.get("text") or "").strip()


def is_interruption(tracker: Tracker) -> bool:
    """Whether a message sent while a form waits for an answer is instead a request to stop,
    get help, ask a question or reach a person. Decided here rather than by the intent alone:
    "change the purpose" or "I want this to stop, he keeps messaging me" are answers."""
    text, intent = typed(tracker), intent_of(tracker)
    words = len(text.split())
    if intent == "stop":
        return words <= 6 and bool(STOP_RE.search(text)) and not CHANGE_RE.search(text)
    if intent == "help":
        return words <= 5 and bool(HELP_RE.search(text))
    if intent == "faq":
        return bool(QUESTION_RE.search(text))
    if intent == "ask_service_team":
        return words <= 15 and bool(PERSON_RE.search(text))
    return False


def read_answer(tracker: Tracker, kind: str) -> Any:
    """The answer in the latest message for a question of this kind, or None when the message
    is not an answer (an interruption, or a button meant for something else)."""
    if is_interruption(tracker):
        return None
    text = typed(tracker)
    if kind == YES_NO:
        if text == "/affirm" or YES_RE.match(text):
            return True
        if text == "/deny" or NO_RE.match(text):
            return False
        return text or None
    if kind == OPTIONAL_TEXT and (text == "/deny" or NO_RE.match(text)):
        return NONE
    if text.startswith("/"):
        # A button payload ("/affirm", "/request_support{…}"): its meaning, not its text.
        return "yes" if text == "/affirm" else None
    return text or None


def pick_choice(value: Any, choices: dict[str, tuple[str, ...]]) -> str | None:
    """The choice key whose key or keywords appear in what was typed or clicked."""
    text = str(value or "").lower()
    for key, keywords in choices.items():
        if key in text or any(re.search(rf"\b{re.escape(word)}\b", text) for word in keywords):
            return key
    return None


class GuidedFormValidation(FormValidationAction):
    """Base for the journeys' form validators."""

    confirm_slot: str = ""
    # Slot -> how the person would name it when asking to change it.
    changeable: dict[str, tuple[str, ...]] = {}
    # Slot -> TEXT, OPTIONAL_TEXT or YES_NO: the questions this form asks.
    answers: dict[str, str] = {}

    @abstractmethod
    def name(self) -> str:
        """validate_<form name>: abstract so the action server does not register this base."""

    async def get_extraction_events(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                    domain: DomainDict) -> list:
        """Read the answer to the question the form asked last (see read_answer)."""
        events = await super().get_extraction_events(dispatcher, tracker, domain)
        requested = tracker.get_slot("requested_slot")
        already = {e["name"] for e in events} | set(tracker.slots_to_validate())
        if requested in self.answers and requested not in already:
            answer = read_answer(tracker, self.answers[requested])
            if answer is not None:
                events.append(SlotSet(requested, answer))
        return events

    def ask_yes_or_no_again(self, slot: str, dispatcher: CollectingDispatcher, tracker: Tracker) -> dict[str, Any]:
        return self.retry(slot, dispatcher, tracker, "Sorry, I need a *yes* or a *no* for this one.")

    def retry(self, slot: str, dispatcher: CollectingDispatcher, tracker: Tracker, message: str,
              explanation: str = "") -> dict[str, Any]:
        """Say what was wrong; after repeated misses, explain more and show the way out."""
        retries = int(tracker.get_slot("form_retries") or 0) + 1
        if retries > MAX_RETRIES_BEFORE_HELP:
            message += (f" {explanation}" if explanation else "") + (
                " If you'd rather stop here, say *stop*: nothing will be sent. "
                "Or say *talk to a person* and I'll put you in touch with the D&I service team.")
        dispatcher.utter_message(text=message)
        return {slot: None, "form_retries": retries}

    @staticmethod
    def accepted(**slots: Any) -> dict[str, Any]:
        return {**slots, "form_retries": 0}

    def validate_confirmation(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker) -> dict[str, Any]:
        text = str(value or "").strip().lower()
        if CHANGE_RE.search(text):
            for slot, words in self.changeable.items():
                if any(word in text for word in words):
                    dispatcher.utter_message(text="Sure, let's change that.")
                    return self.accepted(**{slot: None, self.confirm_slot: None})
            dispatcher.utter_message(
                text="What would you like to change?",
                buttons=[{"title": f"Change the {words[0]}", "payload": f"change the {words[0]}"}
                         for slot, words in self.changeable.items() if tracker.get_slot(slot) is not None])
            return {self.confirm_slot: None}
        if text == "yes" or YES_RE.match(text):
            return self.accepted(**{self.confirm_slot: "yes"})
        if NO_RE.match(text):
            dispatcher.utter_message(
                text="No problem. Would you like to change something, or stop here without sending anything?",
                buttons=[{"title": "Change something", "payload": "change something"},
                         {"title": "Stop, don't send", "payload": "/stop"}])
            return {self.confirm_slot: None}
        return self.retry(self.confirm_slot, dispatcher, tracker,
                          "Shall I send it? Say *yes*, *change something*, or *stop*.")


def confirmation_buttons() -> list[dict[str, str]]:
    return [{"title": "Yes, send it", "payload": "/affirm"},
            {"title": "Change something", "payload": "change something"},
            {"title": "Stop, don't send", "payload": "/stop"}]


class ActionStopForm(Action):
    """Leave whatever form is active at any step; nothing is written, and a case draft
    already stored is deleted."""

    def name(self) -> str:
        return "action_stop_form"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list:
        form = (tracker.active_loop or {}).get("name")
        draft_id = tracker.get_slot("case_draft_id")
        if draft_id:
            discard_draft(draft_id, default_uow())
        if form == "raise_issue_form":
            dispatcher.utter_message(text="Okay, I've stopped, and I haven't kept anything you told me. "
                                          "If you want to talk it through with a person, the People team and the "
                                          "D&I service team are there for you.")
        else:
            dispatcher.utter_message(text="Okay, I've stopped. Nothing has been sent. Say *help* if you'd like "
                                          "to do something else.")
        events: list = [ActiveLoop(None), SlotSet("requested_slot", None)]
        for slots in FORM_SLOTS.values():
            events += [SlotSet(slot, None) for slot in slots]
        return events + [SlotSet("form_retries", 0)]
