"""The Union's programmes and events: adding an event, entering its attendance after it has started, and a city's
count of distinct residents reached in a year. Each write is audited."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import transaction
from django.utils import timezone

from atomgrad.cities.models import City
from atomgrad.citystats.models import YEAR_MAX, YEAR_MIN, CityReach, Event, EventFormat, Programme
from atomgrad.core.errors import ApplicationError
from atomgrad.core.services import audit_record

Actor = AbstractBaseUser | AnonymousUser | None
MAX_ATTENDANCE = 1_000_000


@transaction.atomic
def event_create(*, city: City, programme: Programme, title: str, starts_at: dt.datetime, duration_minutes: int,
                 format: str, place: str, actor: Actor, is_demo: bool = False) -> Event:
    """An event of a programme in a city; `starts_at` must be aware (it is stored in UTC)."""
    if timezone.is_naive(starts_at):
        raise ApplicationError("time_not_aware", "Время начала должно быть с часовым поясом.",
                               "The start time needs its time zone.", details={"field": "starts_at"})
    if not title.strip() or not place.strip():
        raise ApplicationError("text_invalid", "Укажите название и место.", "Give the title and the place.")
    if format not in EventFormat.values:
        raise ApplicationError("value_invalid", "Недопустимый формат.", "Invalid format.", details={"field": "format"})
    if not 1 <= duration_minutes <= 60 * 24 * 14:
        raise ApplicationError("value_invalid", "Продолжительность — от 1 минуты до 14 дней.",
                               "The duration is from 1 minute to 14 days.", details={"field": "duration_minutes"})
    event = Event.objects.create(city=city, programme=programme, title=title.strip(), starts_at=starts_at,
                                 duration_minutes=duration_minutes, format=format, place=place.strip(),
                                 is_demo=is_demo)
    if not programme.cities.filter(pk=city.pk).exists():
        programme.cities.add(city)  # a programme runs in every city it holds an event in
    if not is_demo:
        audit_record(actor=actor, action="citystats.event_create", obj=event, city=city,
                     reason="Новое мероприятие.", details={"title": event.title, "starts_at": starts_at.isoformat()})
    return event


@transaction.atomic
def attendance_record(*, event_id: int, attendance: int, actor: Actor, now: dt.datetime | None = None) -> Event:
    """Enter (or correct) how many people came. Refused before the event has started: nobody can have come yet."""
    event = Event.objects.select_for_update().select_related("city").filter(pk=event_id).first()
    if event is None:
        raise ApplicationError("event_not_found", "Мероприятие не найдено.", "The event was not found.", status=404)
    if (now or timezone.now()) < event.starts_at:
        raise ApplicationError("event_not_started", "Мероприятие ещё не началось: участников вносят после начала.",
                               "The event has not started yet: attendance is entered after it starts.",
                               status=409, details={"starts_at": event.starts_at.isoformat()})
    if not 0 <= attendance <= MAX_ATTENDANCE:
        raise ApplicationError("value_invalid", f"Число участников — от 0 до {MAX_ATTENDANCE}.",
                               f"Attendance is from 0 to {MAX_ATTENDANCE}.", details={"field": "attendance"})
    old = event.attendance
    if old == attendance:
        return event
    event.attendance = attendance
    event.save(update_fields=["attendance"])
    audit_record(actor=actor, action="citystats.event_attendance", obj=event, city=event.city,
                 reason="Внесено число участников мероприятия.", details={"attendance": [old, attendance]})
    return event


@transaction.atomic
def reach_set(*, city: City, year: int, distinct_residents: int | None, actor: Actor) -> CityReach | None:
    """Record how many distinct residents the city's events reached in a year (None removes the count, and the
    reach falls back to the sum of attendance)."""
    if not YEAR_MIN <= year <= YEAR_MAX:
        raise ApplicationError("year_out_of_range", f"Год должен быть от {YEAR_MIN} до {YEAR_MAX}.",
                               f"The year must be between {YEAR_MIN} and {YEAR_MAX}.", details={"year": year})
    if distinct_residents is not None and not 0 <= distinct_residents <= 10_000_000:
        raise ApplicationError("value_invalid", "Недопустимое число жителей.", "Invalid number of residents.")
    reach = CityReach.objects.select_for_update().filter(city=city, year=year).first()
    old = reach.distinct_residents if reach else None
    if distinct_residents is None:
        if reach:
            reach.delete()
        reach = None
    elif reach is None:
        reach = CityReach.objects.create(city=city, year=year, distinct_residents=distinct_residents)
    else:
        reach.distinct_residents = distinct_residents
        reach.save(update_fields=["distinct_residents"])
    if old != distinct_residents:
        audit_record(actor=actor, action="citystats.reach_set", obj=city, city=city,
                     reason="Охват жителей за год.", details={"year": year, "distinct_residents": [old,
                                                                                                 distinct_residents]})
    return reach
