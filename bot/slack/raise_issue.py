"""Raising an issue in Slack: what happened, and who must not handle it, are typed into a
modal opened from the conversation. Its submission goes straight to the case service, so the
text never becomes a DM message (Slack's DM history doesn't keep it) nor reaches Rasa; the
conversation is moved on with a placeholder (the draft's id, how many people were named).

The modal is opened from the button of the question "what happened?"
(OPEN_FORM_PAYLOAD, given its own action id by bot.slack.channels.SlackOutput)."""
from __future__ import annotations

import asyncio
import json
import logging
from typing import TYPE_CHECKING

from slack_sdk.models.blocks import (ContextBlock, InputBlock, MarkdownTextObject, PlainTextInputElement,
                                     PlainTextObject, SectionBlock, UserMultiSelectElement)
from slack_sdk.models.views import View

from bot.core.constants import TEXT_LIMIT
from bot.core.errors import DomainError
from bot.journeys import raise_issue
from bot.rasa_plumbing.confidential import placeholder, reply_to
from bot.slack.markup import SLACK_USER_ID_RE, escape_mrkdwn

if TYPE_CHECKING:  # pragma: no cover
    from slack_bolt.async_app import AsyncApp

    from bot.slack.app import SlackRuntime

log = logging.getLogger(__name__)

OPEN_FORM_PAYLOAD = "/raise_issue_details_form"
OPEN_FORM_ACTION = "raise_issue_details_open"
SUBMIT_CALLBACK = "raise_issue_details"
NARRATIVE_BLOCK, EXCLUDED_BLOCK = "what_happened", "must_not_handle"
# Slack's longest plain-text input.
NARRATIVE_INPUT_LIMIT = TEXT_LIMIT


def details_modal(channel: str) -> dict:
    """The form. private_metadata holds only the DM channel to carry on in."""
    return View(
        type="modal", callback_id=SUBMIT_CALLBACK, title="Raise an issue", submit="Send to the bot",
        close="Cancel", private_metadata=json.dumps({"channel": channel}),
        blocks=[
            SectionBlock(text=MarkdownTextObject(
                text="Take your time. What you write here goes straight to me, is stored encrypted, and only the "
                     "team handling your case can read it. It won't appear in our chat.")),
            InputBlock(block_id=NARRATIVE_BLOCK, label="What happened?", element=PlainTextInputElement(
                action_id=NARRATIVE_BLOCK, multiline=True, min_length=10, max_length=NARRATIVE_INPUT_LIMIT,
                placeholder="In your own words: what happened, when, and anything you think matters")),
            InputBlock(block_id=EXCLUDED_BLOCK, label="Anyone who must not handle it?", optional=True,
                       hint="For example because they're involved. They won't be told about it, shown it, or "
                            "able to open it.",
                       element=UserMultiSelectElement(action_id=EXCLUDED_BLOCK, placeholder="Choose people")),
            ContextBlock(elements=[PlainTextObject(text="Nothing is sent to anyone until you've seen the summary "
                                                        "in our chat and said yes.")]),
        ],
    ).to_dict()


def _values(view: dict) -> tuple[str, list[str]]:
    state = (view.get("state") or {}).get("values") or {}
    narrative = ((state.get(NARRATIVE_BLOCK) or {}).get(NARRATIVE_BLOCK) or {}).get("value") or ""
    chosen = ((state.get(EXCLUDED_BLOCK) or {}).get(EXCLUDED_BLOCK) or {}).get("selected_users") or []
    return narrative, [user for user in chosen if SLACK_USER_ID_RE.match(user or "")]


def register(app: "AsyncApp", runtime: "SlackRuntime") -> None:
    @app.action(OPEN_FORM_ACTION)
    async def open_form(ack, body: dict, client) -> None:
        await ack()
        user = body["user"]["id"]
        channel = (body.get("channel") or {}).get("id") or user
        if not SLACK_USER_ID_RE.match(user):
            return
        if await asyncio.to_thread(raise_issue.waiting_for, user, runtime.uow_factory()) not in raise_issue.TELLING_STEPS:
            await client.chat_postMessage(channel=channel, text=(
                "That form belongs to a conversation that has moved on. If you'd like to raise an issue, "
                "tell me and we'll start again."))
            return
        await client.views_open(trigger_id=body["trigger_id"], view=details_modal(channel))

    @app.view(SUBMIT_CALLBACK)
    async def submitted(ack, body: dict, view: dict, client) -> None:
        user = body["user"]["id"]
        narrative, excluded = _values(view)
        try:
            taken = await asyncio.to_thread(raise_issue.take_from_form, user, narrative, excluded,
                                            runtime.uow_factory())
        except DomainError as problem:
            await ack(response_action="errors", errors={NARRATIVE_BLOCK: str(problem)[:150]})
            return
        await ack()
        channel = json.loads(view.get("private_metadata") or "{}").get("channel") or user
        answer, _ = reply_to(taken, escape_mrkdwn)
        if answer:  # ephemeral: not kept in the DM's history
            await client.chat_postEphemeral(channel=channel, user=user, text=answer)
        await runtime.conversation(user, placeholder(taken), channel)
