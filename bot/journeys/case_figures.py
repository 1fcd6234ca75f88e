"""How the confidential cases are going, for the D&I team and the case teams' leads: cases by
category and quarter raised, the share acknowledged within the deadline, and the median days
to close. Only counts, never anything of what happened or who; every count under
SMALLEST_SHOWN (and every share or median taken over fewer cases) is shown as "fewer than 5",
so that no figure points at someone. Read by the lead's App Home and `community-bot report`."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from statistics import median

from sqlalchemy import select

from bot.core import routing
from bot.core.constants import SMALLEST_SHOWN
from bot.core.db import UnitOfWork
from bot.core.models import UNSENT, Case, CaseStatus, as_utc
from bot.journeys.raise_issue import CATEGORIES

FEWER = f"fewer than {SMALLEST_SHOWN}"


def shown(count: int) -> str:
    return str(count) if count >= SMALLEST_SHOWN else FEWER


@dataclass(frozen=True)
class CaseFigures:
    teams: tuple[str, ...]  # the teams' names
    quarters: tuple[str, ...]  # "2026 Q3", oldest first
    # (category label, a count per quarter as shown), categories with no case left out.
    by_category: tuple[tuple[str, tuple[str, ...]], ...]
    total: str
    acknowledged_in_time: str  # "83% (of 12)", or FEWER
    median_days_to_close: str  # "9 days (of 7 closed)", or FEWER

    @property
    def empty(self) -> bool:
        return not self.quarters


def _quarter(moment: datetime) -> str:
    return f"{moment.year} Q{(moment.month - 1) // 3 + 1}"


def case_figures(uow: UnitOfWork, teams: list[str] | None = None) -> CaseFigures:
    """The figures for `teams` (team keys; every case team when None)."""
    teams = list(teams or routing.CASE_TEAMS)
    with uow:
        now, deadline = uow.clock(), timedelta(days=uow.settings.case_acknowledge_days)
        raised = [(as_utc(case.submitted_at or case.created_at), CATEGORIES.get(case.category or "other",
                                                                               CATEGORIES["other"]),
                   as_utc(case.acknowledged_at) if case.acknowledged_at else None,
                   as_utc(case.closed_at) if case.status == CaseStatus.closed and case.closed_at else None)
                  for case in uow.session.scalars(select(Case).where(
                      Case.routed_to.in_(teams), Case.status.not_in(UNSENT)))]
    quarters = sorted({_quarter(at) for at, *_ in raised})
    counts: dict[str, dict[str, int]] = {}
    for at, label, _, _ in raised:
        counts.setdefault(label, dict.fromkeys(quarters, 0))[_quarter(at)] += 1
    by_category = tuple((label, tuple(shown(counts[label][q]) for q in quarters))
                        for label in CATEGORIES.values() if label in counts)
    # Acknowledged in time: of the cases whose deadline has passed or that were acknowledged.
    due = [(at, acknowledged) for at, _, acknowledged, _ in raised if acknowledged or now > at + deadline]
    in_time = sum(1 for at, acknowledged in due if acknowledged and acknowledged <= at + deadline)
    share = f"{round(100 * in_time / len(due))}% (of {len(due)})" if len(due) >= SMALLEST_SHOWN else FEWER
    closed = [(closed_at - at).days for at, _, _, closed_at in raised if closed_at]
    days = median(closed) if closed else 0
    to_close = f"{days:g} days (of {len(closed)} closed)" if len(closed) >= SMALLEST_SHOWN else FEWER
    return CaseFigures(tuple(routing.TEAM_NAMES[team] for team in teams), tuple(quarters), by_category,
                       shown(len(raised)), share, to_close)


def figures_text(figures: CaseFigures) -> str:
    """The figures as plain lines (the CLI; the App Home renders the same values)."""
    if figures.empty:
        return f"No cases yet for {', '.join(figures.teams)}."
    width = max(len(label) for label, _ in figures.by_category)
    lines = [f"Cases for {', '.join(figures.teams)} (counts under {SMALLEST_SHOWN} are shown as \"{FEWER}\")", "",
             " " * width + "  " + "  ".join(f"{q:>14}" for q in figures.quarters)]
    lines += [f"{label:<{width}}  " + "  ".join(f"{cell:>14}" for cell in cells) for label, cells in figures.by_category]
    lines += ["", f"All cases: {figures.total}",
              f"Acknowledged within the deadline: {figures.acknowledged_in_time}",
              f"Median days to close: {figures.median_days_to_close}"]
    return "\n".join(lines)
