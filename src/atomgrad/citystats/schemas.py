"""Output schemas of the indices' API (every public field named)."""

from __future__ import annotations

from typing import Any

from ninja import Schema


class StatsText(Schema):
    ru: str
    en: str


class StatsErrorOut(Schema):
    """The one error shape: `{code, message: {ru, en}, details}`."""

    code: str
    message: StatsText
    details: dict[str, Any] = {}


class UrbanRowOut(Schema):
    city: str
    city_name: str
    year: int
    values: list[float]
    total: float
    favourable: bool
    group: int | None
    rank: int
    cities_ranked: int
    group_rank: int | None
    group_size: int | None
    change_since_2019: float | None
    change_since_previous_year: float | None


class QolRowOut(Schema):
    city: str
    city_name: str
    year: int
    score: float
    rank: int
    rank_interval: list[int]
    domains: dict[str, float | None]


class CityIndicesOut(Schema):
    city: str
    city_name: str
    fictional: bool
    urban_index: list[UrbanRowOut]
    national_average: dict[str, float]
    atomic_average: dict[str, float]
    quality_of_life: list[QolRowOut]


class UrbanYearOut(Schema):
    favourable_above: float
    national_average: float | None
    atomic_average: float | None
    cities: list[UrbanRowOut]


class QolYearOut(Schema):
    method_version: str | None
    method_sha256: str | None
    sensitivity: dict[str, int | None] | None
    cities: list[QolRowOut]


class YearOut(Schema):
    format: str
    year: int
    fictional: bool
    urban_index: UrbanYearOut
    quality_of_life: QolYearOut


class MethodOut(Schema):
    version: str
    sha256: str
    versions: list[str]
    urban_index: dict[str, Any]
    quality_of_life: dict[str, Any]
