"""Registry import, export and listing against real databases."""
from __future__ import annotations

import textwrap

import pytest
import yaml
from sqlalchemy import func, select

from bot.core.errors import RegistryFileInvalid
from bot.core.models import CalendarEvent, Contact, Group, GroupStatus
from bot.journeys.registry import export_registry, import_registry, list_groups, parse_registry
from tests.conftest import DEMO_REGISTRY

DEMO_TEXT = DEMO_REGISTRY.read_text(encoding="utf-8")

SMALL = textwrap.dedent("""\
    contacts:
      - {team: dandi_service, name: D&I service team, slack_channel_id: C0DANDI001}
      - {team: people, name: People team, slack_user_ids: [U0PEOPLE01]}
      - {team: culture_happiness, name: Culture & Happiness team, slack_channel_id: C0CANDH001}
      - {team: marketing, name: Marketing team, slack_channel_id: C0MARKET01}
    groups:
      - slug: board-games
        name: Board Games Club
        type: open
        purpose: Playing board games together.
        meeting: Thursdays after work in the office.
        aliases: [boardgamers]
        topics: [board games, tabletop]
        organisers:
          - {slack_user_id: U0BOARD001, name: Pat Jones}
    calendar:
      - {name: Earth Day, starts: 2027-04-22, ends: 2027-04-22}
    """)


def test_demo_registry_has_every_group_the_design_names(demo_uow):
    groups = {g.name: g.type for g in list_groups(demo_uow)}
    assert groups == {
        "Women in Tech": "closed", "LGBTQ+ Network": "closed", "Ethnic Minorities Network": "closed",
        "Disability and Chronic Illness Network": "closed", "Neurodiversity Network": "open",
        "Parents and Carers": "open", "Climate Action": "open", "Faith and Belief": "open",
        "Mental Health Allies": "open",
    }
    with demo_uow:
        session = demo_uow.session
        assert {c.team for c in session.scalars(select(Contact))} == {
            "dandi_service", "people", "culture_happiness", "marketing"}
        assert session.scalar(select(func.count(CalendarEvent.id))) >= 10
        for group in session.scalars(select(Group)):
            assert group.purpose and group.meeting and group.slack_channel_id and group.organisers and group.aliases
        wit = session.scalar(select(Group).where(Group.slug == "women-in-tech"))
        assert "identify as a woman" in wit.criteria


def test_export_then_import_round_trips(demo_uow):
    exported = export_registry(demo_uow)
    summary = import_registry(exported, demo_uow)
    assert (summary.groups_added, summary.groups_updated, summary.groups_retired) == (0, 9, 0)
    assert export_registry(demo_uow) == exported


def test_import_replaces_registry_and_retires_missing_groups(demo_uow):
    summary = import_registry(SMALL, demo_uow)
    assert (summary.groups_added, summary.groups_retired, summary.contacts, summary.events) == (1, 9, 4, 1)
    assert [g.name for g in list_groups(demo_uow)] == ["Board Games Club"]
    assert len(list_groups(demo_uow, include_retired=True)) == 10
    with demo_uow:
        retired = demo_uow.session.scalar(select(Group).where(Group.slug == "women-in-tech"))
        assert retired.status == GroupStatus.retired  # kept: requests still point at it


def test_import_if_empty_leaves_existing_registry_alone(demo_uow):
    assert import_registry(SMALL, demo_uow, only_if_empty=True) is None
    assert len(list_groups(demo_uow)) == 9


def _problems(text: str) -> list[str]:
    with pytest.raises(RegistryFileInvalid) as caught:
        parse_registry(text)
    return caught.value.problems


def test_invalid_yaml_reports_its_line():
    problems = _problems("groups:\n  - name: [unclosed\n")
    assert len(problems) == 1 and "line 3" in problems[0] and "not valid YAML" in problems[0]


def test_not_a_mapping():
    assert "must be a mapping" in _problems("- just\n- a list\n")[0]


def test_every_problem_is_reported_with_its_line_or_key():
    bad = SMALL.replace("type: open", "type: secret").replace("U0BOARD001", "bob")
    bad = bad.replace("starts: 2027-04-22, ends: 2027-04-22", "starts: 2027-04-22, ends: 2027-04-01")
    bad += "  - {name: Pride Month, starts: june, groups: [no-such-group]}\n"
    bad = bad.replace("    purpose: Playing board games together.\n", "    colour: blue\n")
    problems = _problems(bad)
    joined = "\n".join(problems)
    assert "groups[0] 'Board Games Club' (line 7): 'type' must be one of open, closed, both" in joined
    assert "'purpose' is required" in joined
    assert "unknown field 'colour'" in joined
    assert "'slack_user_id' 'bob' is not a Slack user id" in joined
    assert "calendar[0] (line 17): 'ends' is before 'starts'" in joined
    assert "calendar[1] (line 18): 'starts' and 'ends' must be dates" in joined
    assert "group 'no-such-group' is not in this file" in joined
    assert len(problems) == 7


def test_closed_group_needs_criteria_and_how_to_ask():
    bad = SMALL.replace("type: open", "type: closed")
    joined = "\n".join(_problems(bad))
    assert "'criteria' is required" in joined and "'how_to_ask' is required" in joined


def test_missing_sections_contacts_and_duplicates():
    text = SMALL.split("groups:")[0].replace("  - {team: marketing, name: Marketing team, slack_channel_id: C0MARKET01}\n", "")
    text += "  - {team: people, name: Again, slack_user_ids: [U0X12345]}\n"
    joined = "\n".join(_problems(text))
    assert "'groups' section is missing" in joined
    assert "the 'marketing' team is missing" in joined
    assert "team 'people' appears more than once" in joined


def test_duplicate_group_slug_and_name():
    data = yaml.safe_load(SMALL)
    twin = dict(data["groups"][0])
    data["groups"].append(twin)
    joined = "\n".join(_problems(yaml.safe_dump(data)))
    assert "slug 'board-games' appears more than once" in joined
    assert "name 'board games club' appears more than once" in joined


def test_a_bad_file_changes_nothing(demo_uow):
    before = export_registry(demo_uow)
    with pytest.raises(RegistryFileInvalid):
        import_registry(SMALL.replace("type: open", "type: secret"), demo_uow)
    assert export_registry(demo_uow) == before


def test_demo_file_is_valid_as_shipped():
    parsed = parse_registry(DEMO_TEXT)
    assert len(parsed["groups"]) == 9
