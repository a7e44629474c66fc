"""`{% load citystats %}{% citystats_summary city %}`: a city's latest index figures and a link to its
dashboard, for pages of other apps (issue 11's city page) — they include it by template, importing nothing."""

from __future__ import annotations

from typing import Any

from django import template

from atomgrad.cities.models import City
from atomgrad.citystats.selectors import qol_city_history, urban_city_history

register = template.Library()


@register.inclusion_tag("citystats/_summary.html")
def citystats_summary(city: City) -> dict[str, Any]:
    urban = urban_city_history(city=city)
    qol = qol_city_history(city=city)
    return {"city": city, "urban": urban[-1] if urban else None, "qol": qol[-1] if qol else None}
