"""The thing in focus: the group the bot last showed (its card), or the one a follow-up names
("who runs it", "the second one", "add me"), and how a group is shown, with its Join or
invite-request buttons. Every journey that shows a group or acts on the one in focus uses
this; none of them is imported here."""
from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.asides import GROUP_SHOWN
from actions.reading import last_replies, typed
from actions.responses import phrase
from bot.core.db import UowFactory
from bot.journeys.find_group import GroupView, search_groups
from bot.nlu import reader
from bot.rasa_plumbing.payloads import intent_payload
from bot.slack.markup import escape_mrkdwn


def join_button(name: str, part: str | None = None, title: str | None = None) -> dict[str, str]:
    entities = {"group": name, **({"group_part": part} if part else {})}
    return {"title": title or name, "payload": intent_payload("join_group", **entities)}


def either(names: list[str]) -> str:
    return " or ".join(f"*{escape_mrkdwn(name)}*" for name in names)


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
    text = typed(tracker) if text is None else text
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
    text = typed(tracker)
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

        answered = not_on_the_card(uow_factory, text, dispatcher, tracker, domain)
        if answered is not None:
            return answered
    return show_group(group, detail, dispatcher, domain)


def not_on_the_card(uow_factory: UowFactory, text: str, dispatcher: CollectingDispatcher, tracker: Tracker,
                    domain: DomainDict) -> list | None:
    """A question about the group just shown that its card doesn't answer ("do people have
    cameras on?", "is the slack bit enough on its own?"): said so, and who can answer it."""

    if not any(reply in GROUP_SHOWN for reply in last_replies(tracker)) or len(text.split()) > 40 \
            or not reader.has_question(text) or reader.asks_for_a_list(text):
        return None
    group = group_in_focus(uow_factory, tracker, text)
    if group is None:
        return None
    dispatcher.utter_message(response="utter_not_on_the_card", group_name=escape_mrkdwn(group.name))
    return show_group(group, "organisers", dispatcher, domain)
