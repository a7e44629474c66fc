"""GET /api/v1/cities/{slug}/results: counts when the season makes them public; while they are hidden, no
counts, no `votes` field and no count-revealing order."""

from __future__ import annotations

import pytest

from atomgrad.voting.models import Vote
from atomgrad.voting.services.ballots import vote_annul, vote_cast
from tests.factories import CommitteeMemberFactory
from tests.voting.ballot_helpers import election

pytestmark = pytest.mark.django_db

NAMES = ["Яковлева Ольга", "Абрамов Пётр", "Михайлова Нина"]


def race_with_votes(*, counts_public: bool):  # type: ignore[no-untyped-def]
    """Three candidates whose vote order (Я: 3, М: 1, А: 0) is the reverse of the alphabet."""
    race = election(k=3, counts_public=counts_public)
    for candidate, name in zip(race.candidates, NAMES, strict=True):
        candidate.full_name = name
        candidate.save(update_fields=["full_name"])
    yakovleva, _abramov, mikhailova = race.candidates
    for _ in range(3):
        vote_cast(voter=race.voter(), candidate=yakovleva, channel="web")
    vote_cast(voter=race.voter(), candidate=mikhailova, channel="api")
    return race


def test_public_counts_come_per_candidate_most_votes_first(client):
    race = race_with_votes(counts_public=True)
    response = client.get(f"/api/v1/cities/{race.city.slug}/results")
    assert response.status_code == 200
    body = response.json()
    assert (body["counts"], body["season"], body["city"]) == ("public", race.season.year, race.city.slug)
    assert [(item["full_name"], item["votes"]) for item in body["candidates"]] == [
        ("Яковлева Ольга", 3), ("Михайлова Нина", 1), ("Абрамов Пётр", 0)]
    assert set(body["candidates"][0]) == {"id", "full_name", "sphere", "votes"}


def test_public_counts_are_valid_votes_only(client):
    race = race_with_votes(counts_public=True)
    member = CommitteeMemberFactory(city=race.city).user
    for vote in Vote.objects.filter(candidate=race.candidates[0])[:2]:
        vote_annul(actor=member, vote=vote, reason="Нарушение правил")
    body = client.get(f"/api/v1/cities/{race.city.slug}/results").json()
    assert {item["full_name"]: item["votes"] for item in body["candidates"]} == {
        "Яковлева Ольга": 1, "Михайлова Нина": 1, "Абрамов Пётр": 0}


def test_hidden_counts_give_no_votes_field_and_alphabetical_order(client):
    race = race_with_votes(counts_public=False)
    response = client.get(f"/api/v1/cities/{race.city.slug}/results")
    assert response.status_code == 200
    body = response.json()
    assert body["counts"] == "hidden"
    assert [item["full_name"] for item in body["candidates"]] == sorted(NAMES)
    assert all(set(item) == {"id", "full_name", "sphere"} for item in body["candidates"])
    assert '"votes"' not in response.content.decode()


def test_while_hidden_the_answer_does_not_change_when_votes_come_in(client):
    race = election(k=3, counts_public=False)
    before = client.get(f"/api/v1/cities/{race.city.slug}/results").content
    for candidate in race.candidates[1:]:
        vote_cast(voter=race.voter(), candidate=candidate, channel="web")
    vote_cast(voter=race.voter(), candidate=race.candidates[2], channel="web")
    after = client.get(f"/api/v1/cities/{race.city.slug}/results").content
    assert before == after


def test_the_season_can_be_chosen_and_unknowns_are_404(client):
    old = race_with_votes(counts_public=True)
    election(k=3)  # a newer season is the current one
    body = client.get(f"/api/v1/cities/{old.city.slug}/results", {"season": old.season.year}).json()
    assert body["season"] == old.season.year and body["candidates"][0]["votes"] == 3
    unknown_city = client.get("/api/v1/cities/atlantis/results")
    assert unknown_city.status_code == 404 and unknown_city.json()["code"] == "city_not_found"
    unknown_season = client.get(f"/api/v1/cities/{old.city.slug}/results", {"season": 1999})
    assert unknown_season.status_code == 404 and unknown_season.json()["code"] == "season_not_found"


def test_results_never_show_candidates_private_contacts(client):
    race = race_with_votes(counts_public=True)
    text = client.get(f"/api/v1/cities/{race.city.slug}/results").content.decode()
    for candidate in race.candidates:
        assert candidate.phone not in text and candidate.email not in text and str(candidate.birth_date) not in text


def test_public_results_are_one_read_not_a_recount(client, django_assert_max_num_queries):
    race = race_with_votes(counts_public=True)
    with django_assert_max_num_queries(4):  # season, city, candidates with their tallies
        assert client.get(f"/api/v1/cities/{race.city.slug}/results").status_code == 200
