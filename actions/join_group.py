"""Join a group: open groups straight away, closed groups by an invite request to the
organisers (criteria self-attested, an optional note, a summary before sending)."""
from __future__ import annotations

import json
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.forms import (NONE, OPTIONAL_TEXT, TEXT, YES_NO, YES_RE, GuidedFormValidation, clear_form_slots,
                           confirmation_buttons)
from bot.core.db import default_uow
from bot.core.errors import DomainError
from bot.journeys.find_group import get_group, list_groups_of_type, search_groups
from bot.journeys.invite_request import NOTE_MAX_CHARS, request_invite
from bot.journeys.join_group import join_open_group
from bot.slack.markup import escape_mrkdwn, quote_user_text

INVITE_SLOTS = ["criteria_confirmed", "invite_note", "invite_confirmed"]


def join_button(name: str) -> dict[str, str]:
    return {"title": name, "payload": "/join_group" + json.dumps({"group": name})}


class ValidateJoinGroupForm(GuidedFormValidation):
    confirm_slot = "invite_confirmed"
    changeable = {"invite_note": ("note", "message")}
    answers = {"group": TEXT, "criteria_confirmed": YES_NO, "invite_note": OPTIONAL_TEXT, "invite_confirmed": TEXT}

    def name(self) -> str:
        return "validate_join_group_form"

    async def required_slots(self, domain_slots: list[str], dispatcher: CollectingDispatcher, tracker: Tracker,
                             domain: DomainDict) -> list[str]:
        if tracker.get_slot("group_is_closed"):
            return domain_slots
        return [slot for slot in domain_slots if slot not in INVITE_SLOTS]

    def validate_group(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                       domain: DomainDict) -> dict[str, Any]:
        result = search_groups(str(value or ""), default_uow())
        if len(result.matches) == 1:
            group = result.matches[0]
            return self.accepted(group=group.name, group_slug=group.slug, group_is_closed=group.type == "closed")
        if result.matches:
            dispatcher.utter_message(text="A few groups match that. Which one would you like to join?",
                                     buttons=[join_button(g.name) for g in result.matches])
            return {"group": None}
        if result.suggestions:
            names = " or ".join(f"*{escape_mrkdwn(g.name)}*" for g in result.suggestions)
            dispatcher.utter_message(text=f"I couldn't find \"{quote_user_text(str(value))}\". Did you mean {names}?",
                                     buttons=[join_button(g.name) for g in result.suggestions])
            return {"group": None}
        groups = list_groups_of_type(None, default_uow())
        dispatcher.utter_message(
            text=f"I couldn't find a group called \"{quote_user_text(str(value))}\". These are the groups we have:",
            buttons=[join_button(g.name) for g in groups])
        return {"group": None, "form_retries": int(tracker.get_slot("form_retries") or 0) + 1}

    def validate_criteria_confirmed(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                    domain: DomainDict) -> dict[str, Any]:
        if not isinstance(value, bool):
            return self.ask_yes_or_no_again("criteria_confirmed", dispatcher, tracker)
        if value is False:
            # Nothing more to ask: action_join_group explains, kindly, and sends nothing.
            return self.accepted(criteria_confirmed=False, invite_note=NONE, invite_confirmed="no")
        return self.accepted(criteria_confirmed=True)

    def validate_invite_note(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                             domain: DomainDict) -> dict[str, Any]:
        note = " ".join(str(value or "").split())
        if YES_RE.match(note):
            dispatcher.utter_message(text="Sure: what would you like to say to the organisers?")
            return {"invite_note": None}
        if len(note) > NOTE_MAX_CHARS:
            return self.retry("invite_note", dispatcher, tracker,
                              f"That note is a little long: could you keep it under {NOTE_MAX_CHARS} characters?")
        return self.accepted(invite_note=note or NONE)

    def validate_invite_confirmed(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                  domain: DomainDict) -> dict[str, Any]:
        return self.validate_confirmation(value, dispatcher, tracker)


class ActionAskCriteriaConfirmed(Action):
    def name(self) -> str:
        return "action_ask_criteria_confirmed"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list:
        group = get_group(tracker.get_slot("group_slug"), default_uow())
        dispatcher.utter_message(
            text=f"*{escape_mrkdwn(group.name)}* is a closed group. It's for people who meet this: "
                 f"{escape_mrkdwn(group.criteria or '')}\nThat's for you to say about yourself: nobody will ask "
                 "you to prove anything. Does it describe you?",
            buttons=[{"title": "Yes, it does", "payload": "/affirm"}, {"title": "No", "payload": "/deny"}])
        return []


class ActionAskInviteConfirmed(Action):
    def name(self) -> str:
        return "action_ask_invite_confirmed"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list:
        group = get_group(tracker.get_slot("group_slug"), default_uow())
        note = tracker.get_slot("invite_note")
        organisers = ", ".join(escape_mrkdwn(name) for name, _ in group.organisers)
        lines = ["Here's your request:", f"*Group:* {escape_mrkdwn(group.name)}",
                 f"*Note to the organisers:* {escape_mrkdwn(note) if note and note != '-' else '(none)'}",
                 f"Only the organisers ({organisers}) will see it. Shall I send it?"]
        dispatcher.utter_message(text="\n".join(lines), buttons=confirmation_buttons())
        return []


class ActionJoinGroup(Action):
    def name(self) -> str:
        return "action_join_group"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list:
        slug, user = tracker.get_slot("group_slug"), tracker.sender_id
        try:
            if not slug:
                dispatcher.utter_message(text="Sorry, I lost track of which group you meant. Could you tell me again?")
            elif not tracker.get_slot("group_is_closed"):
                group = join_open_group(user, slug, default_uow())
                where = f" I'll add you to #{escape_mrkdwn(group.channel_name)} in Slack." if group.channel_name else ""
                dispatcher.utter_message(text=f"Welcome to *{escape_mrkdwn(group.name)}*!{where} "
                                              f"It meets: {escape_mrkdwn(group.meeting)}")
            elif tracker.get_slot("criteria_confirmed") is False:
                group = get_group(slug, default_uow())
                dispatcher.utter_message(
                    text=f"That's okay. {escape_mrkdwn(group.name)} is for people who meet its criteria, so I "
                         "haven't sent a request. Our open groups are for everyone: say *list the open groups* to "
                         "see them. If you'd like to talk about it, the D&I service team is happy to help.")
            elif tracker.get_slot("invite_confirmed") == "yes":
                note = tracker.get_slot("invite_note")
                request = request_invite(user, slug, criteria_confirmed=True, note=None if note == NONE else note,
                                         uow=default_uow())
                dispatcher.utter_message(
                    text=f"Done! I've sent your request to the organisers of *{escape_mrkdwn(request.group_name)}* "
                         f"(reference {request.reference}). I'll let you know here when they reply; it's usually "
                         "within a few days. Say *my requests* any time to check on it.")
            else:
                dispatcher.utter_message(text="Okay, I haven't sent anything.")
        except DomainError as error:
            dispatcher.utter_message(text=str(error))
        return clear_form_slots("join_group_form")
