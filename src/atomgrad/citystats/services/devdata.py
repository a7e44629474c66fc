"""Open data of what the cities do: the master plans and the contest as CSV/XLSX in their import layouts (a
download can be uploaded back), the events as a table, and everything as one JSON document
(`atomgrad-citydev/1`). Money in the JSON is in kopecks (integers); times are ISO 8601 with the Moscow offset."""

from __future__ import annotations

import datetime as dt
from typing import Any

from atomgrad.cities.models import City
from atomgrad.citystats import contest, programmes
from atomgrad.citystats.models import FUNDING_SOURCES, ContestApplication, Event, Programme
from atomgrad.citystats.plans import PlanProgress, moscow_today, plan_progress, plans_progress
from atomgrad.citystats.services.contest import contest_export_rows
from atomgrad.citystats.services.plans import plan_export_rows
from atomgrad.citystats.tabular import csv_render, xlsx_render
from atomgrad.core.timefmt import MOSCOW

DOCUMENT_FORMAT = "atomgrad-citydev/1"
EVENT_COLUMNS = ("город", "программа", "мероприятие", "начало_мск", "продолжительность_мин", "формат", "место",
                 "участников")


def event_rows() -> list[list[Any]]:
    rows: list[list[Any]] = [list(EVENT_COLUMNS)]
    for event in programmes.events():
        rows.append([event.city.name_ru, event.programme.name, event.title,
                     event.starts_at.astimezone(MOSCOW).strftime("%d.%m.%Y %H:%M"), event.duration_minutes,
                     event.get_format_display(), event.place, "" if event.attendance is None else event.attendance])
    return rows


def development_table(*, name: str, extension: str) -> bytes | str:
    rows = {"master-plans": plan_export_rows, "contest": contest_export_rows, "events": event_rows}[name]()
    if extension == "csv":
        return "\ufeff" + csv_render(rows)  # a BOM so that spreadsheets read UTF-8
    return xlsx_render([(name, rows)])


def plan_json(progress: PlanProgress) -> dict[str, Any]:
    return {
        "city": progress.city.slug, "city_name": progress.city.name_ru,
        "budget_kopecks": progress.budget_kopecks, "spent_kopecks": progress.spent_kopecks,
        "budget_by_source_kopecks": dict(progress.by_source),
        "milestones": dict(progress.states), "late_projects": len(progress.late_projects),
        "spending_by_year_kopecks": {str(year): value for year, value in progress.spending_by_year.items()},
        "projects": [{
            "code": row.project.code, "name": row.project.name, "category": row.project.category,
            "status": row.project.status, "responsible": row.project.responsible,
            "budget_kopecks": row.budget_kopecks, "spent_kopecks": row.spent_kopecks,
            **{f"{source}_kopecks": getattr(row.project, f"{source}_kopecks") for source in FUNDING_SOURCES},
            "late": row.is_late,
            "milestones": [{"name": m.name, "planned_on": m.planned_on.isoformat(),
                            "actual_on": m.actual_on.isoformat() if m.actual_on else None,
                            "spent_kopecks": m.spent_kopecks, "state": state} for m, state in row.milestones],
        } for row in progress.projects],
    }


def application_json(application: ContestApplication) -> dict[str, Any]:
    return {"city": application.city.slug, "city_name": application.city.name_ru, "year": application.year,
            "territory": application.territory, "project": application.project, "proposals": application.proposals,
            "collection_days": application.collection_days, "stage": application.stage,
            "result": application.result, "grant_kopecks": application.grant_kopecks}


def event_json(event: Event) -> dict[str, Any]:
    starts = event.starts_at.astimezone(MOSCOW)
    return {"id": event.pk, "city": event.city.slug, "programme": event.programme.code, "title": event.title,
            "starts_at": starts.isoformat(), "ends_at": (starts + dt.timedelta(minutes=event.duration_minutes))
            .isoformat(), "format": event.format, "place": event.place, "attendance": event.attendance}


def reach_json(row: programmes.Reach) -> dict[str, Any]:
    return {"city": row.city.slug, "city_name": row.city.name_ru, "year": row.year, "events": row.events,
            "attendance": row.attendance, "distinct_residents": row.distinct_residents, "reach": row.value,
            "basis": row.basis}


def city_document(*, city: City, now: dt.datetime | None = None) -> dict[str, Any]:
    progress = plan_progress(city=city, now=now)
    applications = list(contest.applications(city=city))
    return {
        "city": city.slug, "city_name": city.name_ru, "today_moscow": moscow_today(now).isoformat(),
        "plan": plan_json(progress) if progress else None,
        "contest": [application_json(a) for a in applications],
        "events": [event_json(e) for e in programmes.events(city=city)],
        "reach": [reach_json(row) for year in programmes.event_years()
                  for row in programmes.reach_by_city(year=year, city=city)],
        "fictional": bool((progress and progress.is_demo) or any(a.is_demo for a in applications)),
    }


def development_document(*, now: dt.datetime | None = None) -> dict[str, Any]:
    plans = plans_progress(now=now)
    return {
        "format": DOCUMENT_FORMAT, "today_moscow": moscow_today(now).isoformat(),
        "fictional": any(plan.is_demo for plan in plans) or Event.objects.filter(is_demo=True).exists(),
        "plans": [plan_json(plan) for plan in plans],
        "contest": [application_json(a) for a in contest.applications()],
        "contest_wins": contest.wins_by_year(),
        "programmes": [{"code": p.code, "name": p.name, "aim": p.aim,
                        "cities": sorted(p.cities.values_list("slug", flat=True))}
                       for p in Programme.objects.order_by("name")],
        "events": [event_json(e) for e in programmes.events()],
        "reach": [reach_json(row) for year in programmes.event_years() for row in programmes.reach_by_city(year=year)],
    }
