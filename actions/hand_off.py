"""Passing a person to the D&I service team: their unanswered question, or what they had
answered in a form, goes with them as a support request; never confidential text. Called by
the fallback, by "talk to a person", and by any form asked for a person part-way through."""
from __future__ import annotations

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot.core.db import UowFactory
from bot.core.errors import DomainError
from bot.core.routing import TEAM_NAMES, sentence_start
from bot.journeys.request_support import request_support
from bot.rasa_plumbing.tracker_store import CASE_FORM, REDACTED
from bot.slack.markup import escape_mrkdwn

UNCLEAR = ("nlu_fallback",)


def last_unclear_question(tracker: Tracker) -> str | None:
    """The last message the bot didn't understand, to pass on to a person; never while an
    issue is being raised (anything typed then may be part of it), never confidential text."""
    if (tracker.active_loop or {}).get("name") == CASE_FORM:
        return None
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            intent = ((event.get("parse_data") or {}).get("intent") or {}).get("name")
            text = (event.get("text") or "").strip()
            if (event.get("metadata") or {}).get("confidential") or text == REDACTED:
                continue
            if intent in UNCLEAR and text and not text.startswith("/"):
                return text
        elif event.get("event") == "active_loop" and event.get("name") == CASE_FORM:
            return None  # what came before was said on the way into raising an issue
    return None


def hand_off(uow_factory: UowFactory, dispatcher: CollectingDispatcher, tracker: Tracker,
             handed_over: str = "") -> None:
    """Pass the person to the D&I service team: with their unanswered question, or what they
    have answered so far in a form (`handed_over`: GuidedFormValidation.progress_line); how to
    reach the team when there is nothing to pass on."""
    question = last_unclear_question(tracker)
    if handed_over:
        question = f"{handed_over} {question}" if question else handed_over
    if not question:
        dispatcher.utter_message(response="utter_service_team_how_to_reach",
                                 dandi_team=sentence_start(TEAM_NAMES["dandi_service"]),
                                 people_team=TEAM_NAMES["people"])
        return
    try:
        details = question if handed_over else f"A question I couldn't answer: {question}"
        request = request_support(tracker.sender_id, kind="other", group_slug=None, when="", amount_text=None,
                                  details=details, uow=uow_factory())
        dispatcher.utter_message(response="utter_handed_over" if handed_over else "utter_question_passed_on",
                                 team=request.team_name, code=request.reference)
    except DomainError as error:
        dispatcher.utter_message(response="utter_domain_error", error=escape_mrkdwn(str(error)))
