"""The Slack doubles behave like Slack as far as the real slack_sdk clients can tell: other
tests rely on them, so they are checked here through WebClient, AsyncWebClient and the
aiohttp Socket Mode client, never by calling the doubles' internals."""
from __future__ import annotations

import asyncio
import json
import time

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.http_retry.builtin_handlers import (ConnectionErrorRetryHandler, RateLimitErrorRetryHandler,
                                                   ServerErrorRetryHandler)
from slack_sdk.socket_mode.aiohttp import SocketModeClient
from slack_sdk.socket_mode.response import SocketModeResponse
from slack_sdk.web.async_client import AsyncWebClient

from harness.slack_double import BOT_USER_ID, SlackDouble, SocketModeDouble

BLOCKS = [{"type": "section", "text": {"type": "mrkdwn", "text": "*hi*"}}]


@pytest.fixture
def slack():
    with SlackDouble(token="xoxb-test") as double:
        yield double


@pytest.fixture
def client(slack):
    # No retry handlers but the default one, so failures surface at once.
    return WebClient(token="xoxb-test", base_url=slack.base_url)


def test_auth_test_and_post_message_as_json(slack, client):
    assert client.auth_test()["user_id"] == BOT_USER_ID
    # chat.postMessage goes out as JSON; a user id is answered with the DM Slack opens.
    first = client.chat_postMessage(channel="U123", text="hi", blocks=BLOCKS)
    second = client.chat_postMessage(channel="C1", text="again")
    assert first["channel"] == "D123"
    assert first["message"]["blocks"] == BLOCKS and first["message"]["user"] == BOT_USER_ID
    assert float(second["ts"]) > float(first["ts"])
    call = slack.calls[-1]
    assert call.method == "chat.postMessage" and call.headers["Content-Type"].startswith("application/json")
    assert slack.messages[("D123", first["ts"])] == {"text": "hi", "blocks": BLOCKS}


def test_form_body_decodes_json_fields(slack, client):
    # A form post carries blocks as a JSON string; tests should see Python objects.
    client.api_call("chat.postMessage", params={"channel": "C1", "text": "x", "blocks": json.dumps(BLOCKS)})
    call = slack.calls[-1]
    assert call.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert slack.calls_to("chat.postMessage")[0]["blocks"] == BLOCKS


def test_chat_update_changes_the_stored_message(slack, client):
    posted = client.chat_postMessage(channel="C1", text="draft", blocks=BLOCKS)
    updated = client.chat_update(channel="C1", ts=posted["ts"], text="final")
    assert updated["ts"] == posted["ts"] and updated["text"] == "final"
    assert slack.messages[("C1", posted["ts"])] == {"text": "final", "blocks": BLOCKS}
    with pytest.raises(SlackApiError) as e:
        client.chat_update(channel="C1", ts="1.000000", text="x")
    assert e.value.response["error"] == "message_not_found"


def test_invalid_auth(slack):
    with pytest.raises(SlackApiError) as e:
        WebClient(token="xoxb-wrong", base_url=slack.base_url).chat_postMessage(channel="C1", text="x")
    assert e.value.response.status_code == 200 and e.value.response["error"] == "invalid_auth"
    # The app-level token only opens Socket Mode connections.
    with pytest.raises(SlackApiError) as e:
        WebClient(token="xapp-test", base_url=slack.base_url).auth_test()
    assert e.value.response["error"] == "not_allowed_token_type"
    assert [c.method for c in slack.calls] == ["chat.postMessage", "auth.test"]


def test_async_client_json_query_and_get(slack):
    async def scenario():
        client = AsyncWebClient(token="xoxb-test", base_url=slack.base_url)
        posted = await client.chat_postMessage(channel="C1", text="hi")
        # AsyncWebClient sends form `params` as a query string, users.info as a GET.
        created = await client.conversations_create(name="new-group", is_private=True)
        user = await client.users_info(user="U42")
        view = await client.views_publish(user_id="U42", view={"type": "home", "blocks": BLOCKS})
        return posted, created, user, view

    posted, created, user, view = asyncio.run(scenario())
    assert posted["channel"] == "C1"
    assert created["channel"]["id"] == "C0NEW00001" and created["channel"]["is_private"] is True
    assert user["user"]["id"] == "U42" and user["user"]["deleted"] is False
    assert view["view"]["id"].startswith("V") and view["view"]["blocks"] == BLOCKS
    assert slack.channels["C0NEW00001"].private and slack.channels["C0NEW00001"].bot_is_member


def test_rate_limit_is_retried_after_retry_after(slack):
    client = WebClient(token="xoxb-test", base_url=slack.base_url, retry_handlers=[
        RateLimitErrorRetryHandler(max_retry_count=2), ConnectionErrorRetryHandler(),
        ServerErrorRetryHandler(max_retry_count=2)])
    slack.fail("chat.postMessage", error="ratelimited", status=429, retry_after=1)
    started = time.monotonic()
    assert client.chat_postMessage(channel="C1", text="hi")["ok"]
    assert time.monotonic() - started >= 1  # it waited for Retry-After
    assert [c.response["status"] for c in slack.calls] == [429, 200]


def test_rate_limit_without_retry_handler_surfaces(slack, client):
    slack.fail("chat.postMessage", status=429, retry_after=7)
    with pytest.raises(SlackApiError) as e:
        client.chat_postMessage(channel="C1", text="hi")
    assert e.value.response.status_code == 429 and e.value.response["error"] == "ratelimited"
    assert e.value.response.headers["Retry-After"] == "7"


def test_async_rate_limit_is_retried(slack):
    async def scenario():
        client = AsyncWebClient(token="xoxb-test", base_url=slack.base_url,
                                retry_handlers=[AsyncRateLimitErrorRetryHandler(max_retry_count=1)])
        return await client.chat_postMessage(channel="C1", text="hi")

    # Retry-After 0 keeps the test fast; the handler still waits up to a second of jitter.
    slack.fail("chat.postMessage", status=429, retry_after=0)
    assert asyncio.run(scenario())["ok"] and len(slack.calls_to("chat.postMessage")) == 2


def test_server_error(slack, client):
    slack.fail("chat.postMessage", status=500)
    with pytest.raises(SlackApiError) as e:
        client.chat_postMessage(channel="C1", text="hi")
    assert e.value.response.status_code == 500
    # ServerErrorRetryHandler (it exists in slack_sdk 3.48) tries a 500 again.
    slack.fail("chat.postMessage", status=500)
    retrying = WebClient(token="xoxb-test", base_url=slack.base_url,
                         retry_handlers=[ServerErrorRetryHandler(max_retry_count=1)])
    assert retrying.chat_postMessage(channel="C1", text="hi")["ok"]
    assert [c.response["status"] for c in slack.calls] == [500, 500, 200]


def test_scripted_slack_error_consumed_once(slack, client):
    slack.add_channel("C1", "general")
    slack.fail("conversations.invite", error="not_in_channel", times=1)
    with pytest.raises(SlackApiError) as e:
        client.conversations_invite(channel="C1", users="U1")
    assert e.value.response["error"] == "not_in_channel"
    assert client.conversations_invite(channel="C1", users="U1")["ok"]


def test_channel_invite_join_create(slack, client):
    slack.add_channel("C1", "general", members=["U1"])
    slack.add_channel("C2", "outside", bot_is_member=False)
    slack.add_channel("G1", "secret", private=True, bot_is_member=False)

    def error(call, **kwargs):
        with pytest.raises(SlackApiError) as e:
            call(**kwargs)
        return e.value.response["error"]

    # conversations.invite: users comma-separated, as a form body
    assert error(client.conversations_invite, channel="C9", users="U2") == "channel_not_found"
    assert error(client.conversations_invite, channel="C2", users="U2") == "not_in_channel"
    assert error(client.conversations_invite, channel="G1", users="U2") == "channel_not_found"
    assert error(client.conversations_invite, channel="C1", users="U1") == "already_in_channel"
    invited = client.conversations_invite(channel="C1", users=["U2", "U3"])
    assert invited["channel"]["id"] == "C1" and slack.channels["C1"].members == {"U1", "U2", "U3"}

    assert client.conversations_join(channel="C2")["ok"] and slack.channels["C2"].bot_is_member
    assert error(client.conversations_join, channel="G1") == "method_not_supported_for_channel_type"
    assert error(client.conversations_join, channel="C9") == "channel_not_found"

    created = client.conversations_create(name="book-club", is_private=False)["channel"]
    assert created == {**created, "id": "C0NEW00001", "name": "book-club", "is_private": False}
    assert error(client.conversations_create, name="book-club") == "name_taken"
    assert client.conversations_open(users="U7")["channel"]["id"] == "D7"


def test_wait_for_polls_and_reports_what_was_called(slack, client):
    client.auth_test()
    with pytest.raises(AssertionError, match=r"auth\.test"):
        slack.wait_for("chat.postMessage", timeout=0.1)
    client.chat_postMessage(channel="C1", text="one")
    client.chat_postMessage(channel="C1", text="two")
    assert slack.wait_for("chat.postMessage", predicate=lambda a: a["text"] == "two")[0]["text"] == "two"
    slack.reset_calls()
    assert slack.calls == []


def test_socket_mode_envelope_in_ack_out(slack):
    with SocketModeDouble() as socket:
        slack.socket_url = socket.url
        received, messages = [], []

        async def scenario():
            client = SocketModeClient(app_token="xapp-test",
                                      web_client=AsyncWebClient(token="xoxb-test", base_url=slack.base_url))

            async def listener(client, req):
                received.append(req)
                await client.send_socket_mode_response(SocketModeResponse(envelope_id=req.envelope_id))

            async def on_message(client, message, raw):
                messages.append(message)

            client.socket_mode_request_listeners.append(listener)
            client.message_listeners.append(on_message)
            try:
                await client.connect()
                await socket.wait_connected_async()
                # send_envelope blocks on the double's own loop, not on this one.
                event = {"type": "event_callback", "event": {"type": "app_mention", "text": "hi"}}
                envelope_id = socket.send_envelope(event)
                return envelope_id, await socket.wait_for_ack_async(envelope_id)
            finally:
                await client.close()

        envelope_id, ack = asyncio.run(scenario())
        assert ack == {"envelope_id": envelope_id}
        assert messages[0]["type"] == "hello" and messages[0]["connection_info"]["app_id"] == "A0TEST0001"
        assert received[0].type == "events_api" and received[0].payload["event"]["text"] == "hi"
        # The client asked for the URL with the app-level token.
        opened = [c for c in slack.calls if c.method == "apps.connections.open"]
        assert opened and opened[0].headers["Authorization"] == "Bearer xapp-test"
