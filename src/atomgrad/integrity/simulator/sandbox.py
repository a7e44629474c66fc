"""A throw-away season for running scenarios through the database (`integrity_eval --through-database`, the
benchmarks): the scenario's cities with fictional published candidates, the voting window the plan needs.

Call it inside a transaction that is rolled back afterwards: it writes ordinary rows (a season with a year no
real season uses, cities that do not exist yet, candidates marked as fictional).
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Max
from django.utils import timezone

from atomgrad.award.models import Application, ApplicationStatus, ConsentDocument, ConsentKind, Season, Sphere
from atomgrad.cities.models import City
from atomgrad.integrity.simulator.plan import CityShape

SANDBOX_YEAR_FROM = 9000


def _consent(kind: str) -> ConsentDocument:
    document = ConsentDocument.objects.filter(kind=kind).order_by("-published_at", "-id").first()
    return document or ConsentDocument.objects.create(kind=kind, version="sandbox-1", title="Согласие (песочница)",
                                                      text="Вымышленные данные симулятора.")


def sandbox_season(*, cities: list[CityShape], start: dt.datetime, end: dt.datetime,
                   votes_per_voter: int = 3) -> Season:
    """A season whose vote is open from `start` to `end` with `shape.candidates` published candidates in each
    city (named so that their alphabetical order is their index)."""
    year = max(SANDBOX_YEAR_FROM, (Season.objects.aggregate(top=Max("year"))["top"] or 0) + 1)
    season = Season.objects.create(
        year=year, title=f"Симуляция {year}", applications_open_at=start - dt.timedelta(days=60),
        applications_close_at=start - dt.timedelta(days=30), voting_open_at=start, voting_close_at=end,
        results_at=end + dt.timedelta(days=10), ceremony_at=end + dt.timedelta(days=20),
        votes_per_voter=votes_per_voter,
    )
    sphere = Sphere.objects.order_by("order", "id").first() or Sphere.objects.create(
        slug="sandbox", name_ru="Песочница", name_en="Sandbox")
    consent = _consent(ConsentKind.APPLICATION)
    _consent(ConsentKind.VOTER)
    now = timezone.now()
    applications = []
    for shape in cities:
        city, _created = City.objects.get_or_create(slug=shape.slug, defaults={
            "name_ru": shape.slug, "name_en": shape.slug, "region_ru": "—", "region_en": "—"})
        season.cities.add(city)
        applications += [
            Application(
                season=season, city=city, sphere=sphere, full_name=f"Симулированный {shape.slug} {index:03d}",
                birth_date=dt.date(1980, 1, 1), workplace="—", position="—", story="—", photo="",
                phone="+79000000000", email="sandbox@example.org", consent_document=consent, consent_given_at=now,
                consent_ip="127.0.0.1", person_key=f"sandbox-{year}-{shape.slug}-{index}",
                edit_token=f"sandbox-{year}-{shape.slug}-{index}", status=ApplicationStatus.ACCEPTED,
                published_at=now,
            )
            for index in range(shape.candidates)
        ]
    Application.objects.bulk_create(applications, batch_size=1000)
    return season
