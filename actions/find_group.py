"""Find a group by name, topic or type, and show what it is and how to join."""
from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.asides import SUPPORT_OFFERED, explain, say_event_date
from actions.join_group import either, join_button
from actions.request_support import last_replies
from actions.responses import phrase
from actions.wired import WiredAction
from bot.core.db import UowFactory
from bot.journeys.find_group import GroupView, list_groups_of_type, search_groups
from bot.nlu import reader
from bot.rasa_plumbing.payloads import intent_payload
from bot.slack.markup import escape_mrkdwn, quote_user_text


def describe_group(group: GroupView, domain: DomainDict) -> dict[str, Any]:
    """utter_group_<type> and its values, every one escaped."""
    channels = [c for c in (group.channel_name, group.closed_channel_name if group.type == "both" else None) if c]
    return {
        "response": f"utter_group_{group.type}", "group_name": escape_mrkdwn(group.name),
        "purpose": escape_mrkdwn(group.purpose), "meeting": escape_mrkdwn(group.meeting),
        "criteria": escape_mrkdwn(group.criteria or ""), "how_to_ask": escape_mrkdwn(group.how_to_ask or ""),
        "organisers": ", ".join(escape_mrkdwn(name) for name, _ in group.organisers),
        "slack_line": phrase(domain, "utter_group_slack_line", channels=", ".join(f"#{escape_mrkdwn(c)}" for c in channels))
        if channels else "",
    }


def show_group_button(group: GroupView) -> dict[str, str]:
    return {"title": group.name, "payload": intent_payload("find_group", group=group.name)}


def join_or_request_buttons(group: GroupView, domain: DomainDict, *, both_parts: bool = False) -> list[dict[str, str]]:
    """Join for open groups; an invite request for closed ones. A "both" group: one Join
    (the journey asks which part), or with `both_parts` a button for each part."""
    join = phrase(domain, "utter_join_button", group_name=group.name)
    request = phrase(domain, "utter_request_invite_button", group_name=group.name)
    if group.type == "both" and both_parts:
        return [join_button(group.name, "open", join), join_button(group.name, "closed", request)]
    return [join_button(group.name, title=request if group.type == "closed" else join)]


def group_lines(groups: list[GroupView], domain: DomainDict) -> str:
    return "\n".join(phrase(domain, f"utter_group_line_{g.type}", group_name=escape_mrkdwn(g.name),
                            purpose=escape_mrkdwn(g.purpose)) for g in groups)


def group_in_focus(uow_factory: UowFactory, tracker: Tracker, text: str | None = None) -> GroupView | None:
    """The group a follow-up is about: the one it names, the one at the place in the last list
    it names ("the second one"), else the one the bot last showed. A list puts nothing in
    focus; a group's card does, until something else comes into focus."""
    text = tracker.latest_message.get("text") or "" if text is None else text
    if text and not text.startswith("/"):
        named = search_groups(text, uow_factory())
        if len(named.matches) == 1:
            return named.matches[0]
    listed = tracker.get_slot("listed_groups") or []
    place = reader.ordinal(text or "")
    if listed and place is not None and -len(listed) <= place < len(listed):
        found = search_groups(listed[place], uow_factory())
        if found.matches:
            return found.matches[0]
    if tracker.get_slot("last_group"):
        found = search_groups(tracker.get_slot("last_group"), uow_factory())
        if len(found.matches) == 1:
            return found.matches[0]
    return None


def show_group(group: GroupView, detail: str | None, dispatcher: CollectingDispatcher, domain: DomainDict) -> list:
    """The group's card, or who runs it when that is what was asked; the group comes into focus."""
    if detail == "organisers":
        dispatcher.utter_message(response="utter_group_organisers", group_name=escape_mrkdwn(group.name),
                                 organisers=", ".join(escape_mrkdwn(name) for name, _ in group.organisers) or "—",
                                 buttons=join_or_request_buttons(group, domain, both_parts=True))
    else:
        dispatcher.utter_message(**describe_group(group, domain), buttons=join_or_request_buttons(group, domain, both_parts=True))
    return focus_on(group)


def focus_on(group: GroupView | None, listed: list[str] | None = None) -> list:
    return [SlotSet("last_group", group.name if group else None), SlotSet("listed_groups", listed)]


def follow_up_on_focus(uow_factory: UowFactory, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict,
                       loosely: bool = False) -> list | None:
    """A question about the group in focus in any words ("who runs it", "when do they meet?",
    "the second one"), whatever the model made of it; None when it isn't one. `loosely` (the
    model read it as a question about groups): any short question that asks for no list."""
    text = tracker.latest_message.get("text") or ""
    detail = reader.group_detail(text)
    listed = tracker.get_slot("listed_groups") or []
    about_focus = loosely and len(text.split()) <= 20 and not reader.asks_for_a_list(text)
    if detail is None and not about_focus and not (listed and reader.ordinal(text) is not None):
        return None
    group = group_in_focus(uow_factory, tracker, text)
    if group is None:
        return None
    if detail is None and reader.ordinal(text) is None and group.name == tracker.get_slot("last_group"):
        # "do they do anything about cycling to work tho?" just after the card: a detail it
        # doesn't give, said so (and who would know), rather than the same card again.
        from actions.fallback import not_on_the_card  # it imports this module

        answered = not_on_the_card(uow_factory, text, dispatcher, tracker, domain)
        if answered is not None:
            return answered
    return show_group(group, detail, dispatcher, domain)


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
        message = tracker.latest_message.get("text") or ""
        if group_type is None and asked is None:
            # "which of the groups are invite-only?": the type in other words than the model knows.
            named_types = reader.group_types_named(message)
            group_type = "closed" if "closed" in named_types else (named_types[0] if named_types else None)

        from actions.start_journey import answer_first, kinds_named, start_a_group_instead, support_instead  # it imports much of actions/

        if reader.asks_whether_possible(message) and kinds_named(message):
            # "is there money for a diwali do?? for faith and belief": a question about support.
            return answer_first(self.uow, dispatcher, tracker, domain)

        offered = any(reply in SUPPORT_OFFERED and reply != "utter_support_request_sent" for reply in last_replies(tracker))
        if offered and not reader.has_question(message) and reader.yes_or_no(message) is reader.YES:
            # "ok. it's for the lgbtq network, something for pride month. go on then": the request, for that group.
            return [FollowupAction("action_follow_up_faq")]
        if reader.about_the_calendar(message) and asked is None:
            # "…what've we got in the diary for the next few months?": the calendar, whatever group it mentions.
            from actions.awareness_calendar import ActionUpcomingEvents  # it imports much of actions/

            return await ActionUpcomingEvents().run(dispatcher, tracker, domain)
        instead = start_a_group_instead(message, dispatcher) or support_instead(message, dispatcher)
        if instead is not None:
            return instead
        result = None
        for text in filter(None, (asked, message)):
            result = search_groups(text, uow())
            if result.matches or result.suggestions:
                break

        if reader.calendar_word_in(message) or any(reply in CALENDAR_REPLIES for reply in last_replies(tracker)):
            # "the trans visibility one, that's LGBTQ+'s right?" after the calendar, "pride month's coming,
            # does marketing do anything for it?": the observance, not the group it shares a word with.

            if say_event_date(self.uow, message, dispatcher, domain):
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
            return []

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
