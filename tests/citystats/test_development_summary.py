"""The Department's summary on the demo: the release's figures recompute from the rows, every figure links to
the list of its rows (the list shows exactly that many), the city page brings it together, the API agrees."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from atomgrad.cities.services import cities_load_from_file
from atomgrad.citystats.models import CityReach, ContestApplication, Event, MasterPlan, Programme
from atomgrad.citystats.services.development_demo import development_demo_load
from atomgrad.citystats.summary import default_year, department_summary
from atomgrad.core.timefmt import MOSCOW

NOW = dt.datetime(2026, 12, 2, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def demo(db):
    cities_load_from_file()
    result = development_demo_load(now=NOW)
    assert result.loaded
    return result


def _hand_reach(year: int) -> tuple[int, int, int]:
    """Events, cities and reach of a year counted straight from the rows (not through the selectors)."""
    start, end = dt.datetime(year, 1, 1, tzinfo=MOSCOW), dt.datetime(year + 1, 1, 1, tzinfo=MOSCOW)
    events = list(Event.objects.filter(starts_at__gte=start, starts_at__lt=end))
    distinct = dict(CityReach.objects.filter(year=year).values_list("city_id", "distinct_residents"))
    attendance: dict[int, int] = {}
    for event in events:
        attendance[event.city_id] = attendance.get(event.city_id, 0) + (event.attendance or 0)
    reach = sum(distinct.get(city, total) for city, total in attendance.items())
    return len(events), len(attendance), reach


def test_release_figures_recompute_from_the_rows(demo):
    year = default_year(now=NOW)
    assert year == 2025
    summary = department_summary(year=year, now=NOW)
    winners = ContestApplication.objects.filter(year=year, result="winner").count()
    assert summary.winners_this_year == winners == 14
    events, cities, reach = _hand_reach(year)
    assert (summary.events, summary.event_cities, summary.reach_total) == (events, cities, reach)
    assert events > 200 and cities == 26 and reach > 100_000
    assert Programme.objects.count() > 10
    krasnokamensk = MasterPlan.objects.get(city__slug="krasnokamensk")
    budget = sum(p.budget_kopecks for p in krasnokamensk.projects.all())
    assert budget > 10_000_000_000 * 100
    assert [plan.city.slug for plan in summary.big_plans] == ["krasnokamensk"]
    assert summary.is_demo


def test_changing_a_row_changes_the_figure(demo):
    year = default_year(now=NOW)
    before = department_summary(year=year, now=NOW)
    application = ContestApplication.objects.filter(year=year, result="winner").first()
    application.result, application.grant_kopecks = "not_winner", None
    application.save()
    Event.objects.filter(pk=Event.objects.filter(starts_at__year=year, starts_at__month=6).first().pk).delete()
    after = department_summary(year=year, now=NOW)
    assert after.winners_this_year == before.winners_this_year - 1
    assert after.events == before.events - 1


def _count(client, url: str) -> int:
    response = client.get(url)
    assert response.status_code == 200, url
    html = response.content.decode()
    shown = int(re.search(r"<strong data-count>(\d+)</strong>", html).group(1))
    assert shown == html.count("<tr data-row>"), url
    return shown


def test_every_summary_figure_links_to_its_rows(demo, client):
    year = default_year(now=NOW)
    summary = department_summary(year=year, now=NOW)
    html = client.get(f"/stats/summary/?year={year}").content.decode()
    figures = re.findall(r'<li data-figure="(\w+)"><a href="([^"]+)"><span class="stat-number">([^<]+)</span>', html)
    text = re.sub(r"<[^>]+>", "", html)
    text = " ".join(text.split())
    assert "14 атомградов победили в конкурсе Минстроя 2025 года" in text  # Russian plural forms, not n == 1
    assert f"{summary.events} мероприят" in text and "в 26 городах" in text
    assert {key for key, _url, _value in figures} == {"contest_winners", "events", "reach", "big_plan",
                                                      "late_projects"}
    for key, url, value in figures:
        url = url.replace("&amp;", "&")
        if key == "contest_winners":
            assert _count(client, url) == int(value) == summary.winners_this_year
        elif key == "events":
            assert _count(client, url) == int(value) == summary.events
        elif key == "reach":
            response = client.get(url).content.decode()
            # the events list of the year names each city's reach and which of the two counts it is
            assert _count(client, url) == summary.events
            assert int(value) == summary.reach_total
            assert "разные жители" in response and "сумма посещаемости" in response
        elif key == "late_projects":
            assert _count(client, url) == int(value) == summary.late_projects > 0
        elif key == "big_plan":
            response = client.get(url).content.decode()
            assert "Краснокаменск" in response and _count(client, url) == 6


def test_city_page_brings_plan_contest_and_events_together(demo, client):
    html = client.get("/stats/krasnokamensk/development/").content.decode()
    for text in ("Мастер-план", "Ремонт технического колледжа", "просрочен", "Конкурс Минстроя",
                 "Ближайшие мероприятия", "Значения вымышлены", "Данные графика таблицей"):
        assert text in html, text
    assert client.get("/stats/krasnokamensk/").content.decode().count("/stats/krasnokamensk/development/") >= 1
    assert client.get("/stats/nowhere/development/").status_code == 404


def test_summary_api_matches_the_page(demo, client):
    year = default_year(now=NOW)
    summary = department_summary(year=year, now=NOW)
    body = client.get(f"/api/v1/stats/development/summary?year={year}").json()
    assert body["figures"]["contest_winners"]["value"] == summary.winners_this_year
    assert body["figures"]["events"]["value"] == summary.events
    assert body["figures"]["reach"]["value"] == summary.reach_total
    assert body["figures"]["contest_winners"]["rows"] == f"/stats/contest/?year={year}&result=winner"
    assert body["fictional"] is True
    city = client.get("/api/v1/stats/development/cities/krasnokamensk").json()
    assert city["plan"]["budget_kopecks"] > 10_000_000_000 * 100
    missing = client.get("/api/v1/stats/development/cities/nowhere")
    assert missing.status_code == 404
    assert missing.json()["code"] == "city_not_found" and set(missing.json()["message"]) == {"ru", "en"}
    schema = client.get("/api/openapi.json").json()
    assert "/api/v1/stats/development/summary" in schema["paths"]


def test_lists_take_odd_filters_calmly(demo, client):
    for url in ("/stats/events/?year=0", "/stats/events/?year=99999999", "/stats/contest/?year=0&result=x",
                "/stats/projects/?city=nowhere&late=2", "/stats/summary/?year=1"):
        assert client.get(url).status_code == 200, url
    assert client.get("/api/v1/stats/development/events?year=0").status_code == 422
