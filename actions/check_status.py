"""Check on requests: one by its reference, or all of the person's own."""
from __future__ import annotations

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.reading import typed
from actions.responses import phrase
from actions.wired import WiredAction
from bot.core.errors import NotFound
from bot.core.references import normalise_reference
from bot.journeys.check_status import my_requests, status_of
from bot.slack.markup import escape_mrkdwn


class ActionCheckStatus(WiredAction):
    def name(self) -> str:
        return "action_check_status"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list:
        # The entity extractor can cut a code short ("SUP-RA6"), so the whole message is the
        # fallback: a reference anywhere in it counts.
        candidates = [*tracker.get_latest_entity_values("reference"), typed(tracker)]
        code = next((text for text in candidates if normalise_reference(text)), "")
        if code:
            try:
                view = status_of(code, tracker.sender_id, self.uow())
                dispatcher.utter_message(response="utter_request_status", status=escape_mrkdwn(view.line()))
            except NotFound:
                # Whoever's it is (a colleague's, a mistyped one), only the person's own are ever shown.
                dispatcher.utter_message(response="utter_only_your_requests",
                                         reference=escape_mrkdwn(normalise_reference(code) or ""))
            return [SlotSet("reference", None)]
        views = my_requests(tracker.sender_id, self.uow())
        if not views:
            dispatcher.utter_message(response="utter_no_requests_yet")
        else:
            dispatcher.utter_message(response="utter_my_requests", requests="\n".join(
                phrase(domain, "utter_my_requests_line", status=escape_mrkdwn(v.line())) for v in views[:20]))
        return [SlotSet("reference", None)]
