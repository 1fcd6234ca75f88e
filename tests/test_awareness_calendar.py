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


def test_the_date_is_said_in_the_right_tense(demo_uow):
    day = event_named("when is international women's day", TODAY, demo_uow)
    assert day.when_phrase(TODAY) == "is on 8 March 2027"
    assert day.when_phrase(date(2027, 3, 9)).startswith("was on")
