"""Builders shared by the vote tests (casting, ledger, API, web, receipts, results, concurrency)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from atomgrad.award.models import Application, Season
from atomgrad.cities.models import City
from atomgrad.voting.models import SeasonVoter
from tests.factories import ApplicationFactory, CityFactory, SeasonFactory, SeasonVoterFactory

# A voter's phone number as a test would type it; it must never appear in any response.
VOTER_PHONE = "+79161234567"


def application(**kwargs: object) -> Application:
    """ApplicationFactory with a random person_key of its own (unique per season without relying on the
    factory's sequence)."""
    kwargs.setdefault("person_key", f"vote-test-{uuid.uuid4().hex}")
    return ApplicationFactory(**kwargs)


@dataclass
class Election:
    season: Season
    city: City
    candidates: list[Application]

    def voter(self, **kwargs: object) -> SeasonVoter:
        kwargs.setdefault("city", self.city)
        return SeasonVoterFactory(season=self.season, **kwargs)


def election(*, k: int = 3, candidates: int = 3, phase: str = "voting", **season_fields: object) -> Election:
    """A season in `phase` with K votes per voter and `candidates` published candidates in one city."""
    season = SeasonFactory(phase=phase, votes_per_voter=k, **season_fields)
    city = CityFactory()
    season.cities.add(city)
    people = [
        application(season=season, city=city, status="accepted", full_name=f"Кандидатова Мария {index:02d}")
        for index in range(candidates)
    ]
    return Election(season=season, city=city, candidates=people)
