"""Case deadlines with time moved, not waited for: handlers reminded at the acknowledgement
deadline and not before, the team's lead told after that (never a lead kept away from the
case), the reporter told how it stands at three months unless it is closed; each once only.
On SQLite and PostgreSQL."""
from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.core.models import Case, CaseStatus, OutboxMessage, utcnow
from bot.core.settings import load_settings
from bot.journeys.case_deadlines import nudge_cases
from bot.journeys.raise_issue import save_draft, submit_case
from bot.slack.notices import notice_text
from harness.records import environment_cipher

REPORTER = "U0REPORT01"
NARRATIVE = "Marker-Quokka said something hurtful at the last meetup, in front of everyone."
DANDI = {"U0DANDI001", "U0DANDI002"}
DANDI_LEAD, PEOPLE_LEAD = "U0DANDI001", "U0PEOPLE01"


pytestmark = pytest.mark.usefixtures("case_key")


@pytest.fixture
def settings():
    return load_settings()


def raise_case(uow, *, reporter=REPORTER, excluded=(), days_ago=0) -> str:
    draft = save_draft(NARRATIVE, uow, owner=reporter)
    if excluded:
        with uow:
            case = uow.session.scalar(select(Case).where(Case.reference == draft))
            case.excluded_ciphertext = environment_cipher().encrypt(json.dumps(list(excluded)))
            uow.commit()
    reference = submit_case(draft, reporter, on_behalf=False, consented=None, may_be_named=None,
                            category="behaviour", route_to="dandi_service", uow=uow).reference
    with uow:
        case = uow.session.scalar(select(Case).where(Case.reference == reference))
        case.submitted_at = utcnow() - timedelta(days=days_ago)
        uow.commit()
    return reference


def notices(uow, kind) -> list[tuple[str, dict]]:
    with uow:
        return [(m.recipient, dict(m.payload)) for m in uow.session.scalars(
            select(OutboxMessage).where(OutboxMessage.kind == kind).order_by(OutboxMessage.id))]


def in_days(days: float):
    return utcnow() + timedelta(days=days)


def test_handlers_are_reminded_at_the_deadline_and_not_before_then_the_lead_once(demo_uow, settings):
    reference = raise_case(demo_uow)
    assert nudge_cases(demo_uow, settings, in_days(6.9)) == 0
    assert nudge_cases(demo_uow, settings, in_days(7)) == 2
    reminders = notices(demo_uow, "case_reminder")
    assert {to for to, _ in reminders} == DANDI
    assert all(p["reference"] == reference and p["days"] == 7 and p["category"] for _, p in reminders)
    assert nudge_cases(demo_uow, settings, in_days(8)) == 0  # once only, and too soon to escalate

    assert nudge_cases(demo_uow, settings, in_days(9)) == 1
    [(lead, escalation)] = notices(demo_uow, "case_escalation")
    assert lead == DANDI_LEAD and escalation["team"] == "the D&I service team" and escalation["days"] == 9
    assert nudge_cases(demo_uow, settings, in_days(10)) == 0
    with demo_uow:
        case = demo_uow.session.scalar(select(Case).where(Case.reference == reference))
        assert case.reminded_at is not None and case.escalated_at is not None


def test_an_acknowledged_case_is_neither_reminded_nor_escalated(demo_uow, settings):
    reference = raise_case(demo_uow)
    with demo_uow:
        demo_uow.session.scalar(select(Case).where(Case.reference == reference)).status = CaseStatus.acknowledged
        demo_uow.commit()
    assert nudge_cases(demo_uow, settings, in_days(20)) == 0


def test_someone_kept_away_is_never_reminded_and_an_excluded_lead_is_skipped_for_the_other_teams(demo_uow, settings):
    raise_case(demo_uow, excluded=[DANDI_LEAD])
    nudge_cases(demo_uow, settings, in_days(7))
    assert [to for to, _ in notices(demo_uow, "case_reminder")] == ["U0DANDI002"]
    nudge_cases(demo_uow, settings, in_days(9))
    [(lead, escalation)] = notices(demo_uow, "case_escalation")
    assert lead == PEOPLE_LEAD and escalation["team"] == "the D&I service team"
    nudge_cases(demo_uow, settings, in_days(90))
    assert DANDI_LEAD not in {to for to, _ in notices(demo_uow, "case_feedback_due")}


def test_at_ninety_days_the_reporter_hears_how_it_stands_and_the_handlers_that_feedback_is_due(demo_uow, settings):
    reference = raise_case(demo_uow, days_ago=10)
    with demo_uow:
        case = demo_uow.session.scalar(select(Case).where(Case.reference == reference))
        case.status, case.acknowledged_at, case.assignee_slack_id = CaseStatus.in_progress, utcnow(), "U0DANDI002"
        demo_uow.commit()
    assert nudge_cases(demo_uow, settings, in_days(79)) == 0
    assert nudge_cases(demo_uow, settings, in_days(80)) == 2
    told = notices(demo_uow, "case_feedback_due")
    assert [(to, p["audience"]) for to, p in told] == [(REPORTER, "reporter"), ("U0DANDI002", "handler")]
    reporter_text = notice_text("case_feedback_due", told[0][1])
    assert reference in reporter_text and "working on it" in reporter_text and "in_progress" not in reporter_text
    assert "feedback" in notice_text("case_feedback_due", told[1][1])
    assert nudge_cases(demo_uow, settings, in_days(120)) == 0


def test_a_case_closed_sooner_gets_no_feedback_notice_and_a_rest_reporter_no_dm(demo_uow, settings):
    closed = raise_case(demo_uow)
    with demo_uow:
        case = demo_uow.session.scalar(select(Case).where(Case.reference == closed))
        case.status, case.closed_at = CaseStatus.closed, utcnow()
        demo_uow.commit()
    raise_case(demo_uow, reporter="rest:someone")
    nudge_cases(demo_uow, settings, in_days(95))
    told = notices(demo_uow, "case_feedback_due")
    assert told and all(p["reference"] != closed for _, p in told)
    assert {to for to, _ in told} == DANDI and all(p["reporter_told"] is False for _, p in told)


def test_no_notice_holds_what_happened_or_who_was_kept_away(demo_uow, settings):
    raise_case(demo_uow, excluded=[DANDI_LEAD])
    for day in (7, 9, 90):
        nudge_cases(demo_uow, settings, in_days(day))
    with demo_uow:
        rows = demo_uow.session.scalars(select(OutboxMessage).where(OutboxMessage.kind.in_(
            ["case_reminder", "case_escalation", "case_feedback_due"]))).all()
        assert len(rows) == 1 + 1 + 2
        for row in rows:
            shown = json.dumps(row.payload) + notice_text(row.kind, row.payload)
            assert "Quokka" not in shown and DANDI_LEAD not in shown and "excluded" not in shown
