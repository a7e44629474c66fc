"""The results' HTTP surface: `public.py` (the published results, the archive, the verifier) and `committee.py`
(the committees' and organisers' workspace). What both need to load stands here."""

from __future__ import annotations

from django.http import Http404

from atomgrad.award.models import Season
from atomgrad.results.selectors import season_get


def season_or_404(year: int) -> Season:
    """The season of `year`, or a 404 page."""
    season = season_get(year=year)
    if season is None:
        raise Http404
    return season
