"""Shared arguments of the integrity commands: --season YEAR (required) and --city SLUG (one of the season's)."""

from __future__ import annotations

from django.core.management.base import CommandError

from atomgrad.award.models import Season
from atomgrad.cities.models import City


def season_required(year: int | None) -> Season:
    season = Season.objects.filter(year=year).first() if year is not None else None
    if season is None:
        known = ", ".join(str(y) for y in Season.objects.order_by("year").values_list("year", flat=True))
        raise CommandError(f"Сезона {year} нет. Есть сезоны: {known or 'нет ни одного'}. "
                           f"/ There is no season {year}.")
    return season


def season_city(season: Season, slug: str | None) -> City | None:
    if not slug:
        return None
    city = season.cities.filter(slug=slug).first()
    if city is None:
        known = ", ".join(season.cities.order_by("slug").values_list("slug", flat=True))
        raise CommandError(f"Город «{slug}» не участвует в сезоне {season.year}. Города сезона: {known or 'нет'}. "
                           f"/ The city {slug!r} does not take part in the season {season.year}.")
    return city


def detectors_missing() -> CommandError:
    return CommandError("Детекторы не установлены (atomgrad.integrity.detectors.detect). "
                        "/ The detectors are not installed.")
