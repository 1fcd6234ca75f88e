"""Switching journey in the middle of a form: which journey a message starts instead, whether
leaving would lose answers (then the form asks first), and leaving for it with what was named."""
from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import ActiveLoop, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.form_registry import clear_form_slots, validator_for
from actions.pending import PENDING
from actions.reading import YES_NO, likeliest_intent, typed
from actions.wired import WiredAction
from bot.core.db import UowFactory
from bot.journeys.raise_issue import held_story
from bot.nlu import reader

# The intent that starts each journey with a form: the form and what is said before it.
JOURNEYS = {"join_group": ("join_group_form", None), "start_group": ("start_group_form", "utter_start_group_intro"),
            "request_support": ("support_form", "utter_support_intro"),
            "raise_issue": ("raise_issue_form", "utter_raise_issue_intro")}
assert set(JOURNEYS) == set(reader.JOURNEY_INTENTS), "the reader and the forms must agree on the journeys"
# The journey each form belongs to.
FORM_JOURNEY = {form: intent for intent, (form, _) in JOURNEYS.items()}
# Entities a journey's first message may carry into its form.
CARRIED_ENTITIES = ("group", "group_part", "support_kind")
# A journey started while a form is under way needs the model to be this sure, or words like "instead".
SWITCH_CONFIDENCE = 0.7
SWITCH_WITH_CUE_CONFIDENCE = 0.4


class JourneySwitching:
    """What a form does when the person starts another journey (mixed into GuidedFormValidation,
    whose form_name, on_stop, starting_slots and wiring it uses)."""

    def switch_wanted(self, tracker: Tracker, kind: str | None) -> dict[str, Any] | None:
        """The journey the message starts instead of this one, with what it named, or None."""
        text = typed(tracker)
        intent, confidence = likeliest_intent(tracker)
        # Another journey in so many words, whatever the model made of it: "Maybe call it Career
        # Changers? It would be open to anyone", "maybe i should just join the parents one instead".
        instead = ("start_group" if reader.wants_to_start_a_group(text) else
                   "join_group" if reader.joins_instead(text) else None)
        if instead and JOURNEYS[instead][0] != self.form_name():
            target = validator_for(JOURNEYS[instead][0], self._wiring)
            return {"intent": instead, "entities": target.read_from_first_message(text) if target else {}}
        # (A button for this journey, "/join_group{…}" offered by this form, is an answer.)
        if intent not in JOURNEYS or (text.startswith("/") and JOURNEYS[intent][0] == self.form_name()):
            return None
        entities = {e["entity"]: e["value"] for e in tracker.latest_message.get("entities") or []
                    if e.get("entity") in CARRIED_ENTITIES}
        if not text.startswith("/"):
            cue = reader.has_switch_cue(text)
            # An answer often sounds like a journey ("a group for runners", "open, anyone can come"): it
            # takes words like "instead", or a yes/no question answered with neither and a sure model.
            plainly_not_an_answer = kind == YES_NO and reader.yes_or_no(text) is None and confidence >= 0.9
            if not (cue or plainly_not_an_answer):
                return None
            if confidence < (SWITCH_WITH_CUE_CONFIDENCE if cue else SWITCH_CONFIDENCE):
                return None
        if JOURNEYS[intent][0] == self.form_name() and not self.starts_afresh(entities, tracker):
            return None
        target = validator_for(JOURNEYS[intent][0], self._wiring)
        if target is not None and not text.startswith("/"):
            entities = {**target.read_from_first_message(text), **entities}
        return {"intent": intent, "entities": entities}

    def read_from_first_message(self, text: str) -> dict[str, Any]:
        """Answers this form can read from the message that starts it (the kind of support in
        "budget for a social instead"), kept when the journey starts after a question."""
        return {}

    def starts_afresh(self, entities: dict[str, Any], tracker: Tracker) -> bool:
        """Whether this journey, started again mid-form with these entities, is a new one
        (another group named mid-join): each form says."""
        return False

    def has_answers(self, tracker: Tracker, domain: DomainDict) -> bool:
        """Whether leaving would lose answers: any the person gave to its questions. What started
        the form (`starting_slots`, from the first message or a question answered first) counts
        only when it was answered to a question ("Climate Action" where the group was asked)."""
        required = domain["forms"][self.form_name()]["required_slots"]
        if any(tracker.get_slot(slot) is not None for slot in required if slot not in self.starting_slots):
            return True
        events = tracker.events
        started = max((i for i, e in enumerate(events) if e.get("event") == "active_loop"
                       and e.get("name") == self.form_name()), default=None)
        users = [i for i, e in enumerate(events) if e.get("event") == "user" and (started is None or i > started)]
        if started is None or len(users) < 2:
            return False  # this message is the first reply: nothing was answered before it
        # Between the first reply and this message: what the replies set.
        return any(e.get("event") == "slot" and e.get("name") in self.starting_slots and e.get("value") is not None
                   and tracker.get_slot(e["name"]) is not None for e in events[users[0]:users[-1]])

    def switch_to(self, switch: dict[str, Any], tracker: Tracker, domain: DomainDict) -> list:
        """Leave this form (undoing what it kept) and start the other journey with what was named."""
        self.on_stop(tracker)
        carried = [SlotSet(name, value) for name, value in switch.get("entities", {}).items()]
        return ([SlotSet(PENDING, None), ActiveLoop(None), SlotSet("requested_slot", None)]
                + clear_form_slots(self.form_name(), domain) + carried
                + [SlotSet("switch_to", switch["intent"]), FollowupAction("action_switch_journey")])


class ActionSwitchJourney(WiredAction):
    """Starts the journey a person switched to mid-form (GuidedFormValidation.switch_to): its
    opening words, then its form, with what they named already filled."""

    def name(self) -> str:
        return "action_switch_journey"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list:
        form, intro = JOURNEYS.get(tracker.get_slot("switch_to") or "", (None, None))
        if form is None:
            return [SlotSet("switch_to", None), FollowupAction("action_listen")]
        dispatcher.utter_message(response="utter_switching")
        say_intro(form, intro, dispatcher, tracker, self.uow)
        return [SlotSet("switch_to", None), FollowupAction(form)]


def say_intro(form: str, intro: str | None, dispatcher: CollectingDispatcher, tracker: Tracker,
              uow_factory: UowFactory) -> None:
    """A journey's opening words; raising an issue's, with what happened, when it was told up
    front (held by bot.journeys.raise_issue.begin), acknowledged and said to be offered later."""
    if intro:
        dispatcher.utter_message(response=intro)
    if form == JOURNEYS["raise_issue"][0] and held_story(tracker.sender_id, uow_factory()):
        dispatcher.utter_message(response="utter_raise_issue_story_held")
