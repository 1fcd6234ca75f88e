"""What every guided form shares: validation through each journey's validators, friendly
re-asking with an explanation after repeated misunderstandings, choices typed or clicked, yes/no
answers, the confirmation step with "change something", corrections, skips, and stopping.

Its parts live beside it: what a message says (actions.reading), the repair steps a message
goes through first, in order (actions.repair), switching journey (actions.switching), which
validator is each form's (actions.form_registry) and a hand-off to a person (actions.hand_off).

The shape of RasaHQ/financial-demo's CustomFormValidationAction: a form's validator says what
was wrong and rejects (returns {slot: None}), or accepts; the base counts the misses in a row
and, after MAX_RETRIES_BEFORE_HELP, explains (the validator's `explain_<slot>`, else a generic
explanation) and shows the way out. Wording is in data/responses/; no journey is imported here."""
from __future__ import annotations

from abc import abstractmethod
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import ActiveLoop, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import FormValidationAction
from rasa_sdk.types import DomainDict

from actions.form_registry import form_slots, register, validator_for
from actions.pending import PENDING, Ask, Pending
from actions.reading import (CHOICE, FREE_TEXT, NONE, OPTIONAL_TEXT, YES_NO, confidence_of, intent_of,
                             is_interruption, last_form, likely_faq_answer, read_answer, replace_words,
                             slot_before_message, typed, value_words)
from actions.repair import repair
from actions.responses import phrase
from actions.switching import FORM_JOURNEY, JourneySwitching
from actions.wired import Wired, WiredAction
from bot.nlu import reader

MAX_RETRIES_BEFORE_HELP = 2
# Returned by a validator beside a slot left to ask again, when the answer wasn't a miss.
NOT_A_MISS = "form_not_a_miss"


class GuidedFormValidation(Wired, JourneySwitching, FormValidationAction):
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
    # Slot -> the answers that follow from it, asked again when it is corrected.
    depends_on: dict[str, tuple[str, ...]] = {}
    # Slots that may be skipped besides the optional ones, with the answer a skip gives.
    skippable: dict[str, str] = {}
    # Slots the journey's first message may fill: not answers lost when switching journey.
    starting_slots: tuple[str, ...] = ()
    # What the person is doing, for a hand-off to a person ("joining a group"); "" hands off
    # nothing of this form (raising an issue: anything said there may be part of it).
    journey_label: str = ""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        register(cls)

    @abstractmethod
    def name(self) -> str:
        """validate_<form name>: abstract so the action server does not register this base."""

    def progress_line(self, tracker: Tracker, domain: DomainDict) -> str:
        """What the person was doing and their answers so far, for the team a hand-off goes to;
        empty for a form that says nothing (raising an issue)."""
        if not self.journey_label:
            return ""
        answers = "; ".join(f"{label}: {value}" for label, value in self.progress(tracker, domain))
        return f"Asked for a person while {self.journey_label}." + (f" Answers so far: {answers}." if answers else "")

    def progress(self, tracker: Tracker, domain: DomainDict) -> list[tuple[str, str]]:
        """The answers so far, as (what was asked, answer), for a person the form hands off to."""
        if not self.journey_label:
            return []
        shown = []
        for slot in domain["forms"][self.form_name()]["required_slots"]:
            value = tracker.get_slot(slot)
            if value is None or value == NONE or slot == self.confirm_slot:
                continue
            label = self.changeable[slot][0] if slot in self.changeable else slot.replace("_", " ")
            shown.append((label, "yes" if value is True else "no" if value is False else str(value)[:200]))
        return shown

    def on_stop(self, tracker: Tracker) -> None:
        """Called when the person stops this form (ActionStopForm): undo anything kept so far."""

    # ------------------------------------------------------------ conversation repair
    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list:
        """Validate the answer, after repair: a message that stops the form, asks for the
        question again, skips it, corrects an earlier answer or starts another journey is
        handled here, at any step, the summary included, whatever the form."""
        if not self._is_new_message(tracker):
            events = await super().run(dispatcher, tracker, domain)
            # Back from a digression: a clarifying question left waiting is dropped.
            return events + ([SlotSet(PENDING, None)] if tracker.get_slot(PENDING) else [])
        events: list = []
        if tracker.get_slot(PENDING):
            settled = await self._answer_pending(Pending.from_slot(tracker.get_slot(PENDING)), dispatcher, tracker,
                                                 domain)
            if settled is not None:
                return settled
            # Neither yes nor no: an answer to the form's own question.
            events.append(SlotSet(PENDING, None))
            tracker.slots[PENDING] = None
            tracker.slots["requested_slot"] = await self._next_slot(dispatcher, tracker, domain)
        repaired = await repair(self, dispatcher, tracker, domain)
        if repaired is not None:
            return events + repaired
        validated = await super().run(dispatcher, tracker, domain)
        if not answered(validated):
            return validated  # not an answer: Rasa rejects the form, the rules answer, then the form carries on
        return events + await self._carry_rest(validated, dispatcher, tracker, domain)

    def _is_new_message(self, tracker: Tracker) -> bool:
        """Whether the form runs on a message just sent (not at its start, nor coming back from
        a digression the rules answered). During validation the tracker ends with the form's
        own run, after the message and Rasa's slot extraction."""
        if (tracker.active_loop or {}).get("name") != self.form_name():
            return False
        for event in reversed(tracker.events):
            if event.get("event") == "user":
                return True
            if event.get("event") == "action" and event.get("name") not in (
                    self.form_name(), "action_listen", "action_extract_slots"):
                return False
        return False

    def answers_at_summary(self, text: str) -> bool:
        """Whether a message at the summary is an answer of this form's own that repair must
        leave to its validator (none, unless the form says so)."""
        return False

    def correction_by_value(self, text: str, tracker: Tracker, domain: DomainDict) -> tuple[str, str] | None:
        """At the summary, a new value for an answer given, found by what it is (an amount, a date)."""
        if not reader.correction_cue(text):
            return None
        for slot, value in self.fields_in(text, tracker).items():
            if slot in self.changeable and tracker.get_slot(slot) not in (None, NONE) \
                    and str(value).lower() != str(tracker.get_slot(slot)).lower():
                return slot, value
        return None

    async def answer_beside_a_question(self, requested: str | None, kind: str | None, text: str,
                                        dispatcher: CollectingDispatcher, tracker: Tracker,
                                        domain: DomainDict) -> list | None:
        """"Muslim Colleagues Network. quick q tho, would we get money for an iftar?": the answer
        is kept, the question answered when the FAQ can, and the form goes on."""
        if not requested or requested == self.confirm_slot or not kind or not reader.has_question(text):
            return None
        first = reader.sentences(text)[0]
        if reader.is_question(first):  # the answer comes first: "what's on there? don't want to clash" is no answer
            return None
        rest = reader.without_questions(text)
        if not rest or rest == text.strip(" .!") or reader.only_understood(rest):
            return None  # "Ok I understand. Which groups are open?" answers nothing
        answer = reader.yes_or_no(rest) if kind == YES_NO else rest
        if answer is None or answer == reader.UNSURE:
            return None
        if self.validated(requested, answer, CollectingDispatcher(), tracker, domain).get(requested) is None:
            return None
        changes = self.validated(requested, answer, dispatcher, tracker, domain)
        faq_key = likely_faq_answer(tracker)
        if faq_key:
            dispatcher.utter_message(response=f"utter_{faq_key}")
        return await self.keep_and_go_on(changes, dispatcher, tracker, domain)

    def answers_question(self, requested: str, text: str, tracker: Tracker, domain: DomainDict) -> bool:
        """Whether a message put as a question still answers the question asked: a yes or no, one of
        the choices ("could we make it closed?"), or this journey's own request naming what it's
        about ("can you add me to #climate-action?")."""
        kind = self.answers.get(requested)
        if kind == YES_NO:
            return reader.yes_or_no(text) in (True, False)
        if kind == CHOICE:
            if reader.asks_about_an_option(text) or likely_faq_answer(tracker):
                # "what does closed mean?" names a choice to ask about it; "would he be told it
                # came from me?" has a "me" in it, and is the FAQ's question.
                return False
            return self.validated(requested, text, CollectingDispatcher(), tracker, domain).get(requested) is not None
        return intent_of(tracker) == FORM_JOURNEY.get(self.form_name()) and bool(tracker.latest_message.get("entities"))

    def correction(self, text: str, tracker: Tracker, strict: bool = False) -> tuple[str, str | None] | None:
        """The earlier answer the message corrects, and its new value: only an answer already given,
        not the question being asked."""
        fix = reader.correction(text, self.changeable, strict=strict)
        if fix is None or fix[0] == tracker.get_slot("requested_slot") or tracker.get_slot(fix[0]) is None:
            return None
        if fix[0] in tracker.slots_to_validate() and slot_before_message(tracker, fix[0]) is None:
            return None  # filled by this very message ("please add me to the … network"): no earlier answer
        return fix

    def swapped(self, text: str, tracker: Tracker) -> tuple[str, str] | None:
        """(slot, new value) when the message puts a new value in place of one an earlier answer
        holds ("thursday not tuesday" where the date given was "next tuesday")."""
        swap = reader.swapped_value(text)
        if swap is None:
            return None
        new, old = swap
        old_words = value_words(old)
        if not old_words:
            return None
        for slot in self.changeable:
            value = tracker.get_slot(slot)
            if slot != tracker.get_slot("requested_slot") and value not in (None, NONE) \
                    and old_words <= value_words(str(value)):
                if self.answers.get(slot) in FREE_TEXT:
                    # Only the part that was wrong: "saturday 14 november" -> "saturday 21st november".
                    return slot, replace_words(str(value), old, new)
                return slot, new
        return None

    def validated(self, slot: str, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                   domain: DomainDict) -> dict[str, Any]:
        """`value` for `slot` through the slot's own validator (which may set other slots too)."""
        validate = getattr(self, f"validate_{slot}", None)
        changes = validate(value, dispatcher, tracker, domain) if validate else {slot: value}
        changes.pop(NOT_A_MISS, None)
        return changes

    async def _answer_pending(self, pending: Pending | None, dispatcher: CollectingDispatcher, tracker: Tracker,
                              domain: DomainDict) -> list | None:
        """The answer to the form's own clarifying question; `pending` None when the slot holds
        nothing readable, which "carry on" still answers."""
        text = typed(tracker)
        reply = reader.yes_or_no(text, intent_of(tracker), confidence_of(tracker))
        carry_on = reply is False or reader.carries_on(text)
        ask = pending.ask if pending is not None else None
        if ask is Ask.STOP:
            if reply is True or reader.wants_to_stop(text) == "yes":
                return self.stop_here()
        elif ask is Ask.SWITCH:
            if reply is True or reader.confirms_switch(text):
                return self.switch_to(pending.switch, tracker, domain)
            if reader.wants_to_stop(text) == "yes":
                return self.stop_here()
        if carry_on:
            tracker.slots[PENDING] = None
            dispatcher.utter_message(response="utter_carry_on")
            return [SlotSet(PENDING, None)] + await self.ask_again(dispatcher, tracker, domain)
        return None

    async def _next_slot(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> str | None:
        required = await self.required_slots(self.domain_slots(domain), dispatcher, tracker, domain)
        return next((slot for slot in required if tracker.slots.get(slot) is None), None)

    async def ask_again(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list:
        """The form asks its next question (again): not a miss, nothing else changed."""
        return [SlotSet("form_retries", 0), SlotSet("requested_slot", await self._next_slot(dispatcher, tracker, domain))]

    async def keep_and_go_on(self, changes: dict[str, Any], dispatcher: CollectingDispatcher, tracker: Tracker,
                              domain: DomainDict) -> list:
        """Keep these answers (a skip's, a correction's, one found beside a question) and ask the next question."""
        tracker.slots.update(changes)
        return [SlotSet(name, value) for name, value in changes.items()] + await self.ask_again(
            dispatcher, tracker, domain)

    @staticmethod
    def ask_first(pending: Pending) -> list:
        """Ask a clarifying question before going on (action_ask_form_pending asks it)."""
        return [SlotSet(PENDING, pending.to_slot()), SlotSet("requested_slot", PENDING)]

    @staticmethod
    def stop_here() -> list:
        """End the form now; action_stop_form undoes what it kept and says so."""
        return [SlotSet(PENDING, None), ActiveLoop(None), SlotSet("requested_slot", None),
                FollowupAction("action_stop_form")]

    async def correct(self, slot: str, value: str | None, dispatcher: CollectingDispatcher, tracker: Tracker,
                       domain: DomainDict) -> list:
        """A field named with its new value is changed (through its validator) and the form
        carries on; named alone, it is asked again (unless the message gives the value in other
        words: "she's fine with being named after all")."""
        if value is None:
            value = self.fields_in(typed(tracker), tracker).get(slot)
        if value is not None and self.answers.get(slot) == CHOICE:
            # "make it closed, it should just be for people who've served": the choice may be anywhere.
            for candidate in (value, typed(tracker)):
                if self.validated(slot, candidate, CollectingDispatcher(), tracker, domain).get(slot) is not None:
                    value = candidate
                    break
        changes = self.validated(slot, value, dispatcher, tracker, domain) if value is not None else {slot: None}
        changes.update({dependent: None for dependent in self.depends_on.get(slot, ()) if dependent not in changes})
        field = self.changeable[slot][0]
        dispatcher.utter_message(response="utter_corrected" if changes.get(slot) is not None else "utter_change_that",
                                 field=field)
        if self.confirm_slot:
            changes[self.confirm_slot] = None
        return await self.keep_and_go_on(changes, dispatcher, tracker, domain)

    async def skip(self, requested: str, dispatcher: CollectingDispatcher, tracker: Tracker,
                    domain: DomainDict) -> list:
        """An optional question skipped gets its empty answer; a needed one says why it's needed."""
        if self.answers.get(requested) == OPTIONAL_TEXT or requested in self.skippable:
            changes = self.validated(requested, self.skippable.get(requested, NONE), dispatcher, tracker, domain)
            if changes.get(requested) is not None:
                return await self.keep_and_go_on(changes, dispatcher, tracker, domain)
        dispatcher.utter_message(response="utter_cannot_skip")
        return await self.ask_again(dispatcher, tracker, domain)

    async def _carry_rest(self, validated: list, dispatcher: CollectingDispatcher, tracker: Tracker,
                          domain: DomainDict) -> list:
        """"yes — and please tell them I'm new": what follows the yes answers the next
        question, when that one takes text."""
        requested = tracker.get_slot("requested_slot")
        rest = reader.rest_after_yes_or_no(typed(tracker)) if self.answers.get(requested) == YES_NO else None
        if not rest or not isinstance(tracker.slots.get(requested), bool):
            return validated
        following = await self._next_slot(dispatcher, tracker, domain)
        if self.answers.get(following) not in FREE_TEXT or not hasattr(self, f"validate_{following}"):
            return validated
        changes = self.validated(following, rest, dispatcher, tracker, domain)
        if changes.get(following) is None:
            return validated
        tracker.slots.update(changes)
        return ([e for e in validated if e.get("name") != "requested_slot"]
                + [SlotSet(name, value) for name, value in changes.items()]
                + [SlotSet("requested_slot", await self._next_slot(dispatcher, tracker, domain))])

    def answer_in(self, requested: str, text: str, tracker: Tracker, strict: bool = False) -> Any:
        """The answer to the question asked, when a form can find it among other answers in the
        message (it then takes the others with fields_in); None takes the message as the answer.
        `strict`: only an answer the message plainly gives (the message was not read as one)."""
        return None

    def fields_in(self, text: str, tracker: Tracker, strict: bool = False) -> dict[str, Any]:
        """Answers a message gives in passing, besides the one asked for ("xmas social 11 dec,
        ~£120": the date and the amount): each form says what it can find."""
        return {}

    async def get_extraction_events(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                    domain: DomainDict) -> list:
        """Read the answer to the question the form asked last (see read_answer), and every
        other answer the message gives that is still missing (fields_in), each kept only if its
        validator takes it."""
        events = await super().get_extraction_events(dispatcher, tracker, domain)
        requested = tracker.get_slot("requested_slot")
        already = {e["name"] for e in events} | set(tracker.slots_to_validate())
        text = typed(tracker)
        in_parts = None
        if requested in self.answers and requested not in already:
            answer = read_answer(tracker, self.answers[requested])
            if answer is not None and isinstance(answer, str) and not text.startswith("/"):
                in_parts = self.answer_in(requested, text, tracker)
            if in_parts is not None:
                events.append(SlotSet(requested, in_parts))
            elif answer is not None:
                events.append(SlotSet(requested, answer))
        if in_parts is None and requested in self.answers and self.answers[requested] in FREE_TEXT:
            # The answer asked for is the first sentence; others may give more ("…not feeling alone.
            # we'd do a monthly chat on google meet"), but "a monthly pub quiz" is the purpose.
            text = " ".join(reader.sentences(text)[1:])
        if text and not text.startswith("/") and requested != self.confirm_slot and not is_interruption(tracker):
            found = self.fields_in(text, tracker)
            # Twice: an answer may bring in questions of its own ("on her behalf" asks whether she agreed).
            for _ in range(2):
                required = await self.required_slots(self.domain_slots(domain), dispatcher, tracker, domain)
                taken = {e["name"] for e in events}
                for slot, value in found.items():
                    if slot in required and slot != requested and slot not in taken and tracker.get_slot(slot) is None \
                            and self.validated(slot, value, CollectingDispatcher(), tracker, domain).get(slot) is not None:
                        events.append(SlotSet(slot, value))
                        tracker.slots[slot] = value
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
        reply = reader.yes_or_no(text, intent_of(tracker), confidence_of(tracker))
        if reader.asks_to_change(text) and not (reply is True and not reader.has_reservation(text)):
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
        if reply is True and text != "yes" and reader.switch_said_with_yes(text):
            # "yes switch" where the summary asks to send: sending can't be undone, so only a plain yes does.
            return self.reject(self.confirm_slot, dispatcher, "utter_confirm_again")
        if text == "yes" or reply is True:
            return {self.confirm_slot: "yes"}
        if reply is False:
            dispatcher.utter_message(response="utter_confirmation_declined")
            return {self.confirm_slot: None, NOT_A_MISS: True}
        return self.reject(self.confirm_slot, dispatcher, "utter_confirm_again")


class ActionStopForm(WiredAction):
    """Leave whatever form is active at any step; nothing is written, and what the form kept
    so far is undone by its validator (a case draft is deleted)."""

    def name(self) -> str:
        return "action_stop_form"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list:
        validator = validator_for(last_form(tracker), self._wiring)
        dispatcher.utter_message(response=validator.stopped_response if validator else "utter_stopped")
        events: list = [ActiveLoop(None), SlotSet("requested_slot", None)]
        # Every form's slots are cleared, so every form undoes what it kept: a case draft left
        # by a form the person switched away from is deleted too, not orphaned.
        for form in domain.get("forms", {}):
            form_validator = validator_for(form, self._wiring)
            if form_validator is not None:
                form_validator.on_stop(tracker)
            events += [SlotSet(slot, None) for slot in form_slots(form, domain)]
        # Straight to listening: the person's next message starts afresh.
        return events + [SlotSet("form_retries", 0), SlotSet(PENDING, None), FollowupAction("action_listen")]


def answered(events: list) -> bool:
    """Whether a validation set any slot: if not, Rasa rejects the form's run (the message is
    left to the rules) whatever requested_slot says."""
    return any(e.get("event") == "slot" and e.get("name") != "requested_slot" for e in events)


class ActionAskFormPending(WiredAction):
    """Asks the clarifying question a form holds in `form_pending` (GuidedFormValidation.ask_first)."""

    def name(self) -> str:
        return "action_ask_form_pending"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list:
        pending = Pending.from_slot(tracker.get_slot(PENDING))
        if pending is not None and pending.ask is Ask.SWITCH:
            dispatcher.utter_message(response="utter_confirm_switch")
        else:
            dispatcher.utter_message(response="utter_ask_stop_or_continue")
        return []
