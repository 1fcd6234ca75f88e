"""Conversation repair through the real servers, the way people talk: answers in their own
words, second thoughts, corrections, skips, questions in the middle, a change of plan. Every
form, every pattern (cancel, correct, skip, digress-and-resume, switch, repeat, person); the
validator-level cases are in tests/integration/test_form_repair.py."""
from __future__ import annotations

import json

from sqlalchemy import MetaData, select

from bot.core.models import Case, ConfidentialPrompt, GroupProposal, InviteRequest, Membership, SupportRequest
from harness.records import count, everything_of, rows


ASKED_AGAIN = "here it is again"


def test_join_a_closed_group_in_own_words_with_a_note_after_the_yes(chat, assistant):
    assert "Does it describe you?" in chat.text_of("hiya, could i get into women in tech pls")
    summary = chat.text_of("yes, that describes me — and please tell them I'm new")
    assert "*Note to the organisers:* please tell them I'm new" in summary
    assert "I've sent your request" in chat.text_of("sounds good, submit it")
    [invite] = rows(assistant, InviteRequest, InviteRequest.requester_slack_id == chat.sender)
    assert invite.note == "please tell them I'm new"


def test_join_repeat_skip_correct_then_cancel_in_ordinary_words(chat, assistant):
    chat.say("I'd like to join Women in Tech")
    again = chat.text_of("sorry, what was the question?")
    assert ASKED_AGAIN in again and "Does it describe you?" in again
    assert "short note" in chat.text_of("yep")
    assert "*Note to the organisers:* (none)" in chat.text_of("skip that one for now")
    assert "*Note to the organisers:* Hello from the Leeds office" in chat.text_of(
        "actually make the note Hello from the Leeds office")
    assert "stopped" in chat.text_of("hmm, let's leave it for today")
    assert everything_of(assistant, chat.sender)["invites"] == 0


def test_join_switch_to_another_group_mid_form_asks_first(chat, assistant):
    chat.say("can I request an invite to women in tech?")
    chat.say("yes")  # the criteria
    asked = chat.say("actually, can I just join Climate Action instead?")
    assert any("do that instead?" in m.get("text", "") for m in asked)
    welcome = chat.text_of("yes")
    assert "Welcome to *Climate Action*" in welcome
    assert count(assistant, Membership, Membership.slack_user_id == chat.sender) == 1
    assert everything_of(assistant, chat.sender)["invites"] == 0


def test_start_a_group_with_a_question_a_skip_a_correction_and_a_person(chat, assistant):
    chat.say("we want to set up a running club")
    chat.say("Lunchtime Runners")
    chat.say("open, anyone can come")
    chat.say("Getting people away from their desks for a gentle 5k at lunch")
    # A question in the middle: answered, then the question again.
    reply = chat.text_of("is there any budget for socials?")
    assert "Culture & Happiness" in reply and "When and how will it meet?" in reply
    chat.say("Tuesdays and Thursdays at 12:30 from the front door")
    reply = chat.text_of("skip that one for now")  # the organisers: just you, for now
    assert "co-organiser" in reply and "Equality, Diversity & Inclusion Policy" in reply
    # Asking for a person hands over what was asked so far; the form carries on.
    reply = chat.text_of("can I talk to a person?")
    assert "what you've told me so far" in reply and "Equality, Diversity & Inclusion Policy" in reply
    [handoff] = rows(assistant, SupportRequest, SupportRequest.requester_slack_id == chat.sender)
    assert "Lunchtime Runners" in handoff.details and "starting a group" in handoff.details
    summary = chat.text_of("yes, we'll follow it")
    assert "*Name:* Lunchtime Runners" in summary
    summary = chat.text_of("actually the name should be Lunch Runners")
    assert "I've changed the name" in summary and "*Name:* Lunch Runners" in summary
    chat.say("yep, send it")
    [proposal] = rows(assistant, GroupProposal, GroupProposal.proposer_slack_id == chat.sender)
    assert proposal.name == "Lunch Runners"


def test_start_a_group_then_switch_to_support_confirms_and_keeps_nothing(chat, assistant):
    chat.say("I'd like to start a new group")
    chat.say("Board Gamers")
    asked = chat.text_of("actually, can I ask for budget for a social instead?")
    assert "do that instead?" in asked
    assert "How will it" not in asked
    assert "Will it be open" in chat.text_of("no, carry on")  # carry on: the type question again
    asked = chat.text_of("actually I'd rather ask for budget for a social instead")
    assert "do that instead?" in asked
    reply = chat.text_of("yes, switch")
    assert "nothing was sent" in reply and "Which group is it for?" in reply
    assert everything_of(assistant, chat.sender)["proposals"] == 0


def test_support_after_a_budget_answer_knows_the_kind_and_takes_a_correction(chat, assistant):
    assert "Culture & Happiness" in chat.text_of("is there a budget for socials?")
    reply = chat.text_of("nice, we'd like that")
    assert "Which group is it for?" in reply and "What kind of support" not in reply
    chat.say("the LGBTQ+ Network")
    chat.say("Friday 12 March")
    reply = chat.text_of("the date's wrong, it's the 14th")
    assert "I've changed the date" in reply and "how much" in reply.lower()
    chat.say("about £250")
    summary = chat.text_of("nope")
    assert "*When:* the 14th" in summary and "£250" in summary
    # A look at one's requests in the middle: shown, then the summary again.
    reply = chat.text_of("what have I got open with you?")
    assert "Shall I send it?" in reply
    chat.say("go for it")
    [request] = rows(assistant, SupportRequest, SupportRequest.requester_slack_id == chat.sender)
    assert request.kind == "social_budget" and request.when_text == "the 14th" and request.amount_pence == 25000


def test_support_second_thoughts_are_asked_about_and_stopping_writes_nothing(chat, assistant):
    chat.say("I need some money for a speaker")
    reply = chat.say("hmm, not sure about this")
    assert any("Do you want to stop here?" in m.get("text", "") for m in reply)
    assert "Which group is it for?" in chat.text_of("no, carry on")
    chat.say("Climate Action")
    assert "I've stopped" in chat.text_of("forget the whole thing")
    assert everything_of(assistant, chat.sender)["support"] == 0
    # After stopping, an ordinary message is ordinary again.
    assert "Women in Tech" in chat.text_of("tell me about women in tech")


MARKER = "zebracrossing"


def every_row_text(assistant) -> str:
    """Every value in every table, as text."""
    uow = assistant.uow()
    with uow:
        metadata = MetaData()
        metadata.reflect(bind=uow.session.get_bind())
        return json.dumps([[list(map(str, row)) for row in uow.session.execute(select(table))]
                           for table in metadata.sorted_tables])


def test_raise_issue_cancel_in_ordinary_words_after_what_happened_keeps_nothing_anywhere(chat, assistant):
    chat.say("I need to raise something that happened")
    chat.say("it's for me")
    reply = chat.text_of("sorry, what were the options?")
    assert ASKED_AGAIN in reply and "closest to" in reply
    chat.say("someone's behaviour")
    chat.say(f"At the {MARKER} stand-up a colleague kept talking over me and mocking my ideas in front of everyone.")
    chat.say("no one")
    reply = chat.text_of("I've changed my mind about reporting this, delete what I wrote")
    assert "haven't kept anything you told me" in reply
    assert count(assistant, Case, Case.draft_owner == chat.sender) == 0
    assert count(assistant, ConfidentialPrompt, ConfidentialPrompt.conversation_id == chat.sender) == 0
    assert MARKER not in json.dumps(chat.tracker())
    assert MARKER not in every_row_text(assistant)


def test_raise_issue_thanks_and_a_switch_mid_form(chat, assistant):
    chat.say("I want to report something")
    reply = chat.text_of("thanks")
    assert "You're welcome" in reply and "for yourself, or on someone else's behalf" in reply
    asked = chat.text_of("actually, can I just join Climate Action instead?")
    # Nothing typed yet but the journey's start: no answers to lose, so straight there.
    assert "Welcome to *Climate Action*" in asked or "do that instead?" in asked
    if "do that instead?" in asked:
        assert "Welcome to *Climate Action*" in chat.text_of("yes")
    assert everything_of(assistant, chat.sender)["cases"] == 0


def test_a_named_observance_gets_its_date_and_marking_it_starts_the_request(chat, assistant):
    reply = chat.text_of("when's International Women's Day?")
    assert reply.startswith("International Women's Day is on 8 March")
    # Taking up the offer that ends the date, in words the model may not be sure of.
    reply = chat.text_of("ooh, our lot would love to mark that one, could you get it going?")
    assert "Which group is it for?" in reply or "When is it happening" in reply
    [request_kind] = {chat.tracker()["slots"]["support_kind"]}
    assert request_kind == "awareness_event"


def test_a_message_after_an_faq_answer_that_isnt_taking_it_up_starts_no_request(chat):
    chat.say("is there a budget for socials?")
    # One the model is sure is out of scope, and one it isn't sure of (the usual "did you mean …?").
    for unrelated, expected in (("zebras quantum marmalade", "outside what I can help with"),
                                ("hmm interesting, and the other thing", "Did you mean")):
        reply = chat.text_of(unrelated)
        assert expected in reply or "put it another way" in reply
        assert "Which group is it for?" not in reply and chat.tracker()["slots"].get("support_kind") is None
        chat.say("is there a budget for socials?")


def test_join_it_after_a_group_was_shown(chat, assistant):
    assert "Parents and Carers" in chat.text_of("is there anything for parents here?")
    assert "Welcome to *Parents and Carers*" in chat.text_of("great, can I join it?")
    assert count(assistant, Membership, Membership.slack_user_id == chat.sender) == 1
