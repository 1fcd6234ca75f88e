"""What's coming up on the social and awareness calendar."""
from __future__ import annotations

from datetime import date

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.request_support import support_button
from actions.responses import phrase
from bot.core.db import default_uow
from bot.journeys.awareness_calendar import upcoming_events
from bot.slack.markup import escape_mrkdwn


class ActionUpcomingEvents(Action):
    def name(self) -> str:
        return "action_upcoming_events"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list:
        events = upcoming_events(date.today(), default_uow())
        button = support_button("awareness_event", phrase(domain, "utter_add_event_button"))
        if not events:
            dispatcher.utter_message(response="utter_no_upcoming_events", buttons=[button])
            return []
        lines = [phrase(domain, "utter_event_line_with_link" if e.url else "utter_event_line",
                        event=escape_mrkdwn(e.name), when=e.when(), url=e.url or "") for e in events]
        dispatcher.utter_message(response="utter_upcoming_events", events="\n".join(lines), buttons=[button])
        return []
