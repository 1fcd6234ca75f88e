"""What the assistant runs on, built once per process and handed in (the composition root,
as cosmicpython/code's bootstrap.py): the settings, the engine and its unit-of-work factory
(whose units carry the settings and the cipher), the clock and the Slack Web API client.

Each entry point builds it once: the action server (`bot.rasa_plumbing.action_server`), the
Slack runtime and the input channels Rasa loads (`current()`), and the CLI. Services receive
a unit of work and plain values; actions receive the wiring in their constructor
(`actions.wired`), so a test passes its own. Nothing below this module reads the environment
or opens a database on its own."""
from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import TYPE_CHECKING, Callable

from bot.core import db
from bot.core.crypto import Cipher
from bot.core.models import utcnow
from bot.core.settings import Settings, load_settings

if TYPE_CHECKING:  # the Slack client is built on first use: the action server never needs it
    from slack_sdk import WebClient


@dataclass(frozen=True)
class Wiring:
    settings: Settings
    uow: Callable[[], db.UnitOfWork]
    engine: object = field(repr=False)
    clock: Callable[[], datetime] = utcnow

    @cached_property
    def slack(self) -> "WebClient":
        from bot.slack.api import web_client

        return web_client(self.settings)

    def dispose(self) -> None:
        self.engine.dispose()


def build(settings: Settings | None = None, *, clock: Callable[[], datetime] = utcnow) -> Wiring:
    """Everything from `settings` (the environment's when None): one engine, one cipher."""
    settings = settings or load_settings()
    engine = db.make_engine(settings.database_url)
    return Wiring(settings=settings, uow=db.uow_factory(engine, settings, Cipher(settings), clock), engine=engine,
                  clock=clock)


_current: Wiring | None = None
_lock = threading.Lock()


def current() -> Wiring:
    """The process's wiring: the one an entry point installed, else one built from the
    environment on first use (Rasa instantiates input channels and tracker stores itself)."""
    global _current
    with _lock:
        if _current is None:
            _current = build()
        return _current


def install(wiring: Wiring | None) -> Wiring | None:
    """Make `wiring` the process's (None: build again on next use); returns the one before."""
    global _current
    with _lock:
        before, _current = _current, wiring
        return before
