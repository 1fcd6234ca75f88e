"""Service functions of every journey against real SQLite and PostgreSQL: happy paths,
validation failures, permission checks and duplicates."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from bot.core import db
from bot.core.errors import AlreadyDone, InvalidInput, NotFound, PermissionDenied
from bot.core.models import AuditEntry, Case, CaseStatus, Group, GroupProposal, GroupStatus, Membership, OutboxMessage
from bot.core.references import REFERENCE_RE
from bot.core.settings import load_settings
from bot.journeys.awareness_calendar import upcoming_events
from bot.journeys.check_status import my_requests, status_of
from bot.journeys.find_group import search_groups
from bot.journeys.invite_request import approve_invite, decline_invite, request_invite
from bot.journeys.join_group import GroupIsClosed, join_open_group
from bot.journeys.raise_issue import discard_draft, save_draft, submit_case
from bot.journeys.request_support import parse_amount, request_support, resolve_support_request
from bot.journeys.start_group import approve_proposal, decline_proposal, propose_group, similar_groups
from bot.slack.notices import notice_text
from harness.records import environment_cipher

ALEX = "U0ALEX0001"
WIT_ORGANISERS = {"U0WIT00001", "U0WIT00002"}
DANDI = "U0DANDI001"


def outbox(uow, kind=None):
    """(recipient, kind, fields) of each queued notice; fields["text"] is how Slack shows it."""
    with uow:
        query = select(OutboxMessage).order_by(OutboxMessage.id)
        if kind:
            query = query.where(OutboxMessage.kind == kind)
        return [(m.recipient, m.kind, rendered(m.kind, m.payload)) for m in uow.session.scalars(query)]


def rendered(kind: str, fields: dict) -> dict:
    return fields if kind == "channel_invite" else {**fields, "text": notice_text(kind, fields)}


def count(uow, model, *where):
    with uow:
        return uow.session.scalar(select(func.count()).select_from(model).where(*where))


# ---------------------------------------------------------------- join an open group

def test_join_open_group_records_membership_and_queues_channel_invite(demo_uow):
    group = join_open_group(ALEX, "climate-action", demo_uow)
    assert group.name == "Climate Action"
    assert outbox(demo_uow, "channel_invite") == [("C0CLIMAT01", "channel_invite",
                                                   {"channel": "C0CLIMAT01", "user": ALEX})]
    with pytest.raises(AlreadyDone, match="already in Climate Action: you'll find it at #climate-action"):
        join_open_group(ALEX, "climate-action", demo_uow)
    assert count(demo_uow, Membership) == 1 and len(outbox(demo_uow, "channel_invite")) == 1


def test_join_closed_retired_or_unknown_group_is_refused(demo_uow):
    with pytest.raises(GroupIsClosed, match="closed group"):
        join_open_group(ALEX, "women-in-tech", demo_uow)
    with demo_uow:
        demo_uow.session.scalar(select(Group).where(Group.slug == "faith-and-belief")).status = GroupStatus.retired
        demo_uow.commit()
    with pytest.raises(NotFound, match="has been retired"):
        join_open_group(ALEX, "faith-and-belief", demo_uow)
    with pytest.raises(NotFound):
        join_open_group(ALEX, "no-such-group", demo_uow)
    assert count(demo_uow, Membership) == 0 and outbox(demo_uow) == []


# ---------------------------------------------------------------- invite requests

def test_invite_request_is_routed_to_every_organiser_once(demo_uow):
    request = request_invite(ALEX, "women-in-tech", criteria_confirmed=True, note="Hi <!here> & all", uow=demo_uow)
    assert REFERENCE_RE.fullmatch(request.reference) and request.reference.startswith("INV-")
    sent = outbox(demo_uow, "invite_request")
    assert {recipient for recipient, _, _ in sent} == WIT_ORGANISERS
    assert "Hi &lt;!here&gt; &amp; all" in sent[0][2]["text"]  # typed text cannot ping anyone

    with pytest.raises(AlreadyDone, match="already have a request for Women in Tech") as again:
        request_invite(ALEX, "women-in-tech", criteria_confirmed=True, note=None, uow=demo_uow)
    assert again.value.reference == request.reference
    assert len(outbox(demo_uow, "invite_request")) == 2


def test_invite_request_validation(demo_uow):
    with pytest.raises(InvalidInput, match="meet its criteria"):
        request_invite(ALEX, "women-in-tech", criteria_confirmed=False, note=None, uow=demo_uow)
    with pytest.raises(InvalidInput, match="open group"):
        request_invite(ALEX, "climate-action", criteria_confirmed=True, note=None, uow=demo_uow)
    with pytest.raises(InvalidInput, match="under 500"):
        request_invite(ALEX, "women-in-tech", criteria_confirmed=True, note="x" * 501, uow=demo_uow)
    assert outbox(demo_uow) == []


def test_only_that_groups_organisers_decide_and_only_once(demo_uow):
    ref = request_invite(ALEX, "lgbtq-network", criteria_confirmed=True, note=None, uow=demo_uow).reference
    with pytest.raises(PermissionDenied):
        approve_invite(ref, "U0WIT00001", demo_uow)  # organiser of another group
    assert approve_invite(ref, "U0LGBTQ001", demo_uow).status == "approved"
    with pytest.raises(AlreadyDone, match="already approved"):
        decline_invite(ref, "U0LGBTQ002", demo_uow)
    decisions = outbox(demo_uow, "invite_decision")
    assert decisions[0][0] == ALEX and "approved" in decisions[0][2]["text"]
    assert outbox(demo_uow, "channel_invite") == [("C0LGBTQ001", "channel_invite",
                                                   {"channel": "C0LGBTQ001", "user": ALEX})]
    with pytest.raises(AlreadyDone, match="already a member"):
        request_invite(ALEX, "lgbtq-network", criteria_confirmed=True, note=None, uow=demo_uow)


def test_decline_tells_the_requester_with_the_reason(demo_uow):
    ref = request_invite(ALEX, "women-in-tech", criteria_confirmed=True, note=None, uow=demo_uow).reference
    decline_invite(ref, "U0WIT00002", demo_uow, reason="We're pausing new members until January")
    [(recipient, _, payload)] = outbox(demo_uow, "invite_decision")
    assert recipient == ALEX and "pausing new members" in payload["text"] and "D&I service team" in payload["text"]
    assert outbox(demo_uow, "channel_invite") == []
    # Declined is decided: a new request is allowed.
    request_invite(ALEX, "women-in-tech", criteria_confirmed=True, note=None, uow=demo_uow)


# ---------------------------------------------------------------- start a group

PROPOSAL = dict(name="Board Games Club", group_type="open", purpose="Playing board games together after work.",
                meeting="Thursdays at 6pm in the office", co_organisers=["U0SAM00001"],
                criteria=None, how_to_ask=None, edi_policy_confirmed=True)


def test_proposal_routed_to_dandi_and_approved_group_is_listed(demo_uow):
    proposal = propose_group(ALEX, uow=demo_uow, **PROPOSAL)
    assert proposal.reference.startswith("PRO-")
    [(recipient, kind, payload)] = outbox(demo_uow, "group_proposal")
    assert recipient == "C0DANDI001" and "Board Games Club" in payload["text"] and "<@U0SAM00001>" in payload["text"]
    with pytest.raises(AlreadyDone, match="already been proposed"):
        propose_group(ALEX, uow=demo_uow, **PROPOSAL)

    with pytest.raises(PermissionDenied):
        approve_proposal(proposal.reference, ALEX, demo_uow)
    group = approve_proposal(proposal.reference, DANDI, demo_uow)
    assert group.slug == "board-games-club" and {o[1] for o in group.organisers} == {ALEX, "U0SAM00001"}
    assert [g.name for g in search_groups("board games club", demo_uow).matches] == ["Board Games Club"]
    with pytest.raises(AlreadyDone):
        decline_proposal(proposal.reference, DANDI, "too late", demo_uow)
    assert "approved" in outbox(demo_uow, "proposal_decision")[0][2]["text"]


def test_proposal_validation(demo_uow):
    with pytest.raises(InvalidInput, match="Equality, Diversity & Inclusion Policy"):
        propose_group(ALEX, uow=demo_uow, **{**PROPOSAL, "edi_policy_confirmed": False})
    with pytest.raises(AlreadyDone, match="already a group called Women in Tech"):
        propose_group(ALEX, uow=demo_uow, **{**PROPOSAL, "name": "women in tech"})
    with pytest.raises(InvalidInput, match="who it's for"):
        propose_group(ALEX, uow=demo_uow, **{**PROPOSAL, "group_type": "closed"})
    with pytest.raises(InvalidInput, match="purpose"):
        propose_group(ALEX, uow=demo_uow, **{**PROPOSAL, "purpose": "games"})
    assert outbox(demo_uow) == []


def test_decline_proposal_needs_a_reason(demo_uow):
    ref = propose_group(ALEX, uow=demo_uow, **PROPOSAL).reference
    with pytest.raises(InvalidInput):
        decline_proposal(ref, DANDI, "  ", demo_uow)
    assert decline_proposal(ref, DANDI, "Please merge with the existing games night", demo_uow).status == "declined"
    assert "merge" in outbox(demo_uow, "proposal_decision")[0][2]["text"]


def test_the_proposer_is_the_first_organiser_and_nobody_is_listed_twice(demo_uow):
    propose_group(ALEX, uow=demo_uow, **{**PROPOSAL, "co_organisers": ["U0SAM00001", ALEX, "U0SAM00001"]})
    with demo_uow:
        [proposal] = demo_uow.session.scalars(select(GroupProposal)).all()
        assert [o["slack_user_id"] for o in proposal.organisers] == [ALEX, "U0SAM00001"]


def test_organisers_named_without_a_mention_reach_the_dandi_team_but_are_never_made_organisers(demo_uow):
    # "@Marcus Lee and me" that Slack didn't resolve: the name goes to the D&I team to check, escaped.
    ref = propose_group(ALEX, uow=demo_uow, **{**PROPOSAL, "named_organisers": ["Marcus Lee", "<b>Jo</b>"]}).reference
    [(_, _, payload)] = outbox(demo_uow, "group_proposal")
    assert "Marcus Lee" in payload["text"] and "not yet known in Slack" in payload["text"] and "<b>" not in payload["text"]
    group = approve_proposal(ref, DANDI, demo_uow)
    assert {o[1] for o in group.organisers} == {ALEX, "U0SAM00001"}


def test_names_typed_after_an_at_are_read_as_typed():
    from bot.slack.markup import typed_at_names
    assert typed_at_names("@Marcus Lee and me") == ["Marcus Lee"]
    assert typed_at_names("me and @Helen Carter. Oh and @Rosa Delgado said she'd help") == ["Helen Carter", "Rosa Delgado"]
    assert typed_at_names("<@U0SAM00001> and me") == [] and typed_at_names("mail jo@example.com") == []


def test_similar_groups_are_found_by_name_or_purpose(demo_uow):
    assert [g.name for g in similar_groups("Working Parents", None, demo_uow)] == ["Parents and Carers"]
    assert [g.name for g in similar_groups("Green Team", "talk about climate change", demo_uow)] == ["Climate Action"]
    assert similar_groups("Chess", "playing chess", demo_uow) == []


# ---------------------------------------------------------------- support

@pytest.mark.parametrize("typed, pence", [("£250", 25000), ("about 300 pounds", 30000), ("1,200.50", 120050),
                                          ("1.5k", 150000)])
def test_amounts(typed, pence):
    assert parse_amount(typed) == pence


@pytest.mark.parametrize("typed", ["lots", "0", "£20,000", ""])
def test_bad_amounts(typed):
    with pytest.raises(InvalidInput):
        parse_amount(typed)


@pytest.mark.parametrize("kind, recipient", [("social_budget", "C0CANDH001"), ("speaker_fee", "C0DANDI001"),
                                             ("awareness_event", "C0MARKET01"), ("office_space", "C0CANDH001"),
                                             ("other", "C0DANDI001")])
def test_support_is_routed_by_kind(demo_uow, kind, recipient):
    request = request_support(ALEX, kind=kind, group_slug="climate-action", when="March", amount_text="£150",
                              details="Pizza for 12", uow=demo_uow)
    [(to, _, payload)] = outbox(demo_uow, "support_request")
    assert to == recipient and request.reference in payload["text"]
    assert ("£150" in payload["text"]) == (kind in ("social_budget", "speaker_fee"))


def test_support_duplicate_and_resolution(demo_uow):
    args = dict(kind="social_budget", group_slug=None, when="next Friday", amount_text="200", details="Games night")
    ref = request_support(ALEX, uow=demo_uow, **args).reference
    with pytest.raises(AlreadyDone) as again:
        request_support(ALEX, uow=demo_uow, **args)
    assert again.value.reference == ref
    with pytest.raises(PermissionDenied):
        resolve_support_request(ref, DANDI, done=True, reason=None, uow=demo_uow)  # routed to C&H, not D&I
    assert resolve_support_request(ref, "U0CANDH001", done=True, reason=None, uow=demo_uow).status == "done"
    assert "marked as done" in outbox(demo_uow, "support_decision")[0][2]["text"]


# ---------------------------------------------------------------- calendar

def test_upcoming_events_are_the_next_ones(demo_uow):
    events = upcoming_events(date(2027, 2, 10), demo_uow, limit=3)
    assert [e.name for e in events] == ["LGBT+ History Month (UK)", "International Women's Day",
                                        "International Transgender Day of Visibility"]
    assert events[0].when() == "all of February 2027" and events[1].when() == "8 March 2027"


# ---------------------------------------------------------------- raise an issue

NARRATIVE = "At the last meetup someone made repeated comments about my accent."


def test_narrative_is_stored_encrypted_and_the_case_routed_without_it(demo_uow):
    draft = save_draft(NARRATIVE, demo_uow)
    assert NARRATIVE not in draft
    receipt = submit_case(draft, ALEX, on_behalf=False, consented=None, may_be_named=None, category="behaviour",
                          route_to="people", uow=demo_uow)
    assert receipt.reference.startswith("CASE-") and receipt.team_name == "the People team"
    with demo_uow:
        case = demo_uow.session.scalar(select(Case).where(Case.reference == receipt.reference))
        assert NARRATIVE.encode() not in case.narrative_ciphertext
        assert environment_cipher().decrypt(case.narrative_ciphertext) == NARRATIVE
        audit = [a.detail for a in demo_uow.session.scalars(select(AuditEntry))]
    notices = outbox(demo_uow, "case_notice")
    assert sorted(to for to, _, _ in notices) == ["U0PEOPLE01", "U0PEOPLE02"]  # each handler, as a DM
    assert all(payload["reference"] == receipt.reference for _, _, payload in notices)
    assert "accent" not in str(notices) and "accent" not in str(audit)


def test_on_behalf_needs_consent_and_stop_discards_the_draft(demo_uow):
    draft = save_draft(NARRATIVE, demo_uow)
    with pytest.raises(InvalidInput, match="agreed"):
        submit_case(draft, ALEX, on_behalf=True, consented=False, may_be_named=False, category="behaviour",
                    route_to="dandi_service", uow=demo_uow)
    discard_draft(draft, demo_uow)
    assert count(demo_uow, Case) == 0
    with pytest.raises(NotFound):
        submit_case(draft, ALEX, on_behalf=False, consented=None, may_be_named=None, category="behaviour",
                    route_to="dandi_service", uow=demo_uow)
    with pytest.raises(InvalidInput):
        save_draft("too short", demo_uow)
    assert outbox(demo_uow) == []


# ---------------------------------------------------------------- check status

def test_status_by_reference_is_only_for_the_requester(demo_uow):
    inv = request_invite(ALEX, "women-in-tech", criteria_confirmed=True, note=None, uow=demo_uow).reference
    sup = request_support(ALEX, kind="other", group_slug=None, when="", amount_text=None, details="A question",
                          uow=demo_uow).reference
    draft = save_draft(NARRATIVE, demo_uow)
    case = submit_case(draft, ALEX, on_behalf=False, consented=None, may_be_named=None, category="other",
                       route_to="dandi_service", uow=demo_uow).reference
    assert {v.reference for v in my_requests(ALEX, demo_uow)} == {inv, sup, case}
    view = status_of(f"what about {inv.lower()}?", ALEX, demo_uow)
    assert view.reference == inv and "invite to Women in Tech, waiting for a decision" in view.line()
    with pytest.raises(NotFound, match="among your requests"):
        status_of(inv, "U0SOMEONE1", demo_uow)
    with pytest.raises(NotFound, match="look like one of my references"):
        status_of("hello", ALEX, demo_uow)
    assert my_requests("U0SOMEONE1", demo_uow) == []
    assert count(demo_uow, Case, Case.status == CaseStatus.draft) == 0


def test_acknowledgement_deadline_comes_from_settings(engine, demo_uow):
    uow = db.uow_factory(engine, load_settings({"CASE_ACKNOWLEDGE_DAYS": "3"}))()
    receipt = submit_case(save_draft(NARRATIVE, uow), ALEX, on_behalf=False, consented=None, may_be_named=None,
                          category="other", route_to="dandi_service", uow=uow)
    assert receipt.acknowledge_days == 3
    assert {payload["acknowledge_days"] for _, _, payload in outbox(uow, "case_notice")} == {3}
