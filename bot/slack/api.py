"""Slack Web API clients, configured once: the API host from settings (Slack, or the tests'
double) and slack-sdk's retry handlers, so a rate limit waits for its Retry-After and a
dropped connection or a 5xx is tried again before anything is reported as failed."""
from __future__ import annotations

from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_async_handlers import (AsyncConnectionErrorRetryHandler,
                                                         AsyncRateLimitErrorRetryHandler, AsyncServerErrorRetryHandler)
from slack_sdk.http_retry.builtin_handlers import (ConnectionErrorRetryHandler, RateLimitErrorRetryHandler,
                                                   ServerErrorRetryHandler)
from slack_sdk.web.async_client import AsyncWebClient

from bot.core.settings import Settings, load_settings

# Retries inside one call; the outbox adds slower retries across calls on top.
RETRIES_PER_CALL = 2
TIMEOUT_SECONDS = 10


def web_client(settings: Settings | None = None) -> WebClient:
    settings = settings or load_settings()
    return WebClient(
        token=settings.slack_bot_token, base_url=settings.slack_api_url, timeout=TIMEOUT_SECONDS,
        retry_handlers=[ConnectionErrorRetryHandler(max_retry_count=RETRIES_PER_CALL),
                        RateLimitErrorRetryHandler(max_retry_count=RETRIES_PER_CALL),
                        ServerErrorRetryHandler(max_retry_count=RETRIES_PER_CALL)],
    )


def async_web_client(settings: Settings | None = None) -> AsyncWebClient:
    settings = settings or load_settings()
    return AsyncWebClient(
        token=settings.slack_bot_token, base_url=settings.slack_api_url, timeout=TIMEOUT_SECONDS,
        retry_handlers=[AsyncConnectionErrorRetryHandler(max_retry_count=RETRIES_PER_CALL),
                        AsyncRateLimitErrorRetryHandler(max_retry_count=RETRIES_PER_CALL),
                        AsyncServerErrorRetryHandler(max_retry_count=RETRIES_PER_CALL)],
    )
