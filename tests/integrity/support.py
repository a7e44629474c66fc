"""Builders of the integrity tests: a season with published candidates per city, and hand-made plans."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from atomgrad.award.models import Application, ConsentKind, Season
from atomgrad.cities.models import City
from atomgrad.integrity.simulator.plan import PlannedVote
from tests.factories import ApplicationFactory, CityFactory, ConsentDocumentFactory, SeasonFactory


@dataclass
class SimSeason:
    season: Season
    cities: dict[str, City]
    candidates: dict[str, list[Application]]  # alphabetical, as a plan's index counts them


def sim_season(cities: dict[str, int] | None = None, *, phase: str = "voting", k: int = 3,
               **fields: object) -> SimSeason:
    """A season in `phase` with K votes per voter and the given number of published candidates per city slug."""
    cities = cities or {"sarov": 4, "ozersk": 3}
    if not ConsentDocumentFactory._meta.model.objects.filter(kind=ConsentKind.VOTER).exists():
        ConsentDocumentFactory(kind=ConsentKind.VOTER, version="voter-sim-1")
    made = {slug: City.objects.filter(slug=slug).first() or CityFactory(slug=slug, name_ru=slug.title())
            for slug in cities}
    season = SeasonFactory(phase=phase, votes_per_voter=k, cities=list(made.values()), **fields)
    candidates = {
        slug: [ApplicationFactory(season=season, city=made[slug], status="accepted",
                                  person_key=f"sim-{uuid.uuid4().hex}", full_name=f"Кандидатов {slug} {index:02d}")
               for index in range(count)]
        for slug, count in cities.items()
    }
    return SimSeason(season=season, cities=made, candidates=candidates)


def planned(at: dt.datetime, *, city: str = "sarov", candidate: int = 0, phone: str = "+79001110001",
            channel: str = "web", ip: str = "198.51.100.10", user_agent: str = "Mozilla/5.0 test",
            code_seconds: float = 20.0, verify_seconds: float = 30.0, telegram_user_id: int | None = None,
            label: str = "organic", scenario: str = "organic") -> PlannedVote:
    """A planned vote whose session started `code_seconds + verify_seconds` before it."""
    verified = at - dt.timedelta(seconds=verify_seconds)
    return PlannedVote(
        at=at, city=city, candidate=candidate, phone=phone, channel=channel,
        ip="" if channel == "telegram" else ip, user_agent="" if channel == "telegram" else user_agent,
        code_requested_at=verified - dt.timedelta(seconds=code_seconds), verified_at=verified,
        telegram_user_id=telegram_user_id if channel == "telegram" else None, label=label, scenario=scenario,
    )
