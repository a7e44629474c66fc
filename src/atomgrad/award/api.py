"""The public read API of the award: seasons, cities, spheres and published candidates.

Endpoints only translate: query parameters → selectors → output schemas (`award.schemas`), which name every
public field. Missing things are `ApplicationError(status=404)`, answered as `{code, message: {ru, en}}`.
The path `/api/v1/cities/{slug}/candidates` is a contract other clients (the bot) rely on.
"""


from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja import Path as PathParam
from ninja.pagination import LimitOffsetPagination, paginate

from atomgrad.award import selectors
from atomgrad.award.models import Application, Season, Sphere
from atomgrad.award.schemas import CandidateDetailOut, CandidateOut, CityOut, ErrorOut, SeasonOut, SphereOut
from atomgrad.cities.models import City
from atomgrad.core.apitypes import ObjectId, Slug, Year
from atomgrad.core.errors import ApplicationError

router = Router(tags=["award"])

NOT_FOUND = {404: ErrorOut}
# No city has a million candidates; a bound keeps the offset inside what the databases' LIMIT/OFFSET accept.
MAX_OFFSET = 1_000_000


class CandidatePagination(LimitOffsetPagination):
    """`limit` (1–100, default 24) and `offset`; the answer is `{items, count}`."""

    class Input(Schema):
        limit: int = Field(24, ge=1, le=100, description="Сколько соискателей вернуть (не больше 100)")
        offset: int = Field(0, ge=0, le=MAX_OFFSET, description="Сколько соискателей пропустить")


class CandidateFilters(Schema):
    sphere: str | None = Field(None, max_length=64, description="Код (slug) сферы, например `education`")
    q: str | None = Field(None, max_length=200, description="Поиск по имени, месту работы или должности")
    season: Year | None = Field(None, description="Год сезона; по умолчанию текущий")


def _season_or_404(year: int | None = None) -> Season:
    season = selectors.season_current() if year is None else selectors.season_get(year=year)
    if season is None:
        if year is None:
            raise ApplicationError(
                "season_not_found", "Сезон премии ещё не объявлен.", "No season of the award has been announced yet.",
                status=404,
            )
        raise ApplicationError(
            "season_not_found", f"Сезона {year} года нет.", f"There is no {year} season.", status=404,
            details={"year": year},
        )
    return season


def _city_or_404(slug: str, season: Season | None) -> City:
    city = selectors.city_get_with_participation(slug=slug, season=season)
    if city is None:
        raise ApplicationError(
            "city_not_found", "Такого города нет среди атомградов.", "There is no such atomic city.", status=404,
            details={"slug": slug},
        )
    return city


def _sphere_or_404(slug: str) -> Sphere:
    sphere = selectors.sphere_list(active_only=False).filter(slug=slug).first()
    if sphere is None:
        raise ApplicationError(
            "sphere_not_found", "Такой сферы нет.", "There is no such sphere.", status=404, details={"slug": slug}
        )
    return sphere


@router.get("/seasons", response=list[SeasonOut], url_name="season_list", summary="Сезоны премии")
def season_list(request: HttpRequest) -> QuerySet[Season]:
    """All seasons, newest first, with their dates in Moscow time, the current phase and the settings."""
    return selectors.season_list()


@router.get("/seasons/{year}", response={200: SeasonOut, **NOT_FOUND}, url_name="season_detail",
            summary="Сезон по году")
def season_detail(request: HttpRequest, year: PathParam[Year]) -> Season:
    return _season_or_404(year)


@router.get("/cities", response=list[CityOut], url_name="city_list", summary="Атомграды")
def city_list(request: HttpRequest) -> QuerySet[City]:
    """All atomic cities; `participates` and `candidate_count` refer to the current season."""
    return selectors.city_list_with_participation(season=selectors.season_current())


@router.get("/cities/{slug}", response={200: CityOut, **NOT_FOUND}, url_name="city_detail", summary="Город")
def city_detail(request: HttpRequest, slug: PathParam[Slug]) -> City:
    return _city_or_404(slug, selectors.season_current())


@router.get("/spheres", response=list[SphereOut], url_name="sphere_list", summary="Сферы")
def sphere_list(request: HttpRequest) -> QuerySet[Sphere]:
    """The spheres candidates come from (active ones, in the organisers' order)."""
    return selectors.sphere_list()


@router.get("/cities/{slug}/candidates", response={200: list[CandidateOut], **NOT_FOUND},
            url_name="city_candidates", summary="Соискатели города")
@paginate(CandidatePagination)
def city_candidates(
    request: HttpRequest, slug: PathParam[Slug], filters: Query[CandidateFilters]
) -> QuerySet[Application]:
    """The published candidates of a city in the current season (or `season`), alphabetically.

    Optional filters: `sphere` (a sphere's slug) and `q` (words of the name, workplace or position).
    """
    season = _season_or_404(filters.season)
    city = _city_or_404(slug, season)
    sphere = _sphere_or_404(filters.sphere) if filters.sphere else None
    return selectors.candidate_list_published(season=season, city=city, sphere=sphere, query=filters.q or "")


@router.get("/candidates/{candidate_id}", response={200: CandidateDetailOut, **NOT_FOUND},
            url_name="candidate_detail", summary="Соискатель")
def candidate_detail(request: HttpRequest, candidate_id: PathParam[ObjectId]) -> Application:
    """A published candidate of any season. Applications that are not accepted do not exist here."""
    candidate = selectors.candidate_get_published(candidate_id=candidate_id)
    if candidate is None:
        raise ApplicationError(
            "candidate_not_found", "Такого соискателя нет.", "There is no such candidate.", status=404,
            details={"id": candidate_id},
        )
    return candidate
