"""The home and rules pages: the season's phase, its dates in Moscow time, and its rules from the settings."""

from __future__ import annotations

import datetime as dt

import pytest

from atomgrad.award.models import ApplicationStatus
from atomgrad.core.timefmt import plural
from tests.factories import ApplicationFactory, CityFactory, SeasonFactory, SphereFactory

pytestmark = pytest.mark.django_db

UTC = dt.UTC


def _html(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def future_season():
    """A season entirely in the future, with dates chosen to test Moscow time (UTC+3) around midnight."""
    return SeasonFactory(
        year=2041,
        applications_open_at=dt.datetime(2041, 5, 31, 21, 0, tzinfo=UTC),   # 1 June 00:00 MSK
        applications_close_at=dt.datetime(2041, 9, 14, 20, 59, tzinfo=UTC),  # 14 September 23:59 MSK
        voting_open_at=dt.datetime(2041, 10, 3, 21, 0, tzinfo=UTC),
        voting_close_at=dt.datetime(2041, 10, 18, 20, 59, tzinfo=UTC),
        results_at=dt.datetime(2041, 11, 1, 9, 0, tzinfo=UTC),
        ceremony_at=dt.datetime(2041, 11, 22, 12, 0, tzinfo=UTC),
        min_age=21, laureate_cooldown_years=5, votes_per_voter=2, own_city_only=True,
        cities=[CityFactory(name_ru="Лесной"), CityFactory(name_ru="Саров")],
    )


# --- home -----------------------------------------------------------------------------------------------


def test_home_shows_the_timeline_in_moscow_time_the_russian_way(client, future_season):
    html = _html(client.get("/"))

    assert "Скоро начало" in html
    assert "Приём заявок начнётся 1 июня 2041 г., 00:00 (МСК)" in html
    assert "с 1 июня 2041 г., 00:00 (МСК) до 14 сентября 2041 г., 23:59 (МСК)" in html
    assert "с 4 октября 2041 г., 00:00 (МСК) до 18 октября 2041 г., 23:59 (МСК)" in html
    assert "22 ноября 2041 г., 15:00 (МСК)" in html
    assert 'href="/cities/' in html and "Лесной" in html and "Саров" in html


@pytest.mark.parametrize(("phase", "title", "link"), [
    ("applications", "Приём заявок", 'href="/apply/"'),
    ("moderation", "Проверка заявок", 'href="/cities/"'),
    ("voting", "Народное голосование", 'href="/vote/login/"'),
    ("verification", "Проверка голосов", 'href="/cities/"'),
    ("results", "Итоги", 'href="/cities/"'),
])
def test_home_says_what_a_resident_can_do_in_each_phase(client, phase, title, link):
    SeasonFactory(phase=phase, cities=[CityFactory()])

    html = _html(client.get("/"))
    now_section = html.split('id="now-title"', 1)[1].split("</section>", 1)[0]

    assert title in now_section
    assert link in now_section
    assert 'aria-current="step"' in html
    if phase != "applications":
        assert 'href="/apply/"' not in now_section


def test_home_counts_cities_and_published_candidates_only(client):
    city = CityFactory()
    season = SeasonFactory(phase="voting", cities=[city, CityFactory(), CityFactory()])
    for _ in range(2):
        ApplicationFactory(season=season, city=city, status=ApplicationStatus.ACCEPTED)
    ApplicationFactory(season=season, city=city, status=ApplicationStatus.SUBMITTED)

    html = _html(client.get("/"))

    assert '<span class="stat-number">3</span> города' in html
    assert '<span class="stat-number">2</span> опубликованные заявки' in html


def test_home_without_a_season_still_works(client):
    html = _html(client.get("/"))

    assert "Сезон ещё не объявлен" in html


# --- rules ----------------------------------------------------------------------------------------------


def test_rules_come_from_the_season_settings(client, future_season):
    SphereFactory(name_ru="Волонтёрство")

    html = " ".join(_html(client.get("/rules/")).split())

    assert "21 год на день окончания приёма заявок (14 сентября 2041 г.)" in html
    assert "не раньше чем через 5 лет" in html
    assert "не больше 2 соискателей" in html
    assert "только за соискателей своего города" in html
    assert "Число голосов не показывается до объявления итогов" in html
    assert "с 4 октября 2041 г., 00:00 (МСК) до 18 октября 2041 г., 23:59 (МСК)" in html
    assert "152-ФЗ" in html and "квитанци" in html.lower() and "ходатайство" in html
    assert "Волонтёрство" in html


def test_rules_follow_changed_settings(client):
    SeasonFactory(phase="voting", own_city_only=False, counts_public=True, votes_per_voter=1,
                  laureate_cooldown_years=2)

    text = " ".join(_html(client.get("/rules/")).split())

    assert "за соискателей любого города-участника" in text
    assert "Промежуточные итоги во время голосования открыты" in text
    assert "не больше 1 соискателя" in text
    assert "не раньше чем через 2 года" in text


def test_rules_without_a_season(client):
    assert "Сезон ещё не объявлен" in _html(client.get("/rules/"))


def test_english_switch_keeps_pages_working(client, future_season):
    client.cookies["django_language"] = "en"
    html = _html(client.get("/"))

    assert '<html lang="en">' in html
    assert "1 June 2041, 00:00 (MSK)" in html


# --- formatting -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("number", "word"), [
    (0, "лет"), (1, "год"), (2, "года"), (4, "года"), (5, "лет"), (11, "лет"), (12, "лет"), (14, "лет"),
    (21, "год"), (22, "года"), (25, "лет"), (101, "год"), (111, "лет"),
])
def test_russian_plural_forms(number, word):
    assert plural(number, "год,года,лет") == word


def test_english_plural_forms():
    assert plural(1, "year,years") == "year"
    assert plural(3, "year,years") == "years"
