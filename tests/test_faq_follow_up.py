"""A yes after an answer about the policy (actions/faq.py): with real trackers and the real database."""
from __future__ import annotations

from actions.faq import ActionFollowUpFaq
from tests.action_runner import run, slots_set, texts
from tests.action_runner import tracker as make_tracker


def after_faq(key: str, text: str, **slots):
    the_tracker = make_tracker(text, intent="affirm", slots=slots)
    the_tracker.events = [
        {"event": "user", "text": "do I have to prove anything?",
         "parse_data": {"intent": {"name": "faq"}, "response_selector": {"faq": {"response": {"intent_response_key": key}}}}},
        {"event": "bot", "text": "…", "metadata": {"utter_action": f"utter_{key}"}},
        {"event": "user", "text": text, "parse_data": {"intent": {"name": "affirm"}}},
    ]
    return the_tracker


def test_yes_after_the_criteria_answer_joins_the_group_in_focus(configured_database):
    events, messages = run(ActionFollowUpFaq(), after_faq("faq/closed_group_criteria", "yes that's me I guess. go on then",
                                                          last_group="LGBTQ+ Network"))
    assert slots_set(events)["group"] == "LGBTQ+ Network"
    assert any(e.get("event") == "followup" and e.get("name") == "join_group_form" for e in events)
    assert texts(messages) == ""


def test_yes_after_the_criteria_answer_with_no_group_in_focus_joins_nothing(configured_database):
    events, messages = run(ActionFollowUpFaq(), after_faq("faq/closed_group_criteria", "yes"))
    assert not any(e.get("name") == "join_group_form" for e in events)
    assert "anything else" in texts(messages).lower()
