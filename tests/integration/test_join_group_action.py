"""Joining a group of type "both" (an open channel plus a closed space), with real trackers,
the real domain and database: the person chooses the part, or a button already says."""
from __future__ import annotations

import json

import pytest

from actions.find_group import ActionFindGroup
from actions.join_group import ActionAskCriteriaConfirmed, ActionAskGroupPart, ActionJoinGroup, ValidateJoinGroupForm
from bot.core.models import Membership
from tests.action_runner import run, slots_set, texts, tracker
from harness.records import add_both_group

NAME = "Over 50s Network"


@pytest.fixture
def both_group(configured_database, demo_uow):
    add_both_group(demo_uow)
    return demo_uow


def join(text: str, **slots) -> dict:
    """What the join form makes of `text` (slots set by the message go in `just_set`)."""
    just_set = slots.pop("just_set", {})
    events, messages = run(ValidateJoinGroupForm(), tracker(text, intent="join_group", form="join_group_form",
                                                            slots={"requested_slot": "group", **slots},
                                                            just_set=just_set))
    verdicts = slots_set(events)
    result = {**slots, **just_set, **verdicts, "said": texts(messages)}
    if "requested_slot" not in verdicts:
        result.pop("requested_slot", None)  # the validator left the next question to Rasa's form
    return result


def next_question(result: dict) -> str | None:
    """The slot the form asks next. With every slot of the domain required, the validator
    leaves the choice to Rasa's form, which asks the first one still empty."""
    if "requested_slot" in result:
        return result["requested_slot"]
    order = ["group", "group_part", "criteria_confirmed", "invite_note", "invite_confirmed"]
    return next(slot for slot in order if result.get(slot) is None)


def test_find_group_describes_both_parts_and_offers_a_button_for_each(both_group):
    _, [message] = run(ActionFindGroup(), tracker("tell me about the over 50s network", intent="find_group",
                                                  entities=[{"entity": "group", "value": "over 50s network"}]))
    text = message["text"]
    assert text.startswith(f"*{NAME}* (open and closed group)")
    assert "anyone can join its open channel" in text and "You are 50 or over." in text
    assert "nobody will ask you to prove it" in text and "#over-50s, #over-50s-members" in text
    assert message["buttons"] == [
        {"title": f"Join: {NAME}", "payload": "/join_group" + json.dumps({"group": NAME, "group_part": "open"})},
        {"title": f"Request an invite: {NAME}",
         "payload": "/join_group" + json.dumps({"group": NAME, "group_part": "closed"})}]


def test_asking_to_join_a_both_group_asks_which_part(both_group):
    result = join("I'd like to join the over 50s network", just_set={"group": "over 50s network"})
    assert result["group"] == NAME and result["group_part"] is None and result["requested_slot"] == "group_part"
    _, [question] = run(ActionAskGroupPart(), tracker(slots={"group_slug": "over-50s"}))
    assert "open channel, which anyone can join" in question["text"] and "closed space" in question["text"]
    assert [b["title"] for b in question["buttons"]] == ["The open channel", "The closed space"]


@pytest.mark.parametrize("answer, part", [("the closed space", "closed"), ("the open channel please", "open"),
                                          ("I'd like an invite", "closed")])
def test_the_part_chosen_in_the_persons_own_words(both_group, answer, part):
    result = join(answer, requested_slot="group_part", group=NAME, group_slug="over-50s")
    assert result["group_part"] == part and result["group_is_closed"] is (part == "closed")
    assert next_question(result) == ("criteria_confirmed" if part == "closed" else None)


def test_an_unclear_part_is_asked_again(both_group):
    result = join("hmm not sure", requested_slot="group_part", group=NAME, group_slug="over-50s")
    assert result["group_part"] is None and "*open channel* or ask for an invite to the *closed space*" in result["said"]


@pytest.mark.parametrize("order", ["group first", "part first"])
def test_a_button_that_names_the_part_skips_the_question(both_group, order):
    just_set = {"group": NAME, "group_part": "closed"}
    if order == "part first":
        just_set = dict(reversed(list(just_set.items())))
    result = join('/join_group{"group": "Over 50s Network", "group_part": "closed"}', just_set=just_set)
    assert result["group_part"] == "closed" and result["group_is_closed"] is True
    assert next_question(result) == "criteria_confirmed"


def test_a_part_named_for_a_group_that_has_one_follows_the_group(configured_database):
    result = join('/join_group{"group": "Climate Action", "group_part": "closed"}',
                  just_set={"group": "Climate Action", "group_part": "closed"})
    assert result["group_part"] == "open" and result["group_is_closed"] is False and result["requested_slot"] is None


def test_the_closed_space_criteria_are_self_attested(both_group):
    _, [question] = run(ActionAskCriteriaConfirmed(), tracker(slots={"group_slug": "over-50s"}))
    assert question["text"].startswith(f"The closed space of *{NAME}* is for people who meet this: You are 50 or over.")
    assert "nobody will ask you to prove anything" in question["text"]


def test_joining_the_open_part_joins_its_open_channel(both_group):
    _, [welcome] = run(ActionJoinGroup(), tracker(slots={"group_slug": "over-50s", "group_part": "open",
                                                        "group_is_closed": False}))
    assert welcome["text"].startswith(f"Welcome to *{NAME}*! I'll add you to #over-50s in Slack.")
    with both_group:
        [membership] = both_group.session.query(Membership).filter_by(slack_user_id="U0TESTER01").all()
        assert membership.closed_part is False


def test_not_meeting_the_closed_space_criteria_offers_the_open_channel(both_group):
    _, [reply] = run(ActionJoinGroup(), tracker(slots={"group_slug": "over-50s", "group_part": "closed",
                                                      "group_is_closed": True, "criteria_confirmed": False}))
    assert "The closed space of Over 50s Network is for people who meet its criteria" in reply["text"]
    assert reply["buttons"] == [{"title": "Join its open channel",
                                 "payload": "/join_group" + json.dumps({"group": NAME, "group_part": "open"})}]


def test_a_group_the_model_did_not_tag_is_found_in_the_message_that_starts_the_form(both_group):
    result = join("can I join the Over 50s Network?", requested_slot=None)
    assert result["group"] == NAME and result["group_slug"] == "over-50s" and result["requested_slot"] == "group_part"
    assert join("I want to join a group", requested_slot=None).get("group") is None


def test_a_group_the_model_only_half_tagged_is_found_from_the_whole_message(configured_database):
    """Typed "#climate-action", the model may tag only "action": the form reads the whole message."""
    from actions.join_group import ValidateJoinGroupForm
    from tests.action_runner import run, slots_set, tracker

    events, _ = run(ValidateJoinGroupForm(), tracker(
        "can you add me to #climate-action?", intent="join_group", form="join_group_form",
        entities=[{"entity": "group", "value": "action"}], just_set={"group": "action"},
        slots={"requested_slot": "group"}))
    assert slots_set(events)["group"] == "Climate Action"
