"""Slack Web API clients, configured once: the API host from settings (Slack, or the tests'
double) and slack-sdk's retry handlers, so a rate limit waits for its Retry-After and a
dropped connection or a 5xx is tried again before anything is reported as failed.

Every client, and the Bolt app, logs through a logger held at INFO or above (`quiet_logger`):
slack-sdk writes each request's body at DEBUG (a case modal's views.open carries the
narrative) and Bolt writes request bodies at DEBUG and, for a bad signature, at INFO. Turning
on debug logging anywhere else must never put confidential text into a log."""
from __future__ import annotations

import logging

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import (AsyncConnectionErrorRetryHandler,
                                                         AsyncRateLimitErrorRetryHandler, AsyncServerErrorRetryHandler)
from slack_sdk.http_retry.builtin_handlers import (ConnectionErrorRetryHandler, RateLimitErrorRetryHandler,
                                                   ServerErrorRetryHandler)
from slack_sdk.web.async_client import AsyncWebClient

from bot.core.settings import Settings

# Retries inside one call; the outbox adds slower retries across calls on top.
RETRIES_PER_CALL = 2
TIMEOUT_SECONDS = 10


log = logging.getLogger(__name__)


def _at_least(floor: int):
    return lambda record: record.levelno >= floor


def quiet_logger(name: str, floor: int = logging.INFO) -> logging.Logger:
    """A logger that drops records below `floor` whatever level it is later given: the level
    spares slack-sdk building its debug lines (it checks `logger.level`), the filter is the
    guarantee."""
    logger = logging.getLogger(name)
    if logger.level < floor:
        logger.setLevel(floor)
    if not any(getattr(f, "floor", None) is not None for f in logger.filters):
        keep = _at_least(floor)
        keep.floor = floor
        logger.addFilter(keep)
    return logger


def client_logger() -> logging.Logger:
    return quiet_logger("bot.slack.api.client")


def bolt_logger() -> logging.Logger:
    """For slack_bolt's App (and the Socket Mode handler, which takes the app's logger): its
    INFO line for a bad signature carries the request body, so WARNING and above only."""
    return quiet_logger("bot.slack.api.bolt", logging.WARNING)


def _configured(settings: Settings, *retry_handlers) -> dict:
    """What every client shares: the token, the API host, the timeout, the quiet logger and
    slack-sdk's retries (sync or async handlers, for that kind of client)."""
    return dict(token=settings.slack_bot_token, base_url=settings.slack_api_url, timeout=TIMEOUT_SECONDS,
                logger=client_logger(), retry_handlers=[handler(max_retry_count=RETRIES_PER_CALL)
                                                        for handler in retry_handlers])


def web_client(settings: Settings) -> WebClient:
    return WebClient(**_configured(settings, ConnectionErrorRetryHandler, RateLimitErrorRetryHandler,
                                   ServerErrorRetryHandler))


def async_web_client(settings: Settings) -> AsyncWebClient:
    return AsyncWebClient(**_configured(settings, AsyncConnectionErrorRetryHandler, AsyncRateLimitErrorRetryHandler,
                                        AsyncServerErrorRetryHandler))


def tell_privately(client, user: str, channel: str | None, text: str) -> None:
    """An answer only the person who clicked sees: ephemeral where they clicked, else a DM."""
    try:
        if channel:
            client.chat_postEphemeral(channel=channel, user=user, text=text)
        else:
            client.chat_postMessage(channel=user, text=text)
    except SlackApiError as failure:
        log.warning("Could not answer %s: %s", user, failure.response.get("error"))
