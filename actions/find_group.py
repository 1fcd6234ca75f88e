"""Find a group by name, topic or type, and show what it is and how to join."""
from __future__ import annotations

import json
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot.core.db import default_uow
from bot.journeys.find_group import GroupView, list_groups_of_type, search_groups
from bot.slack.markup import escape_mrkdwn, quote_user_text

TYPE_LABEL = {"open": "open group", "closed": "closed group", "both": "open and closed group"}


def describe_group(group: GroupView) -> str:
    lines = [f"*{escape_mrkdwn(group.name)}* ({TYPE_LABEL[group.type]})", escape_mrkdwn(group.purpose)]
    lines.append(f"*When and how it meets:* {escape_mrkdwn(group.meeting)}")
    if group.type == "open":
        lines.append("*Who can join:* anyone. It's an open group.")
    elif group.type == "both":
        lines.append("*Who can join:* anyone can join its open channel; its closed space is for members of the community.")
    if group.is_closed:
        lines.append(f"*Who it's for:* {escape_mrkdwn(group.criteria or '')} This is self-identified: nobody will ask you to prove it.")
        organisers = ", ".join(escape_mrkdwn(name) for name, _ in group.organisers)
        lines.append(f"*How to ask:* {escape_mrkdwn(group.how_to_ask or '')} Organisers: {organisers}.")
    channels = [c for c in (group.channel_name, group.closed_channel_name if group.type == "both" else None) if c]
    if channels:
        lines.append("*Slack:* " + ", ".join(f"#{escape_mrkdwn(c)}" for c in channels))
    return "\n".join(lines)


def show_group_button(group: GroupView) -> dict[str, str]:
    return {"title": group.name, "payload": "/find_group" + json.dumps({"group": group.name})}


def join_or_request_button(group: GroupView) -> dict[str, str]:
    """Join for open groups; an invite request for closed ones (the join journey decides)."""
    title = "Request an invite" if group.type == "closed" else "Join"
    return {"title": f"{title}: {group.name}", "payload": "/join_group" + json.dumps({"group": group.name})}


def one_line(group: GroupView) -> str:
    return f"• *{escape_mrkdwn(group.name)}* ({TYPE_LABEL[group.type]}): {escape_mrkdwn(group.purpose)}"


class ActionFindGroup(Action):
    def name(self) -> str:
        return "action_find_group"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list:
        uow = default_uow
        asked = next(tracker.get_latest_entity_values("group"), None)
        group_type = next(tracker.get_latest_entity_values("group_type"), None)
        group_type = group_type.lower() if isinstance(group_type, str) else None
        if group_type not in ("open", "closed"):
            group_type = None
        message = tracker.latest_message.get("text") or ""

        result = None
        for text in filter(None, (asked, message)):
            result = search_groups(text, uow())
            if result.matches or result.suggestions:
                break

        if result and result.matches:
            if len(result.matches) == 1:
                dispatcher.utter_message(text=describe_group(result.matches[0]),
                                         buttons=[join_or_request_button(result.matches[0])])
            else:
                dispatcher.utter_message(
                    text="I found a few groups that could be what you're after:\n"
                    + "\n".join(one_line(g) for g in result.matches),
                    buttons=[show_group_button(g) for g in result.matches],
                )
            return []

        if result and result.suggestions:
            names = " or ".join(f"*{escape_mrkdwn(g.name)}*" for g in result.suggestions)
            missed = f"a group called \"{quote_user_text(asked)}\"" if asked else "that group"
            dispatcher.utter_message(
                text=f"I couldn't find {missed}. Did you mean {names}?",
                buttons=[show_group_button(g) for g in result.suggestions],
            )
            return []

        groups = list_groups_of_type(group_type, uow())
        if asked and not group_type:
            intro = (f"I couldn't find a group for \"{quote_user_text(asked)}\", sorry. "
                     "Anyone can start a group if there isn't one yet. Here are the groups we have:")
        elif group_type:
            intro = {"open": "These groups are open: anyone can join.",
                     "closed": "These groups are closed: they're for members of that community, "
                               "and you ask an organiser for an invite."}[group_type]
        else:
            intro = "Here are our community groups:"
        if not groups:
            dispatcher.utter_message(text="There are no groups of that kind listed yet. The D&I service team can tell you more.")
            return []
        dispatcher.utter_message(
            text=intro + "\n" + "\n".join(one_line(g) for g in groups)
            + "\nTell me a group's name and I'll tell you more about it, or join one below.",
            buttons=[join_or_request_button(g) for g in groups],
        )
        return []
