"""The Department's summary: the figures a press release quotes, each computed from the rows, with its year and
the filter that lists those rows (so every figure on the page links to what it counts)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from atomgrad.citystats import contest, programmes
from atomgrad.citystats.plans import PlanProgress, moscow_today, plans_progress

BIG_PLAN_KOPECKS = 10_000_000_000 * 100  # «a plan above 10 bn roubles»


@dataclass
class Figure:
    """One number with what it counts and the query of the list of its rows."""

    key: str
    value: int
    rows: str  # 'projects', 'contest' or 'events'
    query: dict[str, Any] = field(default_factory=dict)


@dataclass
class Summary:
    year: int
    years: list[int]
    plans: list[PlanProgress]
    big_plans: list[PlanProgress]
    late_projects: int
    contest_wins: list[dict[str, int]]
    winners_this_year: int
    events: int
    event_cities: int
    reach: list[programmes.Reach]
    reach_total: int
    reach_bases: set[str]
    is_demo: bool


def summary_years() -> list[int]:
    return sorted(set(contest.contest_years()) | set(programmes.event_years()))


def default_year(*, now: dt.datetime | None = None) -> int:
    """The last complete year (a release quotes a year's figures), or the current year when nothing is older."""
    today = moscow_today(now)
    years = [year for year in summary_years() if year < today.year]
    return years[-1] if years else today.year


def department_summary(*, year: int, now: dt.datetime | None = None) -> Summary:
    plans = plans_progress(now=now)
    reach = programmes.reach_by_city(year=year)
    wins = contest.wins_by_year()
    return Summary(
        year=year, years=summary_years(), plans=plans,
        big_plans=[plan for plan in plans if plan.budget_kopecks > BIG_PLAN_KOPECKS],
        late_projects=sum(len(plan.late_projects) for plan in plans),
        contest_wins=wins,
        winners_this_year=next((row["winners"] for row in wins if row["year"] == year), 0),
        events=sum(row.events for row in reach),
        event_cities=sum(1 for row in reach if row.events),
        reach=reach, reach_total=sum(row.value for row in reach), reach_bases={row.basis for row in reach},
        is_demo=any(plan.is_demo for plan in plans) or programmes.events(year=year).filter(is_demo=True).exists(),
    )
