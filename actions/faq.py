"""After an answer about the policy: "we'd like that", "yes please" after the social budgets
starts the request with its kind known (data/rules/faq.yml)."""
from __future__ import annotations

from rasa_sdk import Action, Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.request_support import kind_from_last_answer


class ActionFollowUpFaq(Action):
    def name(self) -> str:
        return "action_follow_up_faq"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list:
        kind = kind_from_last_answer(tracker)
        if kind is None:
            dispatcher.utter_message(response="utter_anything_else")
            return []
        dispatcher.utter_message(response="utter_support_intro")
        return [SlotSet("support_kind", kind), FollowupAction("support_form")]
