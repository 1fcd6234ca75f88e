"""Start a group: a proposal checked against the registry, routed to the D&I service team,
who approve it (the group becomes active and listed) or decline it with a reason."""
from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import func, select

from bot.core import audit, outbox, routing
from bot.core.db import UnitOfWork
from bot.core.decisions import pending_request
from bot.core.errors import AlreadyDone, InvalidInput, NotFound
from bot.core.models import Group, GroupProposal, GroupStatus, GroupType, Organiser, RequestStatus
from bot.core.notices import GroupProposalNotice, ProposalDecisionNotice
from bot.core.references import new_reference
from bot.journeys.find_group import GroupView, group_view, search_groups

# This kind in bot.journeys.decidable: its reference prefix, and the outbox kind of its copies.
PREFIX, NOTICE_KIND = "PRO", GroupProposalNotice.kind


@dataclass(frozen=True)
class ProposalView:
    reference: str
    name: str
    status: str


def validate_name(name: str, uow: UnitOfWork) -> str:
    name = " ".join((name or "").split())
    if not 3 <= len(name) <= 80:
        raise InvalidInput("A group name needs to be between 3 and 80 characters.")
    if not re.search(r"[A-Za-z0-9]", name):
        raise InvalidInput("A group name needs some letters or numbers in it.")
    with uow:
        existing = uow.session.scalar(select(Group).where(func.lower(Group.name) == name.lower()))
        if existing is not None and existing.status != GroupStatus.retired:
            raise AlreadyDone(f"There's already a group called {existing.name}.")
        pending = uow.session.scalar(select(GroupProposal).where(
            func.lower(GroupProposal.name) == name.lower(), GroupProposal.status == RequestStatus.pending))
        if pending is not None:
            raise AlreadyDone(f"A group called {pending.name} has already been proposed and is waiting for the "
                              f"D&I service team ({pending.reference}).", pending.reference)
    return name


def validate_text(value: str, what: str, *, min_chars: int = 10, max_chars: int = 1000) -> str:
    value = " ".join((value or "").split())
    if len(value) < min_chars:
        raise InvalidInput(f"Could you say a little more about {what}? A sentence or two is plenty.")
    if len(value) > max_chars:
        raise InvalidInput(f"That's a bit long: please keep {what} under {max_chars} characters.")
    return value


def similar_groups(name: str, purpose: str | None, uow: UnitOfWork) -> list[GroupView]:
    """Active groups that sound like the proposal, by name first, then by purpose."""
    found: list[GroupView] = []
    for text in filter(None, (name, purpose)):
        result = search_groups(text, uow)
        for group in result.matches + result.suggestions:
            if group not in found:
                found.append(group)
    return found[:3]


def propose_group(proposer_id: str, *, name: str, group_type: str, purpose: str, meeting: str,
                  co_organisers: list[str], criteria: str | None, how_to_ask: str | None,
                  edi_policy_confirmed: bool, uow: UnitOfWork, named_organisers: list[str] = ()) -> ProposalView:
    """`co_organisers` are user ids (the chat takes them from @-mentions, bot.slack.markup).
    `named_organisers` are names typed after an @ that Slack didn't resolve: a name can't say who
    someone is, so they are passed to the D&I service team to check, and never made organisers
    on approval."""
    if not edi_policy_confirmed:
        raise InvalidInput("Every group needs to follow the Equality, Diversity & Inclusion Policy, "
                           "so I can't send the proposal without that.")
    if group_type not in {t.value for t in GroupType}:
        raise InvalidInput("A group is open, closed, or both.")
    name = validate_name(name, uow)
    purpose = validate_text(purpose, "its purpose")
    meeting = validate_text(meeting, "when and how it meets", min_chars=5)
    if group_type in ("closed", "both"):
        criteria = validate_text(criteria or "", "who it's for", min_chars=5)
        how_to_ask = validate_text(how_to_ask or "", "how to ask for an invite", min_chars=5)
    else:
        criteria = how_to_ask = None
    organisers = list(dict.fromkeys([proposer_id, *co_organisers]))  # the proposer first, each once
    named = [" ".join(str(n).split())[:80] for n in dict.fromkeys(named_organisers) if str(n).strip()][:10]
    with uow:
        session = uow.session
        proposal = GroupProposal(
            reference=new_reference(PREFIX), proposer_slack_id=proposer_id, name=name, type=GroupType(group_type),
            purpose=purpose, meeting=meeting, organisers=[{"slack_user_id": o} for o in organisers] + [{"name": n} for n in named], criteria=criteria, how_to_ask=how_to_ask,
            edi_policy_confirmed=True)
        session.add(proposal)
        session.flush()
        for recipient in routing.team_recipients(session, "dandi_service"):
            outbox.notify(session, GroupProposalNotice(
                reference=proposal.reference, proposer=proposer_id, name=name, group_type=group_type, purpose=purpose,
                meeting=meeting, organisers=organisers, named_organisers=named, criteria=criteria,
                how_to_ask=how_to_ask),
                key=outbox.copy_key(NOTICE_KIND, proposal.reference, recipient), recipient=recipient)
        audit.record(session, proposer_id, "proposed_group", "group_proposal", proposal.reference)
        view = ProposalView(proposal.reference, name, proposal.status.value)
        uow.commit()
        return view


def _slugify(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:70] or "group"


def dandi_may_decide(session, proposal: GroupProposal, actor_id: str) -> bool:
    return routing.is_team_member(session, "dandi_service", actor_id)


def pending_proposal(session, reference: str, actor_id: str) -> GroupProposal:
    return pending_request(session, GroupProposal, reference, actor_id, noun="a proposal", may_decide=dandi_may_decide,
                           refusal=lambda _: "Only the D&I service team can decide on group proposals.")


def approve_proposal(reference: str, actor_id: str, uow: UnitOfWork) -> GroupView:
    """The group becomes active and listed. Channels are created by the Slack side."""
    with uow:
        session = uow.session
        proposal = pending_proposal(session, reference, actor_id)
        slug, n = _slugify(proposal.name), 1
        while session.scalar(select(Group.id).where(Group.slug == slug)):
            n += 1
            slug = f"{_slugify(proposal.name)}-{n}"
        group = Group(slug=slug, name=proposal.name, type=proposal.type, purpose=proposal.purpose,
                      meeting=proposal.meeting, criteria=proposal.criteria, how_to_ask=proposal.how_to_ask,
                      status=GroupStatus.active)
        # Organisers are user ids from the start (propose_group), so each can be added.
        group.organisers = [Organiser(slack_user_id=o["slack_user_id"], name=o["slack_user_id"])
                            for o in proposal.organisers if o.get("slack_user_id")]
        session.add(group)
        session.flush()
        proposal.status, proposal.group_id = RequestStatus.approved, group.id
        proposal.decided_by, proposal.decided_at = actor_id, uow.clock()
        outbox.notify(session, ProposalDecisionNotice(reference=proposal.reference, name=proposal.name, approved=True),
                      key=f"proposal_decision:{proposal.reference}", recipient=proposal.proposer_slack_id)
        audit.record(session, actor_id, "approved_proposal", "group_proposal", proposal.reference, group=slug)
        view = group_view(group)
        uow.commit()
        return view


def channel_names_for(proposal_name: str, group_type: str) -> dict[str, str]:
    """The Slack channel(s) an approved group gets: which part -> name (Slack: lower case, ≤80)."""
    base = _slugify(proposal_name)[:60]
    if group_type == "both":
        return {"open": base, "closed": f"{base}-members"}
    return {group_type: base}


def attach_channels(group_slug: str, actor_id: str, channels: dict[str, tuple[str, str]], uow: UnitOfWork) -> None:
    """Record the channels created for an approved group ({"open"|"closed": (id, name)}) and
    queue inviting its organisers to each."""
    with uow:
        session = uow.session
        group = session.scalar(select(Group).where(Group.slug == group_slug))
        if group is None:
            raise NotFound("I couldn't find that group.")
        for part, (channel_id, channel_name) in channels.items():
            if part == "closed" and group.type == GroupType.both:
                group.closed_slack_channel_id, group.closed_slack_channel_name = channel_id, channel_name
            else:
                group.slack_channel_id, group.slack_channel_name = channel_id, channel_name
            for organiser in group.organisers:
                outbox.invite_to_channel(session, key=f"organiser:{channel_id}:{organiser.slack_user_id}",
                                         channel_id=channel_id, user_id=organiser.slack_user_id)
        audit.record(session, actor_id, "attached_channels", "group", group.slug,
                     channels=sorted(name for _, name in channels.values()))
        uow.commit()


def decline_proposal(reference: str, actor_id: str, reason: str, uow: UnitOfWork) -> ProposalView:
    reason = " ".join((reason or "").split())
    if not reason:
        raise InvalidInput("Please give the proposer a reason, so they know what to change.")
    with uow:
        session = uow.session
        proposal = pending_proposal(session, reference, actor_id)
        proposal.status, proposal.reason = RequestStatus.declined, reason
        proposal.decided_by, proposal.decided_at = actor_id, uow.clock()
        outbox.notify(session, ProposalDecisionNotice(reference=proposal.reference, name=proposal.name,
                                                      approved=False, reason=reason),
                      key=f"proposal_decision:{proposal.reference}", recipient=proposal.proposer_slack_id)
        audit.record(session, actor_id, "declined_proposal", "group_proposal", proposal.reference)
        view = ProposalView(proposal.reference, proposal.name, proposal.status.value)
        uow.commit()
        return view
