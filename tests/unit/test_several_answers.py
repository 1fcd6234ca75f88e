"""Several answers in one message, read by what each part says: a proposal given in parts
(actions/start_group.proposal_parts), a new amount with no pound sign (amount_in), and a date
whose weekday is not the one said with it (weekday_mismatch)."""
from __future__ import annotations

import pytest

from actions.start_group import proposal_parts
from datetime import date

from bot.journeys.request_support import amount_in, weekday_mismatch


@pytest.mark.parametrize("asked, text, expected", [
    # The name asked, the type and more given with it.
    ("new_group_name", "Closed. Name would be Sober Socials.",
     {"new_group_type": "closed", "new_group_name": "Sober Socials"}),
    ("new_group_name", "Chess Club. open. for anyone who plays or wants to learn, all levels. wednesdays 12:30 in the kitchen",
     {"new_group_name": "Chess Club", "new_group_type": "open",
      "new_group_purpose": "for anyone who plays or wants to learn, all levels",
      "new_group_meeting": "wednesdays 12:30 in the kitchen"}),
    # A first message, with the name quoted and a co-organiser.
    (None, "new closed group pls: 'Sober Socials' — for people who don't drink, low-key evenings. <@U0SAM00001> and me",
     {"new_group_type": "closed", "new_group_name": "Sober Socials",
      "new_group_purpose": "for people who don't drink, low-key evenings", "new_group_organisers": "<@U0SAM00001> and me"}),
    # Sentences that are no name, and a question that is no answer.
    ("new_group_name", "Yes I'd love to, thanks! Let's call it Night Owls? It'd be open to everyone",
     {"new_group_name": "Night Owls", "new_group_type": "open"}),
    ("new_group_purpose", "To swap tips on getting back to work after a long break. Sorry, is that enough?",
     {"new_group_purpose": "To swap tips on getting back to work after a long break"}),
])
def test_a_proposal_in_parts(asked, text, expected):
    assert proposal_parts(text, asked) == expected


@pytest.mark.parametrize("text, amount", [
    ("actually make it 250, a few more are coming", "£250"), ("make that 180 please", "£180"),
    ("can we make it £400", "£400"), ("make it the 12th", None), ("make it 20 people", None), ("make it 7:30", None),
])
def test_a_new_amount_named_without_a_pound_sign(text, amount):
    assert amount_in(text) == amount


@pytest.mark.parametrize("when, actual", [
    ("thurs 10 march 2027 from 6pm", "Wednesday 10 March 2027"),
    ("Monday 8th March", None),  # 8 March 2027 is a Monday
    ("fri the 12th of march", None),
    ("tuesday 12 march", "Friday 12 March 2027"),
    # This year's date just gone has that weekday: the one they meant.
    ("Friday the 4th of December", None),
    ("14 march", None), ("next tuesday", None), ("mon 31 feb", None),
])
def test_a_weekday_that_is_not_the_dates(when, actual):
    assert weekday_mismatch(when, date(2026, 12, 7)) == actual
