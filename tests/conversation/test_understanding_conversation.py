"""Understanding people through the real servers: a thing in focus ("who runs it", "sign me
up"), a question answered before any form starts, the assistant explaining itself at any
step, and every answer a message gives taken at once. Several turns each, in people's own
words; the readings themselves are in tests/unit/test_reader.py."""
from __future__ import annotations

import pytest

from bot.core.models import Group, GroupProposal, InviteRequest, Membership, SupportRequest
from harness.records import everything_of, rows



def replies(chat, text: str) -> list[str]:
    """The responses the bot gave to `text`, by name (what each bot event says it uttered)."""
    return [name for name, _ in answer(chat, text)]


def answer(chat, text: str) -> list[tuple[str, str]]:
    """(response name, text) of each reply the bot gave to `text`."""
    before = len(chat.tracker()["events"])
    chat.say(text)
    return [((e.get("metadata") or {}).get("utter_action"), e.get("text") or "")
            for e in chat.tracker()["events"][before:] if e.get("event") == "bot"]


def slug_of(assistant, group_id: int) -> str:
    [group] = rows(assistant, Group, Group.id == group_id)
    return group.slug


def test_follow_ups_on_the_group_just_shown_then_joining_it_in_a_word(chat, assistant):
    assert "*Parents and Carers*" in chat.text_of("anything for new dads? 👶")
    runs = chat.text_of("who runs it")
    assert "Chris Morgan" in runs and "Nadia Hussain" in runs
    assert "Monthly virtual coffee" in chat.text_of("when do they meet?")
    assert "Welcome to *Parents and Carers*" in chat.text_of("sweet, sign me up")
    [membership] = rows(assistant, Membership, Membership.slack_user_id == chat.sender)
    assert slug_of(assistant, membership.group_id) == "parents-and-carers"


def test_a_list_puts_no_group_in_focus_but_the_second_one_does(chat, assistant):
    listed = chat.text_of("which groups are closed?")
    names = [line.split("*")[1] for line in listed.splitlines() if line.startswith("• *")]
    assert len(names) >= 2
    assert chat.text_of("the second one").startswith(f"*{names[1]}*")
    assert "is run by" in chat.text_of("who organises it?")


def test_a_question_about_money_is_answered_before_the_request_and_what_it_named_is_carried(chat, assistant):
    answered = replies(chat, "hiya is there any money for a diwali do? it'd be for faith and belief 🪔")
    assert answered[0] == "utter_faq/social_budget" and "utter_ask_support_when" not in answered
    summary = chat.text_of("omg yes pls. about £250, in the office, fri 29 oct")
    if "Anything else the team should know?" in summary:  # the one thing the message didn't give
        summary = chat.text_of("nope, that's everything")
    assert "Faith and Belief" in summary and "£250" in summary and "29 oct" in summary
    assert "reference" in chat.text_of("👍").lower()
    [request] = rows(assistant, SupportRequest, SupportRequest.requester_slack_id == chat.sender)
    assert (request.kind, request.amount_pence) == ("social_budget", 25000)


def test_support_the_policy_does_not_list_goes_to_the_service_team_never_the_nearest_kind(chat, assistant):
    answered = replies(chat, "would the company pay for BSL interpreters at our talk?")
    assert "utter_not_listed_support" in answered and "utter_faq/speaker_budget" not in answered
    assert "utter_ask_support_when" not in answered  # nothing starts before they say so
    chat.say("no thanks")
    assert everything_of(assistant, chat.sender)["support"] == 0


def test_the_assistant_explains_itself_mid_form_and_the_form_carries_on(chat, assistant):
    assert "bot" in chat.text_of("are you a real person or a bot?")
    assert "Does it describe you?" in chat.text_of("can i get an invite to WiT? 💜")
    who = chat.text_of("wait, who would actually see that I asked?")
    assert "Amara Okafor" in who and "Helen Carter" in who and "Does it describe you?" in who
    assert "note" in chat.text_of("yep that's me").lower()


def test_who_reads_a_case_is_answered_and_the_answer_in_the_same_message_is_kept(chat, assistant):
    said = replies(chat, "I need to raise an issue about my team lead")
    assert "utter_ask_issue_for" in said
    said = answer(chat, "for me. is this anonymous tho? who actually sees it")
    assert said[0][0] == "utter_who_reads_case" and "utter_ask_issue_category" in [name for name, _ in said]
    assert "Priya Shah" in said[0][1] and "Grace Mensah" in said[0][1]
    assert "unless you choose *Send it anonymously*" in said[0][1]
    assert "stopped" in chat.text_of("let's park it")
    assert everything_of(assistant, chat.sender)["cases"] == 0


def test_a_proposal_told_in_one_message_asks_only_what_is_missing(chat, assistant):
    said = replies(chat, "I'd like to start a new open group called Cycle Crew - it's for anyone who cycles to "
                         "work, we meet on Fridays at 8 by the bike racks")
    assert "utter_ask_new_group_organisers" in said
    assert not {"utter_ask_new_group_name", "utter_ask_new_group_type", "utter_ask_new_group_purpose",
                "utter_ask_new_group_meeting"} & set(said)
    chat.say("just me for now")
    chat.say("yes, we've read it")
    summary = chat.text_of("hmm, sorry, the name should be Cycle Club")
    assert "Cycle Club" in summary and "Fridays at 8" in summary
    assert "reference" in chat.text_of("looks right 👍").lower()
    [proposal] = rows(assistant, GroupProposal, GroupProposal.proposer_slack_id == chat.sender)
    assert (proposal.name, proposal.type.value) == ("Cycle Club", "open")


def test_a_request_told_in_one_message_goes_straight_to_its_summary(chat, assistant):
    said = replies(chat, "log a social request pls: WiT quarterly social, £150, 5 march")
    assert not {"utter_ask_support_kind", "utter_which_group_is_it_for", "utter_ask_support_when",
                "utter_ask_support_amount"} & set(said)
    if "utter_ask_support_details" in said:
        chat.say("nothing to add")
    assert "I've sent" in chat.text_of("yes") or everything_of(assistant, chat.sender)["support"] == 1
    [request] = rows(assistant, SupportRequest, SupportRequest.requester_slack_id == chat.sender)
    assert (request.kind, request.amount_pence, slug_of(assistant, request.group_id)) == (
        "social_budget", 15000, "women-in-tech")


@pytest.mark.parametrize("said", ["let's park it", "hold off"])
def test_a_stop_means_the_same_at_a_form_step_and_where_what_happened_is_asked(chat, assistant, said):
    chat.say("I'd like budget for a social")
    assert "I've stopped" in chat.text_of(said)
    for answer in ("I want to raise an issue", "for myself", "something else"):
        chat.say(answer)
    assert "haven't kept anything you told me" in chat.text_of(said)
    assert set(everything_of(assistant, chat.sender).values()) == {0}


def test_a_proposal_given_in_pieces_with_questions_between_is_put_together(chat, assistant):
    said = replies(chat, "hey, thinking of starting a coding club. is there one already?")
    assert "utter_ask_new_group_name" in said or "utter_ask_new_group_type" in said
    said = replies(chat, "call it \"Code Club\". open to anyone, does it matter much which one i pick?")
    assert "utter_ask_new_group_name" not in said and "utter_ask_new_group_type" not in said
    chat.say("learning to code together, total beginners welcome")
    chat.say("every other thursday lunchtime on google meet")
    said = replies(chat, "can it be just me? nobody else yet")
    assert "utter_organisers_need_mentions" not in said
    summary = chat.text_of("yes, read it and we comply")
    assert "Code Club" in summary and "thursday" in summary.lower() and "learning to code" in summary
    assert "reference" in chat.text_of("ok send it")
    [proposal] = rows(assistant, GroupProposal, GroupProposal.proposer_slack_id == chat.sender)
    assert (proposal.name, proposal.type.value) == ("Code Club", "open")


def test_the_amount_changed_after_the_summary_in_a_word_is_the_amount(chat, assistant):
    chat.say("I'd like budget for a social for Climate Action")
    chat.say("22 april")
    summary = chat.text_of("about 150 quid")
    if "£150" not in summary:  # the one optional question first
        summary = chat.text_of("nothing else")
    assert "£150" in summary
    assert "£180" in chat.text_of("make that £180 - forgot about gloves")
    chat.say("yep send")
    [request] = rows(assistant, SupportRequest, SupportRequest.requester_slack_id == chat.sender)
    assert request.amount_pence == 18000


def test_a_question_the_card_does_not_answer_says_so_and_who_would_know(chat, assistant):
    assert "*Climate Action*" in chat.text_of("climate action")
    said = answer(chat, "do they do anything about cycling to work tho?")
    assert said[0][0] == "utter_not_on_the_card" and "Climate Action" in said[0][1]
    assert "run by" in " ".join(text for _, text in said)
    assert everything_of(assistant, chat.sender)["memberships"] == 0


def test_asked_again_in_own_words_mid_form_and_a_second_thought_stops_it(chat, assistant):
    chat.say("can you request a speaker budget for me")
    first = replies(chat, "the LGBTQ+ network")
    again = replies(chat, "sorry what did u ask?")
    assert "utter_repeat_prefix" in again and set(first) & set(again) - {"utter_repeat_prefix"}
    second_thought = chat.text_of("actually let me check with Jamie first")
    if "stop here?" in second_thought:  # not sure it's a stop: it asks, and a yes stops
        second_thought = chat.text_of("yeah")
    assert "stopped" in second_thought.lower()
    assert set(everything_of(assistant, chat.sender).values()) == {0}


def test_a_bot_or_human_and_who_sees_a_support_request_mid_form(chat, assistant):
    chat.say("need money for an external speaker for WiT")
    said = answer(chat, "wait are you a bot or a human?")
    assert said[0][0] == "utter_i_am_a_bot" and len(said) >= 2  # and the question again
    said = answer(chat, "and who sees this request? will my manager find out?")
    assert said[0][0] == "utter_who_sees_support_request" and "isn't anonymous" in said[0][1]
    assert "utter_ask_support_when" in [name for name, _ in said] or len(said) >= 2


def test_an_observance_date_asked_mid_form_is_answered_and_the_form_resumes(chat, assistant):
    chat.say("I want to request support for an awareness event")
    said = answer(chat, "when is IWD this year?")
    assert said[0][0] == "utter_event_date" and "International Women's Day" in said[0][1]
    assert len(said) >= 2  # the form's question again
    stopping = chat.text_of("ok never mind, not today")
    if "stop here?" in stopping:  # not sure it's a stop: it asks, and a yes stops
        stopping = chat.text_of("yes")
    assert "stopped" in stopping.lower()
    assert everything_of(assistant, chat.sender)["support"] == 0


def test_stop_or_thanks_with_nothing_under_way(chat, assistant):
    chat.text_of("what open groups are there?")
    assert "haven't sent anything" in chat.text_of("stop")
    assert "welcome" in chat.text_of("cheers, thanks!").lower()


def test_two_questions_in_one_message_and_a_join_told_all_at_once(chat, assistant):
    said = replies(chat, "are you a bot? sorry. also whats the difference between open and closed groups")
    assert said[:2] == ["utter_i_am_a_bot", "utter_faq/group_types"]
    summary = chat.text_of("WiT invite pls. yes i identify as a woman. note for the organisers: "
                           "'moved over from the Leeds office, happy to help run the quarterly social'")
    assert "Here's your request" in summary and "Leeds office" in summary and "Amara Okafor" in summary
    assert "sent" in chat.text_of("👍").lower()
    [invite] = rows(assistant, InviteRequest, InviteRequest.requester_slack_id == chat.sender)
    assert slug_of(assistant, invite.group_id) == "women-in-tech"


def test_the_calendar_asked_for_in_other_words_even_when_groups_are_mentioned(chat, assistant):
    said = replies(chat, "heyyy 📆 doing the content plan for linkedin & want to make sure we shout about all the "
                         "awareness days our groups care about, what've we got in the diary for the next few months? 🙏")
    assert said and said[0] == "utter_upcoming_events"
    # How groups are run, not one group's organisers nor the list of groups.
    assert replies(chat, "ok. who actually runs these groups, is it HR?") == ["utter_faq/managing_group"]


def test_join_the_one_from_a_list_and_a_second_thought_after_answering_asks_first(chat, assistant):
    chat.text_of("and the open ones?")
    assert "Welcome to *Parents and Carers*" in chat.text_of("join the parents one")
    chat.say("help with a social please")
    chat.say("Climate Action")  # the group, answered to its question
    said = replies(chat, "actually can I just join the faith and belief group instead?")
    assert "utter_confirm_switch" in said  # an answer would be lost: asked first
    assert "Welcome to *Faith and Belief*" in chat.text_of("yes")
    assert everything_of(assistant, chat.sender)["support"] == 0


def test_a_proposal_with_an_organiser_typed_after_an_at_is_sent_with_their_name(chat, assistant):
    # Slack didn't resolve "@Marcus Lee" (or there is no Slack): kept by name, asked for once, never again.
    said = replies(chat, "start an open grp called Cycle Crew, for anyone who cycles to work or weekends, we meet fridays")
    assert "utter_ask_new_group_organisers" in said
    said = replies(chat, "@Marcus Lee and me")
    assert "utter_organisers_named" in said and "utter_organisers_need_mentions" not in said
    assert "utter_ask_edi_policy_confirmed" in said
    summary = chat.text_of("yes it does")
    assert "Marcus Lee (by name)" in summary and "Cycle Crew" in summary
    assert "PRO-" in chat.text_of("yep send it")
    [proposal] = rows(assistant, GroupProposal, GroupProposal.proposer_slack_id == chat.sender)
    assert {"name": "Marcus Lee"} in proposal.organisers


def test_the_calendar_explained_comes_with_what_is_on_it_and_an_observance_named_alone(chat, assistant):
    said = replies(chat, "In my induction they said there is an 'awareness calendar'. What is that?")
    assert said[:2] == ["utter_faq/awareness_calendar", "utter_upcoming_events"]
    assert "17 May" in chat.text_of("idahobit")
    said = replies(chat, "can you chase the organisers for me? my invite's been sitting there a week")
    assert said == ["utter_faq/cannot_chase"]


# ---------------------------------------------------------------- longer messages, read sentence by sentence

def test_the_request_behind_the_context_given_first_is_found(chat, assistant):
    """What's going on first, the question last: the question is what it answers."""
    card = chat.text_of("Morning! Just back from parental leave and honestly still finding my feet with the "
                        "sleep situation. Is there any group for people with little ones at home?")
    assert "*Parents and Carers*" in card
    assert "Chris Morgan" in chat.text_of("ok and who organises it")
    assert "Welcome to *Parents and Carers*" in chat.text_of("lovely, pop me in")


def test_two_questions_in_one_message_are_both_answered(chat, assistant):
    said = replies(chat, "does the company actually cover group socials? and is there a limit per person or per event")
    assert said[:2] == ["utter_faq/social_budget", "utter_faq/no_fixed_budget"]
    assert everything_of(assistant, chat.sender)["support"] == 0  # asked about, nothing requested


def test_asking_to_add_someone_else_is_their_choice_not_ours(chat, assistant):
    assert "*Climate Action*" in chat.text_of("whats the climate action group about")
    said = replies(chat, "great, could you add him as well? <@U04DEV0001> keeps asking about it")
    assert said == ["utter_only_join_for_yourself"]
    assert everything_of(assistant, chat.sender)["memberships"] == 0


def test_a_date_whose_weekday_is_not_the_dates_is_checked_before_it_is_kept(chat, assistant):
    chat.say("I'd like budget for a social for Parents and Carers, a picnic in the park")
    said = answer(chat, "tuesday 12 march 2027, about £150")  # 12 March 2027 is a Friday
    assert [name for name, _ in said][-2:] == ["utter_support_weekday_mismatch", "utter_ask_support_when"]
    assert "Friday 12 March 2027" in said[-2][1]
    summary_or_details = chat.text_of("oops, friday the 12th of march 2027")
    if "Anything else the team should know?" in summary_or_details:
        summary_or_details = chat.text_of("no that's all")
    assert "friday the 12th of march 2027" in summary_or_details and "£150" in summary_or_details


def test_a_common_word_in_a_question_names_no_observance(chat, assistant):
    """"human" is in Human Rights Day's name; this asks whether a person has seen a request."""
    chat.say("can I get an invite to the LGBTQ+ network?")
    said = replies(chat, "hmm before that, has a human actually looked at the requests people send?")
    assert "utter_event_date" not in said
