"""An internal error is said, not met with silence, and loses nothing: with the action server
stopped part-way through a form, the person is told something went wrong on our side; once it
is back, the form carries on with the answers given before. Its own servers, so stopping the
action server leaves every other test's alone."""
from __future__ import annotations

import itertools

import pytest
from cryptography.fernet import Fernet

from bot.core.models import SupportRequest
from tests.journeys import rows

pytestmark = pytest.mark.conversation

_senders = itertools.count()


class Assistant:
    def __init__(self, base_url: str, database_url: str, servers: dict):
        from tests.conftest import RunningAssistant

        self.running = RunningAssistant(base_url, database_url)
        self.base_url, self.actions = base_url, servers["actions"]

    def uow(self):
        return self.running.uow()


@pytest.fixture(scope="module")
def faulty(tmp_path_factory):
    from tests.rasa_harness import demo_database, running_assistant, trained_model

    workdir = tmp_path_factory.mktemp("faulty")
    database_url = demo_database(workdir)
    servers: dict = {}
    with running_assistant(trained_model(), database_url, workdir,
                           {"CASE_ENCRYPTION_KEY": Fernet.generate_key().decode()}, servers=servers) as base_url:
        yield Assistant(base_url, database_url, servers)


@pytest.fixture
def person(faulty):
    from tests.rasa_harness import Chat

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
