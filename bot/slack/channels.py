"""Slack input channels for Rasa: the Events API over HTTP (`slack`, at
/webhooks/slack/webhook) and Socket Mode (`slack_socket`, no public URL needed). Both hand
what Slack sends to one `SlackRuntime`, so a DM, a button click or a modal submission is
handled the same way whichever transport brought it, with one conversation per user.

Slack wants an answer within 3 seconds: both transports acknowledge first and work after.
Slack retries an event it thinks was missed; the event id is remembered in the database, so
a retry (even after a restart) is answered once. The outbox delivery worker runs in the same
process, started with the server."""
from __future__ import annotations

import asyncio
import html
import json
import logging
import re
import threading
from datetime import timedelta
from typing import Any, Awaitable, Callable

from rasa.core.channels.channel import InputChannel, UserMessage
from rasa.core.channels.slack import SlackBot, SlackInput
from sanic import Blueprint, response
from sanic.request import Request
from slack_sdk.errors import SlackApiError
from slack_sdk.models.blocks import ActionsBlock, ButtonElement, ContextBlock, MarkdownTextObject
from slack_sdk.signature import SignatureVerifier
from slack_sdk.socket_mode.aiohttp import SocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse
from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError

from bot.core.db import default_uow
from bot.journeys.find_group import channel_names
from bot.core.models import SlackEventSeen, utcnow
from bot.core.settings import Settings, load_settings
from bot.slack.api import async_web_client, web_client
from bot.slack.decisions import SlackDecisions
from bot.slack.delivery import DeliveryWorker
from bot.slack.home import home_for, nudge_waiting_invites, welcome
from bot.slack.blocks import DECISION_ACTIONS, MESSAGE_BLOCK_LIMIT, split_text, text_sections

log = logging.getLogger(__name__)

OnNewMessage = Callable[[UserMessage], Awaitable[Any]]
# Buttons per actions block (Slack allows 25; Rasa's own channel stops at 5).
BUTTON_LIMIT = 25
LINK_RE = re.compile(r"<(?:mailto:|https?://)[^|>]*\|([^>]*)>")
BARE_LINK_RE = re.compile(r"<((?:https?://)[^|>]*)>")
# "#climate-action" typed in Slack arrives as <#C0123|climate-action>, or without the name.
CHANNEL_RE = re.compile(r"<#([CG][A-Z0-9]+)(?:\|([^>]*))?>")


class SlackOutput(SlackBot):
    """Rasa's Slack output on our Web API client (API host from settings, retry handlers),
    sending each reply as one mrkdwn message, split only where Slack's limits require."""

    def __init__(self, settings: Settings, channel: str):
        super().__init__(settings.slack_bot_token or "", slack_channel=channel)
        self.client = async_web_client(settings)

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        for piece in split_text(text, 3000):
            await self._post_message(channel=self.slack_channel or recipient_id, text=piece)

    async def send_text_with_buttons(self, recipient_id: str, text: str, buttons: list[dict], **kwargs: Any) -> None:
        sections = text_sections(text)[: MESSAGE_BLOCK_LIMIT - 1]
        actions = ActionsBlock(block_id="conversation_buttons", elements=[
            ButtonElement(text=button["title"][:75], value=button["payload"][:2000], action_id=f"conversation:{i}")
            for i, button in enumerate(buttons[:BUTTON_LIMIT])])
        await self._post_message(channel=self.slack_channel or recipient_id, text=split_text(text, 3000)[0],
                                 blocks=[block.to_dict() for block in [*sections, actions]])


def unnamed_channels(text: str) -> set[str]:
    """The ids of channel mentions that came without the channel's name."""
    return {m.group(1) for m in CHANNEL_RE.finditer(text or "") if not m.group(2)}


def clean_user_text(text: str, channel_names: dict[str, str] | None = None) -> str:
    """What Slack sends, as the person typed it: links shown by their label or address, channel
    mentions as "#name" (from `channel_names` when Slack sent only the id, else "a channel"),
    and Slack's escaping of &, < and > undone (replies escape again wherever text is echoed)."""
    names = channel_names or {}
    text = BARE_LINK_RE.sub(r"\1", LINK_RE.sub(r"\1", text or ""))
    # A channel that isn't a group's, sent without its name: its id would mean nothing to anyone.
    text = CHANNEL_RE.sub(lambda m: f"#{m.group(2)}" if m.group(2) else
                          f"#{names[m.group(1)]}" if m.group(1) in names else "a channel", text)
    return html.unescape(text).strip()


# Slack retries an event for about an hour; a day of ids is plenty to answer each once.
REMEMBER_EVENTS_FOR = timedelta(days=1)


def forget_old_events(uow) -> int:
    with uow:
        gone = uow.session.execute(delete(SlackEventSeen).where(
            SlackEventSeen.received_at < utcnow() - REMEMBER_EVENTS_FOR)).rowcount
        uow.commit()
        return gone


class SlackRuntime:
    """Everything both transports share; one per process, so one delivery worker."""

    _instance: "SlackRuntime | None" = None
    _lock = threading.Lock()

    @classmethod
    def get(cls) -> "SlackRuntime":
        with cls._lock:
            if cls._instance is None:
                cls._instance = cls(load_settings())
            return cls._instance

    def __init__(self, settings: Settings):
        self.settings = settings
        self.uow_factory = default_uow
        self.client = web_client(settings)
        self.decisions = SlackDecisions(self.uow_factory, self.client, after_decision=self.wake_delivery)
        self.worker: DeliveryWorker | None = None
        self._tasks: set[asyncio.Task] = set()

    @property
    def configured(self) -> bool:
        return bool(self.settings.slack_bot_token)

    # ------------------------------------------------------------ the delivery worker

    def start_worker(self) -> None:
        with self._lock:
            if self.worker is None and self.configured:
                self.worker = DeliveryWorker(self.uow_factory, self.client, self.settings, periodic=self.housekeeping)
                self.worker.start()

    def housekeeping(self) -> None:
        nudge_waiting_invites(self.uow_factory(), self.settings)
        forget_old_events(self.uow_factory())

    def stop_worker(self) -> None:
        with self._lock:
            if self.worker is not None:
                self.worker.stop()
                self.worker = None

    def wake_delivery(self) -> None:
        if self.worker is not None:
            self.worker.wake()

    # ------------------------------------------------------------ what Slack sends

    def spawn(self, work: Awaitable) -> None:
        """Run after the acknowledgement; keep a reference so the task is not collected."""
        task = asyncio.ensure_future(work)
        self._tasks.add(task)
        task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("Handling a Slack request failed", exc_info=task.exception())

    def seen_before(self, event_id: str) -> bool:
        """Remember the event id; True if it was already taken in (a retry)."""
        try:
            with self.uow_factory() as uow:
                uow.session.add(SlackEventSeen(event_id=event_id[:100]))
                uow.commit()
            return False
        except IntegrityError:
            return True

    async def on_event(self, body: dict, on_new_message: OnNewMessage, *, checked_for_retry: bool = False) -> None:
        event_id, event = body.get("event_id"), body.get("event") or {}
        if not checked_for_retry and event_id and await asyncio.to_thread(self.seen_before, event_id):
            log.info("Slack event %s already handled; ignoring the retry", event_id)
            return
        kind = event.get("type")
        if kind == "message":
            # Only people's own new DMs: not bots (ourselves included), edits or deletions.
            if (event.get("channel_type") != "im" or event.get("bot_id") or not event.get("user")
                    or event.get("subtype") not in (None, "file_share")):
                return
            text = event.get("text", "")
            unnamed = unnamed_channels(text)
            names = await asyncio.to_thread(channel_names, unnamed, self.uow_factory()) if unnamed else {}
            text = clean_user_text(text, names)
            if not text:
                await self._say(event["channel"], "I can only read text, I'm afraid. "
                                                  "Tell me in a message what you'd like to do.")
                return
            await self.to_conversation(event["user"], text, event["channel"], on_new_message)
        elif kind == "app_home_opened" and event.get("tab") == "home":
            await asyncio.to_thread(self.publish_home, event["user"])
        elif kind == "team_join":
            user = event.get("user") or {}
            if not user.get("is_bot") and user.get("id"):
                await asyncio.to_thread(welcome, [user["id"]], self.uow_factory())
                self.wake_delivery()

    async def on_interaction(self, payload: dict, on_new_message: OnNewMessage) -> None:
        user = (payload.get("user") or {}).get("id")
        if payload.get("type") == "view_submission":
            await asyncio.to_thread(self.decisions.on_submission, payload)
        elif payload.get("type") == "block_actions" and payload.get("actions") and user:
            action = payload["actions"][0]
            if action.get("action_id") in DECISION_ACTIONS:
                await asyncio.to_thread(self.decisions.on_click, payload)
            elif action.get("value"):
                channel = (payload.get("channel") or {}).get("id") or user
                await self._settle_buttons(payload, action)
                await self.to_conversation(user, action["value"], channel, on_new_message)

    async def to_conversation(self, user: str, text: str, channel: str, on_new_message: OnNewMessage) -> None:
        await on_new_message(UserMessage(text, SlackOutput(self.settings, channel), sender_id=user,
                                         input_channel="slack", metadata={"out_channel": channel}))

    def publish_home(self, user: str) -> None:
        try:
            self.client.views_publish(user_id=user, view=home_for(user, self.uow_factory))
        except SlackApiError as failure:
            log.warning("Could not publish the App Home for %s: %s", user, failure.response.get("error"))

    async def _say(self, channel: str, text: str) -> None:
        await SlackOutput(self.settings, channel).send_text_message(channel, text)

    async def _settle_buttons(self, payload: dict, action: dict) -> None:
        """Replace a conversation's buttons by what was chosen, so an old question's buttons
        cannot be pressed again later."""
        message, channel = payload.get("message"), (payload.get("channel") or {}).get("id")
        if not message or not channel or payload.get("container", {}).get("type") != "message":
            return
        label = (action.get("text") or {}).get("text", "")
        blocks = [b for b in message.get("blocks", []) if b.get("type") != "actions"]
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=f"You chose: *{label}*")]).to_dict())
        try:
            await async_web_client(self.settings).chat_update(channel=channel, ts=message["ts"],
                                                              text=message.get("text", ""), blocks=blocks)
        except SlackApiError as failure:
            log.info("Could not settle the buttons: %s", failure.response.get("error"))


class SlackEventsInput(SlackInput):
    """Slack's Events API and interactivity over HTTP, verified by signing secret."""

    @classmethod
    def name(cls) -> str:
        return "slack"

    @classmethod
    def from_credentials(cls, credentials: dict | None) -> InputChannel:
        return cls()

    def __init__(self) -> None:
        # Rasa's SlackInput reads a static token and secret; ours come from settings, and an
        # unconfigured server still starts (the REST channel keeps working).
        self.runtime = SlackRuntime.get()
        settings = self.runtime.settings
        self.verifier = SignatureVerifier(settings.slack_signing_secret) if settings.slack_signing_secret else None

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        slack = Blueprint("slack_webhook", __name__)

        @slack.listener("after_server_start")
        async def start_delivery(_app, _loop) -> None:
            self.runtime.start_worker()

        @slack.listener("before_server_stop")
        async def stop_delivery(_app, _loop) -> None:
            await asyncio.to_thread(self.runtime.stop_worker)

        @slack.route("/", methods=["GET"])
        async def health(_: Request):
            return response.json({"status": "ok" if self.verifier else "not configured"})

        @slack.route("/webhook", methods=["POST"])
        async def webhook(request: Request):
            if self.verifier is None or not self.runtime.configured:
                return response.text("Slack is not configured on this server.", status=503)
            if not self._signed_by_slack(request):
                return response.text("Invalid or stale Slack signature.", status=401)
            if (request.headers.get("content-type") or "").startswith("application/json"):
                body = json.loads(request.body or b"{}")
                if body.get("type") == "url_verification":
                    return response.json({"challenge": body.get("challenge")})
                if body.get("type") == "event_callback":
                    # Remembered before the acknowledgement: if the database is down, Slack
                    # gets an error and retries, rather than the message being lost.
                    try:
                        if body.get("event_id") and await asyncio.to_thread(self.runtime.seen_before,
                                                                            body["event_id"]):
                            return response.text("")
                    except Exception:
                        log.exception("Could not record Slack event %s", body.get("event_id"))
                        return response.text("Try again later.", status=503)
                    self.runtime.spawn(self.runtime.on_event(body, on_new_message, checked_for_retry=True))
            elif request.form.get("payload"):
                self.runtime.spawn(self.runtime.on_interaction(json.loads(request.form.get("payload")),
                                                               on_new_message))
            return response.text("")

        return slack

    def _signed_by_slack(self, request: Request) -> bool:
        try:
            return self.verifier.is_valid(request.body, request.headers.get("X-Slack-Request-Timestamp", ""),
                                          request.headers.get("X-Slack-Signature", ""))
        except ValueError:  # a missing or non-numeric timestamp
            return False

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
        self.client: SocketModeClient | None = None

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        socket = Blueprint("slack_socket_mode", __name__)

        async def on_request(client: SocketModeClient, request: SocketModeRequest) -> None:
            await client.send_socket_mode_response(SocketModeResponse(envelope_id=request.envelope_id))
            if request.type == "events_api":
                self.runtime.spawn(self.runtime.on_event(request.payload, on_new_message))
            elif request.type == "interactive":
                self.runtime.spawn(self.runtime.on_interaction(request.payload, on_new_message))

        @socket.listener("after_server_start")
        async def connect(_app, _loop) -> None:
            settings = self.runtime.settings
            if not (settings.slack_app_token and self.runtime.configured):
                return
            self.client = SocketModeClient(app_token=settings.slack_app_token,
                                           web_client=async_web_client(settings))
            self.client.socket_mode_request_listeners.append(on_request)
            await self.client.connect()
            self.runtime.start_worker()
            log.info("Connected to Slack over Socket Mode")

        @socket.listener("before_server_stop")
        async def disconnect(_app, _loop) -> None:
            if self.client is not None:
                await self.client.close()
            await asyncio.to_thread(self.runtime.stop_worker)

        @socket.route("/", methods=["GET"])
        async def health(_: Request):
            connected = self.client is not None and await self.client.is_connected()
            return response.json({"status": "connected" if connected else "not connected"})

        return socket
