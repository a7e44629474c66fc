"""Shared arguments of the results commands: --season (a year; default the latest) and --city (a slug)."""

from __future__ import annotations

from django.core.management.base import CommandError

from atomgrad.award.models import Season
from atomgrad.cities.models import City
from atomgrad.results.selectors import season_get


def season_from(year: int | None) -> Season:
    season = season_get(year=year)
    if season is None:
        known = ", ".join(str(y) for y in Season.objects.order_by("year").values_list("year", flat=True))
        if year is None:
            raise CommandError("Сезонов нет: сначала создайте сезон (или загрузите демо: manage.py demo).")
        raise CommandError(f"Сезона {year} нет. Есть сезоны: {known or 'нет ни одного'}.")
    return season


def city_from(slug: str) -> City:
    city = City.objects.filter(slug=slug).first()
    if city is None:
        sample = ", ".join(City.objects.order_by("slug").values_list("slug", flat=True)[:12])
        raise CommandError(f"Города «{slug}» нет. Коды городов: {sample}…")
    return city
