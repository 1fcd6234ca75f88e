"""Joining open groups and requesting invites to closed ones, through the real servers."""
from __future__ import annotations

import pytest

from bot.core.models import InviteRequest, Membership, OutboxMessage
from tests.journeys import NOTHING_SENT, everything_of, outbox_for, rows

pytestmark = pytest.mark.conversation


def test_join_an_open_group_then_again(chat, assistant):
    reply = chat.text_of("I'd like to join Climate Action")
    assert reply.startswith("Welcome to *Climate Action*!") and "#climate-action" in reply
    [membership] = rows(assistant, Membership, Membership.slack_user_id == chat.sender)
    invites = rows(assistant, OutboxMessage, OutboxMessage.kind == "channel_invite")
    assert any(m.payload == {"channel": "C0CLIMAT01", "user": chat.sender} for m in invites)
    assert "already in Climate Action" in chat.text_of("join climate action please")
    assert everything_of(assistant, chat.sender)["memberships"] == 1


def test_request_an_invite_with_a_note_and_a_correction(chat, assistant):
    ask = chat.say("can I get an invite to Women in Tech?")[0]
    assert "You identify as a woman." in ask["text"] and "nobody will ask you to prove anything" in ask["text"]
    assert "add a short note" in chat.text_of("yes")
    summary = chat.text_of("Looking forward to meeting everyone <!here>")
    assert "*Note to the organisers:* Looking forward to meeting everyone &lt;!here&gt;" in summary
    assert "add a short note" in chat.text_of("change the note")
    assert "*Note to the organisers:* Hello from the platform team" in chat.text_of("Hello from the platform team")
    done = chat.text_of("yes, send it")
    assert "I've sent your request to the organisers of *Women in Tech*" in done
    [request] = rows(assistant, InviteRequest, InviteRequest.requester_slack_id == chat.sender)
    assert request.reference in done and request.note == "Hello from the platform team"
    assert {m.recipient for m in outbox_for(assistant, request.reference)} == {"U0WIT00001", "U0WIT00002"}

    # A second request while one is pending is not duplicated.
    chat.say("I want to join Women in Tech")
    chat.say("yes")
    chat.say("no")
    again = chat.text_of("yes")
    assert f"already have a request for Women in Tech waiting" in again and request.reference in again
    assert everything_of(assistant, chat.sender)["invites"] == 1


def test_not_meeting_the_criteria_sends_nothing_kindly(chat, assistant):
    chat.say("join the LGBTQ+ Network")
    reply = chat.text_of("no")
    assert "That's okay" in reply and "haven't sent a request" in reply and "open groups are for everyone" in reply
    assert everything_of(assistant, chat.sender)["invites"] == 0


@pytest.mark.parametrize("answers", [[], ["Ethnic Minorities Network"], ["Ethnic Minorities Network", "yes"],
                                     ["Ethnic Minorities Network", "yes", "no"]],
                         ids=["which group", "criteria", "note", "summary"])
def test_stop_at_any_step_writes_nothing(chat, assistant, answers):
    chat.say("I want to join a group")
    for answer in answers:
        chat.say(answer)
    assert NOTHING_SENT in chat.text_of("stop")
    assert everything_of(assistant, chat.sender)["invites"] == 0
    assert "weren't in the middle of anything" in chat.text_of("cancel")


def test_a_question_mid_form_is_answered_and_the_form_resumes(chat, assistant):
    chat.say("I want to join Women in Tech")
    reply = chat.text_of("what's the difference between open and closed groups?")
    assert "anyone can join" in reply  # the FAQ answer
    assert reply.rstrip().endswith("Does it describe you?")  # then the same question again
    assert "add a short note" in chat.text_of("yes")


def test_unknown_group_offers_the_closest_then_joins_it(chat, assistant):
    reply = chat.say("I want to join a group")[0]
    assert reply["text"] == "Which group would you like to join?"
    near = chat.say("climat acton")[0]
    assert "Did you mean *Climate Action*?" in near["text"]
    assert chat.text_of(near["buttons"][0]["payload"]).startswith("Welcome to *Climate Action*!")
