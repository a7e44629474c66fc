"""Issue 12, item 2: while a city votes, its committee sees no count, place, «призёр» tag or list of votes on
the review and protocol pages; once the city's vote has closed it sees them. Organisers see the integrity
signals while the vote runs, not the ranking."""

from __future__ import annotations

import pytest
from django.urls import reverse

from atomgrad.integrity.models import FindingKind
from tests.integrity.helpers import finding_store
from tests.results.helpers import city_vote, close_voting, organiser

pytestmark = pytest.mark.django_db

COUNT_MARKERS = ["призёр", "Голоса по соискателям", "Подсчёт сейчас", "В выборке", "голосов подано",
                 "Действительных", 'name="vote_ids"']


@pytest.fixture
def voting_city():
    cv = city_vote(names=["Альфова Анна", "Бетов Борис", "Гаммова Галина", "Дельтов Денис"])
    cv.cast([7, 5, 3, 1])
    finding_store(votes=cv.votes[cv.candidates[0].pk][:5], kind=FindingKind.BURST)
    return cv


def _pages(client, cv):
    year, slug = cv.season.year, cv.city.slug
    review = client.get(reverse("results:review", args=[year, slug]))
    protocol = client.get(reverse("results:protocol", args=[year, slug]))
    assert review.status_code == 200 and protocol.status_code == 200
    return review.content.decode(), protocol.content.decode()


def _shows_counts(html: str) -> list[str]:
    return [marker for marker in COUNT_MARKERS if marker in html]


def test_the_committee_sees_no_counts_places_laureates_or_votes_while_its_city_votes(client, voting_city):
    client.force_login(voting_city.chair)
    review, protocol = _pages(client, voting_city)
    assert _shows_counts(review) == []
    assert _shows_counts(protocol) == []
    assert "ещё идёт" in review and "ещё идёт" in protocol
    # not even the signals: they would say who gathers votes
    assert 'id="signals"' not in review
    # and a selection cannot be asked for through the query string
    listed = client.get(reverse("results:review", args=[voting_city.season.year, voting_city.city.slug]),
                        {"candidate": voting_city.candidates[0].pk, "status": "all"}).content.decode()
    assert _shows_counts(listed) == []


def test_the_committee_sees_counts_places_and_signals_once_its_city_closed(client, voting_city):
    close_voting(voting_city.season)
    client.force_login(voting_city.chair)
    review, protocol = _pages(client, voting_city)
    assert "призёр" in review and "Голоса по соискателям" in review and "В выборке 16 голосов" in review
    assert "призёр" in protocol and "Подсчёт сейчас" in protocol
    assert 'id="signals"' in review and "Всплеск голосов" in review


def test_organisers_see_the_signals_but_not_the_ranking_while_the_vote_runs(client, voting_city):
    client.force_login(organiser())
    review, protocol = _pages(client, voting_city)
    assert 'id="signals"' in review and "Всплеск голосов" in review
    assert _shows_counts(review) == []
    assert _shows_counts(protocol) == []
    close_voting(voting_city.season)
    review, _ = _pages(client, voting_city)
    assert "призёр" in review and 'id="signals"' in review


def test_another_citys_committee_gets_not_found(client, voting_city):
    other = city_vote(season=voting_city.season)
    close_voting(voting_city.season)
    client.force_login(other.chair)
    response = client.get(reverse("results:review", args=[voting_city.season.year, voting_city.city.slug]))
    assert response.status_code == 404


def test_organisers_get_the_seasons_ledger_only_once_voting_closed_everywhere(client, voting_city):
    url = reverse("results:export_ledger", args=[voting_city.season.year])
    client.force_login(organiser())
    assert client.get(url).status_code == 404  # the vote entries would give the running ranking
    close_voting(voting_city.season)
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content).count(b"\n") == 16
