"""Handing a question to a person passes on what was asked, and never anything said while
an issue was being raised."""
from __future__ import annotations

from sqlalchemy import select

from actions.fallback import ActionPassToServiceTeam
from bot.core.models import SupportRequest
from tests.action_runner import run, texts
from tests.action_runner import tracker as make_tracker


def unclear(text: str, **kwargs):
    the_tracker = make_tracker(text, intent="nlu_fallback", **kwargs)
    the_tracker.events = [{"event": "user", "text": text, "parse_data": {"intent": {"name": "nlu_fallback"}}}]
    return the_tracker


def requests(uow) -> list[str]:
    with uow:
        return [r.details for r in uow.session.scalars(select(SupportRequest))]


def test_an_unanswered_question_is_passed_on_with_its_words(configured_database, demo_uow):
    _, messages = run(ActionPassToServiceTeam(), unclear("can our network get a stand at the summer fair"))
    assert "SUP-" in texts(messages)
    assert requests(demo_uow) == ["A question I couldn't answer: can our network get a stand at the summer fair"]


def test_nothing_said_while_raising_an_issue_is_passed_on(configured_database, demo_uow):
    _, messages = run(ActionPassToServiceTeam(), unclear("it was Kim again, at the offsite", form="raise_issue_form"))
    assert requests(demo_uow) == [] and "People team" in texts(messages)
    marked = unclear("it was Kim again, at the offsite")
    marked.events[0]["metadata"] = {"confidential": True}
    run(ActionPassToServiceTeam(), marked)
    assert requests(demo_uow) == []
