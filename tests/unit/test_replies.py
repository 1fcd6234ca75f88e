"""A message Rasa leaves unanswered gets an apology from the channel (bot/rasa_plumbing/replies.py),
on the REST collector and on our Slack output alike; a message Rasa answered gets nothing more."""
from __future__ import annotations

import asyncio

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage

from bot.rasa_plumbing.replies import INTERNAL_ERROR, always_answered, sent_so_far


def handle(on_new_message, output) -> None:
    asyncio.run(always_answered(on_new_message)(UserMessage("hello", output, sender_id="rest:U1")))


def test_silence_is_an_apology_and_an_answer_is_left_alone():
    async def silent(message: UserMessage) -> None:
        return None

    async def answers(message: UserMessage) -> None:
        await message.output_channel.send_text_message(message.sender_id, "Hi!")

    output = CollectingOutputChannel()
    handle(silent, output)
    assert [m["text"] for m in output.messages] == [INTERNAL_ERROR]
    output = CollectingOutputChannel()
    handle(answers, output)
    assert [m["text"] for m in output.messages] == ["Hi!"]


def test_a_failure_while_handling_is_said_too():
    async def broken(message: UserMessage) -> None:
        raise ConnectionError("the action server is down")

    output = CollectingOutputChannel()
    handle(broken, output)
    assert [m["text"] for m in output.messages] == [INTERNAL_ERROR]
    assert "something went wrong on my side" in INTERNAL_ERROR and "kept" in INTERNAL_ERROR


def test_our_slack_output_counts_what_it_sends():
    from bot.core.settings import load_settings
    from bot.slack.channels import SlackOutput

    output = SlackOutput(load_settings(), "D0TEST0001")
    assert sent_so_far(output) == 0
