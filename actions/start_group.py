"""Start a group: a guided proposal, checked for similar groups, confirmed against the EDI
policy, summarised, then routed to the D&I service team."""
from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.find_group import show_group_button
from actions.forms import TEXT, YES_NO, GuidedFormValidation, clear_form_slots, confirmation_buttons, pick_choice
from bot.core.db import default_uow
from bot.core.errors import AlreadyDone, DomainError, InvalidInput
from bot.journeys.start_group import parse_organisers, propose_group, similar_groups, validate_name, validate_text
from bot.slack.markup import escape_mrkdwn

TYPES = {"open": ("anyone", "everyone"), "closed": ("private", "invite"), "both": ("mix", "mixed")}
CLOSED_SLOTS = ["new_group_criteria", "new_group_how_to_ask"]
FIELDS = {
    "new_group_name": ("name", "called"), "new_group_type": ("type", "open", "closed"),
    "new_group_purpose": ("purpose",), "new_group_meeting": ("meeting", "meet", "when"),
    "new_group_organisers": ("organisers", "organiser"), "new_group_criteria": ("criteria", "who it's for"),
    "new_group_how_to_ask": ("how to ask", "invite"),
}


class ValidateStartGroupForm(GuidedFormValidation):
    confirm_slot = "start_group_confirmed"
    changeable = FIELDS
    answers = {**{slot: TEXT for slot in FIELDS}, "edi_policy_confirmed": YES_NO, "start_group_confirmed": TEXT}

    def name(self) -> str:
        return "validate_start_group_form"

    async def required_slots(self, domain_slots: list[str], dispatcher: CollectingDispatcher, tracker: Tracker,
                             domain: DomainDict) -> list[str]:
        if tracker.get_slot("new_group_type") in ("closed", "both"):
            return domain_slots
        return [slot for slot in domain_slots if slot not in CLOSED_SLOTS]

    def validate_new_group_name(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                domain: DomainDict) -> dict[str, Any]:
        try:
            name = validate_name(str(value or ""), default_uow())
        except AlreadyDone as exists:
            return self.retry("new_group_name", dispatcher, tracker,
                              f"{exists} You could join it instead, or choose a different name for your group.")
        except InvalidInput as problem:
            return self.retry("new_group_name", dispatcher, tracker, str(problem))
        return self.accepted(new_group_name=name)

    def validate_new_group_type(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                domain: DomainDict) -> dict[str, Any]:
        choice = pick_choice(value, TYPES)
        if choice is None:
            return self.retry("new_group_type", dispatcher, tracker, "Please choose open, closed or both.",
                              "Open means anyone can join; closed means it's for members of a particular "
                              "community, who ask an organiser for an invite.")
        return self.accepted(new_group_type=choice)

    def validate_new_group_purpose(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                   domain: DomainDict) -> dict[str, Any]:
        try:
            purpose = validate_text(str(value or ""), "its purpose")
        except InvalidInput as problem:
            return self.retry("new_group_purpose", dispatcher, tracker, str(problem))
        similar = similar_groups(tracker.get_slot("new_group_name") or "", purpose, default_uow())
        if similar:
            names = ", ".join(f"*{escape_mrkdwn(g.name)}*" for g in similar)
            dispatcher.utter_message(
                text=f"Before we go on: {names} sounds similar to what you have in mind. You might like to "
                     "join it, or talk to its organisers. Or just carry on and I'll propose your group.",
                buttons=[show_group_button(g) for g in similar])
        return self.accepted(new_group_purpose=purpose)

    def validate_new_group_meeting(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                   domain: DomainDict) -> dict[str, Any]:
        return self._described("new_group_meeting", value, "when and how it meets", dispatcher, tracker)

    def validate_new_group_organisers(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                      domain: DomainDict) -> dict[str, Any]:
        organisers = parse_organisers(str(value or ""), tracker.sender_id)
        if len(organisers) < 2:
            dispatcher.utter_message(
                text="That's fine for now. Do look for a co-organiser when you can: sharing the work is what "
                     "keeps a group going.")
        return self.accepted(new_group_organisers=" ".join(str(value or "").split())[:500] or "just me")

    def validate_new_group_criteria(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                    domain: DomainDict) -> dict[str, Any]:
        return self._described("new_group_criteria", value, "who it's for", dispatcher, tracker)

    def validate_new_group_how_to_ask(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                      domain: DomainDict) -> dict[str, Any]:
        return self._described("new_group_how_to_ask", value, "how to ask", dispatcher, tracker)

    def _described(self, slot: str, value: Any, what: str, dispatcher: CollectingDispatcher,
                   tracker: Tracker) -> dict[str, Any]:
        """A short description (at least a few words) of `what`."""
        try:
            return self.accepted(**{slot: validate_text(str(value or ""), what, min_chars=5)})
        except InvalidInput as problem:
            return self.retry(slot, dispatcher, tracker, str(problem))

    def validate_edi_policy_confirmed(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                      domain: DomainDict) -> dict[str, Any]:
        if not isinstance(value, bool):
            return self.ask_yes_or_no_again("edi_policy_confirmed", dispatcher, tracker)
        if value is False:
            # Nothing can be proposed without it: finish the form; the submit action explains.
            return self.accepted(edi_policy_confirmed=False, start_group_confirmed="no")
        return self.accepted(edi_policy_confirmed=True)

    def validate_start_group_confirmed(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                       domain: DomainDict) -> dict[str, Any]:
        return self.validate_confirmation(value, dispatcher, tracker)


def _organisers_summary(typed: str | None, proposer_id: str) -> str:
    others = parse_organisers(typed or "", proposer_id)[1:]
    if not others:
        return "just you, for now"
    return "you, " + ", ".join(f"<@{o['slack_user_id']}>" if o["slack_user_id"] else escape_mrkdwn(o["name"])
                               for o in others)


class ActionAskStartGroupConfirmed(Action):
    def name(self) -> str:
        return "action_ask_start_group_confirmed"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list:
        slot = tracker.get_slot
        lines = ["Here's your proposal:",
                 f"*Name:* {escape_mrkdwn(slot('new_group_name') or '')}",
                 f"*Type:* {slot('new_group_type')}",
                 f"*Purpose:* {escape_mrkdwn(slot('new_group_purpose') or '')}",
                 f"*Meets:* {escape_mrkdwn(slot('new_group_meeting') or '')}",
                 f"*Organisers:* {_organisers_summary(slot('new_group_organisers'), tracker.sender_id)}"]
        if slot("new_group_type") in ("closed", "both"):
            lines += [f"*Who it's for:* {escape_mrkdwn(slot('new_group_criteria') or '')}",
                      f"*How to ask for an invite:* {escape_mrkdwn(slot('new_group_how_to_ask') or '')}"]
        lines.append("Shall I send it to the D&I service team?")
        dispatcher.utter_message(text="\n".join(lines), buttons=confirmation_buttons())
        return []


class ActionSubmitStartGroup(Action):
    def name(self) -> str:
        return "action_submit_start_group"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list:
        slot = tracker.get_slot
        if slot("edi_policy_confirmed") is False:
            dispatcher.utter_message(
                text="I understand. Every group needs to follow the Equality, Diversity & Inclusion Policy, so I "
                     "haven't sent anything. If you have questions about the policy, the D&I service team will be "
                     "happy to talk it through.")
        elif slot("start_group_confirmed") != "yes":
            dispatcher.utter_message(text="Okay, I haven't sent anything.")
        else:
            try:
                proposal = propose_group(
                    tracker.sender_id, name=slot("new_group_name"), group_type=slot("new_group_type"),
                    purpose=slot("new_group_purpose"), meeting=slot("new_group_meeting"),
                    organisers_text=slot("new_group_organisers"), criteria=slot("new_group_criteria"),
                    how_to_ask=slot("new_group_how_to_ask"), edi_policy_confirmed=True, uow=default_uow())
                dispatcher.utter_message(
                    text=f"Thank you! I've sent your proposal for *{escape_mrkdwn(proposal.name)}* to the D&I service "
                         f"team (reference {proposal.reference}). They'll look at it and get back to you here, "
                         "usually within a week. Once it's approved, your group will be listed and people can "
                         "find it through me.")
            except DomainError as error:
                dispatcher.utter_message(text=str(error))
        return clear_form_slots("start_group_form")
