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


@register.filter
def rub(kopecks: int | None) -> str:
    """Kopecks as roubles the Russian way: «10 625 000 000 ₽» (thin spaces between thousands)."""
    if kopecks is None:
        return "—"
    roubles, rest = divmod(int(kopecks), 100)
    text = f"{roubles:,}".replace(",", "\u202f")
    return f"{text},{rest:02d} ₽" if rest else f"{text} ₽"


@register.filter
def rub_short(kopecks: int | None) -> str:
    """Kopecks as a short amount: «10,6 млрд ₽», «245 млн ₽»."""
    from django.utils.translation import gettext

    if kopecks is None:
        return "—"
    roubles = int(kopecks) / 100
    for size, word in ((1e9, gettext("млрд")), (1e6, gettext("млн")), (1e3, gettext("тыс."))):
        if roubles >= size:
            value = roubles / size
            text = f"{value:.1f}".rstrip("0").rstrip(".") if value < 100 else f"{value:.0f}"
            return f"{text.replace('.', ',')} {word} ₽"
    return f"{roubles:.0f} ₽"


@register.filter
def moscow(value: Any) -> str:
    """An aware datetime as «2 декабря 2026 г., 18:30 (МСК)»."""
    from atomgrad.core.timefmt import format_datetime

    return format_datetime(value) if value else "—"


@register.simple_tag
def query(**params: Any) -> str:
    """A query string from the non-empty params (links of the summary's figures to their rows)."""
    from urllib.parse import urlencode

    return "?" + urlencode({key: value for key, value in params.items() if value not in (None, "")})
