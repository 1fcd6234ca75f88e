"""The server's housekeeping: reminders and escalations that are due, held cases that missed
each other, then retention.

One function, run by the Slack runtime's delivery worker (bot.slack.app) and on a timer by
the action server (bot.rasa_plumbing.action_server), so the embedded default without Slack
forgets on schedule too. Every step is idempotent (once-only flags, outbox keys), so two
processes running it at once cost nothing but a retry.
"""
from __future__ import annotations

import logging
import threading
from datetime import datetime
from typing import Any, Callable

from bot.core.db import UnitOfWork
from bot.core.settings import Settings
from bot.journeys.case_deadlines import nudge_cases
from bot.journeys.invite_request import nudge_waiting_invites
from bot.journeys.raise_issue import match_held_cases
from bot.journeys.retention import purge

log = logging.getLogger(__name__)

EVERY_SECONDS = 3600


def run_housekeeping(uow_factory: Callable[[], UnitOfWork], settings: Settings,
                     now: datetime | None = None) -> dict[str, Any]:
    """Each step in its own transaction; one failing (the database briefly away) doesn't stop
    the others, and the next round tries again."""
    steps = {
        "invite_nudges": lambda: nudge_waiting_invites(uow_factory(), settings, now),
        "case_deadlines": lambda: nudge_cases(uow_factory(), settings, now),
        "held_cases_matched": lambda: match_held_cases(uow_factory()),
        "purged": lambda: purge(uow_factory(), settings, now),
    }
    done: dict[str, Any] = {}
    for name, step in steps.items():
        try:
            done[name] = step()
        except Exception:
            log.exception("Housekeeping step %s failed; it runs again next round", name)
    purged = {kind: n for kind, n in (done.get("purged") or {}).items() if n}
    if purged or done.get("invite_nudges") or done.get("case_deadlines"):
        log.info("Housekeeping: %s invite reminder(s), %s case notice(s), purged %s", done.get("invite_nudges", 0),
                 done.get("case_deadlines", 0), purged or "nothing")
    return done


def start_timer(uow_factory: Callable[[], UnitOfWork], settings: Settings, every: float = EVERY_SECONDS,
                first_after: float = 0) -> threading.Event:
    """Run housekeeping after `first_after` seconds, then every `every`, in a daemon thread;
    set the returned event to stop it."""
    stop = threading.Event()

    def loop() -> None:
        if stop.wait(first_after):
            return
        while True:
            run_housekeeping(uow_factory, settings)
            if stop.wait(every):
                return

    threading.Thread(target=loop, name="housekeeping", daemon=True).start()
    return stop
