"""When the bot doesn't understand: "did you mean …?" with the likeliest things, then an
offer to pass the question to a person on the D&I service team."""
from __future__ import annotations

from rasa_sdk import Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.asides import SUPPORT_OFFERED, explain, say_event_date
from actions.awareness_calendar import ActionUpcomingEvents
from actions.find_group import ActionFindGroup, calendar_just_shown, names_groups
from actions.focus import follow_up_on_focus, not_on_the_card
from actions.form_registry import validator_for
from actions.hand_off import hand_off
from actions.reading import last_replies, typed
from actions.start_journey import answer_first, kinds_named, start_a_group_instead, support_instead
from actions.wired import WiredAction
from bot.core.db import UowFactory
from bot.nlu import reader
from bot.rasa_plumbing.payloads import intent_payload

# What each intent means to a person, for "Did you mean …?" buttons.
INTENT_LABELS = {
    "find_group": "Find a group", "join_group": "Join a group", "start_group": "Start a group",
    "request_support": "Ask for support or budget", "raise_issue": "Raise an issue",
    "check_status": "Check on a request", "upcoming_events": "See what's coming up", "help": "See what I can do",
    "faq": "Ask about how groups work", "ask_service_team": "Talk to a person",
}


class ActionDefaultAskAffirmation(WiredAction):
    """Replaces Rasa's default, which shows raw intent names."""

    def name(self) -> str:
        return "action_default_ask_affirmation"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list:
        ranking = tracker.latest_message.get("intent_ranking") or []
        likely = [r["name"] for r in ranking if r.get("name") in INTENT_LABELS][:2]
        buttons = [{"title": INTENT_LABELS[name], "payload": intent_payload(name)} for name in likely]
        # Rasa's two-stage fallback reads out_of_scope as "none of these".
        buttons.append({"title": "Something else", "payload": intent_payload("out_of_scope")})
        dispatcher.utter_message(response="utter_did_you_mean_one_of_these", buttons=buttons)
        return []


def form_progress(tracker: Tracker, domain: DomainDict) -> str:
    """What the person was doing and their answers so far, when they ask for a person
    part-way through a form; never for raising an issue (GuidedFormValidation.progress_line)."""
    validator = validator_for((tracker.active_loop or {}).get("name"))
    return validator.progress_line(tracker, domain) if validator is not None else ""


class ActionPassToServiceTeam(WiredAction):
    def name(self) -> str:
        return "action_pass_to_service_team"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list:
        hand_off(self.uow, dispatcher, tracker, form_progress(tracker, domain))
        return []


async def answer_in_context(uow_factory: UowFactory, dispatcher: CollectingDispatcher, tracker: Tracker,
                            domain: DomainDict) -> list | None:
    """What an unclear or out-of-scope message may still be, from its words and what is in focus:
    a question about the assistant, a follow-up about the group just shown ("who runs it",
    "the second one"), or asking to join it ("sick, add me"). None when it is none of these."""
    from bot.journeys.find_group import search_groups

    text = typed(tracker)
    if not text or text.startswith("/"):
        return None
    asked = reader.asked_about_the_assistant(text)
    if asked:
        for topic in reader.all_about_the_assistant(text):
            explain(uow_factory, topic, dispatcher, tracker, domain)
    offered = any(reply in SUPPORT_OFFERED and reply != "utter_support_request_sent" for reply in last_replies(tracker))
    # Only what isn't a question can take it up: "ok, which groups are open?" asks something else.
    if offered and reader.yes_or_no(reader.without_questions(text)) is reader.YES:
        # "omg yes pls. bout £250, fri 29 oct" after the offer: the request, with what it gives.
        return [FollowupAction("action_follow_up_faq")]
    if asked:
        return []
    if reader.asks_whether_possible(text) and kinds_named(text):
        return answer_first(uow_factory, dispatcher, tracker, domain)
    instead = start_a_group_instead(text, dispatcher) or support_instead(text, dispatcher, unclear=True)
    if instead is not None:
        return instead
    if reader.for_someone_else(text):
        dispatcher.utter_message(response="utter_only_join_for_yourself")
        return []
    followed = follow_up_on_focus(uow_factory, dispatcher, tracker, domain)
    if followed is not None:
        return followed
    if reader.wants_in(text):
        named = search_groups(text, uow_factory())
        group = named.matches[0].name if len(named.matches) == 1 else tracker.get_slot("last_group")
        if group:  # "join the parents one", "sick, add me"
            return [SlotSet("group", group), FollowupAction("join_group_form")]
    if len(text.split()) <= 12:
        if say_event_date(uow_factory, text, dispatcher, domain, loosely=calendar_just_shown(tracker)):  # "idahobit"
            return []
    if names_groups(uow_factory, text):  # the live registry knows what the model didn't learn
        return await ActionFindGroup().run(dispatcher, tracker, domain)
    if reader.about_the_calendar(text):  # "what've we got in the diary for the next few months?"

        return await ActionUpcomingEvents().run(dispatcher, tracker, domain)
    on_the_card = not_on_the_card(uow_factory, text, dispatcher, tracker, domain)
    if on_the_card is None and reader.thanks_in(text) and not reader.has_question(text):
        # "thanks. maybe ill come back to the returners thing in a few months": thanks, whatever else.
        dispatcher.utter_message(response="utter_you_are_welcome")
        return []
    return on_the_card


class ActionUnclear(WiredAction):
    """A message the model isn't sure of: answered from what is in focus when it can be, else
    Rasa's two-stage fallback ("did you mean …?")."""

    def name(self) -> str:
        return "action_unclear"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list:
        answered = await answer_in_context(self.uow, dispatcher, tracker, domain)
        return answered if answered is not None else [FollowupAction("action_two_stage_fallback")]
