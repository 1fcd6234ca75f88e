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


def test_asking_whether_one_may_start_a_group_is_answered_and_the_proposal_starts(configured_database):
    from actions.start_journey import ActionStartJourney
    asked = make_tracker("A few of us want a menopause group. Is that something I can just start? Do I need permission?",
                         intent="start_group")
    import asyncio

    from rasa_sdk.executor import CollectingDispatcher

    from tests.action_runner import DOMAIN_DICT
    dispatcher = CollectingDispatcher()
    events = asyncio.run(ActionStartJourney().run(dispatcher, asked, DOMAIN_DICT))
    # How it works, then the proposal at once (the rule goes on to the form: nothing stops it here).
    assert [m["response"] for m in dispatcher.messages] == ["utter_faq/how_to_start_group", "utter_start_group_intro"]
    assert not any(e.get("name") == "action_listen" for e in events)
    then = make_tracker("Yes let's do it! Name: Menopause Matters", intent="affirm")
    then.events = [{"event": "user", "text": "Is that something I can just start?", "parse_data": {"intent": {"name": "start_group"}}},
                   {"event": "bot", "text": "…", "metadata": {"utter_action": "utter_faq/how_to_start_group"}},
                   {"event": "user", "text": "Yes let's do it! Name: Menopause Matters", "parse_data": {"intent": {"name": "affirm"}}}]
    # Asked as an FAQ outside a form: the answer with a button, and a yes starts it.
    events, messages = run(ActionFollowUpFaq(), then)
    assert any(e.get("event") == "followup" and e.get("name") == "start_group_form" for e in events)
    assert "let's get your group started" in texts(messages)


def test_asking_to_start_a_group_with_no_question_starts_it():
    from bot.nlu import reader
    assert not reader.asks_if_allowed("I want to start a new group") and not reader.asks_if_allowed("can I start a running club?")
    assert reader.asks_if_allowed("how do I start a group?") and reader.asks_if_allowed("do we need approval to set one up?")


def test_a_budget_question_about_what_the_policy_does_not_list_is_never_the_nearest_kind(configured_database):
    import asyncio

    from rasa_sdk.executor import CollectingDispatcher

    from actions.start_journey import ActionAnswerFaq
    from tests.action_runner import DOMAIN_DICT
    asked = make_tracker("would co pay for bsl interpreter for DCIN mtg? one of our ppl is deaf", intent="faq")
    asked.latest_message["response_selector"] = {"faq": {"response": {"intent_response_key": "faq/speaker_budget"}}}
    dispatcher = CollectingDispatcher()
    asyncio.run(ActionAnswerFaq().run(dispatcher, asked, DOMAIN_DICT))
    said = [m["response"] for m in dispatcher.messages]
    assert "utter_not_listed_support" in said and "utter_faq/speaker_budget" not in said


def answer_faq(text: str, key: str, **slots) -> list[str]:
    import asyncio

    from rasa_sdk.executor import CollectingDispatcher

    from actions.start_journey import ActionAnswerFaq
    from tests.action_runner import DOMAIN_DICT
    asked = make_tracker(text, intent="faq", slots=slots)
    asked.latest_message["response_selector"] = {"faq": {"response": {"intent_response_key": key}}}
    dispatcher = CollectingDispatcher()
    asyncio.run(ActionAnswerFaq().run(dispatcher, asked, DOMAIN_DICT))
    return [m["response"] for m in dispatcher.messages]


def test_who_approves_a_named_kind_of_support_is_answered_then_the_request_offered(configured_database):
    said = answer_faq("hypothetically, if a group wanted money for a social, who approves it?", "faq/support_routing")
    assert said == ["utter_faq/support_routing", "utter_offer_support_request"]
    assert answer_faq("who decides on these requests?", "faq/support_routing") == ["utter_faq/support_routing"]


def test_whether_anyone_sees_a_lookup_with_a_group_shown_says_who_an_invite_would_reach(configured_database):
    said = answer_faq("would people be able to see that i asked? i'm not out at work", "faq/lookup_not_shared",
                      last_group="LGBTQ+ Network")
    assert said == ["utter_faq/lookup_not_shared", "utter_who_sees_invite_request"]
