"""What's coming up on the social and awareness calendar."""
from __future__ import annotations

import re
from datetime import date

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.request_support import support_button
from actions.responses import phrase
from bot.core.db import default_uow
from bot.journeys.awareness_calendar import event_named, upcoming_events
from bot.nlu import reader
from bot.slack.markup import escape_mrkdwn


# Words that ask about the calendar, not a group's meetings.
CALENDAR_WORDS = re.compile(r"\b(calendar|awareness|observances?|coming up|upcoming|month|day|week|events?|dates?)\b",
                            re.IGNORECASE)


class ActionUpcomingEvents(Action):
    def name(self) -> str:
        return "action_upcoming_events"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list:
        button = support_button("awareness_event", phrase(domain, "utter_add_event_button"))
        named = event_named(tracker.latest_message.get("text") or "", date.today(), default_uow())
        if named is not None:  # "when's International Women's Day?": that one
            link = phrase(domain, "utter_event_link", url=named.url) if named.url else ""
            dispatcher.utter_message(response="utter_event_date", event=escape_mrkdwn(named.name),
                                     when=named.when_phrase(date.today()), link=link, buttons=[button])
            return []
        text = tracker.latest_message.get("text") or ""
        if reader.group_detail(text) == "meeting" and not CALENDAR_WORDS.search(text):
            # "when/where", "when's the next one?" after a group's card: when the group meets.
            from actions.find_group import follow_up_on_focus  # find_group imports much of actions/

            followed = follow_up_on_focus(dispatcher, tracker, domain)
            if followed is not None:
                return followed
        events = upcoming_events(date.today(), default_uow())
        if not events:
            dispatcher.utter_message(response="utter_no_upcoming_events", buttons=[button])
            return []
        lines = [phrase(domain, "utter_event_line_with_link" if e.url else "utter_event_line",
                        event=escape_mrkdwn(e.name), when=e.when(), url=e.url or "") for e in events]
        dispatcher.utter_message(response="utter_upcoming_events", events="\n".join(lines), buttons=[button])
        return []
