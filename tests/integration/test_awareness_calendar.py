"""A named observance is found in the calendar (bot.journeys.awareness_calendar.event_named),
against the real database with the demo registry."""
from __future__ import annotations

from datetime import date

import pytest

from bot.journeys.awareness_calendar import event_named

TODAY = date(2026, 12, 1)


@pytest.mark.parametrize("asked, name", [
    ("when's International Women's Day?", "International Women's Day"),
    ("when is IDAHOBIT this year?", "International Day Against Homophobia, Biphobia and Transphobia (IDAHOBIT)"),
    ("what date is black history month", "Black History Month (UK)"),
    ("is earth day in april?", "Earth Day"),
    ("when's pride", "Pride Month"),
    # As people shorten them.
    ("iwd this yr - what day?", "International Women's Day"),
    ("is BHM in october again", "Black History Month (UK)"),
    ("when's tdov", "International Transgender Day of Visibility"),
])
def test_a_named_observance_is_found(demo_uow, asked, name):
    found = event_named(asked, TODAY, demo_uow)
    assert found is not None and found.name == name


@pytest.mark.parametrize("asked", ["what's coming up?", "which awareness days are next?", "any events this month?"])
def test_asking_what_is_coming_names_no_observance(demo_uow, asked):
    assert event_named(asked, TODAY, demo_uow) is None


@pytest.mark.parametrize("asked, name", [
    ("idahobit?", "International Day Against Homophobia, Biphobia and Transphobia (IDAHOBIT)"),
    ("i'm autistic and a dad of two, which groups are for me?", None),  # no date asked: groups are
    ("what's the autism day date", "World Autism Acceptance Day"),
])
def test_one_word_of_a_name_names_an_observance_only_about_dates_or_in_a_few_words(demo_uow, asked, name):
    found = event_named(asked, TODAY, demo_uow)
    assert (found.name if found else None) == name


def test_a_common_word_in_a_question_about_something_else_names_no_observance(demo_uow):
    """"human" is only in Human Rights Day's name, but this asks about a request."""
    assert event_named("what does sent actually mean tho, like has a human seen it?", TODAY, demo_uow) is None
    assert event_named("when is human rights day", TODAY, demo_uow).name == "Human Rights Day"


def test_the_date_is_said_in_the_right_tense(demo_uow):
    day = event_named("when is international women's day", TODAY, demo_uow)
    assert day.when_phrase(TODAY) == "is on 8 March 2027"
    assert day.when_phrase(date(2027, 3, 9)).startswith("was on")


# ---------------------------------------------------------------- in the conversation (actions, real database)

from actions.awareness_calendar import ActionUpcomingEvents  # noqa: E402
from actions.fallback import ActionUnclear  # noqa: E402
from actions.start_journey import ActionAnswerFaq  # noqa: E402
import asyncio  # noqa: E402

from rasa_sdk.executor import CollectingDispatcher  # noqa: E402

from tests.action_runner import DOMAIN_DICT, run, texts  # noqa: E402
from tests.action_runner import tracker as make_tracker  # noqa: E402


def test_what_the_calendar_is_comes_with_what_is_on_it(configured_database):
    asked = make_tracker("In my induction they said there is an awareness calendar. What is that?", intent="faq")
    asked.latest_message["response_selector"] = {"faq": {"response": {"intent_response_key": "faq/awareness_calendar"}}}
    dispatcher = CollectingDispatcher()  # which responses, by name
    asyncio.run(ActionAnswerFaq().run(dispatcher, asked, DOMAIN_DICT))
    assert [m["response"] for m in dispatcher.messages] == ["utter_faq/awareness_calendar", "utter_upcoming_events"]


def test_one_date_and_what_else_is_coming_up_both_answered(configured_database):
    _, messages = run(ActionUpcomingEvents(), make_tracker(
        "when is Black History Month? and what else is coming up that's relevant to us?", intent="awareness_calendar"))
    said = texts(messages)
    assert "Black History Month" in said and "Coming up on the awareness calendar" in said
    # One offer to add an event, not one per message.
    assert sum(len(m.get("buttons") or []) for m in messages) == 1


@pytest.mark.parametrize("text", ["idahobit", "IWD?"])
def test_an_observance_named_alone_gets_its_date_when_the_model_is_unsure(configured_database, text):
    _, messages = run(ActionUnclear(), make_tracker(text, intent="nlu_fallback"))
    assert " is on " in texts(messages) and "Did you mean" not in texts(messages)
