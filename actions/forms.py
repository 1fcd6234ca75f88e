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

from rasa_sdk import Tracker
from rasa_sdk.events import ActiveLoop, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import FormValidationAction
from rasa_sdk.types import DomainDict

from actions.hand_off import hand_off
from actions.pending import PENDING, Ask, Pending
from bot.core.constants import EMPTY
from bot.nlu import reader
from bot.rasa_plumbing.model_config import FALLBACK_THRESHOLD
from actions.responses import phrase
from actions.wired import Wired, WiredAction

MAX_RETRIES_BEFORE_HELP = 2
NONE = EMPTY  # an optional answer left empty ("no note")
# Returned by a validator beside a slot left to ask again, when the answer wasn't a miss.
NOT_A_MISS = "form_not_a_miss"
# A clarifying question the form asked instead of its own ("Do you want to stop here?"): while
# it waits, the form's requested slot is this one, and action_ask_form_pending asks it.
# A journey started while a form is under way needs the model to be this sure, or words like "instead".
SWITCH_CONFIDENCE = 0.7
SWITCH_WITH_CUE_CONFIDENCE = 0.4
DIGRESSION_CONFIDENCE = 0.7
# What the conversation answers mid-form (data/rules/<journey>.yml).
DIGRESSION_INTENTS = ("faq", "check_status", "find_group", "upcoming_events", "ask_service_team", "help")
# A question back answered from the FAQ: the FAQ's share of the intents, its topic's confidence.
FAQ_SHARE, FAQ_TOPIC_CONFIDENCE = 0.2, 0.6
QUESTION_DIGRESSION_CONFIDENCE = 0.5

# How a form question is answered: free text, optional free text ("no" for none), one of a
# few choices (typed or clicked), yes/no.
TEXT, OPTIONAL_TEXT, CHOICE, YES_NO = "text", "optional text", "choice", "yes/no"
FREE_TEXT = (TEXT, OPTIONAL_TEXT)
# The intent that starts each journey with a form: the form and what is said before it.
JOURNEYS = {"join_group": ("join_group_form", None), "start_group": ("start_group_form", "utter_start_group_intro"),
            "request_support": ("support_form", "utter_support_intro"),
            "raise_issue": ("raise_issue_form", "utter_raise_issue_intro")}
assert set(JOURNEYS) == set(reader.JOURNEY_INTENTS), "the reader and the forms must agree on the journeys"
# The journey each form belongs to.
FORM_JOURNEY = {form: intent for intent, (form, _) in JOURNEYS.items()}
# Entities a journey's first message may carry into its form.
CARRIED_ENTITIES = ("group", "group_part", "support_kind")


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


def _words(text: str) -> set[str]:
    """The words that identify a value ("social_budget" -> {"social", "budget"}, "14th" -> {"14"})."""
    text = re.sub(r"(\d+)(st|nd|rd|th)\b", r"\1", text.lower().replace("_", " "))
    return set(re.findall(r"[a-z0-9]+", text)) - _FILLER_WORDS


def _replace_words(value: str, old: str, new: str) -> str:
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


class GuidedFormValidation(Wired, FormValidationAction):
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

    _validators: ClassVar[list[type["GuidedFormValidation"]]] = []

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        GuidedFormValidation._validators.append(cls)

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
        repaired = await self._repair(dispatcher, tracker, domain)
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

    async def _repair(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list | None:
        requested = tracker.get_slot("requested_slot")
        kind = self.answers.get(requested)
        text, intent, confidence = typed(tracker), intent_of(tracker), confidence_of(tracker)
        stop = reader.wants_to_stop(text, intent, confidence)
        if stop == "yes":
            return self.stop_here()
        # A field named plainly ("change the purpose", "can you change the category to wellbeing?")
        # before anything the model may have made of it (stop, another journey).
        fix = self._correction(text, tracker, strict=True)
        if fix is not None:
            return await self._correct(*fix, dispatcher, tracker, domain)
        if stop == "maybe" and not (kind == YES_NO and reader.yes_or_no(text) in (True, False)):
            return self.ask_first(Pending(Ask.STOP))
        if reader.asks_to_repeat(text) and not text.startswith("/"):
            dispatcher.utter_message(response="utter_repeat_prefix")
            return await self._ask_again(dispatcher, tracker, domain)
        if intent != "ask_service_team" and reader.asks_for_person(text, plainly=True):
            hand_off(self.uow, dispatcher, tracker, self.progress_line(tracker, domain))
            return await self._ask_again(dispatcher, tracker, domain)
        topic = reader.asked_about_the_assistant(text)
        if topic:
            # "who'll see that I asked?", "for me. is it anonymous tho?": answered, and the question
            # asked again unless the message answers it too.
            from actions.about_assistant import explain  # it imports this module

            explain(self.uow, topic, dispatcher, tracker, domain)
            rest = reader.without_questions(text)
            if rest and requested and requested != self.confirm_slot and kind:
                answer = reader.yes_or_no(rest) if kind == YES_NO else rest
                changes = self._validated(requested, answer, CollectingDispatcher(), tracker, domain)
                if answer is not None and changes.get(requested) is not None:
                    return await self._keep_and_go_on(changes, dispatcher, tracker, domain)
            return await self._ask_again(dispatcher, tracker, domain)
        if reader.asks_for_a_date(text) and not text.startswith("/"):
            from actions.awareness_calendar import say_event_date  # it imports this module

            if say_event_date(self.uow, text, dispatcher, domain):  # "oh and when's IDAHOBIT exactly": its date
                return await self._ask_again(dispatcher, tracker, domain)
        switch = self._switch_wanted(tracker, kind)
        if switch is not None:
            if self._has_answers(tracker, domain):
                # What Rasa's own mappings took from the message (another group's name) waits for the answer.
                kept = [SlotSet(name, slot_before_message(tracker, name)) for name in switch["entities"]
                        if name in domain.get("slots", {})]
                return kept + self.ask_first(Pending(Ask.SWITCH, switch))
            return self.switch_to(switch, tracker, domain)
        in_parts = self.answer_in(requested, text, tracker, strict=True) if requested \
            and requested != self.confirm_slot and not text.startswith("/") else None
        if in_parts is not None:
            # "Is it ok if it's just me for now?", "Open. Name is Falamos Português.": the answer is
            # in there, whatever else the message says or the model made of it.
            taken = self._validated(requested, in_parts, CollectingDispatcher(), tracker, domain).get(requested) is not None
            changes = self._validated(requested, in_parts, dispatcher, tracker, domain) if taken else {}
            if taken and changes.get(requested) is not None:
                for slot, value in self.fields_in(text, tracker, strict=True).items():
                    if slot != requested and tracker.get_slot(slot) is None and slot not in changes \
                            and self._validated(slot, value, CollectingDispatcher(), tracker, domain).get(slot) is not None:
                        changes.update(self._validated(slot, value, dispatcher, tracker, domain))
                return await self._keep_and_go_on(changes, dispatcher, tracker, domain)
        # Where no free-text answer is asked, looser words ("actually", "instead") name a correction too.
        fix = None if kind in FREE_TEXT and requested != self.confirm_slot else self._correction(text, tracker)
        # "the 21st not the 14th": no field named, but the old value says which answer it was.
        fix = fix or self._swapped(text, tracker)
        if fix is not None:
            return await self._correct(*fix, dispatcher, tracker, domain)
        if requested == self.confirm_slot or kind in FREE_TEXT:
            # "make that £180 - forgot about gloves", at the summary or where details are asked:
            # no field named, but the value says which earlier answer it replaces.
            fix = self._correction_by_value(text, tracker, domain)
            if fix is not None:
                return await self._correct(*fix, dispatcher, tracker, domain)
        if reader.asks_to_skip(text) and requested:
            return await self._skip(requested, dispatcher, tracker, domain)
        answered_too = await self._answer_beside_a_question(requested, kind, text, dispatcher, tracker, domain)
        if answered_too is not None:
            return answered_too
        if requested and requested != self.confirm_slot and reader.is_a_question_back(text) \
                and not is_interruption(tracker, kind) and not self._answers(requested, text, tracker, domain):
            # "q - could we get money for a coach?" where a purpose is asked, "will my manager be told?"
            # where a category is: not an answer, and none the rules take (is_interruption). What
            # the choices mean, or the FAQ's answer, is given if it can be; else it is said so.
            explain = getattr(self, f"explain_{requested}", None)
            if kind == CHOICE and explain is not None and reader.asks_about_an_option(text):
                explain(dispatcher, tracker)  # "what's 'both'?": what the choices mean
                return await self._ask_again(dispatcher, tracker, domain)
            faq_key = likely_faq_answer(tracker)
            if faq_key:
                # "could we get money for a coach?" read as a request: the policy's answer all the same.
                dispatcher.utter_message(response=f"utter_{faq_key}")
            else:
                dispatcher.utter_message(response="utter_question_not_taken")
            return await self._ask_again(dispatcher, tracker, domain)
        return None

    def _correction_by_value(self, text: str, tracker: Tracker, domain: DomainDict) -> tuple[str, str] | None:
        """At the summary, a new value for an answer given, found by what it is (an amount, a date)."""
        if not reader.correction_cue(text):
            return None
        for slot, value in self.fields_in(text, tracker).items():
            if slot in self.changeable and tracker.get_slot(slot) not in (None, NONE) \
                    and str(value).lower() != str(tracker.get_slot(slot)).lower():
                return slot, value
        return None

    async def _answer_beside_a_question(self, requested: str | None, kind: str | None, text: str,
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
        if self._validated(requested, answer, CollectingDispatcher(), tracker, domain).get(requested) is None:
            return None
        changes = self._validated(requested, answer, dispatcher, tracker, domain)
        faq_key = likely_faq_answer(tracker)
        if faq_key:
            dispatcher.utter_message(response=f"utter_{faq_key}")
        return await self._keep_and_go_on(changes, dispatcher, tracker, domain)

    def _answers(self, requested: str, text: str, tracker: Tracker, domain: DomainDict) -> bool:
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
            return self._validated(requested, text, CollectingDispatcher(), tracker, domain).get(requested) is not None
        return intent_of(tracker) == FORM_JOURNEY.get(self.form_name()) and bool(tracker.latest_message.get("entities"))

    def _correction(self, text: str, tracker: Tracker, strict: bool = False) -> tuple[str, str | None] | None:
        """The earlier answer the message corrects, and its new value: only an answer already given,
        not the question being asked."""
        fix = reader.correction(text, self.changeable, strict=strict)
        if fix is None or fix[0] == tracker.get_slot("requested_slot") or tracker.get_slot(fix[0]) is None:
            return None
        if fix[0] in tracker.slots_to_validate() and slot_before_message(tracker, fix[0]) is None:
            return None  # filled by this very message ("please add me to the … network"): no earlier answer
        return fix

    def _swapped(self, text: str, tracker: Tracker) -> tuple[str, str] | None:
        """(slot, new value) when the message puts a new value in place of one an earlier answer
        holds ("thursday not tuesday" where the date given was "next tuesday")."""
        swap = reader.swapped_value(text)
        if swap is None:
            return None
        new, old = swap
        old_words = _words(old)
        if not old_words:
            return None
        for slot in self.changeable:
            value = tracker.get_slot(slot)
            if slot != tracker.get_slot("requested_slot") and value not in (None, NONE) \
                    and old_words <= _words(str(value)):
                if self.answers.get(slot) in FREE_TEXT:
                    # Only the part that was wrong: "saturday 14 november" -> "saturday 21st november".
                    return slot, _replace_words(str(value), old, new)
                return slot, new
        return None

    def _validated(self, slot: str, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
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
            if reply is True or re.search(r"\bswitch\b", text, re.IGNORECASE):
                return self.switch_to(pending.switch, tracker, domain)
            if reader.wants_to_stop(text) == "yes":
                return self.stop_here()
        if carry_on:
            tracker.slots[PENDING] = None
            dispatcher.utter_message(response="utter_carry_on")
            return [SlotSet(PENDING, None)] + await self._ask_again(dispatcher, tracker, domain)
        return None

    async def _next_slot(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> str | None:
        required = await self.required_slots(self.domain_slots(domain), dispatcher, tracker, domain)
        return next((slot for slot in required if tracker.slots.get(slot) is None), None)

    async def _ask_again(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list:
        """The form asks its next question (again): not a miss, nothing else changed."""
        return [SlotSet("form_retries", 0), SlotSet("requested_slot", await self._next_slot(dispatcher, tracker, domain))]

    async def _keep_and_go_on(self, changes: dict[str, Any], dispatcher: CollectingDispatcher, tracker: Tracker,
                              domain: DomainDict) -> list:
        """Keep these answers (a skip's, a correction's, one found beside a question) and ask the next question."""
        tracker.slots.update(changes)
        return [SlotSet(name, value) for name, value in changes.items()] + await self._ask_again(
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

    def _switch_wanted(self, tracker: Tracker, kind: str | None) -> dict[str, Any] | None:
        """The journey the message starts instead of this one, with what it named, or None."""
        text = typed(tracker)
        intent, confidence = likeliest_intent(tracker)
        # Another journey in so many words, whatever the model made of it: "Maybe call it Career
        # Changers? It would be open to anyone", "maybe i should just join the parents one instead".
        instead = ("start_group" if reader.wants_to_start_a_group(text) else
                   "join_group" if reader.joins_instead(text) else None)
        if instead and JOURNEYS[instead][0] != self.form_name():
            target = validator_for(JOURNEYS[instead][0])
            return {"intent": instead, "entities": target.read_from_first_message(text) if target else {}}
        # (A button for this journey, "/join_group{…}" offered by this form, is an answer.)
        if intent not in JOURNEYS or (text.startswith("/") and JOURNEYS[intent][0] == self.form_name()):
            return None
        entities = {e["entity"]: e["value"] for e in tracker.latest_message.get("entities") or []
                    if e.get("entity") in CARRIED_ENTITIES}
        if not text.startswith("/"):
            cue = reader.has_switch_cue(text)
            # An answer often sounds like a journey ("a group for runners", "open, anyone can come"): it
            # takes words like "instead", or a yes/no question answered with neither and a sure model.
            plainly_not_an_answer = kind == YES_NO and reader.yes_or_no(text) is None and confidence >= 0.9
            if not (cue or plainly_not_an_answer):
                return None
            if confidence < (SWITCH_WITH_CUE_CONFIDENCE if cue else SWITCH_CONFIDENCE):
                return None
        if JOURNEYS[intent][0] == self.form_name() and not self.starts_afresh(entities, tracker):
            return None
        target = validator_for(JOURNEYS[intent][0])
        if target is not None and not text.startswith("/"):
            entities = {**target.read_from_first_message(text), **entities}
        return {"intent": intent, "entities": entities}

    def read_from_first_message(self, text: str) -> dict[str, Any]:
        """Answers this form can read from the message that starts it (the kind of support in
        "budget for a social instead"), kept when the journey starts after a question."""
        return {}

    def starts_afresh(self, entities: dict[str, Any], tracker: Tracker) -> bool:
        """Whether this journey, started again mid-form with these entities, is a new one
        (another group named mid-join): each form says."""
        return False

    def _has_answers(self, tracker: Tracker, domain: DomainDict) -> bool:
        """Whether leaving would lose answers: any the person gave to its questions. What started
        the form (`starting_slots`, from the first message or a question answered first) counts
        only when it was answered to a question ("Climate Action" where the group was asked)."""
        required = domain["forms"][self.form_name()]["required_slots"]
        if any(tracker.get_slot(slot) is not None for slot in required if slot not in self.starting_slots):
            return True
        events = tracker.events
        started = max((i for i, e in enumerate(events) if e.get("event") == "active_loop"
                       and e.get("name") == self.form_name()), default=None)
        users = [i for i, e in enumerate(events) if e.get("event") == "user" and (started is None or i > started)]
        if started is None or len(users) < 2:
            return False  # this message is the first reply: nothing was answered before it
        # Between the first reply and this message: what the replies set.
        return any(e.get("event") == "slot" and e.get("name") in self.starting_slots and e.get("value") is not None
                   and tracker.get_slot(e["name"]) is not None for e in events[users[0]:users[-1]])

    def switch_to(self, switch: dict[str, Any], tracker: Tracker, domain: DomainDict) -> list:
        """Leave this form (undoing what it kept) and start the other journey with what was named."""
        self.on_stop(tracker)
        carried = [SlotSet(name, value) for name, value in switch.get("entities", {}).items()]
        return ([SlotSet(PENDING, None), ActiveLoop(None), SlotSet("requested_slot", None)]
                + clear_form_slots(self.form_name(), domain) + carried
                + [SlotSet("switch_to", switch["intent"]), FollowupAction("action_switch_journey")])

    async def _correct(self, slot: str, value: str | None, dispatcher: CollectingDispatcher, tracker: Tracker,
                       domain: DomainDict) -> list:
        """A field named with its new value is changed (through its validator) and the form
        carries on; named alone, it is asked again (unless the message gives the value in other
        words: "she's fine with being named after all")."""
        if value is None:
            value = self.fields_in(typed(tracker), tracker).get(slot)
        if value is not None and self.answers.get(slot) == CHOICE:
            # "make it closed, it should just be for people who've served": the choice may be anywhere.
            for candidate in (value, typed(tracker)):
                if self._validated(slot, candidate, CollectingDispatcher(), tracker, domain).get(slot) is not None:
                    value = candidate
                    break
        changes = self._validated(slot, value, dispatcher, tracker, domain) if value is not None else {slot: None}
        changes.update({dependent: None for dependent in self.depends_on.get(slot, ()) if dependent not in changes})
        field = self.changeable[slot][0]
        dispatcher.utter_message(response="utter_corrected" if changes.get(slot) is not None else "utter_change_that",
                                 field=field)
        if self.confirm_slot:
            changes[self.confirm_slot] = None
        return await self._keep_and_go_on(changes, dispatcher, tracker, domain)

    async def _skip(self, requested: str, dispatcher: CollectingDispatcher, tracker: Tracker,
                    domain: DomainDict) -> list:
        """An optional question skipped gets its empty answer; a needed one says why it's needed."""
        if self.answers.get(requested) == OPTIONAL_TEXT or requested in self.skippable:
            changes = self._validated(requested, self.skippable.get(requested, NONE), dispatcher, tracker, domain)
            if changes.get(requested) is not None:
                return await self._keep_and_go_on(changes, dispatcher, tracker, domain)
        dispatcher.utter_message(response="utter_cannot_skip")
        return await self._ask_again(dispatcher, tracker, domain)

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
        changes = self._validated(following, rest, dispatcher, tracker, domain)
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
                            and self._validated(slot, value, CollectingDispatcher(), tracker, domain).get(slot) is not None:
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
        if reader.asks_to_change(text) and not (reply is True and not re.search(r"\bbut\b", text)):
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


class ActionStopForm(WiredAction):
    """Leave whatever form is active at any step; nothing is written, and what the form kept
    so far is undone by its validator (a case draft is deleted)."""

    def name(self) -> str:
        return "action_stop_form"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list:
        validator = validator_for(last_form(tracker))
        dispatcher.utter_message(response=validator.stopped_response if validator else "utter_stopped")
        events: list = [ActiveLoop(None), SlotSet("requested_slot", None)]
        # Every form's slots are cleared, so every form undoes what it kept: a case draft left
        # by a form the person switched away from is deleted too, not orphaned.
        for form in domain.get("forms", {}):
            form_validator = validator_for(form)
            if form_validator is not None:
                form_validator.on_stop(tracker)
            events += [SlotSet(slot, None) for slot in form_slots(form, domain)]
        # Straight to listening: the person's next message starts afresh.
        return events + [SlotSet("form_retries", 0), SlotSet(PENDING, None), FollowupAction("action_listen")]


def answered(events: list) -> bool:
    """Whether a validation set any slot: if not, Rasa rejects the form's run (the message is
    left to the rules) whatever requested_slot says."""
    return any(e.get("event") == "slot" and e.get("name") != "requested_slot" for e in events)


def last_form(tracker: Tracker) -> str | None:
    """The form under way, or the one that just ended (a form stopped from its own validator
    has already left the loop when action_stop_form runs)."""
    if (tracker.active_loop or {}).get("name"):
        return tracker.active_loop["name"]
    for event in reversed(tracker.events):
        if event.get("event") == "active_loop" and event.get("name"):
            return event["name"]
    return None


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


class ActionSwitchJourney(WiredAction):
    """Starts the journey a person switched to mid-form (GuidedFormValidation.switch_to): its
    opening words, then its form, with what they named already filled."""

    def name(self) -> str:
        return "action_switch_journey"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list:
        form, intro = JOURNEYS.get(tracker.get_slot("switch_to") or "", (None, None))
        if form is None:
            return [SlotSet("switch_to", None), FollowupAction("action_listen")]
        dispatcher.utter_message(response="utter_switching")
        if intro:
            dispatcher.utter_message(response=intro)
        return [SlotSet("switch_to", None), FollowupAction(form)]
