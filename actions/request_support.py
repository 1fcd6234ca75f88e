"""Support and budgets: what kind, which group, when, how much (for budgets), details;
a summary; then the request goes to the team the policy names for it."""
from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.form_registry import clear_form_slots
from actions.forms import GuidedFormValidation
from actions.reading import CHOICE, NONE, OPTIONAL_TEXT, TEXT, intent_of, pick_choice, typed
from actions.reading import last_faq_key, last_replies
from actions.responses import phrase
from actions.wired import WiredAction
from bot.core import routing
from bot.core.errors import DomainError, InvalidInput
from bot.nlu import reader
from bot.journeys.find_group import get_group, list_groups_of_type, search_groups
from bot.journeys.request_support import (KINDS, MAX_DETAILS_CHARS, amount_in, format_pence, last_request, parse_amount,
                                          request_support, weekday_mismatch, when_in)
from bot.rasa_plumbing.payloads import intent_payload
from bot.slack.markup import escape_mrkdwn

# The kinds of support by the words people use for them, and support the policy doesn't list (the D&I
# service team decides on it, never the nearest listed kind): the reader's words (bot/nlu/cues.yml).
KIND_WORDS = reader.choice_words("support_kind")
NOT_LISTED_WORDS = reader.cue_words("support_not_listed")
NO_GROUP = NONE
# The support an FAQ answer was about, for "we'd like that" after it.
FAQ_KINDS = {"faq/social_budget": "social_budget", "faq/speaker_budget": "speaker_fee",
             "faq/awareness_calendar": "awareness_event", "faq/meeting_spaces": "office_space"}


# The support a reply of the bot's own offers: an observance's date ends "If your group would like
# to mark it, I can pass your event to marketing".
REPLY_KINDS = {"utter_event_date": "awareness_event", "utter_upcoming_events": "awareness_event"}


def kind_from_last_answer(tracker: Tracker) -> str | None:
    """The kind of support the bot's last answer was about, for "can we get that?" after it."""
    replies = last_replies(tracker)
    if "utter_offer_support_request" in replies:  # a question answered first (actions/start_journey.py)
        return tracker.get_slot("offered_support_kind")
    kind = FAQ_KINDS.get(last_faq_key(tracker) or "")
    return kind or next((REPLY_KINDS[name] for name in replies if name in REPLY_KINDS), None)


class ValidateSupportForm(GuidedFormValidation):
    confirm_slot = "support_confirmed"
    answers = {"support_kind": CHOICE, "support_group": OPTIONAL_TEXT, "support_when": TEXT, "support_amount": TEXT,
               "support_details": OPTIONAL_TEXT, "support_confirmed": TEXT}
    changeable = reader.field_words("support_kind", "support_group", "support_when", "support_amount", "support_details")
    # (The group too: a question answered first may have named it, actions/start_journey.py.)
    starting_slots = ("support_kind", "support_group")

    journey_label = "asking for support"

    def name(self) -> str:
        return "validate_support_form"

    async def required_slots(self, domain_slots: list[str], dispatcher: CollectingDispatcher, tracker: Tracker,
                             domain: DomainDict) -> list[str]:
        kind = KINDS.get(tracker.get_slot("support_kind") or "")
        if kind and kind.needs_amount:
            return domain_slots
        return [slot for slot in domain_slots if slot != "support_amount"]

    async def extract_support_kind(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                   domain: DomainDict) -> dict[str, Any]:
        """The kind named in the message that starts the form ("budget for our Diwali social"),
        or the one the last answer was about ("can we get that?" after the social budgets)."""
        if tracker.get_slot("support_kind") or tracker.get_slot("requested_slot") or intent_of(tracker) != "request_support":
            return {}
        text = typed(tracker)
        if text.startswith("/"):
            return {}
        named, before = self.read_from_first_message(text).get("support_kind"), kind_from_last_answer(tracker)
        if named == "office_space" and before:
            named = None  # "add it pls. 8 mar 4pm office" after the calendar: the office is where, not what
        kind = named or before
        return {"support_kind": kind} if kind else {}

    def read_from_first_message(self, text: str) -> dict[str, Any]:
        listed = {key: words for key, words in KIND_WORDS.items() if key != "other"}
        kind = pick_choice(text, listed)
        if kind == "awareness_event":
            # "the speaker one, £500, same day": "day" says when; another kind named says what.
            kind = pick_choice(text, {key: words for key, words in listed.items() if key != "awareness_event"}) or kind
        return {"support_kind": kind} if kind else {}

    def fields_in(self, text: str, tracker: Tracker, strict: bool = False) -> dict[str, Any]:
        """"WiT quarterly social, £150, 5 march": the kind, the group, the date and the amount."""
        found: dict[str, Any] = dict(self.read_from_first_message(text))
        groups = search_groups(text, self.uow())
        if len(groups.matches) == 1:
            found["support_group"] = groups.matches[0].name
        when, amount = when_in(text), amount_in(text)
        if when:
            found["support_when"] = when
        if amount:
            found["support_amount"] = amount
        same_day, same_group = reader.same_as_last_request(text)
        if same_day or same_group:
            # "and now the speaker one pls. Same day, £300 fee": the request just made says which.
            last = last_request(tracker.sender_id, self.uow())
            if last is not None:
                if same_day and last.when and "support_when" not in found:
                    found["support_when"] = last.when
                if same_group and last.group_name and "support_group" not in found:
                    found["support_group"] = last.group_name
        return found

    def answer_in(self, requested: str, text: str, tracker: Tracker, strict: bool = False) -> Any:
        """"yes please. 20 July, about £300, Regent's Park" where the date is asked: the date, and the
        amount with fields_in (the whole message is no date)."""
        if requested == "support_when" and amount_in(text):
            return when_in(text)
        return None

    def validate_support_kind(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                              domain: DomainDict) -> dict[str, Any]:
        choice = pick_choice(value, KIND_WORDS)
        if choice is None:
            return self.reject("support_kind", dispatcher, "utter_choose_support_kind")
        return {"support_kind": choice}

    def validate_support_group(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                               domain: DomainDict) -> dict[str, Any]:
        text = str(value or "").strip()
        if text == NO_GROUP or text.lower() in ("none", "no group", "not for a group", "no") or reader.not_for_a_group(text):
            return {"support_group": NO_GROUP}
        result = search_groups(text, self.uow())
        found = result.matches[:1] or (result.suggestions[:1] if len(result.suggestions) == 1 else [])
        if found:
            return {"support_group": found[0].slug}
        return self.reject("support_group", dispatcher, "utter_support_group_not_found",
                           typed=escape_mrkdwn(text[:60]))

    def validate_support_when(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                              domain: DomainDict) -> dict[str, Any]:
        when = " ".join(str(value or "").split())
        if not when or len(when) > 200 or reader.asks_to_send(when) or reader.is_just_yes(when) \
                or (reader.yes_or_no(when) is False and len(when.split()) <= 3):  # "send", "yes", "no" say no date
            return self.reject("support_when", dispatcher, "utter_support_when_again")
        if weekday_mismatch(when, self.uow().clock().date()):
            return {"support_when": None}  # "thurs 10 march 2027" is a Wednesday: ActionAskSupportWhen says so
        return {"support_when": when}

    def validate_support_amount(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                domain: DomainDict) -> dict[str, Any]:
        try:
            pence = parse_amount(str(value or ""))
        except InvalidInput as problem:
            return self.reject("support_amount", dispatcher, "utter_domain_error", error=escape_mrkdwn(str(problem)))
        return {"support_amount": format_pence(pence)}

    def validate_support_details(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                 domain: DomainDict) -> dict[str, Any]:
        details = " ".join(str(value or "").split())
        if len(details) > MAX_DETAILS_CHARS:
            return self.reject("support_details", dispatcher, "utter_support_details_too_long")
        return {"support_details": details or NONE}

    def validate_support_confirmed(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                   domain: DomainDict) -> dict[str, Any]:
        return self.validate_confirmation(value, dispatcher, tracker, domain)


class ActionAskSupportGroup(WiredAction):
    def name(self) -> str:
        return "action_ask_support_group"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list:
        groups = list_groups_of_type(None, self.uow())
        dispatcher.utter_message(response="utter_which_group_is_it_for",
                                 buttons=[{"title": g.name, "payload": g.name} for g in groups]
                                 + [{"title": phrase(domain, "utter_not_for_a_group_button"), "payload": intent_payload("deny")}])
        return []


class ActionAskSupportWhen(WiredAction):
    """When it is, saying first if the date just given falls on another weekday than the one
    said with it ("thurs 10 march 2027" is a Wednesday), rather than asking as if nothing was said."""

    def name(self) -> str:
        return "action_ask_support_when"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list:
        given = when_in(typed(tracker))
        actual = weekday_mismatch(given, self.uow().clock().date()) if given else None
        if actual:
            dispatcher.utter_message(response="utter_support_weekday_mismatch", given=escape_mrkdwn(given), actual=actual)
        dispatcher.utter_message(response="utter_ask_support_when")
        return []


class ActionAskSupportConfirmed(WiredAction):
    def name(self) -> str:
        return "action_ask_support_confirmed"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list:
        slot = tracker.get_slot
        kind = KINDS[slot("support_kind")]
        group = slot("support_group")
        details = slot("support_details")
        dispatcher.utter_message(
            response="utter_support_summary_with_amount" if kind.needs_amount else "utter_support_summary",
            kind=kind.label,
            group_name=escape_mrkdwn(get_group(group, self.uow()).name) if group and group != NO_GROUP else "(none)",
            when=escape_mrkdwn(slot("support_when") or ""), amount=escape_mrkdwn(slot("support_amount") or ""),
            details=escape_mrkdwn(details) if details and details != NONE else "(none)",
            team=routing.TEAM_NAMES[kind.team])
        return []


class ActionSubmitSupport(WiredAction):
    def name(self) -> str:
        return "action_submit_support"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list:
        slot = tracker.get_slot
        if slot("support_confirmed") != "yes":
            dispatcher.utter_message(response="utter_nothing_sent")
            return clear_form_slots("support_form", domain)
        group = slot("support_group")
        details = slot("support_details")
        try:
            request = request_support(
                tracker.sender_id, kind=slot("support_kind"), group_slug=None if group in (None, NO_GROUP) else group,
                when=slot("support_when") or "", amount_text=slot("support_amount"),
                details="" if details in (None, NONE) else details, uow=self.uow())
            dispatcher.utter_message(response="utter_support_request_sent", team=request.team_name,
                                     code=request.reference)
        except DomainError as error:
            dispatcher.utter_message(response="utter_domain_error", error=escape_mrkdwn(str(error)))
        return clear_form_slots("support_form", domain)


def support_button(kind: str, title: str) -> dict[str, str]:
    return {"title": title, "payload": intent_payload("request_support", support_kind=kind)}
