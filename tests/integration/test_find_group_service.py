"""The find-a-group service against the live registry in real databases."""
from __future__ import annotations

import pytest

from bot.core.errors import NotFound
from bot.journeys.find_group import channel_names, get_group, list_groups_of_type, search_groups
from bot.journeys.registry import import_registry
from harness.records import add_board_games


@pytest.mark.parametrize(
    "typed, expected",
    [
        ("tell me about Women in Tech", "Women in Tech"),
        ("WOMEN IN TECH!!!", "Women in Tech"),
        ("is there a group for parents?", "Parents and Carers"),
        ("something for carers", "Parents and Carers"),
        ("the lgbt network", "LGBTQ+ Network"),
        ("LGBTQ+", "LGBTQ+ Network"),
        ("anything about ADHD", "Neurodiversity Network"),
        ("climate", "Climate Action"),
    ],
)
def test_finds_a_group_by_name_alias_or_topic(demo_uow, typed, expected):
    result = search_groups(typed, demo_uow)
    assert [g.name for g in result.matches] == [expected]
    assert result.suggestions == []


@pytest.mark.parametrize("typed, expected", [("womn in tech", "Women in Tech"), ("neurodiversty", "Neurodiversity Network"),
                                             ("climat acton", "Climate Action")])
def test_near_misses_are_suggestions_not_answers(demo_uow, typed, expected):
    result = search_groups(typed, demo_uow)
    assert result.matches == []
    assert result.suggestions[0].name == expected


@pytest.mark.parametrize("typed", ["chess club", "", "   ", "🙂🙂🙂", "'; DROP TABLE groups; --", "<!here> hello",
                                   "¿Hay un grupo de ajedrez?"])
def test_unknown_or_odd_input_finds_nothing(demo_uow, typed):
    result = search_groups(typed, demo_uow)
    assert result.matches == [] and result.suggestions == []
    assert len(list_groups_of_type(None, demo_uow)) == 9  # and nothing was harmed


def test_very_long_message_is_handled(demo_uow):
    result = search_groups("women in tech " + "blah " * 8000, demo_uow)
    assert [g.name for g in result.matches] == ["Women in Tech"]


def test_closed_group_view_carries_criteria_and_organisers(demo_uow):
    wit = get_group("women-in-tech", demo_uow)
    assert wit.is_closed and "identify as a woman" in wit.criteria
    assert [name for name, _ in wit.organisers] == ["Amara Okafor", "Helen Carter"]


def test_list_by_type(demo_uow):
    assert {g.name for g in list_groups_of_type("closed", demo_uow)} == {
        "Women in Tech", "LGBTQ+ Network", "Ethnic Minorities Network", "Disability and Chronic Illness Network"}
    assert len(list_groups_of_type("open", demo_uow)) == 5
    with pytest.raises(NotFound):
        list_groups_of_type("secret", demo_uow)


def test_a_new_group_is_found_without_retraining_and_a_retired_one_is_not(demo_uow):
    exported = add_board_games(demo_uow)
    assert [g.name for g in search_groups("any tabletop gamers?", demo_uow).matches] == ["Board Games Club"]
    board = get_group("board-games", demo_uow)
    assert board in list_groups_of_type("open", demo_uow) and board in list_groups_of_type("closed", demo_uow)

    import_registry(exported, demo_uow)  # board games is no longer in the file: retired
    assert search_groups("board games club", demo_uow).matches == []
    with pytest.raises(NotFound):
        get_group("board-games", demo_uow)


def test_a_group_is_found_by_its_slack_channel_name_and_id(demo_uow):
    # Slack sends a typed "#board-gamers" as a channel mention, sometimes with the id alone; the
    # Slack channel asks for the name (channel_names) and the search knows the channel's name.
    add_board_games(demo_uow)
    assert channel_names(["C0BOARD001", "G0BOARD002", "C0CLIMAT01", "C0UNKNOWN1"], demo_uow) == {
        "C0BOARD001": "board-gamers", "G0BOARD002": "meeple-experts", "C0CLIMAT01": "climate-action"}
    for typed in ("add me to #board-gamers", "#meeple-experts please"):
        assert [g.name for g in search_groups(typed, demo_uow).matches] == ["Board Games Club"]
