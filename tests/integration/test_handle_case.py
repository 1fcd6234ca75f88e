"""The handlers' side of a confidential case (bot.journeys.handle_case), against a real
database (SQLite, and PostgreSQL when TEST_DATABASE_URL is set)."""
from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.core import db
from bot.core.errors import AlreadyDone, NotFound, PermissionDenied
from bot.core.models import AuditEntry, Case, CaseNote, CaseStatus, OutboxMessage, utcnow
from bot.journeys import handle_case
from bot.journeys.check_status import my_requests, status_of
from bot.journeys.handle_case import FieldProblem
from bot.journeys.raise_issue import save_draft, submit_case
from harness.records import environment_cipher

PRIYA, TOM = "U0DANDI001", "U0DANDI002"  # the D&I service team (demo registry)
GRACE = "U0PEOPLE01"  # the People team
REPORTER, STRANGER = "U0REPORT01", "U0STRANGE1"
NARRATIVE = "Zanzibarquux happened at the Tuesday meetup and I felt unsafe afterwards."
MARKER = "Zanzibarquux"


pytestmark = pytest.mark.usefixtures("case_key")


def a_case(uow, *, excluded=(), route="dandi_service", reporter=REPORTER, on_behalf=False, may_be_named=None) -> str:
    draft = save_draft(NARRATIVE, uow)
    if excluded:
        with uow:
            case = uow.session.scalar(select(Case).where(Case.reference == draft))
            case.excluded_ciphertext = environment_cipher().encrypt(json.dumps(list(excluded)))
            uow.commit()
    return submit_case(draft, reporter, on_behalf=on_behalf, consented=True if on_behalf else None,
                       may_be_named=may_be_named, category="behaviour", route_to=route, uow=uow).reference


def the_case(uow, reference: str) -> Case:
    with uow:
        case = uow.session.scalar(select(Case).where(Case.reference == reference))
        uow.session.expunge(case)
        return case


def notices(uow, kind: str) -> list[tuple[str, str, dict]]:
    with uow:
        return [(m.recipient, m.idempotency_key, dict(m.payload)) for m in uow.session.scalars(
            select(OutboxMessage).where(OutboxMessage.kind == kind).order_by(OutboxMessage.id))]


def audit_rows(uow, action: str | None = None) -> list[AuditEntry]:
    with uow:
        query = select(AuditEntry).order_by(AuditEntry.id)
        rows = uow.session.scalars(query.where(AuditEntry.action == action) if action else query).all()
        uow.session.expunge_all()
        return rows


# ---------------------------------------------------------------- reading

def test_a_handler_opens_a_case_the_narrative_is_decrypted_for_them_and_the_read_audited(demo_uow):
    reference = a_case(demo_uow, on_behalf=True, may_be_named=False)
    view = handle_case.open_case(reference.lower(), PRIYA, demo_uow)
    assert view.reference == reference and view.narrative == NARRATIVE
    assert view.category == "Someone's behaviour in a group" and view.status == "open"
    assert view.team_name == "the D&I service team" and view.age_days == 0
    assert view.on_behalf and view.affected_person_consented and view.affected_person_may_be_named is False
    assert {(h.slack_id, h.name) for h in view.handlers} == {(PRIYA, "Priya Shah"), (TOM, "Tom Becker")}
    [opened] = audit_rows(demo_uow, "opened_case")
    assert (opened.actor, opened.subject_type, opened.subject_id) == (PRIYA, "case", reference)
    assert MARKER not in json.dumps([a.detail for a in audit_rows(demo_uow)])


@pytest.mark.parametrize("who", [STRANGER, GRACE, REPORTER, TOM])
def test_anyone_but_an_eligible_handler_is_refused_and_learns_nothing(demo_uow, who):
    reference = a_case(demo_uow, excluded=[TOM])
    draft = save_draft(NARRATIVE, demo_uow)
    refusals = []
    for ref in (reference, "CASE-ZZZZZZ", draft, "not a reference"):
        for act in (lambda r: handle_case.open_case(r, who, demo_uow),
                    lambda r: handle_case.acknowledge(r, who, demo_uow),
                    lambda r: handle_case.set_status(r, who, "in_progress", uow=demo_uow),
                    lambda r: handle_case.add_note(r, who, "a note", demo_uow),
                    lambda r: handle_case.reassign(r, who, who, demo_uow)):
            with pytest.raises(PermissionDenied) as refused:
                act(ref)
            refusals.append(str(refused.value))
    assert len(set(refusals)) == 1  # the same words whether the case exists or not
    case = the_case(demo_uow, reference)
    assert case.status == CaseStatus.open and case.assignee_slack_id is None and case.acknowledged_at is None
    assert handle_case.cases_for(who, demo_uow) == []
    assert notices(demo_uow, "case_update") == [] and notices(demo_uow, "case_assigned") == []
    assert not audit_rows(demo_uow, "opened_case")
    # Refusals of a real case are recorded (who, which), nothing else.
    refused_rows = audit_rows(demo_uow, "refused_case")
    assert {r.subject_id for r in refused_rows} == {reference} and {r.actor for r in refused_rows} == {who}


def test_an_excluded_member_never_sees_it_and_the_team_lists_only_the_others(demo_uow):
    reference = a_case(demo_uow, excluded=[PRIYA])
    assert [n[0] for n in notices(demo_uow, "case_notice")] == [TOM]
    view = handle_case.open_case(reference, TOM, demo_uow)
    assert [h.slack_id for h in view.handlers] == [TOM]
    assert [line.reference for line in handle_case.cases_for(TOM, demo_uow)] == [reference]
    assert handle_case.cases_for(PRIYA, demo_uow) == []
    with pytest.raises(FieldProblem):
        handle_case.reassign(reference, TOM, PRIYA, demo_uow)
    with pytest.raises(PermissionDenied):
        handle_case.open_case(reference, PRIYA, demo_uow)


# ---------------------------------------------------------------- acting

def test_acknowledging_tells_the_reporter_once_with_when_they_will_hear(demo_uow):
    reference = a_case(demo_uow)
    done = handle_case.acknowledge(reference, PRIYA, demo_uow)
    assert done.status == "acknowledged" and done.reporter_told and done.assignee == PRIYA
    case = the_case(demo_uow, reference)
    assert case.acknowledged_at is not None and case.assignee_slack_id == PRIYA
    [(to, _, update)] = notices(demo_uow, "case_update")
    assert to == REPORTER and update == {"reference": reference, "status": "acknowledged",
                                         "team": "the D&I service team", "acknowledged": True, "feedback_days": 90,
                                         "outcome": None, "reopened": False}  # (a token only once closed)
    # A second click (or Tom's) writes nothing and says who has it.
    with pytest.raises(AlreadyDone) as again:
        handle_case.acknowledge(reference, TOM, demo_uow)
    assert again.value.decided_by == PRIYA
    assert len(notices(demo_uow, "case_update")) == 1 and len(audit_rows(demo_uow, "acknowledged_case")) == 1


def test_status_changes_reach_the_reporter_and_a_repeat_writes_nothing(demo_uow):
    reference = a_case(demo_uow)
    first = handle_case.set_status(reference, TOM, "in_progress", uow=demo_uow)
    assert first.changed == ("status",) and the_case(demo_uow, reference).acknowledged_at is not None
    assert handle_case.set_status(reference, TOM, "in_progress", uow=demo_uow).changed == ()
    handle_case.set_status(reference, PRIYA, "waiting_for_reporter", uow=demo_uow)
    handle_case.set_status(reference, PRIYA, "in_progress", uow=demo_uow)
    updates = notices(demo_uow, "case_update")
    assert [(u[2]["status"], u[2]["acknowledged"]) for u in updates] == [
        ("in_progress", True), ("waiting_for_reporter", False), ("in_progress", False)]
    assert len({u[1] for u in updates}) == 3  # a later change of the same kind gets its own key
    assert the_case(demo_uow, reference).assignee_slack_id == TOM  # the first to act has it
    with pytest.raises(FieldProblem) as wrong:
        handle_case.set_status(reference, TOM, "open", uow=demo_uow)
    assert wrong.value.field == "status"


def test_closing_needs_an_outcome_the_reporter_sees_and_the_outbox_holds_only_ciphertext(demo_uow):
    reference = a_case(demo_uow)
    with pytest.raises(FieldProblem) as missing:
        handle_case.set_status(reference, PRIYA, "closed", outcome="   ", uow=demo_uow)
    assert missing.value.field == "outcome" and the_case(demo_uow, reference).status == CaseStatus.open
    outcome = "We spoke with the organisers and agreed new ground rules."
    handle_case.set_status(reference, PRIYA, "closed", outcome=outcome, uow=demo_uow)
    case = the_case(demo_uow, reference)
    assert case.status == CaseStatus.closed and case.closed_at is not None
    assert environment_cipher().decrypt(case.outcome_ciphertext) == outcome
    [(_, _, update)] = notices(demo_uow, "case_update")
    assert update["status"] == "closed" and "ground rules" not in json.dumps(update)
    assert environment_cipher().decrypt(update["outcome"].encode()) == outcome
    # Closed is final, and drops off the handlers' list.
    with pytest.raises(AlreadyDone):
        handle_case.set_status(reference, PRIYA, "in_progress", uow=demo_uow)
    assert handle_case.cases_for(PRIYA, demo_uow) == []
    assert handle_case.open_case(reference, TOM, demo_uow).closed


def test_reassigning_within_the_team_tells_the_new_assignee(demo_uow):
    reference = a_case(demo_uow)
    handle_case.acknowledge(reference, PRIYA, demo_uow)
    done = handle_case.reassign(reference, PRIYA, TOM, demo_uow)
    assert done.assignee == TOM and done.changed == ("assignee",)
    [(to, _, assigned)] = notices(demo_uow, "case_assigned")
    assert to == TOM and assigned["by"] == PRIYA and assigned["reference"] == reference
    assert handle_case.reassign(reference, PRIYA, TOM, demo_uow).changed == ()
    with pytest.raises(FieldProblem) as outside:
        handle_case.reassign(reference, PRIYA, GRACE, demo_uow)
    assert outside.value.field == "assignee"
    assert len(notices(demo_uow, "case_assigned")) == 1
    assert [r.detail for r in audit_rows(demo_uow, "reassigned_case")] == [{"to": TOM}]


def test_notes_are_encrypted_bounded_kept_once_and_shown_to_the_team(demo_uow):
    reference = a_case(demo_uow)
    handle_case.add_note(reference, PRIYA, "Called the organiser; follow up Friday.", demo_uow)
    handle_case.add_note(reference, PRIYA, "Called the organiser; follow up Friday.", demo_uow)  # a double submit
    with pytest.raises(FieldProblem):
        handle_case.add_note(reference, PRIYA, "x" * (handle_case.NOTE_MAX_CHARS + 1), demo_uow)
    with demo_uow:
        [note] = demo_uow.session.scalars(select(CaseNote)).all()
        assert b"Friday" not in note.body_ciphertext
    [shown] = handle_case.open_case(reference, TOM, demo_uow).notes
    assert (shown.author, shown.author_name, shown.text) == (PRIYA, "Priya Shah",
                                                              "Called the organiser; follow up Friday.")
    assert "Friday" not in json.dumps([a.detail for a in audit_rows(demo_uow)])
    assert notices(demo_uow, "case_update") == []  # a note is internal


def test_a_form_saves_a_note_an_assignee_and_a_status_in_one_go(demo_uow):
    reference = a_case(demo_uow)
    done = handle_case.update_case(reference, PRIYA, status="in_progress", note="Taking this one.",
                                   assign_to=TOM, uow=demo_uow)
    assert done.changed == ("note", "assignee", "status") and done.assignee == TOM
    # A refused field writes nothing at all.
    with pytest.raises(FieldProblem):
        handle_case.update_case(reference, PRIYA, status="closed", note="Another note", uow=demo_uow)
    assert len(handle_case.open_case(reference, PRIYA, demo_uow).notes) == 1


def test_a_reporter_outside_slack_is_not_sent_anything(demo_uow):
    reference = a_case(demo_uow, reporter="rest:someone")
    assert handle_case.acknowledge(reference, PRIYA, demo_uow).reporter_told is False
    assert notices(demo_uow, "case_update") == []


def test_the_people_team_handles_its_own_cases_only(demo_uow):
    dandi, people = a_case(demo_uow), a_case(demo_uow, route="people")
    assert [line.reference for line in handle_case.cases_for(GRACE, demo_uow)] == [people]
    assert [line.reference for line in handle_case.cases_for(PRIYA, demo_uow)] == [dandi]
    with pytest.raises(PermissionDenied):
        handle_case.open_case(dandi, GRACE, demo_uow)


# ---------------------------------------------------------------- the reporter's "my requests"

def test_my_requests_shows_a_cases_status_in_plain_words_never_what_happened(demo_uow):
    reference = a_case(demo_uow)

    def line() -> str:
        return status_of(reference, REPORTER, demo_uow).line()

    assert "confidential case, received by the D&I service team, waiting to be picked up" in line()
    handle_case.acknowledge(reference, PRIYA, demo_uow)
    assert "acknowledged by the D&I service team" in line()
    handle_case.set_status(reference, PRIYA, "in_progress", uow=demo_uow)
    assert "being looked into by the D&I service team" in line()
    handle_case.set_status(reference, PRIYA, "closed", outcome="Resolved with the organisers.", uow=demo_uow)
    assert f"{reference}: confidential case, closed (raised" in line()
    lines = [v.line() for v in my_requests(REPORTER, demo_uow)]
    assert MARKER not in json.dumps(lines) and "Resolved" not in json.dumps(lines)


def test_nothing_a_handler_does_puts_the_narrative_into_the_outbox_or_audit_log(demo_uow):
    reference = a_case(demo_uow)
    handle_case.open_case(reference, PRIYA, demo_uow)
    handle_case.acknowledge(reference, PRIYA, demo_uow)
    handle_case.reassign(reference, PRIYA, TOM, demo_uow)
    handle_case.set_status(reference, TOM, "closed", outcome="Closed after a conversation.", uow=demo_uow)
    with demo_uow:
        stored = json.dumps([m.payload for m in demo_uow.session.scalars(select(OutboxMessage))])
    assert MARKER not in stored and "conversation" not in stored
    assert MARKER not in json.dumps([a.detail for a in audit_rows(demo_uow)])


def test_a_team_lead_sees_the_teams_deadlines_kept_or_missed_and_nothing_else(engine, demo_uow):
    """The D&I service team's lead (Priya, demo registry): each case's status, age, its 7-day
    acknowledgement deadline and whether it was met; never one she was kept away from."""
    on_time, missed, waiting = a_case(demo_uow), a_case(demo_uow), a_case(demo_uow)
    kept_from_her = a_case(demo_uow, excluded=[PRIYA])
    people_team = a_case(demo_uow, route="people")
    handle_case.acknowledge(on_time, TOM, demo_uow)
    eight_days_on = db.uow_factory(engine, clock=lambda: utcnow() + timedelta(days=8))
    handle_case.acknowledge(missed, TOM, eight_days_on())
    lines = {line.reference: line for line in handle_case.team_cases_for(PRIYA, eight_days_on())}
    assert set(lines) == {on_time, missed, waiting}  # not the People team's, nor the one kept from her
    assert lines[on_time].acknowledged_in_time is True and lines[missed].acknowledged_in_time is False
    assert lines[waiting].acknowledged_in_time is False and lines[waiting].age_days == 8
    assert handle_case.team_cases_for(PRIYA, demo_uow)[-1].acknowledged_in_time is None  # today: still time
    assert NARRATIVE not in repr(lines) and REPORTER not in repr(lines)
    assert handle_case.team_cases_for(TOM, demo_uow) == []  # a handler, not a lead
    assert kept_from_her and people_team



# ---------------------------------------------------------------- the thread with the person who raised it

def thread(uow, reference: str) -> list[str]:
    with uow:
        case = uow.session.scalar(select(Case).where(Case.reference == reference))
        return [environment_cipher().decrypt(m.body_ciphertext) for m in case.messages]


def test_a_message_to_the_reporter_is_kept_once_encrypted_audited_and_sent_as_a_token(demo_uow):
    from bot.journeys import case_reporter

    reference = a_case(demo_uow)
    for _ in range(2):  # a double submission
        handle_case.update_case(reference, PRIYA, message=f"When did {MARKER} start?", uow=demo_uow)
    assert thread(demo_uow, reference) == [f"When did {MARKER} start?"]
    [(recipient, _, payload)] = notices(demo_uow, "case_message")
    assert recipient == REPORTER and MARKER not in json.dumps(payload)
    assert environment_cipher().decrypt(payload["message"].encode()) == f"When did {MARKER} start?"
    [entry] = audit_rows(demo_uow, "messaged_reporter")
    assert entry.actor == PRIYA and MARKER not in json.dumps(entry.detail)

    for _ in range(2):  # and their reply, sent twice, lands once; each handler told, never what
        case_reporter.write_to_case(reference.lower(), REPORTER, f"Last month, {MARKER} again.", demo_uow)
    replies = [n for n in notices(demo_uow, "case_reporter")]
    assert {recipient for recipient, _, _ in replies} == {PRIYA, TOM} and MARKER not in json.dumps(replies)
    assert len(thread(demo_uow, reference)) == 2
    assert [e.actor for e in audit_rows(demo_uow, "reporter_wrote")] == [REPORTER]


def test_only_a_handler_may_message_only_a_reporter_in_slack_and_only_the_reporter_may_write(demo_uow):
    from bot.journeys import case_reporter

    kept_away = a_case(demo_uow, excluded=[TOM])
    with pytest.raises(PermissionDenied):
        handle_case.update_case(kept_away, TOM, message="Hello", uow=demo_uow)
    outside = a_case(demo_uow, reporter="rest:alex")
    with pytest.raises(FieldProblem) as problem:
        handle_case.update_case(outside, PRIYA, message="Hello", uow=demo_uow)
    assert problem.value.field == "message" and "outside Slack" in str(problem.value)
    for who in (PRIYA, STRANGER, ""):
        with pytest.raises(NotFound):
            case_reporter.write_to_case(kept_away, who, "let me add this", demo_uow)
        with pytest.raises(NotFound):
            case_reporter.withdraw_case(kept_away, who, demo_uow)
    assert not thread(demo_uow, kept_away)
    assert case_reporter.withdraw_case(kept_away, REPORTER, demo_uow) == "the D&I service team"
    with pytest.raises(AlreadyDone):
        case_reporter.write_to_case(kept_away, REPORTER, "one more thing", demo_uow)
    assert {recipient for recipient, _, p in notices(demo_uow, "case_reporter") if p["did"] == "withdrew"} == {PRIYA}
