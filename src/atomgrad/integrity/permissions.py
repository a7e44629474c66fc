"""Who may see a season's fraud signals (findings and the per-vote signals behind them), and when.

- Organisers: every city, at any time — while the vote is open too, so an attack can be seen the day it starts.
- A city's committee: its own city only, and only once voting has closed there (the season's close, or the
  city's extension: `voting.services.ballots.voting_closes_at`). Before that, the signals would tell a committee
  whose candidates are being voted for, and how — while counts are still hidden.
- Nobody else, ever (residents, candidates, the public, other cities' committees).

Another city is "not found" (404), never "forbidden": a committee member cannot learn what exists elsewhere.
Before the close, the own city is 403 `signals_not_yet`, saying when they open.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.utils import timezone, translation

from atomgrad.award.models import Season
from atomgrad.cities.models import City
from atomgrad.cities.permissions import cities_for_user, user_is_organiser
from atomgrad.core import timefmt
from atomgrad.core.errors import ApplicationError
from atomgrad.voting.services.ballots import voting_closes_at

User = AbstractBaseUser | AnonymousUser


def findings_visible(*, user: User, season: Season, city: City, now: dt.datetime | None = None) -> bool:
    """Whether the person may see the season's findings (and signals) of the city at `now`."""
    if not user.is_authenticated:
        return False
    if user_is_organiser(user):
        return True
    if not cities_for_user(user).filter(pk=city.pk).exists():
        return False
    return (now or timezone.now()) >= voting_closes_at(season=season, city_id=city.pk)


def findings_check_access(*, user: User, season: Season, city: City, now: dt.datetime | None = None) -> None:
    """Raise unless the person may see the city's findings: `city_not_found` (404) for a city that is not
    theirs (or for anyone outside the award's staff), `signals_not_yet` (403) before the city's close."""
    if findings_visible(user=user, season=season, city=city, now=now):
        return
    if not user.is_authenticated or not cities_for_user(user).filter(pk=city.pk).exists():
        raise ApplicationError("city_not_found", "Такого города нет.", "There is no such city.", status=404)
    closes_at = voting_closes_at(season=season, city_id=city.pk)
    with translation.override("ru"):
        closes_ru = timefmt.format_datetime(closes_at)
    raise ApplicationError(
        "signals_not_yet",
        f"Сигналы о голосах города будут доступны оргкомитету после окончания голосования ({closes_ru}).",
        f"The city's vote signals open to its committee when voting closes ({closes_at.isoformat()}).",
        status=403, details={"closes_at": closes_at.isoformat()},
    )


def findings_cities(*, user: User, season: Season, now: dt.datetime | None = None) -> list[City]:
    """The season's cities whose findings the person may see now (organisers: all of them)."""
    if not user.is_authenticated:
        return []
    cities = list(cities_for_user(user).filter(pk__in=season.cities.values("pk")).order_by("name_ru"))
    return [city for city in cities if findings_visible(user=user, season=season, city=city, now=now)]


def season_overview_check(*, user: User) -> None:
    """The season overview of findings across cities is for organisers only (403 otherwise)."""
    if not user_is_organiser(user):
        raise ApplicationError(
            "organisers_only", "Обзор сигналов по всем городам доступен только организаторам премии.",
            "Only the award's organisers can see the overview of signals across cities.", status=403,
        )


def findings_overview_visible(*, user: User) -> bool:
    """Whether the person may open the season overview of findings across cities (organisers only); the
    page's predicate beside `season_overview_check`, the service-style refusal."""
    return user_is_organiser(user)
