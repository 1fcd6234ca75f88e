"""Conversation repair in every form, at the validator (actions/forms.py), with real trackers,
the real domain and database: cancel, ask before stopping, correct a field by naming it, skip,
repeat the question, switch journey, digress, ask for a person. The same patterns through the
real Rasa server are in tests/conversation/test_repair_conversation.py."""
from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

import pytest
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import select

from actions.fallback import ActionPassToServiceTeam
from actions.forms import PENDING, ActionStopForm, GuidedFormValidation, answered
from actions.switching import ActionSwitchJourney
from actions.join_group import ValidateJoinGroupForm
from actions.pending import Ask, Pending
from actions.raise_issue import ValidateRaiseIssueForm
from actions.request_support import ValidateSupportForm
from actions.start_group import ValidateStartGroupForm
from bot.core.models import SupportRequest
from tests.action_runner import DOMAIN_DICT, run, slots_set, texts, tracker


@dataclass
class FormCase:
    validator: type[GuidedFormValidation]
    form: str
    slots: dict                      # part-way through, with answers given
    correct: str                     # a correction of an earlier answer, with its new value
    corrected: tuple[str, object]
    skip_at: str                     # an optional question (or a needed one: skip_gives None)
    skip_gives: object
    switch: str                      # another journey started instead
    switch_intent: str
    switch_entities: list = field(default_factory=list)


CASES = {
    "join": FormCase(
        ValidateJoinGroupForm, "join_group_form",
        {"group": "Women in Tech", "group_slug": "women-in-tech", "group_part": "closed", "group_is_closed": True,
         "criteria_confirmed": True, "invite_note": "hello", "requested_slot": "invite_confirmed"},
        "change the note to I'm new here", ("invite_note", "I'm new here"), "invite_note", "-",
        "actually, I'd rather start a new group instead", "start_group"),
    "start": FormCase(
        ValidateStartGroupForm, "start_group_form",
        {"new_group_name": "Runners", "new_group_type": "open", "new_group_purpose": "running together at lunch",
         "requested_slot": "new_group_meeting"},
        "the name's wrong, it should be Lunch Runners", ("new_group_name", "Lunch Runners"),
        "new_group_organisers", "just me",
        "can I just join Climate Action instead?", "join_group",
        [{"entity": "group", "value": "Climate Action"}]),
    "support": FormCase(
        ValidateSupportForm, "support_form",
        {"support_kind": "social_budget", "support_group": "-", "support_when": "12 March",
         "requested_slot": "support_amount"},
        "the date's wrong, it's the 14th", ("support_when", "the 14th"), "support_details", "-",
        "actually I need to raise an issue instead", "raise_issue"),
    "raise": FormCase(
        ValidateRaiseIssueForm, "raise_issue_form",
        {"issue_for": "myself", "issue_category": "behaviour", "case_draft_id": "-", "issue_excluded": "-",
         "requested_slot": "issue_route"},
        "the category is wrong, it's wellbeing", ("issue_category", "wellbeing"), "issue_route", None,
        "actually, can I ask for budget for a social instead?", "request_support"),
}


def send(case: FormCase, text: str, *, intent: str = "inform", slots: dict | None = None,
         entities: list | None = None, confidence: float = 0.9):
    the_tracker = tracker(text, intent=intent, form=case.form, slots=slots if slots is not None else dict(case.slots),
                          entities=entities)
    the_tracker.latest_message["intent"]["confidence"] = confidence
    events, messages = run(case.validator(), the_tracker)
    return events, slots_set(events), texts(messages)


def send_read_as(case: FormCase, text: str, slots: dict, top: tuple[str, float], second: tuple[str, float],
                 faq_topic: tuple[str, float]) -> tuple[list, list]:
    """The form's events and the responses it names, for a message the model read this way: its
    two likeliest intents and the FAQ topic it would answer with."""
    the_tracker = tracker(text, intent=top[0], form=case.form, slots=slots)
    the_tracker.latest_message["intent"]["confidence"] = top[1]
    the_tracker.latest_message["intent_ranking"] = [{"name": name, "confidence": c} for name, c in (top, second)]
    the_tracker.latest_message["response_selector"] = {"faq": {"response": {
        "intent_response_key": faq_topic[0], "confidence": faq_topic[1]}}}
    dispatcher = CollectingDispatcher()
    events = asyncio.run(case.validator().run(dispatcher, the_tracker, DOMAIN_DICT))
    return events, [m.get("response") for m in dispatcher.messages]


def after_the_form(case: FormCase, slots: dict):
    """A tracker as action_stop_form or action_switch_journey sees it: the form just left."""
    the_tracker = tracker("", slots=slots)
    the_tracker.events = [{"event": "active_loop", "name": case.form}, {"event": "active_loop", "name": None}]
    return the_tracker


def leaves_the_form(events: list) -> bool:
    return any(e.get("event") == "active_loop" and e.get("name") is None for e in events)


def follows(events: list) -> str | None:
    return next((e["name"] for e in events if e.get("event") == "followup"), None)


@pytest.fixture(params=list(CASES))
def case(request, configured_database) -> FormCase:
    return CASES[request.param]


def test_cancel_in_ordinary_words_stops_the_form_and_keeps_nothing(case):
    events, slots, said = send(case, "hmm, let's leave it for today", intent="deny")
    assert leaves_the_form(events) and follows(events) == "action_stop_form"
    assert said == ""  # the question isn't asked again
    stop_events, messages = run(ActionStopForm(), after_the_form(case, case.slots))
    assert "I've stopped" in texts(messages)
    assert all(slots_set(stop_events)[slot] is None for slot in case.slots if slot != "requested_slot")
    assert follows(stop_events) == "action_listen"


def test_second_thoughts_are_asked_about_with_buttons_and_either_answer_is_kept(case):
    events, slots, said = send(case, "hmm, not sure about this")
    assert Pending.from_slot(slots[PENDING]) == Pending(Ask.STOP) and slots["requested_slot"] == PENDING
    waiting = {**case.slots, PENDING: slots[PENDING], "requested_slot": PENDING}
    events, slots, said = send(case, "carry on", slots=dict(waiting))
    assert slots[PENDING] is None and slots["requested_slot"] == case.slots["requested_slot"]
    assert "carry on" in said.lower()
    events, slots, said = send(case, "yes", intent="affirm", slots=dict(waiting))
    assert follows(events) == "action_stop_form"


def test_a_field_named_with_its_new_value_is_corrected_and_the_form_carries_on(case):
    events, slots, said = send(case, case.correct)
    field_slot, value = case.corrected
    assert slots[field_slot] == value
    assert slots["requested_slot"] == case.slots["requested_slot"] and "I've changed the" in said
    assert follows(events) is None


def test_an_optional_question_can_be_skipped_and_a_needed_one_says_so(case):
    slots = {**{k: v for k, v in case.slots.items() if k != case.skip_at}, "requested_slot": case.skip_at}
    if case.skip_at == "new_group_organisers":
        slots["new_group_meeting"] = "Thursdays at 6pm, online"
    events, set_now, said = send(case, "skip that one for now", slots=slots)
    if case.skip_gives is None:
        assert "I need something for this one" in said and set_now["requested_slot"] == case.skip_at
    else:
        assert set_now[case.skip_at] == case.skip_gives and set_now["requested_slot"] != case.skip_at


def test_asking_for_the_question_again_repeats_it(case):
    events, slots, said = send(case, "sorry, what was the question?")
    assert said == "Of course, here it is again:" and slots["requested_slot"] == case.slots["requested_slot"]
    assert slots["form_retries"] == 0  # not a miss


def test_switching_journey_asks_first_then_leaves_this_form_for_the_other(case):
    events, slots, said = send(case, case.switch, intent=case.switch_intent, entities=case.switch_entities)
    pending = Pending.from_slot(slots[PENDING])
    assert slots["requested_slot"] == PENDING and pending.ask is Ask.SWITCH and pending.switch
    waiting = {**case.slots, PENDING: slots[PENDING], "requested_slot": PENDING}
    # "no, carry on": the question asked again, nothing lost.
    events, no_slots, said = send(case, "no, carry on", intent="deny", slots=dict(waiting))
    assert no_slots["requested_slot"] == case.slots["requested_slot"] and follows(events) is None
    events, yes_slots, said = send(case, "yes, switch", intent="affirm", slots=dict(waiting))
    assert follows(events) == "action_switch_journey" and yes_slots["switch_to"] == case.switch_intent
    assert all(yes_slots.get(slot, "cleared") in (None, "cleared") for slot in case.slots
               if slot not in ("group",))
    for entity in case.switch_entities:
        assert yes_slots[entity["entity"]] == entity["value"]
    started, messages = run(ActionSwitchJourney(), after_the_form(case, {"switch_to": case.switch_intent}))
    assert "nothing was sent" in texts(messages) and follows(started).endswith("_form")


def test_a_question_or_thanks_mid_form_is_left_to_the_conversation_which_then_resumes(case):
    events, slots, said = send(case, "is there a budget for socials?", intent="faq")
    assert not answered(events)  # rejected: the rules answer it, then the form asks again
    yes_no_step = {**case.slots, "requested_slot": "criteria_confirmed" if case.form == "join_group_form"
                   else case.slots["requested_slot"]}
    if case.form == "join_group_form":
        yes_no_step["criteria_confirmed"] = None
    events, _, _ = send(case, "thanks!", intent="thank", slots=yes_no_step)
    if case.validator.answers.get(yes_no_step["requested_slot"]) not in ("text", "optional text"):
        assert not answered(events)


def test_asking_for_a_person_hands_off_what_was_asked_never_a_case(case, demo_uow):
    events, _, _ = send(case, "can I talk to a person?", intent="ask_service_team")
    assert not answered(events)  # the rules hand off, then the form carries on
    handoff = tracker("can I talk to a person?", intent="ask_service_team", form=case.form, slots=dict(case.slots))
    _, messages = run(ActionPassToServiceTeam(), handoff)
    with demo_uow:
        details = [r.details for r in demo_uow.session.scalars(select(SupportRequest))]
    if case.form == "raise_issue_form":
        assert details == [] and "People team" in texts(messages)
    else:
        assert len(details) == 1 and details[0].startswith("Asked for a person while")
        assert "SUP-" in texts(messages)
        first_answer = next(v for k, v in case.slots.items() if k in ("group", "new_group_name", "support_kind"))
        assert str(first_answer) in details[0]


def test_an_answer_that_sounds_like_another_journey_is_still_an_answer(configured_database):
    case = CASES["start"]
    slots = {"new_group_name": "Runners", "requested_slot": "new_group_type"}
    events, set_now, said = send(case, "open, anyone can come", intent="join_group", slots=slots, confidence=0.95)
    assert set_now["new_group_type"] == "open" and follows(events) is None
    events, set_now, said = send(case, "a bit of both, an open channel and a private space", intent="join_group",
                                 slots=dict(slots), confidence=0.95)
    assert set_now["new_group_type"] == "both"


@pytest.mark.parametrize("name, text, slot, expected", [
    ("support", "sorry, the 19th not 12 March", "support_when", "19th"),
    ("support", "oops, the 14th not the 12th", "support_when", "14th March"),
    ("support", "no wait, it's not a social, it's a speaker we want to pay", "support_kind", "speaker_fee"),
    ("start", "Lunch Runners rather than Runners", "new_group_name", "Lunch Runners"),
    ("raise", "wellbeing, not behaviour", "issue_category", "wellbeing"),
])
def test_a_new_value_put_in_place_of_an_old_one_corrects_the_answer_that_held_it(
        configured_database, name, text, slot, expected):
    # No field named: the old value says which answer it was.
    events, slots, said = send(CASES[name], text)
    assert slots[slot] == expected
    assert "I've changed the" in said and follows(events) is None


def test_a_not_this_but_that_answer_that_matches_no_earlier_answer_is_just_an_answer(configured_database):
    support = CASES["support"]
    events, slots, said = send(support, "£300, not more")
    assert slots.get("support_amount") == "£300" and "I've changed the" not in said



def test_a_question_where_a_choice_is_asked_is_not_taken_for_an_answer(configured_database):
    raise_case = CASES["raise"]  # asking who it should go to
    events, slots, said = send(raise_case, "does it matter much which one i pick?", intent="raise_issue")
    assert "haven't kept that as your answer" in said and slots["requested_slot"] == "issue_route"
    assert slots.get("issue_route") is None and follows(events) is None  # the form asks it again
    # One the conversation answers (an FAQ) is left to it: the form is rejected, the rules answer.
    events, slots, said = send(raise_case, "does it matter much which one i pick?", intent="faq", confidence=0.8)
    assert not answered(events) and said == ""
    # One about who will know is the assistant's own to answer, and the question is asked again.
    events, slots, said = send(raise_case, "would my line manager hear about this?", intent="raise_issue")
    assert "Only the handlers of the team you choose" in said and slots.get("issue_route") is None
    # A question that names a choice is the answer.
    events, slots, said = send(raise_case, "could it go to the People team?", intent="raise_issue")
    assert slots["issue_route"] == "people"


def test_a_question_where_yes_or_no_is_asked_is_not_refused_as_not_yes_or_no(configured_database):
    join = CASES["join"]
    at_criteria = {**join.slots, "criteria_confirmed": None, "invite_note": None, "requested_slot": "criteria_confirmed"}
    events, slots, said = send(join, "what if I'm still working out whether I fit?", intent="join_group", slots=at_criteria)
    assert "yes* or a *no" not in said and "haven't kept that as your answer" in said
    assert slots.get("criteria_confirmed") is None


@pytest.mark.parametrize("text", ["is there a real person I could ask about this?", "could someone help me with this bit?",
                                  "I'd like to chat it through with someone first"])
def test_asking_for_a_person_in_other_words_hands_off(case, text):
    events, _, said = send(case, text, intent="inform")
    assert follows(events) is None and not any(e.get("name") == case.corrected[0] for e in events)
    assert "D&I service team" in said or "People team" in said


def test_an_optional_note_declined_in_words_is_left_empty(configured_database):
    join = CASES["join"]
    at_note = {**join.slots, "invite_note": None, "requested_slot": "invite_note"}
    events, slots, said = send(join, "I'd rather not add a message, thanks", slots=at_note)
    assert slots["invite_note"] == "-"



def test_a_question_about_the_choices_gets_them_explained_then_asked_again(configured_database):
    start = CASES["start"]
    at_type = {"new_group_name": "Runners", "requested_slot": "new_group_type"}
    events, slots, said = send(start, "hmm, what does 'both' mean here?", intent="start_group", slots=at_type)
    assert slots.get("new_group_type") is None and slots["requested_slot"] == "new_group_type"
    assert "both means an open channel" in said and "haven't kept" not in said


def test_a_question_back_the_faq_can_answer_gets_the_answer_whatever_the_intent(configured_database):
    start = CASES["start"]  # asking how the group meets
    # Not sure enough of the request to offer to switch to it.
    events, responses = send_read_as(start, "q - could we get money to bring in a coach now and then?",
                                     dict(start.slots), ("request_support", 0.42), ("faq", 0.38),
                                     ("faq/speaker_budget", 0.9))
    assert responses == ["utter_faq/speaker_budget"]
    assert slots_set(events).get("new_group_meeting") is None and slots_set(events)["requested_slot"] == "new_group_meeting"



def test_what_is_ruled_out_is_no_choice(configured_database):
    raise_case = CASES["raise"]
    at_for = {"requested_slot": "issue_for"}
    events, slots, said = send(raise_case, "for them, not for me", slots=at_for)
    assert slots["issue_for"] == "behalf"


def test_a_choice_corrected_at_the_summary_is_found_anywhere_in_the_message(configured_database):
    start = CASES["start"]
    at_summary = {**start.slots, "new_group_type": "open", "new_group_meeting": "monthly", "new_group_organisers": "just me",
                  "edi_policy_confirmed": True, "requested_slot": "new_group_confirmed"}
    events, slots, said = send(start, "on reflection make it closed, it should just be for people who've served",
                               slots=at_summary)
    assert slots["new_group_type"] == "closed" and "I've changed the" in said


def test_a_question_the_conversation_answers_is_read_the_same_when_the_form_comes_back_to_it(configured_database):
    raise_case = CASES["raise"]  # asking who it should go to
    question = "hang on, is there anything of mine already open? i flagged a thing in the spring"
    events, slots, said = send(raise_case, question, intent="check_status", confidence=0.5)
    assert not answered(events) and said == ""  # rejected: the rules show the requests
    # Back from the digression, the form runs on the same message: still not an answer, nothing said.
    back = tracker(question, intent="check_status", form=raise_case.form, slots=dict(raise_case.slots))
    back.latest_message["intent"]["confidence"] = 0.5
    back.events.append({"event": "action", "name": "action_check_status"})
    events, messages = run(raise_case.validator(), back)
    assert texts(messages) == "" and slots_set(events).get("issue_route") is None



def test_a_question_the_faq_answers_where_a_choice_is_asked_is_no_choice_for_the_word_it_happens_to_have(configured_database):
    raise_case = CASES["raise"]
    at_for = {"requested_slot": "issue_for"}
    events, responses = send_read_as(raise_case, "would he be told it came from me?", at_for, ("raise_issue", 0.5),
                                     ("faq", 0.3), ("faq/escalation_process", 0.85))
    # Who would be told is the assistant's to answer (who reads a case), not the escalation FAQ's.
    assert responses == ["utter_who_reads_case"]
    assert slots_set(events).get("issue_for") is None and slots_set(events)["requested_slot"] == "issue_for"



def test_a_message_that_fills_a_field_for_the_first_time_is_no_correction_of_it(configured_database):
    join = CASES["join"]
    for text in ("please add me to the ethnic minorities network", "actually I'd rather join the ethnic minorities group"):
        first = tracker(text, intent="join_group", form=join.form,
                        slots={"group": "ethnic minorities network"}, just_set={"group": "ethnic minorities network"})
        events, messages = run(join.validator(), first)
        assert "change" not in texts(messages), text


def test_what_a_form_holds_pending_reads_back_as_written_and_as_stored_before():
    switch = {"journey": "find_group", "entities": {"group": "Climate Action"}}
    for pending in (Pending(Ask.STOP), Pending(Ask.SWITCH, switch)):
        assert Pending.from_slot(pending.to_slot()) == pending
    # A conversation mid-form across the upgrade: the old spellings still read.
    assert Pending.from_slot("stop") == Pending(Ask.STOP)
    assert Pending.from_slot('switch:{"journey": "find_group", "entities": {"group": "Climate Action"}}') \
        == Pending(Ask.SWITCH, switch)
    assert [Pending.from_slot(value) for value in (None, "", "nonsense", '{"ask": "dance"}')] == [None] * 4
