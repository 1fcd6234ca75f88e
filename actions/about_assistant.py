"""The assistant explains itself: that it is a bot, who sees what at each journey, and what
happens next, answered at any step (the form then asks its question again) or on its own.

Which question it is comes from the reader (bot.nlu.reader.about_the_assistant); which journey
it is about, from the form under way or the one that just ended, else the group in focus."""
from __future__ import annotations

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.forms import last_form, typed
from actions.request_support import last_replies
from actions.responses import phrase
from actions.wired import WiredAction
from bot.core.db import UowFactory
from bot.core.errors import DomainError
from bot.core.routing import TEAM_NAMES, sentence_start
from bot.journeys.find_group import search_groups
from bot.journeys.raise_issue import handlers_by_team
from bot.journeys.request_support import KINDS
from bot.nlu import reader
from bot.slack.markup import escape_mrkdwn

# The journey each form is, for what is said about it.
FORM_SUBJECTS = {"join_group_form": "invite", "start_group_form": "proposal", "support_form": "support",
                 "raise_issue_form": "case"}


def _names(names: list[str]) -> str:
    names = [escape_mrkdwn(n) for n in names]
    return " and ".join(names) if len(names) <= 2 else ", ".join(names[:-1]) + " and " + names[-1]


# The bot's last replies that say what a question about "it" is about.
SUPPORT_OFFERED = ("utter_offer_support_request", "utter_faq/social_budget", "utter_faq/speaker_budget",
                   "utter_faq/awareness_calendar", "utter_faq/meeting_spaces", "utter_not_listed_support",
                   "utter_support_request_sent")
GROUP_SHOWN = ("utter_group_open", "utter_group_closed", "utter_group_both", "utter_group_organisers",
               "utter_who_sees_invite_request", "utter_who_sees_open_join")
INVITE_SENT = ("utter_invite_request_sent", "utter_join_welcome")


def subject_of(tracker: Tracker) -> str | None:
    """What the person is doing or just did: an invite request, a proposal, a support request, a
    case. The form under way; else what the bot just said; else the last form; else a group in focus."""
    active = FORM_SUBJECTS.get((tracker.active_loop or {}).get("name") or "")
    if active:
        return active
    replies = last_replies(tracker)
    if any(reply in SUPPORT_OFFERED for reply in replies):
        return "support"
    if any(reply in GROUP_SHOWN or reply in INVITE_SENT for reply in replies):
        return "invite"
    subject = FORM_SUBJECTS.get(last_form(tracker) or "")
    if subject is None and (tracker.get_slot("last_group") or tracker.get_slot("group")):
        subject = "invite"
    return subject


def explain(uow_factory: UowFactory, topic: str, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict,
            subject: str | None = None) -> None:
    """Answer a question about the assistant (`topic`: being_a_bot, who_sees or what_next),
    about `subject` (invite, proposal, support, case) or what the conversation is doing."""
    if topic == "being_a_bot":
        dispatcher.utter_message(response="utter_i_am_a_bot")
        return
    subject = subject or subject_of(tracker)
    if subject == "case":
        handlers = handlers_by_team(uow_factory())
        values = {"dandi_handlers": _names(handlers.get("dandi_service", [])),
                  "people_handlers": _names(handlers.get("people", []))}
        if topic == "who_sees":
            dispatcher.utter_message(response="utter_who_reads_case", **values)
        else:
            _next(dispatcher, domain, "case", **values)
        return
    if subject == "invite":
        group = _group_in_question(uow_factory, tracker)
        if group is not None and group.type == "open":
            dispatcher.utter_message(response="utter_who_sees_open_join", group_name=escape_mrkdwn(group.name))
            return
        values = ({"group_name": escape_mrkdwn(group.name), "organisers": _names([n for n, _ in group.organisers])}
                  if group is not None else {"group_name": "the group", "organisers": "its organisers"})
        if topic == "who_sees":
            dispatcher.utter_message(response="utter_who_sees_invite_request", **values)
        else:
            _next(dispatcher, domain, "invite", **values)
        return
    if subject == "support":
        kind = KINDS.get(tracker.get_slot("support_kind") or "")
        team = TEAM_NAMES[kind.team] if kind else TEAM_NAMES["dandi_service"]
        if topic == "who_sees":
            dispatcher.utter_message(response="utter_who_sees_support_request", team_start=sentence_start(team))
            return
        _next(dispatcher, domain, "support", team=team, team_start=sentence_start(team))
        return
    _next(dispatcher, domain, "proposal" if subject == "proposal" else "general")


def _next(dispatcher: CollectingDispatcher, domain: DomainDict, subject: str, **values: str) -> None:
    """What happens next, about `subject`: one response, its words from the utter_next_* phrases."""
    dispatcher.utter_message(response="utter_what_happens_next", what_next=phrase(domain, f"utter_next_{subject}", **values))


def _group_in_question(uow_factory: UowFactory, tracker: Tracker):
    for name in (tracker.get_slot("group"), tracker.get_slot("last_group")):
        if name:
            try:
                result = search_groups(str(name), uow_factory())
            except DomainError:
                continue
            if len(result.matches) == 1:
                return result.matches[0]
    return None


class ActionExplain(WiredAction):
    """A question about the assistant or the process, asked on its own or mid-form."""

    def name(self) -> str:
        return "action_explain"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list:
        topics = reader.all_about_the_assistant(typed(tracker))
        if not topics and tracker.active_loop:
            topics = ["who_sees"]  # mid-form the model's guess stands: what the person is doing, explained
        if not topics:
            # The model's guess, with no words of the kind: what else it may be ("an ADHD gang here??").
            from actions.fallback import answer_in_context  # it imports this module

            answered = await answer_in_context(self.uow, dispatcher, tracker, domain)
            if answered is None:  # (not the two-stage fallback: its "did you mean" would lead back here)
                dispatcher.utter_message(response="utter_ask_rephrase")
            return answered or []
        for topic in topics:
            explain(self.uow, topic, dispatcher, tracker, domain)
        return []
