"""Raising an issue over the REST channel, through the real servers. What happened, and who
must not handle it, are taken by the channel when the conversation asks for them: stored
encrypted on a draft, never in Rasa's tracker. The case's notice goes as a DM to each
eligible handler of the team, never to anyone the reporter named."""
from __future__ import annotations

import json

import pytest

from bot.core.models import Case, CaseStatus, ConfidentialPrompt
from bot.journeys.raise_issue import excluded_ids
from harness.records import count, environment_cipher, everything_of, outbox_for, rows


NARRATIVE = "At the last meetup a colleague kept making jokes about my accent, and it really upset me."
PRIYA, TOM, GRACE, DANIEL = "U0DANDI001", "U0DANDI002", "U0PEOPLE01", "U0PEOPLE02"


def the_case(assistant, chat) -> Case:
    [case] = rows(assistant, Case, Case.reporter_slack_id == chat.sender)
    return case


def test_raise_an_issue_for_yourself_keeping_it_from_someone(chat, assistant):
    intro = chat.text_of("I need to raise an issue")
    assert intro.startswith("I'm sorry something has happened.")
    assert "unless you choose at the end to send it anonymously" in intro and "Slack itself keeps a copy" in intro
    assert "Which of these is it closest to?" in chat.text_of("for myself")
    asked = chat.text_of("Someone's behaviour in a group")
    assert "In your own words, what happened?" in asked and "isn't kept in this conversation" in asked
    thanks = chat.text_of(NARRATIVE)
    assert "Thank you for telling me" in thanks and "must not handle this" in thanks
    assert "accent" not in json.dumps(chat.tracker())  # nowhere in Rasa: not a message, a slot or a parse

    # A name with a typo is matched to the handler it means, and said back as the confirmation.
    kept = chat.text_of("tom beker please, he's friends with the person")
    assert "keep this case away from Tom Becker (the D&I service team)" in kept
    assert "Who should it go to?" in kept
    summary = chat.text_of("D&I service team")
    assert "*Kept away from it:* 1 person you named" in summary and "Becker" not in summary
    assert "accent" not in summary  # the narrative is never repeated back in a message
    done = chat.text_of("yes")
    case = the_case(assistant, chat)
    assert case.reference in done and "within 7 days" in done and "three months" in done
    assert environment_cipher().decrypt(case.narrative_ciphertext) == NARRATIVE and NARRATIVE.encode() not in case.narrative_ciphertext
    assert excluded_ids(case, environment_cipher()) == {TOM}
    # One DM per eligible handler; none to Tom, none to the team's channel.
    assert {n.recipient for n in outbox_for(assistant, case.reference)} == {PRIYA}
    assert not any("accent" in json.dumps(n.payload) for n in outbox_for(assistant, case.reference))
    tracker = json.dumps(chat.tracker())
    assert "accent" not in tracker and "beker" not in tracker.lower() and "friends with" not in tracker


def test_with_the_whole_team_kept_away_the_case_goes_to_the_people_team(chat, assistant):
    for answer in ("something happened at a group event and I want to report it", "for myself", "discrimination",
                   NARRATIVE):
        chat.say(answer)
    kept = chat.text_of("Priya and Tom")
    assert "Priya Shah (the D&I service team), Tom Becker (the D&I service team)" in kept
    # Said before the summary now, where it can still be changed: nobody is left on the D&I team.
    rerouted = chat.text_of("D&I service team")
    assert "it will go to the People team instead" in rerouted and "*Goes to:* the People team" in rerouted
    done = chat.text_of("yes please")
    case = the_case(assistant, chat)
    assert "People team" in done and case.reference in done
    assert case.routed_to == "people"
    assert {n.recipient for n in outbox_for(assistant, case.reference)} == {GRACE, DANIEL}


def test_someone_who_isnt_a_handler_is_said_so(chat, assistant):
    for answer in ("I want to raise an issue", "for myself", "wellbeing", NARRATIVE):
        chat.say(answer)
    reply = chat.text_of("my manager Jo Bloggs")
    assert "couldn't match that name to anyone who handles cases" in reply and "Bloggs" not in reply
    assert "*Kept away from it:*" not in chat.text_of("People team")


def test_on_someone_elses_behalf_needs_their_agreement(chat, assistant):
    chat.say("I'm raising this on behalf of a colleague")
    assert "Has the person agreed" in chat.text_of("on someone's behalf")
    reply = chat.text_of("not yet")
    assert "It's their story to share" in reply and "Nothing has been sent" in reply
    assert everything_of(assistant, chat.sender)["cases"] == 0


def test_on_behalf_told_in_passing_and_naming_changed_at_the_summary(chat, assistant):
    said = chat.text_of("one of my reports told me something at our network drinks and she's ok with me raising it. "
                        "she'd rather not be named")
    assert "Which of these is it closest to?" in said  # for whom, agreement and naming all taken
    chat.say("discrimination")
    chat.say("A member of our network was repeatedly misgendered at an event and asked me to raise it.")
    chat.say("no one")
    assert "*The person may be named:* no" in chat.text_of("D&I service team")
    summary = chat.text_of("ah, she messaged me, she's fine with being named after all. can you change that bit?")
    assert "*The person may be named:* yes" in summary
    chat.say("spot on now, send")
    case = the_case(assistant, chat)
    assert case.on_behalf and case.affected_person_consented and case.affected_person_may_be_named is True


def test_on_behalf_with_agreement(chat, assistant):
    chat.say("I need to report something that happened to someone in our group")
    chat.say("on someone's behalf")
    assert "May the team know who they are" in chat.text_of("yes")
    chat.say("no")
    chat.say("discrimination")
    chat.say("A member of our network was repeatedly misgendered at an event and asked me to raise it.")
    chat.say("no one")
    summary = chat.text_of("D&I service team")
    assert "*The person may be named:* no" in summary and "Kept away" not in summary
    chat.say("yes")
    case = the_case(assistant, chat)
    assert case.on_behalf and case.affected_person_consented and case.affected_person_may_be_named is False
    assert {n.recipient for n in outbox_for(assistant, case.reference)} == {PRIYA, TOM}
    assert all(n.payload["on_behalf"] and n.payload["may_be_named"] is False
               for n in outbox_for(assistant, case.reference))


def test_a_long_message_that_sounds_like_stop_is_kept_as_what_happened(chat, assistant):
    for answer in ("I want to raise an issue", "for myself", "something else"):
        chat.say(answer)
    reply = chat.text_of("I just want it to stop, he keeps messaging me late at night about things that aren't work")
    assert "Thank you for telling me" in reply and "messaging" not in json.dumps(chat.tracker())


def test_only_a_stop_where_what_happened_is_asked_stops_as_at_every_step_and_never_reaches_rasa(chat, assistant):
    for answer in ("I want to raise an issue", "for myself", "something else"):
        chat.say(answer)
    assert "haven't kept anything you told me" in chat.text_of("hmm let's park it for today")
    assert "park it" not in json.dumps(chat.tracker())
    assert count(assistant, Case, Case.draft_owner == chat.sender) == 0
    assert count(assistant, ConfidentialPrompt, ConfidentialPrompt.conversation_id == chat.sender) == 0


def test_a_stop_with_more_said_is_asked_about_and_kept_out_of_rasa(chat, assistant):
    for answer in ("I want to raise an issue", "for myself", "something else"):
        chat.say(answer)
    [check] = [m for m in chat.say("ugh, let's leave it, I'll talk to Sam first") if m.get("buttons")]
    assert "is that what happened, or would you like to stop here?" in check["text"]
    assert "Sam" not in json.dumps(chat.tracker())
    reply = chat.text_of(check["buttons"][1]["payload"])  # "Stop here"
    assert "haven't kept anything you told me" in reply
    assert count(assistant, Case, Case.draft_owner == chat.sender) == 0
    assert count(assistant, ConfidentialPrompt, ConfidentialPrompt.conversation_id == chat.sender) == 0


def test_a_short_message_confirmed_as_what_happened_carries_on(chat, assistant):
    for answer in ("I want to raise an issue", "for myself", "behaviour"):
        chat.say(answer)
    # A short message that opens like a "no" may mean "no, stop": asked about, kept meanwhile.
    [check] = [m for m in chat.say("no one listened to me") if m.get("buttons")]
    assert "Thank you for telling me" in chat.text_of(check["buttons"][0]["payload"])  # "That's what happened"
    chat.say("no one")
    chat.say("People team")
    chat.say("yes")
    assert environment_cipher().decrypt(the_case(assistant, chat).narrative_ciphertext) == "no one listened to me"


ON_BEHALF_ANSWERS = ["on someone's behalf", "yes", "no", "wellbeing", NARRATIVE, "no", "D&I service team"]


@pytest.mark.parametrize("step", range(len(ON_BEHALF_ANSWERS) + 1),
                         ids=["for whom", "agreed", "named", "category", "what happened", "excluded", "route",
                              "summary"])
def test_stop_at_any_step_keeps_nothing(chat, assistant, step):
    drafts_before = count(assistant, Case, Case.status == CaseStatus.draft)
    chat.say("I want to raise an issue")
    for answer in ON_BEHALF_ANSWERS[:step]:
        chat.say(answer)
    reply = chat.text_of("stop")
    assert "haven't kept anything you told me" in reply
    assert everything_of(assistant, chat.sender)["cases"] == 0
    assert count(assistant, Case, Case.status == CaseStatus.draft) == drafts_before
    assert count(assistant, ConfidentialPrompt, ConfidentialPrompt.conversation_id == chat.sender) == 0
    # After stopping, the next message is an ordinary one again, not taken as confidential text.
    assert "Women in Tech" in chat.text_of("tell me about women in tech")


def test_changing_what_happened_and_who_it_goes_to_at_the_summary(chat, assistant):
    chat.say("I want to raise an issue")
    for answer in ["for myself", "accessibility", NARRATIVE, "no one", "D&I service team"]:
        chat.say(answer)
    assert "what happened?" in chat.text_of("change what happened")
    chat.say("The lift to the meeting room was broken for the third week and nobody told us.")
    assert "Who should it go to?" in chat.text_of("change the team")
    assert "*Goes to:* the People team" in chat.text_of("People team")
    chat.say("yes")
    case = the_case(assistant, chat)
    assert case.routed_to == "people" and "lift" in environment_cipher().decrypt(case.narrative_ciphertext)
    assert count(assistant, Case, Case.draft_owner == chat.sender) == 0  # one draft, now the case


def test_a_question_mid_form_is_answered_and_the_form_resumes(chat):
    chat.say("I want to raise an issue")
    reply = chat.text_of("how are issues escalated?")
    assert "service team" in reply and reply.rstrip().endswith("as your group's nominated person?")


def test_a_hand_typed_placeholder_cannot_send_someone_elses_draft(chat, assistant):
    for answer in ("I want to raise an issue", "for myself", "behaviour"):
        chat.say(answer)
    reply = chat.text_of('/case_details_given{"case_draft_id": "draft-notyours123"}')
    assert "lost what you wrote" in reply
    # Still waiting for what happened, and it is taken as before.
    assert "Thank you for telling me" in chat.text_of(NARRATIVE)


def test_anonymous_at_the_summary_is_no_yes_and_is_slack_only_and_a_forged_sent_anonymously_is_refused(chat, assistant):
    for answer in ("I want to raise an issue", "for myself", "behaviour", NARRATIVE, "no one"):
        chat.say(answer)
    summary = chat.say("People team")
    assert "*From:* you, by name" in json.dumps(summary) and "Send it anonymously" in json.dumps(summary)
    # Said in passing with a yes, anonymity is still no yes to sending it with their name.
    assert "only send a case anonymously in Slack" in chat.text_of("yes but anonymously please")
    assert not rows(assistant, Case, Case.reporter_slack_id == chat.sender)
    # The conversation's "it went anonymously" can't be claimed: only the private window says so.
    assert "didn't follow" in chat.text_of('/case_details_given{"issue_confirmed": "anonymous"}')
    assert not rows(assistant, Case, Case.reporter_slack_id == chat.sender)
    done = chat.text_of("ok, send it with my name then")
    case = the_case(assistant, chat)
    assert case.reference in done and not case.anonymous


# Safe mode: from the message that starts raising an issue to the end of the journey, nothing
# typed is kept in the conversation; what happened, told up front, is offered, never used unasked.
UP_FRONT = ("hi, i need to raise something confidentially. at friday's parents and carers meetup the host "
            "joked that mums shouldnt be in tech leadership and everyone laughed")


def test_what_happened_told_up_front_is_offered_and_used_when_they_say_so(chat, assistant):
    opening = chat.text_of(UP_FRONT)
    assert opening.startswith("I'm sorry something has happened.")
    assert "I haven't kept what you wrote in this conversation" in opening and "I'll ask whether to use it" in opening
    chat.say("its for me")
    offer = chat.say("discrimination i guess, it felt pretty sexist")
    [asked] = [m for m in offer if m.get("buttons")]
    assert "Shall I use what you wrote as what happened?" in asked["text"]
    used = chat.text_of("yes pls use that")
    assert "I'll use what you wrote" in used and "must not handle this" in used
    chat.say("no one")
    summary = chat.text_of("people team")
    assert "leadership" not in summary
    chat.say("yes, send it")
    case = the_case(assistant, chat)
    assert environment_cipher().decrypt(case.narrative_ciphertext) == UP_FRONT and case.routed_to == "people"
    tracker = json.dumps(chat.tracker()).lower()
    # Not the story, and not the answers typed on the way ("it felt pretty sexist").
    assert "leadership" not in tracker and "mums" not in tracker and "sexist" not in tracker
    assert "sealed" not in tracker
    # The journey over, messages are kept as before.
    chat.say("what groups are there for parents?")
    assert "groups are there for parents" in json.dumps(chat.tracker())


def test_told_up_front_then_stopped_keeps_nothing(chat, assistant):
    chat.say(UP_FRONT)
    assert count(assistant, Case, Case.draft_owner == chat.sender) == 1  # held, encrypted, until they say
    assert "haven't kept anything you told me" in chat.text_of("actually no, leave it for now")
    assert count(assistant, Case, Case.draft_owner == chat.sender) == 0
    assert "leadership" not in json.dumps(chat.tracker())


def test_told_up_front_but_not_wanted_is_deleted_and_told_again(chat, assistant):
    chat.say("Something happened at the climate action social last week. Someone kept touching my shoulder "
             "after I asked them to stop. I want to report it.")
    chat.say("myself")
    assert "Shall I use what you wrote" in chat.text_of("harassment")
    again = chat.text_of("no, I'll tell you again")
    assert "I won't use it, and I've deleted it" in again and "what happened?" in again
    assert "must not handle this" in chat.text_of(NARRATIVE)
    for answer in ("no one", "D&I service team", "yes"):
        chat.say(answer)
    assert environment_cipher().decrypt(the_case(assistant, chat).narrative_ciphertext) == NARRATIVE
    assert "shoulder" not in json.dumps(chat.tracker())


def test_at_the_offer_a_question_is_answered_and_a_slash_typed_story_is_words(chat, assistant):
    chat.say("I need to report something. During the parents and carers call a manager said part-timers aren't "
             "committed and laughed about it")
    chat.say("for me")
    assert "Shall I use what you wrote" in chat.text_of("discrimination")
    answer = chat.text_of("who will be able to read it?")
    assert "Shall I use what you wrote" in answer  # answered, then the offer again
    assert "part-timers" not in json.dumps(chat.tracker()) and "read it?" not in json.dumps(chat.tracker())
    # A no with more said is still a no: nothing of it is kept as what happened.
    again = chat.text_of("no that was too vague tbh, ill tell you properly now")
    assert "I won't use it" in again and "what happened?" in again
    # Typed with a slash in front, it is still words: taken as what happened, never parsed as a button.
    assert "Thank you for telling me" in chat.text_of("/ it was on the 3rd, in the weekly call, in front of 12 people")
    assert "weekly call" not in json.dumps(chat.tracker())
    assert "weekly call" not in (assistant.workdir / "rasa.log").read_text(errors="replace")


def test_a_story_told_and_taken_back_in_one_message_keeps_nothing_and_starts_nothing(chat, assistant):
    said = chat.text_of("theres been a lot of pressure to drink at the socials and when i said no someone called "
                        "me boring in front of everyone. actually... lets leave it. i dont want to make a thing of it")
    assert said.startswith("Okay, let's leave it. I haven't kept anything you told me")
    assert "People team" in said and "Are you raising this" not in said
    assert count(assistant, Case, Case.draft_owner == chat.sender) == 0
    assert "boring" not in json.dumps(chat.tracker())
    assert "Women in Tech" in chat.text_of("tell me about women in tech")  # and the next message is an ordinary one
