"""Reading master plans: budget against spending, milestones on time against late, spending over time.

A milestone is **late** when its planned day has ended in Moscow and it has no actual date: on 10 March at
23:30 UTC it is already 11 March in Moscow, so a milestone planned for 10 March is late then, although the UTC
date is still the 10th. A milestone reached after its planned date is «done late», not late.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from atomgrad.cities.models import City
from atomgrad.citystats.models import FUNDING_SOURCES, MasterPlan, PlanMilestone, PlanProject
from atomgrad.citystats.services.plans import moscow_today

__all__ = ["PlanProgress", "ProjectRow", "milestone_is_late", "moscow_today", "plan_progress", "plans_progress"]


def milestone_is_late(milestone: PlanMilestone, *, today: dt.date) -> bool:
    return milestone.actual_on is None and milestone.planned_on < today


def milestone_state(milestone: PlanMilestone, *, today: dt.date) -> str:
    """`done_on_time`, `done_late`, `late` (overdue, open) or `not_due`."""
    if milestone.actual_on is not None:
        return "done_on_time" if milestone.actual_on <= milestone.planned_on else "done_late"
    return "late" if milestone.planned_on < today else "not_due"


@dataclass
class ProjectRow:
    project: PlanProject
    budget_kopecks: int
    spent_kopecks: int
    milestones: list[tuple[PlanMilestone, str]]

    @property
    def late(self) -> list[PlanMilestone]:
        return [milestone for milestone, state in self.milestones if state == "late"]

    @property
    def is_late(self) -> bool:
        return bool(self.late)


@dataclass
class PlanProgress:
    city: City
    is_demo: bool
    projects: list[ProjectRow]
    by_source: dict[str, int] = field(default_factory=dict)
    states: dict[str, int] = field(default_factory=dict)
    spending_by_year: dict[int, int] = field(default_factory=dict)

    @property
    def budget_kopecks(self) -> int:
        return sum(self.by_source.values())

    @property
    def spent_kopecks(self) -> int:
        return sum(row.spent_kopecks for row in self.projects)

    @property
    def late_projects(self) -> list[ProjectRow]:
        return [row for row in self.projects if row.is_late]

    @property
    def on_time(self) -> int:
        return self.states.get("done_on_time", 0) + self.states.get("not_due", 0)

    @property
    def late(self) -> int:
        return self.states.get("late", 0)


def _progress(plan: MasterPlan, *, today: dt.date) -> PlanProgress:
    progress = PlanProgress(city=plan.city, is_demo=plan.is_demo, projects=[],
                            by_source={source: 0 for source in FUNDING_SOURCES},
                            states={"done_on_time": 0, "done_late": 0, "late": 0, "not_due": 0})
    for project in plan.projects.all():
        milestones = [(m, milestone_state(m, today=today)) for m in project.milestones.all()]
        spent = sum(m.spent_kopecks for m, _state in milestones)
        progress.projects.append(ProjectRow(project=project, budget_kopecks=project.budget_kopecks,
                                            spent_kopecks=spent, milestones=milestones))
        for source in FUNDING_SOURCES:
            progress.by_source[source] += getattr(project, f"{source}_kopecks")
        for milestone, state in milestones:
            progress.states[state] += 1
            if milestone.actual_on and milestone.spent_kopecks:
                year = milestone.actual_on.year
                progress.spending_by_year[year] = progress.spending_by_year.get(year, 0) + milestone.spent_kopecks
    progress.spending_by_year = dict(sorted(progress.spending_by_year.items()))
    return progress


def _plans() -> object:
    return MasterPlan.objects.select_related("city").prefetch_related("projects__milestones")


def plan_progress(*, city: City, now: dt.datetime | None = None) -> PlanProgress | None:
    plan = _plans().filter(city=city).first()  # type: ignore[attr-defined]
    return _progress(plan, today=moscow_today(now)) if plan else None


def plans_progress(*, now: dt.datetime | None = None) -> list[PlanProgress]:
    """Every city's plan, the largest budget first."""
    today = moscow_today(now)
    plans = [_progress(plan, today=today) for plan in _plans().all()]  # type: ignore[attr-defined]
    return sorted(plans, key=lambda p: (-p.budget_kopecks, p.city.name_ru))
