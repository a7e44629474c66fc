"""A vote's two reads sent together (the bot's by Telegram account): each result is what its own read returns,
for every case a forged or stale button can bring."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from atomgrad.voting import queries
from tests.factories import ApplicationFactory, CityFactory, SeasonFactory, SeasonVoterFactory, VoterIdentityFactory

pytestmark = pytest.mark.django_db

TELEGRAM_ID = 424242


@pytest.fixture
def vote_world():
    city = CityFactory()
    season = SeasonFactory(phase="voting", cities=[city])
    identity = VoterIdentityFactory(telegram_user_id=TELEGRAM_ID)
    voter = SeasonVoterFactory(season=season, city=city, identity=identity)
    published = ApplicationFactory(season=season, city=city, status="accepted")
    waiting = ApplicationFactory(season=season, city=city, status="submitted")
    return voter, published, waiting


def separately(telegram_user_id: int, candidate_id: int):
    return (queries.voter_by_telegram_user(telegram_user_id=telegram_user_id),
            queries.published_candidate(candidate_id=candidate_id))


@pytest.mark.parametrize("who", ["voter", "stranger", "forged"])
@pytest.mark.parametrize("which", ["published", "waiting", "unknown", "forged"])
def test_together_is_what_each_read_returns(vote_world, who, which) -> None:
    voter, published, waiting = vote_world
    telegram_user_id = {"voter": TELEGRAM_ID, "stranger": TELEGRAM_ID + 1, "forged": 2**70}[who]
    candidate_id = {"published": published.pk, "waiting": waiting.pk, "unknown": waiting.pk + 1000,
                    "forged": -5}[which]

    together = queries.voter_by_telegram_user_and_candidate(telegram_user_id=telegram_user_id,
                                                            candidate_id=candidate_id)

    expected_voter, expected_candidate = separately(telegram_user_id, candidate_id)
    assert together == (expected_voter, expected_candidate)
    if who == "voter":
        assert together[0] == voter and together[0].season_id == voter.season_id
        assert together[0].city.pk == voter.city_id  # loaded with the row, as the separate read does
    if which == "published":
        assert together[1] == published and together[1].sphere.pk == published.sphere_id


def test_together_is_two_statements_sent_at_once(vote_world) -> None:
    _voter, published, _waiting = vote_world
    with CaptureQueriesContext(connection) as statements:
        queries.voter_by_telegram_user_and_candidate(telegram_user_id=TELEGRAM_ID, candidate_id=published.pk)
    assert len(statements) == 2
