"""An internal error is said, not met with silence, and loses nothing: with the action server
stopped part-way through a form, the person is told something went wrong on our side; once it
is back, the form carries on with the answers given before. On the shared assistant: its
action server is started again before the next test runs."""
from __future__ import annotations

import itertools

import pytest

from bot.core.models import SupportRequest
from harness.records import rows


_senders = itertools.count()


@pytest.fixture
def faulty(assistant):
    """The shared assistant, its action server started again after each test whatever happened."""
    yield assistant
    if assistant.actions.process is None or assistant.actions.process.poll() is not None:
        assistant.actions.start()


@pytest.fixture
def person(faulty):
    from harness.servers import Chat

    return Chat(faulty.base_url, f"U0FAULT{next(_senders):03d}")


def test_with_the_action_server_down_the_person_is_told_and_the_form_carries_on_after(faulty, person):
    assert "Which group is it for?" in person.text_of("I'd like to request budget for a speaker")
    assert "When is it happening" in person.text_of("Climate Action")
    faulty.actions.stop()
    try:
        reply = person.text_of("on the 3rd of February")
        assert "something went wrong on my side" in reply and "kept" in reply
    finally:
        faulty.actions.start()
    # The answer given while it was down may need saying again; the earlier ones are kept.
    reply = person.text_of("on the 3rd of February")
    assert "How much" in reply or "how much" in reply
    person.say("£300")
    summary = person.text_of("no other details")
    assert "Climate Action" in summary and "300" in summary and "3rd of February" in summary
    person.say("yes, send it")
    [request] = rows(faulty, SupportRequest, SupportRequest.requester_slack_id == person.sender)
    assert request.kind == "speaker_fee" and request.amount_pence == 30000
