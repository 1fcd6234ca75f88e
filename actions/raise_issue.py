"""Raise an issue: acknowledged first, one question at a time, honest about what is
confidential. What happened and who must not handle it never reach these actions: asking for
them records that the conversation waits for confidential text, the input channel hands it
to the case service, and the form gets only the draft's id and how many people were named
(bot.rasa_plumbing.confidential)."""
from __future__ import annotations

import re
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.form_registry import clear_form_slots
from actions.forms import NOT_A_MISS, GuidedFormValidation
from actions.reading import CHOICE, NONE, OPTIONAL_TEXT, TEXT, YES_NO, intent_of, pick_choice
from actions.responses import phrase
from actions.wired import WiredAction
from bot.core.errors import DomainError
from bot.core.routing import TEAM_NAMES, sentence_start
from bot.journeys.raise_issue import (CATEGORIES, EXCLUSIONS, HELD, HELD_ANONYMOUSLY, NARRATIVE, OFFERED, RELEASED,
                                     SENT_ANONYMOUSLY, SENT_FROM_A_WINDOW, TAKEN_INTENT, discard_draft, expect,
                                     handlers_left, held_story, keep_from_nobody, newest_case_of, submit_case,
                                     team_for)
from bot.nlu import reader
from bot.rasa_plumbing.tracker_store import CASE_FORM
from bot.slack.markup import escape_mrkdwn

FOR_WHOM = reader.choice_words("issue_for")
CATEGORY_WORDS = reader.choice_words("issue_category")
ROUTE_WORDS = reader.choice_words("issue_route")
ON_BEHALF_SLOTS = ["issue_consent", "issue_may_name"]


def _category(value: str) -> str | None:
    text = value.lower()
    for key, stems in CATEGORY_WORDS.items():
        if key.replace("_", " ") in text or any(stem in text for stem in stems):
            return key
    return None


class ValidateRaiseIssueForm(GuidedFormValidation):
    confirm_slot = "issue_confirmed"
    # issue_excluded: only "No one" (or "no") reaches the form as an answer; names go to the case service.
    answers = {"issue_for": CHOICE, "issue_consent": YES_NO, "issue_may_name": YES_NO, "issue_category": CHOICE,
               "issue_excluded": OPTIONAL_TEXT, "issue_route": CHOICE, "issue_confirmed": TEXT}
    changeable = reader.field_words("issue_category", "issue_excluded", "case_draft_id", "issue_route", "issue_may_name")

    stopped_response = "utter_stopped_raise_issue"

    def name(self) -> str:
        return "validate_raise_issue_form"

    def on_stop(self, tracker: Tracker) -> None:
        """What happened was stored as a draft the moment it was typed: stopping deletes it,
        and the conversation no longer waits for confidential text."""
        draft_id = tracker.get_slot("case_draft_id")
        discard_draft(draft_id if draft_id and draft_id != NONE else None, self.uow(), owner=tracker.sender_id)

    async def required_slots(self, domain_slots: list[str], dispatcher: CollectingDispatcher, tracker: Tracker,
                             domain: DomainDict) -> list[str]:
        if tracker.get_slot("issue_for") == "behalf":
            return domain_slots
        return [slot for slot in domain_slots if slot not in ON_BEHALF_SLOTS]

    def validate_case_draft_id(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                               domain: DomainDict) -> dict[str, Any]:
        if isinstance(value, str) and (value.startswith("draft-") or value == NONE):
            return {"case_draft_id": value}
        return {"case_draft_id": None, NOT_A_MISS: True}

    def fields_in(self, text: str, tracker: Tracker, strict: bool = False) -> dict[str, Any]:
        """"I need to raise an issue, it's for me", "one of my reports told me…, she's ok with me
        raising it": for whom, whether they agreed and may be named, said in so many words."""
        return dict(reader.raised_for(text))

    def answer_in(self, requested: str, text: str, tracker: Tracker, strict: bool = False) -> Any:
        """"she agreed yes. rather not name her for now" where for whom is asked: on her behalf
        (and the rest is taken with fields_in)."""
        if requested in ("issue_for", "issue_consent", "issue_may_name"):
            # "he said yes. rather not name him": each of these questions, answered in passing.
            return reader.raised_for(text).get(requested)
        return None

    def validate_issue_for(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                           domain: DomainDict) -> dict[str, Any]:
        text = str(value or "").lower()
        if reader.answers_for_myself(text):
            choice = "myself"  # "on my own behalf"
        else:
            choice = "behalf" if "behalf" in text else pick_choice(text, FOR_WHOM)
        if choice is None:
            return self.reject("issue_for", dispatcher, "utter_issue_for_again")
        return {"issue_for": choice}

    def validate_issue_consent(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                               domain: DomainDict) -> dict[str, Any]:
        if not isinstance(value, bool):
            return self.ask_yes_or_no_again("issue_consent", dispatcher)
        if value is False:
            # Their story is theirs to share: stop here; the submit action explains what to do instead.
            return {"issue_consent": False, "issue_may_name": False, "issue_category": "other",
                    "case_draft_id": NONE, "issue_excluded": NONE, "issue_route": "dandi_service",
                    "issue_confirmed": "no"}
        return {"issue_consent": True}

    def validate_issue_may_name(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                domain: DomainDict) -> dict[str, Any]:
        if not isinstance(value, bool):
            return self.ask_yes_or_no_again("issue_may_name", dispatcher)
        return {"issue_may_name": value}

    def validate_issue_category(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                domain: DomainDict) -> dict[str, Any]:
        choice = _category(str(value or ""))
        if choice is None:
            return self.reject("issue_category", dispatcher, "utter_issue_category_again")
        return {"issue_category": choice}

    def validate_issue_excluded(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                domain: DomainDict) -> dict[str, Any]:
        """"-" (no one) or how many people the case service kept it from; never names."""
        text = str(value or "")
        if text == NONE or text.isdigit():
            if text == NONE:  # "No one", a button: nothing typed to take, so the form clears what was kept
                keep_from_nobody(tracker.sender_id, tracker.get_slot("case_draft_id"), self.uow())
            return {"issue_excluded": text}
        # Names reached the form (the channel didn't take them): not kept; asked again.
        dispatcher.utter_message(response="utter_case_text_again")
        return {"issue_excluded": None, NOT_A_MISS: True}

    def validate_issue_route(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                             domain: DomainDict) -> dict[str, Any]:
        # "people team i think? actually no. d&i": the last team named is the one meant.
        named = [(match.start(), key) for key, words in ROUTE_WORDS.items() for word in words
                 for match in re.finditer(rf"\b{re.escape(word)}", str(value or "").lower())]
        choice = max(named)[1] if named else pick_choice(value, ROUTE_WORDS)
        if choice is None:
            return self.reject("issue_route", dispatcher, "utter_issue_route_again")
        draft_id = tracker.get_slot("case_draft_id")
        if draft_id and draft_id != NONE:
            team = team_for(draft_id, tracker.sender_id, choice, self.uow())
            if team != choice:
                # Everyone there was named as someone who must not handle it: said before the summary.
                dispatcher.utter_message(response="utter_case_rerouted", chosen=TEAM_NAMES[choice],
                                         team=TEAM_NAMES[team])
                choice = team
            else:
                left = handlers_left(draft_id, tracker.sender_id, choice, self.uow())
                if left:  # someone there was kept away: how many can still open it, before the summary
                    dispatcher.utter_message(response="utter_handlers_left", team=TEAM_NAMES[choice],
                                             names="one person" if left == 1 else f"{left} people")
        return {"issue_route": choice}

    def explain_issue_route(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> None:
        dispatcher.utter_message(response="utter_explain_issue_route")

    def answers_at_summary(self, text: str) -> bool:
        # "can it be anonymous?", "can you hold it until someone else reports him?": how to send it, not who sees it
        return reader.asks_for_anonymity(text) or reader.wants_it_held(text)

    def validate_issue_confirmed(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                 domain: DomainDict) -> dict[str, Any]:
        if value in SENT_FROM_A_WINDOW and intent_of(tracker) == TAKEN_INTENT:
            # From one of Slack's private windows: the channel let this placeholder through only then.
            return {"issue_confirmed": value}
        # "yes but anonymously", "hold it till someone else reports her" are no yes to sending it now
        # with their name: a private window (Slack) says what that means; elsewhere there's none.
        way = "hold" if reader.wants_it_held(str(value or "")) else \
            "anonymous" if reader.asks_for_anonymity(str(value or "")) else None
        if way is not None:
            in_slack = tracker.get_latest_input_channel() == "slack"
            dispatcher.utter_message(response=f"utter_issue_{way}_slack" if in_slack
                                     else f"utter_issue_{way}_only_in_slack")
            return {"issue_confirmed": None, NOT_A_MISS: True}
        return self.validate_confirmation(value, dispatcher, tracker, domain)


class ActionAskCaseDraftId(WiredAction):
    """Asks what happened, after recording that the conversation waits for confidential text,
    so the channel takes the answer out of the conversation. In Slack: a button to a form."""

    def name(self) -> str:
        return "action_ask_case_draft_id"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list:
        draft_id = tracker.get_slot("case_draft_id")
        slack = tracker.get_latest_input_channel() == "slack"
        held = None if draft_id or _told_this_time(tracker) else held_story(tracker.sender_id, self.uow())
        if held:
            # Told before it was asked (up front, or a message it was unsure of): offered, never used silently.
            expect(tracker.sender_id, OFFERED, held, self.uow())
            dispatcher.utter_message(response="utter_ask_case_draft_id_offer_slack" if slack
                                     else "utter_ask_case_draft_id_offer")
            return []
        expect(tracker.sender_id, NARRATIVE, draft_id if draft_id and draft_id != NONE else None, self.uow())
        dispatcher.utter_message(response="utter_ask_case_draft_id_slack" if slack else "utter_ask_case_draft_id")
        return []


def _told_this_time(tracker: Tracker) -> bool:
    """Whether what happened was taken since the form started ("change what happened" at the
    summary asks again: what was written then is replaced, never offered back)."""
    for event in reversed(tracker.events):
        if event.get("event") == "slot" and event.get("name") == "case_draft_id" \
                and str(event.get("value") or "").startswith("draft-"):
            return True
        if event.get("event") == "active_loop" and event.get("name") == CASE_FORM:
            return False
    return False


class ActionAskIssueExcluded(WiredAction):
    def name(self) -> str:
        return "action_ask_issue_excluded"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list:
        expect(tracker.sender_id, EXCLUSIONS, tracker.get_slot("case_draft_id"), self.uow())
        dispatcher.utter_message(response="utter_ask_issue_excluded")
        return []


def _people(count: str) -> str:
    return "1 person" if count == "1" else f"{count} people"


class ActionAskIssueConfirmed(WiredAction):
    def name(self) -> str:
        return "action_ask_issue_confirmed"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list:
        slot = tracker.get_slot
        excluded = slot("issue_excluded")
        dispatcher.utter_message(
            response="utter_issue_summary_behalf" if slot("issue_for") == "behalf" else "utter_issue_summary_myself",
            category=CATEGORIES[slot("issue_category")], may_name="yes" if slot("issue_may_name") else "no",
            excluded_line=phrase(domain, "utter_issue_excluded_line", count=_people(excluded))
            if excluded and excluded.isdigit() else "",
            team=TEAM_NAMES[slot("issue_route")])
        return []


class ActionSubmitRaiseIssue(WiredAction):
    def name(self) -> str:
        return "action_submit_raise_issue"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list:
        slot = tracker.get_slot
        draft_id = slot("case_draft_id")
        how = slot("issue_confirmed")
        if how in (SENT_ANONYMOUSLY, HELD_ANONYMOUSLY):
            # Sent from the private window, which showed the receipt code: nothing of it said here.
            dispatcher.utter_message(response=f"utter_issue_{'sent_anonymously' if how == SENT_ANONYMOUSLY else how}")
        elif how == HELD:
            dispatcher.utter_message(response="utter_issue_held", days=self.uow().settings.case_hold_days)
        elif how == RELEASED:
            try:
                sent = newest_case_of(tracker.sender_id, self.uow())
                dispatcher.utter_message(response="utter_issue_released", code=sent.reference,
                                         team=sentence_start(sent.team_name), days=sent.acknowledge_days)
            except DomainError as error:
                dispatcher.utter_message(response="utter_domain_error", error=escape_mrkdwn(str(error)))
        elif slot("issue_consent") is False:
            # Not theirs to tell yet: whatever was held (a story told up front) goes too.
            discard_draft(None, self.uow(), owner=tracker.sender_id)
            dispatcher.utter_message(response="utter_issue_needs_consent")
        elif slot("issue_confirmed") != "yes":
            discard_draft(draft_id if draft_id and draft_id != NONE else None, self.uow(), owner=tracker.sender_id)
            dispatcher.utter_message(response="utter_issue_not_sent")
        else:
            try:
                receipt = submit_case(
                    draft_id, tracker.sender_id, on_behalf=slot("issue_for") == "behalf",
                    consented=slot("issue_consent"), may_be_named=slot("issue_may_name"),
                    category=slot("issue_category"), route_to=slot("issue_route"), uow=self.uow())
                if receipt.rerouted:
                    dispatcher.utter_message(response="utter_issue_sent_rerouted", code=receipt.reference,
                                             team=receipt.team_name, days=receipt.acknowledge_days)
                else:
                    dispatcher.utter_message(response="utter_issue_sent", code=receipt.reference,
                                             team=sentence_start(receipt.team_name), days=receipt.acknowledge_days)
            except DomainError as error:
                dispatcher.utter_message(response="utter_domain_error", error=escape_mrkdwn(str(error)))
        return clear_form_slots("raise_issue_form", domain)
