"""The first message of a journey: a question about whether something is possible is answered
before any form starts (then the request is offered, with what it named carried in); a
question about the assistant is answered, then the journey starts; otherwise its opening words
and its form. The form then takes every answer the message gave (GuidedFormValidation.fields_in)."""
from __future__ import annotations

import re

from rasa_sdk import Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.asides import FORM_SUBJECTS, explain, say_event_date
from actions.awareness_calendar import list_upcoming
from actions.reading import intent_of, last_replies, likely_faq_answer, other_questions_answers, typed
from actions.request_support import FAQ_KINDS, KIND_WORDS, NOT_LISTED_WORDS, kind_from_last_answer, support_button
from actions.responses import phrase
from actions.switching import JOURNEYS, say_intro
from actions.wired import WiredAction
from bot.core.db import UowFactory
from bot.journeys.find_group import search_groups
from bot.journeys.request_support import KINDS, amount_in, when_in
from bot.nlu import reader
from bot.rasa_plumbing.payloads import intent_payload

# The policy's answer about each kind of support.
KIND_ANSWERS = {kind: f"utter_{key}" for key, kind in FAQ_KINDS.items()}


def kinds_named(text: str) -> list[str]:
    """Every listed kind of support a message names, in the order of KIND_WORDS; none when it
    names something the policy doesn't list (NOT_LISTED_WORDS)."""
    if names_unlisted(text):
        return []
    lowered = text.lower()
    return [kind for kind, words in KIND_WORDS.items() if kind != "other"
            and any(re.search(rf"\b{re.escape(word)}", lowered) for word in words)]


def names_unlisted(text: str) -> bool:
    lowered = text.lower()
    return any(re.search(rf"\b{re.escape(word)}\b", lowered) for word in NOT_LISTED_WORDS)


def answer_first(uow_factory: UowFactory, dispatcher: CollectingDispatcher, tracker: Tracker,
                 domain: DomainDict) -> list:
    """"is there money for a diwali do?": the policy's answer for each kind it names, or that
    the D&I service team decides what isn't listed; then the offer to make the request."""
    text = typed(tracker)
    kinds = kinds_named(text)
    if not kinds and likely_faq_answer(tracker) == "faq/support_overview":
        dispatcher.utter_message(response="utter_faq/support_overview")
        return []
    for kind in kinds:
        dispatcher.utter_message(response=KIND_ANSWERS[kind])
    unlisted = not kinds
    if unlisted:
        dispatcher.utter_message(response="utter_not_listed_support")
    return offer_the_request(uow_factory, kinds or ["other"], text, dispatcher, domain)


def offer_the_request(uow_factory: UowFactory, offered: list[str], text: str, dispatcher: CollectingDispatcher,
                      domain: DomainDict) -> list:
    """The offer to make a request of each kind, after an answer; a group the question named is carried in."""
    buttons = [support_button(kind, phrase(domain, "utter_request_other_button") if kind == "other" else
                              phrase(domain, "utter_request_kind_button", kind=KINDS[kind].label.lower()))
               for kind in offered]
    buttons.append({"title": phrase(domain, "utter_no_thanks_button"), "payload": intent_payload("deny")})
    dispatcher.utter_message(response="utter_offer_support_request", buttons=buttons)
    # Listen: the rule that starts the form after this action is for a request, not a question.
    events = [SlotSet("offered_support_kind", offered[0]), FollowupAction("action_listen")]
    groups = search_groups(text, uow_factory())
    if len(groups.matches) == 1:  # "…for faith and belief": carried into the request
        events.insert(0, SlotSet("support_group", groups.matches[0].slug))
    return events


def start_a_group_instead(text: str, dispatcher: CollectingDispatcher) -> list | None:
    """"new open group pls: 'Runners' — …" read as finding or joining a group: starting one, with
    everything it gives (the form reads the message, GuidedFormValidation.fields_in)."""
    if not reader.wants_to_start_a_group(text):
        return None
    dispatcher.utter_message(response="utter_start_group_intro")
    return [FollowupAction("start_group_form")]


def support_instead(text: str, dispatcher: CollectingDispatcher, unclear: bool = False) -> list | None:
    """"now the speaker one, WiT, £500, same day" read as finding a group: a request for that kind
    of support, with everything it gives (an amount or a date says it is a request; where the
    model was sure of nothing, `unclear`, asking for it does too: "help with a social please")."""
    kinds = kinds_named(text)
    if len(kinds) > 1:  # "the speaker one, £500, same day": "day" is when, not an awareness day
        kinds = [kind for kind in kinds if kind != "awareness_event"]
    asked_for = amount_in(text) or when_in(text) or (unclear and reader.asks_for_it(text))
    if len(kinds) != 1 or reader.has_question(text) or not asked_for:
        return None
    dispatcher.utter_message(response="utter_support_intro")
    return [SlotSet("support_kind", kinds[0]), FollowupAction("support_form")]


class ActionStartJourney(WiredAction):
    """Starts the journey the message asks for (the rules send every journey's first message here)."""

    def name(self) -> str:
        return "action_start_journey"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list:
        intent, text = intent_of(tracker), typed(tracker)
        form, intro = JOURNEYS[intent]
        if intent == "request_support" and reader.asks_whether_possible(text) and kind_from_last_answer(tracker) is None:
            # (After the policy's answer, "can we get that for our Diwali social?" takes it up.)
            return answer_first(self.uow, dispatcher, tracker, domain)
        if intent == "start_group" and reader.asks_if_allowed(text) \
                and "utter_faq/how_to_start_group" not in last_replies(tracker):
            # "Is that something I can just start? Do I need permission?": how it works, then the
            # proposal's questions at once (the rule goes on to the form).
            dispatcher.utter_message(response="utter_faq/how_to_start_group")
        if intent in ("join_group", "find_group", "request_support"):
            instead = start_a_group_instead(text, dispatcher)
            if instead is not None:
                return instead
        if intent == "join_group" and reader.for_someone_else(text):
            # "can you add my colleague to Climate Action?": joining is their own choice, never ours.
            dispatcher.utter_message(response="utter_only_join_for_yourself")
            return [FollowupAction("action_listen")]
        if intent == "request_support" and reader.has_question(text):

            say_event_date(self.uow, text, dispatcher, domain)  # "earth day is april right? can we add a litter pick"
        say_intro(form, intro, dispatcher, tracker, self.uow)
        topic = reader.about_the_assistant(text)
        if topic:
            explain(self.uow, topic, dispatcher, tracker, domain, subject=FORM_SUBJECTS[form])
        return []  # the rule goes on to the form


# The FAQ's answers about paying for something: asked about support the policy doesn't list, the
# answer is that the D&I service team decides, never the nearest listed kind.
BUDGET_ANSWERS = ("faq/social_budget", "faq/speaker_budget", "faq/meeting_spaces", "faq/support_overview",
                  "faq/no_fixed_budget")


class ActionAnswerFaq(WiredAction):
    """A question about the policy: its answer (the FAQ topic the model chose, as utter_faq says
    it), unless it asks whether something the policy doesn't list is paid for ("would the company
    pay for BSL interpreters?"): then that the D&I service team decides, and the offer."""

    def name(self) -> str:
        return "action_answer_faq"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list:
        text = typed(tracker)
        selected = ((tracker.latest_message.get("response_selector") or {}).get("faq") or {}).get("response") or {}
        key = selected.get("intent_response_key")
        if names_unlisted(text) and (reader.asks_whether_possible(text) or key in BUDGET_ANSWERS):
            # "would co pay for bsl interpreter for DCIN mtg?": a budget question about what isn't listed.
            return answer_first(self.uow, dispatcher, tracker, domain)
        if "being_a_bot" in reader.all_about_the_assistant(text):
            # "are you a bot? sorry. also whats the difference between open and closed groups": both asked.
            dispatcher.utter_message(response="utter_i_am_a_bot")
        if key == "faq/how_to_start_group":  # asked as a question: the answer, and starting one a button away
            dispatcher.utter_message(response="utter_faq/how_to_start_group", buttons=[
                {"title": phrase(domain, "utter_start_group_button"), "payload": intent_payload("start_group")}])
            return []
        dispatcher.utter_message(response=f"utter_{key}" if key else "utter_faq/support_overview")
        for other in other_questions_answers(tracker, key):  # "… and is there a cap per head?": that too
            dispatcher.utter_message(response=f"utter_{other}")
        kinds = kinds_named(text) if key in ("faq/support_routing", "faq/no_fixed_budget") else []
        if kinds:
            # "if a group wanted money for a social, who approves it?": then the offer, as after any answer.
            return offer_the_request(self.uow, kinds, text, dispatcher, domain)
        if key == "faq/lookup_not_shared" and tracker.get_slot("last_group"):
            # "would people be able to see that i asked?" with a group just shown: who an invite would reach.
            explain(self.uow, "who_sees", dispatcher, tracker, domain, subject="invite")
        if key == "faq/awareness_calendar":  # "what's the awareness calendar?": what it is, then what's on it

            list_upcoming(self.uow, dispatcher, domain)
        return []
