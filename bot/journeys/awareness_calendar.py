"""The social and awareness calendar: what's coming up."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from bot.core.db import UnitOfWork
from bot.core.models import CalendarEvent
from bot.nlu import reader


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

    def when_phrase(self, today: date) -> str:
        """"is on 8 March 2027", "is all of June 2027", "runs from … to …"; "was …" once over."""
        when = self.when()
        verb = "was" if self.ends_on < today else "is"
        if self.starts_on == self.ends_on:
            return f"{verb} on {when}"
        if when.startswith("all of"):
            return f"{verb} {when}"
        return f"{'ran' if verb == 'was' else 'runs'} from {when}"


def upcoming_events(today: date, uow: UnitOfWork, limit: int = 5) -> list[EventView]:
    """Events still running or yet to start, soonest first."""
    with uow:
        query = (select(CalendarEvent).where(CalendarEvent.ends_on >= today)
                 .order_by(CalendarEvent.starts_on, CalendarEvent.id).limit(limit))
        return [_view(e) for e in uow.session.scalars(query)]


def _view(event: CalendarEvent) -> EventView:
    return EventView(event.name, event.starts_on, event.ends_on, event.url, tuple(event.group_slugs or []))


# Words that name no observance in particular.
_COMMON = {"day", "days", "week", "month", "year", "international", "national", "world", "global", "awareness",
           "of", "the", "and", "for", "a", "an", "in", "on", "is", "when", "what", "whens", "date", "its"}


def _words(text: str) -> set[str]:
    return set(re.findall(r"[a-z0-9]+", re.sub(r"[’'`]", "", text.lower()))) - _COMMON


def _initialisms(name: str) -> set[str]:
    """What people shorten an observance's name to: "IWD", "TDoV", "BHM", "WMHD"."""
    words = re.findall(r"[a-z0-9]+", re.sub(r"\(.*?\)|[’'`]s?\b", "", name.lower()))
    small = {"of", "and", "the", "against", "with", "for"}
    variants = {"".join(w[0] for w in words), "".join(w[0] for w in words if w not in small)}
    if words and words[0] in ("international", "world", "national", "global"):
        rest = words[1:]
        variants |= {"".join(w[0] for w in rest), "".join(w[0] for w in rest if w not in small)}
    return {v for v in variants if len(v) >= 3}


# A message of at most this many words (besides "day", "when" and the like) may name an
# observance by one word of its name ("eid?", "idahobit this year").
ONE_WORD_NAMES_IN = 3


def event_named(text: str, today: date, uow: UnitOfWork, loosely: bool = False) -> EventView | None:
    """The observance the message names ("when's International Women's Day?"): its next
    occurrence, else its first on the calendar. None when no event is named. `loosely`: the
    calendar was just shown, so one word of a name names it ("the trans visibility one")."""
    asked = _words(text)
    if not asked:
        return None
    with uow:
        events = [_view(e) for e in uow.session.scalars(select(CalendarEvent).order_by(CalendarEvent.starts_on))]
    named_by = [_words(event.name) for event in events]

    def names_with(word: str) -> set[str]:
        return {e.name for e, words in zip(events, named_by) if word in words}

    # One word of a longer name ("autism", "human") names it in a message about a date or the
    # calendar, or of a few words, or just after the calendar; not in "has a human seen it?".
    by_one_word = loosely or len(asked) <= ONE_WORD_NAMES_IN or reader.asks_when(text) or reader.calendar_word_in(text)

    def how_well_named(event: EventView, own: set[str]) -> float:
        if asked & _initialisms(event.name):
            return 1.0
        if not by_one_word and len(own & asked) < min(2, len(own)):
            return 0.0
        share = len(own & asked) / len(own) if own else 0.0
        # A word only this observance's name has ("IDAHOBIT", "autism", "earth") names it.
        if any(len(word) >= 4 and names_with(word) == {event.name} for word in own & asked):
            share = max(share, 0.5)
        return share

    # The best named, an occurrence still to come before one gone; among equals the soonest.
    scored = [((how_well_named(event, own), event.ends_on >= today), event) for event, own in zip(events, named_by)]
    named = [(score, event) for score, event in scored if score[0] >= 0.5]
    return max(named, key=lambda scored_event: scored_event[0])[1] if named else None
