"""The assistant explains itself, asked on its own: that it is a bot, who sees what at each
journey, and what happens next (the answers, which a form also gives mid-question, are in
actions.asides).

Which question it is comes from the reader (bot.nlu.reader.about_the_assistant); which journey
it is about, from the form under way or the one that just ended, else the group in focus."""
from __future__ import annotations

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.asides import explain
from actions.fallback import answer_in_context
from actions.reading import typed
from actions.wired import WiredAction
from bot.nlu import reader


class ActionExplain(WiredAction):
    """A question about the assistant or the process, asked on its own or mid-form."""

    def name(self) -> str:
        return "action_explain"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list:
        topics = reader.all_about_the_assistant(typed(tracker))
        if not topics and tracker.active_loop:
            topics = ["who_sees"]  # mid-form the model's guess stands: what the person is doing, explained
        if not topics:
            # The model's guess, with no words of the kind: what else it may be ("an ADHD gang here??").

            answered = await answer_in_context(self.uow, dispatcher, tracker, domain)
            if answered is None:  # (not the two-stage fallback: its "did you mean" would lead back here)
                dispatcher.utter_message(response="utter_ask_rephrase")
            return answered or []
        for topic in topics:
            explain(self.uow, topic, dispatcher, tracker, domain)
        return []
