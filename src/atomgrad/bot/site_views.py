"""The site's pages about the bot that are not the webhook (kept apart from `views.py`, which imports aiogram):
a city's printable poster for its committee."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from atomgrad.award.selectors import season_current
from atomgrad.bot.posters import city_poster_pdf
from atomgrad.cities.permissions import access_city


@require_GET
@login_required
def city_poster(request: HttpRequest, slug: str) -> HttpResponse:
    """The A4 poster of a city the person may act on (its committee, organisers); another city is a 404."""
    city = access_city(request.user, slug)
    season = season_current()
    response = HttpResponse(city_poster_pdf(city=city, season=season), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="poster-{city.slug}.pdf"'
    return response
