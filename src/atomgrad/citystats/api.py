"""The indices' read API under /api/v1/stats/: a city's indices over the years, all cities for a year, the
method. Endpoints translate selectors into the schemas; a missing thing is ApplicationError(status=404)."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router

from atomgrad.cities.models import City
from atomgrad.citystats.method import method_load, method_versions
from atomgrad.citystats.models import IndexKind
from atomgrad.citystats.schemas import CityIndicesOut, MethodOut, StatsErrorOut, YearOut
from atomgrad.citystats.selectors import (
    atomic_averages,
    national_averages,
    qol_city_history,
    urban_city_history,
    year_is_demo,
    years_loaded,
)
from atomgrad.citystats.services.opendata import qol_row_json, urban_row_json, year_document
from atomgrad.citystats.urban import CRITERIA, FAVOURABLE_ABOVE, INDICATORS, SPACES, indicator_label_en
from atomgrad.citystats.urban import indicator_label as indicator_label_ru
from atomgrad.core.errors import ApplicationError

router = Router(tags=["Атомграды в цифрах / city indices"])
NOT_FOUND = {404: StatsErrorOut}


@router.get("/stats/cities/{slug}", response={200: CityIndicesOut, **NOT_FOUND}, summary="A city's indices")
def city_indices(request: HttpRequest, slug: str) -> dict[str, object]:
    """Both indices of one city for every year loaded, with the national and the atomic cities' averages."""
    city = City.objects.filter(slug=slug).first()
    if city is None:
        raise ApplicationError("city_not_found", "Такого города нет среди атомградов.",
                               "There is no such atomic city.", status=404, details={"slug": slug})
    urban = urban_city_history(city=city)
    return {
        "city": city.slug, "city_name": city.name_ru,
        "fictional": any(year_is_demo(kind=IndexKind.URBAN, year=row.year) for row in urban),
        "urban_index": [urban_row_json(row) for row in urban],
        "national_average": {str(year): float(total) for year, total in national_averages().items()},
        "atomic_average": {str(year): float(total) for year, total in atomic_averages().items()},
        "quality_of_life": [qol_row_json(row) for row in qol_city_history(city=city)],
    }


@router.get("/stats/years/{year}", response={200: YearOut, **NOT_FOUND}, summary="All cities for a year")
def year_indices(request: HttpRequest, year: int) -> dict[str, object]:
    """Every city's urban index (36 values, total, favourable, ranks, group rank, changes) and quality-of-life
    index (score, rank, rank interval, domain scores) for a year; the same document as the open data JSON."""
    if year not in set(years_loaded(kind=IndexKind.URBAN)) | set(years_loaded(kind=IndexKind.QOL)):
        raise ApplicationError("year_not_loaded", f"Данных индексов за {year} год нет.",
                               f"There is no index data for {year}.", status=404, details={"year": year})
    return year_document(year=year)


@router.get("/stats/method", response={200: MethodOut, **NOT_FOUND}, summary="The method")
def method(request: HttpRequest, version: str | None = None) -> dict[str, object]:
    """The quality-of-life method (the versioned data file as it is) and the urban index's fixed structure."""
    loaded = method_load(version=version)
    return {
        "version": loaded.version, "sha256": loaded.sha256, "versions": method_versions(),
        "urban_index": {
            "order": "510-р of 23.03.2019", "indicators": INDICATORS, "value_range": [0, 10],
            "total_range": [0, 360], "favourable_above": float(FAVOURABLE_ABOVE),
            "space_types": [{"code": code, "name_ru": str(ru), "name_en": en} for code, ru, en in SPACES],
            "criteria": [{"code": code, "name_ru": str(ru), "name_en": en} for code, ru, en in CRITERIA],
            "numbering": [{"number": number, "name_ru": str(indicator_label_ru(number)),
                           "name_en": indicator_label_en(number)} for number in range(1, INDICATORS + 1)],
        },
        "quality_of_life": loaded.document,
    }


def _development_routes() -> None:
    """What the cities do (master plans, contest, events) lives in api_development.py, under the same prefix."""
    from atomgrad.citystats.api_development import router as development_router

    router.add_router("", development_router)


_development_routes()
