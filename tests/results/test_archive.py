"""Past seasons never vanish: the archive lists every season, city pages take `?season=YEAR`, and a city's
hall of fame shows its laureates year by year with links to each year's result and candidates."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from atomgrad.award.models import Season
from tests.factories import ApplicationFactory, SeasonFactory
from tests.results.helpers import city_vote, close_voting, organiser, sign_and_publish

pytestmark = pytest.mark.django_db


def _last_and_next():  # type: ignore[no-untyped-def]
    cv = city_vote(names=["Архипова Анна", "Белов Борис", "Власова Вера", "Гусев Глеб"])
    cv.cast([4, 3, 2, 0])
    close_voting(cv.season, ago=dt.timedelta(days=1))
    sign_and_publish(cv, publisher=organiser())
    now = timezone.now()
    Season.objects.filter(pk=cv.season.pk).update(year=2040, results_at=now, ceremony_at=now)
    cv.season.refresh_from_db()
    upcoming = SeasonFactory(year=2041, phase="applications", cities=[cv.city])
    newcomer = ApplicationFactory(season=upcoming, city=cv.city, status="accepted", full_name="Новикова Нина",
                                  person_key="archive-newcomer")
    return cv, upcoming, newcomer


def test_the_archive_lists_every_season_with_its_results(client):
    cv, upcoming, _ = _last_and_next()
    page = client.get("/results/").content.decode()
    assert 'href="/results/2040/"' in page and 'href="/results/2041/"' in page
    assert page.index("2041") < page.index("2040")  # newest first
    assert "1 из 1 города" in page  # 2040: its one city is published
    result = client.get(f"/results/2040/{cv.city.slug}/").content.decode()
    assert "Архипова Анна" in result and "Протокол (PDF)" in result


def test_city_pages_show_the_season_asked_for(client):
    cv, upcoming, newcomer = _last_and_next()
    current = client.get(f"/cities/{cv.city.slug}/").content.decode()
    assert newcomer.full_name in current and "Архипова Анна" not in current
    past = client.get(f"/cities/{cv.city.slug}/?season=2040").content.decode()
    assert "Архипова Анна" in past and newcomer.full_name not in past
    assert 'aria-current="page">2040<' in past and f'href="/cities/{cv.city.slug}/?season=2041"' in past
    assert '<input type="hidden" name="season" value="2040">' in past  # the search stays in that season
    found = client.get(f"/cities/{cv.city.slug}/?season=2040&q=Белов").content.decode()
    assert "Белов Борис" in found and "Архипова Анна" not in found
    for junk in ("abc", "1999", "99999999999999"):
        page = client.get(f"/cities/{cv.city.slug}/?season={junk}")
        assert page.status_code == 200 and newcomer.full_name in page.content.decode()
    listing = client.get("/cities/?season=2040").content.decode()
    assert f'href="/cities/{cv.city.slug}/?season=2040"' in listing


def test_the_hall_of_fame_lists_laureates_by_year(client):
    cv, _upcoming, _ = _last_and_next()
    page = client.get(f"/results/cities/{cv.city.slug}/").content.decode()
    first, second, third, _fourth = cv.candidates
    assert page.index(first.full_name) < page.index(second.full_name) < page.index(third.full_name)
    assert f'href="/candidates/{first.pk}/"' in page
    assert f'href="/results/2040/{cv.city.slug}/"' in page
    assert "Гусев Глеб" not in page
    assert client.get("/results/cities/no-such-city/").status_code == 404
