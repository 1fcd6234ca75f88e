"""What's coming up on the social and awareness calendar."""
from __future__ import annotations


from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.asides import say_event_date
from actions.focus import follow_up_on_focus
from actions.request_support import support_button
from actions.responses import phrase
from actions.reading import typed
from actions.wired import WiredAction
from bot.core.db import UowFactory
from bot.journeys.awareness_calendar import upcoming_events
from bot.nlu import reader
from bot.slack.markup import escape_mrkdwn


class ActionUpcomingEvents(WiredAction):
    def name(self) -> str:
        return "action_upcoming_events"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list:
        text = typed(tracker)
        # "when's International Women's Day?": that one; "…and what else is coming up?": the rest too.
        if reader.asks_whats_coming(text) and say_event_date(self.uow, text, dispatcher, domain):
            list_upcoming(self.uow, dispatcher, domain)
            return []
        # Asked about the calendar (the model says so): one word of a name names the observance.
        if say_event_date(self.uow, text, dispatcher, domain, buttons=[add_event_button(domain)], loosely=True):
            return []
        if reader.group_detail(text) == "meeting" and not reader.calendar_word_in(text):
            # "when/where", "when's the next one?" after a group's card: when the group meets.

            followed = follow_up_on_focus(self.uow, dispatcher, tracker, domain)
            if followed is not None:
                return followed
        list_upcoming(self.uow, dispatcher, domain)
        return []


def add_event_button(domain: DomainDict) -> dict:
    return support_button("awareness_event", phrase(domain, "utter_add_event_button"))


def list_upcoming(uow_factory: UowFactory, dispatcher: CollectingDispatcher, domain: DomainDict) -> None:
    """The next observances on the calendar, with the offer to add a group's event."""
    uow = uow_factory()
    events = upcoming_events(uow.clock().date(), uow)
    if not events:
        dispatcher.utter_message(response="utter_no_upcoming_events", buttons=[add_event_button(domain)])
        return
    lines = [phrase(domain, "utter_event_line_with_link" if e.url else "utter_event_line",
                    event=escape_mrkdwn(e.name), when=e.when(), url=e.url or "") for e in events]
    dispatcher.utter_message(response="utter_upcoming_events", events="\n".join(lines), buttons=[add_event_button(domain)])
