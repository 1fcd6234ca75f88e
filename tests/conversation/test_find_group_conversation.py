"""Finding a group, and the basics around it, through the real Rasa server and action server."""
from __future__ import annotations




def test_topic_question_answers_with_parents_and_carers(chat):
    reply = chat.text_of("is there a group for parents?")
    assert reply.startswith("*Parents and Carers* (open group)")
    assert "Monthly virtual coffee" in reply


def test_by_name_closed_group_shows_criteria_and_who_to_ask(chat):
    reply = chat.text_of("tell me about Women in Tech")
    assert "*Women in Tech* (closed group)" in reply
    assert "identify as a woman" in reply and "Amara Okafor" in reply


def test_by_type_lists_closed_groups_only(chat):
    reply = chat.text_of("list the closed groups")
    assert "LGBTQ+ Network" in reply and "Ethnic Minorities Network" in reply
    assert "Climate Action" not in reply


def test_near_miss_then_choosing_the_suggestion(chat):
    [message] = chat.say("tell me about womn in tech")
    assert "Did you mean *Women in Tech*?" in message["text"]
    assert message["buttons"][0]["title"] == "Women in Tech"
    reply = chat.text_of(message["buttons"][0]["payload"])
    assert reply.startswith("*Women in Tech* (closed group)")


def test_greeting_thanks_and_help(chat):
    assert "community groups assistant" in chat.text_of("hello")
    assert "Find a group" in chat.text_of("what can you do?")
    assert "welcome" in chat.text_of("thanks!")


def test_faq_is_answered_by_the_response_selector(chat):
    parsed = chat.parse("what's the difference between open and closed groups?")
    assert parsed["intent"]["name"] == "faq"
    assert parsed["response_selector"]["faq"]["response"]["intent_response_key"] == "faq/group_types"
    assert "anyone can join" in chat.text_of("what's the difference between open and closed groups?")
