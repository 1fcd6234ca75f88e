"""Find a group by name, topic or type, and show what it is and how to join."""
from __future__ import annotations

import re
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.join_group import either, join_button
from actions.responses import phrase
from bot.core.db import default_uow
from bot.journeys.find_group import GroupView, list_groups_of_type, search_groups
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


TYPE_WORDS = {"closed": re.compile(r"\b(invite[- ]only|by invitation|private|closed)\b", re.IGNORECASE),
              "open": re.compile(r"\b(open to (all|everyone|anyone)|anyone can join|open ones?)\b", re.IGNORECASE)}


class ActionFindGroup(Action):
    def name(self) -> str:
        return "action_find_group"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list:
        uow = default_uow
        asked = next(tracker.get_latest_entity_values("group"), None)
        group_type = next(tracker.get_latest_entity_values("group_type"), None)
        group_type = group_type.lower() if isinstance(group_type, str) else None
        if group_type not in ("open", "closed"):
            group_type = None
        message = tracker.latest_message.get("text") or ""
        if group_type is None and asked is None:
            # "which of the groups are invite-only?": the type in other words than the model knows.
            group_type = next((kind for kind, words in TYPE_WORDS.items() if words.search(message)), None)

        result = None
        for text in filter(None, (asked, message)):
            result = search_groups(text, uow())
            if result.matches or result.suggestions:
                break

        if result and result.matches:
            if len(result.matches) == 1:
                group = result.matches[0]
                dispatcher.utter_message(**describe_group(group, domain),
                                         buttons=join_or_request_buttons(group, domain, both_parts=True))
                return [SlotSet("last_group", group.name)]  # for "join it"
            else:
                dispatcher.utter_message(response="utter_found_a_few_groups",
                                         groups=group_lines(result.matches, domain),
                                         buttons=[show_group_button(g) for g in result.matches])
            return []

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
        return []
