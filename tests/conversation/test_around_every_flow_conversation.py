"""Status, the calendar, help, fallback and odd messages, through the real servers."""
from __future__ import annotations

import pytest

from bot.core.models import SupportRequest
from harness.records import rows
from harness.servers import Chat



def test_my_requests_and_status_by_reference(chat, assistant):
    assert "don't have any requests" in chat.text_of("check my requests")
    chat.say("I want to join Women in Tech")
    chat.say("yes")
    chat.say("no")
    done = chat.text_of("yes")
    reference = next(word.strip("().") for word in done.split() if word.startswith("INV-") or word.startswith("(INV-"))
    mine = chat.text_of("my requests")
    assert reference in mine and "invite to Women in Tech, waiting for a decision" in mine
    assert "waiting for a decision" in chat.text_of(f"what's the status of {reference}?")
    assert "couldn't find INV-ZZZZZZ among them" in chat.text_of("any update on INV-ZZZZZZ?")


def test_someone_elses_reference_reveals_nothing(chat, assistant):
    chat.say("I'd like to ask for support")
    for answer in ["something else", "no group", "soon", "A question about stalls"]:
        chat.say(answer)
    chat.say("yes")
    [request] = rows(assistant, SupportRequest, SupportRequest.requester_slack_id == chat.sender)
    stranger = Chat(chat.base_url, "U0STRANGER")
    assert "couldn't find" in stranger.text_of(f"status of {request.reference}")
    assert request.reference in chat.text_of(f"status of {request.reference}")


def test_whats_coming_up(chat):
    reply = chat.say("what's coming up on the awareness calendar?")[0]
    assert reply["text"].startswith("Coming up on the awareness calendar:")
    assert reply["buttons"][0]["title"] == "Add our group's event"


def test_help_lists_everything_with_buttons(chat):
    [message] = chat.say("help")
    for journey in ("Find a group", "Join a group", "Start a group", "Support and budgets", "Raise an issue"):
        assert journey in message["text"]
    assert len(message["buttons"]) == 5


def test_a_pasted_document_is_not_read_as_a_request(chat, assistant):
    document = ("I want to join Women in Tech and start a group and raise an issue. " * 600)[:40_000]
    assert "That's a very long message" in chat.text_of(document)
    assert "*Parents and Carers*" in chat.text_of("is there a group for parents?")


def test_out_of_scope_says_what_the_bot_is_for(chat):
    assert "outside what I can help with" in chat.text_of("what's the weather like in Leeds tomorrow?")


UNCLEAR = ["?", "????", "oui", "klaatu barada", "lorem ipsum", "blorp zzkk wibble", "erm", "mmm hrrm", "ja",
           "plinth quark vorp", "wug snarf", "¯\\_(ツ)_/¯"]


def test_two_stage_fallback_then_a_person(chat, assistant):
    # Which made-up words the model is unsure about depends on the training run; the flow
    # under test is what follows when it is unsure.
    unsure = [text for text in UNCLEAR if chat.parse(text)["intent"]["name"] == "nlu_fallback"]
    assert len(unsure) >= 2, "the model was confident about nearly every unclear message"
    first = chat.say(unsure[0])[0]
    assert "Did you mean one of these?" in first["text"]
    assert first["buttons"][-1] == {"title": "Something else", "payload": "/out_of_scope"}
    assert "put it another way" in chat.text_of("/out_of_scope")
    assert "Did you mean one of these?" in chat.text_of(unsure[1])
    offer = chat.say("/out_of_scope")[0]
    assert "pass your question to the D&I service team" in offer["text"]
    passed = chat.text_of(offer["buttons"][0]["payload"])
    [request] = rows(assistant, SupportRequest, SupportRequest.requester_slack_id == chat.sender)
    assert request.reference in passed and unsure[1] in request.details


@pytest.mark.parametrize("odd", ["   ", "🙂🙂🙂", "x" * 40_000, "'; DROP TABLE groups; --", "<!channel> hi",
                                 "¿Dónde están los grupos?"],
                         ids=["whitespace", "emoji", "40k characters", "sql", "slack markup", "spanish"])
def test_odd_messages_get_a_polite_answer_and_break_nothing(chat, odd):
    assert chat.say(odd), "the assistant stayed silent"
    assert "*Parents and Carers*" in chat.text_of("is there a group for parents?")
