"""Retention: each kind removed after its period and nothing before; 0 keeps a kind;
delivered notifications lose their text; a dry run only counts. On SQLite and PostgreSQL."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from bot.core import audit
from bot.core.models import (AuditEntry, Case, CaseNote, CaseStatus, ConfidentialPrompt, GroupProposal, InviteRequest,
                             OutboxMessage, OutboxStatus, SupportRequest, utcnow)
from bot.core.settings import load_settings
from bot.journeys import invite_request, request_support, start_group
from bot.journeys.housekeeping import run_housekeeping
from bot.journeys.raise_issue import expect, save_draft, submit_case
from bot.journeys.retention import delivered_payload, purge
from harness.records import environment_cipher

NARRATIVE = "Something happened at the last meetup that I would like the team to know about."
REQUESTER = "U0ALEX0001"


pytestmark = pytest.mark.usefixtures("case_key")


@pytest.fixture
def settings():
    return load_settings()


def count(uow, model) -> int:
    with uow:
        return uow.session.scalar(select(func.count()).select_from(model))


def age(uow, model, column: str, days: float, **where) -> None:
    """Move a record's date back, as if `days` had passed."""
    with uow:
        condition = [getattr(model, k) == v for k, v in where.items()]
        uow.session.execute(update(model).where(*condition).values({column: utcnow() - timedelta(days=days)}),
                            execution_options={"synchronize_session": False})
        uow.commit()


def test_drafts_abandoned_for_a_day_are_purged_and_fresh_ones_kept(demo_uow, settings):
    stale, fresh = save_draft(NARRATIVE, demo_uow), save_draft(NARRATIVE, demo_uow)
    age(demo_uow, Case, "created_at", 2, reference=stale)
    expect("rest:gone", "narrative", None, demo_uow)
    expect("rest:waiting", "narrative", None, demo_uow)
    age(demo_uow, ConfidentialPrompt, "expires_at", 1, conversation_id="rest:gone")
    counts = purge(demo_uow, settings)
    assert counts["abandoned_drafts"] == 1 and counts["expired_prompts"] == 1
    with demo_uow:
        assert [c.reference for c in demo_uow.session.scalars(select(Case))] == [fresh]
        assert [p.conversation_id for p in demo_uow.session.scalars(select(ConfidentialPrompt))] == ["rest:waiting"]


def decided_requests(uow) -> None:
    """One decided and one pending of each kind of request."""
    for requester in (REQUESTER, "U0SAM00001"):
        invite_request.request_invite(requester, "women-in-tech", criteria_confirmed=True, note=None, uow=uow)
    with uow:
        first = uow.session.scalars(select(InviteRequest).order_by(InviteRequest.id)).first()
        organiser = first.group.organisers[0].slack_user_id
        reference = first.reference
    invite_request.decline_invite(reference, organiser, uow)
    for when in ("June", "July"):
        request_support.request_support(REQUESTER, kind="speaker_fee", group_slug="climate-action", when=when,
                                        amount_text="£200", details="A speaker on heat pumps", uow=uow)
    with uow:
        support = uow.session.scalars(select(SupportRequest).order_by(SupportRequest.id)).first()
        support_ref = support.reference
    request_support.resolve_support_request(support_ref, "U0DANDI001", done=True, reason=None, uow=uow)
    for name in ("Board Games", "Book Club"):
        start_group.propose_group(REQUESTER, name=name, group_type="open", purpose="Play and talk together.",
                                  meeting="Fridays at lunch", co_organisers=[], criteria=None, how_to_ask=None,
                                  edi_policy_confirmed=True, uow=uow)
    with uow:
        proposal = uow.session.scalars(select(GroupProposal).order_by(GroupProposal.id)).first().reference
    start_group.decline_proposal(proposal, "U0DANDI001", "Not this time", uow)


def test_decided_requests_go_after_their_period_and_pending_ones_stay(demo_uow, settings):
    decided_requests(demo_uow)
    assert purge(demo_uow, settings)["invite_requests"] == 0  # decided just now
    for model in (InviteRequest, SupportRequest, GroupProposal):
        with demo_uow:
            demo_uow.session.execute(update(model).where(model.decided_at.is_not(None)).values(
                decided_at=utcnow() - timedelta(days=89)), execution_options={"synchronize_session": False})
            demo_uow.commit()
    assert purge(demo_uow, settings)["invite_requests"] == 0
    counts = purge(demo_uow, settings, now=utcnow() + timedelta(days=2))
    assert (counts["invite_requests"], counts["support_requests"], counts["group_proposals"]) == (1, 1, 1)
    for model in (InviteRequest, SupportRequest, GroupProposal):
        with demo_uow:
            assert [r.status.value for r in demo_uow.session.scalars(select(model))] == ["pending"], model


def closed_case(uow, closed_days_ago: float) -> str:
    draft = save_draft(NARRATIVE, uow)
    reference = submit_case(draft, "U0REPORT01", on_behalf=False, consented=None, may_be_named=None,
                            category="behaviour", route_to="dandi_service", uow=uow).reference
    with uow:
        case = uow.session.scalar(select(Case).where(Case.reference == reference))
        case.status, case.closed_at = CaseStatus.closed, utcnow() - timedelta(days=closed_days_ago)
        case.notes.append(CaseNote(author_slack_id="U0DANDI001",
                          body_ciphertext=environment_cipher().encrypt("a note")))
        uow.commit()
    return reference


def test_closed_cases_go_with_their_notes_after_a_year_and_open_ones_stay(demo_uow, settings):
    closed_case(demo_uow, 366)
    recent = closed_case(demo_uow, 364)
    draft = save_draft(NARRATIVE, demo_uow)
    still_open = submit_case(draft, "U0REPORT02", on_behalf=False, consented=None, may_be_named=None,
                             category="behaviour", route_to="dandi_service", uow=demo_uow).reference
    age(demo_uow, Case, "submitted_at", 800, reference=still_open)
    counts = purge(demo_uow, settings)
    assert counts["closed_cases"] == 1 and counts["case_notes"] == 1
    with demo_uow:
        assert sorted(c.reference for c in demo_uow.session.scalars(select(Case))) == sorted([recent, still_open])
        assert demo_uow.session.scalar(select(func.count()).select_from(CaseNote)) == 1


def test_audit_rows_go_after_their_period(demo_uow, settings):
    with demo_uow:
        audit.record(demo_uow.session, "U0DANDI001", "opened_case", "case", "CASE-OLD")
        audit.record(demo_uow.session, "U0DANDI001", "opened_case", "case", "CASE-NEW")
        demo_uow.commit()
    age(demo_uow, AuditEntry, "at", 731, subject_id="CASE-OLD")
    assert purge(demo_uow, settings)["audit_entries"] == 1
    with demo_uow:
        assert [a.subject_id for a in demo_uow.session.scalars(select(AuditEntry))] == ["CASE-NEW"]


def sent(uow, key: str, kind: str = "welcome", **fields) -> None:
    """A row as an earlier version delivered it: any payload, stored as it was."""
    with uow:
        uow.session.add(OutboxMessage(idempotency_key=key, kind=kind, recipient="U0ALEX0001", payload=fields,
                                      status=OutboxStatus.sent, sent_at=utcnow()))
        uow.commit()


def test_delivered_notifications_lose_their_text_and_old_ones_go(demo_uow, settings):
    # Delivered before delivery stripped them: purge strips them.
    sent(demo_uow, "old-style", kind="invite_decision", reference="INV-1", group="Women in Tech", approved=False,
         reason="a private reason")
    sent(demo_uow, "older", kind="welcome", reference="X-2")
    age(demo_uow, OutboxMessage, "sent_at", 91, idempotency_key="older")
    counts = purge(demo_uow, settings)
    assert counts["outbox_payloads_stripped"] == 1 and counts["outbox_rows"] == 1  # the old one just goes
    with demo_uow:
        [row] = demo_uow.session.scalars(select(OutboxMessage)).all()
        assert row.payload == {"reference": "INV-1", "stripped": True}
    assert delivered_payload({"reference": "R", "note": "secret", "requester": "U1"}) == {"reference": "R",
                                                                                          "stripped": True}


def test_a_requests_copies_keep_their_text_until_it_is_decided(demo_uow, settings):
    """A decision rewrites every copy in place (bot.slack.decisions), from the copy's fields."""
    reference = invite_request.request_invite(REQUESTER, "women-in-tech", criteria_confirmed=True, note="hi",
                                              uow=demo_uow).reference
    with demo_uow:
        demo_uow.session.execute(update(OutboxMessage).where(OutboxMessage.kind == "invite_request").values(
            status=OutboxStatus.sent, sent_at=utcnow()), execution_options={"synchronize_session": False})
        demo_uow.commit()
    assert purge(demo_uow, settings)["outbox_payloads_stripped"] == 0
    with demo_uow:
        organiser = demo_uow.session.scalar(select(InviteRequest)).group.organisers[0].slack_user_id
    invite_request.approve_invite(reference, organiser, demo_uow)
    assert purge(demo_uow, settings)["outbox_payloads_stripped"] == 0  # the copies are being rewritten
    assert purge(demo_uow, settings, now=utcnow() + timedelta(hours=2))["outbox_payloads_stripped"] == 2


def test_zero_keeps_a_kind_and_a_dry_run_only_counts(demo_uow):
    stale = save_draft(NARRATIVE, demo_uow)
    age(demo_uow, Case, "created_at", 2, reference=stale)
    closed_case(demo_uow, 400)
    keep = load_settings({"RETAIN_DRAFTS_HOURS": "0", "RETAIN_CLOSED_CASES_DAYS": "0"})
    assert keep.retain_drafts_hours == 0
    counts = purge(demo_uow, keep)
    assert counts["abandoned_drafts"] == 0 and counts["closed_cases"] == 0 and count(demo_uow, Case) == 2
    dry = purge(demo_uow, load_settings(), dry_run=True)
    assert dry["abandoned_drafts"] == 1 and dry["closed_cases"] == 1 and dry["case_notes"] == 1
    assert count(demo_uow, Case) == 2 and count(demo_uow, CaseNote) == 1


def test_housekeeping_runs_deadlines_and_purge(demo_uow, settings):
    stale = save_draft(NARRATIVE, demo_uow)
    age(demo_uow, Case, "created_at", 2, reference=stale)
    draft = save_draft(NARRATIVE, demo_uow)
    submit_case(draft, "U0REPORT01", on_behalf=False, consented=None, may_be_named=None, category="behaviour",
                route_to="dandi_service", uow=demo_uow)
    done = run_housekeeping(lambda: demo_uow, settings, now=utcnow() + timedelta(days=7))
    assert done["case_deadlines"] == 2 and done["purged"]["abandoned_drafts"] == 1


def test_delivery_drops_a_notices_text_once_sent_but_a_waiting_requests_copies_keep_theirs(demo_uow):
    from bot.slack.api import web_client
    from bot.slack.delivery import deliver_due, queued_notices
    from harness.slack_double import SlackDouble

    with SlackDouble() as slack:
        slack.add_channel("C0WIT00001", "women-in-tech", private=True)
        settings = load_settings({"SLACK_BOT_TOKEN": "xoxb-test", "SLACK_API_URL": slack.base_url})
        reference = invite_request.request_invite(REQUESTER, "women-in-tech", criteria_confirmed=True,
                                                  note="a private note", uow=demo_uow).reference
        with demo_uow:
            organiser = demo_uow.session.scalar(select(InviteRequest)).group.organisers[0].slack_user_id
        invite_request.decline_invite(reference, organiser, demo_uow, reason="a private reason")
        assert len(deliver_due(lambda: demo_uow, web_client(settings), settings).sent) == 3
    with demo_uow:
        rows = {m.kind: m.payload for m in demo_uow.session.scalars(select(OutboxMessage))}
    # The requester's answer: only its reference is kept. The organisers' copies were already
    # decided when sent, so nothing will rewrite them either.
    assert rows == {"invite_decision": {"reference": reference, "stripped": True},
                    "invite_request": {"reference": reference, "stripped": True}}
    listed = "\n".join(queued_notices(demo_uow, include_done=True))
    assert "private" not in listed and "no longer kept" in listed


def test_the_action_servers_timer_runs_housekeeping_until_stopped(demo_uow, engine, settings):
    import time

    from bot.core.db import uow_factory
    from bot.journeys.housekeeping import start_timer

    stale = save_draft(NARRATIVE, demo_uow)
    age(demo_uow, Case, "created_at", 2, reference=stale)
    stop = start_timer(uow_factory(engine), settings, every=3600)  # its own sessions, in its own thread
    try:
        for _ in range(100):
            if count(demo_uow, Case) == 0:
                break
            time.sleep(0.1)
        assert count(demo_uow, Case) == 0
    finally:
        stop.set()
