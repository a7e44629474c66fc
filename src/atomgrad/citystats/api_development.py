"""What the cities do, read API under /api/v1/stats/development/: a city's plan, contest applications, events
and reach; the Department's summary; a city's or a year's events. Errors in the one shape."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema

from atomgrad.cities.models import City
from atomgrad.citystats import programmes
from atomgrad.citystats.models import YEAR_MAX, YEAR_MIN
from atomgrad.citystats.schemas import StatsErrorOut
from atomgrad.citystats.services.devdata import city_document, event_json, plan_json, reach_json
from atomgrad.citystats.summary import default_year, department_summary
from atomgrad.core.errors import ApplicationError

router = Router(tags=["Что делают города / city development"])
NOT_FOUND = {404: StatsErrorOut}


class CityDevelopmentOut(Schema):
    city: str
    city_name: str
    today_moscow: str
    plan: dict[str, Any] | None
    contest: list[dict[str, Any]]
    events: list[dict[str, Any]]
    reach: list[dict[str, Any]]
    fictional: bool


class FigureOut(Schema):
    value: int
    year: int | None
    rows: str


class SummaryOut(Schema):
    year: int
    years: list[int]
    figures: dict[str, FigureOut]
    plans: list[dict[str, Any]]
    contest_wins: list[dict[str, int]]
    reach: list[dict[str, Any]]
    fictional: bool


class EventsOut(Schema):
    city: str | None
    year: int | None
    events: list[dict[str, Any]]


def _city(slug: str) -> City:
    city = City.objects.filter(slug=slug).first()
    if city is None:
        raise ApplicationError("city_not_found", "Такого города нет среди атомградов.",
                               "There is no such atomic city.", status=404, details={"slug": slug})
    return city


@router.get("/stats/development/cities/{slug}", response={200: CityDevelopmentOut, **NOT_FOUND},
            summary="A city's plan, contest applications, events and reach")
def city_development(request: HttpRequest, slug: str) -> dict[str, Any]:
    """Money in kopecks; milestone states computed in Moscow time (`late`: planned day over, not reached)."""
    return city_document(city=_city(slug))


@router.get("/stats/development/summary", response={200: SummaryOut}, summary="The Department's summary")
def summary(request: HttpRequest,
            year: int | None = Query(None, ge=YEAR_MIN, le=YEAR_MAX)) -> dict[str, Any]:
    """The release's figures computed from the rows; `figures.*.rows` is the public page listing those rows."""
    chosen = year if year is not None else default_year()
    s = department_summary(year=chosen)
    big = [plan for plan in s.big_plans]
    return {
        "year": chosen, "years": s.years,
        "figures": {
            "contest_winners": {"value": s.winners_this_year, "year": chosen,
                                "rows": f"/stats/contest/?year={chosen}&result=winner"},
            "events": {"value": s.events, "year": chosen, "rows": f"/stats/events/?year={chosen}"},
            "event_cities": {"value": s.event_cities, "year": chosen, "rows": f"/stats/events/?year={chosen}"},
            "reach": {"value": s.reach_total, "year": chosen, "rows": f"/stats/events/?year={chosen}"},
            "late_projects": {"value": s.late_projects, "year": None, "rows": "/stats/projects/?late=1"},
            "plans_above_10bn": {"value": len(big), "year": None, "rows": "/stats/projects/?big=1"},
        },
        "plans": [{k: v for k, v in plan_json(plan).items() if k != "projects"} for plan in s.plans],
        "contest_wins": s.contest_wins, "reach": [reach_json(row) for row in s.reach], "fictional": s.is_demo,
    }


@router.get("/stats/development/events", response={200: EventsOut, **NOT_FOUND}, summary="Events")
def events(request: HttpRequest, city: str | None = None,
           year: int | None = Query(None, ge=YEAR_MIN, le=YEAR_MAX)) -> dict[str, Any]:
    """Events by start (times with the Moscow offset), optionally of one city and one year (Moscow calendar)."""
    chosen = _city(city) if city else None
    return {"city": city, "year": year,
            "events": [event_json(e) for e in programmes.events(city=chosen, year=year)]}
