"""Requests someone decides, described once.

Each kind names its model, its reference prefix, the outbox kind of the copies that carry
its buttons, who may decide it, what approving and declining do, and its labels. The Slack
buttons and modals, outbox delivery, App Home and status checks read this table, so a new
kind is one entry here plus its service module."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from sqlalchemy.orm import Session

from bot.core.db import UnitOfWork
from bot.core.models import GroupProposal, InviteRequest, SupportRequest
from bot.core.routing import TEAM_NAMES
from bot.journeys import invite_request, request_support, start_group


@dataclass(frozen=True)
class Decidable:
    key: str  # also the start of its Slack action ids: "<key>_<approve_verb>", "<key>_decline"
    model: type
    prefix: str  # reference prefix, bot.core.references
    notice_kind: str  # the outbox kind of each decider's copy
    requester_column: str  # who asked, for "my requests"
    # (session, reference, actor id) -> the request, or what deciding would raise (not found,
    # not yours, decided): the service's own guard, used inside its transaction too
    pending: Callable[[Session, str, str], Any]
    approve: Callable[[str, str, UnitOfWork], Any]
    decline: Callable[[str, str, str | None, UnitOfWork], Any]  # (reference, actor, reason, uow)
    describe: Callable[[Any], str]  # "invite to Women in Tech", for status lines
    approve_label: str
    approved_label: str  # "Approved", "Marked done"
    decline_title: str  # the decline modal's title
    reason_required: bool
    approve_verb: str = "approve"  # buttons already in Slack keep their action ids

    def check(self, reference: str, actor_id: str, uow: UnitOfWork) -> None:
        """Raises what deciding would raise, before a decline form is opened for nothing."""
        with uow:
            self.pending(uow.session, reference, actor_id)

    @property
    def approve_action(self) -> str:
        return f"{self.key}_{self.approve_verb}"

    @property
    def decline_action(self) -> str:
        return f"{self.key}_decline"


DECIDABLE: dict[str, Decidable] = {d.key: d for d in (
    Decidable(
        key="invite", model=InviteRequest, prefix=invite_request.PREFIX, notice_kind=invite_request.NOTICE_KIND,
        requester_column="requester_slack_id", pending=invite_request.pending_invite,
        approve=lambda ref, actor, uow: invite_request.approve_invite(ref, actor, uow),
        decline=lambda ref, actor, reason, uow: invite_request.decline_invite(ref, actor, uow, reason=reason),
        describe=lambda r: f"invite to {r.group.name}",
        approve_label="Approve", approved_label="Approved", decline_title="Decline invite", reason_required=False),
    Decidable(
        key="proposal", model=GroupProposal, prefix=start_group.PREFIX, notice_kind=start_group.NOTICE_KIND,
        requester_column="proposer_slack_id", pending=start_group.pending_proposal,
        approve=start_group.approve_proposal,
        decline=lambda ref, actor, reason, uow: start_group.decline_proposal(ref, actor, reason or "", uow),
        describe=lambda p: f"proposal for {p.name}",
        approve_label="Approve", approved_label="Approved", decline_title="Decline proposal", reason_required=True),
    Decidable(
        key="support", model=SupportRequest, prefix=request_support.PREFIX, notice_kind=request_support.NOTICE_KIND,
        requester_column="requester_slack_id", pending=request_support.pending_support,
        approve=lambda ref, actor, uow: request_support.resolve_support_request(ref, actor, done=True, reason=None,
                                                                                uow=uow),
        decline=lambda ref, actor, reason, uow: request_support.resolve_support_request(ref, actor, done=False,
                                                                                        reason=reason, uow=uow),
        describe=lambda s: f"{request_support.KINDS[s.kind].label.lower()} (with {TEAM_NAMES[s.routed_to]})",
        approve_label="Mark done", approved_label="Marked done", decline_title="Decline request",
        reason_required=False, approve_verb="done"),
)}

BY_PREFIX = {d.prefix: d for d in DECIDABLE.values()}
BY_NOTICE_KIND = {d.notice_kind: d for d in DECIDABLE.values()}
BY_ACTION = {action: d for d in DECIDABLE.values() for action in (d.approve_action, d.decline_action)}
