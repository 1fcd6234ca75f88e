"""How the cases are going, for the D&I team and the case teams' leads, against a real
database: counts by category and quarter, the share acknowledged in time, the median days to
close; every figure taken over fewer than 5 cases is shown as "fewer than 5"."""
from __future__ import annotations

import subprocess
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from bot.core.models import Case, CaseStatus
from bot.journeys.case_figures import case_figures, figures_text
from bot.journeys.raise_issue import save_draft, submit_case
from harness.servers import subprocess_env
from tests.integration.test_cli import BIN

pytestmark = pytest.mark.usefixtures("case_key")

JULY = datetime(2026, 7, 6, 9, tzinfo=timezone.utc)


def raised(uow, category: str, at: datetime, *, acknowledged_after: int | None = None, closed_after: int | None = None,
           route: str = "dandi_service") -> str:
    draft = save_draft("Something happened at the meetup that I'd like someone to look at.", uow, owner="U0REPORT01")
    reference = submit_case(draft, "U0REPORT01", on_behalf=False, consented=None, may_be_named=None,
                            category=category, route_to=route, uow=uow).reference
    with uow:
        case = uow.session.scalar(select(Case).where(Case.reference == reference))
        case.submitted_at = at
        if acknowledged_after is not None:
            case.acknowledged_at, case.status = at + timedelta(days=acknowledged_after), CaseStatus.acknowledged
        if closed_after is not None:
            case.closed_at, case.status = at + timedelta(days=closed_after), CaseStatus.closed
        uow.commit()
    return reference


def test_counts_under_five_are_never_shown(demo_uow):
    references = [raised(demo_uow, "behaviour", JULY + timedelta(days=i), acknowledged_after=2 if i < 5 else 9,
                         closed_after=10 + i) for i in range(6)]
    references.append(raised(demo_uow, "wellbeing", JULY + timedelta(days=100), acknowledged_after=1))
    references.append(raised(demo_uow, "behaviour", JULY, route="people"))  # another team's

    figures = case_figures(demo_uow, ["dandi_service"])
    assert figures.quarters == ("2026 Q3", "2026 Q4")
    assert dict(figures.by_category) == {"Someone's behaviour in a group": ("6", "fewer than 5"),
                                         "Wellbeing or safety": ("fewer than 5", "fewer than 5")}
    assert figures.total == "7"
    assert figures.acknowledged_in_time == "86% (of 7)"  # six of seven within the 7 days
    assert figures.median_days_to_close == "12.5 days (of 6 closed)"
    text = figures_text(figures)
    assert "fewer than 5" in text and not any(reference in text for reference in references)

    people = case_figures(demo_uow, ["people"])
    assert people.total == "fewer than 5" and people.acknowledged_in_time == "fewer than 5"
    assert people.median_days_to_close == "fewer than 5"


def test_the_report_command_prints_the_figures(database_url, demo_uow):
    for i in range(5):
        raised(demo_uow, "discrimination", JULY + timedelta(days=i), acknowledged_after=1)
    result = subprocess.run([BIN / "community-bot", "report", "--team", "dandi_service"], capture_output=True,
                            text=True, timeout=120, env=subprocess_env(DATABASE_URL=database_url))
    assert result.returncode == 0, result.stderr
    assert "Discrimination or harassment" in result.stdout and "2026 Q3" in result.stdout
    assert "Acknowledged within the deadline: 100% (of 5)" in result.stdout
    assert "Median days to close: fewer than 5" in result.stdout
