"""Start a group: a guided proposal, checked for similar groups, confirmed against the EDI
policy, summarised, then routed to the D&I service team."""
from __future__ import annotations

import re
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.focus import show_group_button
from actions.form_registry import clear_form_slots
from actions.forms import GuidedFormValidation
from actions.reading import CHOICE, TEXT, YES_NO, pick_choice
from actions.responses import phrase
from actions.wired import WiredAction
from bot.core.errors import AlreadyDone, DomainError, InvalidInput
from bot.journeys.start_group import propose_group, similar_groups, validate_name, validate_text
from bot.nlu import reader
from bot.slack.markup import escape_mrkdwn, mentioned_users, quote_user_text, typed_at_names, unmentioned_names

TYPES = reader.choice_words("group_type")
CLOSED_SLOTS = ["new_group_criteria", "new_group_how_to_ask"]
FIELDS = reader.field_words("new_group_name", "new_group_type", "new_group_purpose", "new_group_meeting",
                            "new_group_organisers", "new_group_criteria", "new_group_how_to_ask")


# What a proposal says in passing ("an open group called Cycle Crew - it's for anyone who cycles,
# we meet on Fridays"): its name, its type, what it's for and when it meets. The words are the
# reader's (bot/nlu/cues.yml); what is left here is punctuation and digits.
QUOTED_NAME = re.compile(r"(?:[\"“‘]|(?<!\w)')(?P<name>[^\"”’']{2,40})(?:[\"”’]|'(?!\w))")


# A proposal said in parts ("Run Club. open. anyone who runs, any pace. tues 7:30am, canal loop
# from office"): each part read for what it is; a part that says nothing recognisable goes with
# the part before it, or, first of all where the name is asked, is the name.
_PART_SPLIT = re.compile(r"(?<=[.!?;])\s+|\n+|,\s+|\s[-—–]+\s|(?<=\w):\s+")
_DESCRIBED = ("new_group_purpose", "new_group_meeting", "new_group_criteria", "new_group_how_to_ask")
_CLOCK = re.compile(r"\b\d{1,2}(?::\d{2})?\s*(?:am|pm)\b|\b\d{1,2}:\d{2}\b", re.IGNORECASE)
_MENTION = re.compile(r"<@[A-Z0-9]+>|(?<!\w)@[\w.\-]+")


def proposal_parts(text: str, asked: str | None = None, strict: bool = False) -> dict[str, str]:
    """The answers a message gives to the proposal's questions, by what each part says; with
    `asked`, an unlabelled first part answers that question (a name), or any unlabelled part
    does (unless `strict`: only what a part plainly says)."""
    found: dict[str, list[str]] = {}
    last: str | None = None
    named_somewhere = bool(reader.NAME_IN_TEXT.search(text or "") or QUOTED_NAME.search(text or ""))
    for raw in _PART_SPLIT.split(text or ""):
        part = raw.strip(" .,;!")
        kind_in_filler = re.search(r"\b(open|closed)\b", part, re.IGNORECASE)
        if not part.strip(" \"'“”‘’") or reader.FILLER_PART.match(part.strip(" \"'“”‘’")):
            if kind_in_filler:  # "new open group pls"
                found.setdefault("new_group_type", [kind_in_filler.group(1).lower()])
            continue
        label = None
        named = reader.NAME_IN_TEXT.search(part) or QUOTED_NAME.search(part)
        if not named and reader.is_question(part) and not (reader.MEETING_IN_TEXT.search(part) or reader.TIME_OR_PLACE.search(part)):
            # "sorry, is that ok?", "would it be weird to start a group for people going through
            # menopause?": asked, not answered ("maybe a monthly coffee on Google Meet?" answers).
            continue
        part = reader.ASKING_TO_START.sub("", part.strip(" \"'“”‘’")).strip(" ,") or part
        if named:
            found.setdefault("new_group_name", [named.group("name").strip(" \"'“”‘’")])
            rest = (part[:named.start()] + " " + part[named.end():]).strip(" ,-:")
            kind = reader.TYPE_PART.match(rest)
            kinds = [kind.group("type").lower()] if kind else reader.group_types_named(rest, proposal=True)[:1]
            if kinds:
                found.setdefault("new_group_type", kinds)
            last = "new_group_name"
            continue
        typed_kind = reader.TYPE_PART.match(part)
        if typed_kind:
            found.setdefault("new_group_type", [typed_kind.group("type").lower()])
            last = "new_group_type"
            continue
        first_answer = last is None and asked in _DESCRIBED and asked not in found
        if _MENTION.search(part) or reader.only_me(part):
            label = "new_group_organisers"
        elif first_answer:
            label = asked  # "A monthly pub quiz where teams mix up, …" where the purpose is asked: the purpose
        elif reader.PURPOSE_START.search(part):
            label = "new_group_purpose"
        elif (reader.MEETING_IN_TEXT.search(part) or _CLOCK.search(part)) and not reader.THE_GROUP_ITSELF.search(part):
            label = "new_group_meeting"
        elif asked == "new_group_name" and not named_somewhere and "new_group_name" not in found \
                and len(part.split()) <= 6 and last is None and not reader.NOT_A_NAME.search(part) \
                and not reader.THE_GROUP_ITSELF.search(part):
            label = "new_group_name"
        elif last in _DESCRIBED:
            label = last  # "anyone who runs, any pace": the same answer goes on
        elif not strict and asked in FIELDS and asked not in ("new_group_type", "new_group_name", "new_group_organisers"):
            label = asked
        if label:
            found.setdefault(label, []).append(part)
            last = label
    return {slot: ", ".join(parts) for slot, parts in found.items()}


class ValidateStartGroupForm(GuidedFormValidation):
    confirm_slot = "start_group_confirmed"
    changeable = FIELDS
    answers = {**{slot: TEXT for slot in FIELDS}, "new_group_type": CHOICE, "edi_policy_confirmed": YES_NO,
               "start_group_confirmed": TEXT}
    # Co-organisers can come later: skipped, it's "just me" (and a word on finding one).
    skippable = {"new_group_organisers": ""}

    journey_label = "starting a group"

    def name(self) -> str:
        return "validate_start_group_form"

    async def required_slots(self, domain_slots: list[str], dispatcher: CollectingDispatcher, tracker: Tracker,
                             domain: DomainDict) -> list[str]:
        if tracker.get_slot("new_group_type") in ("closed", "both"):
            return domain_slots
        return [slot for slot in domain_slots if slot not in CLOSED_SLOTS]

    def fields_in(self, text: str, tracker: Tracker, strict: bool = False) -> dict[str, Any]:
        if strict:  # only what its parts plainly say (and the first, where a description is asked, answers it)
            asked = tracker.get_slot("requested_slot")
            return {slot: value for slot, value in proposal_parts(text, asked=asked, strict=True).items()
                    if slot != "new_group_organisers" or _MENTION.search(value)}
        found: dict[str, Any] = {}
        named = reader.NAME_IN_TEXT.search(text) or QUOTED_NAME.search(text)
        if named:
            found["new_group_name"] = named.group("name").strip()
        kinds = reader.group_types_named(text, proposal=True)
        if kinds:
            found["new_group_type"] = "both" if len(kinds) == 2 or re.search(r"\bboth\b", text, re.IGNORECASE) else kinds[0]
        meeting = reader.MEETING_IN_TEXT.search(text)
        if meeting and len(meeting.group("meeting").split()) >= 3:
            found["new_group_meeting"] = meeting.group("meeting").strip(" ,-")
        purpose = reader.PURPOSE_IN_TEXT.search(text)
        if purpose:
            said = purpose.group("purpose")
            if meeting and meeting.group("meeting") in said:  # "…who cycles, we meet on Fridays"
                said = said[:said.index(meeting.group("meeting"))]
            said = said.strip(" ,-")
            # What it's for, not only who ("a group for Muslim colleagues" is asked what it's for).
            if purpose.group("lead").lower().startswith(("it", "somewhere", "place", "a place")) or reader.PURPOSE_WORDS.search(said):
                found["new_group_purpose"] = said
        if reader.THE_GROUP_ITSELF.search(found.get("new_group_meeting", "")):
            del found["new_group_meeting"]  # "a lunchtime yoga group - can i set one up?" is what, not when
        if len(_PART_SPLIT.split(text)) > 1:
            # Said in parts: each part's own reading wins over the whole message's; what the whole
            # message loosely suggests (a meeting, a purpose) only where its parts agree.
            found = {slot: value for slot, value in found.items() if slot in ("new_group_name", "new_group_type")}
            found.update({slot: value for slot, value in proposal_parts(text).items() if slot != "new_group_organisers"
                          or _MENTION.search(value)})
        return found

    def answer_in(self, requested: str, text: str, tracker: Tracker, strict: bool = False) -> Any:
        """The answer to the question asked, when the message gives it among others ("Open. Name is
        Falamos Português." where the name is asked): the part that answers it."""
        if requested == "new_group_organisers" and not _MENTION.search(text) and reader.only_me(text, anywhere=True):
            return "just me"  # "Is it ok if it's just me for now? I don't know anyone yet"
        if requested not in FIELDS or len(_PART_SPLIT.split(text)) < 2:
            return None
        return proposal_parts(text, asked=requested, strict=strict).get(requested)

    def validate_new_group_name(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                domain: DomainDict) -> dict[str, Any]:
        try:
            return {"new_group_name": validate_name(str(value or ""), self.uow())}
        except AlreadyDone as exists:
            return self.reject("new_group_name", dispatcher, "utter_group_name_taken", error=escape_mrkdwn(str(exists)))
        except InvalidInput as problem:
            return self.reject("new_group_name", dispatcher, "utter_domain_error", error=escape_mrkdwn(str(problem)))

    def validate_new_group_type(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                domain: DomainDict) -> dict[str, Any]:
        choice = pick_choice(value, TYPES)
        named = [kind for kind in ("open", "closed") if pick_choice(value, {kind: TYPES[kind]})]
        if len(named) == 2 or pick_choice(value, {"both": TYPES["both"]}):
            choice = "both"  # "a bit of both: an open channel for allies and a private space"
        if choice is None:
            return self.reject("new_group_type", dispatcher, "utter_choose_group_type")
        return {"new_group_type": choice}

    def explain_new_group_type(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> None:
        dispatcher.utter_message(response="utter_explain_new_group_type")

    def validate_new_group_purpose(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                   domain: DomainDict) -> dict[str, Any]:
        try:
            purpose = validate_text(str(value or ""), "its purpose")
        except InvalidInput as problem:
            return self.reject("new_group_purpose", dispatcher, "utter_domain_error", error=escape_mrkdwn(str(problem)))
        similar = similar_groups(tracker.get_slot("new_group_name") or "", purpose, self.uow())
        if similar:
            dispatcher.utter_message(response="utter_similar_groups",
                                     names=", ".join(f"*{escape_mrkdwn(g.name)}*" for g in similar),
                                     buttons=[show_group_button(g) for g in similar])
        return {"new_group_purpose": purpose}

    def validate_new_group_meeting(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                   domain: DomainDict) -> dict[str, Any]:
        return self._described("new_group_meeting", value, "when and how it meets", dispatcher)

    def validate_new_group_organisers(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                      domain: DomainDict) -> dict[str, Any]:
        typed = " ".join(str(value or "").split())[:500]
        if not mentioned_users(typed) and (reader.only_me(typed) or reader.only_me(typed, anywhere=True)):
            typed = "just me"  # "just me for now. i read it shouldn't all fall on one person"
        named = typed_at_names(typed)
        unknown = unmentioned_names(typed)
        if unknown and not named:
            # Only an @-mention says who someone is in Slack: "Priya" alone could be anyone.
            return self.reject("new_group_organisers", dispatcher, "utter_organisers_need_mentions",
                               names=" or ".join(f"*{quote_user_text(name)}*" for name in unknown))
        if named:
            # "@Marcus Lee" that Slack didn't make a mention: kept by name, for the D&I service team
            # to check who they are, rather than asked for again and again.
            dispatcher.utter_message(response="utter_organisers_named", names=_and_list(named))
        if not set(mentioned_users(typed)) - {tracker.sender_id}:
            dispatcher.utter_message(response="utter_find_a_co_organiser")
        return {"new_group_organisers": typed or "just me"}

    def validate_new_group_criteria(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                    domain: DomainDict) -> dict[str, Any]:
        return self._described("new_group_criteria", value, "who it's for", dispatcher)

    def validate_new_group_how_to_ask(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                      domain: DomainDict) -> dict[str, Any]:
        return self._described("new_group_how_to_ask", value, "how to ask", dispatcher)

    def _described(self, slot: str, value: Any, what: str, dispatcher: CollectingDispatcher) -> dict[str, Any]:
        """A short description (at least a few words) of `what`."""
        try:
            return {slot: validate_text(str(value or ""), what, min_chars=5)}
        except InvalidInput as problem:
            return self.reject(slot, dispatcher, "utter_domain_error", error=escape_mrkdwn(str(problem)))

    def validate_edi_policy_confirmed(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                      domain: DomainDict) -> dict[str, Any]:
        if not isinstance(value, bool):
            return self.ask_yes_or_no_again("edi_policy_confirmed", dispatcher)
        if value is False:
            # Nothing can be proposed without it: finish the form; the submit action explains.
            return {"edi_policy_confirmed": False, "start_group_confirmed": "no"}
        return {"edi_policy_confirmed": True}

    def validate_start_group_confirmed(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                       domain: DomainDict) -> dict[str, Any]:
        return self.validate_confirmation(value, dispatcher, tracker, domain)


def _and_list(names: list[str]) -> str:
    return ", ".join(f"*{quote_user_text(name)}*" for name in names)


def _organisers_summary(typed: str | None, proposer_id: str, domain: DomainDict) -> str:
    # Ids taken from Slack mentions (<@U…>), so a mention is safe to write back; typed names are quoted.
    others = [f"<@{user_id}>" for user_id in mentioned_users(typed or "") if user_id != proposer_id]
    others += [phrase(domain, "utter_organiser_by_name", name=quote_user_text(name)) for name in typed_at_names(typed or "")]
    if not others:
        return phrase(domain, "utter_organisers_just_you")
    return phrase(domain, "utter_organisers_you_and", others=", ".join(others))


class ActionAskStartGroupConfirmed(WiredAction):
    def name(self) -> str:
        return "action_ask_start_group_confirmed"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list:
        slot = tracker.get_slot
        closed = slot("new_group_type") in ("closed", "both")
        dispatcher.utter_message(
            response="utter_proposal_summary_closed" if closed else "utter_proposal_summary",
            group_name=escape_mrkdwn(slot("new_group_name") or ""), group_kind=escape_mrkdwn(slot("new_group_type") or ""),
            purpose=escape_mrkdwn(slot("new_group_purpose") or ""), meeting=escape_mrkdwn(slot("new_group_meeting") or ""),
            organisers=_organisers_summary(slot("new_group_organisers"), tracker.sender_id, domain),
            criteria=escape_mrkdwn(slot("new_group_criteria") or ""),
            how_to_ask=escape_mrkdwn(slot("new_group_how_to_ask") or ""))
        return []


class ActionSubmitStartGroup(WiredAction):
    def name(self) -> str:
        return "action_submit_start_group"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list:
        slot = tracker.get_slot
        if slot("edi_policy_confirmed") is False:
            dispatcher.utter_message(response="utter_edi_policy_not_confirmed")
        elif slot("start_group_confirmed") != "yes":
            dispatcher.utter_message(response="utter_nothing_sent")
        else:
            try:
                proposal = propose_group(
                    tracker.sender_id, name=slot("new_group_name"), group_type=slot("new_group_type"),
                    purpose=slot("new_group_purpose"), meeting=slot("new_group_meeting"),
                    co_organisers=mentioned_users(slot("new_group_organisers") or ""),
                    named_organisers=typed_at_names(slot("new_group_organisers") or ""), criteria=slot("new_group_criteria"),
                    how_to_ask=slot("new_group_how_to_ask"), edi_policy_confirmed=True, uow=self.uow())
                dispatcher.utter_message(response="utter_proposal_sent", group_name=escape_mrkdwn(proposal.name),
                                         code=proposal.reference)
            except DomainError as error:
                dispatcher.utter_message(response="utter_domain_error", error=escape_mrkdwn(str(error)))
        return clear_form_slots("start_group_form", domain)
