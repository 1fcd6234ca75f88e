"""Picks Rasa's tracker store from the TRACKER_STORE_URL setting (environment or `.env`),
so endpoints.yml needs no edits between the embedded default and production.

Unset: in-process (conversations live as long as the server). `postgresql://…` or
`sqlite:///…`: Rasa's SQLTrackerStore. `redis://…`: Rasa's RedisTrackerStore.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy.engine import make_url

from bot.core.settings import load_settings


class EnvironmentTrackerStore:
    """Rasa instantiates this class from endpoints.yml; it hands back the real store."""

    def __new__(cls, host: str | None = None, domain: Any = None, event_broker: Any = None, **_: Any):
        from rasa.core.tracker_store import InMemoryTrackerStore, RedisTrackerStore, SQLTrackerStore

        url = load_settings().tracker_store_url
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
