"""The Slack app: one slack_bolt AsyncApp per process, with one listener per event, action
id and view callback, served over HTTP (bot.slack.channels.SlackEventsInput, Bolt's Sanic
adapter inside Rasa's server) or Socket Mode (Bolt's handler), whichever is configured.

Bolt verifies signatures, acknowledges and routes. What Bolt doesn't do, kept here: an
event id is remembered in the database before it is acknowledged, so a retried event is
answered once, also after a restart (and if the database is down, Slack gets a 503 and
retries rather than the message being lost); a conversation's pressed buttons settle to
the choice; the outbox delivery worker runs beside it."""
from __future__ import annotations

import asyncio
import logging
import re
import threading
from datetime import timedelta
from typing import Any, Awaitable, Callable

from slack_bolt import BoltResponse
from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.models.blocks import ContextBlock, MarkdownTextObject
from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError

from bot.core.limits import MessageLimits
from bot.bootstrap import Wiring, current
from bot.core.models import SlackEventSeen, utcnow
from bot.journeys.decidable import BY_ACTION, DECIDABLE
from bot.journeys.find_group import channel_names
from bot.journeys.onboarding import welcome
from bot.slack.api import async_web_client, bolt_logger
from bot.slack.decisions import SlackDecisions
from bot.slack.delivery import DeliveryWorker
from bot.slack.handle_case import register_case_listeners
from bot.slack.home import home_for
from bot.slack.markup import SLACK_USER_ID_RE, clean_user_text, escape_mrkdwn, unnamed_channels
from bot.slack.raise_issue import register as register_raise_issue

log = logging.getLogger(__name__)

# (user id, text, the DM channel to answer in) -> the message handed to the conversation.
ToConversation = Callable[[str, str, str], Awaitable[Any]]
# Buttons whose value is a message for the conversation: its own questions, the directory's.
CONVERSATION_BUTTON = re.compile(r"^(conversation:\d+|dir_join:.+)$")
# Slack retries an event for about an hour; a day of ids is plenty to answer each once.
REMEMBER_EVENTS_FOR = timedelta(days=1)


def forget_old_events(uow) -> int:
    with uow:
        gone = uow.session.execute(delete(SlackEventSeen).where(
            SlackEventSeen.received_at < utcnow() - REMEMBER_EVENTS_FOR)).rowcount
        uow.commit()
        return gone


class SlackRuntime:
    """Everything both transports share; one per process, so one Bolt app and one delivery
    worker."""

    _instance: "SlackRuntime | None" = None
    _lock = threading.Lock()

    @classmethod
    def get(cls) -> "SlackRuntime":
        with cls._lock:
            if cls._instance is None:
                cls._instance = cls(current())
            return cls._instance

    def __init__(self, wiring: Wiring):
        self.settings = settings = wiring.settings
        self.uow_factory = wiring.uow
        self.client = wiring.slack
        self.decisions = SlackDecisions(self.uow_factory, self.client, after_decision=self.wake_delivery)
        self.worker: DeliveryWorker | None = None
        # Set by the input channel Rasa loads: hands a message to the conversation.
        self.to_conversation: ToConversation | None = None
        self.limits = MessageLimits.from_settings(settings)
        self.app = build_app(self) if self.configured else None

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
        from bot.journeys.housekeeping import run_housekeeping

        # Reminders, case deadlines and retention (also run by the action server without Slack).
        run_housekeeping(self.uow_factory, self.settings)
        forget_old_events(self.uow_factory())

    def stop_worker(self) -> None:
        with self._lock:
            if self.worker is not None:
                self.worker.stop()
                self.worker = None

    def wake_delivery(self) -> None:
        if self.worker is not None:
            self.worker.wake()

    # ------------------------------------------------------------ what Bolt doesn't do

    def seen_before(self, event_id: str) -> bool:
        """Remember the event id; True if it was already taken in (a retry)."""
        try:
            with self.uow_factory() as uow:
                uow.session.add(SlackEventSeen(event_id=event_id[:100]))
                uow.commit()
            return False
        except IntegrityError:
            return True

    async def conversation(self, user: str, text: str, channel: str) -> None:
        if self.to_conversation is None:  # pragma: no cover - Rasa always loads a channel first
            log.error("A Slack message arrived before any input channel was loaded")
            return
        await self.to_conversation(user, text, channel)

    def publish_home(self, user: str) -> None:
        try:
            self.client.views_publish(user_id=user, view=home_for(user, self.uow_factory))
        except SlackApiError as failure:
            log.warning("Could not publish the App Home for %s: %s", user, failure.response.get("error"))


def build_app(runtime: SlackRuntime) -> AsyncApp:
    settings = runtime.settings
    app = AsyncApp(token=settings.slack_bot_token, signing_secret=settings.slack_signing_secret or "",
                   client=async_web_client(settings), process_before_response=False,
                   logger=bolt_logger())  # Bolt logs request bodies (a case modal's) below WARNING

    @app.middleware
    async def answer_each_event_once(body: dict, next: Callable[[], Awaitable[Any]]):
        event_id = body.get("event_id") if body.get("type") == "event_callback" else None
        if event_id:
            try:
                if await asyncio.to_thread(runtime.seen_before, event_id):
                    log.info("Slack event %s already handled; ignoring the retry", event_id)
                    return BoltResponse(status=200, body="")
            except Exception:
                log.exception("Could not record Slack event %s", event_id)
                return BoltResponse(status=503, body="Try again later.")
        return await next()

    @app.event("message")
    async def direct_message(event: dict, say) -> None:
        # Only people's own new DMs: not bots (ourselves included), edits or deletions.
        if (event.get("channel_type") != "im" or event.get("bot_id") or not event.get("user")
                or event.get("subtype") not in (None, "file_share")):
            return
        if not SLACK_USER_ID_RE.match(event["user"]):
            log.warning("Ignored a DM from a sender that isn't a Slack user id")
            return
        text = event.get("text", "")
        refused, answer = runtime.limits.refusal(event["user"], text)
        if refused:  # answered here: the text never reaches the NLU
            if answer:
                await say(answer)
            return
        unnamed = unnamed_channels(text)
        names = await asyncio.to_thread(channel_names, unnamed, runtime.uow_factory()) if unnamed else {}
        text = clean_user_text(text, names)
        too_long = runtime.limits.too_long(text)  # markup can grow in cleaning ("<#C1>" -> "a channel")
        if too_long:
            await say(too_long)
            return
        if not text:
            await say("I can only read text, I'm afraid. Tell me in a message what you'd like to do.")
            return
        await runtime.conversation(event["user"], text, event["channel"])

    @app.event("app_home_opened")
    async def home_opened(event: dict) -> None:
        if event.get("tab") == "home":
            await asyncio.to_thread(runtime.publish_home, event["user"])

    @app.event("team_join")
    async def new_member(event: dict) -> None:
        user = event.get("user") or {}
        if not user.get("is_bot") and user.get("id"):
            await asyncio.to_thread(welcome, [user["id"]], runtime.uow_factory())
            runtime.wake_delivery()

    @app.action(CONVERSATION_BUTTON)
    async def conversation_button(ack, body: dict, action: dict, client) -> None:
        await ack()
        user = body["user"]["id"]
        if not action.get("value") or not SLACK_USER_ID_RE.match(user):
            return
        refused, answer = runtime.limits.refusal(user, action["value"])
        if refused:
            if answer:
                await client.chat_postMessage(channel=(body.get("channel") or {}).get("id") or user, text=answer)
            return
        channel = (body.get("channel") or {}).get("id") or user
        await settle_buttons(client, body, action)
        await runtime.conversation(user, action["value"], channel)

    async def decision(ack, body: dict) -> None:
        await ack()
        await asyncio.to_thread(runtime.decisions.on_click, body)

    async def decline_submitted(ack, body: dict) -> None:
        await ack()
        await asyncio.to_thread(runtime.decisions.on_submission, body)

    register_raise_issue(app, runtime)
    register_case_listeners(app, runtime)
    for action_id in BY_ACTION:
        app.action(action_id)(decision)
    for kind in DECIDABLE.values():
        app.view(kind.decline_action)(decline_submitted)
    return app


async def settle_buttons(client, body: dict, action: dict) -> None:
    """Replace a conversation's buttons by what was chosen, so an old question's buttons
    cannot be pressed again later."""
    message, channel = body.get("message"), (body.get("channel") or {}).get("id")
    if not message or not channel or body.get("container", {}).get("type") != "message":
        return
    label = (action.get("text") or {}).get("text", "")
    blocks = [b for b in message.get("blocks", []) if b.get("type") != "actions"]
    blocks.append(ContextBlock(elements=[MarkdownTextObject(text=f"You chose: *{escape_mrkdwn(label)}*")]).to_dict())
    try:
        await client.chat_update(channel=channel, ts=message["ts"], text=message.get("text", ""), blocks=blocks)
    except SlackApiError as failure:
        log.info("Could not settle the buttons: %s", failure.response.get("error"))
