"""Publication: organisers make a city's signed protocol public (or every city of the season at once).

From the moment of publication the city's numbers — exactly the signed protocol's data — appear on the results
pages, in the API and in the exports; before it, none of them does. Publication also records the top three
of a city whose vote is not void as `award.Laureate` rows, so the laureates' cooldown applies to future
applications.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import IntegrityError, transaction
from django.utils import timezone

from atomgrad.award.models import Application, Laureate, Season
from atomgrad.cities.models import City
from atomgrad.core.errors import ApplicationError
from atomgrad.core.services import audit_record
from atomgrad.results.models import CityProtocol, ProtocolStatus, Publication
from atomgrad.results.permissions import organiser_check
from atomgrad.results.selectors import season_cities

User = AbstractBaseUser | AnonymousUser


def _laureates_record(*, season: Season, city: City, protocol: CityProtocol) -> list[Laureate]:
    data = protocol.data
    if data.get("void"):
        return []
    lines = [line for line in data["candidates"] if line.get("laureate")]
    applications = Application.objects.in_bulk([line["id"] for line in lines])
    laureates = []
    for line in sorted(lines, key=lambda item: item["place"]):
        application = applications[line["id"]]
        laureate, _ = Laureate.objects.get_or_create(
            application=application,
            defaults={
                "season": season, "city": city, "full_name": application.full_name,
                "birth_date": application.birth_date, "person_key": application.person_key,
                "place": line["place"],
            },
        )
        laureates.append(laureate)
    return laureates


def _publish(*, actor: User, season: Season, city: City) -> Publication:
    protocol = CityProtocol.objects.filter(season=season, city=city, status=ProtocolStatus.SIGNED).first()
    if protocol is None:
        raise ApplicationError(
            "protocol_not_signed",
            f"Итоги города {city.name_ru} нельзя опубликовать: протокол ещё не подписан оргкомитетом.",
            f"The result of {city.name_en} cannot be published: its protocol is not signed yet.",
            status=409, details={"city": city.slug},
        )
    try:
        with transaction.atomic():
            publication = Publication.objects.create(
                season=season, city=city, protocol=protocol, published_at=timezone.now(), published_by=actor
            )
    except IntegrityError:
        raise ApplicationError(
            "already_published", f"Итоги города {city.name_ru} уже опубликованы.",
            f"The result of {city.name_en} is already published.", status=409, details={"city": city.slug},
        ) from None
    laureates = _laureates_record(season=season, city=city, protocol=protocol)
    audit_record(actor=actor, action="results_published", obj=publication, city=city,
                 details={"season": season.year, "protocol": protocol.pk, "sha256": protocol.pdf_sha256,
                          "laureates": [laureate.application_id for laureate in laureates]})
    return publication


def publication_publish_city(*, actor: User, season: Season, city: City) -> Publication:
    """Publish one city's signed result. Raises ApplicationError: organisers_only (403),
    protocol_not_signed / already_published (409)."""
    organiser_check(actor=actor, what_ru="Публиковать итоги", what_en="publish results")
    with transaction.atomic():
        return _publish(actor=actor, season=season, city=city)


def publication_publish_season(*, actor: User, season: Season) -> list[Publication]:
    """Publish every city of the season not yet published — all or none: if any city's protocol is not signed,
    nothing is published and the error names those cities."""
    organiser_check(actor=actor, what_ru="Публиковать итоги", what_en="publish results")
    cities = list(season_cities(season=season))
    published = set(Publication.objects.filter(season=season).values_list("city_id", flat=True))
    pending = [city for city in cities if city.pk not in published]
    signed = set(
        CityProtocol.objects.filter(season=season, status=ProtocolStatus.SIGNED).values_list("city_id", flat=True)
    )
    unsigned = [city for city in pending if city.pk not in signed]
    if unsigned:
        raise ApplicationError(
            "protocols_not_signed",
            "Сезон нельзя опубликовать целиком: не подписаны протоколы городов "
            + ", ".join(city.name_ru for city in unsigned) + ".",
            "The season cannot be published as a whole: these cities' protocols are not signed: "
            + ", ".join(city.name_en for city in unsigned) + ".",
            status=409, details={"cities": [city.slug for city in unsigned]},
        )
    if not pending:
        raise ApplicationError("already_published", "Итоги всех городов сезона уже опубликованы.",
                               "Every city's result of the season is already published.", status=409)
    with transaction.atomic():
        publications = [_publish(actor=actor, season=season, city=city) for city in pending]
        audit_record(actor=actor, action="season_results_published", obj=season,
                     details={"season": season.year, "cities": [city.slug for city in pending]})
    return publications
