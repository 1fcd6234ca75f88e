"""Start a group: a guided proposal, checked for similar groups, confirmed against the EDI
policy, summarised, then routed to the D&I service team."""
from __future__ import annotations

import re
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.find_group import show_group_button
from actions.forms import CHOICE, TEXT, YES_NO, GuidedFormValidation, clear_form_slots, pick_choice
from actions.responses import phrase
from bot.core.db import default_uow
from bot.core.errors import AlreadyDone, DomainError, InvalidInput
from bot.journeys.start_group import propose_group, similar_groups, validate_name, validate_text
from bot.nlu import reader
from bot.slack.markup import escape_mrkdwn, mentioned_users, quote_user_text, unmentioned_names

TYPES = {"open": ("anyone", "everyone"), "closed": ("private", "invite"), "both": ("mix", "mixed")}
CLOSED_SLOTS = ["new_group_criteria", "new_group_how_to_ask"]
FIELDS = {
    "new_group_name": ("name", "called"), "new_group_type": ("type", "open", "closed"),
    "new_group_purpose": ("purpose",), "new_group_meeting": ("meeting", "meet", "when"),
    "new_group_organisers": ("organisers", "organiser"), "new_group_criteria": ("criteria", "who it's for"),
    "new_group_how_to_ask": ("how to ask", "invite"),
}


# What a proposal says in passing ("an open group called Cycle Crew - it's for anyone who cycles,
# we meet on Fridays"): its name, its type, what it's for and when it meets.
_STOP = r"(?=\s*(?:[,.;!?\n(]|\s-\s|:[a-z_]+:|\s+(?:for|to|and|it'?s|its|which|that|where|who|we|open|closed)\b|$))"
NAME_IN_TEXT = re.compile(r"\b(?:called|named|call (?:it|them|the group)|calling it|name (?:is|would be|will be|maybe|could be)|name:)\s*[\"“'‘]?(?P<name>[^\"”’,.;!?\n]{2,40}?)[\"”'’]?" + _STOP,
                          re.IGNORECASE)
QUOTED_NAME = re.compile(r"(?:[\"“‘]|(?<!\w)')(?P<name>[^\"”’']{2,40})(?:[\"”’]|'(?!\w))")
PURPOSE_IN_TEXT = re.compile(r"\b(?P<lead>(?:group|club|network|community|space|circle|society)\s+(?:for|to|about|where)|"
                             r"it'?s\s+(?:for|about)|somewhere (?:to|for|where)|(?:a )?place (?:to|for|where))"
                             r"\s+(?P<purpose>[^.!?\n]{8,300})", re.IGNORECASE)
# Words that say what a group does, beside who it's for.
PURPOSE_WORDS = re.compile(r"(,\s*to \w+|\bto (practi[sc]e|share|talk|chat|support|help|meet|discuss|connect|celebrate|learn|"
                           r"swap|run|cycle|walk|read|play)\b|\babout\b|\bwhere (we|people|colleagues|folks)\b)", re.IGNORECASE)
MEETING_IN_TEXT = re.compile(r"(?P<meeting>[^.!?\n,]*\b(?:meet|meets|meeting|meetings|(?:every|each)\s+(?:other\s+)?(?:day|week|month|"
                             r"fortnight|morning|lunch|evening|mon|tue|wed|thu|fri|sat|sun)\w*|weekly|monthly|fortnightly|"
                             r"(?:mon|tues|wednes|thurs|fri|satur|sun)days?|google meet|teams|zoom|after work|lunchtimes?)\b[^.!?\n]*)",
                             re.IGNORECASE)
JUST_ME = re.compile(r"^\W*((it'?s |it will be |that'?s )?(just|only) me|me (alone|for now|on my own)|(just )?myself|"
                     r"on my own)\b", re.IGNORECASE)
# "Is it ok if it's just me for now? I don't know anyone yet": the same, said in a longer message.
JUST_ME_IN = re.compile(r"\b(just|only) me\b|\bon my own\b|\bby myself\b", re.IGNORECASE)
GENERIC_WORDS = {"new", "open", "closed", "private", "another", "community", "group", "club", "network", "circle",
                 "society", "a", "an", "our", "one", "my"}
TYPE_IN_TEXT = {"open": re.compile(r"\b(open|open to (all|everyone|everybody|anyone)|anyone can (join|come))\b", re.IGNORECASE),
                "closed": re.compile(r"\b(closed|private|invite[- ]only|by invitation)\b", re.IGNORECASE)}


# A proposal said in parts ("Run Club. open. anyone who runs, any pace. tues 7:30am, canal loop
# from office"): each part read for what it is; a part that says nothing recognisable goes with
# the part before it, or, first of all where the name is asked, is the name.
_PART_SPLIT = re.compile(r"(?<=[.!?;])\s+|\n+|,\s+|\s[-—–]+\s|(?<=\w):\s+")
_TYPE_PART = re.compile(r"^(?:(?:a|an|new|it'?s|it will be|it'?ll be|it would be|it'?d be|would be|should be|make it|probably|maybe|mostly|prob|"
                        r"i think|i guess|pls|please)\s+)*(?P<type>open|closed|private|both|invite[- ]only)"
                        r"(?:\s+(?:group|one|space|channel|network|to (?:all|everyone|anyone)|i think|i guess|probably|"
                        r"maybe|pls|please|for now))*\W*$", re.IGNORECASE)
_TIME = re.compile(r"\b\d{1,2}(?::\d{2})?\s*(?:am|pm)\b|\b\d{1,2}:\d{2}\b|\b(?:office|online|remote|in person|irl|"
                   r"canal|park|lunch|lunchtime|evening|morning|breakfast|slack huddle|huddle)\b", re.IGNORECASE)
_DESCRIBED = ("new_group_purpose", "new_group_meeting", "new_group_criteria", "new_group_how_to_ask")
_CLOCK = re.compile(r"\b\d{1,2}(?::\d{2})?\s*(?:am|pm)\b|\b\d{1,2}:\d{2}\b", re.IGNORECASE)
# The group described as a thing ("a lunchtime yoga group", "a coffee club to meet people from
# other teams"): what it is, not when it meets ("the group meets monthly" is when).
_THE_GROUP_ITSELF = re.compile(r"\b(?:a|an|new|our|my)\s+(?:[\w+\-]+\s+){0,3}(?:group|grp|club|network|community|circle|society)\b"
                               r"(?!\s+(?:meets?|will meet|would meet|meeting))", re.IGNORECASE)
_PURPOSE_START = re.compile(r"^(?:(?:it'?s|its|it is|the group is|group is|mainly|mostly|just)\s+)?(?:for|to|about|"
                            r"somewhere|a (?:space|place|group|club) (?:for|to|where))\b|\b(?:anyone|people|colleagues|folks|"
                            r"those|everyone|ppl) (?:who|that|going|interested|experiencing|in|with|coming|back)\b",
                            re.IGNORECASE)
_MENTION = re.compile(r"<@[A-Z0-9]+>|(?<!\w)@[\w.\-]+")
_FILLER_PART = re.compile(r"^(?:(?:ok(?:ay)?|fine|yes|yeah|yep|sure|so|right|hi|hey|hello|hiya|good (?:morning|afternoon|evening)|"
                          r"q|quick q(?:uestion)?|btw|also|oh|ah|hmm+|um+|"
                          r"thanks|thank you|pls|please|cool|"
                          r"great|sorry|start one( i guess)?|(?:a )?new (?:open |closed )?(?:group|club|network)|let'?s do it|"
                          r"sounds good|i'?d like to try|i (?:want|would like|'?d like) to (?:start|create|set up|make) "
                          r"(?:one|a group|a new group))\W*)+$", re.IGNORECASE)
# The request before what the group is for: "I want create a group for people who speak Portuguese".
_ASKING_TO_START = re.compile(r"^(?:(?:i|we)\s+(?:want|would like|'?d like|'?d love|would love|wanna|wish|am planning|'?m planning|plan)(?:\s+to)?\s+)?"
                              r"(?:create|start|set up|make|found|form|launch)\s+(?:a |an )?(?:new )?(?:\w+ )?"
                              r"(?:group|grp|club|network|community)\s*(?=for\b|to\b|about\b)", re.IGNORECASE)
# Words of a sentence, not of a name: "I'd like to try" is no group's name.
_NOT_A_NAME = re.compile(r"\b(i|i'?d|i'?m|i'?ll|we|you|u|it'?s|my|me|us|would|should|could|like|want|try|think|maybe|sorry|"
                         r"thank|thanks|guess|dunno|not sure)\b", re.IGNORECASE)


def proposal_parts(text: str, asked: str | None = None, strict: bool = False) -> dict[str, str]:
    """The answers a message gives to the proposal's questions, by what each part says; with
    `asked`, an unlabelled first part answers that question (a name), or any unlabelled part
    does (unless `strict`: only what a part plainly says)."""
    found: dict[str, list[str]] = {}
    last: str | None = None
    named_somewhere = bool(NAME_IN_TEXT.search(text or "") or QUOTED_NAME.search(text or ""))
    for raw in _PART_SPLIT.split(text or ""):
        part = raw.strip(" .,;!")
        kind_in_filler = re.search(r"\b(open|closed)\b", part, re.IGNORECASE)
        if not part.strip(" \"'“”‘’") or _FILLER_PART.match(part.strip(" \"'“”‘’")):
            if kind_in_filler:  # "new open group pls"
                found.setdefault("new_group_type", [kind_in_filler.group(1).lower()])
            continue
        label = None
        named = NAME_IN_TEXT.search(part) or QUOTED_NAME.search(part)
        if not named and reader.is_question(part) and not (MEETING_IN_TEXT.search(part) or _TIME.search(part)):
            # "sorry, is that ok?", "would it be weird to start a group for people going through
            # menopause?": asked, not answered ("maybe a monthly coffee on Google Meet?" answers).
            continue
        part = _ASKING_TO_START.sub("", part.strip(" \"'“”‘’")).strip(" ,") or part
        if named:
            found.setdefault("new_group_name", [named.group("name").strip(" \"'“”‘’")])
            rest = (part[:named.start()] + " " + part[named.end():]).strip(" ,-:")
            kind = _TYPE_PART.match(rest) or re.search(r"\b(open|closed|private)\b", rest, re.IGNORECASE)
            if kind:
                found.setdefault("new_group_type", [kind.group(1).lower()])
            last = "new_group_name"
            continue
        typed_kind = _TYPE_PART.match(part)
        if typed_kind:
            found.setdefault("new_group_type", [typed_kind.group("type").lower()])
            last = "new_group_type"
            continue
        first_answer = last is None and asked in _DESCRIBED and asked not in found
        if _MENTION.search(part) or JUST_ME.search(part):
            label = "new_group_organisers"
        elif first_answer:
            label = asked  # "A monthly pub quiz where teams mix up, …" where the purpose is asked: the purpose
        elif _PURPOSE_START.search(part):
            label = "new_group_purpose"
        elif (MEETING_IN_TEXT.search(part) or _CLOCK.search(part)) and not _THE_GROUP_ITSELF.search(part):
            label = "new_group_meeting"
        elif asked == "new_group_name" and not named_somewhere and "new_group_name" not in found \
                and len(part.split()) <= 6 and last is None and not _NOT_A_NAME.search(part) \
                and not _THE_GROUP_ITSELF.search(part):
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
        named = NAME_IN_TEXT.search(text) or QUOTED_NAME.search(text)
        if named:
            found["new_group_name"] = named.group("name").strip()
        kinds = [kind for kind, words in TYPE_IN_TEXT.items() if words.search(text)]
        if kinds:
            found["new_group_type"] = "both" if len(kinds) == 2 or re.search(r"\bboth\b", text, re.IGNORECASE) else kinds[0]
        meeting = MEETING_IN_TEXT.search(text)
        if meeting and len(meeting.group("meeting").split()) >= 3:
            found["new_group_meeting"] = meeting.group("meeting").strip(" ,-")
        purpose = PURPOSE_IN_TEXT.search(text)
        if purpose:
            said = purpose.group("purpose")
            if meeting and meeting.group("meeting") in said:  # "…who cycles, we meet on Fridays"
                said = said[:said.index(meeting.group("meeting"))]
            said = said.strip(" ,-")
            # What it's for, not only who ("a group for Muslim colleagues" is asked what it's for).
            if purpose.group("lead").lower().startswith(("it", "somewhere", "place", "a place")) or PURPOSE_WORDS.search(said):
                found["new_group_purpose"] = said
        if _THE_GROUP_ITSELF.search(found.get("new_group_meeting", "")):
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
        if requested == "new_group_organisers" and not _MENTION.search(text) and len(text.split()) <= 16 \
                and JUST_ME_IN.search(text):
            return "just me"  # "Is it ok if it's just me for now? I don't know anyone yet"
        if requested not in FIELDS or len(_PART_SPLIT.split(text)) < 2:
            return None
        return proposal_parts(text, asked=requested, strict=strict).get(requested)

    def validate_new_group_name(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                domain: DomainDict) -> dict[str, Any]:
        try:
            return {"new_group_name": validate_name(str(value or ""), default_uow())}
        except AlreadyDone as exists:
            return self.reject("new_group_name", dispatcher, "utter_group_name_taken", error=escape_mrkdwn(str(exists)))
        except InvalidInput as problem:
            return self.reject("new_group_name", dispatcher, "utter_domain_error", error=escape_mrkdwn(str(problem)))

    def validate_new_group_type(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                domain: DomainDict) -> dict[str, Any]:
        choice = pick_choice(value, TYPES)
        named = [kind for kind in ("open", "closed") if pick_choice(value, {kind: TYPES[kind]})]
        if len(named) == 2 or pick_choice(value, {"both": ("both", "mix", "mixed")}):
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
        similar = similar_groups(tracker.get_slot("new_group_name") or "", purpose, default_uow())
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
        if not mentioned_users(typed) and (JUST_ME.search(typed) or (len(typed.split()) <= 16 and JUST_ME_IN.search(typed))):
            typed = "just me"  # "just me for now. i read it shouldn't all fall on one person"
        unknown = unmentioned_names(typed)
        if unknown:
            # Only an @-mention says who someone is in Slack; a typed name would be lost on approval.
            return self.reject("new_group_organisers", dispatcher, "utter_organisers_need_mentions",
                               names=" or ".join(f"*{quote_user_text(name)}*" for name in unknown))
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


def _organisers_summary(typed: str | None, proposer_id: str, domain: DomainDict) -> str:
    others = [user for user in mentioned_users(typed or "") if user != proposer_id]
    if not others:
        return phrase(domain, "utter_organisers_just_you")
    # Ids taken from Slack mentions (<@U…>), so a mention is safe to write back.
    return phrase(domain, "utter_organisers_you_and", others=", ".join(f"<@{user_id}>" for user_id in others))


class ActionAskStartGroupConfirmed(Action):
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


class ActionSubmitStartGroup(Action):
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
                    co_organisers=mentioned_users(slot("new_group_organisers") or ""), criteria=slot("new_group_criteria"),
                    how_to_ask=slot("new_group_how_to_ask"), edi_policy_confirmed=True, uow=default_uow())
                dispatcher.utter_message(response="utter_proposal_sent", group_name=escape_mrkdwn(proposal.name),
                                         code=proposal.reference)
            except DomainError as error:
                dispatcher.utter_message(response="utter_domain_error", error=escape_mrkdwn(str(error)))
        return clear_form_slots("start_group_form", domain)
