"""Conversation repair, at any step of any form: the steps a message sent to a form's question
goes through before it is taken as the answer, in order. The first step that settles the
message ends the form's turn: it stops, asks first, answers a question and asks again,
corrects an earlier answer, skips, hands off or switches journey. A message no step settles is
the answer, for the form's validators (actions.forms).

Each step is `async (form, turn, dispatcher, tracker, domain) -> events | None`."""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Awaitable, Callable

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.asides import explain, say_event_date
from actions.hand_off import hand_off
from actions.pending import Ask, Pending
from actions.reading import (CHOICE, FREE_TEXT, YES_NO, confidence_of, intent_of, is_interruption, likely_faq_answer,
                             slot_before_message, typed)
from bot.nlu import reader

if TYPE_CHECKING:
    from actions.forms import GuidedFormValidation


@dataclass(frozen=True)
class Turn:
    """What the steps read of the message, once: the question it was sent to and its kind, the
    text, the model's intent, and whether it says to stop ("yes", "maybe" or None)."""
    requested: str | None
    kind: str | None
    text: str
    intent: str | None
    confidence: float
    stop: str | None

    @classmethod
    def of(cls, form: "GuidedFormValidation", tracker: Tracker) -> "Turn":
        requested = tracker.get_slot("requested_slot")
        text, intent, confidence = typed(tracker), intent_of(tracker), confidence_of(tracker)
        return cls(requested, form.answers.get(requested), text, intent, confidence,
                   reader.wants_to_stop(text, intent, confidence))

    @property
    def button(self) -> bool:
        return self.text.startswith("/")


Step = Callable[["GuidedFormValidation", Turn, CollectingDispatcher, Tracker, DomainDict], Awaitable[list | None]]


async def stop_said(form, turn, dispatcher, tracker, domain):
    return form.stop_here() if turn.stop == "yes" else None


async def field_named(form, turn, dispatcher, tracker, domain):
    """A field named plainly ("change the purpose", "can you change the category to wellbeing?"),
    before anything the model may have made of it (stop, another journey)."""
    fix = form.correction(turn.text, tracker, strict=True)
    return await form.correct(*fix, dispatcher, tracker, domain) if fix is not None else None


# A step's word that the message is the form's own answer: no later step reads it as anything else.
THE_ANSWER: list = []


async def summary_answer(form, turn, dispatcher, tracker, domain):
    """An answer only this form's summary knows ("can it be anonymous?" at a case's): its own."""
    if turn.requested == form.confirm_slot and form.answers_at_summary(turn.text):
        return THE_ANSWER
    return None


async def stop_perhaps(form, turn, dispatcher, tracker, domain):
    if turn.stop == "maybe" and not (turn.kind == YES_NO and reader.yes_or_no(turn.text) in (True, False)):
        return form.ask_first(Pending(Ask.STOP))
    return None


async def repeat_asked(form, turn, dispatcher, tracker, domain):
    if reader.asks_to_repeat(turn.text) and not turn.button:
        dispatcher.utter_message(response="utter_repeat_prefix")
        return await form.ask_again(dispatcher, tracker, domain)
    return None


async def person_asked(form, turn, dispatcher, tracker, domain):
    if turn.intent != "ask_service_team" and reader.asks_for_person(turn.text, plainly=True):
        hand_off(form.uow, dispatcher, tracker, form.progress_line(tracker, domain))
        return await form.ask_again(dispatcher, tracker, domain)
    return None


async def about_the_assistant(form, turn, dispatcher, tracker, domain):
    """"who'll see that I asked?", "for me. is it anonymous tho?": answered, and the question
    asked again unless the message answers it too."""
    topic = reader.asked_about_the_assistant(turn.text)
    if not topic:
        return None
    explain(form.uow, topic, dispatcher, tracker, domain)
    rest = reader.without_questions(turn.text)
    if rest and turn.requested and turn.requested != form.confirm_slot and turn.kind:
        answer = reader.yes_or_no(rest) if turn.kind == YES_NO else rest
        changes = form.validated(turn.requested, answer, CollectingDispatcher(), tracker, domain)
        if answer is not None and changes.get(turn.requested) is not None:
            return await form.keep_and_go_on(changes, dispatcher, tracker, domain)
    return await form.ask_again(dispatcher, tracker, domain)


async def date_asked(form, turn, dispatcher, tracker, domain):
    """"oh and when's IDAHOBIT exactly": its date, and the question again."""
    if reader.asks_for_a_date(turn.text) and not turn.button and say_event_date(form.uow, turn.text, dispatcher,
                                                                                  domain):
        return await form.ask_again(dispatcher, tracker, domain)
    return None


async def other_journey(form, turn, dispatcher, tracker, domain):
    switch = form.switch_wanted(tracker, turn.kind)
    if switch is None:
        return None
    if form.has_answers(tracker, domain):
        # What Rasa's own mappings took from the message (another group's name) waits for the answer.
        kept = [SlotSet(name, slot_before_message(tracker, name)) for name in switch["entities"]
                if name in domain.get("slots", {})]
        return kept + form.ask_first(Pending(Ask.SWITCH, switch))
    return form.switch_to(switch, tracker, domain)


async def answer_among_others(form, turn, dispatcher, tracker, domain):
    """"Is it ok if it's just me for now?", "Open. Name is Falamos Português.": the answer is in
    there, whatever else the message says or the model made of it."""
    requested = turn.requested
    if not requested or requested == form.confirm_slot or turn.button:
        return None
    in_parts = form.answer_in(requested, turn.text, tracker, strict=True)
    if in_parts is None:
        return None
    if form.validated(requested, in_parts, CollectingDispatcher(), tracker, domain).get(requested) is None:
        return None
    changes = form.validated(requested, in_parts, dispatcher, tracker, domain)
    if changes.get(requested) is None:
        return None
    for slot, value in form.fields_in(turn.text, tracker, strict=True).items():
        if slot != requested and tracker.get_slot(slot) is None and slot not in changes \
                and form.validated(slot, value, CollectingDispatcher(), tracker, domain).get(slot) is not None:
            changes.update(form.validated(slot, value, dispatcher, tracker, domain))
    return await form.keep_and_go_on(changes, dispatcher, tracker, domain)


async def correction_in_looser_words(form, turn, dispatcher, tracker, domain):
    """Where no free-text answer is asked, looser words ("actually", "instead") name a correction
    too; "the 21st not the 14th" names no field, but the old value says which answer it was."""
    fix = None if turn.kind in FREE_TEXT and turn.requested != form.confirm_slot else form.correction(turn.text, tracker)
    fix = fix or form.swapped(turn.text, tracker)
    return await form.correct(*fix, dispatcher, tracker, domain) if fix is not None else None


async def correction_by_value(form, turn, dispatcher, tracker, domain):
    """"make that £180 - forgot about gloves", at the summary or where details are asked: no field
    named, but the value says which earlier answer it replaces."""
    if turn.requested != form.confirm_slot and turn.kind not in FREE_TEXT:
        return None
    fix = form.correction_by_value(turn.text, tracker, domain)
    return await form.correct(*fix, dispatcher, tracker, domain) if fix is not None else None


async def skip_asked(form, turn, dispatcher, tracker, domain):
    if reader.asks_to_skip(turn.text) and turn.requested:
        return await form.skip(turn.requested, dispatcher, tracker, domain)
    return None


async def answer_beside_a_question(form, turn, dispatcher, tracker, domain):
    return await form.answer_beside_a_question(turn.requested, turn.kind, turn.text, dispatcher, tracker, domain)


async def question_back(form, turn, dispatcher, tracker, domain):
    """"q - could we get money for a coach?" where a purpose is asked, "will my manager be told?"
    where a category is: not an answer, and none the rules take (is_interruption). What the
    choices mean, or the FAQ's answer, is given if it can be; else it is said so."""
    requested = turn.requested
    if not requested or requested == form.confirm_slot or not reader.is_a_question_back(turn.text) \
            or is_interruption(tracker, turn.kind) or form.answers_question(requested, turn.text, tracker, domain):
        return None
    explain_choices = getattr(form, f"explain_{requested}", None)
    if turn.kind == CHOICE and explain_choices is not None and reader.asks_about_an_option(turn.text):
        explain_choices(dispatcher, tracker)  # "what's 'both'?": what the choices mean
        return await form.ask_again(dispatcher, tracker, domain)
    faq_key = likely_faq_answer(tracker)
    # "could we get money for a coach?" read as a request: the policy's answer all the same.
    dispatcher.utter_message(response=f"utter_{faq_key}" if faq_key else "utter_question_not_taken")
    return await form.ask_again(dispatcher, tracker, domain)


# The order matters: a stop said outright wins over everything; a field named plainly comes
# before what the model made of the message; a journey switch before an answer among others.
REPAIR_STEPS: tuple[Step, ...] = (
    stop_said, summary_answer, field_named, stop_perhaps, repeat_asked, person_asked, about_the_assistant, date_asked,
    other_journey, answer_among_others, correction_in_looser_words, correction_by_value, skip_asked,
    answer_beside_a_question, question_back,
)


async def repair(form: "GuidedFormValidation", dispatcher: CollectingDispatcher, tracker: Tracker,
                 domain: DomainDict) -> list | None:
    """The first step's events that settles the message, or None: the message is the answer."""
    turn = Turn.of(form, tracker)
    for step in REPAIR_STEPS:
        events = await step(form, turn, dispatcher, tracker, domain)
        if events is THE_ANSWER:
            return None
        if events is not None:
            return events
    return None
