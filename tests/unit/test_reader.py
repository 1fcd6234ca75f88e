"""How a message to a form's question is read (bot/nlu/reader.py, its words in bot/nlu/cues.yml): yes and no in people's own
words, cancelling, repeating, skipping, corrections that name a field, thanks."""
from __future__ import annotations

import re

import pytest

from bot.nlu import reader
from bot.nlu.reader import (UNSURE, Meaning, all_about_the_assistant, asks_when, attests, for_someone_else, note_in,
                             raised_for, wants_to_start_a_group, is_only_a_stop, read, asks_to_repeat, asks_to_skip, correction, has_switch_cue, is_just_thanks,
                             is_just_yes, rest_after_yes_or_no, swapped_value, wants_to_stop, yes_or_no,
                             declines_to_add)


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
    "hold off for now, I need to check with the team", "let's park this one", "ok we'll carry on another day",
    "please don't send it yet", "actually I don't want to go through with it", "hang fire a sec, wrong week",
])
def test_cancelling_in_ordinary_words_is_a_stop(text):
    assert wants_to_stop(text) == "yes"


@pytest.mark.parametrize("text", [
    "I want this to stop, he keeps messaging me", "Thursdays at 6pm", "the group should stop meeting on fridays and "
    "start again in may", "yes", "a group for runners who want to leave work on time",
    "a monthly walk, then we stop for lunch", "cancel the room booking if it rains", "we'd like a room, cancel culture is the theme of the talk",
    "a park day out for the kids", "he told me to hold off on complaining",
])
def test_answers_that_mention_stopping_are_not_a_stop(text):
    assert wants_to_stop(text) is None


def test_second_thoughts_are_asked_about_not_taken_as_a_stop():
    assert wants_to_stop("hmm, not sure about this") == "maybe"
    assert wants_to_stop("having second thoughts") == "maybe"
    assert wants_to_stop("can we pause", "stop", 0.8) == "maybe"


@pytest.mark.parametrize("text", ["sorry, what was the question?", "can you repeat that?", "what were the options?",
                                  "say that again", "what?", "come again?", "hang on, what are you asking me?",
                                  "sorry, which were the choices again?", "lost track, what was it you asked?",
                                  "sorry, which question was that one?", "I don't understand, could you ask again?",
                                  "apologies, not sure what you're after with this bit, what do you mean exactly?",
                                  "could you show me the choices again please, I lost them", "once more please",
                                  "hm, ask that once more?"])
def test_asking_for_the_question_again(text):
    assert asks_to_repeat(text)


def test_a_question_of_ones_own_is_not_a_repeat():
    assert not asks_to_repeat("what time do they meet?")
    assert not asks_to_repeat("what was the name of the group for parents, the one that meets on fridays")
    assert not asks_to_repeat("we meet once more each month") and not asks_to_repeat("people who don't understand tech")


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


@pytest.mark.parametrize("text, expected", [
    ("the 21st not the 14th", ("the 21st", "14th")),
    ("it's Coffee Roulette, not Coffee Club", ("Coffee Roulette", "Coffee Club")),
    ("£450 rather than £400", ("£450", "£400")),
    ("not a social actually, it's a speaker thing", ("speaker thing", "social")),
    ("oops, thursday not tuesday", ("thursday", "tuesday")),
    ("I want this to stop, he keeps messaging me", None),
    ("not sure", None),
    ("nope, not now", None),
    ("/affirm", None),
])
def test_a_new_value_in_place_of_an_old_one_is_read_without_a_field_named(text, expected):
    assert swapped_value(text) == expected


@pytest.mark.parametrize("text, declined", [
    ("no need for a note", True), ("I'd rather not add a message, thanks", True), ("nothing to say to them really", True),
    ("nope, nothing more to add", True), ("no, but tell them I'm new here", False),
    ("please say nothing about my note", False), ("I'm new and would love to help", False),
])
def test_an_optional_note_declined_in_words(text, declined):
    assert declines_to_add(text) is declined


def test_an_ok_that_acknowledges_before_a_no_is_a_no():
    assert yes_or_no("ok. no, she hasn't agreed to it yet") is False
    assert yes_or_no("right, nope") is False
    assert yes_or_no("okay, no problem") is True and yes_or_no("ok") is True
    assert yes_or_no("oh good. yes, that's me") is True


def test_a_question_put_back_may_come_first_with_a_reason_after():
    from bot.nlu.reader import is_a_question_back
    assert is_a_question_back("hold on, which groups meet in Leeds? we're based there")
    assert is_a_question_back("before that - can we get a budget for snacks?")
    assert not is_a_question_back("we meet on fridays. is that ok?")  # an answer with a question after
    assert not is_a_question_back("fortnightly on Teams")


def test_a_new_value_in_place_of_an_old_one_may_follow_an_apology():
    assert swapped_value("sorry, typed the wrong month, it's june not july") == ("june", "july")


@pytest.mark.parametrize("text", ["that's fine, thank you", "that works for me", "that's perfect, send it"])
def test_agreeing_with_what_was_shown_is_yes(text):
    assert yes_or_no(text) is True


def test_asking_for_more_in_a_field_names_it_for_a_change():
    fields = {"new_group_purpose": ("purpose", "what it's for"), "new_group_name": ("name",)}
    assert correction("could the purpose also mention carers?", fields) == ("new_group_purpose", None)
    assert correction("please add me to the ethnic minorities network", {"group": ("group", "network")}) is None


# ---------------------------------------------------------------- the cues and the NLU agree

from harness.records import nlu_examples  # noqa: E402


@pytest.mark.parametrize("intent, example", [(i, e) for i, e in nlu_examples() if i == "stop"])
def test_every_stop_the_model_learns_is_a_stop_to_the_reader(intent, example):
    assert wants_to_stop(example) == "yes"


# A goodbye mid-form ends the form ("I'll leave it there, bye"): that one disagreement is meant.
@pytest.mark.parametrize("intent, example", [(i, e) for i, e in nlu_examples() if i not in ("stop", "goodbye")])
def test_nothing_the_model_learns_as_something_else_is_a_stop_to_the_reader(intent, example):
    # Told the intent the model gives it, as the forms are: "scrap that, join me to … instead".
    assert wants_to_stop(example, intent, 1.0) != "yes"


@pytest.mark.parametrize("text", ["let's park it", "hold off", "sorry, something's just come up - can we leave this for today?",
                                  "actually let me check with Jamie first, stop for now",
                                  "actually hold on, cancel that. i'll message priya directly"])
def test_a_stop_anywhere_in_ordinary_words(text):
    assert wants_to_stop(text) == "yes"
    assert read(text).meaning is Meaning.STOP


def test_only_a_stop_is_told_from_a_stop_with_more_said():
    assert is_only_a_stop("let's park it") and is_only_a_stop("hold off for now, thanks") and is_only_a_stop("/stop")
    assert not is_only_a_stop("he told me to quit") and not is_only_a_stop("stop it, he said, every single day")
    assert not is_only_a_stop("I want this to stop")


@pytest.mark.parametrize("text, meaning", [
    ("yep that's me", Meaning.YES), ("nah", Meaning.NO), ("not sure tbh", Meaning.UNSURE),
    ("hmm, having second thoughts", Meaning.MAYBE_STOP), ("sorry what was the question?", Meaning.REPEAT),
    ("skip that one", Meaning.SKIP), ("wait, who will see this?", Meaning.QUESTION),
    ("Thursdays at 6pm in the big room", Meaning.ANSWER),
])
def test_one_reading_of_a_reply(text, meaning):
    assert read(text, yes_no=True).meaning is meaning


def test_a_correction_is_read_with_the_field_it_names():
    reading = read("the date's wrong, it's the 14th", fields=FIELDS)
    assert reading.meaning is Meaning.CORRECTION and reading.correction == ("support_when", "the 14th")


def test_the_cues_file_is_the_only_phrase_list():
    """No module outside the reader keeps its own words for stopping, yes/no, skipping or asking again."""
    from pathlib import Path
    root = Path(__file__).resolve().parents[2]
    words = ("never ?mind", "changed my mind", "carry on", "leave it", "real person")
    patterns = lambda path: " ".join(re.findall(r'\br"[^"]*"', path.read_text()))  # noqa: E731 (regexes are raw strings)
    offenders = [f"{path.relative_to(root)}: {w}" for folder in ("actions", "bot") for path in (root / folder).rglob("*.py")
                 if path.name != "reader.py" for w in words if w in patterns(path)]
    assert offenders == []


# ---------------------------------------------------------------- what new people wrote (issue 18, second round)
# Kinds of reply the dev-g conversations showed, each in other words than theirs.

@pytest.mark.parametrize("text", ["my cat walked on the keyboard, what did u ask?", "can you ask that again pls",
                                  "sorry can u say it again"])
def test_asking_for_the_question_again_in_other_words(text):
    assert asks_to_repeat(text)


@pytest.mark.parametrize("text, topics", [
    ("u a bot or a human?", ["being_a_bot"]),
    ("human or bot?", ["being_a_bot"]),
    ("ok and this stays confidential right?", ["who_sees"]),
    ("would the marketing team then know who asked?", ["who_sees"]),
    ("who approves this?", ["what_next"]),
    ("bot or human? and who reads this", ["being_a_bot", "who_sees"]),
])
def test_questions_about_the_assistant_in_other_words(text, topics):
    assert all_about_the_assistant(text) == topics


@pytest.mark.parametrize("text", ["hmm i'll run it past my manager first", "maybe later", "ok thanks. maybe later"])
def test_putting_it_off_is_asked_about(text):
    assert wants_to_stop(text) == "maybe"


def test_we_stop_now_is_a_stop_and_a_filler_before_no_is_a_no():
    assert wants_to_stop("ok we stop now, I come back to it tomorrow") == "yes"
    assert yes_or_no("mm nope") is False and yes_or_no("mmm no nothing") is False


@pytest.mark.parametrize("text, found", [
    ("a colleague of mine, one of my reports actually, told me about it and she's fine with me raising it",
     {"issue_for": "behalf", "issue_consent": True}),
    ("he said yes. would rather not give his name though", {"issue_for": "behalf", "issue_consent": True,
                                                             "issue_may_name": False}),
    ("it's for me", {"issue_for": "myself"}),
    ("something happened at the offsite", {}),
])
def test_for_whom_an_issue_is_raised_said_in_passing(text, found):
    assert raised_for(text) == found


@pytest.mark.parametrize("text, wanted", [
    ("thinking of setting up a club for board gamers", True),
    ("new closed group please: 'Single Parents' — for anyone raising kids alone", True),
    ("fine, let's call it Lunch Walkers", True),
    ("is there a group for gamers? if not i'd start one", False),
    ("how do i start a group?", False),
    ("which groups can I join", False),
])
def test_asking_to_start_a_group_whatever_the_model_made_of_it(text, wanted):
    assert wants_to_start_a_group(text) is wanted


@pytest.mark.parametrize("text, wanted", [
    ("can you add my partner too? she works here", True), ("my flatmate works here, can she join as well?", True),
    ("my manager suggested I join", False), ("can I join climate action", False),
    ("can you just add him? he's @Dev Patel", True), ("pls add <@U04DEV0001> to WiT", True),
    ("add me pls", False), ("add me to them both", False),
])
def test_asking_to_join_someone_else_up(text, wanted):
    assert for_someone_else(text) is wanted


def test_criteria_and_a_note_given_with_the_request():
    text = "LGBTQ+ invite please, I identify as bi. note to the organisers: I'm new in the Glasgow office"
    assert attests(text) and note_in(text) == "I'm new in the Glasgow office"
    assert not attests("what are the criteria?") and note_in("no note") is None


def test_asking_when():
    assert asks_when("when's the next one") and asks_when("what day is it on?") and not asks_when("who runs it")


@pytest.mark.parametrize("text, wanted", [
    ("sick, add me", True), ("go on then, sign me up", True),
    ("WiT invite pls. yes i identify as a woman. note for the organisers: 'moved over from the Leeds office'", True),
    ("i joined last year and my manager keeps saying i should get involved in things and maybe you could add me", False),
    ("who runs it?", False),
])
def test_asking_to_be_added_in_a_short_sentence_of_its_own(text, wanted):
    assert reader.wants_in(text) is wanted


@pytest.mark.parametrize("text, listing", [
    ("which groups are there?", True), ("any others?", True), ("is there anything about cycling?", True),
    ("do they do anything about cycling to work tho?", False), ("do they have a list of members?", False),
])
def test_a_question_about_the_one_shown_is_no_request_for_a_list(text, listing):
    assert reader.asks_for_a_list(text) is listing


@pytest.mark.parametrize("text, person", [
    ("wait are you a bot or a human?", False), ("r u a real person or a bot", False),
    ("is there a human reading this", False),
    ("are you a bot? can i talk to a human", True), ("can I talk to a real person", True),
])
def test_asking_what_the_assistant_is_is_no_request_for_a_person(text, person):
    assert reader.asks_for_person(text, plainly=True) is person
    assert person or reader.about_the_assistant(text) == "being_a_bot"


@pytest.mark.parametrize("text, joining, asking", [
    ("join the parents one", True, False), ("ok i wanna join climate action", True, True),
    ("can i join climate action?", False, False), ("help with a social please", False, True),
    ("any groups for socials please?", False, False), ("joining is easy", False, False),
])
def test_opening_with_joining_and_asking_for_something_rather_than_about_it(text, joining, asking):
    assert reader.asks_to_join(text) is joining and reader.asks_for_it(text) is asking


def test_whether_someone_may_be_named_says_on_whose_behalf_by_itself():
    assert raised_for("ah, she messaged me, she's fine with being named after all") == {"issue_may_name": True}
    assert raised_for("it's for me, you can name me") == {"issue_for": "myself"}


@pytest.mark.parametrize("text, starting", [
    ("can I get money to make a group booking for our pride social", False), ("I'd call it harassment", False),
    ("fine, let's call it Lunch Walkers", True), ("i want to make a group for hikers", True),
])
def test_starting_a_group_is_not_a_group_booking_or_calling_something_a_name(text, starting):
    assert wants_to_start_a_group(text) is starting


def test_what_he_wants_me_to_do_is_no_consent_and_a_hedged_answer_is_no_stop():
    assert raised_for("I want to raise an issue, my manager keeps saying he wants me to stay late") == {}
    assert raised_for("she asked me to, so yes") == {"issue_for": "behalf", "issue_consent": True}
    assert reader.wants_to_stop("not sure, maybe £200?", None, 0.0) is None
    assert reader.wants_to_stop("not sure, maybe", None, 0.0) == "maybe"


@pytest.mark.parametrize("text", ["thanks, i don't want to join just yet", "dont add me yet"])
def test_not_wanting_to_join_is_no_join(text):
    assert not reader.wants_in(text) and not reader.asks_to_join(text)


def test_being_really_helpful_is_no_question_about_being_a_bot():
    assert reader.about_the_assistant("thank you, you are really helpful") is None
    assert reader.about_the_assistant("you are a bot?") == "being_a_bot"


def test_a_yes_that_opens_with_actually_is_a_yes_not_a_switch():
    assert not reader.switch_said_with_yes("actually yes, looks good")
    assert reader.switch_said_with_yes("yes switch")


# Value grammar that is no way of saying something: months, weekdays, ordinals, am/pm, currency, "next/this/on" a weekday.
_VALUE_GRAMMAR = re.compile(r"jan\|feb\|mar[^)]*|mon\|tue[^)]*|st\|nd\|rd\|th|am\|pm|pounds\|quid\|gbp|next\|this\|on")
_WORD_LIST = re.compile(r"[a-z']{2,}(?:\s[a-z']+)*(?:\|[a-z'?]{2,}(?:\s[a-z'?]+)*){2,}")


def test_no_phrase_list_outside_the_reader():
    """Every list of words that says what a message means lives in bot/nlu/cues.yml, read through
    bot/nlu/reader.py: no regex elsewhere spells three or more words as alternatives."""
    from pathlib import Path
    root = Path(__file__).resolve().parents[2]
    offenders = []
    for folder in ("actions", "bot"):
        for path in sorted((root / folder).rglob("*.py")):
            if path.parent.name == "nlu":
                continue
            source = path.read_text()
            for found in re.finditer(r'\br[fb]?"((?:[^"\\]|\\.)*)"', source):
                if _WORD_LIST.search(_VALUE_GRAMMAR.sub("", found.group(1))):
                    offenders.append(f"{path.relative_to(root)}:{source[:found.start()].count(chr(10)) + 1}")
    assert offenders == []


def test_the_words_moved_into_the_cues_read_as_before():
    # A few readings that the start_group, find_group, request_support and raise_issue code relied on.
    assert reader.group_types_named("which ones are invite-only?") == ["closed"]
    assert reader.group_types_named("is it open to everyone or do you need an invite") == ["open", "closed"]
    assert reader.group_types_named("do I need an invite for an open group?", proposal=True) == ["open"]
    assert reader.only_me("just me for now") and reader.only_me("myself obvs")
    assert reader.only_me("is it ok if it's just me for now? i don't know anyone", anywhere=True)
    assert not reader.only_me("nah, drop the whole request, i'll sort it myself", anywhere=True)
    assert reader.not_for_a_group("it's not really for any group") and reader.not_for_a_group("company-wide")
    assert reader.changed_amount("actually make it 250") == "250" and reader.changed_amount("make it 25 people") is None
    assert reader.names_nobody_else("only myself at the moment") and not reader.names_nobody_else("Priya")
    assert reader.answers_for_myself("on my own behalf") and not reader.answers_for_myself("for a colleague")
    assert reader.without_words_before_a_name("and maybe Sam") == "maybe Sam"
    assert reader.choice_words("issue_route")["people"] == ("people", "hr")


@pytest.mark.parametrize("text", [
    "Hi – quick one. Nadia co-runs Parents and Carers and wants a summer picnic. Is there budget for that, and can I just request it for her?",
    "Two questions: is there budget for socials, and can we actually pay a speaker?",
    "I'd like budget for a social, is that possible?",
])
def test_a_question_in_any_clause_is_answered_first(text):
    assert reader.asks_whether_possible(text)


def test_asking_only_to_make_the_request_is_no_question_first():
    assert not reader.asks_whether_possible("Can I request budget for a social, please?")


@pytest.mark.parametrize("text, detail", [("when", "meeting"), ("where?", "meeting"), ("who?", "organisers"),
                                          ("whoever", None)])
def test_a_question_word_alone_asks_about_the_thing_in_focus(text, detail):
    assert reader.group_detail(text) == detail


@pytest.mark.parametrize("text", ["She has, we talked this morning. But she'd rather her name wasn't on it if possible",
                                  "ok, but without his name please"])
def test_not_to_be_named_in_other_words(text):
    assert reader.raised_for(text).get("issue_may_name") is False


def test_who_finds_out_asked_in_a_clause_without_a_question_mark():
    assert reader.asked_about_the_assistant("I'm thinking about the lgbt network. if I ask to join, who finds out") == "who_sees"
    assert reader.asked_about_the_assistant("I told him who sees it") is None


@pytest.mark.parametrize("text", ["add event", "yes add ours pls", "put it on the calendar"])
def test_taking_up_the_offer_to_add_an_event_in_its_own_words(text):
    assert reader.takes_up_an_offer(text)


def test_the_same_day_or_group_as_the_request_just_made():
    assert reader.same_as_last_request("and now the speaker one pls. Same day, £300 fee") == (True, True)
    assert reader.same_as_last_request("office for the same group") == (False, True)
    assert reader.same_as_last_request("14 march, £200") == (False, False)


# ---------------------------------------------------------------- the sentences a longer message is read by

@pytest.mark.parametrize("text, expected", [
    # The request behind the context given first.
    ("back from paternity leave monday 😅 my brain is mush. do we have anything for new parents? someone mentioned one",
     ["back from paternity leave monday 😅 my brain is mush.", "do we have anything for new parents? someone mentioned one"]),
    # A greeting or a short afterthought is read with the sentence beside it.
    ("Hello. I started here two weeks ago. Please add me to Faith and Belief.",
     ["Hello. I started here two weeks ago.", "Please add me to Faith and Belief."]),
    ("is there money for a diwali do?? 🪔 for faith and belief", []),
    # A sentence that opens with a preposition is still a sentence when it is long enough.
    ("I started here two weeks ago. In my last job we had a small faith group. Is there one here?",
     ["I started here two weeks ago.", "In my last job we had a small faith group.", "Is there one here?"]),
    ("join climate action pls", []),
    ("", []),
])
def test_a_longer_message_is_read_sentence_by_sentence(text, expected):
    assert reader.sentences_to_read(text) == expected


def test_a_list_of_names_splits_between_them_not_inside_one():
    assert [p.strip() for p in reader.names_listed("Priya and Tom, also Sam; Dev & Ana\nKim or Lee") if p.strip()] \
        == ["Priya", "Tom", "Sam", "Dev", "Ana", "Kim", "Lee"]
    assert reader.names_listed("Andrea Orlando") == ["Andrea Orlando"]  # "and", "or" inside a name split nothing
