"""Reading the Union's programmes and events: a city's calendar, a year's events, the reach per city and year.

**Reach** of a city in a year is the number of distinct residents its events reached when that is known
(`CityReach`, counted by registration); otherwise the sum of the attendance of its events that year, which counts
a resident who came twice twice. Every reach says which of the two it is (`basis`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils import timezone

from atomgrad.cities.models import City
from atomgrad.citystats.models import CityReach, Event
from atomgrad.core.timefmt import MOSCOW

BASIS_DISTINCT = "distinct_residents"
BASIS_ATTENDANCE = "attendance"


def year_bounds(year: int) -> tuple[dt.datetime, dt.datetime]:
    """A calendar year in Moscow time (an event at 01:00 MSK on 1 January belongs to the new year although it is
    still 31 December in UTC)."""
    return dt.datetime(year, 1, 1, tzinfo=MOSCOW), dt.datetime(year + 1, 1, 1, tzinfo=MOSCOW)


def events(*, city: City | None = None, year: int | None = None, programme: str | None = None
           ) -> QuerySet[Event]:
    rows = Event.objects.select_related("city", "programme").order_by("starts_at", "pk")
    if city is not None:
        rows = rows.filter(city=city)
    if year is not None:
        start, end = year_bounds(year)
        rows = rows.filter(starts_at__gte=start, starts_at__lt=end)
    if programme:
        rows = rows.filter(programme__code=programme)
    return rows


def upcoming_events(*, city: City, now: dt.datetime | None = None) -> QuerySet[Event]:
    """Events that have not ended yet, the soonest first (the public calendar)."""
    moment = now or timezone.now()
    # an event is upcoming until it has ended; ends are not stored, so look back over the longest duration
    candidates = events(city=city).filter(starts_at__gte=moment - dt.timedelta(days=14))
    ids = [e.pk for e in candidates if e.starts_at + dt.timedelta(minutes=e.duration_minutes) > moment]
    return events(city=city).filter(pk__in=ids)


@dataclass(frozen=True)
class Reach:
    city: City
    year: int
    events: int
    attendance: int
    distinct_residents: int | None

    @property
    def value(self) -> int:
        return self.distinct_residents if self.distinct_residents is not None else self.attendance

    @property
    def basis(self) -> str:
        return BASIS_DISTINCT if self.distinct_residents is not None else BASIS_ATTENDANCE


def reach_by_city(*, year: int, city: City | None = None) -> list[Reach]:
    """Every city with events in the year (or a count of residents), by city name."""
    counted: dict[int, tuple[City, int, int]] = {}
    for event in events(year=year, city=city):
        _c, number, attendance = counted.get(event.city_id, (event.city, 0, 0))
        counted[event.city_id] = (event.city, number + 1, attendance + (event.attendance or 0))
    distinct = {row.city_id: row for row in CityReach.objects.filter(year=year).select_related("city")
                if city is None or row.city_id == city.pk}
    rows = []
    for city_id in set(counted) | set(distinct):
        known = distinct.get(city_id)
        the_city, number, attendance = counted.get(city_id, (known.city if known else None, 0, 0))
        rows.append(Reach(city=the_city, year=year, events=number, attendance=attendance,  # type: ignore[arg-type]
                          distinct_residents=known.distinct_residents if known else None))
    return sorted(rows, key=lambda r: r.city.name_ru)


def event_years() -> list[int]:
    return sorted({moment.astimezone(MOSCOW).year for moment in Event.objects.values_list("starts_at", flat=True)})
