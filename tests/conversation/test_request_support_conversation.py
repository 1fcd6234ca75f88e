"""Support and budgets, through the real servers."""
from __future__ import annotations

import pytest

from bot.core.models import SupportRequest
from harness.records import NOTHING_SENT, everything_of, outbox_for, rows



def test_social_budget_from_the_faq_button_with_amount_validation(chat, assistant):
    answer = chat.say("is there a budget for socials?")[0]
    assert "Culture & Happiness" in answer["text"]
    [button] = answer["buttons"]
    assert button["title"] == "Request social budget"
    assert "Which group is it for?" in chat.text_of(button["payload"])
    assert "When is it happening" in chat.text_of("Climate Action")
    assert "how much will it cost" in chat.text_of("next Friday evening")
    assert "I didn't catch an amount" in chat.text_of("lots")
    assert "Anything else the team should know?" in chat.text_of("about £150")
    summary = chat.text_of("Pizza for a film night")
    assert "*What:* Budget for a social" in summary and "*Group:* Climate Action" in summary
    assert "*Estimated amount:* £150" in summary and "the Culture & Happiness team" in summary
    assert "When is it happening" in chat.text_of("change the date")
    chat.say("Friday 12 March")
    done = chat.text_of("yes")
    [request] = rows(assistant, SupportRequest, SupportRequest.requester_slack_id == chat.sender)
    assert request.reference in done and request.when_text == "Friday 12 March" and request.amount_pence == 15000
    assert [m.recipient for m in outbox_for(assistant, request.reference)] == ["C0CANDH001"]


def test_something_not_listed_goes_to_the_dandi_team(chat, assistant):
    chat.say("I'd like to ask for some support for our group")
    chat.say("something else")
    chat.say("no group")
    chat.say("in the spring")
    chat.say("We'd like a stall at the all-hands")
    assert "the D&I service team" in chat.text_of("yes")
    [request] = rows(assistant, SupportRequest, SupportRequest.requester_slack_id == chat.sender)
    assert request.routed_to == "dandi_service" and request.group_id is None


SPEAKER_ANSWERS = ["speaker", "Women in Tech", "June", "£300", "An author talk"]


@pytest.mark.parametrize("step", range(6), ids=["kind", "group", "when", "amount", "details", "summary"])
def test_stop_at_any_step_writes_nothing(chat, assistant, step):
    chat.say("I'd like to request budget to pay a speaker")
    for answer in SPEAKER_ANSWERS[:step]:
        chat.say(answer)
    assert NOTHING_SENT in chat.text_of("stop")
    assert everything_of(assistant, chat.sender)["support"] == 0


def test_a_question_mid_form_is_answered_and_the_form_resumes(chat):
    chat.say("I want to book an office for our meetup")
    chat.say("office space")
    reply = chat.text_of("what is a closed group?")
    assert "closed" in reply and reply.rstrip().endswith("Which group is it for?")
