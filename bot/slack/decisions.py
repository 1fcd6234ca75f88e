"""The organisers' and teams' side in Slack: Approve / Decline / Mark done clicks on the
requests the outbox delivered, and the decline modals, for every kind in
bot.journeys.decidable.

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

from bot.core.db import UnitOfWork
from bot.core.errors import AlreadyDone, DomainError
from bot.core.models import OutboxMessage, OutboxStatus
from bot.core.outbox import copies_prefix
from bot.journeys import start_group
from bot.journeys.decidable import BY_ACTION, Decidable
from bot.slack.api import tell_privately
from bot.slack.blocks import REASON_BLOCK, decided, decline_modal
from bot.slack.markup import escape_mrkdwn, mention
from bot.slack.notices import notice_text

log = logging.getLogger(__name__)


def refusal_text(refused: DomainError) -> str:
    """A domain error as Slack shows it: escaped (it may hold a group's name), and who decided."""
    text = escape_mrkdwn(str(refused))
    if isinstance(refused, AlreadyDone) and refused.decided_by and text.endswith("."):
        text = f"{text[:-1]} by {mention(refused.decided_by)}."
    return text


class SlackDecisions:
    def __init__(self, uow_factory: Callable[[], UnitOfWork], client: WebClient, after_decision: Callable[[], None]):
        self.uow_factory, self.client, self.after_decision = uow_factory, client, after_decision
        # What approving a kind does in Slack besides the service's own work.
        self.after_approval = {"proposal": self._create_channels}

    # ------------------------------------------------------------ clicks

    def on_click(self, payload: dict) -> None:
        action = payload["actions"][0]
        action_id, reference = action["action_id"], action.get("value", "")
        kind = BY_ACTION[action_id]
        user = payload["user"]["id"]
        channel = (payload.get("channel") or {}).get("id")
        try:
            if action_id == kind.approve_action:
                result = kind.approve(reference, user, self.uow_factory())
                outcome = f":white_check_mark: {kind.approved_label} by {mention(user)}."
                follow_up = self.after_approval.get(kind.key)
                if follow_up is not None:
                    outcome += follow_up(result, user, channel)
                self._decided(kind, reference, outcome)
            else:
                kind.check(reference, user, self.uow_factory())
                self.client.views_open(trigger_id=payload["trigger_id"],
                                       view=decline_modal(kind, reference, context={"channel": channel}))
        except DomainError as refused:
            self._tell(user, channel, refusal_text(refused))

    # ------------------------------------------------------------ the decline modal

    def on_submission(self, payload: dict) -> None:
        view = payload["view"]
        kind = BY_ACTION.get(view["callback_id"])
        if kind is None:
            return
        context = json.loads(view.get("private_metadata") or "{}")
        reference, channel = context.get("reference", ""), context.get("channel")
        user = payload["user"]["id"]
        reason = ((view.get("state", {}).get("values", {}).get(REASON_BLOCK, {}).get(REASON_BLOCK) or {})
                  .get("value") or "").strip() or None
        try:
            kind.decline(reference, user, reason, self.uow_factory())
            self._decided(kind, reference, f":no_entry_sign: Declined by {mention(user)}."
                          + (" A reason was shared with them." if reason else ""))
        except DomainError as refused:
            self._tell(user, channel, refusal_text(refused))

    # ------------------------------------------------------------ helpers

    def _decided(self, kind: Decidable, reference: str, outcome: str) -> None:
        """Update every copy of the request, then send what the decision queued."""
        prefix = copies_prefix(kind.notice_kind, reference)
        with self.uow_factory() as uow:
            copies = [(m.slack_channel, m.slack_ts, m.kind, dict(m.payload or {})) for m in uow.session.scalars(
                select(OutboxMessage).where(OutboxMessage.idempotency_key.startswith(prefix, autoescape=True),
                                            OutboxMessage.status == OutboxStatus.sent,
                                            OutboxMessage.slack_ts.is_not(None)))]
        for channel, ts, notice_kind, fields in copies:
            text = notice_text(notice_kind, fields)
            try:
                self.client.chat_update(channel=channel, ts=ts, text=text, blocks=decided(text, outcome))
            except SlackApiError as failure:  # the decision stands; a stale copy is only cosmetic
                log.warning("Could not update a copy of %s in %s: %s", reference, channel,
                            failure.response.get("error"))
        self.after_decision()

    def _tell(self, user: str, channel: str | None, text: str) -> None:
        tell_privately(self.client, user, channel, text)

    def _create_channels(self, view, actor: str, clicked_in: str | None) -> str:
        """conversations.create for an approved group: private for closed, public for open,
        one of each for both. The organisers are invited through the outbox. Returns what the
        decided copies should add to the outcome."""
        created: dict[str, tuple[str, str]] = {}
        try:
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
                            self._tell(actor, clicked_in, f"The group is approved and listed, but I couldn't create "
                                                          f"its channel #{candidate} (Slack said `{error}`). Please "
                                                          "create it and add it to the registry.")
                            break
            if created:
                start_group.attach_channels(view.slug, actor, created, self.uow_factory())
        except Exception:  # the approval stands; say so rather than leave buttons that do nothing
            log.exception("Creating the channel(s) for %s failed", view.slug)
            self._tell(actor, clicked_in, "The group is approved and listed, but I couldn't create its channel. "
                                          "Please create it and add it to the registry.")
            return ""
        return " Channel(s): " + ", ".join(f"<#{cid}>" for cid, _ in created.values()) if created else ""

