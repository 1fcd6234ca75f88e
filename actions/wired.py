"""What every action and validator receives: the process's wiring (bot.bootstrap), or the one
a test passes to its constructor. Rasa SDK instantiates each action once, with no arguments,
when the action server registers the package."""
from __future__ import annotations

from abc import ABC, abstractmethod

from rasa_sdk import Action

from bot.bootstrap import Wiring, current
from bot.core.db import UnitOfWork


class Wired:
    def __init__(self, wiring: Wiring | None = None, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._wiring = wiring

    @property
    def wiring(self) -> Wiring:
        # Read on use, not at construction: the server installs its wiring before registering.
        return self._wiring or current()

    def uow(self) -> UnitOfWork:
        return self.wiring.uow()


class WiredAction(Wired, Action, ABC):
    """A Rasa SDK action with the wiring. Abstract, so the action server doesn't register it."""

    @abstractmethod
    def name(self) -> str: ...
