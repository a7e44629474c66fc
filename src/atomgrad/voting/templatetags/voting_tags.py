"""`{% load voting_tags %}{% vote_button candidate %}`: the vote button on candidate cards and pages.

The button's state needs the season, the logged-in voter and whom they voted for. That is read once per
request (a `Ballot`, cached on the request), so a page of 24 cards costs the same few queries as one card. A
view that already knows (`ballot` in its context, from `voting.selectors.ballot_for`) saves even those.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django import template
from django.urls import reverse

from atomgrad.award.models import Application, Season
from atomgrad.voting.auth import session_voter
from atomgrad.voting.selectors import Ballot, ButtonState, ballot_for

register = template.Library()

_CACHE_ATTRIBUTE = "_atomgrad_ballots"


def _season_for(context: template.Context, candidate: Application) -> Season:
    """The candidate's season with all its fields (a season loaded with deferred fields would cost a query for
    each field the button reads, so it is read again whole)."""
    options = [context.get("season")]
    if Application.season.is_cached(candidate):  # type: ignore[attr-defined]
        options.append(candidate.season)
    for season in options:
        if isinstance(season, Season) and season.pk == candidate.season_id and not season.get_deferred_fields():
            return season
    return Season.objects.get(pk=candidate.season_id)


def ballot_for_request(context: template.Context, candidate: Application) -> Ballot | None:
    """The page's Ballot for the candidate's season: from the context, else read once and kept on the request."""
    given = context.get("ballot")
    if isinstance(given, Ballot) and given.season.pk == candidate.season_id:
        return given
    request = context.get("request")
    if request is None:
        return None
    cache: dict[int, Ballot] = getattr(request, _CACHE_ATTRIBUTE, None) or {}
    if candidate.season_id not in cache:
        season = _season_for(context, candidate)
        cache[candidate.season_id] = ballot_for(season=season, voter=session_voter(request, season=season))
        setattr(request, _CACHE_ATTRIBUTE, cache)
    return cache[candidate.season_id]


@register.inclusion_tag("voting/_vote_button.html", takes_context=True)
def vote_button(context: template.Context, candidate: Application, variant: str = "card") -> dict[str, Any]:
    """The button (or the reason there is none) for one candidate; `variant` is "card" or "page"."""
    ballot = ballot_for_request(context, candidate)
    confirm_url = reverse("voting:confirm", args=[candidate.pk])
    return {
        "candidate": candidate,
        "ballot": ballot,
        "state": ballot.state_for(candidate) if ballot else ButtonState.HIDDEN,
        "variant": variant,
        "confirm_url": confirm_url,
        "login_url": f"{reverse('voting:login')}?{urlencode({'next': confirm_url})}",
        "csrf_token": context.get("csrf_token"),
    }
