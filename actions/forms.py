"""What every guided form shares: friendly re-asking with an explanation after repeated
misunderstandings, choices typed or clicked, yes/no answers, the confirmation step with
"change something", and stopping at any step.

The shape of RasaHQ/financial-demo's CustomFormValidationAction: a form's validator says what
was wrong and rejects (returns {slot: None}), or accepts; the base counts the misses in a row
and, after MAX_RETRIES_BEFORE_HELP, explains (the validator's `explain_<slot>`, else a generic
explanation) and shows the way out. Wording is in domain.yml; no journey is imported here."""
from __future__ import annotations

import re
from abc import abstractmethod
from typing import Any, ClassVar

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import FormValidationAction
from rasa_sdk.types import DomainDict

from actions.responses import phrase

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
# Returned by a validator beside a slot left to ask again, when the answer wasn't a miss.
NOT_A_MISS = "form_not_a_miss"

# How a form question is answered: free text, optional free text ("no" for none), yes/no.
TEXT, OPTIONAL_TEXT, YES_NO = "text", "optional text", "yes/no"

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
    # Slots the validators set besides the form's required slots (domain.yml): cleared with them.
    helper_slots: tuple[str, ...] = ()
    # What is said when the person stops this form.
    stopped_response: str = "utter_stopped"

    _validators: ClassVar[list[type["GuidedFormValidation"]]] = []

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        GuidedFormValidation._validators.append(cls)

    @abstractmethod
    def name(self) -> str:
        """validate_<form name>: abstract so the action server does not register this base."""

    def on_stop(self, tracker: Tracker) -> None:
        """Called when the person stops this form (ActionStopForm): undo anything kept so far."""

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

    async def get_validation_events(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                    domain: DomainDict) -> list:
        """The validators' verdicts, then the retry count: a miss is the question asked being
        rejected; an answer accepted, or a correction (another answer cleared to be asked
        again), starts the count afresh. After repeated misses, explain and show the way out."""
        requested = tracker.get_slot("requested_slot")
        before = dict(tracker.slots)
        events = await super().get_validation_events(dispatcher, tracker, domain)
        verdicts = {e["name"]: e["value"] for e in events if e.get("event") == "slot"}
        events = [e for e in events if e.get("name") != NOT_A_MISS]  # a note to this method, not a slot
        if requested not in verdicts:
            return events
        corrected = any(value is None and before.get(slot) is not None
                        for slot, value in verdicts.items() if slot not in (requested, NOT_A_MISS))
        # A question answered with a question of their own ("no", "change something") is no miss.
        if verdicts[requested] is not None or corrected or verdicts.get(NOT_A_MISS):
            return events + [SlotSet("form_retries", 0)]
        retries = int(tracker.get_slot("form_retries") or 0) + 1
        if retries > MAX_RETRIES_BEFORE_HELP:
            explain = getattr(self, f"explain_{requested}", None)
            if explain is not None:
                explain(dispatcher, tracker)
            else:
                dispatcher.utter_message(response="utter_explain_generic")
            dispatcher.utter_message(response="utter_form_way_out")
        return events + [SlotSet("form_retries", retries)]

    @staticmethod
    def reject(slot: str, dispatcher: CollectingDispatcher, response: str, **values: Any) -> dict[str, Any]:
        """Say what was wrong (a domain response) and leave the question to be asked again."""
        dispatcher.utter_message(response=response, **values)
        return {slot: None}

    def ask_yes_or_no_again(self, slot: str, dispatcher: CollectingDispatcher) -> dict[str, Any]:
        return self.reject(slot, dispatcher, "utter_need_yes_or_no")

    def validate_confirmation(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                              domain: DomainDict) -> dict[str, Any]:
        text = str(value or "").strip().lower()
        if CHANGE_RE.search(text):
            for slot, words in self.changeable.items():
                if any(word in text for word in words):
                    dispatcher.utter_message(response="utter_change_that")
                    return {slot: None, self.confirm_slot: None}
            dispatcher.utter_message(
                response="utter_what_to_change",
                buttons=[{"title": phrase(domain, "utter_change_button", field=words[0]),
                          "payload": f"change the {words[0]}"}
                         for slot, words in self.changeable.items() if tracker.get_slot(slot) is not None])
            return {self.confirm_slot: None, NOT_A_MISS: True}
        if text == "yes" or YES_RE.match(text):
            return {self.confirm_slot: "yes"}
        if NO_RE.match(text):
            dispatcher.utter_message(response="utter_confirmation_declined")
            return {self.confirm_slot: None, NOT_A_MISS: True}
        return self.reject(self.confirm_slot, dispatcher, "utter_confirm_again")


def validator_for(form: str | None) -> GuidedFormValidation | None:
    """The validator of `form`. Each registers itself when its module is imported; the action
    server imports every module in actions/."""
    for cls in GuidedFormValidation._validators:
        if "name" in cls.__dict__:
            validator = cls()
            if validator.form_name() == form:
                return validator
    return None


def form_slots(form: str, domain: DomainDict) -> list[str]:
    """Every slot the form fills: its required slots in the domain, plus its validator's helpers."""
    validator = validator_for(form)
    return [*domain["forms"][form]["required_slots"], *(validator.helper_slots if validator else ())]


def clear_form_slots(form: str, domain: DomainDict) -> list[SlotSet]:
    return [SlotSet(slot, None) for slot in form_slots(form, domain)] + [SlotSet("form_retries", 0)]


class ActionStopForm(Action):
    """Leave whatever form is active at any step; nothing is written, and what the form kept
    so far is undone by its validator (a case draft is deleted)."""

    def name(self) -> str:
        return "action_stop_form"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list:
        validator = validator_for((tracker.active_loop or {}).get("name"))
        dispatcher.utter_message(response=validator.stopped_response if validator else "utter_stopped")
        events: list = [ActiveLoop(None), SlotSet("requested_slot", None)]
        # Every form's slots are cleared, so every form undoes what it kept: a case draft left
        # by a form the person switched away from is deleted too, not orphaned.
        for form in domain.get("forms", {}):
            form_validator = validator_for(form)
            if form_validator is not None:
                form_validator.on_stop(tracker)
            events += [SlotSet(slot, None) for slot in form_slots(form, domain)]
        return events + [SlotSet("form_retries", 0)]
