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

from slack_sdk.models.blocks import (CheckboxesElement, ContextBlock, InputBlock, MarkdownTextObject, Option,
                                     PlainTextInputElement, PlainTextObject, SectionBlock, UserMultiSelectElement)
from slack_sdk.models.views import View

from bot.core.constants import TEXT_LIMIT
from bot.core.errors import DomainError
from bot.journeys import raise_issue
from bot.core import receipts
from bot.rasa_plumbing.confidential import at_summary, placeholder, reply_to, sent_anonymously
from bot.slack.blocks import CHECK_CODE_ACTION
from bot.slack.markup import SLACK_USER_ID_RE, escape_mrkdwn

if TYPE_CHECKING:  # pragma: no cover
    from slack_bolt.async_app import AsyncApp

    from bot.slack.app import SlackRuntime

log = logging.getLogger(__name__)

OPEN_FORM_PAYLOAD = "/raise_issue_details_form"
OPEN_FORM_ACTION = "raise_issue_details_open"
SUBMIT_CALLBACK = "raise_issue_details"
# At the summary: the window that says what anonymous means here and sends the case so.
ANONYMOUS_PAYLOAD = "send it anonymously"
ANONYMOUS_ACTION = "raise_issue_anonymous_open"
ANONYMOUS_CALLBACK = "raise_issue_anonymous"
TELL_ME_BLOCK = "tell_me"
CHECK_CODE_PAYLOAD = "/check_case_with_code"
# The conversation's buttons that open a window instead of answering in the chat (bot.slack.channels).
WINDOW_BUTTONS = {OPEN_FORM_PAYLOAD: OPEN_FORM_ACTION, ANONYMOUS_PAYLOAD: ANONYMOUS_ACTION,
                  CHECK_CODE_PAYLOAD: CHECK_CODE_ACTION}
MOVED_ON = ("That belongs to a conversation that has moved on, so nothing has been sent. If you'd like to raise an "
            "issue, tell me and we'll start again.")
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


def anonymous_modal(channel: str) -> dict:
    """What anonymous means here, said plainly before anything is sent. private_metadata: the DM
    channel only."""
    return View(
        type="modal", callback_id=ANONYMOUS_CALLBACK, title="Send it anonymously", submit="Send anonymously",
        close="Back", private_metadata=json.dumps({"channel": channel}),
        blocks=[
            SectionBlock(text=MarkdownTextObject(text=(
                "*What anonymous means here*\n"
                "• The people handling your case never learn who you are: it carries no name, and nothing I keep "
                "of our conversation points to it.\n"
                "• Slack itself knows who sends me messages, and keeps our chat as your workspace keeps every "
                "DM. If what happened could only have happened to you, the team may still guess.\n"
                "• I'll show you a *receipt code*, once. It's the only way back to your case: to see where it "
                "stands, read the team's messages, reply, add something or withdraw it. Nobody can look it up "
                "for you, so keep it somewhere safe."))),
            InputBlock(block_id=TELL_ME_BLOCK, label="Hearing back", optional=True, element=CheckboxesElement(
                action_id=TELL_ME_BLOCK, options=[Option(
                    value="yes", text="Send me a DM when there's news",
                    description="It says only that there's news. To send it, I keep who you are, encrypted, "
                                "beside the case; the team still never sees it.")])),
        ],
    ).to_dict()


def receipt_modal(receipt: raise_issue.CaseReceipt) -> dict:
    """The receipt code, shown this once (the window replaces the one that sent it)."""
    rerouted = (" Everyone on the team you chose is someone you asked me to keep it from, so it has gone to "
                f"{receipt.team_name} instead." if receipt.rerouted else "")
    return View(type="modal", title="Sent anonymously", close="Done", blocks=[
        SectionBlock(text=MarkdownTextObject(text=(
            f"It's sent to {receipt.team_name}, without your name.{rerouted} They'll acknowledge it within "
            f"{receipt.acknowledge_days} days.\n\nYour receipt code:"))),
        SectionBlock(text=MarkdownTextObject(text=f"*`{receipts.readable(receipt.code or '')}`*")),
        SectionBlock(text=MarkdownTextObject(text=(
            "Write it down or keep it somewhere safe *now*: I'll never show it again, and I can't find it for "
            "you. With it, press *Check a case with a code* (on my Home tab) to see where your case stands, "
            "read the team's messages, reply or withdraw it."))),
    ]).to_dict()


def _tell_me(view: dict) -> bool:
    state = (view.get("state") or {}).get("values") or {}
    chosen = ((state.get(TELL_ME_BLOCK) or {}).get(TELL_ME_BLOCK) or {}).get("selected_options") or []
    return any(option.get("value") == "yes" for option in chosen)


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

    @app.action(ANONYMOUS_ACTION)
    async def open_anonymous(ack, body: dict, client) -> None:
        await ack()
        user = body["user"]["id"]
        channel = (body.get("channel") or {}).get("id") or user
        if not SLACK_USER_ID_RE.match(user) or await at_summary(user) is None:
            await client.chat_postEphemeral(channel=channel, user=user, text=MOVED_ON)
            return
        await client.views_open(trigger_id=body["trigger_id"], view=anonymous_modal(channel))

    @app.view(ANONYMOUS_CALLBACK)
    async def send_anonymously(ack, body: dict, view: dict, client) -> None:
        user = body["user"]["id"]
        choices = await at_summary(user) if SLACK_USER_ID_RE.match(user) else None
        if choices is None:
            await ack(response_action="errors", errors={TELL_ME_BLOCK: MOVED_ON[:150]})
            return
        try:
            receipt = await asyncio.to_thread(
                raise_issue.submit_case, choices["case_draft_id"] or "", user,
                on_behalf=choices["issue_for"] == "behalf", consented=choices["issue_consent"],
                may_be_named=choices["issue_may_name"], category=choices["issue_category"] or "",
                route_to=choices["issue_route"] or "", uow=runtime.uow_factory(), anonymously=True,
                tell_me=_tell_me(view))
        except DomainError as problem:
            await ack(response_action="errors", errors={TELL_ME_BLOCK: str(problem)[:150]})
            return
        await ack(response_action="update", view=receipt_modal(receipt))
        channel = json.loads(view.get("private_metadata") or "{}").get("channel") or user
        await runtime.conversation(user, sent_anonymously(user), channel)

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
