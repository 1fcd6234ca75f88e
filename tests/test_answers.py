"""How a message to a form's question is read (actions/answers.py): yes and no in people's own
words, cancelling, repeating, skipping, corrections that name a field, thanks."""
from __future__ import annotations

import pytest

from actions.answers import (UNSURE, asks_to_repeat, asks_to_skip, correction, has_switch_cue, is_just_thanks,
                             is_just_yes, rest_after_yes_or_no, wants_to_stop, yes_or_no)


@pytest.mark.parametrize("text", [
    "yes", "Yep!", "yeah that's me", "yes, that describes me", "sure, fire away", "sounds good, submit it",
    "go for it", "👍", ":+1:", "ok", "absolutely", "no problem, go ahead", "Correct", "looks right, send it",
    "/affirm", "yes please", "y",
])
def test_affirming_replies_in_many_shapes_are_yes(text):
    assert yes_or_no(text) is True


@pytest.mark.parametrize("text", [
    "no", "nah", "Nope.", "no, she hasn't agreed yet", "not yet, I'll check with him first", "not right now",
    "let's not", "👎", "I'd rather not", "they haven't", "/deny", "n",
])
def test_denying_replies_in_many_shapes_are_no(text):
    assert yes_or_no(text) is False


@pytest.mark.parametrize("text", ["not sure", "maybe", "hmm, I don't know", "kind of"])
def test_unsure_replies_are_neither(text):
    assert yes_or_no(text) == UNSURE


def test_a_short_reply_the_words_dont_settle_goes_by_a_confident_model_only():
    assert yes_or_no("I reckon so") is None
    assert yes_or_no("I reckon so", "affirm", 0.9) is True
    assert yes_or_no("not for me", "deny", 0.8) is False
    assert yes_or_no("I reckon so", "affirm", 0.4) is None
    # A long message is never read as yes by the model alone.
    assert yes_or_no("we meet every other thursday in the big room downstairs", "affirm", 0.9) is None


def test_what_follows_a_yes_after_and_answers_the_next_question():
    assert rest_after_yes_or_no("yes — and please tell them I'm new") == "please tell them I'm new"
    assert rest_after_yes_or_no("Yes, also I'd love to help organise") == "I'd love to help organise"
    assert rest_after_yes_or_no("yes, that describes me — and please tell them I'm new") == "please tell them I'm new"
    assert rest_after_yes_or_no("yes") is None
    assert rest_after_yes_or_no("yes that's me") is None  # no connective: nothing more meant
    assert rest_after_yes_or_no("cool. and yes, that describes me") is None  # the answer itself, not more


def test_a_bare_yes_is_told_from_a_note():
    assert is_just_yes("yes!") and is_just_yes("ok")
    assert not is_just_yes("yes, I'm new here and excited")


@pytest.mark.parametrize("text", [
    "stop", "cancel", "hmm, let's leave it for today", "scrap that", "forget the whole thing", "never mind",
    "I've changed my mind about reporting this, delete what I wrote", "no, forget it", "actually, cancel this please",
    "ugh I don't know the cost yet, let's leave it for now", "nah, drop the whole request, i'll sort it myself",
])
def test_cancelling_in_ordinary_words_is_a_stop(text):
    assert wants_to_stop(text) == "yes"


@pytest.mark.parametrize("text", [
    "I want this to stop, he keeps messaging me", "Thursdays at 6pm", "the group should stop meeting on fridays and "
    "start again in may", "yes", "a group for runners who want to leave work on time",
    "a monthly walk, then we stop for lunch", "cancel the room booking if it rains", "we'd like a room, cancel culture is the theme of the talk",
])
def test_answers_that_mention_stopping_are_not_a_stop(text):
    assert wants_to_stop(text) is None


def test_second_thoughts_are_asked_about_not_taken_as_a_stop():
    assert wants_to_stop("hmm, not sure about this") == "maybe"
    assert wants_to_stop("having second thoughts") == "maybe"
    assert wants_to_stop("can we pause", "stop", 0.8) == "maybe"


@pytest.mark.parametrize("text", ["sorry, what was the question?", "can you repeat that?", "what were the options?",
                                  "say that again", "what?", "come again?", "hang on, what are you asking me?",
                                  "sorry, which were the choices again?", "lost track, what was it you asked?"])
def test_asking_for_the_question_again(text):
    assert asks_to_repeat(text)


def test_a_question_of_ones_own_is_not_a_repeat():
    assert not asks_to_repeat("what time do they meet?")
    assert not asks_to_repeat("what was the name of the group for parents, the one that meets on fridays")


@pytest.mark.parametrize("text", ["skip", "skip that one for now", "next question", "I'd rather not say", "pass"])
def test_skipping(text):
    assert asks_to_skip(text)


def test_a_message_that_starts_like_a_skip_but_says_more_is_not_one():
    assert not asks_to_skip("I would like to pass on a message to the organisers")


FIELDS = {"support_when": ("date", "when", "time"), "support_amount": ("amount", "cost", "money"),
          "invite_note": ("note", "message"), "new_group_name": ("name", "called")}


@pytest.mark.parametrize("text, expected", [
    ("the date's wrong, it's the 14th", ("support_when", "the 14th")),
    ("make the amount £450 instead", ("support_amount", "£450")),
    ("change the note to I am new here", ("invite_note", "I am new here")),
    ("actually the name should be Runners Club", ("new_group_name", "Runners Club")),
    ("sorry, the date should be 3 March please", ("support_when", "3 March")),
    ("change the date", ("support_when", None)),
    ("the amount is wrong", ("support_amount", None)),
])
def test_a_correction_names_the_field_and_maybe_its_new_value(text, expected):
    assert correction(text, FIELDS) == expected


def test_an_answer_that_mentions_a_field_is_not_a_correction():
    assert correction("we meet at the same time every week", FIELDS) is None
    # Where a free-text answer is expected, "change" in passing is not enough.
    assert correction("please book a room with a projector, the date may change", FIELDS, strict=True) is None
    assert correction("the date's wrong, it's the 14th", FIELDS, strict=True) == ("support_when", "the 14th")
    assert correction("/affirm", FIELDS) is None


def test_thanks_alone_is_told_from_an_answer_with_thanks_in_it():
    assert is_just_thanks("thanks") and is_just_thanks("thanks, you're very helpful") and is_just_thanks("cheers!")
    assert not is_just_thanks("Hi & thanks") and not is_just_thanks("thanks, my note is hello")


def test_switch_cues():
    assert has_switch_cue("actually, can I just join Climate Action instead?")
    assert not has_switch_cue("Climate Action")
