"""Reads of the indices: a year's table of all cities (totals, favourable flags, ranks, group ranks, changes),
a city's history, the averages, the weakest cells of the 6×6 matrix. Ranks are computed here, when read, so a
re-imported year or a changed group assignment never leaves a stale rank behind."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from atomgrad.cities.models import City
from atomgrad.citystats.models import (
    IndexKind,
    IndexYear,
    QolResult,
    UrbanGroup,
    UrbanNationalAverage,
    UrbanScore,
)
from atomgrad.citystats.urban import (
    BASE_YEAR,
    CRITERIA,
    FAVOURABLE_ABOVE,
    INDICATORS,
    SPACES,
    indicator_label,
    indicator_position,
)

TWO_PLACES = Decimal("0.01")


@dataclass
class UrbanRow:
    """One city's urban index in one year, with everything that is relative to other rows."""

    city: City
    year: int
    values: list[Decimal]
    total: Decimal
    group: int | None
    rank: int = 0
    cities_ranked: int = 0
    group_rank: int | None = None
    group_size: int | None = None
    change_base: Decimal | None = None  # against 2019
    change_previous: Decimal | None = None  # against the year before

    @property
    def favourable(self) -> bool:
        return self.total > FAVOURABLE_ABOVE


@dataclass
class QolRow:
    city: City
    year: int
    score: float
    rank: int
    rank_low: int
    rank_high: int
    domains: dict[str, float] = field(default_factory=dict)


def competition_ranks(totals: list[Decimal]) -> list[int]:
    """1 = highest; equal totals share a rank and the next rank skips (1, 2, 2, 4)."""
    return [1 + sum(1 for other in totals if other > total) for total in totals]


def years_loaded(*, kind: str = IndexKind.URBAN) -> list[int]:
    return list(IndexYear.objects.filter(kind=kind).order_by("year").values_list("year", flat=True))


def year_is_demo(*, kind: str, year: int) -> bool:
    return IndexYear.objects.filter(kind=kind, year=year, is_demo=True).exists()


def groups_by_city() -> dict[int, int]:
    return dict(UrbanGroup.objects.values_list("city_id", "group"))


def _totals(year: int) -> dict[int, Decimal]:
    return dict(UrbanScore.objects.filter(year=year).values_list("city_id", "total"))


def urban_year_rows(*, year: int) -> list[UrbanRow]:
    """Every city with a value in `year`: ranked among the atomic cities loaded, within its group (when the
    city has one), with its change against 2019 and against the year before (None when either is missing).
    Sorted by rank, then name."""
    groups = groups_by_city()
    scores = list(UrbanScore.objects.filter(year=year).select_related("city"))
    base = _totals(BASE_YEAR) if year != BASE_YEAR else {}
    previous = _totals(year - 1)
    rows = [
        UrbanRow(city=score.city, year=year, values=[Decimal(value) for value in score.values], total=score.total,
                 group=groups.get(score.city_id))
        for score in scores
    ]
    for row, rank in zip(rows, competition_ranks([row.total for row in rows]), strict=True):
        row.rank = rank
        row.cities_ranked = len(rows)
    by_group: dict[int, list[UrbanRow]] = {}
    for row in rows:
        if row.group is not None:
            by_group.setdefault(row.group, []).append(row)
    for members in by_group.values():
        for row, rank in zip(members, competition_ranks([row.total for row in members]), strict=True):
            row.group_rank = rank
            row.group_size = len(members)
    for row in rows:
        if year == BASE_YEAR:
            row.change_base = Decimal(0).quantize(TWO_PLACES)
        elif row.city.pk in base:
            row.change_base = (row.total - base[row.city.pk]).quantize(TWO_PLACES)
        if row.city.pk in previous:
            row.change_previous = (row.total - previous[row.city.pk]).quantize(TWO_PLACES)
    rows.sort(key=lambda row: (row.rank, row.city.name_ru))
    return rows


def urban_city_history(*, city: City) -> list[UrbanRow]:
    """The city's rows over the years loaded, oldest first (each computed against its year's table)."""
    years = list(UrbanScore.objects.filter(city=city).order_by("year").values_list("year", flat=True))
    history = []
    for year in years:
        history.extend(row for row in urban_year_rows(year=year) if row.city.pk == city.pk)
    return history


def national_averages() -> dict[int, Decimal]:
    return dict(UrbanNationalAverage.objects.values_list("year", "total"))


def atomic_averages() -> dict[int, Decimal]:
    """The mean of the atomic cities loaded, per year (two decimals)."""
    sums: dict[int, list[Decimal]] = {}
    for year, total in UrbanScore.objects.values_list("year", "total"):
        sums.setdefault(year, []).append(total)
    return {year: (sum(totals, Decimal(0)) / len(totals)).quantize(TWO_PLACES)
            for year, totals in sorted(sums.items())}


def urban_matrix(values: list[Decimal]) -> list[list[Decimal]]:
    """The 36 values as 6 rows (space types) × 6 columns (criteria)."""
    return [values[space * 6:(space + 1) * 6] for space in range(len(SPACES))]


def weakest_cells(values: list[Decimal], *, count: int = 3) -> list[dict[str, Any]]:
    """The `count` lowest indicators (ties: the lower number first), each with its name and position."""
    order = sorted(range(INDICATORS), key=lambda index: (values[index], index))[:count]
    cells = []
    for index in order:
        space, criterion = indicator_position(index + 1)
        cells.append({"number": index + 1, "value": values[index], "label": indicator_label(index + 1),
                      "space": SPACES[space][1], "criterion": CRITERIA[criterion][1]})
    return cells


def qol_year_rows(*, year: int) -> list[QolRow]:
    return [
        QolRow(city=result.city, year=year, score=result.score, rank=result.rank, rank_low=result.rank_low,
               rank_high=result.rank_high, domains=result.domains)
        for result in QolResult.objects.filter(year=year).select_related("city").order_by("rank", "city__name_ru")
    ]


def qol_city_history(*, city: City) -> list[QolRow]:
    return [
        QolRow(city=city, year=result.year, score=result.score, rank=result.rank, rank_low=result.rank_low,
               rank_high=result.rank_high, domains=result.domains)
        for result in QolResult.objects.filter(city=city).order_by("year")
    ]


def qol_year_info(*, year: int) -> IndexYear | None:
    return IndexYear.objects.filter(kind=IndexKind.QOL, year=year).first()


def qol_cities_ranked(*, year: int) -> int:
    return QolResult.objects.filter(year=year).count()


def latest_year(*, kind: str = IndexKind.URBAN) -> int | None:
    years = years_loaded(kind=kind)
    return years[-1] if years else None


@dataclass
class ComparisonRow:
    urban: UrbanRow
    qol: QolRow | None


# ?sort= keys of the comparison table: key → (function of a row, whether the largest comes first)
SORT_KEYS = ("rank", "name", "group", "change_base", "change_previous", "qol")


def comparison_rows(*, year: int, group: int | None = None, sort: str = "rank") -> list[ComparisonRow]:
    """All cities with an urban index in `year` (only `group`'s when given), with their quality-of-life row of
    the same year, sorted by `sort` (one of SORT_KEYS; a leading '-' reverses it). Missing values sort last."""
    qol = {row.city.pk: row for row in qol_year_rows(year=year)}
    rows = [ComparisonRow(urban=row, qol=qol.get(row.city.pk)) for row in urban_year_rows(year=year)
            if group is None or row.group == group]
    reverse = sort.startswith("-")
    key = sort.lstrip("-")
    if key not in SORT_KEYS:
        key, reverse = "rank", False
    missing = float("inf")

    def value(row: ComparisonRow) -> tuple[Any, ...]:
        urban = row.urban
        if key == "name":
            return (urban.city.name_ru,)
        if key == "group":
            return (urban.group if urban.group is not None else missing, urban.group_rank or missing)
        if key == "change_base":
            return (-urban.change_base if urban.change_base is not None else missing,)
        if key == "change_previous":
            return (-urban.change_previous if urban.change_previous is not None else missing,)
        if key == "qol":
            return (row.qol.rank if row.qol else missing,)
        return (urban.rank,)

    present = [row for row in rows if value(row)[0] != missing]
    absent = [row for row in rows if value(row)[0] == missing]
    present.sort(key=lambda row: (value(row), row.urban.city.name_ru), reverse=reverse)
    return present + sorted(absent, key=lambda row: row.urban.city.name_ru)
