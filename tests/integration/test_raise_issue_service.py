"""The reporter's side of a case, against a real database: confidential text is taken only
while the conversation waits for it, names are matched to the people who handle cases, and
a case's notices go to each eligible handler, or to the other team when none is left."""
from __future__ import annotations


import pytest
from sqlalchemy import select

from bot.core.errors import InvalidInput, NotFound
from bot.core.models import Case, CaseStatus, ConfidentialPrompt, OutboxMessage
from bot.journeys import raise_issue
from bot.journeys.raise_issue import (EXCLUSIONS, NARRATIVE, OFFERED, begin, confirm_narrative, discard_draft,
                                      excluded_ids, expect, held_story, match_handlers, submit_case, take,
                                      take_from_form, told_up_front, waiting_for)
from bot.rasa_plumbing.confidential import placeholder, slots_of
from harness.records import environment_cipher, nlu_examples

ME, SOMEONE = "rest:alex", "rest:sam"
PRIYA, TOM, GRACE, DANIEL = "U0DANDI001", "U0DANDI002", "U0PEOPLE01", "U0PEOPLE02"
ROSTER = {PRIYA: ("Priya Shah", "dandi_service"), TOM: ("Tom Becker", "dandi_service"),
          GRACE: ("Grace Mensah", "people"), DANIEL: ("Daniel Kowalski", "people")}
NARRATIVE_TEXT = "Our organiser keeps scheduling the meetups on Friday evenings when I can't come because of childcare."


def tell(uow, narrative: str = NARRATIVE_TEXT, excluded: str | None = "no one", who: str = ME) -> str:
    expect(who, NARRATIVE, None, uow)
    draft = take(who, narrative, uow).draft_id
    expect(who, EXCLUSIONS, draft, uow)
    take(who, excluded, uow) if excluded else None
    return draft


def notices(uow, reference: str) -> set[str]:
    with uow:
        return {m.recipient for m in uow.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "case_notice"))
                if m.payload["reference"] == reference}


def test_nothing_is_taken_unless_the_conversation_waits_for_it(demo_uow):
    assert take(ME, NARRATIVE_TEXT, demo_uow) is None
    expect(ME, NARRATIVE, None, demo_uow)
    assert waiting_for(ME, demo_uow) == NARRATIVE and waiting_for(SOMEONE, demo_uow) is None
    assert take(ME, "/affirm", demo_uow) is None and take(ME, "stop", demo_uow).stop  # a button; plainly stop
    taken = take(ME, NARRATIVE_TEXT, demo_uow)
    assert slots_of(taken) == {"case_draft_id": taken.draft_id} and NARRATIVE_TEXT not in placeholder(taken)
    assert waiting_for(ME, demo_uow) is None and take(ME, "and another thing", demo_uow) is None  # once only
    with demo_uow:
        case = demo_uow.session.scalar(select(Case).where(Case.reference == taken.draft_id))
        assert case.draft_owner == ME and environment_cipher().decrypt(case.narrative_ciphertext) == NARRATIVE_TEXT


def test_too_little_is_asked_again_and_a_short_maybe_stop_is_checked(demo_uow):
    expect(ME, NARRATIVE, None, demo_uow)
    assert "a little more" in take(ME, "ugh", demo_uow).problem
    unsure = take(ME, "ugh, forget it, I'll talk to Sam first", demo_uow)
    assert unsure.unsure and not unsure.settled and waiting_for(ME, demo_uow) == NARRATIVE  # held, still waiting
    assert take(ME, "is this anonymous?", demo_uow).unsure
    # A question a little longer, not ending in "?", is asked about too: never stored as the story unasked.
    assert take(ME, "can't i just paste it here? i've got her write-up in a doc", demo_uow).unsure
    confirmed = confirm_narrative(ME, unsure.draft_id, demo_uow)
    assert slots_of(confirmed) == {"case_draft_id": unsure.draft_id} and waiting_for(ME, demo_uow) is None
    with pytest.raises(NotFound):
        confirm_narrative(SOMEONE, unsure.draft_id, demo_uow)  # not their draft


@pytest.mark.parametrize("typed, ids, left", [
    ("Tom Becker", [TOM], []),
    ("tom", [TOM], []),
    ("Pryia Shah and Daniel", [PRIYA, DANIEL], []),
    ("<@U0PEOPLE01>, and my manager", [GRACE], ["my manager"]),
    ("Mr Beker from D&I; also Jo Bloggs", [TOM], ["Jo Bloggs"]),
    ("Shah", [PRIYA], []),
])
def test_names_are_matched_to_the_people_who_handle_cases(typed, ids, left):
    found, unmatched = match_handlers(typed, [], ROSTER)
    assert found == ids and unmatched == left


def test_exclusions_are_kept_encrypted_and_never_notified(demo_uow):
    draft = tell(demo_uow, excluded="Tom Becker, he's involved")
    receipt = submit_case(draft, ME, on_behalf=False, consented=None, may_be_named=None, category="behaviour",
                          route_to="dandi_service", uow=demo_uow)
    assert not receipt.rerouted and notices(demo_uow, receipt.reference) == {PRIYA}
    with demo_uow:
        case = demo_uow.session.scalar(select(Case).where(Case.reference == receipt.reference))
        assert b"Tom" not in case.excluded_ciphertext and excluded_ids(case, environment_cipher()) == {TOM}
        assert case.draft_owner is None and case.status == CaseStatus.open


def test_with_the_whole_team_excluded_it_goes_to_the_other_team(demo_uow):
    draft = tell(demo_uow, excluded="Priya and Tom")
    receipt = submit_case(draft, ME, on_behalf=False, consented=None, may_be_named=None, category="behaviour",
                          route_to="dandi_service", uow=demo_uow)
    assert receipt.rerouted and receipt.team == "people" and notices(demo_uow, receipt.reference) == {GRACE, DANIEL}


def test_with_everyone_excluded_nothing_is_sent(demo_uow):
    draft = tell(demo_uow, excluded="Priya, Tom, Grace, Daniel")
    with pytest.raises(InvalidInput, match="can't send it to anyone here"):
        submit_case(draft, ME, on_behalf=False, consented=None, may_be_named=None, category="behaviour",
                    route_to="people", uow=demo_uow)
    with demo_uow:
        assert demo_uow.session.scalar(select(Case).where(Case.reference == draft)).status == CaseStatus.draft
        assert list(demo_uow.session.scalars(select(OutboxMessage))) == []


def test_only_the_conversation_that_wrote_a_draft_can_send_it(demo_uow):
    draft = tell(demo_uow)
    with pytest.raises(NotFound):
        submit_case(draft, SOMEONE, on_behalf=False, consented=None, may_be_named=None, category="other",
                    route_to="people", uow=demo_uow)


def test_telling_it_again_replaces_the_text_on_the_same_draft(demo_uow):
    first = tell(demo_uow)
    expect(ME, NARRATIVE, None, demo_uow)  # "change what happened": the form's slot was cleared
    again = take(ME, "It was on the Thursday, not the Friday, and it has happened three times now.", demo_uow)
    assert again.draft_id == first
    with demo_uow:
        [case] = demo_uow.session.scalars(select(Case))
        assert "Thursday" in environment_cipher().decrypt(case.narrative_ciphertext)


def test_the_slack_form_needs_a_conversation_waiting_for_it(demo_uow):
    with pytest.raises(NotFound, match="moved on"):
        take_from_form("U0ALEX0001", NARRATIVE_TEXT, [TOM], demo_uow)
    expect("U0ALEX0001", NARRATIVE, None, demo_uow)
    with pytest.raises(InvalidInput):
        take_from_form("U0ALEX0001", "short", [TOM], demo_uow)
    taken = take_from_form("U0ALEX0001", NARRATIVE_TEXT, [TOM, "not-an-id"], demo_uow)
    assert slots_of(taken) == {"case_draft_id": taken.draft_id, "issue_excluded": "1"}


def test_stopping_discards_the_draft_and_stops_waiting(demo_uow):
    tell(demo_uow, excluded=None)
    discard_draft(None, demo_uow, owner=ME)
    with demo_uow:
        assert list(demo_uow.session.scalars(select(Case))) == []
        assert list(demo_uow.session.scalars(select(ConfidentialPrompt))) == []
    assert raise_issue.take(ME, "Tom", demo_uow) is None


@pytest.mark.parametrize("asked", ["sorry, what are you asking me?", "what?", "i don't get the question, why do you need this"])
def test_a_question_where_names_are_expected_is_left_to_the_conversation_which_keeps_waiting(demo_uow, asked):
    draft = tell(demo_uow, excluded=None)
    expect(ME, EXCLUSIONS, draft, demo_uow)
    assert take(ME, asked, demo_uow) is None and waiting_for(ME, demo_uow) == EXCLUSIONS
    # Any other question may name someone: it stays with the case service, as names.
    assert take(ME, "what about jo from finance?", demo_uow).step == EXCLUSIONS
    expect(ME, EXCLUSIONS, draft, demo_uow)
    # A question naming someone who handles cases is names all the same, kept encrypted.
    taken = take(ME, "can you keep Tom Becker away from it?", demo_uow)
    assert slots_of(taken) == {"issue_excluded": "1"} and waiting_for(ME, demo_uow) is None



@pytest.mark.parametrize("said", ["oh ok, no one then", "no-one at all", "I'd prefer to skip this question",
                                  "can I leave that one blank"])
def test_no_one_in_more_words_keeps_it_from_nobody(demo_uow, said):
    draft = tell(demo_uow, excluded=None)
    expect(ME, EXCLUSIONS, draft, demo_uow)
    taken = take(ME, said, demo_uow)
    assert taken is None or (slots_of(taken) == {"issue_excluded": "-"} and not taken.not_handlers)


def test_a_short_word_is_no_close_spelling_of_a_name():
    assert match_handlers("go to the office", [], ROSTER)[0] == []  # "to" is not "Tom"
    assert match_handlers("Tom Beker", [], ROSTER)[0] == [TOM]


STOP_EXAMPLES = [example for intent, example in nlu_examples() if intent == "stop"]


@pytest.mark.parametrize("step", [NARRATIVE, EXCLUSIONS, OFFERED])
def test_a_stop_at_a_confidential_step_is_a_stop_never_what_happened_or_names(demo_uow, step):
    """Every way of stopping the NLU knows, "let's park it" and "hold off" among them, means
    stop here too: nothing but a stop is handed on as one (the words never reach Rasa); a stop
    with more said is held, encrypted, and the person asked; never kept as what happened."""
    draft = tell(demo_uow, excluded=None) if step == EXCLUSIONS else None
    if step == OFFERED:
        begin(ME, STORY, demo_uow)
        draft = held_story(ME, demo_uow)
    for said in ["let's park it", "hold off", "Let's park it for now, thanks", *STOP_EXAMPLES]:
        expect(ME, step, draft, demo_uow)
        taken = take(ME, said, demo_uow)
        if step in (NARRATIVE, OFFERED):
            assert taken.stop or taken.unsure or taken.problem, said
            assert not taken.settled, said
        else:
            assert taken is None or taken.stop, said
        if said in ("let's park it", "hold off"):
            assert taken.stop, said
    with demo_uow:
        assert demo_uow.session.scalar(select(Case.excluded_ciphertext).where(Case.reference == draft)) is None \
            if draft else True


STORY = "I need to raise an issue. At the last Climate Action meetup the host kept talking over me and mocked my accent."


@pytest.mark.parametrize("said, told", [
    (STORY, True),
    ("hi. my colleague keeps making comments about my hijab in our stand-ups, and when i said something the "
     "organiser just laughed it off", True),
    ("I want to report my team lead for making jokes about disabled people in meetings", False),  # one short sentence
    ("i think i need to report something but i'm really not sure i want to yet. sorry", False),
    ("I need to raise an issue confidentially", False),
    ("Hi there. I'd like to raise an issue please.", False),
    ("I'd like to raise an issue confidentially on behalf of someone in my group", False),
    ("I want to raise an issue. It's on behalf of a colleague.", False),
    ("hi, i need to raise something confidentially. at friday's meetup the host joked that mums shouldnt be "
     "in tech leadership and everyone laughed", True),
    ("Something happened at the social. I want to report it.", False),
])
def test_what_happened_told_up_front_is_noticed(said, told):
    """Told in the message that starts raising an issue, what happened is held to be offered;
    a request alone (for whom included) is not a story. The NLU's reading of each sentence is
    given as the real one would be: the request reads as raise_issue, the rest as something else."""
    from bot.nlu import reader

    for reading in ("raise_issue", "out_of_scope"):  # what happened may read as the request, or not
        sentences = [{"intent": "raise_issue" if "raise" in piece or "report" in piece else "greet"
                      if piece.lower().startswith("hi")
                      else reading} for piece in reader.sentences_to_read(said)]
        assert told_up_front(said, sentences) is told, reading


def test_a_story_told_up_front_is_held_encrypted_and_offered_never_used_unasked(demo_uow):
    assert begin(ME, STORY, demo_uow) is True
    draft = held_story(ME, demo_uow)
    assert draft and waiting_for(ME, demo_uow) is None  # held, not yet anything's answer
    with demo_uow:
        case = demo_uow.session.scalar(select(Case).where(Case.reference == draft))
        assert case.status == CaseStatus.draft and environment_cipher().decrypt(case.narrative_ciphertext) == STORY
    expect(ME, OFFERED, draft, demo_uow)
    assert "didn't follow" in take(ME, "hmm, not sure", demo_uow).problem and waiting_for(ME, demo_uow) == OFFERED
    # A question is left to the conversation (answered, said in confidence), and the offer made again.
    assert take(ME, "what do you mean by that?", demo_uow) is None and waiting_for(ME, demo_uow) == OFFERED
    used = take(ME, "Yes, use what I wrote", demo_uow)
    assert used.story_used and used.narrative_kept and used.draft_id == draft and slots_of(used) == {"case_draft_id": draft}
    assert waiting_for(ME, demo_uow) is None
    # Starting again deletes what an earlier attempt left.
    assert begin(ME, None, demo_uow) is False and held_story(ME, demo_uow) is None
    with demo_uow:
        assert demo_uow.session.scalar(select(Case).where(Case.reference == draft)) is None


@pytest.mark.parametrize("answer", ["No, I'll tell you again", "no thanks",
                                    "no that was too vague, ill tell you properly"])
def test_a_story_not_wanted_is_deleted_and_what_happened_is_asked_for(demo_uow, answer):
    begin(ME, STORY, demo_uow)
    draft = held_story(ME, demo_uow)
    expect(ME, OFFERED, draft, demo_uow)
    declined = take(ME, answer, demo_uow)
    assert declined.tell_again and not declined.settled and waiting_for(ME, demo_uow) == NARRATIVE
    assert held_story(ME, demo_uow) is None
    retold = take(ME, NARRATIVE_TEXT, demo_uow)
    assert retold.narrative_kept and retold.draft_id == draft
    with demo_uow:
        case = demo_uow.session.scalar(select(Case).where(Case.reference == draft))
        assert environment_cipher().decrypt(case.narrative_ciphertext) == NARRATIVE_TEXT


def test_at_the_offer_the_story_told_again_or_written_in_the_form_replaces_it(demo_uow):
    begin(ME, STORY, demo_uow)
    expect(ME, OFFERED, held_story(ME, demo_uow), demo_uow)
    retold = take(ME, NARRATIVE_TEXT, demo_uow)
    assert retold.narrative_kept and not retold.story_used
    begin(SOMEONE, STORY, demo_uow)
    expect(SOMEONE, OFFERED, held_story(SOMEONE, demo_uow), demo_uow)
    taken = take_from_form(SOMEONE, NARRATIVE_TEXT, [TOM], demo_uow)
    with demo_uow:
        case = demo_uow.session.scalar(select(Case).where(Case.reference == taken.draft_id))
        assert environment_cipher().decrypt(case.narrative_ciphertext) == NARRATIVE_TEXT and taken.excluded == 1
