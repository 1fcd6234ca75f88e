"""The social and awareness calendar: what's coming up."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from bot.core.db import UnitOfWork
from bot.core.models import CalendarEvent


@dataclass(frozen=True)
class EventView:
    name: str
    starts_on: date
    ends_on: date
    url: str | None
    group_slugs: tuple[str, ...]

    def when(self) -> str:
        if self.starts_on == self.ends_on:
            return self.starts_on.strftime("%-d %B %Y")
        if (self.starts_on.day, self.ends_on.month) == (1, self.starts_on.month):
            return self.starts_on.strftime("all of %B %Y")
        return f"{self.starts_on.strftime('%-d %B')} to {self.ends_on.strftime('%-d %B %Y')}"


def upcoming_events(today: date, uow: UnitOfWork, limit: int = 5) -> list[EventView]:
    """Events still running or yet to start, soonest first."""
    with uow:
        query = (select(CalendarEvent).where(CalendarEvent.ends_on >= today)
                 .order_by(CalendarEvent.starts_on, CalendarEvent.id).limit(limit))
        return [EventView(e.name, e.starts_on, e.ends_on, e.url, tuple(e.group_slugs or []))
                for e in uow.session.scalars(query)]
