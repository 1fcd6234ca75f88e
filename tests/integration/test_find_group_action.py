"""action_find_group with real trackers and dispatcher, against the real database."""
from __future__ import annotations

import pytest

from actions.find_group import ActionFindGroup
from tests.action_runner import run, tracker


def run_action(text: str, entities: list[dict] | None = None) -> list[dict]:
    events, messages = run(ActionFindGroup(), tracker(text, intent="find_group", entities=entities))
    # What is shown comes into focus: a card's group, or (none) with the groups of a list; a name
    # not found is forgotten.
    assert [e["name"] for e in events] in ([], ["last_group", "listed_groups"], ["group"],
                                           ["last_group", "listed_groups", "group"])
    return messages


def entity(name: str, value: str) -> dict:
    return {"entity": name, "value": value, "start": 0, "end": len(value)}


def test_by_topic_shows_the_open_group_and_how_it_meets(configured_database):
    [message] = run_action("is there a group for parents?", [entity("group", "parents")])
    text = message["text"]
    assert text.startswith("*Parents and Carers* (open group)")
    assert "Monthly virtual coffee" in text and "anyone" in text and "#parents-and-carers" in text


def test_closed_group_says_who_to_ask_and_the_criteria_without_asking_for_proof(configured_database):
    events, _ = run(ActionFindGroup(), tracker("tell me about Women in Tech", intent="find_group",
                                               entities=[entity("group", "Women in Tech")]))
    assert events[0]["name"] == "last_group" and events[0]["value"] == "Women in Tech"
    [message] = run_action("tell me about Women in Tech", [entity("group", "Women in Tech")])
    text = message["text"]
    assert "(closed group)" in text
    assert "You identify as a woman." in text and "nobody will ask you to prove it" in text
    assert "Amara Okafor" in text and "Helen Carter" in text


def test_finds_the_group_from_the_message_when_no_entity_was_extracted(configured_database):
    [message] = run_action("anything for people with ADHD?")
    assert message["text"].startswith("*Neurodiversity Network*")


def test_near_miss_offers_did_you_mean_buttons(configured_database):
    [message] = run_action("tell me about womn in tech", [entity("group", "womn in tech")])
    assert message["text"] == 'I couldn\'t find a group called "womn in tech". Did you mean *Women in Tech*?'
    assert message["buttons"] == [{"title": "Women in Tech", "payload": '/find_group{"group": "Women in Tech"}'}]


def test_the_one_group_a_near_miss_suggests_is_in_focus_and_the_name_not_found_is_forgotten(configured_database):
    """"Did you mean Women in Tech?", then "who runs it" or "add me": Women in Tech, not "womn in tech"."""
    events, _ = run(ActionFindGroup(), tracker("tell me about womn in tech", intent="find_group",
                                               entities=[entity("group", "womn in tech")]))
    assert {e["name"]: e["value"] for e in events} == {"last_group": "Women in Tech", "listed_groups": None,
                                                        "group": None}


def test_list_closed_groups(configured_database):
    [message] = run_action("list the closed groups", [entity("group_type", "closed")])
    text = message["text"]
    for name in ("Women in Tech", "LGBTQ+ Network", "Ethnic Minorities Network", "Disability and Chronic Illness Network"):
        assert name in text
    assert "Parents and Carers" not in text and "ask an organiser" in text


def test_unknown_group_says_so_and_lists_what_there_is(configured_database):
    [message] = run_action("is there a chess club", [entity("group", "chess club")])
    assert message["text"].startswith('I couldn\'t find a group for "chess club", sorry.')
    assert "Anyone can start a group" in message["text"] and "Climate Action" in message["text"]


@pytest.mark.parametrize("typed", ["<!here> club", "<https://evil.example|Women in Tech> & co"])
def test_typed_text_echoed_back_is_escaped(configured_database, typed):
    [message] = run_action(typed, [entity("group", typed)])
    assert "<" not in message["text"] and "&lt;" in message["text"]


def test_long_names_are_cut_when_echoed(configured_database):
    typed = "x" * 40_000
    [message] = run_action(typed, [entity("group", typed)])
    assert len(message["text"]) < 2000 and "…" in message["text"]
