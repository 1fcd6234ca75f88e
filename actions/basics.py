"""Answers around every journey that need more than a fixed response."""
from __future__ import annotations

from rasa_sdk import Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.asides import GROUP_SHOWN
from actions.fallback import answer_in_context
from actions.reading import last_replies, typed
from actions.wired import WiredAction
from bot.nlu import reader
from bot.nlu.long_messages import MAX_CHARS


class ActionOutOfScope(WiredAction):
    def name(self) -> str:
        return "action_out_of_scope"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list:
        if len(typed(tracker)) > MAX_CHARS:
            dispatcher.utter_message(response="utter_message_too_long")
            return []
        answered = await answer_in_context(self.uow, dispatcher, tracker, domain)
        if answered is not None:
            return answered
        dispatcher.utter_message(response="utter_out_of_scope")
        return []


class ActionReplyInContext(WiredAction):
    """A yes or no with no question of ours open: a yes after a group's card joins it (the card
    offers it); otherwise what else the person would like."""

    def name(self) -> str:
        return "action_reply_in_context"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list:
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        if intent == "affirm" and tracker.get_slot("last_group") and any(r in GROUP_SHOWN for r in last_replies(tracker)):
            return [SlotSet("group", tracker.get_slot("last_group")), FollowupAction("join_group_form")]
        answered = await answer_in_context(self.uow, dispatcher, tracker, domain)
        if answered is not None:
            return answered
        dispatcher.utter_message(response="utter_anything_else")
        return []


class ActionNothingUnderWay(WiredAction):
    """A stop with nothing under way: "ok nvm thx" is thanks; after an answer or an offer ("not
    today"), that nothing was sent; said again after a stop, that nothing is under way."""

    def name(self) -> str:
        return "action_nothing_under_way"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list:
        text = typed(tracker)
        if reader.thanks_in(text):
            response = "utter_you_are_welcome"
        elif set(last_replies(tracker)) & {"utter_stopped", "utter_nothing_sent", "utter_nothing_to_stop"} \
                or not last_replies(tracker):
            response = "utter_nothing_to_stop"
        else:
            response = "utter_nothing_sent"
        dispatcher.utter_message(response=response)
        return []
