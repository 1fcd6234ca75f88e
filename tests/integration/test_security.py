"""The doors checked in-process: with Slack configured the REST channel is closed (Rasa's own
app, on a loopback port), the terminal chat's channel is namespaced and bounded, the rate limit
recovers, and `make serve` keeps the API token off the command line. Against the running
servers: tests/conversation/test_security_conversation.py."""
from __future__ import annotations

import asyncio

from harness.servers import ROOT, free_port, post_rest



def test_with_slack_configured_the_rest_channel_is_closed(monkeypatch):
    """Rasa's own app, built from credentials.yml as `rasa run` builds it, with Slack configured:
    the REST channel answers 403 and nothing reaches Rasa."""
    from rasa.core import run

    from bot.rasa_plumbing.rest import LocalRestInput

    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test")
    monkeypatch.delenv("ENABLE_REST_CHANNEL", raising=False)
    channels = run.create_http_input_channels(None, str(ROOT / "credentials.yml"))
    rest_channels = [c for c in channels if isinstance(c, LocalRestInput)]  # Slack's would dial out
    assert len(rest_channels) == 1 and not rest_channels[0].enabled
    app = run.configure_app(rest_channels, enable_api=False, port=0)
    port = free_port()

    async def post_while_serving() -> tuple[int, str]:
        server = await app.create_server(host="127.0.0.1", port=port, return_asyncio_server=True)
        await server.startup()
        try:
            return await asyncio.get_running_loop().run_in_executor(None, lambda: post_rest(
                f"http://127.0.0.1:{port}", "U0SLACKER1", "my requests"))
        finally:
            server.close()
            await server.wait_closed()

    status, replies = asyncio.run(post_while_serving())
    assert status == 403 and replies == []


def test_the_terminal_chat_gets_the_namespaced_bounded_channel():
    from rasa.core.run import _create_single_channel

    from bot.rasa_plumbing.launch import use_our_terminal_channel
    from bot.rasa_plumbing.rest import LocalCmdlineInput

    use_our_terminal_channel()
    channel = _create_single_channel("cmdline", None)
    assert isinstance(channel, LocalCmdlineInput) and channel.enabled and channel.url_prefix() == "rest"


def test_the_rate_limit_forgets_quiet_senders_and_recovers():
    from bot.core.limits import TOO_FAST, MessageLimits

    now = [0.0]
    limits = MessageLimits(max_chars=10, messages=2, seconds=60, clock=lambda: now[0])
    assert [limits.refusal("U0A", "hi") for _ in range(4)] == [(False, None), (False, None), (True, TOO_FAST),
                                                               (True, None)]
    for n in range(5_000):
        limits.refusal(f"U{n:06d}", "hi")
    now[0] = 61
    assert limits.refusal("U0A", "hi") == (False, None)
    assert len(limits._sent) == 1  # everyone quiet for a window was forgotten
    assert limits.refusal("U0B", "x" * 11)[1].startswith("That's a very long message")


def test_make_serve_hands_rasa_the_api_token_without_putting_it_on_the_command_line():
    from bot.rasa_plumbing.launch import with_api_token

    argv = ["launch", "run", "--enable-api", "--interface", "127.0.0.1"]
    assert with_api_token(argv, {"RASA_API_TOKEN": "s3cret"})[-1] == "--auth-token=s3cret"
    # secrets.token_urlsafe can begin with "-": still the token, never taken for an option
    assert with_api_token(argv, {"RASA_API_TOKEN": "-RBad"})[-1] == "--auth-token=-RBad"
    assert with_api_token(argv, {}) == argv  # nothing to add: `make serve` refuses to start without a token
    assert with_api_token(["launch", "shell"], {"RASA_API_TOKEN": "s3cret"}) == ["launch", "shell"]
