"""Joining open groups, requesting invites to closed ones, and choosing the part of a group of
type "both", through the real servers."""
from __future__ import annotations

import pytest

from bot.core.models import InviteRequest, Membership, OutboxMessage
from bot.journeys.registry import import_registry
from harness.records import BOTH_GROUP, NOTHING_SENT, add_both_group, everything_of, outbox_for, rows



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


@pytest.fixture(scope="module")
def both_group(assistant):
    """A group of type "both" (an open channel plus a closed space) in the assistant's
    registry for these tests; the registry as it was afterwards."""
    before = add_both_group(assistant.uow())
    yield BOTH_GROUP["name"]
    import_registry(before, assistant.uow())


def test_a_both_group_asks_which_part_then_joins_the_open_channel(chat, assistant, both_group):
    [question] = chat.say("I'd like to join the Over 50s Network")
    assert "has an open channel, which anyone can join, and a closed space" in question["text"]
    assert [b["title"] for b in question["buttons"]] == ["The open channel", "The closed space"]
    welcome = chat.text_of("the open channel please")
    assert welcome.startswith("Welcome to *Over 50s Network*! I'll add you to #over-50s in Slack.")
    [membership] = rows(assistant, Membership, Membership.slack_user_id == chat.sender)
    assert membership.closed_part is False
    invites = rows(assistant, OutboxMessage, OutboxMessage.kind == "channel_invite")
    assert any(m.payload["channel"] == "C0OVER5001" and m.payload["user"] == chat.sender for m in invites)
    assert everything_of(assistant, chat.sender)["invites"] == 0


def test_a_both_groups_closed_space_is_requested_with_self_attested_criteria(chat, assistant, both_group):
    chat.say("can I join over 50s network?")
    ask = chat.text_of("the closed space")
    assert "The closed space of *Over 50s Network* is for people who meet this: You are 50 or over." in ask
    assert "nobody will ask you to prove anything" in ask
    assert "add a short note" in chat.text_of("yes")
    assert "*Group:* Over 50s Network" in chat.text_of("no")
    done = chat.text_of("yes")
    [request] = rows(assistant, InviteRequest, InviteRequest.requester_slack_id == chat.sender)
    assert "I've sent your request to the organisers of *Over 50s Network*" in done and request.reference in done
    assert {m.recipient for m in outbox_for(assistant, request.reference)} == {"U0OVER5001"}
    assert everything_of(assistant, chat.sender)["memberships"] == 0


def test_the_find_group_buttons_of_a_both_group_go_straight_to_each_part(chat, assistant, both_group):
    found = chat.say("tell me about the Over 50s Network")[0]
    assert "anyone can join its open channel; its closed space is for members" in found["text"]
    join, request = found["buttons"]
    assert (join["title"], request["title"]) == ("Join: Over 50s Network", "Request an invite: Over 50s Network")
    ask = chat.text_of(request["payload"])
    assert "Which would you like" not in ask and ask.rstrip().endswith("Does it describe you?")
    assert NOTHING_SENT in chat.text_of("stop")
    assert chat.text_of(join["payload"]).startswith("Welcome to *Over 50s Network*!")


def test_not_meeting_the_closed_space_criteria_offers_its_open_channel(chat, assistant, both_group):
    chat.say('/join_group{"group": "Over 50s Network", "group_part": "closed"}')
    reply = chat.say("no")[0]
    assert "That's okay" in reply["text"] and "haven't sent a request" in reply["text"]
    assert "Its open channel is for everyone" in reply["text"]
    assert reply["buttons"][0]["title"] == "Join its open channel"
    assert chat.text_of(reply["buttons"][0]["payload"]).startswith("Welcome to *Over 50s Network*!")
    assert everything_of(assistant, chat.sender)["invites"] == 0


def test_repeated_misunderstandings_explain_and_show_the_way_out(chat, assistant, both_group):
    chat.say("I want to join the Over 50s Network")
    assert "open channel* or ask for an invite" in chat.text_of("hmm")
    assert "If you'd rather stop here" not in chat.text_of("pfff")
    third = chat.text_of("erm")
    assert "The open channel is for everyone" in third and "If you'd rather stop here, say *stop*" in third
    assert third.rstrip().endswith("Which would you like to join?")  # and the question again
    assert "Welcome to *Over 50s Network*!" in chat.text_of("the open channel")
