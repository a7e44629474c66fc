"""The results API: the published results of a season and of a city (the same data as the pages, the exports
and the signed protocol PDFs). Nothing here exists for a city before its publication.

`GET /api/v1/cities/{slug}/results` (in `voting.api`) also answers with the published numbers
(`counts: "published"`) once a city's result is published.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Path as PathParam
from ninja import Router

from atomgrad.cities.models import City
from atomgrad.core.apitypes import Slug, Year
from atomgrad.core.errors import ApplicationError
from atomgrad.results.schemas import CityPublishedOut, SeasonResultsOut
from atomgrad.results.selectors import published_city_data, season_get
from atomgrad.results.services.exports import results_document
from atomgrad.voting.schemas import RefusalOut

router = Router(tags=["results"])


def _season(year: int) -> Any:
    season = season_get(year=year)
    if season is None:
        raise ApplicationError("season_not_found", "Такого сезона нет.", "There is no such season.", status=404,
                               details={"season": year})
    return season


@router.get("/results/{year}", response={200: SeasonResultsOut, 404: RefusalOut}, url_name="season_results",
            summary="Опубликованные итоги сезона")
def season_results(request: HttpRequest, year: PathParam[Year]) -> dict[str, Any]:
    """Every published city's result (the signed protocol's numbers, its PDF's SHA-256 and ledger head), and
    the slugs of the cities not published yet. The public verifier reads this document."""
    return results_document(season=_season(year))


@router.get("/results/{year}/cities/{slug}", response={200: CityPublishedOut, 404: RefusalOut},
            url_name="city_results_published", summary="Опубликованные итоги города")
def city_results_published(request: HttpRequest, year: PathParam[Year], slug: PathParam[Slug]) -> dict[str, Any]:
    """A city's published result; 404 `results_not_published` until organisers publish it."""
    season = _season(year)
    city = City.objects.filter(slug=slug).first()
    if city is None:
        raise ApplicationError("city_not_found", "Такого города нет среди атомградов.",
                               "There is no such atomic city.", status=404, details={"slug": slug})
    data = published_city_data(season=season, city=city)
    if data is None:
        raise ApplicationError("results_not_published", "Итоги города ещё не опубликованы.",
                               "The city's result is not published yet.", status=404,
                               details={"season": season.year, "city": slug})
    return data
