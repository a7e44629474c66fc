"""Минстрой's contest import (refusals, replacement by year, audited edits) and the Union's events: attendance
only after the start, reach with its basis, the iCalendar feed checked by parsing it with `icalendar`."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from atomgrad.citystats.models import CityReach, ContestApplication, Event, Programme
from atomgrad.citystats.programmes import BASIS_ATTENDANCE, BASIS_DISTINCT, reach_by_city, upcoming_events
from atomgrad.citystats.services.contest import COLUMNS, application_save, contest_export_rows, contest_import
from atomgrad.citystats.services.events import attendance_record, event_create, reach_set
from atomgrad.core.errors import ApplicationError
from atomgrad.core.models import AuditLogEntry
from tests.citystats.helpers import csv_bytes, xlsx_bytes
from tests.factories import CityFactory, make_organiser

MOSCOW = ZoneInfo("Europe/Moscow")


@pytest.fixture
def cities(db):
    return {"alpha": CityFactory(slug="alpha", name_ru="Альфа"), "beta": CityFactory(slug="beta", name_ru="Бета")}


def app_row(city="Альфа", year="2025", territory="Парк", project="Парк для всех", proposals="1200", days="30",
            stage="федеральный", result="победитель", grant="70000000"):
    return [city, year, territory, project, proposals, days, stage, result, grant]


def good():
    return [list(COLUMNS), app_row(), app_row(city="beta", stage="региональный", result="не победил", grant="")]


def snapshot():
    return (list(ContestApplication.objects.order_by("pk").values_list("city__slug", "year", "result")),
            AuditLogEntry.objects.count())


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_contest_import_round_trips(cities, fmt):
    result = contest_import(content=csv_bytes(good()) if fmt == "csv" else xlsx_bytes(good()), actor=None)
    assert result.years == [2025] and result.applications == 2
    winner = ContestApplication.objects.get(city__slug="alpha")
    assert winner.grant_kopecks == 7_000_000_000 and winner.stage == "federal"
    again = contest_import(content=csv_bytes(contest_export_rows()), actor=None)
    assert again.changes["2025"] == {"added": [], "removed": [], "changed": {}}


CASES = {
    "winner_not_federal": ({"stage": "региональный"}, "этап"),
    "grant_missing": ({"grant": ""}, "грант"),
    "grant_without_win": ({"result": "не победил"}, "грант"),
    "year_out_of_range": ({"year": "1999"}, "год"),
    "number_invalid": ({"days": "0"}, "дней_сбора"),
    "stage_unknown": ({"stage": "мировой"}, "этап"),
    "result_unknown": ({"result": "почти"}, "итог"),
    "money_invalid": ({"grant": "много"}, "грант"),
    "city_unknown": ({"city": "Атлантида"}, "город"),
    "text_invalid": ({"project": ""}, "проект"),
}


@pytest.mark.parametrize("code", sorted(CASES))
def test_each_contest_refusal_saves_nothing(cities, code):
    contest_import(content=csv_bytes(good()), actor=None)
    before = snapshot()
    overrides, column = CASES[code]
    rows = good()
    rows[1] = app_row(**overrides)
    with pytest.raises(ApplicationError) as caught:
        contest_import(content=csv_bytes(rows), actor=None)
    errors = caught.value.details["errors"]
    assert any(e["code"] == code and e["row"] == 2 and e["header"] == column for e in errors), errors
    assert snapshot() == before


def test_a_duplicate_application_and_a_missing_column_are_refused(cities):
    with pytest.raises(ApplicationError) as caught:
        contest_import(content=csv_bytes([*good(), app_row(city="alpha")]), actor=None)
    assert [(e["row"], e["code"]) for e in caught.value.details["errors"]] == [(4, "application_duplicate")]
    with pytest.raises(ApplicationError) as caught:
        contest_import(content=csv_bytes([list(COLUMNS[:-1]), app_row()[:-1]]), actor=None)
    assert caught.value.details["errors"][0]["code"] == "column_missing"
    assert ContestApplication.objects.count() == 0


def test_reimport_replaces_only_the_years_in_the_file_and_edits_are_audited(cities):
    contest_import(content=csv_bytes([*good(), app_row(year="2024", grant="1000")]), actor=None)
    contest_import(content=csv_bytes([list(COLUMNS), app_row(proposals="1500")]), actor=None)
    assert sorted(ContestApplication.objects.values_list("city__slug", "year")) == [("alpha", 2024), ("alpha", 2025)]
    entry = AuditLogEntry.objects.filter(action="citystats.contest_import").latest("pk")
    assert entry.details["removed"] == ["beta"] and entry.details["changed"] == {"alpha": {"proposals": [1200, 1500]}}
    organiser = make_organiser()
    application_save(city=cities["beta"], year=2025, actor=organiser, territory="Сквер", project="Сквер науки",
                     proposals=900, collection_days=21, stage="federal", result="winner", grant_kopecks=5_000_000_000)
    entry = AuditLogEntry.objects.filter(action="citystats.contest_edit").get()
    assert entry.details["changed"]["result"] == [None, "winner"]
    with pytest.raises(ApplicationError) as caught:
        application_save(city=cities["beta"], year=2025, actor=organiser, territory="Сквер", project="Сквер науки",
                         proposals=900, collection_days=21, stage="regional", result="winner",
                         grant_kopecks=5_000_000_000)
    assert caught.value.code == "winner_not_federal"
    assert ContestApplication.objects.get(city__slug="beta").stage == "federal"


@pytest.fixture
def programme(cities):
    return Programme.objects.create(code="gorod-idey", name="Город идей", aim="Собрать идеи жителей")


def test_attendance_is_refused_before_the_start_and_audited_after(cities, programme):
    starts = dt.datetime(2026, 5, 1, 18, 0, tzinfo=MOSCOW)
    event = event_create(city=cities["alpha"], programme=programme, title="Форум", starts_at=starts,
                         duration_minutes=120, format="in_person", place="ДК", actor=None)
    stored = Event.objects.get(pk=event.pk).starts_at
    assert stored == starts and stored.utcoffset() == dt.timedelta(0)  # the same moment, kept in UTC
    with pytest.raises(ApplicationError) as caught:
        attendance_record(event_id=event.pk, attendance=120, actor=None, now=starts - dt.timedelta(minutes=1))
    assert caught.value.code == "event_not_started" and caught.value.status == 409
    assert Event.objects.get(pk=event.pk).attendance is None
    attendance_record(event_id=event.pk, attendance=120, actor=make_organiser(), now=starts)
    assert Event.objects.get(pk=event.pk).attendance == 120
    entry = AuditLogEntry.objects.filter(action="citystats.event_attendance").get()
    assert entry.details == {"attendance": [None, 120]}
    with pytest.raises(ApplicationError):
        event_create(city=cities["alpha"], programme=programme, title="Форум", starts_at=dt.datetime(2026, 5, 1),
                     duration_minutes=60, format="in_person", place="ДК", actor=None)


def test_attendance_form_refuses_before_the_start(cities, programme, client):
    client.force_login(make_organiser())
    future = event_create(city=cities["alpha"], programme=programme, title="Фестиваль", duration_minutes=60,
                          starts_at=dt.datetime.now(dt.UTC) + dt.timedelta(days=3), format="online", place="онлайн",
                          actor=None)
    response = client.post(f"/stats/workspace/events/{future.pk}/attendance/", {"attendance": "50"})
    assert response.status_code == 409 and "ещё не началось" in response.content.decode()
    assert Event.objects.get(pk=future.pk).attendance is None


def test_reach_is_distinct_residents_where_known_otherwise_attendance(cities, programme):
    for city, people in (("alpha", (100, 80)), ("beta", (50,))):
        for index, count in enumerate(people):
            Event.objects.create(city=cities[city], programme=programme, title="Встреча", format="in_person",
                                 place="ДК", starts_at=dt.datetime(2025, 3, 1 + index, 12, tzinfo=MOSCOW),
                                 attendance=count)
    # 1 January 01:00 in Moscow is 31 December in UTC: the event belongs to the new year
    Event.objects.create(city=cities["beta"], programme=programme, title="Ёлка", format="in_person", place="ДК",
                         starts_at=dt.datetime(2026, 1, 1, 1, 0, tzinfo=MOSCOW), attendance=999)
    reach_set(city=cities["alpha"], year=2025, distinct_residents=150, actor=None)
    rows = {row.city.slug: row for row in reach_by_city(year=2025)}
    assert (rows["alpha"].value, rows["alpha"].basis, rows["alpha"].attendance) == (150, BASIS_DISTINCT, 180)
    assert (rows["beta"].value, rows["beta"].basis, rows["beta"].events) == (50, BASIS_ATTENDANCE, 1)
    assert CityReach.objects.count() == 1


def test_the_ical_feed_parses_and_carries_times_with_their_time_zone(cities, programme, client):
    starts = dt.datetime.now(MOSCOW).replace(microsecond=0, second=0) + dt.timedelta(days=10)
    event = event_create(city=cities["alpha"], programme=programme, title="Форум «Город идей»", starts_at=starts,
                         duration_minutes=90, format="hybrid", place="Альфа, ДК", actor=None)
    event_create(city=cities["beta"], programme=programme, title="Чужое", starts_at=starts, duration_minutes=90,
                 format="hybrid", place="Бета", actor=None)
    response = client.get("/stats/alpha/calendar.ics")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/calendar")
    calendar = Calendar.from_ical(response.content)
    assert str(calendar["version"]) == "2.0" and calendar["prodid"]
    timezones = [c for c in calendar.walk("VTIMEZONE")]
    assert [str(c["tzid"]) for c in timezones] == ["Europe/Moscow"]
    events = calendar.walk("VEVENT")
    assert len(events) == 1
    vevent = events[0]
    start = vevent.decoded("dtstart")
    assert start == event.starts_at and start.tzinfo is not None
    assert vevent["dtstart"].params["TZID"] == "Europe/Moscow"
    assert start.astimezone(MOSCOW).hour == starts.hour
    assert vevent.decoded("dtend") - start == dt.timedelta(minutes=90)
    assert str(vevent["summary"]) == "Форум «Город идей»" and str(vevent["location"]) == "Альфа, ДК"
    assert vevent.decoded("dtstamp").utcoffset() == dt.timedelta(0)
    assert str(vevent["uid"]).startswith(f"union-event-{event.pk}@")
    page = client.get("/stats/alpha/calendar/").content.decode()
    assert "Форум «Город идей»" in page and "Чужое" not in page and "(МСК)" in page
    assert [e.pk for e in upcoming_events(city=cities["alpha"], now=starts + dt.timedelta(minutes=89))] == [event.pk]
    assert list(upcoming_events(city=cities["alpha"], now=starts + dt.timedelta(minutes=90))) == []


def test_open_data_neutralises_formulas_and_lists_everything(cities, programme, client):
    rows = good()
    rows[1] = app_row(project="=HYPERLINK(\"http://x\")")
    contest_import(content=csv_bytes(rows), actor=None)
    csv_text = client.get("/stats/data/development/contest.csv").content.decode("utf-8-sig")
    assert "'=HYPERLINK" in csv_text
    from io import BytesIO

    from openpyxl import load_workbook

    workbook = load_workbook(BytesIO(client.get("/stats/data/development/contest.xlsx").content))
    cell = workbook.active["D2"]  # text, quote-prefixed (core/spreadsheets.py): no formula in the file
    assert cell.value == '=HYPERLINK("http://x")' and cell.data_type == "s" and cell.quotePrefix
    document = client.get("/stats/data/development/city-development.json").json()
    assert document["format"] == "atomgrad-citydev/1" and len(document["contest"]) == 2
    assert client.get("/stats/data/development/other.csv").status_code == 404
    events = client.get("/api/v1/stats/development/events?city=alpha&year=2025").json()
    assert events == {"city": "alpha", "year": 2025, "events": []}


def test_organisers_add_an_event_in_the_admin_through_the_audited_service(cities, programme, client):
    from django.contrib.auth import get_user_model

    admin_user = get_user_model().objects.create_superuser("root", "root@example.org", "pass-123-word")
    client.force_login(admin_user)
    response = client.post("/admin/citystats/event/add/", {
        "city": cities["alpha"].pk, "programme": programme.pk, "title": "Форум", "starts_at_0": "01.05.2026",
        "starts_at_1": "18:00", "duration_minutes": "120", "format": "in_person", "place": "ДК"})
    assert response.status_code == 302, response.content.decode()[:2000]
    event = Event.objects.get()
    assert event.starts_at == dt.datetime(2026, 5, 1, 18, 0, tzinfo=MOSCOW)  # entered in Moscow time
    assert event.attendance is None
    assert AuditLogEntry.objects.filter(action="citystats.event_create", object_id=str(event.pk)).exists()
