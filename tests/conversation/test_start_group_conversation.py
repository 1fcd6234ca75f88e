"""Starting a group, through the real servers."""
from __future__ import annotations

import pytest

from bot.core.models import GroupProposal
from harness.records import NOTHING_SENT, everything_of, outbox_for, rows


OPEN_ANSWERS = ["Board Games Club", "open", "Playing board games together after work, everyone welcome",
                "Thursdays at 6pm in the office", "just me", "yes"]


def test_propose_an_open_group_with_a_correction(chat, assistant):
    intro = chat.text_of("I want to start a new group")
    assert "show you a summary before anything is sent" in intro and intro.endswith("What would you like to call the group?")
    assert "open (anyone can join)" in chat.text_of("Board Games Club")
    assert "What's the group for?" in chat.text_of("open")
    assert "When and how will it meet?" in chat.text_of("Playing board games together after work, everyone welcome")
    organisers = chat.text_of("Thursdays at 6pm in the office")
    assert "at least two organisers" in organisers and "mentally and physically tiring" in organisers
    edi = chat.text_of("just me")
    assert "look for a co-organiser" in edi and "Equality, Diversity & Inclusion Policy" in edi
    summary = chat.text_of("yes")
    assert "*Name:* Board Games Club" in summary and "*Type:* open" in summary
    assert "What's the group for?" in chat.text_of("change the purpose")
    summary = chat.text_of("Board and card games after work, everyone welcome")
    assert "*Purpose:* Board and card games after work, everyone welcome" in summary
    done = chat.text_of("yes")
    [proposal] = rows(assistant, GroupProposal, GroupProposal.proposer_slack_id == chat.sender)
    assert proposal.reference in done and "D&I service team" in done
    assert proposal.purpose == "Board and card games after work, everyone welcome"
    assert [m.recipient for m in outbox_for(assistant, proposal.reference)] == ["C0DANDI001"]


def test_closed_group_asks_criteria_and_warns_of_similar_groups(chat, assistant):
    chat.say("how do I set up a new community?")
    chat.say("Working Parents Circle")
    chat.say("closed")
    similar = chat.text_of("A place for parents to share the ups and downs of parenting")
    assert "*Parents and Carers* sounds similar" in similar
    chat.say("Monthly on Google Meet")
    assert "Who is the closed group for?" in chat.text_of("<@U0SAM00001> and <@U0PRIYA001>")
    assert "How should someone ask" in chat.text_of("People with children or caring responsibilities")
    assert "Equality, Diversity & Inclusion Policy" in chat.text_of("Message an organiser")
    summary = chat.text_of("yes")
    assert "*Who it's for:* People with children or caring responsibilities" in summary
    chat.say("yes")
    [proposal] = rows(assistant, GroupProposal, GroupProposal.proposer_slack_id == chat.sender)
    assert proposal.type.value == "closed"
    assert [o["slack_user_id"] for o in proposal.organisers] == [chat.sender, "U0SAM00001", "U0PRIYA001"]


def test_not_following_the_edi_policy_sends_nothing(chat, assistant):
    chat.say("I'd like to start a group")
    for answer in ["Night Owls", "open", "For people who like working late and chatting", "Fridays online", "just me"]:
        chat.say(answer)
    assert "haven't sent anything" in chat.text_of("no")
    assert everything_of(assistant, chat.sender)["proposals"] == 0


@pytest.mark.parametrize("step", range(len(OPEN_ANSWERS) + 1))
def test_stop_at_any_step_writes_nothing(chat, assistant, step):
    chat.say("I want to start a new group")
    for answer in OPEN_ANSWERS[:step]:
        chat.say(answer)
    assert NOTHING_SENT in chat.text_of("stop")
    assert everything_of(assistant, chat.sender)["proposals"] == 0


def test_a_question_mid_form_is_answered_and_the_form_resumes(chat):
    chat.say("I want to start a new group")
    chat.say("Runners")
    chat.say("open")
    reply = chat.text_of("is there a budget for socials?")
    assert "Culture & Happiness" in reply and reply.rstrip().endswith("A sentence or two about its purpose is perfect.")


def test_organisers_typed_as_names_are_asked_for_as_mentions(chat, assistant):
    chat.say("I'd like to start a group")
    for answer in ["Lunchtime Runners", "open", "Running together at lunchtime, all paces welcome",
                   "Tuesdays at noon from the office"]:
        chat.say(answer)
    reply = chat.text_of("Sam Jones and <@U0PRIYA001>")
    assert "organisers you @-mention" in reply and "I couldn't add *Sam Jones*" in reply and "Priya" not in reply
    assert "like @Sam" in reply and "*just me*" in reply
    assert "Who will organise it with you?" in reply  # asked again
    assert "Equality, Diversity & Inclusion Policy" in chat.text_of("<@U0SAM00001> and <@U0PRIYA001>")
    summary = chat.text_of("yes")
    assert "*Organisers:* you, <@U0SAM00001>, <@U0PRIYA001>" in summary
    chat.say("yes")
    [proposal] = rows(assistant, GroupProposal, GroupProposal.proposer_slack_id == chat.sender)
    assert [o["slack_user_id"] for o in proposal.organisers] == [chat.sender, "U0SAM00001", "U0PRIYA001"]
