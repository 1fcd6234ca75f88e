"""Join a group: open groups straight away, closed groups by an invite request to the
organisers (criteria self-attested, an optional note, a summary before sending). A group of
type "both" has an open channel and a closed space: the person chooses which (or a button
says, `/join_group{"group": …, "group_part": "open"|"closed"}`)."""
from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.core.db import UowFactory
from bot.nlu import reader
from bot.nlu.reader import is_just_yes
from actions.focus import either, group_in_focus, join_button
from actions.form_registry import clear_form_slots
from actions.forms import GuidedFormValidation
from actions.reading import CHOICE, NONE, OPTIONAL_TEXT, TEXT, YES_NO, intent_of, pick_choice, typed
from actions.responses import phrase
from actions.wired import WiredAction
from bot.core.errors import DomainError
from bot.journeys.find_group import GroupView, get_group, list_groups_of_type, search_groups
from bot.journeys.invite_request import NOTE_MAX_CHARS, request_invite
from bot.journeys.join_group import join_open_group
from bot.slack.markup import escape_mrkdwn, quote_user_text

INVITE_SLOTS = ["criteria_confirmed", "invite_note", "invite_confirmed"]
PARTS = reader.choice_words("group_part")


def part_for(group: GroupView, wanted: Any) -> str | None:
    """Which part of `group` is being joined: its type, unless it's "both" and the person
    has yet to choose (None)."""
    if group.type != "both":
        return group.type
    return wanted if wanted in ("open", "closed") else None


class ValidateJoinGroupForm(GuidedFormValidation):
    confirm_slot = "invite_confirmed"
    changeable = reader.field_words("invite_note", "group")
    # Another group: whether it describes them, and their note, are asked afresh.
    depends_on = {"group": ("criteria_confirmed", "invite_note")}
    answers = {"group": TEXT, "group_part": CHOICE, "criteria_confirmed": YES_NO, "invite_note": OPTIONAL_TEXT,
               "invite_confirmed": TEXT}
    helper_slots = ("group_slug", "group_is_closed")
    starting_slots = ("group", "group_part")

    journey_label = "joining a group"

    def name(self) -> str:
        return "validate_join_group_form"

    def read_from_first_message(self, text: str) -> dict[str, Any]:
        """The group a message names, when it names one: "maybe i should just join the parents one instead"."""
        named = search_groups(text, self.uow()).matches
        return {"group": named[0].name} if len(named) == 1 else {}

    def starts_afresh(self, entities: dict[str, Any], tracker: Tracker) -> bool:
        """Another group named once this one is settled: "actually, can I just join Climate Action instead?"."""
        current, named = tracker.get_slot("group_slug"), entities.get("group")
        if not (current and named) or tracker.get_slot("requested_slot") == "group":
            return False
        result = search_groups(str(named), self.uow())
        return bool(result.matches) and all(group.slug != current for group in result.matches)

    async def required_slots(self, domain_slots: list[str], dispatcher: CollectingDispatcher, tracker: Tracker,
                             domain: DomainDict) -> list[str]:
        if tracker.get_slot("group_is_closed"):
            return domain_slots
        return [slot for slot in domain_slots if slot not in INVITE_SLOTS]

    async def extract_group(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                            domain: DomainDict) -> dict[str, Any]:
        """The group named in the message that starts the form, when the model didn't tag it:
        one added to the registry since training is found by the registry search, as
        find_group does."""
        if tracker.get_slot("group") or tracker.get_slot("requested_slot") or intent_of(tracker) != "join_group":
            return {}
        if typed(tracker).startswith("/"):
            return {}
        result = search_groups(typed(tracker), self.uow())
        if len(result.matches) == 1:
            return {"group": result.matches[0].name}
        # "join it", "sick, add me", "I'd like to ask for an invite", "the second one": a message
        # that names no group is about the group in focus.
        if not result.matches and not result.suggestions:
            group = group_in_focus(self.uow, tracker)
            if group is not None:
                return {"group": group.name}
        return {}

    def validate_group(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                       domain: DomainDict) -> dict[str, Any]:
        result = search_groups(str(value or ""), self.uow())
        message = typed(tracker)
        if not result.matches and message and not message.startswith("/") and message != str(value or ""):
            # The entity may be a piece of the name ("action" of "#climate-action"): the whole
            # message, as find_group reads it, before saying there's no such group.
            whole = search_groups(message, self.uow())
            if whole.matches:
                result = whole
        if len(result.matches) == 1:
            group = result.matches[0]
            part = part_for(group, tracker.get_slot("group_part"))
            return {"group": group.name, "group_slug": group.slug, "group_part": part,
                    "group_is_closed": part == "closed"}
        if result.matches:
            return self._offer(dispatcher, "utter_which_group_of_these", result.matches)
        if result.suggestions:
            return self._offer(dispatcher, "utter_join_did_you_mean", result.suggestions,
                               typed=quote_user_text(str(value)), names=either([g.name for g in result.suggestions]))
        return self._offer(dispatcher, "utter_join_no_such_group", list_groups_of_type(None, self.uow()),
                           typed=quote_user_text(str(value)))

    def _offer(self, dispatcher: CollectingDispatcher, response: str, groups: list[GroupView],
               **values: Any) -> dict[str, Any]:
        dispatcher.utter_message(response=response, buttons=[join_button(g.name) for g in groups], **values)
        return {"group": None, "group_part": None}

    def validate_group_part(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                            domain: DomainDict) -> dict[str, Any]:
        choice = value if value in ("open", "closed") else pick_choice(value, PARTS)
        slug = tracker.get_slot("group_slug")
        if slug:  # the group is known: its type decides, unless it's "both"
            choice = part_for(get_group(slug, self.uow()), choice)
        elif choice:  # the group arrives in the same message: validate_group settles it
            return {"group_part": choice}
        if choice is None:
            return self.reject("group_part", dispatcher, "utter_group_part_again")
        return {"group_part": choice, "group_is_closed": choice == "closed"}

    async def get_extraction_events(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                    domain: DomainDict) -> list:
        """"WiT invite pls. yes i identify as a woman. note for the organisers: 'moved over from
        Leeds'": a closed group's criteria and note, given with the group, are taken too."""
        events = await super().get_extraction_events(dispatcher, tracker, domain)
        if tracker.get_slot("requested_slot") not in (None, "group") or typed(tracker).startswith("/"):
            return events
        named = next((e["value"] for e in events if e.get("name") == "group" and e.get("value")), None)
        result = search_groups(str(named or tracker.get_slot("group") or ""), self.uow())
        if len(result.matches) != 1 or part_for(result.matches[0], tracker.get_slot("group_part")) != "closed":
            return events
        text = typed(tracker)
        if reader.attests(text) and tracker.get_slot("criteria_confirmed") is None:
            # A closed group's questions are asked (and their answers kept) once it is known closed:
            # known now (validate_group says so to Rasa), or the answers are dropped as not asked
            # when the form starts on this message.
            tracker.slots["group_is_closed"] = True
            events.append(SlotSet("criteria_confirmed", True))
            note = reader.note_in(text)
            if note and tracker.get_slot("invite_note") is None:
                events.append(SlotSet("invite_note", note))
        return events

    def explain_group_part(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> None:
        dispatcher.utter_message(response="utter_explain_group_part")

    def validate_criteria_confirmed(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                    domain: DomainDict) -> dict[str, Any]:
        if not isinstance(value, bool):
            return self.ask_yes_or_no_again("criteria_confirmed", dispatcher)
        if value is False:
            # Nothing more to ask: action_join_group explains, kindly, and sends nothing.
            return {"criteria_confirmed": False, "invite_note": NONE, "invite_confirmed": "no"}
        return {"criteria_confirmed": True}

    def validate_invite_note(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                             domain: DomainDict) -> dict[str, Any]:
        note = " ".join(str(value or "").split())
        if is_just_yes(note):
            return self.reject("invite_note", dispatcher, "utter_invite_note_what")
        if len(note) > NOTE_MAX_CHARS:
            return self.reject("invite_note", dispatcher, "utter_invite_note_too_long", max_chars=NOTE_MAX_CHARS)
        return {"invite_note": note or NONE}

    def validate_invite_confirmed(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                  domain: DomainDict) -> dict[str, Any]:
        return self.validate_confirmation(value, dispatcher, tracker, domain)


def has_both_parts(group: GroupView) -> bool:
    return group.type == "both"


class ActionAskGroupPart(WiredAction):
    def name(self) -> str:
        return "action_ask_group_part"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list:
        group = get_group(tracker.get_slot("group_slug"), self.uow())
        dispatcher.utter_message(response="utter_which_group_part", group_name=escape_mrkdwn(group.name))
        return []


class ActionAskCriteriaConfirmed(WiredAction):
    def name(self) -> str:
        return "action_ask_criteria_confirmed"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list:
        group = get_group(tracker.get_slot("group_slug"), self.uow())
        dispatcher.utter_message(
            response="utter_criteria_question_closed_space" if has_both_parts(group) else "utter_criteria_question",
            group_name=escape_mrkdwn(group.name), criteria=escape_mrkdwn(group.criteria or ""))
        return []


class ActionAskInviteConfirmed(WiredAction):
    def name(self) -> str:
        return "action_ask_invite_confirmed"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list:
        group = get_group(tracker.get_slot("group_slug"), self.uow())
        note = tracker.get_slot("invite_note")
        dispatcher.utter_message(
            response="utter_invite_summary", group_name=escape_mrkdwn(group.name),
            note=escape_mrkdwn(note) if note and note != NONE else "(none)",
            organisers=", ".join(escape_mrkdwn(name) for name, _ in group.organisers))
        return []


def _name_of(uow_factory: UowFactory, slug: str | None) -> str | None:
    try:
        return get_group(slug, uow_factory()).name if slug else None
    except DomainError:
        return None


class ActionJoinGroup(WiredAction):
    def name(self) -> str:
        return "action_join_group"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list:
        slug, user = tracker.get_slot("group_slug"), tracker.sender_id
        try:
            if not slug:
                dispatcher.utter_message(response="utter_lost_track_of_group")
            elif not tracker.get_slot("group_is_closed"):
                group = join_open_group(user, slug, self.uow())
                dispatcher.utter_message(
                    response="utter_join_welcome" if group.channel_name else "utter_join_welcome_no_channel",
                    group_name=escape_mrkdwn(group.name), channel=escape_mrkdwn(group.channel_name or ""),
                    meeting=escape_mrkdwn(group.meeting))
            elif tracker.get_slot("criteria_confirmed") is False:
                group = get_group(slug, self.uow())
                if has_both_parts(group):
                    dispatcher.utter_message(
                        response="utter_criteria_not_met_closed_space", group_name=escape_mrkdwn(group.name),
                        buttons=[join_button(group.name, "open", phrase(domain, "utter_join_open_channel_button"))])
                else:
                    dispatcher.utter_message(response="utter_criteria_not_met", group_name=escape_mrkdwn(group.name))
            elif tracker.get_slot("invite_confirmed") == "yes":
                note = tracker.get_slot("invite_note")
                request = request_invite(user, slug, criteria_confirmed=True, note=None if note == NONE else note,
                                         uow=self.uow())
                dispatcher.utter_message(response="utter_invite_request_sent",
                                         group_name=escape_mrkdwn(request.group_name), code=request.reference)
            else:
                dispatcher.utter_message(response="utter_nothing_sent")
        except DomainError as error:
            dispatcher.utter_message(response="utter_domain_error", error=escape_mrkdwn(str(error)))
        # The group stays in focus: "when r they meeting next?" after joining is about it.
        return clear_form_slots("join_group_form", domain) + [SlotSet("last_group", _name_of(self.uow, slug))]
