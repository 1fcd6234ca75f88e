"""Raising an issue, through the real servers. What happened is stored encrypted as a
draft the moment it is typed; the conversation's slots keep only the draft's id."""
from __future__ import annotations

import json

import pytest

from bot.core import crypto
from bot.core.models import Case, CaseStatus
from tests.journeys import count, everything_of, outbox_for, rows

pytestmark = pytest.mark.conversation

NARRATIVE = "At the last meetup a colleague kept making jokes about my accent, and it really upset me."


def tracker_slots(chat) -> dict:
    return chat.tracker()["slots"]


def test_raise_an_issue_for_yourself(chat, assistant):
    intro = chat.text_of("I need to raise an issue")
    assert intro.startswith("I'm sorry something has happened.")
    assert "isn't anonymous" in intro and "Slack itself keeps a copy" in intro
    assert "Which of these is it closest to?" in chat.text_of("for myself")
    assert "In your own words, what happened?" in chat.text_of("Someone's behaviour in a group")
    thanks = chat.text_of(NARRATIVE)
    assert "Thank you for telling me" in thanks and "must not handle this" in thanks
    slots = tracker_slots(chat)
    assert slots["case_draft_id"].startswith("draft-")
    assert NARRATIVE not in json.dumps(slots)

    assert "Who should it go to?" in chat.text_of("Sam Jones")
    summary = chat.text_of("People team")
    assert "*Must not handle it:* Sam Jones" in summary and "*Goes to:* the People team" in summary
    assert "accent" not in summary  # the narrative is never repeated back in a message
    done = chat.text_of("yes")
    [case] = rows(assistant, Case, Case.reporter_slack_id == chat.sender)
    assert case.reference in done and "within two working days" in done
    assert crypto.decrypt(case.narrative_ciphertext) == NARRATIVE and NARRATIVE.encode() not in case.narrative_ciphertext
    [notice] = outbox_for(assistant, case.reference)
    assert notice.recipient == "C0PEOPLE01" and "accent" not in str(notice.payload)


def test_on_someone_elses_behalf_needs_their_agreement(chat, assistant):
    chat.say("I'm raising this on behalf of a colleague")
    assert "Has the person agreed" in chat.text_of("on someone's behalf")
    reply = chat.text_of("not yet")
    assert "It's their story to share" in reply and "Nothing has been sent" in reply
    assert everything_of(assistant, chat.sender)["cases"] == 0


def test_on_behalf_with_agreement(chat, assistant):
    chat.say("I need to report something that happened to someone in our group")
    chat.say("on someone's behalf")
    assert "May the team know who they are" in chat.text_of("yes")
    chat.say("no")
    chat.say("discrimination")
    chat.say("A member of our network was repeatedly misgendered at an event and asked me to raise it.")
    chat.say("no one")
    summary = chat.text_of("D&I service team")
    assert "*The person may be named:* no" in summary
    chat.say("yes")
    [case] = rows(assistant, Case, Case.reporter_slack_id == chat.sender)
    assert case.on_behalf and case.affected_person_consented and case.affected_person_may_be_named is False


def test_a_long_message_that_sounds_like_stop_is_kept_as_what_happened(chat, assistant):
    chat.say("I want to raise an issue")
    chat.say("for myself")
    chat.say("something else")
    reply = chat.text_of("I just want it to stop, he keeps messaging me late at night about things that aren't work")
    assert "Thank you for telling me" in reply


ON_BEHALF_ANSWERS = ["on someone's behalf", "yes", "no", "wellbeing", NARRATIVE, "no", "D&I service team"]


@pytest.mark.parametrize("step", range(len(ON_BEHALF_ANSWERS) + 1),
                         ids=["for whom", "agreed", "named", "category", "what happened", "excluded", "route",
                              "summary"])
def test_stop_at_any_step_keeps_nothing(chat, assistant, step):
    drafts_before = count(assistant, Case, Case.status == CaseStatus.draft)
    chat.say("I want to raise an issue")
    for answer in ON_BEHALF_ANSWERS[:step]:
        chat.say(answer)
    reply = chat.text_of("stop")
    assert "haven't kept anything you told me" in reply
    assert everything_of(assistant, chat.sender)["cases"] == 0
    assert count(assistant, Case, Case.status == CaseStatus.draft) == drafts_before


def test_changing_who_it_goes_to_at_the_summary(chat, assistant):
    chat.say("I want to raise an issue")
    for answer in ["for myself", "accessibility", NARRATIVE, "no one", "D&I service team"]:
        chat.say(answer)
    assert "Who should it go to?" in chat.text_of("change the team")
    assert "*Goes to:* the People team" in chat.text_of("People team")
    chat.say("yes")
    [case] = rows(assistant, Case, Case.reporter_slack_id == chat.sender)
    assert case.routed_to == "people"


def test_a_question_mid_form_is_answered_and_the_form_resumes(chat):
    chat.say("I want to raise an issue")
    reply = chat.text_of("how are issues escalated?")
    assert "service team" in reply and reply.rstrip().endswith("as your group's nominated person?")
