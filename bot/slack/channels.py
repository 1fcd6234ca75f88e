"""Slack input channels for Rasa: the Events API over HTTP (`slack`, at
/webhooks/slack/webhook) and Socket Mode (`slack_socket`, no public URL needed). Both serve
the one Bolt app of bot.slack.app, so a DM, a button click or a modal submission is handled
the same way whichever transport brought it, with one conversation per user.

Slack wants an answer within 3 seconds: Bolt acknowledges first and the listeners work
after. The outbox delivery worker runs in the same process, started with the server."""
from __future__ import annotations

import asyncio
import logging
from typing import Any, Awaitable, Callable

from rasa.core.channels.channel import InputChannel, UserMessage
from rasa.core.channels.slack import SlackBot, SlackInput
from sanic import Blueprint, response
from sanic.request import Request
from slack_bolt.adapter.sanic import AsyncSlackRequestHandler
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_sdk.models.blocks import ActionsBlock, ButtonElement

from bot.core.settings import Settings
from bot.rasa_plumbing.confidential import guarded, watch_conversations
from bot.rasa_plumbing.replies import always_answered
from bot.rasa_plumbing.rest import cap_request_bodies
from bot.slack.api import async_web_client
from bot.slack.app import SlackRuntime
from bot.slack.blocks import MESSAGE_BLOCK_LIMIT, SECTION_LIMIT, split_text, text_sections
from bot.slack.markup import escape_mrkdwn
from bot.slack.raise_issue import OPEN_FORM_PAYLOAD, WINDOW_BUTTONS

log = logging.getLogger(__name__)

OnNewMessage = Callable[[UserMessage], Awaitable[Any]]
# Honest about what Slack keeps when confidential text was typed into the DM, not the form.
DM_HISTORY_NOTE = ("Slack itself keeps the message you typed in this chat's history. You can delete it "
                   "(hover over it, then *More actions* › *Delete message*); the copy I stored stays safe.")
# Buttons per actions block (Slack allows 25; Rasa's own channel stops at 5).
BUTTON_LIMIT = 25


class SlackOutput(SlackBot):
    """Rasa's Slack output on our Web API client (API host from settings, retry handlers),
    sending each reply as one mrkdwn message, split only where Slack's limits require."""

    def __init__(self, settings: Settings, channel: str):
        super().__init__(settings.slack_bot_token or "", slack_channel=channel)
        self.client = async_web_client(settings)
        self.sent = 0  # replies posted (bot.rasa_plumbing.replies: no reply at all is an error said)

    async def _post_message(self, channel: str, **kwargs: Any) -> None:
        self.sent += 1
        await super()._post_message(channel=channel, **kwargs)

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        for piece in split_text(text, SECTION_LIMIT):
            await self._post_message(channel=self.slack_channel or recipient_id, text=piece)

    async def send_private_text(self, recipient_id: str, text: str) -> None:
        """An ephemeral message: shown to the person now, not kept in the DM's history (used
        for what the bot says about confidential text, e.g. whom a case is kept from)."""
        self.sent += 1
        await self.client.chat_postEphemeral(channel=self.slack_channel or recipient_id, user=recipient_id,
                                             text=split_text(text, SECTION_LIMIT)[0])

    async def send_text_with_buttons(self, recipient_id: str, text: str, buttons: list[dict], **kwargs: Any) -> None:
        sections = text_sections(text)[: MESSAGE_BLOCK_LIMIT - 1]
        # A button that opens a window (a modal: the raise-an-issue form, sending anonymously, checking
        # a case with a code) rather than answering in the chat.
        actions = ActionsBlock(block_id="conversation_buttons", elements=[
            ButtonElement(text=button["title"][:75], value=button["payload"][:2000],
                          action_id=WINDOW_BUTTONS.get(button["payload"], f"conversation:{i}"),
                          style="primary" if button["payload"] == OPEN_FORM_PAYLOAD else None)
            for i, button in enumerate(buttons[:BUTTON_LIMIT])])
        await self._post_message(channel=self.slack_channel or recipient_id, text=split_text(text, SECTION_LIMIT)[0],
                                 blocks=[block.to_dict() for block in [*sections, actions]])


def connect_to_conversation(runtime: SlackRuntime, on_new_message: OnNewMessage) -> None:
    """Slack messages reach Rasa as the person's own conversation, keyed by their user id;
    confidential text typed into the DM is taken out first (bot.rasa_plumbing.confidential)."""
    to_rasa = guarded(always_answered(on_new_message), escape_mrkdwn, typed_note=DM_HISTORY_NOTE,
                      form_button={"title": "Tell me what happened", "payload": OPEN_FORM_PAYLOAD})

    async def to_conversation(user: str, text: str, channel: str) -> None:
        await to_rasa(UserMessage(text, SlackOutput(runtime.settings, channel), sender_id=user,
                                  input_channel="slack", metadata={"out_channel": channel}))

    runtime.to_conversation = to_conversation


def start_and_stop_delivery(blueprint: Blueprint, runtime: SlackRuntime) -> None:
    @blueprint.listener("after_server_start")
    async def start_delivery(_app, _loop) -> None:
        runtime.start_worker()

    @blueprint.listener("before_server_stop")
    async def stop_delivery(_app, _loop) -> None:
        await asyncio.to_thread(runtime.stop_worker)


class SlackEventsInput(SlackInput):
    """Slack's Events API and interactivity over HTTP, through Bolt's Sanic adapter."""

    @classmethod
    def name(cls) -> str:
        return "slack"

    @classmethod
    def from_credentials(cls, credentials: dict | None) -> InputChannel:
        return cls()

    def __init__(self) -> None:
        # Rasa's SlackInput reads a static token and secret; ours come from settings, and an
        # unconfigured server still starts (and says so here).
        self.runtime = SlackRuntime.get()
        settings = self.runtime.settings
        self.handler = (AsyncSlackRequestHandler(self.runtime.app)
                        if self.runtime.app is not None and settings.slack_signing_secret else None)

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        slack = Blueprint("slack_webhook", __name__)
        cap_request_bodies(slack, self.runtime.settings.max_request_bytes)
        connect_to_conversation(self.runtime, on_new_message)
        watch_conversations(slack)
        start_and_stop_delivery(slack, self.runtime)

        @slack.route("/", methods=["GET"])
        async def health(_: Request):
            return response.json({"status": "ok" if self.handler else "not configured"})

        @slack.route("/webhook", methods=["POST"])
        async def webhook(request: Request):
            if self.handler is None:
                return response.text("Slack is not configured on this server.", status=503)
            return await self.handler.handle(request)

        return slack

    def get_output_channel(self, channel: str | None = None, thread_id: str | None = None) -> SlackOutput:
        """Used by Rasa's HTTP API (trigger_intent with output_channel=slack)."""
        return SlackOutput(self.runtime.settings, channel or "")


class SlackSocketModeInput(InputChannel):
    """Slack over Socket Mode: the app connects out to Slack, so no public URL is needed.
    Active when SLACK_APP_TOKEN is set."""

    @classmethod
    def name(cls) -> str:
        return "slack_socket"

    @classmethod
    def from_credentials(cls, credentials: dict | None) -> InputChannel:
        return cls()

    def __init__(self) -> None:
        self.runtime = SlackRuntime.get()
        self.handler: AsyncSocketModeHandler | None = None

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        socket = Blueprint("slack_socket_mode", __name__)
        connect_to_conversation(self.runtime, on_new_message)
        watch_conversations(socket)

        @socket.listener("after_server_start")
        async def connect(_app, _loop) -> None:
            settings = self.runtime.settings
            if not (settings.slack_app_token and self.runtime.app is not None):
                return
            self.handler = AsyncSocketModeHandler(self.runtime.app, settings.slack_app_token,
                                                  web_client=async_web_client(settings))
            await self.handler.connect_async()
            self.runtime.start_worker()
            log.info("Connected to Slack over Socket Mode")

        @socket.listener("before_server_stop")
        async def disconnect(_app, _loop) -> None:
            if self.handler is not None:
                await self.handler.close_async()
            await asyncio.to_thread(self.runtime.stop_worker)

        @socket.route("/", methods=["GET"])
        async def health(_: Request):
            connected = self.handler is not None and await self.handler.client.is_connected()
            return response.json({"status": "connected" if connected else "not connected"})

        return socket
