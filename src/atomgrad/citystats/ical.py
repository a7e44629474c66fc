"""A city's calendar of the Union's events as iCalendar (RFC 5545), made with the `icalendar` library.

Each VEVENT carries DTSTART and DTEND with TZID=Europe/Moscow, and the calendar holds the matching VTIMEZONE, so a
client shows the event at the right hour wherever it is; DTSTAMP is in UTC as the RFC requires. The UID is stable
(the event's id and the site's host), so a calendar that subscribed updates an event instead of adding it twice.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.utils import timezone
from icalendar import Calendar, Timezone
from icalendar import Event as IcsEvent

from atomgrad.cities.models import City
from atomgrad.citystats.models import Event
from atomgrad.core.timefmt import MOSCOW


def city_calendar(*, city: City, events: Iterable[Event], host: str, url: str = "",
                  now: dt.datetime | None = None) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", "-//atomgrad//Union events//RU")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", f"Союз «Атомные города»: {city.name_ru}")
    calendar.add("x-wr-timezone", "Europe/Moscow")
    calendar.add_component(Timezone.from_tzid("Europe/Moscow"))
    stamp = (now or timezone.now()).astimezone(dt.UTC)
    for event in events:
        starts = event.starts_at.astimezone(MOSCOW)
        item = IcsEvent()
        item.add("uid", f"union-event-{event.pk}@{host}")
        item.add("dtstamp", stamp)
        item.add("dtstart", starts)
        item.add("dtend", starts + dt.timedelta(minutes=event.duration_minutes))
        item.add("summary", event.title)
        item.add("location", event.place)
        item.add("description", f"{event.programme.name}. {event.get_format_display()}.")
        item.add("categories", [event.programme.name])
        if url:
            item.add("url", url)
        calendar.add_component(item)
    return calendar.to_ical()
