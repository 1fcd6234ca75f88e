"""Start a group: a proposal checked against the registry, routed to the D&I service team,
who approve it (the group becomes active and listed) or decline it with a reason."""
from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import func, select

from bot.core import audit
from bot.core import outbox
from bot.core import routing
from bot.core.db import UnitOfWork
from bot.core.errors import AlreadyDone, InvalidInput, NotFound, PermissionDenied
from bot.journeys.find_group import GroupView, group_view, search_groups
from bot.core.models import Group, GroupProposal, GroupStatus, GroupType, Organiser, RequestStatus, utcnow
from bot.core.references import new_reference
from bot.slack.markup import escape_mrkdwn

SLACK_MENTION_RE = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")


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


def parse_organisers(text: str, proposer_id: str) -> list[dict]:
    """Co-organisers from what was typed: Slack mentions become user ids, other names are
    kept as names. The proposer is always the first organiser."""
    organisers = [{"slack_user_id": proposer_id, "name": None}]
    seen = {proposer_id}
    for user_id in SLACK_MENTION_RE.findall(text or ""):
        if user_id not in seen:
            organisers.append({"slack_user_id": user_id, "name": None})
            seen.add(user_id)
    rest = SLACK_MENTION_RE.sub(",", text or "")
    for name in re.split(r",|\band\b|&|\n|;", rest):
        name = " ".join(name.split()).strip(" .")
        if name and name.lower() not in {"me", "myself", "i", "just me", "only me", "no", "none", "nobody", "no one"}:
            organisers.append({"slack_user_id": None, "name": name[:120]})
    return organisers


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
                  organisers_text: str, criteria: str | None, how_to_ask: str | None, edi_policy_confirmed: bool,
                  uow: UnitOfWork) -> ProposalView:
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
    organisers = parse_organisers(organisers_text, proposer_id)
    with uow:
        session = uow.session
        proposal = GroupProposal(
            reference=new_reference("PRO"), proposer_slack_id=proposer_id, name=name, type=GroupType(group_type),
            purpose=purpose, meeting=meeting, organisers=organisers, criteria=criteria, how_to_ask=how_to_ask,
            edi_policy_confirmed=True)
        session.add(proposal)
        session.flush()
        text = (f"<@{proposer_id}> proposes a new *{group_type}* group: *{escape_mrkdwn(name)}* ({proposal.reference})\n"
                f"*Purpose:* {escape_mrkdwn(purpose)}\n*Meets:* {escape_mrkdwn(meeting)}\n"
                f"*Organisers:* {_organiser_names(organisers)}")
        if criteria:
            text += f"\n*Who it's for:* {escape_mrkdwn(criteria)}\n*How to ask:* {escape_mrkdwn(how_to_ask)}"
        for recipient in routing.team_recipients(session, "dandi_service"):
            outbox.notify(session, key=f"proposal:{proposal.reference}:{recipient}", kind="group_proposal",
                          recipient=recipient, text=text, reference=proposal.reference)
        audit.record(session, proposer_id, "proposed_group", "group_proposal", proposal.reference)
        view = ProposalView(proposal.reference, name, proposal.status.value)
        uow.commit()
        return view


def _organiser_names(organisers: list[dict]) -> str:
    """Mentions for people with a Slack id; typed names escaped so they cannot ping anyone."""
    return ", ".join(f"<@{o['slack_user_id']}>" if o["slack_user_id"] else escape_mrkdwn(o["name"]) for o in organisers)


def _slugify(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:70] or "group"


def _pending_proposal(session, reference: str, actor_id: str) -> GroupProposal:
    if not routing.is_team_member(session, "dandi_service", actor_id):
        raise PermissionDenied("Only the D&I service team can decide on group proposals.")
    proposal = session.scalar(select(GroupProposal).where(GroupProposal.reference == reference.upper()))
    if proposal is None:
        raise NotFound(f"I couldn't find a proposal {reference}.")
    if proposal.status != RequestStatus.pending:
        raise AlreadyDone(f"This proposal was already {proposal.status.value}.", proposal.reference)
    return proposal


def check_proposal_decider(reference: str, actor_id: str, uow: UnitOfWork) -> None:
    """Raises what deciding would raise, before a decline form is opened for nothing."""
    with uow:
        _pending_proposal(uow.session, reference, actor_id)


def approve_proposal(reference: str, actor_id: str, uow: UnitOfWork) -> GroupView:
    """The group becomes active and listed. Channels are created by the Slack side."""
    with uow:
        session = uow.session
        proposal = _pending_proposal(session, reference, actor_id)
        slug, n = _slugify(proposal.name), 1
        while session.scalar(select(Group.id).where(Group.slug == slug)):
            n += 1
            slug = f"{_slugify(proposal.name)}-{n}"
        group = Group(slug=slug, name=proposal.name, type=proposal.type, purpose=proposal.purpose,
                      meeting=proposal.meeting, criteria=proposal.criteria, how_to_ask=proposal.how_to_ask,
                      status=GroupStatus.active)
        group.organisers = [Organiser(slack_user_id=o["slack_user_id"], name=o["name"] or o["slack_user_id"])
                            for o in proposal.organisers if o["slack_user_id"]]
        session.add(group)
        session.flush()
        proposal.status, proposal.group_id = RequestStatus.approved, group.id
        proposal.decided_by, proposal.decided_at = actor_id, utcnow()
        outbox.notify(session, key=f"proposal_decision:{proposal.reference}", kind="proposal_decision",
                      recipient=proposal.proposer_slack_id, reference=proposal.reference,
                      text=f"Great news: *{escape_mrkdwn(proposal.name)}* ({proposal.reference}) has been approved "
                           "and is now listed. People can find it through me straight away.")
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
        proposal = _pending_proposal(session, reference, actor_id)
        proposal.status, proposal.reason = RequestStatus.declined, reason
        proposal.decided_by, proposal.decided_at = actor_id, utcnow()
        outbox.notify(session, key=f"proposal_decision:{proposal.reference}", kind="proposal_decision",
                      recipient=proposal.proposer_slack_id, reference=proposal.reference,
                      text=f"The D&I service team couldn't approve *{escape_mrkdwn(proposal.name)}* "
                           f"({proposal.reference}) as it stands. They said: {escape_mrkdwn(reason)}")
        audit.record(session, actor_id, "declined_proposal", "group_proposal", proposal.reference)
        view = ProposalView(proposal.reference, proposal.name, proposal.status.value)
        uow.commit()
        return view
