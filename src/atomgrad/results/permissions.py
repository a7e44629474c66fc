"""Who may act on a city's result, and when (role × city × phase of the city's result).

- Review (annul, reverse, disqualify, declare void, decide a tie, make a protocol draft): the city's committee
  and the organisers, after voting has closed in the city and until its protocol is signed.
- Sign the protocol: members of the city's committee only (the committee answers for it).
- Publish: organisers only, and only a signed protocol.

Another city is "not found" (404), never "forbidden": a committee member cannot learn what exists elsewhere.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.utils import timezone, translation

from atomgrad.award.models import Season
from atomgrad.cities.models import City, CommitteeMembership
from atomgrad.cities.permissions import cities_for_user, user_is_organiser
from atomgrad.core import timefmt
from atomgrad.core.errors import ApplicationError
from atomgrad.results.models import CityProtocol, ProtocolStatus
from atomgrad.voting.services.ballots import voting_closes_at

User = AbstractBaseUser | AnonymousUser


def city_not_found() -> ApplicationError:
    return ApplicationError("city_not_found", "Такого города нет.", "There is no such city.", status=404)


def city_check_access(*, actor: User, city: City) -> None:
    """Raise `city_not_found` (404) unless the person may act on the city (organisers: every city)."""
    if not cities_for_user(actor).filter(pk=city.pk).exists():
        raise city_not_found()


def user_is_committee_member(user: User, city: City) -> bool:
    if not user.is_authenticated:
        return False
    return CommitteeMembership.objects.filter(user=user, city=city).exists()


def organiser_check(*, actor: User, what_ru: str, what_en: str) -> None:
    if not user_is_organiser(actor):
        raise ApplicationError(
            "organisers_only", f"{what_ru} могут только организаторы премии.",
            f"Only the award's organisers can {what_en}.", status=403,
        )


def city_is_frozen(*, season: Season, city: City) -> bool:
    """A signed protocol freezes the city's count: no more annulments or decisions."""
    return CityProtocol.objects.filter(season=season, city=city, status=ProtocolStatus.SIGNED).exists()


def city_review_check(*, actor: User, season: Season, city: City, now: dt.datetime | None = None) -> None:
    """The checks every review action shares: access to the city, voting closed there, protocol not signed."""
    city_check_access(actor=actor, city=city)
    closes_at = voting_closes_at(season=season, city_id=city.pk)
    if (now or timezone.now()) < closes_at:
        with translation.override("ru"):
            closes_ru = timefmt.format_datetime(closes_at)
        raise ApplicationError(
            "voting_not_closed",
            f"Проверка голосов начинается после окончания голосования в городе ({closes_ru}).",
            f"The review starts when voting in the city has closed ({closes_at.isoformat()}).",
            status=409, details={"closes_at": closes_at.isoformat()},
        )
    _refuse_if_frozen(season=season, city=city)


def city_review_lock(*, season: Season, city: City) -> None:
    """Inside a review transaction: take the season's ledger-head lock (the lock every append and every
    signature takes) and check again that the city is not frozen. A review action and a signature of the same
    city are so serialised: an annulment can never land after the protocol that should have counted it."""
    from atomgrad.voting.models import LedgerHead

    LedgerHead.objects.select_for_update().filter(season=season).first()
    _refuse_if_frozen(season=season, city=city)


def _refuse_if_frozen(*, season: Season, city: City) -> None:
    """`protocol_signed` (409) once the city's protocol is signed: its result no longer changes."""
    if city_is_frozen(season=season, city=city):
        raise ApplicationError(
            "protocol_signed",
            "Протокол города уже подписан: итоги больше не меняются.",
            "The city's protocol is signed: its result can no longer change.",
            status=409,
        )


def review_counts_visible(*, season: Season, city: City, now: dt.datetime | None = None) -> bool:
    """May the review and protocol pages show the city's counts, places, laureates and the list of votes?

    Only once the city's vote has closed — for its committee and for the organisers alike: a running count
    would tell the committee (and anyone looking over an organiser's shoulder) who leads while people still
    vote. While the vote runs organisers follow the integrity signals instead (`integrity.permissions`).
    """
    return (now or timezone.now()) >= voting_closes_at(season=season, city_id=city.pk)


def season_voting_over(*, season: Season, now: dt.datetime | None = None) -> bool:
    """Has voting closed in every city of the season (extensions included)? Until then the season's ledger is
    not even the organisers': its vote entries would give the running ranking."""
    from atomgrad.voting.models import VotingExtension

    now = now or timezone.now()
    if now < season.voting_close_at:
        return False
    return not VotingExtension.objects.filter(season=season, closes_at__gt=now).exists()
