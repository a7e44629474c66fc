"""The public read API (/api/v1/) through real HTTP: shapes, filters, pagination, 404s."""

from __future__ import annotations

import datetime as dt

import pytest

from atomgrad.award.models import ApplicationStatus
from tests.factories import ApplicationFactory, CityFactory, SeasonFactory, SphereFactory

pytestmark = pytest.mark.django_db

MSK = dt.timezone(dt.timedelta(hours=3))
CANDIDATE_FIELDS = {"id", "full_name", "city", "sphere", "workplace", "position", "story_short", "photo_url",
                    "page_url"}


@pytest.fixture
def season_city():
    city = CityFactory(slug="seversk", name_ru="Северск", name_en="Seversk", region_ru="Томская область",
                       region_en="Tomsk Oblast", is_closed=True, population=105000)
    season = SeasonFactory(phase="voting", cities=[city])
    return season, city


def _candidate(season, city, **kwargs):
    return ApplicationFactory(season=season, city=city, status=ApplicationStatus.ACCEPTED, **kwargs)


def _assert_not_found(response, code):
    assert response.status_code == 404
    body = response.json()
    assert body["code"] == code
    assert body["message"]["ru"] and body["message"]["en"]


# --- seasons --------------------------------------------------------------------------------------------


def test_season_has_moscow_dates_phase_and_settings(client):
    season = SeasonFactory(
        year=2040,
        applications_open_at=dt.datetime(2040, 6, 1, 0, 0, tzinfo=MSK),
        applications_close_at=dt.datetime(2040, 9, 14, 23, 59, tzinfo=MSK),
        voting_open_at=dt.datetime(2040, 10, 4, 0, 0, tzinfo=MSK),
        voting_close_at=dt.datetime(2040, 10, 18, 23, 59, tzinfo=MSK),
        results_at=dt.datetime(2040, 11, 1, 12, 0, tzinfo=MSK),
        ceremony_at=dt.datetime(2040, 11, 22, 15, 0, tzinfo=MSK),
        votes_per_voter=5, own_city_only=False, laureate_cooldown_years=2,
        cities=[CityFactory(slug="sarov"), CityFactory(slug="lesnoy")],
    )

    body = client.get(f"/api/v1/seasons/{season.year}").json()

    assert body["year"] == 2040
    assert body["phase"] == "upcoming"
    assert body["phase_title"]["ru"] == "Скоро начало"
    assert body["applications_open_at"] == "2040-06-01T00:00:00+03:00"
    assert body["voting_close_at"] == "2040-10-18T23:59:00+03:00"
    assert body["ceremony_at"] == "2040-11-22T15:00:00+03:00"
    assert body["settings"] == {"min_age": 18, "laureate_cooldown_years": 2, "votes_per_voter": 5,
                                "own_city_only": False, "counts_public": False}
    assert body["cities"] == ["lesnoy", "sarov"]


def test_season_list_is_newest_first_with_the_current_phase(client):
    SeasonFactory(year=2030, phase="ceremony")
    SeasonFactory(year=2031, phase="voting")

    body = client.get("/api/v1/seasons").json()

    assert [(season["year"], season["phase"]) for season in body] == [(2031, "voting"), (2030, "ceremony")]


def test_unknown_season_is_404_with_the_error_shape(client):
    _assert_not_found(client.get("/api/v1/seasons/1999"), "season_not_found")


# --- cities and spheres ---------------------------------------------------------------------------------


def test_cities_list_every_city_with_participation_and_published_counts(client, season_city):
    season, city = season_city
    outsider = CityFactory(slug="angarsk", name_ru="Ангарск")
    _candidate(season, city)
    ApplicationFactory(season=season, city=city, status=ApplicationStatus.SUBMITTED)

    body = {row["slug"]: row for row in client.get("/api/v1/cities").json()}

    assert body["seversk"] == {
        "slug": "seversk", "name_ru": "Северск", "name_en": "Seversk", "region_ru": "Томская область",
        "region_en": "Tomsk Oblast", "is_closed": True, "population": 105000, "participates": True,
        "candidate_count": 1, "page_url": "http://testserver/cities/seversk/",
        "candidates_url": "http://testserver/api/v1/cities/seversk/candidates",
    }
    assert body[outsider.slug]["participates"] is False
    assert body[outsider.slug]["candidate_count"] == 0


def test_city_detail_and_its_404(client, season_city):
    assert client.get("/api/v1/cities/seversk").json()["name_ru"] == "Северск"
    _assert_not_found(client.get("/api/v1/cities/atlantis"), "city_not_found")


def test_spheres_lists_active_spheres_in_order(client):
    SphereFactory(slug="sport", name_ru="Спорт", name_en="Sport", order=20)
    SphereFactory(slug="education", name_ru="Образование", name_en="Education", order=10)
    SphereFactory(slug="retired", is_active=False)

    body = client.get("/api/v1/spheres").json()

    assert body == [{"slug": "education", "name_ru": "Образование", "name_en": "Education"},
                    {"slug": "sport", "name_ru": "Спорт", "name_en": "Sport"}]


# --- candidates -----------------------------------------------------------------------------------------


def test_city_candidates_are_the_published_ones_of_the_current_season(client, season_city):
    season, city = season_city
    old_season = SeasonFactory(year=season.year - 1, phase="ceremony", cities=[city])
    sphere = SphereFactory(slug="healthcare", name_ru="Здравоохранение", name_en="Healthcare")
    published = _candidate(season, city, full_name="Врачёва Ирина Львовна", sphere=sphere, workplace="ЦМСЧ № 81",
                           position="терапевт", story="Лечит. " * 80)
    for status in (ApplicationStatus.SUBMITTED, ApplicationStatus.RETURNED, ApplicationStatus.REJECTED):
        ApplicationFactory(season=season, city=city, status=status)
    _candidate(season, CityFactory())
    old = _candidate(old_season, city, full_name="Прошлогодний Пётр")

    body = client.get("/api/v1/cities/seversk/candidates").json()

    assert body["count"] == 1
    [item] = body["items"]
    assert set(item) == CANDIDATE_FIELDS
    assert item["id"] == published.pk
    assert item["full_name"] == "Врачёва Ирина Львовна"
    assert item["city"] == {"slug": "seversk", "name_ru": "Северск", "name_en": "Seversk"}
    assert item["sphere"] == {"slug": "healthcare", "name_ru": "Здравоохранение", "name_en": "Healthcare"}
    assert item["workplace"] == "ЦМСЧ № 81" and item["position"] == "терапевт"
    assert item["story_short"] == published.story_short and len(item["story_short"]) < len(published.story)
    assert item["photo_url"] == "http://testserver" + published.photo.url
    assert item["page_url"] == f"http://testserver/candidates/{published.pk}/"

    past = client.get("/api/v1/cities/seversk/candidates", {"season": old_season.year}).json()
    assert [row["id"] for row in past["items"]] == [old.pk]


def test_city_candidates_filter_by_sphere_and_query(client, season_city):
    season, city = season_city
    doctors = SphereFactory(slug="healthcare")
    teachers = SphereFactory(slug="education")
    doctor = _candidate(season, city, full_name="Ёлкина Анна", sphere=doctors)
    teacher = _candidate(season, city, full_name="Елкин Борис", sphere=teachers)
    _candidate(season, city, full_name="Другой Человек", sphere=teachers)

    def ids(**params):
        return [row["id"] for row in client.get("/api/v1/cities/seversk/candidates", params).json()["items"]]

    assert ids(sphere="healthcare") == [doctor.pk]
    assert sorted(ids(q="ЕЛКИН")) == sorted([teacher.pk, doctor.pk])  # «е» finds «ё», case ignored
    assert ids(q="елкин", sphere="education") == [teacher.pk]
    assert ids(q="анна ёлкина") == [doctor.pk]
    _assert_not_found(client.get("/api/v1/cities/seversk/candidates", {"sphere": "nope"}), "sphere_not_found")
    _assert_not_found(client.get("/api/v1/cities/atlantis/candidates"), "city_not_found")
    _assert_not_found(client.get("/api/v1/cities/seversk/candidates", {"season": 1999}), "season_not_found")


def test_city_candidates_paginate_with_limit_and_offset(client, season_city):
    season, city = season_city
    candidates = [_candidate(season, city, full_name=f"Кандидатов Номер {number:02d}") for number in range(30)]

    first = client.get("/api/v1/cities/seversk/candidates").json()
    second = client.get("/api/v1/cities/seversk/candidates", {"limit": 10, "offset": 25}).json()

    assert first["count"] == 30 and len(first["items"]) == 24
    assert [row["id"] for row in first["items"]] == [c.pk for c in candidates[:24]]
    assert [row["id"] for row in second["items"]] == [c.pk for c in candidates[25:]]
    assert client.get("/api/v1/cities/seversk/candidates", {"limit": 1000}).status_code == 422


def test_candidate_detail_has_the_whole_story(client, season_city):
    season, city = season_city
    candidate = _candidate(season, city, story="Первая строка.\nВторая строка. " + "Ещё. " * 100)

    body = client.get(f"/api/v1/candidates/{candidate.pk}").json()

    assert set(body) == CANDIDATE_FIELDS | {"story", "season_year", "published_at"}
    assert body["story"] == candidate.story
    assert body["season_year"] == season.year
    assert body["published_at"].endswith("+03:00")


@pytest.mark.parametrize("status", [ApplicationStatus.SUBMITTED, ApplicationStatus.RETURNED,
                                    ApplicationStatus.REJECTED])
def test_candidate_detail_is_404_unless_accepted(client, season_city, status):
    season, city = season_city
    application = ApplicationFactory(season=season, city=city, status=status)

    _assert_not_found(client.get(f"/api/v1/candidates/{application.pk}"), "candidate_not_found")


def test_no_season_yet_is_a_404_for_city_candidates(client):
    CityFactory(slug="seversk")

    _assert_not_found(client.get("/api/v1/cities/seversk/candidates"), "season_not_found")
    assert client.get("/api/v1/cities").json()[0]["participates"] is False


def test_openapi_documents_the_read_endpoints(client):
    paths = client.get("/api/openapi.json").json()["paths"]

    for path in ["/api/v1/seasons", "/api/v1/seasons/{year}", "/api/v1/cities", "/api/v1/cities/{slug}",
                 "/api/v1/spheres", "/api/v1/cities/{slug}/candidates", "/api/v1/candidates/{candidate_id}"]:
        assert "get" in paths[path], path
    assert "404" in paths["/api/v1/candidates/{candidate_id}"]["get"]["responses"]
