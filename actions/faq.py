"""After an answer about the policy: "we'd like that", "yes please" after the social budgets
starts the request with its kind known (data/rules/faq.yml). So does a follow-up the model
isn't sure of ("let's get one sorted for Women in Tech" after the awareness calendar), when it
reads like one; anything else unclear is read as any unclear message is (action_unclear)."""
from __future__ import annotations


from rasa_sdk import Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.fallback import answer_in_context
from actions.reading import last_faq_key, last_replies, typed
from actions.request_support import kind_from_last_answer
from actions.wired import WiredAction
from bot.journeys.find_group import search_groups
from bot.nlu import reader


WANTS_IT = ("request_support", "affirm")
# Answers about joining a group: a yes after one, with a group in focus, is joining it.
ABOUT_JOINING = ("faq/closed_group_criteria", "faq/group_types", "faq/message_organiser_directly")


def takes_up_the_offer(tracker: Tracker) -> bool:
    """An unclear message that still reads as taking up what the bot just offered."""
    ranking = [r.get("name") for r in (tracker.latest_message.get("intent_ranking") or [])[:3]]
    text = typed(tracker)
    if reader.yes_or_no(reader.without_questions(text)) is reader.YES:  # "omg yes pls. about £250…", not "ok, which groups?"
        return True
    return reader.takes_up_an_offer(text) and any(i in WANTS_IT for i in ranking)


class ActionFollowUpFaq(WiredAction):
    def name(self) -> str:
        return "action_follow_up_faq"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list:
        kind = kind_from_last_answer(tracker)
        unclear = (tracker.latest_message.get("intent") or {}).get("name") == "nlu_fallback"
        if unclear and (kind is None or not takes_up_the_offer(tracker)):
            # Not the offer taken up: what it may still be (a group asked for, a follow-up), as
            # any unclear message is read, before "did you mean …?".

            answered = await answer_in_context(self.uow, dispatcher, tracker, domain)
            return answered if answered is not None else [FollowupAction("action_two_stage_fallback")]
        if kind is None and "utter_faq/how_to_start_group" in last_replies(tracker):
            # "Yes let's do it! Name: Menopause Matters…" after how starting a group works.
            dispatcher.utter_message(response="utter_start_group_intro")
            return [FollowupAction("start_group_form")]
        if kind is None:
            group = tracker.get_slot("last_group")
            if group and last_faq_key(tracker) in ABOUT_JOINING:
                # "do I have to prove anything?" about the group in focus, then "yes that's me. go on then".
                return [SlotSet("group", group), FollowupAction("join_group_form")]
            dispatcher.utter_message(response="utter_anything_else")
            return []
        dispatcher.utter_message(response="utter_support_intro")
        carried = [SlotSet("support_kind", kind)]
        asked = previous_question(tracker)
        groups = search_groups(asked, self.uow()) if asked else None
        if groups is not None and len(groups.matches) == 1 and not tracker.get_slot("support_group"):
            # "is there money for a diwali do? for faith and belief", then "yes please": that group.
            carried.append(SlotSet("support_group", groups.matches[0].slug))
        return carried + [FollowupAction("support_form")]


def previous_question(tracker: Tracker) -> str | None:
    """What the person said before this message (the question the bot answered)."""
    said = [e.get("text") or "" for e in tracker.events if e.get("event") == "user"]
    return said[-2] if len(said) >= 2 and not said[-2].startswith("/") else None
