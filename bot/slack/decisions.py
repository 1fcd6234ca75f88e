"""The organisers' and teams' side in Slack: Approve / Decline / Mark done clicks on the
requests the outbox delivered, and the decline modals.

Each click is checked by the same service function that makes the decision (only that
group's organisers, only the routed team); anyone else gets an ephemeral answer only they
see. A decision updates every recipient's copy (chat.update) so nobody acts twice, and what
follows (the channel invite, the requester's DM) goes through the outbox."""
from __future__ import annotations

import json
import logging
from typing import Callable

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import select

from bot.journeys import invite_request
from bot.journeys import request_support
from bot.journeys import start_group
from bot.core.db import UnitOfWork
from bot.core.errors import DomainError
from bot.core.models import OutboxMessage, OutboxStatus
from bot.slack.blocks import (
    INVITE_APPROVE,
    INVITE_DECLINE,
    PROPOSAL_APPROVE,
    PROPOSAL_DECLINE,
    REASON_BLOCK,
    SUPPORT_DECLINE,
    SUPPORT_DONE,
    decided,
    decline_modal,
)

log = logging.getLogger(__name__)

# Which outbox messages are the copies of a request: the prefix of their idempotency keys.
COPIES = {INVITE_APPROVE: "invite_request", INVITE_DECLINE: "invite_request",
          PROPOSAL_APPROVE: "proposal", PROPOSAL_DECLINE: "proposal",
          SUPPORT_DONE: "support", SUPPORT_DECLINE: "support"}


class SlackDecisions:
    def __init__(self, uow_factory: Callable[[], UnitOfWork], client: WebClient, after_decision: Callable[[], None]):
        self.uow_factory, self.client, self.after_decision = uow_factory, client, after_decision

    # ------------------------------------------------------------ clicks

    def on_click(self, payload: dict) -> None:
        action = payload["actions"][0]
        action_id, reference = action["action_id"], action.get("value", "")
        user = payload["user"]["id"]
        channel = (payload.get("channel") or {}).get("id")
        try:
            if action_id == INVITE_APPROVE:
                invite_request.approve_invite(reference, user, self.uow_factory())
                self._decided(action_id, reference, f":white_check_mark: Approved by <@{user}>.")
            elif action_id == PROPOSAL_APPROVE:
                view = start_group.approve_proposal(reference, user, self.uow_factory())
                try:
                    created = self._create_channels(view, user, channel)
                except Exception:  # the approval stands; say so rather than leave buttons that do nothing
                    log.exception("Creating the channel(s) for %s failed", reference)
                    created = {}
                    self._tell(user, channel, "The group is approved and listed, but I couldn't create its channel. "
                                              "Please create it and add it to the registry.")
                outcome = f":white_check_mark: Approved by <@{user}>." + (
                    " Channel(s): " + ", ".join(f"<#{cid}>" for cid, _ in created.values()) if created else "")
                self._decided(action_id, reference, outcome)
            elif action_id == SUPPORT_DONE:
                request_support.resolve_support_request(reference, user, done=True, reason=None,
                                                        uow=self.uow_factory())
                self._decided(action_id, reference, f":white_check_mark: Marked done by <@{user}>.")
            elif action_id in (INVITE_DECLINE, PROPOSAL_DECLINE, SUPPORT_DECLINE):
                check = {INVITE_DECLINE: invite_request.check_invite_decider,
                         PROPOSAL_DECLINE: start_group.check_proposal_decider,
                         SUPPORT_DECLINE: request_support.check_support_decider}[action_id]
                check(reference, user, self.uow_factory())
                self.client.views_open(trigger_id=payload["trigger_id"], view=decline_modal(
                    action_id, reference, reason_required=action_id == PROPOSAL_DECLINE,
                    context={"channel": channel}))
        except DomainError as refused:  # messages escape anything a user typed (group names)
            self._tell(user, channel, str(refused))

    # ------------------------------------------------------------ the decline modal

    def on_submission(self, payload: dict) -> None:
        view = payload["view"]
        action_id = view["callback_id"]
        context = json.loads(view.get("private_metadata") or "{}")
        reference, channel = context.get("reference", ""), context.get("channel")
        user = payload["user"]["id"]
        reason = ((view.get("state", {}).get("values", {}).get(REASON_BLOCK, {}).get(REASON_BLOCK) or {})
                  .get("value") or "").strip() or None
        try:
            if action_id == INVITE_DECLINE:
                invite_request.decline_invite(reference, user, self.uow_factory(), reason=reason)
            elif action_id == PROPOSAL_DECLINE:
                start_group.decline_proposal(reference, user, reason or "", self.uow_factory())
            elif action_id == SUPPORT_DECLINE:
                request_support.resolve_support_request(reference, user, done=False, reason=reason,
                                                        uow=self.uow_factory())
            else:
                return
            self._decided(action_id, reference, f":no_entry_sign: Declined by <@{user}>."
                          + (" A reason was shared with them." if reason else ""))
        except DomainError as refused:
            self._tell(user, channel, str(refused))

    # ------------------------------------------------------------ helpers

    def _decided(self, action_id: str, reference: str, outcome: str) -> None:
        """Update every copy of the request, then send what the decision queued."""
        prefix = f"{COPIES[action_id]}:{reference.upper()}:"
        with self.uow_factory() as uow:
            copies = [(m.slack_channel, m.slack_ts, m.payload.get("text", "")) for m in uow.session.scalars(
                select(OutboxMessage).where(OutboxMessage.idempotency_key.startswith(prefix, autoescape=True),
                                            OutboxMessage.status == OutboxStatus.sent,
                                            OutboxMessage.slack_ts.is_not(None)))]
        for channel, ts, text in copies:
            try:
                self.client.chat_update(channel=channel, ts=ts, text=text, blocks=decided(text, outcome))
            except SlackApiError as failure:  # the decision stands; a stale copy is only cosmetic
                log.warning("Could not update a copy of %s in %s: %s", reference, channel,
                            failure.response.get("error"))
        self.after_decision()

    def _tell(self, user: str, channel: str | None, text: str) -> None:
        """An answer only the person who clicked sees."""
        try:
            if channel:
                self.client.chat_postEphemeral(channel=channel, user=user, text=text)
            else:
                self.client.chat_postMessage(channel=user, text=text)
        except SlackApiError as failure:
            log.warning("Could not answer %s: %s", user, failure.response.get("error"))

    def _create_channels(self, view, actor: str, clicked_in: str | None) -> dict[str, tuple[str, str]]:
        """conversations.create for an approved group: private for closed, public for open,
        one of each for both. The organisers are invited through the outbox."""
        created: dict[str, tuple[str, str]] = {}
        for part, name in start_group.channel_names_for(view.name, view.type).items():
            candidates = [name, *(f"{name}-{n}" for n in range(2, 6))]
            for candidate in candidates:
                try:
                    answer = self.client.conversations_create(name=candidate, is_private=part == "closed")
                    created[part] = (answer["channel"]["id"], answer["channel"]["name"])
                    break
                except SlackApiError as failure:
                    error = failure.response.get("error")
                    if error != "name_taken" or candidate == candidates[-1]:
                        log.error("Could not create #%s: %s", candidate, error)
                        self._tell(actor, clicked_in, f"The group is approved and listed, but I couldn't create its "
                                                      f"channel #{candidate} (Slack said `{error}`). Please create "
                                                      "it and add it to the registry.")
                        break
        if created:
            start_group.attach_channels(view.slug, actor, created, self.uow_factory())
        return created
