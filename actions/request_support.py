"""Support and budgets: what kind, which group, when, how much (for budgets), details;
a summary; then the request goes to the team the policy names for it."""
from __future__ import annotations

import json
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.forms import (NONE, OPTIONAL_TEXT, TEXT, GuidedFormValidation, clear_form_slots, confirmation_buttons,
                           pick_choice)
from bot.core import routing
from bot.core.db import default_uow
from bot.core.errors import DomainError, InvalidInput
from bot.journeys.find_group import get_group, list_groups_of_type, search_groups
from bot.journeys.request_support import KINDS, format_pence, parse_amount, request_support
from bot.slack.markup import escape_mrkdwn

KIND_WORDS = {
    "social_budget": ("social", "party", "drinks", "food", "meal", "pizza", "celebration"),
    "speaker_fee": ("speaker", "talk", "fee", "presenter"),
    "awareness_event": ("awareness", "calendar", "observance", "day", "month", "promote", "promotion"),
    "office_space": ("office", "space", "room", "venue", "meeting space"),
    "other": ("else", "other", "not listed", "something"),
}
NO_GROUP = NONE


class ValidateSupportForm(GuidedFormValidation):
    confirm_slot = "support_confirmed"
    answers = {"support_kind": TEXT, "support_group": OPTIONAL_TEXT, "support_when": TEXT, "support_amount": TEXT,
               "support_details": OPTIONAL_TEXT, "support_confirmed": TEXT}
    changeable = {"support_kind": ("kind", "type of support"), "support_group": ("group",),
                  "support_when": ("date", "when", "time"), "support_amount": ("amount", "cost", "money"),
                  "support_details": ("details", "detail")}

    def name(self) -> str:
        return "validate_support_form"

    async def required_slots(self, domain_slots: list[str], dispatcher: CollectingDispatcher, tracker: Tracker,
                             domain: DomainDict) -> list[str]:
        kind = KINDS.get(tracker.get_slot("support_kind") or "")
        if kind and kind.needs_amount:
            return domain_slots
        return [slot for slot in domain_slots if slot != "support_amount"]

    def validate_support_kind(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                              domain: DomainDict) -> dict[str, Any]:
        choice = pick_choice(value, KIND_WORDS)
        if choice is None:
            return self.retry("support_kind", dispatcher, tracker,
                              "Please choose one of the options: a social, a speaker, an awareness-calendar event, "
                              "office space, or something else.")
        return self.accepted(support_kind=choice)

    def validate_support_group(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                               domain: DomainDict) -> dict[str, Any]:
        text = str(value or "").strip()
        if text == NO_GROUP or text.lower() in ("none", "no group", "not for a group", "no"):
            return self.accepted(support_group=NO_GROUP)
        result = search_groups(text, default_uow())
        found = result.matches[:1] or (result.suggestions[:1] if len(result.suggestions) == 1 else [])
        if found:
            return self.accepted(support_group=found[0].slug)
        return self.retry("support_group", dispatcher, tracker,
                          f"I couldn't find a group called \"{escape_mrkdwn(text[:60])}\". Which group is it for? "
                          "Choose one, or say *no group*.")

    def validate_support_when(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                              domain: DomainDict) -> dict[str, Any]:
        when = " ".join(str(value or "").split())
        if not when or len(when) > 200:
            return self.retry("support_when", dispatcher, tracker,
                              "When is it? A date or a rough time is fine, like \"12 March\" or \"next month\".")
        return self.accepted(support_when=when)

    def validate_support_amount(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                domain: DomainDict) -> dict[str, Any]:
        try:
            pence = parse_amount(str(value or ""))
        except InvalidInput as problem:
            return self.retry("support_amount", dispatcher, tracker, str(problem))
        return self.accepted(support_amount=format_pence(pence))

    def validate_support_details(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                 domain: DomainDict) -> dict[str, Any]:
        details = " ".join(str(value or "").split())
        if len(details) > 2000:
            return self.retry("support_details", dispatcher, tracker, "Please keep the details under 2,000 characters.")
        return self.accepted(support_details=details or NONE)

    def validate_support_confirmed(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                   domain: DomainDict) -> dict[str, Any]:
        return self.validate_confirmation(value, dispatcher, tracker)


class ActionAskSupportGroup(Action):
    def name(self) -> str:
        return "action_ask_support_group"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list:
        groups = list_groups_of_type(None, default_uow())
        dispatcher.utter_message(text="Which group is it for?",
                                 buttons=[{"title": g.name, "payload": g.name} for g in groups]
                                 + [{"title": "Not for a group", "payload": "/deny"}])
        return []


def _summary_lines(tracker: Tracker) -> list[str]:
    slot = tracker.get_slot
    kind = KINDS[slot("support_kind")]
    group = slot("support_group")
    group_name = get_group(group, default_uow()).name if group and group != NO_GROUP else NO_GROUP
    lines = ["Here's your request:", f"*What:* {kind.label}",
             f"*Group:* {escape_mrkdwn(group_name) if group_name != NO_GROUP else '(none)'}",
             f"*When:* {escape_mrkdwn(slot('support_when') or '')}"]
    if kind.needs_amount:
        lines.append(f"*Estimated amount:* {slot('support_amount')}")
    details = slot("support_details")
    lines.append(f"*Details:* {escape_mrkdwn(details) if details and details != '-' else '(none)'}")
    lines.append(f"It will go to {routing.TEAM_NAMES[kind.team]}. Shall I send it?")
    return lines


class ActionAskSupportConfirmed(Action):
    def name(self) -> str:
        return "action_ask_support_confirmed"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list:
        dispatcher.utter_message(text="\n".join(_summary_lines(tracker)), buttons=confirmation_buttons())
        return []


class ActionSubmitSupport(Action):
    def name(self) -> str:
        return "action_submit_support"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list:
        slot = tracker.get_slot
        if slot("support_confirmed") != "yes":
            dispatcher.utter_message(text="Okay, I haven't sent anything.")
            return clear_form_slots("support_form")
        group = slot("support_group")
        details = slot("support_details")
        try:
            request = request_support(
                tracker.sender_id, kind=slot("support_kind"), group_slug=None if group in (None, NO_GROUP) else group,
                when=slot("support_when") or "", amount_text=slot("support_amount"),
                details="" if details in (None, NONE) else details, uow=default_uow())
            dispatcher.utter_message(
                text=f"Sent! Your request is with {request.team_name} (reference {request.reference}). "
                     "They'll get back to you here. Say *my requests* any time to check on it.")
        except DomainError as error:
            dispatcher.utter_message(text=str(error))
        return clear_form_slots("support_form")


def support_button(kind: str, title: str) -> dict[str, str]:
    return {"title": title, "payload": "/request_support" + json.dumps({"support_kind": kind})}
