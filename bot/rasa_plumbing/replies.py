"""Every message gets an answer. When Rasa sends nothing back (the action server is down, an
action failed), the person is told that something went wrong on our side and that their
answers so far are kept: the tracker holds them, and the form carries on when they try again."""
from __future__ import annotations

import logging
from typing import Any, Awaitable, Callable

from rasa.core.channels.channel import OutputChannel, UserMessage

log = logging.getLogger(__name__)

INTERNAL_ERROR = ("Sorry, something went wrong on my side and I couldn't answer that. What you've told me so far "
                  "is kept: please try again in a minute. If it keeps happening, the D&I service team can help.")


def sent_so_far(output: OutputChannel | None) -> int | None:
    """How many replies `output` has sent: the REST collector keeps them, our Slack output
    counts them; None for a channel that does neither."""
    if output is None:
        return None
    if isinstance(getattr(output, "messages", None), list):
        return len(output.messages)
    sent = getattr(output, "sent", None)
    return sent if isinstance(sent, int) else None


def always_answered(on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Callable[[UserMessage], Awaitable[Any]]:
    async def answered(message: UserMessage) -> Any:
        before = sent_so_far(message.output_channel)
        try:
            result = await on_new_message(message)
        except Exception:  # noqa: BLE001 - whatever failed, the person hears about it
            log.exception("Handling a message failed")
            result = None
        if before is not None and sent_so_far(message.output_channel) == before:
            log.warning("No reply to a message: told the person something went wrong")
            await message.output_channel.send_text_message(message.sender_id, INTERNAL_ERROR)
        return result

    return answered
