"""The REST channel, for local development and tests only.

Rasa keys a conversation by sender id alone, so a REST client naming a Slack user's id would
join that person's conversation. Here every REST sender lives in its own namespace
("rest:<id>"), which no Slack id can be. Whenever Slack is configured the channel is off
(403) unless ENABLE_REST_CHANNEL is set for local development. Every message is bounded
before Rasa sees it (bot.core.limits), and confidential text is taken out before Rasa sees
it (bot.rasa_plumbing.confidential)."""
from __future__ import annotations

from typing import Any, Awaitable, Callable, Optional

from rasa.core.channels.channel import InputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.request import Request

from bot.core.limits import MessageLimits
from bot.bootstrap import current
from bot.rasa_plumbing.confidential import guarded, watch_conversations
from bot.rasa_plumbing.replies import always_answered

NAMESPACE = "rest:"


def rest_sender(sender: str) -> str:
    return NAMESPACE + (sender or "")


def cap_request_bodies(blueprint: Blueprint, max_bytes: int) -> None:
    """Bodies over `max_bytes` get Sanic's 413 before anything reads them (Sanic's own
    default is 100 MB). Set as the server starts, on the app every channel shares."""

    @blueprint.listener("before_server_start")
    async def cap(app, _loop) -> None:
        app.config.REQUEST_MAX_SIZE = min(app.config.REQUEST_MAX_SIZE, max_bytes)


class LocalRestInput(RestInput):
    @classmethod
    def name(cls) -> str:
        return "rest"

    @classmethod
    def from_credentials(cls, credentials: Optional[dict]) -> InputChannel:
        return cls()

    def __init__(self) -> None:
        settings = current().settings
        self.enabled = settings.enable_rest_channel or not settings.slack_bot_token
        self.limits = MessageLimits.from_settings(settings)
        self.max_request_bytes = settings.max_request_bytes

    async def _extract_sender(self, req: Request) -> Optional[str]:
        sender = (req.json or {}).get("sender")
        return rest_sender(str(sender)) if sender is not None else None

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        if not self.enabled:
            closed = Blueprint("rest_webhook_closed", __name__)

            @closed.route("/<path:path>", methods=["GET", "POST"])
            async def refuse(_: Request, path: str):
                return response.json({"error": "The REST channel is off while Slack is configured."}, status=403)

            cap_request_bodies(closed, self.max_request_bytes)
            return closed
        # What happened in a case is taken here when the conversation waits for it: Rasa gets a placeholder.
        open_blueprint = super().blueprint(guarded(always_answered(on_new_message)))
        watch_conversations(open_blueprint)
        cap_request_bodies(open_blueprint, self.max_request_bytes)
        limits = self.limits

        @open_blueprint.middleware("request")
        async def bounded(request: Request):
            if request.method != "POST":  # every POST of this blueprint, whatever the path's spelling
                return None
            # JSON only: a web page can't send that cross-site without the browser asking first.
            if not (request.content_type or "").startswith("application/json"):
                return response.json({"error": "Send JSON."}, status=415)
            body = request.json if isinstance(request.json, dict) else {}
            sender, text = body.get("sender"), body.get("message")
            if sender in (None, "") or not isinstance(text, str):
                return response.json({"error": "A message needs a sender and a text."}, status=400)
            sender = rest_sender(str(sender))
            refused, answer = limits.refusal(sender, text)
            if refused:  # answered here: the text never reaches the NLU
                return response.json([{"recipient_id": sender, "text": answer}] if answer else [])
            return None

        return open_blueprint


class LocalCmdlineInput(LocalRestInput):
    """The terminal chat's channel (`rasa shell`, `make run` without Slack), in place of Rasa's
    own `cmdline` (bot.rasa_plumbing.launch swaps it in): the same namespace and bounds, and
    on whenever the terminal chat runs, which is on loopback only."""

    @classmethod
    def name(cls) -> str:
        return "cmdline"

    def url_prefix(self) -> str:
        return LocalRestInput.name()

    def __init__(self) -> None:
        super().__init__()
        self.enabled = True
