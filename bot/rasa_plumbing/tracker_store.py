"""Picks Rasa's tracker store from the TRACKER_STORE_URL setting (environment or `.env`),
so endpoints.yml needs no edits between the embedded default and production.

Unset: in-process (conversations live as long as the server). `postgresql://…` or
`sqlite:///…`: Rasa's SQLTrackerStore. `redis://…`: Rasa's RedisTrackerStore.

Whichever it is, confidential text is redacted before anything is written: the seal of a
message said in confidence (its words, encrypted, for the actions of one turn) is dropped,
and, as defence in depth (the input channels already keep such text from Rasa,
bot.rasa_plumbing.confidential), so is the text of any user message marked confidential,
starting to raise an issue, or sent while an issue was being raised, and any value of the
confidential slots other than a draft id or a count.
"""
from __future__ import annotations

import re
from typing import Any

from sqlalchemy.engine import make_url

from bot.bootstrap import current
from bot.core.constants import SAID_IN_CONFIDENCE, SEALED
from bot.journeys import raise_issue


REDACTED = SAID_IN_CONFIDENCE
# The form that raises an issue, whose confidential slots these are.
CASE_FORM = "raise_issue_form"
CONFIDENTIAL_SLOTS = ("case_draft_id", "issue_excluded")
# What those slots may hold: a draft's id, "-" (nobody) or a count of people named.
SAFE_SLOT_VALUE = re.compile(r"\A(draft-[\w-]{1,20}|-|\d{1,3})\Z")


def redact(tracker: Any) -> Any:
    """Strip confidential text from the tracker's events, in place."""
    from rasa.shared.core.events import ActiveLoop, SlotSet, UserUttered

    asking, raising = None, False
    for event in tracker.events:
        if isinstance(event, ActiveLoop):
            raising = event.name == CASE_FORM
        elif isinstance(event, SlotSet):
            if event.key == "requested_slot":
                asking = event.value
            elif event.key in CONFIDENTIAL_SLOTS and event.value is not None \
                    and not SAFE_SLOT_VALUE.match(str(event.value)):
                event.value = REDACTED
        elif isinstance(event, UserUttered):
            for metadata in (event.metadata, event.parse_data.get("metadata")):
                if isinstance(metadata, dict):
                    metadata.pop(SEALED, None)
            marked = bool((event.metadata or {}).get("confidential"))
            typed = not (event.text or "").startswith("/")
            starts = (event.intent or {}).get("name") == raise_issue.INTENT
            if (marked or starts or raising or asking in CONFIDENTIAL_SLOTS) and typed and event.text != REDACTED:
                event.text = REDACTED
                event.entities = []
                event.parse_data = {**event.parse_data, "text": REDACTED, "entities": []}
    return tracker


def redacting(store: Any) -> Any:
    """The store, redacting each tracker before it is written."""
    save = store.save

    async def save_redacted(tracker: Any) -> None:
        await save(redact(tracker))

    store.save = save_redacted
    return store


class EnvironmentTrackerStore:
    """Rasa instantiates this class from endpoints.yml; it hands back the real store."""

    def __new__(cls, host: str | None = None, domain: Any = None, event_broker: Any = None, **_: Any):
        return redacting(cls._store(domain, event_broker))

    @staticmethod
    def _store(domain: Any, event_broker: Any) -> Any:
        from rasa.core.tracker_store import InMemoryTrackerStore, RedisTrackerStore, SQLTrackerStore

        url = current().settings.tracker_store_url
        if not url:
            return InMemoryTrackerStore(domain, event_broker=event_broker)
        parsed = make_url(url)
        if parsed.drivername.startswith("redis"):
            return RedisTrackerStore(
                domain, host=parsed.host or "localhost", port=parsed.port or 6379,
                db=int(parsed.database or 0), password=parsed.password, event_broker=event_broker,
                key_prefix="community-bot:",
            )
        dialect = parsed.drivername.split("+")[0]
        if dialect == "sqlite":
            return SQLTrackerStore(domain, dialect="sqlite", db=parsed.database, event_broker=event_broker)
        return SQLTrackerStore(
            domain, dialect=parsed.drivername, host=parsed.host, port=parsed.port, db=parsed.database,
            username=parsed.username, password=parsed.password, event_broker=event_broker,
        )
