"""The organisers' overview of a season's findings, city by city (thin: the reads are in selectors_review)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from atomgrad.award.models import Season
from atomgrad.integrity.models import FindingKind
from atomgrad.integrity.permissions import findings_overview_visible
from atomgrad.integrity.selectors import season_overview


@require_GET
@never_cache
@login_required
def overview(request: HttpRequest, year: int) -> HttpResponse:
    """Findings per city and kind, the votes they cover and the top score — while the vote runs too, so an
    attack is seen the day it starts. No count per candidate: that would be the ranking."""
    if not findings_overview_visible(user=request.user):
        raise Http404
    season = Season.objects.filter(year=year).first()
    if season is None:
        raise Http404
    cities = season_overview(season=season)
    kinds = [(kind.value, kind.label) for kind in FindingKind]
    rows = [(entry, [entry.by_kind.get(value, 0) for value, _ in kinds]) for entry in cities]
    return render(request, "integrity/overview.html", {
        "season": season, "rows": rows, "kinds": kinds,
        "seasons": Season.objects.order_by("-year"), "now": timezone.now(),
        "voting": season.voting_open_at <= timezone.now() < season.voting_close_at,
    })
