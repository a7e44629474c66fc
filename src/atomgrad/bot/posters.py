"""Printable A4 posters for a city's vote, with QR codes to the city's page and to the bot, for committees to
download and hang up. Rendered like the protocols (WeasyPrint, the shipped fonts, Russian whatever the
request's language)."""

from __future__ import annotations

import base64

import segno
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from atomgrad.award.models import Season
from atomgrad.bot.links import bot_username
from atomgrad.cities.models import City
from atomgrad.core import timefmt
from atomgrad.results.pdf.render import render_pdf


def _qr_data_uri(data: str) -> str:
    """A QR code as an SVG data URI for the PDF's <img> (crisp at any print size)."""
    svg = segno.make(data, error="m").svg_inline(scale=1, border=2, omitsize=True, light="#fff", dark="#000")
    svg = svg.replace("<svg ", '<svg xmlns="http://www.w3.org/2000/svg" ', 1)
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


def city_poster_pdf(*, city: City, season: Season | None) -> bytes:
    """The city's poster for `season` (its vote's dates and rules; without a season, no dates)."""
    site_url = settings.SITE_URL + reverse("award:city_detail", args=[city.slug])
    username = bot_username()
    bot_url = f"https://t.me/{username}" if username else ""
    votes_per_voter = season.votes_per_voter if season else 3
    with translation.override("ru"):
        context = {
            "city_name": city.name_ru,
            "season_year": season.year if season else "",
            "voting_open_at": timefmt.format_date(season.voting_open_at) if season else "",
            "voting_close_at": timefmt.format_date(season.voting_close_at) if season else "",
            "site_url": site_url, "site_qr": _qr_data_uri(site_url),
            "bot_url": bot_url, "bot_username": username, "bot_qr": _qr_data_uri(bot_url) if bot_url else "",
            "votes_per_voter": votes_per_voter,
            "votes_word": timefmt.plural(votes_per_voter, "голоса,голосов,голосов"),
        }
    return render_pdf("poster.html", context)
