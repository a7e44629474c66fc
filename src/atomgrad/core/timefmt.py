"""Dates the Russian way, in Moscow time: «27 ноября 2026 г., 14:05 (МСК)»."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.utils import timezone, translation
from django.utils.translation import get_language

MOSCOW = ZoneInfo("Europe/Moscow")

MONTHS_GENITIVE_RU = (
    "января", "февраля", "марта", "апреля", "мая", "июня",
    "июля", "августа", "сентября", "октября", "ноября", "декабря",
)
MONTHS_EN = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)


def to_moscow(value: dt.datetime) -> dt.datetime:
    return timezone.localtime(value, MOSCOW)


def format_date(value: dt.date | dt.datetime) -> str:
    if isinstance(value, dt.datetime):
        value = to_moscow(value)
    if (get_language() or "ru").startswith("en"):
        return f"{value.day} {MONTHS_EN[value.month - 1]} {value.year}"
    return f"{value.day} {MONTHS_GENITIVE_RU[value.month - 1]} {value.year} г."


def format_datetime(value: dt.datetime, *, seconds: bool = False) -> str:
    """«27 ноября 2026 г., 14:05 (МСК)»; with `seconds`, «…, 14:05:09 (МСК)» (the review: a burst of votes is
    seconds apart)."""
    local = to_moscow(value)
    suffix = "MSK" if (get_language() or "ru").startswith("en") else "МСК"
    clock = f"{local:%H:%M:%S}" if seconds else f"{local:%H:%M}"
    return f"{format_date(local)}, {clock} ({suffix})"


def datetime_in(value: dt.datetime, language: str) -> str:
    """`format_datetime` in `language` ("ru", "en"), whatever the request's: for the two halves of a refusal."""
    with translation.override(language):
        return format_datetime(value)


def plural(number: int, forms: str) -> str:
    """The word form that goes with a number. Three comma-separated forms follow Russian rules
    («год,года,лет»: 1 год, 3 года, 5 лет, 21 год, 11 лет); two follow English ones («year,years»), so a
    translated form list picks the right rule by itself."""
    variants = [form.strip() for form in forms.split(",")]
    number = abs(int(number))
    if len(variants) == 3:
        if number % 10 == 1 and number % 100 != 11:
            return variants[0]
        if 2 <= number % 10 <= 4 and not 12 <= number % 100 <= 14:
            return variants[1]
        return variants[2]
    if len(variants) == 2:
        return variants[0] if number == 1 else variants[1]
    return variants[0]
