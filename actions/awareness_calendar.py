"""What's coming up on the social and awareness calendar."""
from __future__ import annotations

from datetime import date

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.request_support import support_button
from bot.journeys.awareness_calendar import upcoming_events
from bot.core.db import default_uow
from bot.slack.markup import escape_mrkdwn


class ActionUpcomingEvents(Action):
    def name(self) -> str:
        return "action_upcoming_events"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list:
        events = upcoming_events(date.today(), default_uow())
        if not events:
            text = "There's nothing on the awareness calendar yet."
        else:
            text = "Coming up on the awareness calendar:\n" + "\n".join(
                f"• *{escape_mrkdwn(e.name)}*: {e.when()}" + (f" ({e.url})" if e.url else "") for e in events)
        dispatcher.utter_message(
            text=text + "\nIf your group would like an event on the calendar, I can pass it to the marketing team.",
            buttons=[support_button("awareness_event", "Add our group's event")])
        return []
