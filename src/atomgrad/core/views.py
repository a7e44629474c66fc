"""The home and rules pages: both read the current season (phase from its dates, settings) through selectors."""

from __future__ import annotations

from pathlib import Path

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe

from atomgrad.award import selectors
from atomgrad.award.models import NominationKind
from atomgrad.award.phases import Phase


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    season = selectors.season_current()
    context: dict[str, object] = {"season": season}
    if season is not None:
        phase = season.phase
        context.update({
            "phase": phase,
            "phase_rules": season.phase_rules,
            "timeline": selectors.season_timeline(season=season),
            "stats": selectors.season_public_stats(season=season),
            "cities": selectors.city_list_for_season(season=season),
            "results_phase": phase in (Phase.RESULTS, Phase.CEREMONY),
        })
    return render(request, "core/home.html", context)


@require_safe
def rules(request: HttpRequest) -> HttpResponse:
    season = selectors.season_current()
    return render(request, "core/rules.html", {
        "season": season,
        "timeline": selectors.season_timeline(season=season) if season else [],
        "spheres": selectors.sphere_list(),
        "nominators": [kind for kind in NominationKind if kind != NominationKind.SELF],
    })


FAVICON_ICO = (Path(__file__).resolve().parent / "static" / "core" / "favicon.ico").read_bytes()


@require_safe
@cache_control(public=True, max_age=7 * 24 * 3600)
def favicon(request: HttpRequest) -> HttpResponse:
    """/favicon.ico for the clients that ask for it whatever the page links (the pages link the SVG icon)."""
    return HttpResponse(FAVICON_ICO, content_type="image/x-icon")
