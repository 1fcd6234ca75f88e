"""Input bounded before any work: each channel asks here before a message reaches the NLU,
so a pasted document or a flood from one person costs almost nothing."""
from __future__ import annotations

import threading
import time
from collections import OrderedDict, deque

from bot.core.settings import Settings

TOO_LONG = ("That's a very long message, more than I can read in one go ({limit:,} characters at most). "
            "Could you tell me in a sentence or two what you'd like to do? If it's something you want to "
            "raise in confidence, say *raise an issue* and I'll take it step by step.")
TOO_FAST = ("You're sending messages faster than I can read them, so I've skipped a few. Give me a minute, "
            "then carry on where you left off: nothing you'd already told me is lost.")


class MessageLimits:
    """The longest message taken, and how many messages one person may send in a window.
    Over the rate, the first extra message is answered and the rest are dropped until the
    window has room again. In memory: one process's view, which is what a flood costs."""

    def __init__(self, max_chars: int, messages: int, seconds: float, clock=time.monotonic):
        self.max_chars, self.messages, self.seconds, self.clock = max_chars, messages, seconds, clock
        # Senders in the order they last sent, so those gone quiet are forgotten from the front.
        self._sent: OrderedDict[str, deque[float]] = OrderedDict()
        self._told: dict[str, float] = {}
        self._lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings: Settings) -> "MessageLimits":
        return cls(settings.max_message_chars, settings.rate_limit_messages, settings.rate_limit_seconds)

    def refusal(self, sender: str, text: str) -> tuple[bool, str | None]:
        """(refused, what to answer): (False, None) lets the message in; (True, None) drops it."""
        now = self.clock()
        with self._lock:
            sent = self._sent.pop(sender, None) or deque()
            self._sent[sender] = sent  # the newest, at the end
            while True:  # forget people who have gone quiet: cheap, the longest quiet first
                oldest, times = next(iter(self._sent.items()))
                if oldest == sender or (times and times[-1] > now - self.seconds):
                    break
                del self._sent[oldest]
                self._told.pop(oldest, None)
            while sent and sent[0] <= now - self.seconds:
                sent.popleft()
            if len(sent) >= self.messages:
                if self._told.get(sender, float("-inf")) > now - self.seconds:
                    return True, None
                self._told[sender] = now
                return True, TOO_FAST
            sent.append(now)
        answer = self.too_long(text)
        return (True, answer) if answer else (False, None)

    def too_long(self, text: str) -> str | None:
        """The answer to a message over the length limit, or None."""
        return TOO_LONG.format(limit=self.max_chars) if len(text or "") > self.max_chars else None
