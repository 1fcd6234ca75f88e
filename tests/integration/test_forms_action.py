"""The shared form base (actions/forms.py) with real trackers, the real domain and database:
retries counted in one place, explanations after repeated misses, the way out, stopping."""
from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from sqlalchemy import select

from actions.form_registry import form_slots
from actions.forms import ActionStopForm
from actions.join_group import ValidateJoinGroupForm
from actions.raise_issue import ValidateRaiseIssueForm  # noqa: F401  (registers itself, as on the action server)
from actions.start_group import ValidateStartGroupForm
from bot import bootstrap
from bot.core.models import Case
from bot.core.settings import load_settings
from bot.journeys.raise_issue import save_draft
from tests.action_runner import DOMAIN_DICT, run, slots_set, texts, tracker

WAY_OUT = "If you'd rather stop here, say *stop*: nothing will be sent."


def answer_type(answer: str, retries: int) -> tuple[dict, str]:
    events, messages = run(ValidateStartGroupForm(), tracker(
        answer, intent="inform", form="start_group_form",
        slots={"requested_slot": "new_group_type", "form_retries": retries, "new_group_name": "Runners"}))
    return slots_set(events), texts(messages)


def test_misses_are_counted_by_the_base_and_the_third_explains_and_shows_the_way_out():
    slots, said = answer_type("purple", 0)
    assert slots["new_group_type"] is None and slots["form_retries"] == 1
    assert said == "Please choose open, closed or both."
    slots, said = answer_type("green", 1)
    assert slots["form_retries"] == 2 and WAY_OUT not in said
    slots, said = answer_type("blue", 2)
    assert slots["form_retries"] == 3
    assert said.startswith("Please choose open, closed or both.")
    assert "Open means anyone can join" in said  # the form's own explain_new_group_type
    assert WAY_OUT in said and "*talk to a person*" in said
    slots, said = answer_type("open", 3)
    assert slots["new_group_type"] == "open" and slots["form_retries"] == 0 and said == ""


def test_a_form_without_its_own_explanation_gets_the_generic_one(configured_database):
    def ask(retries: int) -> tuple[dict, str]:
        events, messages = run(ValidateJoinGroupForm(), tracker(
            "zzqx club", intent="join_group", form="join_group_form",
            slots={"requested_slot": "group", "form_retries": retries}))
        return slots_set(events), texts(messages)

    slots, said = ask(0)
    assert slots["group"] is None and slots["form_retries"] == 1 and "These are the groups we have" in said
    slots, said = ask(2)
    assert slots["form_retries"] == 3 and "in your own words" in said and WAY_OUT in said


def test_a_correction_at_the_summary_is_not_a_miss(configured_database):
    events, messages = run(ValidateJoinGroupForm(), tracker(
        "change the note", intent="deny", form="join_group_form",
        slots={"requested_slot": "invite_confirmed", "form_retries": 2, "group": "Women in Tech",
               "group_slug": "women-in-tech", "group_part": "closed", "group_is_closed": True,
               "criteria_confirmed": True, "invite_note": "Hello"}))
    slots = slots_set(events)
    assert slots["invite_note"] is None and slots["form_retries"] == 0
    assert texts(messages) == "Sure, let's change that."


def test_form_slots_come_from_the_domain_plus_the_validators_helpers():
    required = DOMAIN_DICT["forms"]["join_group_form"]["required_slots"]
    assert form_slots("join_group_form", DOMAIN_DICT) == [*required, "group_slug", "group_is_closed"]
    assert "group_part" in required


def test_stopping_a_raised_issue_lets_its_validator_discard_the_draft(case_key, configured_database, demo_uow):
    draft_id = save_draft("Something happened at the meetup.", demo_uow)
    events, messages = run(ActionStopForm(), tracker(
        "stop", intent="stop", form="raise_issue_form",
        slots={"requested_slot": "issue_excluded", "case_draft_id": draft_id, "issue_for": "myself"}))
    assert "I haven't kept anything you told me" in texts(messages)
    with demo_uow:
        assert demo_uow.session.scalar(select(Case).where(Case.reference == draft_id)) is None
    cleared = slots_set(events)
    every_form_slot = {slot for form in DOMAIN_DICT["forms"] for slot in form_slots(form, DOMAIN_DICT)}
    assert every_form_slot <= set(cleared) and not any(cleared[slot] for slot in every_form_slot)
    assert {"group_slug", "group_is_closed", "case_draft_id"} <= set(cleared)


def test_a_case_draft_left_by_switching_forms_is_discarded_when_the_person_stops(case_key, configured_database,
                                                                                  demo_uow):
    draft_id = save_draft("Something happened at the meetup.", demo_uow)
    run(ActionStopForm(), tracker("actually stop", intent="stop", form="support_form",
                                  slots={"requested_slot": "support_when", "case_draft_id": draft_id}))
    with demo_uow:
        assert demo_uow.session.scalar(select(Case).where(Case.reference == draft_id)) is None


def test_an_action_given_its_wiring_hands_it_to_the_validator_that_undoes_the_form(case_key, database_url, engine,
                                                                                    demo_uow, monkeypatch, tmp_path):
    """A test's own wiring, not the process's: the process is pointed at another database, and
    the draft in the wiring's database is still the one discarded."""
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'elsewhere.db'}")
    wiring = bootstrap.Wiring(settings=load_settings({"DATABASE_URL": database_url}), uow=lambda: demo_uow,
                              engine=engine)
    draft_id = save_draft("Something happened at the meetup.", demo_uow)
    run(ActionStopForm(wiring), tracker("stop", intent="stop", form="raise_issue_form",
                                        slots={"requested_slot": "issue_excluded", "case_draft_id": draft_id}))
    with demo_uow:
        assert demo_uow.session.scalar(select(Case).where(Case.reference == draft_id)) is None


@pytest.mark.parametrize("answer", ["no", "change something"])
def test_saying_no_or_change_something_at_the_summary_is_not_a_miss(configured_database, answer):
    events, messages = run(ValidateJoinGroupForm(), tracker(
        answer, intent="deny", form="join_group_form",
        slots={"requested_slot": "invite_confirmed", "form_retries": 2, "group": "Women in Tech",
               "group_slug": "women-in-tech", "group_part": "closed", "group_is_closed": True,
               "criteria_confirmed": True, "invite_note": "Hello"}))
    slots = slots_set(events)
    assert slots["invite_confirmed"] is None and slots["form_retries"] == 0
    assert WAY_OUT not in texts(messages) and "form_not_a_miss" not in slots


def test_stopping_another_form_says_nothing_was_sent(configured_database):
    events, messages = run(ActionStopForm(), tracker("stop", intent="stop", form="support_form",
                                                     slots={"requested_slot": "support_when"}))
    assert "Nothing has been sent" in texts(messages)


@pytest.mark.parametrize("module", ["forms.py", "responses.py"])
def test_the_shared_form_modules_import_no_journey(module):
    tree = ast.parse((Path(__file__).resolve().parents[2] / "actions" / module).read_text())
    imported = [node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)]
    imported += [alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names]
    # The reader of replies (bot.nlu.reader) is no journey: every form reads replies through it; nor
    # are the shared values and the NLU's settings.
    no_journey = {"bot.nlu", "bot.core.constants", "bot.rasa_plumbing.model_config"}
    assert not [name for name in imported if name and name.startswith("bot") and name not in no_journey]


# Names that look like responses but aren't: the key of a bot event's metadata that names its response.
NOT_RESPONSES = {"utter_action"}


def test_every_reply_of_every_action_is_a_domain_response():
    """Wording lives in data/responses/: no action passes its own text, and every response an
    action names exists (in the domain as Rasa trains it, those responses merged in)."""
    responses = set(DOMAIN_DICT["responses"])
    for path in sorted((Path(__file__).resolve().parents[2] / "actions").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "utter_message":
                keywords = {k.arg: k.value for k in node.keywords}
                assert "text" not in keywords, f"{path.name}:{node.lineno} utters its own text"
                named = keywords.get("response")
                if isinstance(named, ast.Constant):
                    assert named.value in responses, f"{path.name}:{node.lineno} {named.value}"
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and re.fullmatch(r"utter_[a-z_]*[a-z]", node.value) \
                    and node.value not in NOT_RESPONSES:
                assert node.value in responses, f"{path.name}:{node.lineno} {node.value}"


@pytest.mark.parametrize("answer", ["@Marcus Lee and me", "Organisers would be me and @Helen Carter. Oh and @Rosa Delgado said she'd help too"])
def test_organisers_typed_after_an_at_are_kept_by_name_and_the_form_goes_on(configured_database, answer):
    # Over a channel with no Slack, or a name Slack didn't resolve: never "mention them" again and again.
    events, messages = run(ValidateStartGroupForm(), tracker(
        answer, intent="inform", form="start_group_form",
        slots={"requested_slot": "new_group_organisers", "new_group_name": "Cycle Crew", "new_group_type": "open",
               "new_group_purpose": "for anyone who cycles to work", "new_group_meeting": "fridays at lunch"}))
    said = texts(messages)
    from bot.slack.markup import typed_at_names
    assert typed_at_names(slots_set(events)["new_group_organisers"]) == typed_at_names(answer) != []
    assert "by name" in said and "can only add organisers you @-mention" not in said


def test_a_plain_name_without_an_at_is_still_asked_to_be_mentioned(configured_database):
    events, messages = run(ValidateStartGroupForm(), tracker(
        "Priya and me", intent="inform", form="start_group_form",
        slots={"requested_slot": "new_group_organisers", "new_group_name": "Cycle Crew", "new_group_type": "open"}))
    assert slots_set(events)["new_group_organisers"] is None
    assert "can only add organisers you @-mention" in texts(messages)


def test_a_date_asked_and_answered_among_other_answers_is_only_the_date(configured_database):
    # "yes please. 20 July, about £300, Regent's Park, kids welcome" where the date is asked.
    from actions.request_support import ValidateSupportForm
    events, _ = run(ValidateSupportForm(), tracker(
        "yes please. 20 July, about £300, Regent's Park, kids welcome", intent="inform", form="support_form",
        slots={"requested_slot": "support_when", "support_kind": "social_budget", "support_group": "Parents and Carers"}))
    slots = slots_set(events)
    assert slots["support_when"] == "20 July" and slots["support_amount"] == "£300"


def test_the_summary_names_organisers_typed_after_an_at(configured_database):
    from actions.start_group import ActionAskStartGroupConfirmed
    _, messages = run(ActionAskStartGroupConfirmed(), tracker("yes", slots={
        "new_group_name": "Cycle Crew", "new_group_type": "open", "new_group_purpose": "for anyone who cycles",
        "new_group_meeting": "fridays", "new_group_organisers": "me and @Marcus Lee"}))
    assert "*Organisers:* you, Marcus Lee (by name)" in texts(messages)


def test_a_second_request_for_the_same_day_takes_the_first_ones_date_and_group(configured_database, demo_uow):
    # "and now the speaker one pls. Same day, £300 fee" right after the social was sent.
    from actions.request_support import ValidateSupportForm
    from bot.journeys.request_support import request_support
    request_support("U0TESTER01", kind="social_budget", group_slug="women-in-tech", when="Thursday the 11th",
                    amount_text="£250", details="", uow=demo_uow)
    events, _ = run(ValidateSupportForm(), tracker(
        "and now the speaker one pls. Same day, £300 fee, she's called Dr Funmi Adebayo", intent="request_support",
        form="support_form", slots={"support_kind": "speaker_fee"}))
    slots = slots_set(events)
    assert slots["support_when"] == "Thursday the 11th" and slots["support_amount"] == "£300"
    assert slots["support_group"] == "women-in-tech"
    # Someone else's request says nothing about this person's.
    events, _ = run(ValidateSupportForm(), tracker(
        "same day please", intent="inform", form="support_form", sender="U0SOMEONE2",
        slots={"requested_slot": "support_amount", "support_kind": "speaker_fee", "support_group": "women-in-tech"}))
    assert slots_set(events).get("support_when") is None
