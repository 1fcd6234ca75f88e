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
                                     PlainTextInputElement, PlainTextObject, SectionBlock, UserMultiSelectElement,
                                     UserSelectElement)
from slack_sdk.errors import SlackApiError
from slack_sdk.models.views import View

from bot.core import receipts
from bot.core.constants import TEXT_LIMIT
from bot.core.errors import DomainError
from bot.journeys import raise_issue
from bot.rasa_plumbing.confidential import at_summary, placeholder, reply_to, sent_from_window
from bot.slack.blocks import CHECK_CODE_ACTION, note_modal
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
# At the summary: the window that explains holding a case until someone else reports the same
# person, and asks who it's about (Slack's people picker: an id, never a typed name).
HOLD_PAYLOAD = "hold it until someone else reports them"
HOLD_ACTION = "raise_issue_hold_open"
HOLD_CALLBACK = "raise_issue_hold"
ABOUT_BLOCK, HOLD_OPTIONS_BLOCK = "about", "hold_options"
HOLD_ANONYMOUSLY = "hold_anonymously"  # the option's value
CHECK_CODE_PAYLOAD = "/check_case_with_code"
# The conversation's buttons that open a window instead of answering in the chat (bot.slack.channels).
WINDOW_BUTTONS = {OPEN_FORM_PAYLOAD: OPEN_FORM_ACTION, ANONYMOUS_PAYLOAD: ANONYMOUS_ACTION, HOLD_PAYLOAD: HOLD_ACTION,
                  CHECK_CODE_PAYLOAD: CHECK_CODE_ACTION}
WHAT_ANONYMOUS_MEANS = (
    "• The people handling your case never learn who you are: it carries no name.\n"
    "• Slack itself knows who sends me messages, and keeps our chat as your workspace keeps every DM; whoever "
    "runs me could see that you sent a case anonymously, and on which day. If what happened could only have "
    "happened to you, the team may still guess.\n"
    "• I'll show you a *receipt code*, once. It's the only way back to your case: to see where it stands, read the "
    "team's messages, reply, add something or withdraw it. Nobody can look it up for you, so keep it somewhere safe.")
TELL_ME = Option(value="tell_me", text="Send me a DM when there's news",
                 description="It says only that. I keep who you are, encrypted; the team never sees it.")
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
            SectionBlock(text=MarkdownTextObject(text="*What anonymous means here*\n" + WHAT_ANONYMOUS_MEANS)),
            InputBlock(block_id=TELL_ME_BLOCK, label="Hearing back", optional=True,
                       element=CheckboxesElement(action_id=TELL_ME_BLOCK, options=[TELL_ME])),
        ],
    ).to_dict()


def hold_modal(channel: str, hold_days: int) -> dict:
    """How holding works, and who it's about. private_metadata: the DM channel only."""
    return View(
        type="modal", callback_id=HOLD_CALLBACK, title="Hold it", submit="Hold it", close="Back",
        private_metadata=json.dumps({"channel": channel}),
        blocks=[
            SectionBlock(text=MarkdownTextObject(text=(
                "*How holding works*\n"
                "• I keep your case, encrypted, and send it to nobody: not even the team sees a held case.\n"
                "• When someone else raises a case and holds it about the same person, both go to their teams, and "
                "you're both told. If someone had already, yours goes now.\n"
                f"• If nobody has within {hold_days} days, I'll ask you whether to send it, keep waiting or delete "
                "it. You can send or delete it before then too.\n"
                "• Who it's about is kept only as a one-way fingerprint, used for nothing but finding a match."))),
            InputBlock(block_id=ABOUT_BLOCK, label="Who is it about?",
                       element=UserSelectElement(action_id=ABOUT_BLOCK, placeholder="Choose the person")),
            InputBlock(block_id=HOLD_OPTIONS_BLOCK, label="Your name", optional=True, element=CheckboxesElement(
                action_id=HOLD_OPTIONS_BLOCK, options=[
                    Option(value=HOLD_ANONYMOUSLY, text="Hold it anonymously",
                           description="The team never learns who you are; a receipt code brings you back."),
                    Option(value=TELL_ME.value, text="If anonymous: DM me when there's news",
                           description=TELL_ME.description)])),
        ],
    ).to_dict()


def receipt_modal(receipt: raise_issue.CaseReceipt) -> dict:
    """What happened to the case, and a receipt code shown this once (the window replaces the one
    that sent it)."""
    rerouted = (" Everyone on the team you chose is someone you asked me to keep it from, so it goes to "
                f"{receipt.team_name} instead." if receipt.rerouted else "")
    if receipt.held:
        said = f"It's held: nobody sees it until someone else raises something about the same person.{rerouted}"
    elif receipt.released:
        said = (f"It's sent to {receipt.team_name}: someone else had already raised something about the same "
                f"person, so both cases have gone to their teams now.{rerouted}")
    else:
        said = f"It's sent to {receipt.team_name}.{rerouted}"
    if receipt.code is None:  # held with their name: said in the chat too, with its reference
        said += f" Its reference is *{receipt.reference}*."
        return View(type="modal", title="Held" if receipt.held else "Sent", close="Done",
                    blocks=[SectionBlock(text=MarkdownTextObject(text=said))]).to_dict()
    if not receipt.held:
        said += f" They won't see your name, and they'll acknowledge it within {receipt.acknowledge_days} days."
    return View(type="modal", title="Your receipt code", close="Done", blocks=[
        SectionBlock(text=MarkdownTextObject(text=f"{said}\n\nYour receipt code:")),
        SectionBlock(text=MarkdownTextObject(text=f"*`{receipts.readable(receipt.code)}`*")),
        SectionBlock(text=MarkdownTextObject(text=(
            "Write it down or keep it somewhere safe *now*: I'll never show it again, and I can't find it for "
            "you. With it, press *Check a case with a code* (on my Home tab) to see where your case stands, "
            "read the team's messages, reply or withdraw it."))),
    ]).to_dict()


async def _show(client, view: dict, shown: dict, user: str, channel: str, code: str | None = None) -> None:
    """What became of the case, in place of the window. Should Slack refuse, a receipt code is
    still shown, once, as a message only they see that the DM doesn't keep."""
    try:
        await client.views_update(view_id=view.get("id"), view=shown)
    except SlackApiError as failure:
        log.warning("Could not show what became of a case: %s", failure.response.get("error"))
        if code:
            await client.chat_postEphemeral(channel=channel, user=user, text=(
                f"Your case is sent. Your receipt code, shown only this once: *`{receipts.readable(code)}`*. "
                "Keep it somewhere safe: it's the only way back to your case."))


def _chosen(view: dict, block: str) -> set[str]:
    state = (view.get("state") or {}).get("values") or {}
    return {option.get("value") for option in ((state.get(block) or {}).get(block) or {}).get("selected_options") or []}


def _about(view: dict) -> str | None:
    state = (view.get("state") or {}).get("values") or {}
    return ((state.get(ABOUT_BLOCK) or {}).get(ABOUT_BLOCK) or {}).get("selected_user")


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

    async def open_window(body: dict, client, modal) -> None:
        """A summary's button that opens a window: only while that conversation is at its summary."""
        user = body["user"]["id"]
        channel = (body.get("channel") or {}).get("id") or user
        if not SLACK_USER_ID_RE.match(user) or await at_summary(user) is None:
            await client.chat_postEphemeral(channel=channel, user=user, text=MOVED_ON)
            return
        await client.views_open(trigger_id=body["trigger_id"], view=modal(channel))

    async def send_from_window(ack, body: dict, view: dict, client, problem_block: str, **how) -> None:
        """Send the case the conversation is summing up, as the window says (anonymously, held or
        both), show what became of it, and tell the conversation how it went."""
        user = body["user"]["id"]
        choices = await at_summary(user) if SLACK_USER_ID_RE.match(user) else None
        if choices is None:
            await ack(response_action="errors", errors={problem_block: MOVED_ON[:150]})
            return
        # Answered at once, so Slack's three seconds never run out with the case sent and its code unseen.
        await ack(response_action="update", view=note_modal("Sending", "One moment…"))
        channel = json.loads(view.get("private_metadata") or "{}").get("channel") or user
        try:
            receipt = await asyncio.to_thread(
                raise_issue.submit_case, choices["case_draft_id"] or "", user,
                on_behalf=choices["issue_for"] == "behalf", consented=choices["issue_consent"],
                may_be_named=choices["issue_may_name"], category=choices["issue_category"] or "",
                route_to=choices["issue_route"] or "", uow=runtime.uow_factory(), **how)
        except DomainError as problem:
            await _show(client, view, note_modal("Not sent", str(problem)), user, channel)
            return
        await _show(client, view, receipt_modal(receipt), user, channel, code=receipt.code)
        if not receipt.code:
            runtime.wake_delivery()  # (a held case's DM with its buttons)
        await runtime.conversation(user, sent_from_window(user, raise_issue.how_it_went(receipt)), channel)

    @app.action(ANONYMOUS_ACTION)
    async def open_anonymous(ack, body: dict, client) -> None:
        await ack()
        await open_window(body, client, anonymous_modal)

    @app.view(ANONYMOUS_CALLBACK)
    async def send_anonymously(ack, body: dict, view: dict, client) -> None:
        await send_from_window(ack, body, view, client, TELL_ME_BLOCK, anonymously=True,
                               tell_me=TELL_ME.value in _chosen(view, TELL_ME_BLOCK))

    @app.action(HOLD_ACTION)
    async def open_hold(ack, body: dict, client) -> None:
        await ack()
        await open_window(body, client, lambda channel: hold_modal(channel, runtime.settings.case_hold_days))

    @app.view(HOLD_CALLBACK)
    async def hold(ack, body: dict, view: dict, client) -> None:
        about, chosen = _about(view), _chosen(view, HOLD_OPTIONS_BLOCK)
        if not about or not SLACK_USER_ID_RE.match(about) or about == body["user"]["id"]:
            await ack(response_action="errors", errors={ABOUT_BLOCK: "Please choose the person it's about."})
            return
        await send_from_window(ack, body, view, client, ABOUT_BLOCK, hold_for=about,
                               anonymously=HOLD_ANONYMOUSLY in chosen,
                               tell_me=HOLD_ANONYMOUSLY in chosen and TELL_ME.value in chosen)

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
