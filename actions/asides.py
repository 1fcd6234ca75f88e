"""Answers any step may give in passing, then the conversation goes on: the assistant explaining
itself (that it is a bot, who sees what, what happens next) and the date of an observance.
Asked on their own, they are actions.about_assistant's and actions.awareness_calendar's; a form
gives them mid-question (actions.repair)."""
from __future__ import annotations


from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.reading import last_form, last_replies
from actions.responses import phrase
from bot.core.db import UowFactory
from bot.core.errors import DomainError
from bot.core.routing import TEAM_NAMES, sentence_start
from bot.journeys.awareness_calendar import event_named
from bot.journeys.find_group import get_group, search_groups
from bot.journeys.raise_issue import handlers_by_team
from bot.journeys.request_support import KINDS
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


def say_event_date(uow_factory: UowFactory, text: str, dispatcher: CollectingDispatcher, domain: DomainDict,
                   buttons: list | None = None, loosely: bool = False) -> bool:
    """The date of the observance a message names ("when's IWD this time?"); False when it names
    none. `loosely`: the calendar was just shown (event_named)."""
    uow = uow_factory()
    today = uow.clock().date()
    named = event_named(text, today, uow, loosely=loosely)
    if named is None:
        return False
    link = phrase(domain, "utter_event_link", url=named.url) if named.url else ""
    names = group_names(named.group_slugs, uow_factory())
    groups = phrase(domain, "utter_event_groups_line", groups=" and ".join(f"*{escape_mrkdwn(n)}*" for n in names)) if names else ""
    dispatcher.utter_message(response="utter_event_date", event=escape_mrkdwn(named.name), groups=groups,
                             when=named.when_phrase(today), link=link, buttons=buttons or [])
    return True


def group_names(slugs: tuple[str, ...], uow) -> list[str]:
    """The names of the groups an observance is for (the calendar keeps their slugs)."""
    names = []
    for slug in slugs:
        try:
            names.append(get_group(slug, uow).name)
        except DomainError:
            continue  # a retired group
    return names
