"""Find a group by name, topic or type, and show what it is and how to join."""
from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.asides import SUPPORT_OFFERED, explain, say_event_date
from actions.awareness_calendar import ActionUpcomingEvents
from actions.focus import (either, focus_on, follow_up_on_focus, group_lines, join_or_request_buttons,
                           not_on_the_card, show_group, show_group_button)
from actions.reading import last_replies, typed
from actions.start_journey import answer_first, kinds_named, start_a_group_instead, support_instead
from actions.wired import WiredAction
from bot.core.db import UowFactory
from bot.journeys.find_group import list_groups_of_type, search_groups
from bot.nlu import reader
from bot.slack.markup import quote_user_text


def names_groups(uow_factory: UowFactory, text: str) -> bool:
    """Whether a message the model didn't read as finding a group still names one ("anything for
    adhd ppl?", "sustainibility grp??"), or asks for the open or closed ones ("list closed grps")."""
    if not text or text.startswith("/") or len(text.split()) > 45:
        return False
    result = search_groups(text, uow_factory())
    if result.matches:
        return True
    return bool(reader.group_types_named(text)) and reader.names_groups(text)


# What the calendar was last shown by: an observance named next is asked about there.
CALENDAR_REPLIES = ("utter_upcoming_events", "utter_event_date", "utter_faq/awareness_calendar")


def calendar_just_shown(tracker: Tracker) -> bool:
    return any(reply in CALENDAR_REPLIES for reply in last_replies(tracker))


class ActionFindGroup(WiredAction):
    def name(self) -> str:
        return "action_find_group"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list:
        uow = self.uow
        asked = next(tracker.get_latest_entity_values("group"), None)
        group_type = next(tracker.get_latest_entity_values("group_type"), None)
        group_type = group_type.lower() if isinstance(group_type, str) else None
        if group_type not in ("open", "closed"):
            group_type = None
        message = typed(tracker)
        if group_type is None and asked is None:
            # "which of the groups are invite-only?": the type in other words than the model knows.
            named_types = reader.group_types_named(message)
            group_type = "closed" if "closed" in named_types else (named_types[0] if named_types else None)


        if reader.asks_whether_possible(message) and kinds_named(message):
            # "is there money for a diwali do?? for faith and belief": a question about support.
            return answer_first(self.uow, dispatcher, tracker, domain)

        offered = any(reply in SUPPORT_OFFERED and reply != "utter_support_request_sent" for reply in last_replies(tracker))
        if offered and not reader.has_question(message) and reader.yes_or_no(message) is reader.YES:
            # "ok. it's for the lgbtq network, something for pride month. go on then": the request, for that group.
            return [FollowupAction("action_follow_up_faq")]
        if reader.about_the_calendar(message) and asked is None:
            # "…what've we got in the diary for the next few months?": the calendar, whatever group it mentions.

            return await ActionUpcomingEvents().run(dispatcher, tracker, domain)
        instead = start_a_group_instead(message, dispatcher) or support_instead(message, dispatcher)
        if instead is not None:
            return instead
        result = None
        for text in filter(None, (asked, message)):
            result = search_groups(text, uow())
            if result.matches or result.suggestions:
                break

        calendar_shown = calendar_just_shown(tracker)
        if reader.calendar_word_in(message) or calendar_shown:
            # "the trans visibility one, that's LGBTQ+'s right?" after the calendar, "pride month's coming,
            # does marketing do anything for it?": the observance, not the group it shares a word with.
            if say_event_date(self.uow, message, dispatcher, domain, loosely=calendar_shown):
                return []
        if result and result.matches:
            if len(result.matches) == 1:
                topic = reader.asked_about_the_assistant(message)
                if topic:
                    # "if i join the disability group does my manager find out?": asked about that group.

                    tracker.slots["last_group"] = result.matches[0].name
                    explain(self.uow, topic, dispatcher, tracker, domain, subject="invite")
                    return focus_on(result.matches[0])
                if (reader.wants_in(message) or reader.asks_to_join(message)) and not reader.has_question(message):
                    # "WiT invite pls. yes i identify as a woman": joining it, whatever the model made of it.
                    return [SlotSet("group", result.matches[0].name), FollowupAction("join_group_form")]
                return show_group(result.matches[0], reader.group_detail(message), dispatcher, domain)
            dispatcher.utter_message(response="utter_found_a_few_groups",
                                     groups=group_lines(result.matches, domain),
                                     buttons=[show_group_button(g) for g in result.matches])
            return focus_on(None, [g.name for g in result.matches])

        if asked is None and reader.group_detail(message) == "organisers" and reader.groups_in_general(message) \
                and not (result and result.matches):
            # "who actually runs these groups, is it HR?": how groups are run, not one group's organisers.
            dispatcher.utter_message(response="utter_faq/managing_group")
            return []
        if asked is None and group_type is None:
            # "who runs it?", "when do they meet?", "the second one": the group in focus.
            followed = follow_up_on_focus(self.uow, dispatcher, tracker, domain, loosely=True)
            if followed is None:  # "do people have cameras on at the coffee?": not on its card
                followed = not_on_the_card(self.uow, message, dispatcher, tracker, domain)
            if followed is not None:
                return followed

        if result and result.suggestions:
            names = either([g.name for g in result.suggestions])
            buttons = [show_group_button(g) for g in result.suggestions]
            if asked:
                dispatcher.utter_message(response="utter_find_did_you_mean_named", typed=quote_user_text(asked),
                                         names=names, buttons=buttons)
            else:
                dispatcher.utter_message(response="utter_find_did_you_mean", names=names, buttons=buttons)
            # "Did you mean Parents and Carers?", then "ok who organises it": that one. Of two, neither.
            # The name not found is kept nowhere, so "pop me in" doesn't ask for it again.
            return (focus_on(result.suggestions[0]) if len(result.suggestions) == 1 else []) + [SlotSet("group", None)]

        groups = list_groups_of_type(group_type, uow())
        if not groups:
            dispatcher.utter_message(response="utter_no_groups_of_that_kind")
            return []
        values: dict[str, Any] = {"groups": group_lines(groups, domain)}
        if asked and not group_type:
            response, values["typed"] = "utter_group_list_not_found", quote_user_text(asked)
        else:
            response = f"utter_group_list_{group_type or 'all'}"
        dispatcher.utter_message(response=response, **values,
                                 buttons=[b for g in groups for b in join_or_request_buttons(g, domain)])
        return focus_on(None, [g.name for g in groups])
